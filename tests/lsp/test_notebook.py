"""Notebooks over the wire (LSP 3.17 notebook sync): the real server, cells opened, edited,
inserted, moved and removed, diagnostics per cell across cells, quick fixes and fix-all."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from lsp_client import Client, apply_text_edits, capabilities, make_range, session
from lsprotocol import types

IMPORTS = "import tensorflow as tf\n%matplotlib inline"
SOFTMAX = "y_conv = tf.nn.softmax(logits)"
LOSS = "!nvidia-smi\ncross_entropy = -tf.reduce_sum(y_ * tf.log(y_conv))"
SIGMOID = "import torch\ngate = torch.log(torch.sigmoid(z))"


def notebook_capabilities(**options) -> types.ClientCapabilities:
    return attrs.evolve(
        capabilities(**options),
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities()
        ),
    )


class Notebook:
    """A notebook as an editor holds it: cells with URIs, versions and text; sends what VS Code sends."""

    def __init__(self, client: Client, path: Path, cells: list[tuple[str, str]]):
        self.client = client
        self.uri = path.as_uri()
        self.version = 1
        self.counter = 0
        self.cells: list[dict] = []
        for kind, text in cells:
            self.cells.append(self._new_cell(kind, text))

    def _new_cell(self, kind: str, text: str) -> dict:
        self.counter += 1
        uri = f"vscode-notebook-cell:{self.uri[len('file://'):]}#W{self.counter}sZmlsZQ%3D%3D"
        return {"uri": uri, "kind": kind, "text": text, "version": 1}

    def uri_of(self, index: int) -> str:
        """The URI of the synced (Python) cell `index`."""
        return self._synced()[index]["uri"]

    def _cell(self, cell: dict) -> types.NotebookCell:
        kind = types.NotebookCellKind.Code if cell["kind"] == "code" else types.NotebookCellKind.Markup
        return types.NotebookCell(kind=kind, document=cell["uri"])

    def _item(self, cell: dict) -> types.TextDocumentItem:
        language = "python" if cell["kind"] == "code" else "markdown"
        return types.TextDocumentItem(uri=cell["uri"], language_id=language, version=cell["version"], text=cell["text"])

    def _synced(self) -> list[dict]:
        """VS Code sends the cells the server's selector matches: the Python ones."""
        return [cell for cell in self.cells if cell["kind"] == "code"]

    def open(self) -> None:
        self.client.notebook_document_did_open(
            types.DidOpenNotebookDocumentParams(
                notebook_document=types.NotebookDocument(
                    uri=self.uri, notebook_type="jupyter-notebook", version=self.version,
                    cells=[self._cell(cell) for cell in self._synced()],
                ),
                cell_text_documents=[self._item(cell) for cell in self._synced()],
            )
        )

    def _send(self, change: types.NotebookDocumentChangeEvent) -> None:
        self.version += 1
        self.client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(uri=self.uri, version=self.version),
                change=change,
            )
        )

    def edit(self, index: int, edits: list[types.TextEdit]) -> int:
        """Apply `edits` to cell `index` (synced index) as the editor does; the cell's new version."""
        cell = self._synced()[index]
        cell["text"] = apply_text_edits(cell["text"], edits)
        cell["version"] += 1
        ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
        self._send(
            types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=cell["uri"], version=cell["version"]),
                            changes=[types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in ordered],
                        )
                    ]
                )
            )
        )
        return cell["version"]

    def insert(self, index: int, text: str) -> str:
        """Insert a code cell at synced position `index`; its URI."""
        cell = self._new_cell("code", text)
        synced = self._synced()
        position = self.cells.index(synced[index]) if index < len(synced) else len(self.cells)
        self.cells.insert(position, cell)
        self._send(
            types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    structure=types.NotebookDocumentCellChangeStructure(
                        array=types.NotebookCellArrayChange(start=index, delete_count=0, cells=[self._cell(cell)]),
                        did_open=[self._item(cell)],
                    )
                )
            )
        )
        return cell["uri"]

    def remove(self, index: int) -> str:
        cell = self._synced()[index]
        self.cells.remove(cell)
        self._send(
            types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    structure=types.NotebookDocumentCellChangeStructure(
                        array=types.NotebookCellArrayChange(start=index, delete_count=1),
                        did_close=[types.TextDocumentIdentifier(uri=cell["uri"])],
                    )
                )
            )
        )
        return cell["uri"]

    def move(self, source: int, target: int) -> None:
        """Move a cell as VS Code reports it: the cells from the lower index re-listed, no open or close."""
        synced = self._synced()
        cell = synced.pop(source)
        synced.insert(target, cell)
        start = min(source, target)
        code = iter(synced)
        self.cells = [next(code) if c["kind"] == "code" else c for c in self.cells]
        self._send(
            types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    structure=types.NotebookDocumentCellChangeStructure(
                        array=types.NotebookCellArrayChange(
                            start=start, delete_count=len(synced) - start, cells=[self._cell(c) for c in synced[start:]]
                        )
                    )
                )
            )
        )

    def close(self) -> None:
        self.client.notebook_document_did_close(
            types.DidCloseNotebookDocumentParams(
                notebook_document=types.NotebookDocumentIdentifier(uri=self.uri),
                cell_text_documents=[types.TextDocumentIdentifier(uri=cell["uri"]) for cell in self._synced()],
            )
        )

    def text(self, index: int) -> str:
        return self._synced()[index]["text"]

    def version_of(self, index: int) -> int:
        return self._synced()[index]["version"]


def classic(client: Client, tmp_path: Path) -> Notebook:
    """Markdown, imports (with a magic), the softmax, the loss: synced cells 0, 1, 2."""
    return Notebook(
        client, tmp_path / "mnist.ipynb", [("markdown", "# MNIST"), ("code", IMPORTS), ("code", SOFTMAX), ("code", LOSS)]
    )


async def test_the_server_advertises_notebook_sync_for_python_cells(tmp_path):
    async with session(client_capabilities=notebook_capabilities()) as client:
        sync = client.init_result.capabilities.notebook_document_sync
        [selector] = sync.notebook_selector
        assert selector.notebook == "*"
        assert [cell.language for cell in selector.cells] == ["python"]
        kinds = client.init_result.capabilities.code_action_provider.code_action_kinds
        assert "notebook.source.fixAll.nanguard" in kinds


async def test_diagnostics_per_cell_with_the_cause_in_another_cell(tmp_path):
    async with session(client_capabilities=notebook_capabilities()) as client:
        notebook = classic(client, tmp_path)
        notebook.open()

        [diagnostic] = await client.wait_diagnostics(notebook.uri_of(2), 1)
        assert diagnostic.range == make_range(1, 36, 1, 50)
        assert diagnostic.code == "NG001"
        assert "(line 1 of an earlier cell)" in diagnostic.message
        [related] = diagnostic.related_information
        assert related.location == types.Location(uri=notebook.uri_of(1), range=make_range(0, 9, 0, 30))
        assert await client.wait_diagnostics(notebook.uri_of(0), 1) == []
        assert await client.wait_diagnostics(notebook.uri_of(1), 1) == []
        assert client.latest(notebook.uri) is None, "nothing is published on the notebook itself"


async def test_cell_edits_insertions_moves_and_removals_update_every_cell(tmp_path):
    async with session(client_capabilities=notebook_capabilities()) as client:
        notebook = classic(client, tmp_path)
        notebook.open()
        await client.wait_diagnostics(notebook.uri_of(2), 1)

        # Editing the softmax cell changes the loss cell's diagnostic (its text and version do not change).
        notebook.edit(1, [types.TextEdit(range=make_range(0, 9, 0, 30), new_text="tf.sigmoid(logits)")])
        assert await client.wait_diagnostics(notebook.uri_of(1), 2) == []
        await _until(client, lambda: "sigmoid output" in client.latest(notebook.uri_of(2)).diagnostics[0].message)
        assert client.latest(notebook.uri_of(2)).version == 1

        # A new cell with its own finding.
        inserted = notebook.insert(3, SIGMOID)
        [diagnostic] = await client.wait_diagnostics(inserted, 1)
        assert diagnostic.range == make_range(1, 7, 1, 34)

        # Moving the loss cell above the one defining y_conv: nothing is known of y_conv there
        # any more, so its log is no longer reported.
        notebook.move(2, 1)
        await _until(client, lambda: not client.latest(notebook.uri_of(1)).diagnostics)

        # Removing a cell clears what it showed.
        removed = notebook.remove(3)
        assert removed == inserted
        await _until(client, lambda: not client.latest(removed).diagnostics)

        notebook.close()
        await _until(client, lambda: not any(client.latest(cell["uri"]).diagnostics for cell in notebook._synced()))


def _related_count(client: Client, uri: str) -> int | None:
    latest = client.latest(uri)
    if latest is None or not latest.diagnostics:
        return None
    return len(latest.diagnostics[0].related_information or [])


async def _until(client: Client, condition, timeout: float = 20.0) -> None:
    import asyncio

    async def wait() -> None:
        while not condition():
            client._published_event.clear()
            await client._published_event.wait()

    await asyncio.wait_for(wait(), timeout)


def _edits_by_uri(action: types.CodeAction) -> dict[str, list[types.TextEdit]]:
    assert action.edit is not None
    if action.edit.document_changes:
        return {change.text_document.uri: list(change.edits) for change in action.edit.document_changes}
    return {uri: list(edits) for uri, edits in action.edit.changes.items()}


async def test_quick_fixes_in_a_cell_and_their_edits_reach_the_right_cells(tmp_path):
    async with session(client_capabilities=notebook_capabilities(document_changes=True)) as client:
        notebook = Notebook(
            client, tmp_path / "nb.ipynb", [("code", "from torch import log, softmax"), ("code", "y = log(softmax(z, 1))")]
        )
        notebook.open()
        [diagnostic] = await client.wait_diagnostics(notebook.uri_of(1), 1)

        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=notebook.uri_of(1)),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic], only=[types.CodeActionKind.QuickFix]),
            )
        )
        by_title = {action.title: action for action in actions}
        assert list(by_title) == ["Clip argument with epsilon", "Add epsilon", "Use log_softmax", "Disable NG001 for this line"]
        assert by_title["Clip argument with epsilon"].is_preferred

        stable = by_title["Use log_softmax"]
        versions = {change.text_document.uri: change.text_document.version for change in stable.edit.document_changes}
        assert versions == {notebook.uri_of(0): 1, notebook.uri_of(1): 1}
        edits = _edits_by_uri(stable)
        assert apply_text_edits(notebook.text(0), edits[notebook.uri_of(0)]) == "from torch import log, softmax\nimport torch"
        assert apply_text_edits(notebook.text(1), edits[notebook.uri_of(1)]) == "y = torch.log_softmax(z, 1)"

        # The editor applies the edit to both cells; the finding is gone.
        notebook.edit(0, edits[notebook.uri_of(0)])
        version = notebook.edit(1, edits[notebook.uri_of(1)])
        assert await client.wait_diagnostics(notebook.uri_of(1), version) == []

        # A fix for an older version of a cell is not offered.
        stale = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=notebook.uri_of(1)),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic], only=[types.CodeActionKind.QuickFix]),
            )
        )
        assert list(stale) == []


@pytest.mark.parametrize("kind", ["notebook.source.fixAll", "source.fixAll", "source.fixAll.nanguard"])
async def test_fix_all_on_a_notebook_fixes_every_cell(tmp_path, kind):
    async with session(client_capabilities=notebook_capabilities()) as client:
        notebook = Notebook(
            client, tmp_path / "nb.ipynb", [("code", IMPORTS), ("code", SOFTMAX), ("code", LOSS), ("code", SIGMOID)]
        )
        notebook.open()
        await client.wait_diagnostics(notebook.uri_of(3), 1)

        # VS Code asks for notebook actions on the first cell.
        [action] = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=notebook.uri_of(0)),
                range=make_range(0, 0, 0, 0),
                context=types.CodeActionContext(diagnostics=[], only=[kind]),
            )
        )
        assert action.kind == ("notebook.source.fixAll.nanguard" if kind.startswith("notebook") else kind)
        assert action.title == "nanguard: fix 2 problems in the notebook"
        edits = _edits_by_uri(action)
        assert set(edits) == {notebook.uri_of(2), notebook.uri_of(3)}
        assert apply_text_edits(notebook.text(2), edits[notebook.uri_of(2)]).endswith(
            "tf.log(tf.clip_by_value(y_conv, 1e-10, 1.0)))"
        )
        assert apply_text_edits(notebook.text(2), edits[notebook.uri_of(2)]).startswith("!nvidia-smi\n")
        versions = [notebook.edit(index, edits[notebook.uri_of(index)]) for index in (2, 3)]
        assert await client.wait_diagnostics(notebook.uri_of(3), versions[1]) == []
        assert not client.latest(notebook.uri_of(2)).diagnostics


async def test_a_plain_code_action_request_does_not_offer_the_notebook_kind(tmp_path):
    async with session(client_capabilities=notebook_capabilities()) as client:
        notebook = Notebook(client, tmp_path / "nb.ipynb", [("code", SIGMOID)])
        notebook.open()
        await client.wait_diagnostics(notebook.uri_of(0), 1)
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=notebook.uri_of(0)),
                range=make_range(0, 0, 0, 0),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        assert [action.kind for action in actions] == ["source.fixAll.nanguard"]


async def test_pull_diagnostics_for_cells(tmp_path):
    async with session(client_capabilities=notebook_capabilities(pull=True)) as client:
        notebook = classic(client, tmp_path)
        notebook.open()
        reports = [
            await client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=notebook.uri_of(index)))
            )
            for index in range(3)
        ]
        assert [len(report.items) for report in reports] == [0, 0, 1]
        [related] = reports[2].items[0].related_information
        assert related.location.uri == notebook.uri_of(1)
        assert client.published == [], "a pull client is never pushed to"


async def test_a_pull_client_is_asked_to_refresh_when_an_edit_changes_another_cell(tmp_path):
    def pull(client: Client, uri: str):
        return client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    async with session(client_capabilities=notebook_capabilities(pull=True)) as client:
        notebook = classic(client, tmp_path)
        notebook.open()
        assert len((await pull(client, notebook.uri_of(2))).items) == 1

        # The loss cell is untouched, but its finding changes with the softmax cell: the client
        # only re-pulls the cell it changed, so the server asks for a refresh.
        notebook.edit(1, [types.TextEdit(range=make_range(0, 9, 0, 30), new_text="tf.sigmoid(logits)")])
        assert not (await pull(client, notebook.uri_of(1))).items
        await _eventually(lambda: client.diagnostic_refresh_count > 0)
        [diagnostic] = (await pull(client, notebook.uri_of(2))).items
        assert "sigmoid output" in diagnostic.message


async def _eventually(condition, timeout: float = 20.0) -> None:
    import asyncio

    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    assert condition()


async def test_hover_in_a_cell_shows_the_finding(tmp_path):
    async with session(client_capabilities=notebook_capabilities()) as client:
        notebook = classic(client, tmp_path)
        notebook.open()
        await client.wait_diagnostics(notebook.uri_of(2), 1)
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=notebook.uri_of(2)), position=types.Position(line=1, character=40))
        )
        assert hover is not None and "NG001" in hover.contents.value
        assert "tf.clip_by_value(y_conv, 1e-10, 1.0)" in hover.contents.value


async def test_changes_to_unknown_notebooks_and_cells_are_ignored(tmp_path):
    async with session(client_capabilities=notebook_capabilities()) as client:
        stray = Notebook(client, tmp_path / "never-opened.ipynb", [("code", SIGMOID)])
        stray.edit(0, [types.TextEdit(range=make_range(0, 0, 0, 0), new_text="\n")])
        notebook = Notebook(client, tmp_path / "nb.ipynb", [("code", SIGMOID)])
        notebook.open()
        assert len(await client.wait_diagnostics(notebook.uri_of(0), 1)) == 1
