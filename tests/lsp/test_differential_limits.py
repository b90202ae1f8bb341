"""Where the server does not give the command line's answer, it says so: a document too big to
analyse at editor speed gets one diagnostic explaining that (and a log line), not a minute's
wait, and normal diagnostics again once it is small enough."""

from __future__ import annotations

from pathlib import Path

from lsp_client import SOFTMAX_LOG, session
from lsprotocol import types

from nanguard.lsp.analysis import MAX_ANALYSED_CHARACTERS


def big_module() -> str:
    block = "def f{0}(logits):\n    return tf.log(tf.nn.softmax(logits))\n\n"
    count = MAX_ANALYSED_CHARACTERS // len(block.format(0)) + 1000
    return "import tensorflow as tf\n\n" + "".join(block.format(index) for index in range(count))


async def test_a_document_over_the_limit_gets_one_diagnostic_saying_so(tmp_path: Path) -> None:
    uri = (tmp_path / "huge.py").as_uri()
    async with session(initialization_options={"nanguard": {"debounceMs": 0}}) as client:
        client.open(uri, big_module())
        [notice] = await client.wait_diagnostics(uri, 1)
        assert notice.severity == types.DiagnosticSeverity.Information
        assert "not analysed while editing" in notice.message and "nanguard check" in notice.message
        assert notice.range.start == notice.range.end == types.Position(line=0, character=0)
        assert any("not analysed while editing" in log.message for log in client.log_messages)

        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=SOFTMAX_LOG)],
            )
        )
        [finding] = await client.wait_diagnostics(uri, 2)
        assert finding.code == "NG001" and finding.range.start.line == 3
