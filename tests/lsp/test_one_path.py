"""Text documents and notebook cells go through one path in the server: the same code gives the
same diagnostic in either, and what works for one (quick fixes for clients that do not send
`data` back, keeping the last diagnostics when an analysis fails) works for the other."""

from __future__ import annotations

import asyncio
import os

import attrs
from lsp_client import SOFTMAX_LOG, Client, eventually, make_range, session
from lsprotocol import types
from test_notebook import Notebook, notebook_capabilities
from test_reliability import FAULTS

TIMEOUT = 20.0


def without_uri(diagnostic: types.Diagnostic) -> types.Diagnostic:
    related = [attrs.evolve(item, location=attrs.evolve(item.location, uri="")) for item in diagnostic.related_information or []]
    return attrs.evolve(diagnostic, related_information=related or None)


async def test_a_text_document_and_a_notebook_cell_with_the_same_code_get_the_same_diagnostic(tmp_path):
    async with session(client_capabilities=notebook_capabilities()) as client:
        uri = (tmp_path / "train.py").as_uri()
        client.open(uri, SOFTMAX_LOG)
        notebook = Notebook(client, tmp_path / "train.ipynb", [("code", SOFTMAX_LOG)])
        notebook.open()
        [in_text] = await client.wait_diagnostics(uri, 1)
        [in_cell] = await client.wait_diagnostics(notebook.uri_of(0), 1)
        assert [item.location.uri for item in in_cell.related_information] == [notebook.uri_of(0)]
        assert without_uri(in_cell) == without_uri(in_text)


def code_action_request(uri: str, diagnostic: types.Diagnostic) -> types.CodeActionParams:
    return types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic], only=[types.CodeActionKind.QuickFix]),
    )


async def test_notebook_quick_fixes_for_a_client_that_does_not_send_data_back(tmp_path):
    async with session(client_capabilities=notebook_capabilities(document_changes=True)) as client:
        notebook = Notebook(
            client, tmp_path / "nb.ipynb", [("code", "from torch import log, softmax"), ("code", "y = log(softmax(z, 1))")]
        )
        notebook.open()
        [diagnostic] = await client.wait_diagnostics(notebook.uri_of(1), 1)
        with_data = await client.text_document_code_action_async(code_action_request(notebook.uri_of(1), diagnostic))
        bare = attrs.evolve(diagnostic, data=None)
        without_data = await client.text_document_code_action_async(code_action_request(notebook.uri_of(1), bare))
        assert [action.title for action in without_data] == [action.title for action in with_data]
        assert [action.edit for action in without_data] == [action.edit for action in with_data]
        touched = {change.text_document.uri for action in without_data for change in action.edit.document_changes}
        assert touched == {notebook.uri_of(0), notebook.uri_of(1)}, "the import goes into the other cell"


async def pull(client: Client, uri: str) -> list[types.Diagnostic]:
    params = types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    report = await asyncio.wait_for(client.text_document_diagnostic_async(params), TIMEOUT)
    return list(report.items)


async def test_a_failed_notebook_analysis_keeps_the_last_diagnostics_and_pulls_still_answer(tmp_path):
    marker = "# nanguard-test: make the engine fail"
    env = {**os.environ, "PYTHONPATH": str(FAULTS), "NANGUARD_TEST_FAILURE_MARKER": marker}
    async with session(client_capabilities=notebook_capabilities(pull=True), env=env) as client:
        notebook = Notebook(client, tmp_path / "nb.ipynb", [("code", "import torch"), ("code", "y = torch.log(torch.sigmoid(z))")])
        notebook.open()
        [before] = await pull(client, notebook.uri_of(1))

        notebook.edit(0, [types.TextEdit(range=make_range(0, 0, 0, 0), new_text=f"{marker}\n")])
        assert await pull(client, notebook.uri_of(0)) == [], "the edited cell is answered, not left waiting"
        await eventually(lambda: any("failed" in m.message for m in client.log_messages))
        [failure] = [m for m in client.log_messages if "failed" in m.message]
        assert failure.message.startswith(f"nanguard: analysing notebook {notebook.uri} failed; keeping its last diagnostics")
        assert await pull(client, notebook.uri_of(1)) == [before]
