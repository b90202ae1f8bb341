"""What is analysed as one: a text document, or a notebook whose code cells form one module.

Every feature (scheduling, analysis, publishing, code actions, hover) works on a `Unit` and the
documents it holds, so a notebook cell goes through the same code as a text document: a text
document is a unit of one document, a notebook a unit of its cells. The open units are in
`Units`, found by their own URI or by any of their documents' URIs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from nanguard.lsp.analysis import Cell, Memory, NotebookSnapshot, Snapshot, TextSnapshot
from nanguard.lsp.documents import Document, Documents, uri_path

NOTEBOOK_FIX_ALL_KIND = "notebook.source.fixAll.nanguard"
"""VS Code runs ``notebook.*`` code actions once per notebook on save (`notebook.codeActionsOnSave`),
asking on its first cell; the action fixes every cell."""


@dataclass(eq=False, slots=True)
class TextUnit:
    document: Document
    memory: Memory = field(default_factory=Memory)

    fix_all_kind = None
    """The code action kind only this kind of unit offers, and only when asked for it."""
    fix_all_where = ""
    """How fix-all titles say where (a notebook: in every cell)."""

    @property
    def uri(self) -> str:
        return self.document.uri

    @property
    def path(self) -> Path | None:
        return self.document.path

    @property
    def revision(self) -> int:
        """Changes with every change to the unit's text."""
        return self.document.version

    def document_uris(self) -> list[str]:
        return [self.document.uri]

    def snapshot(self, documents: Documents) -> Snapshot:
        document = self.document
        return TextSnapshot(document, Cell(document.uri, document.version, document.text), self.memory)

    def describe(self, revision: int) -> str:
        return f"{self.uri} (version {revision})"


@dataclass(eq=False, slots=True)
class NotebookUnit:
    uri: str
    cells: list[types.NotebookCell]
    path: Path | None = None
    revision: int = 0
    """Counts every change, the cells' text changes included (the notebook's version need not)."""
    memory: Memory = field(default_factory=Memory)

    fix_all_kind = NOTEBOOK_FIX_ALL_KIND
    fix_all_where = " in the notebook"

    def document_uris(self) -> list[str]:
        return [cell.document for cell in self.cells]

    def snapshot(self, documents: Documents) -> Snapshot | None:
        """The cells as they stand; None while a cell's text has not been sent (the change that
        sends it schedules again)."""
        cells = []
        for cell in self.cells:
            document = documents.get(cell.document)
            if document is None:
                return None
            code = cell.kind == types.NotebookCellKind.Code and document.python
            cells.append(Cell(document.uri, document.version, document.text, code))
        return NotebookSnapshot(cells, self.path, self.memory)

    def describe(self, revision: int) -> str:
        return f"notebook {self.uri}"

    def apply_structure(self, array: types.NotebookCellArrayChange) -> None:
        self.cells[array.start : array.start + array.delete_count] = list(array.cells or [])

    def apply_data(self, cells: list[types.NotebookCell]) -> None:
        """New kinds or metadata for cells it has."""
        index = {cell.document: number for number, cell in enumerate(self.cells)}
        for cell in cells:
            if cell.document in index:
                self.cells[index[cell.document]] = cell


Unit = TextUnit | NotebookUnit


class Units:
    """The open units: text documents by URI, notebooks by URI and by the URIs of their cells."""

    def __init__(self) -> None:
        self._texts: dict[str, TextUnit] = {}
        self._notebooks: dict[str, NotebookUnit] = {}
        self._owner: dict[str, NotebookUnit] = {}

    def of(self, uri: str) -> Unit | None:
        """The unit that analyses document `uri`: its notebook, else its own."""
        return self._owner.get(uri) or self._texts.get(uri)

    def notebook(self, uri: str) -> NotebookUnit | None:
        return self._notebooks.get(uri)

    def is_open(self, unit: Unit) -> bool:
        if isinstance(unit, NotebookUnit):
            return self._notebooks.get(unit.uri) is unit
        return self._texts.get(unit.uri) is unit

    def __iter__(self) -> Iterator[Unit]:
        return iter([*self._texts.values(), *self._notebooks.values()])

    def open_text(self, document: Document) -> None:
        self._texts[document.uri] = TextUnit(document)

    def close_text(self, uri: str) -> None:
        self._texts.pop(uri, None)

    def open_notebook(self, document: types.NotebookDocument) -> NotebookUnit:
        notebook = NotebookUnit(document.uri, list(document.cells), uri_path(document.uri))
        self._notebooks[notebook.uri] = notebook
        return notebook

    def adopt(self, notebook: NotebookUnit, cell_uri: str) -> None:
        self._owner[cell_uri] = notebook

    def release(self, cell_uri: str) -> None:
        self._owner.pop(cell_uri, None)

    def close_notebook(self, uri: str) -> NotebookUnit | None:
        notebook = self._notebooks.pop(uri, None)
        if notebook is not None:
            for cell_uri in [cell for cell, owner in self._owner.items() if owner is notebook]:
                del self._owner[cell_uri]
        return notebook
