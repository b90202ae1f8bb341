"""What the editor adds for ruff users: the preferred fix follows the `fix` setting, and the log
says which lines a syntax error kept from being checked (the editor underlines nothing more)."""

from __future__ import annotations

from lsp_client import capabilities, eventually, session
from lsprotocol import types

URI = "file:///project/model.py"
SIGMOID = "import torch\n\np = torch.log(torch.sigmoid(x))\n"


async def test_the_fix_setting_chooses_the_preferred_quick_fix() -> None:
    async with session(configuration={"": {"nanguard": {"fix": "stable"}}}) as client:
        client.open(URI, SIGMOID)
        (shown,) = await client.wait_diagnostics(URI, 1)
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=URI), range=shown.range,
                context=types.CodeActionContext(diagnostics=[shown], only=[types.CodeActionKind.QuickFix]),
            )
        )
        preferred = [action.title for action in actions if action.is_preferred]
        assert preferred == ["Use log_sigmoid"]
        assert actions[0].title == "Use log_sigmoid"


async def test_a_syntax_error_is_logged_with_the_lines_not_checked() -> None:
    async with session(client_capabilities=capabilities()) as client:
        text = "import torch\n\ndef f(:\n    return 1\n\nloss = torch.log(torch.rand(3))\n"
        client.open(URI, text)
        shown = await client.wait_diagnostics(URI, 1)
        assert [d.range.start.line for d in shown] == [5]  # no diagnostic for the syntax error itself

        def logged() -> list[str]:
            return [m.message for m in client.log_messages if "not fully checked" in m.message]

        await eventually(lambda: logged())
        (message,) = logged()
        assert message.startswith(f"nanguard: {URI}: line") and "3" in message
        client.change(URI, 2, ((2, 6, 2, 6), "x)"))
        await client.wait_diagnostics(URI, 2)
        assert len(logged()) == 1  # said once, not again for a clean version


async def test_per_file_ignores_and_extend_exclude_apply_in_the_editor_too(tmp_path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.nanguard]\nextend-exclude = ["generated"]\n[tool.nanguard.per-file-ignores]\n"tests/*" = ["NG001"]\n'
    )
    text = "import torch\nloss = torch.log(torch.rand(3))\n"
    uris = {name: (project / name).as_uri() for name in ("src/train.py", "tests/test_train.py", "generated/x.py")}
    async with session(folders=[project]) as client:
        for uri in uris.values():
            client.open(uri, text)
        counts = {name: len(await client.wait_diagnostics(uri, 1)) for name, uri in uris.items()}
        assert counts == {"src/train.py": 1, "tests/test_train.py": 0, "generated/x.py": 0}
