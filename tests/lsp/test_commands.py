"""workspace/executeCommand: fix a whole document (with work-done progress) and show a rule."""

from __future__ import annotations

import pytest
from lsp_client import SOFTMAX_LOG, apply_text_edits, capabilities, session
from lsprotocol import types
from pygls.exceptions import JsonRpcException

URI = "file:///project/train.py"
TWO = "import torch\n" + SOFTMAX_LOG + "bce = torch.log(torch.clamp(p, min=0))\n"


def with_progress() -> types.ClientCapabilities:
    claimed = capabilities()
    claimed.window = types.WindowClientCapabilities(work_done_progress=True)
    return claimed


async def test_apply_autofix_sends_the_fixed_document_as_an_edit_with_progress() -> None:
    async with session(client_capabilities=with_progress()) as client:
        assert "nanguard.applyAutofix" in client.init_result.capabilities.execute_command_provider.commands
        applied: list[types.ApplyWorkspaceEditParams] = []

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            applied.append(params)
            return types.ApplyWorkspaceEditResult(applied=True)

        client.open(URI, TWO)
        await client.wait_diagnostics(URI, 1)
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="nanguard.applyAutofix", arguments=[{"uri": URI}])
        )
        assert result == {"applied": 2}
        (params,) = applied
        fixed = apply_text_edits(TWO, list(params.edit.changes[URI]))
        assert "tf.log(tf.clip_by_value(y_conv, 1e-10, 1.0))" in fixed
        assert "torch.log(torch.clamp(p, min=1e-10))" in fixed  # the bound raised, not wrapped
        (reports,) = client.progress_reports.values()
        assert [type(report).__name__ for report in reports] == ["WorkDoneProgressBegin", "WorkDoneProgressEnd"]


async def test_apply_autofix_on_a_clean_document_applies_nothing() -> None:
    async with session() as client:
        client.open(URI, "import torch\nx = torch.log(torch.clamp(p, min=1e-3))\n")
        await client.wait_diagnostics(URI, 1)
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="nanguard.applyAutofix", arguments=[URI])
        )
        assert result == {"applied": 0}


async def test_show_rule_returns_the_rule_page() -> None:
    async with session() as client:
        page = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="nanguard.showRule", arguments=["ng100"])
        )
        assert page["code"] == "NG100" and page["markdown"].startswith("# NG100: unused-noqa")


@pytest.mark.parametrize(
    ("command", "arguments"),
    [("nanguard.showRule", ["NG999"]), ("nanguard.applyAutofix", [{"uri": "file:///not/open.py"}]), ("nanguard.nope", [])],
)
async def test_bad_commands_get_an_error_and_the_server_lives_on(command: str, arguments: list) -> None:
    async with session() as client:
        with pytest.raises(JsonRpcException):
            await client.workspace_execute_command_async(types.ExecuteCommandParams(command=command, arguments=arguments))
        client.open(URI, SOFTMAX_LOG)
        assert len(await client.wait_diagnostics(URI, 1)) == 1


async def test_a_big_first_analysis_reports_progress_and_later_ones_do_not() -> None:
    big = "import torch\n" + "".join(f"def loss_{i}(probs):\n    return torch.log(probs)\n\n" for i in range(7000))
    async with session(client_capabilities=with_progress()) as client:
        client.open(URI, big)
        assert len(await client.wait_diagnostics(URI, 1)) == 7000
        (reports,) = client.progress_reports.values()
        assert reports[0].title.startswith("nanguard: checking") and type(reports[-1]).__name__ == "WorkDoneProgressEnd"
        client.change(URI, 2, ((0, 0, 0, 0), "# edited\n"))
        await client.wait_diagnostics(URI, 2)
        assert len(client.progress_reports) == 1
