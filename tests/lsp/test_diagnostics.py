"""Diagnostics over the wire: what is published, when, for which version, in which encoding."""

from __future__ import annotations

import asyncio

import pytest
from lsp_client import SOFTMAX_LOG, Client, capabilities, make_range, session
from lsprotocol import types

RULE_URL = "https://github.com/nanguard/nanguard/blob/main/docs/rules/NG001.md"


async def test_open_publishes_the_finding_with_everything_a_client_shows(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, SOFTMAX_LOG, version=7)
    [diagnostic] = await client.wait_diagnostics(uri, 7)

    assert diagnostic.range == make_range(3, 36, 3, 50)
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.code == "NG001"
    assert diagnostic.code_description == types.CodeDescription(href=RULE_URL)
    assert diagnostic.source == "nanguard"
    assert diagnostic.message.startswith("`tf.log(y_conv)`: `y_conv` is a softmax output (line 3)")
    [related] = diagnostic.related_information
    assert related.location == types.Location(uri=uri, range=make_range(2, 9, 2, 30))
    assert "softmax output" in related.message
    titles = [fix["title"] for fix in diagnostic.data["fixes"]]
    assert titles == ["Clip argument with epsilon", "Add epsilon", "Disable NG001 for this line"]
    assert diagnostic.data["version"] == 7


async def test_incremental_changes_move_and_add_findings(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, SOFTMAX_LOG)
    await client.wait_diagnostics(uri, 1)

    # Two changes in one notification: a line inserted at the top, then a second log at the end.
    client.change(
        uri,
        2,
        ((0, 0, 0, 0), "# training\n"),
        ((5, 0, 5, 0), "penalty = tf.log(y_conv)\n"),
    )
    diagnostics = await client.wait_diagnostics(uri, 2)
    assert [d.range for d in diagnostics] == [make_range(4, 36, 4, 50), make_range(5, 10, 5, 24)]
    assert all(d.data["version"] == 2 for d in diagnostics)


async def test_a_fixed_argument_clears_the_finding(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, SOFTMAX_LOG)
    await client.wait_diagnostics(uri, 1)
    client.change(uri, 2, ((3, 49, 3, 49), " + 1e-9"))
    assert await client.wait_diagnostics(uri, 2) == []


async def test_only_the_last_version_of_a_burst_is_published(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, SOFTMAX_LOG)
    await client.wait_diagnostics(uri, 1)
    for version, character in enumerate("abcdefghij", start=2):
        client.change(uri, version, ((4, 0, 4, 0), character))
    await client.wait_diagnostics(uri, 11)
    versions = [p.version for p in client.published if p.uri == uri]
    assert versions == [1, 11], "the default 200 ms debounce analyses the burst once"


async def test_closing_clears_the_diagnostics(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, SOFTMAX_LOG)
    assert await client.wait_diagnostics(uri, 1)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert await client.wait_diagnostics(uri, None) == []


async def test_a_syntax_error_mid_typing_keeps_the_findings_elsewhere(client: Client, file_uri):
    uri = file_uri()
    text = SOFTMAX_LOG + "\n\ndef train(:\n    pass\n\nother = tf.log(tf.nn.softmax(z))\n"
    client.open(uri, text)
    diagnostics = await client.wait_diagnostics(uri, 1)
    assert [d.range.start.line for d in diagnostics] == [3, 9]

    client.change(uri, 2, ((6, 10, 6, 10), "x, y = ("))  # `def train(x, y = (:` - worse still
    diagnostics = await client.wait_diagnostics(uri, 2)
    assert [d.range.start.line for d in diagnostics] == [3, 9]


async def test_noqa_comments_silence_a_line(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, SOFTMAX_LOG.replace("tf.log(y_conv))", "tf.log(y_conv))  # noqa: NG001"))
    assert await client.wait_diagnostics(uri, 1) == []


async def test_untitled_documents_are_checked_and_other_languages_are_not(client: Client):
    client.open("untitled:Untitled-1", SOFTMAX_LOG)
    assert len(await client.wait_diagnostics("untitled:Untitled-1", 1)) == 1

    client.open("file:///tmp/notes.md", SOFTMAX_LOG, language_id="markdown")
    client.open("file:///tmp/stub.pyi", SOFTMAX_LOG, language_id="")  # a .pyi path counts as Python
    assert len(await client.wait_diagnostics("file:///tmp/stub.pyi", 1)) == 1
    assert "file:///tmp/notes.md" not in client.diagnostics


NON_BMP = """\
import torch

label = "🚀🚀"; loss = torch.log(torch.softmax(z, dim=1))
"""


@pytest.mark.parametrize(
    ("encodings", "start", "end"),
    [
        (None, 23, 57),  # UTF-16, the default: each rocket is 2 code units
        (["utf-8"], 27, 61),  # each rocket is 4 bytes
        (["utf-32"], 21, 55),  # code points
    ],
)
async def test_columns_are_counted_in_the_negotiated_encoding(tmp_path, encodings, start, end):
    uri = (tmp_path / "model.py").as_uri()
    async with session(client_capabilities=capabilities(encodings=encodings)) as client:
        expected_encoding = encodings[0] if encodings else "utf-16"
        assert client.init_result.capabilities.position_encoding == expected_encoding
        client.open(uri, NON_BMP)
        [diagnostic] = await client.wait_diagnostics(uri, 1)
        assert diagnostic.range == make_range(2, start, 2, end)

        # An edit after the rockets, positioned in the same units, lands where the client meant.
        client.change(uri, 2, ((2, end - 1, 2, end - 1), " + 1e-9"))
        assert await client.wait_diagnostics(uri, 2) == []


async def test_pull_clients_get_diagnostics_on_request_and_none_pushed(tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    async with session(client_capabilities=capabilities(pull=True)) as client:
        assert client.init_result.capabilities.diagnostic_provider is not None
        client.open(uri, SOFTMAX_LOG)
        request = types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        report = await client.text_document_diagnostic_async(request)
        assert report.kind == "full"
        [diagnostic] = report.items
        assert diagnostic.range == make_range(3, 36, 3, 50)

        again = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=report.result_id
            )
        )
        assert again.kind == "unchanged"

        client.change(uri, 2, ((3, 49, 3, 49), " + 1e-9"))
        report = await client.text_document_diagnostic_async(request)
        assert report.kind == "full" and list(report.items) == []

        await asyncio.sleep(0.5)
        assert client.published == [], "a client that pulls is not pushed to"
