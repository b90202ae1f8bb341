"""Quick fixes, fix-all and hover, applied the way an editor applies them and then re-checked."""

from __future__ import annotations

import pytest
from lsp_client import (
    SOFTMAX_LOG,
    Client,
    apply_text_edits,
    capabilities,
    edits_of,
    make_range,
    session,
)
from lsprotocol import types

STABLE = """\
import torch

p = torch.log(torch.sigmoid(x))  # keep this comment
"""

MANY = """\
import tensorflow as tf
import torch

y_conv = tf.nn.softmax(logits)
cross_entropy = -tf.reduce_sum(y_ * tf.log(y_conv))
bce = torch.log(torch.sigmoid(x)) * t
other = torch.log(torch.sigmoid(x))  # noqa: NG001
"""


def code_action_params(
    uri: str, diagnostics: list[types.Diagnostic], only: list[str] | None = None, line: int = 0
) -> types.CodeActionParams:
    where = diagnostics[0].range if diagnostics else make_range(line, 0, line, 0)
    return types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=where,
        context=types.CodeActionContext(diagnostics=diagnostics, only=only),
    )


async def quick_fixes(client: Client, uri: str, diagnostic: types.Diagnostic) -> dict[str, types.CodeAction]:
    actions = await client.text_document_code_action_async(
        code_action_params(uri, [diagnostic], only=[types.CodeActionKind.QuickFix])
    )
    return {action.title: action for action in actions}


@pytest.mark.parametrize(
    ("text", "title", "expected_line", "line"),
    [
        (SOFTMAX_LOG, "Clip argument with epsilon", "cross_entropy = -tf.reduce_sum(y_ * tf.log(tf.clip_by_value(y_conv, 1e-10, 1.0)))", 3),
        (SOFTMAX_LOG, "Add epsilon", "cross_entropy = -tf.reduce_sum(y_ * tf.log(y_conv + 1e-10))", 3),
        (SOFTMAX_LOG, "Disable NG001 for this line", "cross_entropy = -tf.reduce_sum(y_ * tf.log(y_conv))  # noqa: NG001", 3),
        (STABLE, "Use log_sigmoid", "p = torch.nn.functional.logsigmoid(x)  # keep this comment", 2),
    ],
)
async def test_each_quick_fix_applies_and_clears_the_finding(client: Client, file_uri, text, title, expected_line, line):
    uri = file_uri()
    client.open(uri, text)
    [diagnostic] = await client.wait_diagnostics(uri, 1)
    actions = await quick_fixes(client, uri, diagnostic)
    action = actions[title]
    assert action.kind == types.CodeActionKind.QuickFix
    assert list(action.diagnostics) == [diagnostic]
    assert bool(action.is_preferred) == (title == "Clip argument with epsilon")

    edits = edits_of(action, uri)
    fixed = apply_text_edits(text, edits)
    assert fixed.split("\n")[line] == expected_line
    # The editor sends the edit back as a change; the finding is gone.
    client.send_edits(uri, 2, edits)
    assert await client.wait_diagnostics(uri, 2) == []


async def test_softmax_and_sigmoid_arguments_offer_the_stable_function(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, "import tensorflow as tf\nloss = tf.log(tf.nn.softmax(logits))\n")
    [diagnostic] = await client.wait_diagnostics(uri, 1)
    actions = await quick_fixes(client, uri, diagnostic)
    assert list(actions) == ["Clip argument with epsilon", "Add epsilon", "Use log_softmax", "Disable NG001 for this line"]
    fixed = apply_text_edits("import tensorflow as tf\nloss = tf.log(tf.nn.softmax(logits))\n", edits_of(actions["Use log_softmax"], uri))
    assert fixed == "import tensorflow as tf\nloss = tf.nn.log_softmax(logits)\n"


async def test_fix_all_applies_every_default_fix_and_leaves_noqa_alone(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, MANY)
    assert len(await client.wait_diagnostics(uri, 1)) == 2
    for only in ([types.CodeActionKind.SourceFixAll.value], ["source.fixAll.nanguard"], [types.CodeActionKind.Source.value]):
        [action] = await client.text_document_code_action_async(code_action_params(uri, [], only=only))
        assert action.kind == (only[0] if only[0] != "source" else "source.fixAll.nanguard")
        fixed = apply_text_edits(MANY, edits_of(action, uri))
        assert fixed == MANY.replace(
            "tf.log(y_conv)", "tf.log(tf.clip_by_value(y_conv, 1e-10, 1.0))"
        ).replace("bce = torch.log(torch.sigmoid(x))", "bce = torch.log(torch.clamp(torch.sigmoid(x), min=1e-10))")
        # Minimal edits: insertions around the arguments, nothing else rewritten.
        assert all(e.range.start == e.range.end for e in edits_of(action, uri))

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    assert await client.wait_diagnostics(uri, 2) == []
    again = await client.text_document_code_action_async(code_action_params(uri, [], only=["source.fixAll"]))
    assert list(again) == [], "fixing twice changes nothing"


async def test_quick_fixes_use_versioned_edits_when_the_client_supports_them(tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    async with session(client_capabilities=capabilities(document_changes=True)) as client:
        client.open(uri, SOFTMAX_LOG, version=4)
        [diagnostic] = await client.wait_diagnostics(uri, 4)
        action = (await quick_fixes(client, uri, diagnostic))["Clip argument with epsilon"]
        [change] = action.edit.document_changes
        assert change.text_document == types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=4)


async def test_code_actions_for_a_changed_or_closed_document_are_empty(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, SOFTMAX_LOG)
    [diagnostic] = await client.wait_diagnostics(uri, 1)
    client.change(uri, 2, ((0, 0, 0, 0), "\n"))  # every fix of version 1 would now land a line too high
    stale = await client.text_document_code_action_async(
        code_action_params(uri, [diagnostic], only=[types.CodeActionKind.QuickFix])
    )
    assert list(stale) == []

    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert list(await client.text_document_code_action_async(code_action_params(uri, [diagnostic]))) == []
    never_opened = file_uri("elsewhere.py")
    assert list(await client.text_document_code_action_async(code_action_params(never_opened, [diagnostic]))) == []


async def test_diagnostics_sent_back_without_data_still_get_their_fixes(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, SOFTMAX_LOG)
    [diagnostic] = await client.wait_diagnostics(uri, 1)
    stripped = types.Diagnostic(range=diagnostic.range, message=diagnostic.message, code="NG001", source="nanguard")
    actions = await quick_fixes(client, uri, stripped)
    assert list(actions) == ["Clip argument with epsilon", "Add epsilon", "Disable NG001 for this line"]


async def test_hover_explains_the_rule_and_shows_the_fix(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, SOFTMAX_LOG)
    await client.wait_diagnostics(uri, 1)

    def at(line: int, character: int) -> types.HoverParams:
        return types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)
        )

    hover = await client.text_document_hover_async(at(3, 40))
    assert hover.range == make_range(3, 36, 3, 50)
    assert hover.contents.kind == types.MarkupKind.Markdown
    text = hover.contents.value
    assert text.startswith("**NG001** `tf.log(y_conv)`")
    assert "*Clip argument with epsilon*" in text
    assert "cross_entropy = -tf.reduce_sum(y_ * tf.log(tf.clip_by_value(y_conv, 1e-10, 1.0)))" in text
    assert "## Why is this bad?" in text

    assert await client.text_document_hover_async(at(0, 3)) is None
    assert await client.text_document_hover_async(at(400, 0)) is None


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
async def test_fixes_land_right_after_characters_outside_the_bmp(tmp_path, encoding):
    text = 'import torch\n\nlabel = "🚀🚀"; loss = torch.log(torch.softmax(z, dim=1))\n'
    uri = (tmp_path / "model.py").as_uri()
    async with session(client_capabilities=capabilities(encodings=[encoding])) as client:
        client.open(uri, text)
        [diagnostic] = await client.wait_diagnostics(uri, 1)
        actions = await quick_fixes(client, uri, diagnostic)
        fixed = apply_text_edits(text, edits_of(actions["Clip argument with epsilon"], uri), encoding)
        assert fixed.split("\n")[2] == 'label = "🚀🚀"; loss = torch.log(torch.clamp(torch.softmax(z, dim=1), min=1e-10))'


async def test_windows_line_endings_are_kept(client: Client, file_uri):
    text = SOFTMAX_LOG.replace("\n", "\r\n")
    uri = file_uri()
    client.open(uri, text)
    [diagnostic] = await client.wait_diagnostics(uri, 1)
    assert diagnostic.range == make_range(3, 36, 3, 50)
    actions = await quick_fixes(client, uri, diagnostic)
    fixed = apply_text_edits(text, edits_of(actions["Disable NG001 for this line"], uri))
    assert fixed.split("\r\n")[3] == "cross_entropy = -tf.reduce_sum(y_ * tf.log(y_conv))  # noqa: NG001"
    assert fixed.count("\r\n") == text.count("\r\n") and "\n" not in fixed.replace("\r\n", "")
