"""Notebook documents (LSP 3.17 notebook sync): a notebook is one analysis unit made of its cells.

Each cell's text is an open `Document` like any other, kept in step by the cells' changes, so
pull diagnostics, hover and the debounced scheduling work for cells unchanged; but a cell is
never analysed alone. Any change to a notebook (a cell edited, added, moved, removed) schedules
one analysis of all its code cells as one module (`nanguard.notebook`), and its results are
stored per cell: diagnostics on each cell's URI, related information pointing into other cells,
quick fixes whose edits may touch several cells (an import goes where the imports are).
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from lsprotocol import types
from nanguard import engine
from nanguard.lsp.analysis import Analysis
from nanguard.lsp.config import EditorSettings, resolve
from nanguard.lsp.convert import (
    SOURCE,
    PositionEncoder,
    _range_data,
    _range_from_data,
    diagnostic,
    diagnostic_json,
    text_edits,
)
from nanguard.lsp.documents import Document, uri_path
from nanguard.lsp.textdiff import minimal_edits
from nanguard.model import Finding, Fix
from nanguard.notebook import CellFinding, NotebookModule
from nanguard.source import new_parser

if TYPE_CHECKING:
    from nanguard.lsp.server import NanguardServer

NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(notebook="*", cells=[types.NotebookCellLanguage(language="python")])
    ]
)
"""Every kind of notebook (Jupyter, VS Code's interactive window), its Python cells only."""

NOTEBOOK_FIX_ALL_KIND = "notebook.source.fixAll.nanguard"
"""VS Code runs ``notebook.*`` code actions once per notebook on save (`notebook.codeActionsOnSave`),
asking on its first cell; the action fixes every cell."""


# ------------------------------------------------------------------------------------------
# State


@dataclass(frozen=True, slots=True)
class CellEdit:
    uri: str
    version: int
    edit: types.TextEdit


@dataclass(frozen=True, slots=True)
class NotebookFix:
    title: str
    edits: tuple[CellEdit, ...]


@dataclass(slots=True)
class Notebook:
    uri: str
    cells: list[types.NotebookCell]
    path: Path | None = None
    revision: int = 0
    """Counts every change, the cells' text changes included (the notebook's version need not)."""
    scheduled: tuple[int, float] | None = None
    """The revision an analysis is pending for, and its delay."""
    fixes: dict[str, list[tuple[types.Diagnostic, tuple[NotebookFix, ...]]]] = field(default_factory=dict)
    """Per cell, its diagnostics with their fixes, for clients that do not send `data` back."""
    findings: engine.AnalysisCache = field(default_factory=engine.AnalysisCache)
    """What its last analysis leaves for the next (unchanged functions' findings); only the
    analysis worker touches it."""

    def cell_uris(self) -> list[str]:
        return [cell.document for cell in self.cells]


class Notebooks:
    """The open notebooks, by URI and by the URIs of their cells."""

    def __init__(self) -> None:
        self._notebooks: dict[str, Notebook] = {}
        self._owner: dict[str, str] = {}
        self.analyzer = NotebookAnalyzer()

    def get(self, uri: str) -> Notebook | None:
        return self._notebooks.get(uri)

    def containing(self, cell_uri: str) -> Notebook | None:
        owner = self._owner.get(cell_uri)
        return None if owner is None else self._notebooks.get(owner)

    def open(self, document: types.NotebookDocument) -> Notebook:
        self.close(document.uri)
        notebook = Notebook(document.uri, list(document.cells), uri_path(document.uri))
        self._notebooks[notebook.uri] = notebook
        self._owner.update(dict.fromkeys(notebook.cell_uris(), notebook.uri))
        return notebook

    def adopt(self, notebook: Notebook, cell_uri: str) -> None:
        self._owner[cell_uri] = notebook.uri

    def release(self, cell_uri: str) -> None:
        self._owner.pop(cell_uri, None)

    def close(self, uri: str) -> Notebook | None:
        notebook = self._notebooks.pop(uri, None)
        if notebook is not None:
            for cell_uri in [cell for cell, owner in self._owner.items() if owner == uri]:
                del self._owner[cell_uri]
        return notebook


# ------------------------------------------------------------------------------------------
# Analysis (worker thread)


@dataclass(frozen=True, slots=True)
class CellSnapshot:
    """One cell as it was when the analysis was scheduled (the event loop changes documents)."""

    uri: str
    version: int
    text: str
    code: bool


@dataclass(frozen=True, slots=True)
class NotebookAnalysis:
    cells: dict[str, Analysis]
    fixes: dict[str, list[tuple[types.Diagnostic, tuple[NotebookFix, ...]]]]
    problem: str | None = None


def name_relatively(cell: int, line: int, finding_cell: int) -> str:
    """Editors show no cell numbers (and are sent only the Python cells): say which way to look."""
    if cell == finding_cell:
        return f"line {line}"
    return f"line {line} of {'an earlier' if cell < finding_cell else 'a later'} cell"


class NotebookAnalyzer:
    """Owns a parser for notebooks; its methods run on the analysis worker thread only."""

    def __init__(self) -> None:
        self._parser = new_parser()

    def analyse(
        self,
        cells: Sequence[CellSnapshot],
        path: Path | None,
        editor: EditorSettings,
        folder: Path | None,
        encoding: str,
        cache: engine.AnalysisCache,
    ) -> NotebookAnalysis:
        resolved = resolve(editor, path, folder)
        empty = {cell.uri: Analysis(cell.version, (), []) for cell in cells}
        if resolved.excluded:
            return NotebookAnalysis(empty, {}, resolved.problem)
        module = NotebookModule([(index, cell.text) for index, cell in enumerate(cells) if cell.code])
        found = module.analyze(resolved.settings, path=path, parser=self._parser, name_cell=name_relatively, cache=cache)
        encoders = [PositionEncoder(cell.text, encoding) for cell in cells]
        findings: dict[str, list[Finding]] = {}
        diagnostics: dict[str, list[dict[str, Any]]] = {}
        fixes: dict[str, list[tuple[types.Diagnostic, tuple[NotebookFix, ...]]]] = {}
        for item in found:
            cell = cells[item.cell]
            cell_fixes = tuple(_notebook_fix(item, index, cells, encoders) for index in range(len(item.finding.fixes)))
            shown = _diagnostic(item, cells, encoders, cell_fixes, editor.severity)
            findings.setdefault(cell.uri, []).append(_within_cell(item))
            diagnostics.setdefault(cell.uri, []).append(diagnostic_json(shown))
            fixes.setdefault(cell.uri, []).append((shown, cell_fixes))
        results = {
            cell.uri: Analysis(cell.version, tuple(findings.get(cell.uri, ())), diagnostics.get(cell.uri, []), resolved.problem)
            for cell in cells
        }
        return NotebookAnalysis(results, fixes, resolved.problem)

    def fix_all(
        self, cells: Sequence[CellSnapshot], path: Path | None, editor: EditorSettings, folder: Path | None, encoding: str
    ) -> tuple[list[CellEdit], int]:
        """Edits to the cells applying every default fix across the notebook, and how many."""
        resolved = resolve(editor, path, folder)
        if resolved.excluded:
            return [], 0
        module = NotebookModule([(index, cell.text) for index, cell in enumerate(cells) if cell.code])
        try:
            changed, count = module.fix_all(resolved.settings, path=path)
        except ValueError:  # a fix would have to cross a cell boundary: offer nothing rather than garble
            return [], 0
        edits = []
        for index, new_text in changed.items():
            cell = cells[index]
            encoder = PositionEncoder(cell.text, encoding)
            edits += [CellEdit(cell.uri, cell.version, edit) for edit in text_edits(minimal_edits(cell.text, new_text), encoder)]
        return edits, count


def _within_cell(item: CellFinding) -> Finding:
    """The finding as its own cell's hover shows it: only the fix edits that fall in that cell."""
    finding = item.finding
    fixes = tuple(
        Fix(fix.kind, fix.title, tuple(edit for edit, cell in zip(fix.edits, cells) if cell == item.cell))
        for fix, cells in zip(finding.fixes, item.fix_cells)
    )
    return replace(finding, fixes=fixes)


def _notebook_fix(item: CellFinding, index: int, cells: Sequence[CellSnapshot], encoders: Sequence[PositionEncoder]) -> NotebookFix:
    fix = item.finding.fixes[index]
    return NotebookFix(
        fix.title,
        tuple(
            CellEdit(cells[cell].uri, cells[cell].version, types.TextEdit(range=encoders[cell].range(edit.span), new_text=edit.new_text))
            for edit, cell in zip(fix.edits, item.fix_cells[index])
        ),
    )


def _diagnostic(
    item: CellFinding,
    cells: Sequence[CellSnapshot],
    encoders: Sequence[PositionEncoder],
    fixes: tuple[NotebookFix, ...],
    severity: types.DiagnosticSeverity,
) -> types.Diagnostic:
    """The cell's diagnostic; related information points into whichever cell explains it, and
    `data` carries the fixes with the cell of each edit."""
    cell = cells[item.cell]
    bare = Finding(item.finding.code, item.finding.span, item.finding.message, item.finding.function)
    base = diagnostic(bare, encoders[item.cell], uri=cell.uri, version=cell.version, severity=severity)
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=cells[index].uri, range=encoders[index].range(place.span)), message=place.message
        )
        for place, index in zip(item.finding.related, item.related_cells)
    ]
    data = {"version": cell.version, "notebookFixes": [_fix_data(fix) for fix in fixes]}
    return attrs.evolve(base, related_information=related or None, data=data)


def _fix_data(fix: NotebookFix) -> dict[str, Any]:
    return {
        "title": fix.title,
        "edits": [
            {"uri": edit.uri, "version": edit.version, "range": _range_data(edit.edit.range), "newText": edit.edit.new_text}
            for edit in fix.edits
        ],
    }


def _fixes_from_data(data: Any) -> list[NotebookFix] | None:
    if not isinstance(data, dict) or not isinstance(data.get("notebookFixes"), list):
        return None
    fixes = []
    try:
        for fix in data["notebookFixes"]:
            edits = tuple(
                CellEdit(
                    str(edit["uri"]),
                    int(edit["version"]),
                    types.TextEdit(range=_range_from_data(edit["range"]), new_text=str(edit["newText"])),
                )
                for edit in fix["edits"]
            )
            fixes.append(NotebookFix(str(fix["title"]), edits))
    except (KeyError, TypeError, ValueError):
        return None
    return fixes


# ------------------------------------------------------------------------------------------
# Scheduling (event loop)


def _snapshot(ls: NanguardServer, notebook: Notebook) -> list[CellSnapshot] | None:
    cells = []
    for cell in notebook.cells:
        document = ls.documents.get(cell.document)
        if document is None:
            return None  # a cell whose text the client has not sent: wait for the change that does
        cells.append(CellSnapshot(document.uri, document.version, document.text, _is_code(cell, document)))
    return cells


def _is_code(cell: types.NotebookCell, document: Document) -> bool:
    return cell.kind == types.NotebookCellKind.Code and document.python


def _settings_document(ls: NanguardServer, notebook: Notebook) -> Document | None:
    """A cell standing for the notebook when asking for settings (cells carry its path)."""
    for uri in notebook.cell_uris():
        document = ls.documents.get(uri)
        if document is not None:
            return document
    return None


def schedule_notebook(ls: NanguardServer, notebook: Notebook, delay: float | None = None) -> None:
    """Analyse the notebook once it has been quiet for the debounce time (or `delay` seconds);
    a request for the revision already pending (as soon or sooner) changes nothing."""
    document = _settings_document(ls, notebook)
    if document is None:
        return
    if delay is None:
        delay = ls.editor_settings(document).debounce_ms / 1000
    pending = notebook.scheduled
    if pending is not None and pending[0] == notebook.revision and pending[1] <= delay and ls._debouncer.pending(notebook.uri):
        return
    notebook.scheduled = (notebook.revision, delay)
    ls._debouncer.call(notebook.uri, delay, partial(analyse_notebook, ls, notebook, notebook.revision))


def _current(ls: NanguardServer, notebook: Notebook, revision: int) -> bool:
    return ls.notebooks.get(notebook.uri) is notebook and notebook.revision == revision


async def analyse_notebook(ls: NanguardServer, notebook: Notebook, revision: int) -> None:
    await ls._configuration_ready.wait()
    if not _current(ls, notebook, revision):
        return
    cells = _snapshot(ls, notebook)
    document = _settings_document(ls, notebook)
    if cells is None or document is None:
        return
    editor = ls.editor_settings(document)
    if not editor.enable:
        _store(ls, notebook, NotebookAnalysis({cell.uri: Analysis(cell.version, ()) for cell in cells}, {}))
        return
    _, folder = ls.folder_of(document)
    job = partial(ls.notebooks.analyzer.analyse, cells, notebook.path, editor, folder, ls.encoding, notebook.findings)
    try:
        result = await ls.worker.submit(job)
    except Exception:
        ls.log(
            f"nanguard: analysing notebook {notebook.uri} failed; keeping its last diagnostics.\n{traceback.format_exc()}",
            types.MessageType.Error,
        )
        return
    if not _current(ls, notebook, revision):
        return  # superseded: a newer revision is on its way
    if result.problem is not None:
        ls.show(f"{result.problem}; ignoring that file's settings")
    _store(ls, notebook, result)


def _store(ls: NanguardServer, notebook: Notebook, result: NotebookAnalysis) -> None:
    """Store (and push) each cell's results; in pull mode, ask the client to pull again when a
    cell it did not change got new diagnostics (a softmax edited in another cell)."""
    others_changed = False
    for uri, analysis in result.cells.items():
        document = ls.documents.get(uri)
        if document is None or not document.python:
            continue
        previous = ls.results.get(uri)
        if previous is not None and previous.version == analysis.version and previous.diagnostics != analysis.diagnostics:
            others_changed = True
        ls.store(document, analysis)
    notebook.fixes = result.fixes
    if others_changed and ls.pull_diagnostics and ls._capability("workspace", "diagnostics", "refresh_support"):
        ls.workspace_diagnostic_refresh(None).add_done_callback(_quietly)


def _quietly(future: Any) -> None:
    if not future.cancelled():
        future.exception()  # a client that fails the refresh still pulls on its next change


# ------------------------------------------------------------------------------------------
# Notifications


def _open_cell(ls: NanguardServer, notebook: Notebook, item: types.TextDocumentItem) -> None:
    document = ls.open_document(item)
    document.path = notebook.path  # settings, exclude and jedi go by the notebook's file
    ls.notebooks.adopt(notebook, item.uri)


def _close_cell(ls: NanguardServer, uri: str) -> None:
    ls.close_document(uri)
    ls.notebooks.release(uri)


def did_open_notebook(ls: NanguardServer, params: types.DidOpenNotebookDocumentParams) -> None:
    previous = ls.notebooks.get(params.notebook_document.uri)
    if previous is not None:
        for uri in previous.cell_uris():
            _close_cell(ls, uri)
    notebook = ls.notebooks.open(params.notebook_document)
    for item in params.cell_text_documents:
        _open_cell(ls, notebook, item)
    schedule_notebook(ls, notebook, delay=0)


def did_change_notebook(ls: NanguardServer, params: types.DidChangeNotebookDocumentParams) -> None:
    notebook = ls.notebooks.get(params.notebook_document.uri)
    if notebook is None:
        ls.log(f"nanguard: didChange for notebook {params.notebook_document.uri}, which is not open; ignored", types.MessageType.Warning)
        return
    changes = params.change.cells
    if changes is not None:
        if changes.structure is not None:
            array = changes.structure.array
            notebook.cells[array.start : array.start + array.delete_count] = list(array.cells or [])
            for identifier in changes.structure.did_close or []:
                _close_cell(ls, identifier.uri)
            for item in changes.structure.did_open or []:
                _open_cell(ls, notebook, item)
        by_uri = {cell.document: index for index, cell in enumerate(notebook.cells)}
        for cell in changes.data or []:
            if cell.document in by_uri:
                notebook.cells[by_uri[cell.document]] = cell
        for content in changes.text_content or []:
            document = ls.documents.get(content.document.uri)
            if document is None:
                ls.log(f"nanguard: change to cell {content.document.uri}, which is not open; ignored", types.MessageType.Warning)
                continue
            document.apply(content.document.version, content.changes)
    notebook.revision += 1
    schedule_notebook(ls, notebook)


def did_close_notebook(ls: NanguardServer, params: types.DidCloseNotebookDocumentParams) -> None:
    notebook = ls.notebooks.close(params.notebook_document.uri)
    ls._debouncer.cancel(params.notebook_document.uri)
    uris = dict.fromkeys([*(notebook.cell_uris() if notebook else []), *(cell.uri for cell in params.cell_text_documents)])
    for uri in uris:
        _close_cell(ls, uri)


def register_notebook_features(server: NanguardServer) -> None:
    server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)(did_open_notebook)
    server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)(did_change_notebook)
    server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)(did_close_notebook)


# ------------------------------------------------------------------------------------------
# Code actions


def notebook_workspace_edit(edits: Sequence[CellEdit], *, versioned: bool) -> types.WorkspaceEdit:
    """Edits to several cells: versioned when the client can, so stale edits are refused."""
    by_cell: dict[tuple[str, int], list[types.TextEdit]] = {}
    for edit in edits:
        by_cell.setdefault((edit.uri, edit.version), []).append(edit.edit)
    if versioned:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=cell_edits
                )
                for (uri, version), cell_edits in by_cell.items()
            ]
        )
    return types.WorkspaceEdit(changes={uri: cell_edits for (uri, _), cell_edits in by_cell.items()})


def _fresh(ls: NanguardServer, fix: NotebookFix) -> bool:
    """Whether every cell the fix edits is still at the version the fix was made for."""
    for edit in fix.edits:
        document = ls.documents.get(edit.uri)
        if document is None or document.version != edit.version:
            return False
    return True


def notebook_quick_fixes(
    ls: NanguardServer, notebook: Notebook, document: Document, diagnostics: Sequence[types.Diagnostic]
) -> list[types.CodeAction]:
    """The same quick fixes as in a file, for a cell's diagnostics; one edit may reach another cell."""
    actions = []
    for shown in diagnostics:
        if shown.source != SOURCE:
            continue
        fixes = _fixes_from_data(shown.data)
        if fixes is None and shown.data is None:  # a client that does not send `data` back
            stored = notebook.fixes.get(document.uri, [])
            fixes = next(
                (list(cell_fixes) for known, cell_fixes in stored if known.range == shown.range and known.code == shown.code),
                None,
            )
        for index, fix in enumerate(fixes or []):
            if not _fresh(ls, fix):
                continue
            actions.append(
                types.CodeAction(
                    title=fix.title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[shown],
                    is_preferred=index == 0 or None,
                    edit=notebook_workspace_edit(fix.edits, versioned=ls.versioned_edits),
                )
            )
    return actions


async def notebook_fix_all(ls: NanguardServer, notebook: Notebook, kinds: Sequence[str]) -> list[types.CodeAction]:
    """Fix-all of the whole notebook, whichever cell the request names."""
    cells = _snapshot(ls, notebook)
    document = _settings_document(ls, notebook)
    if cells is None or document is None or not kinds:
        return []
    revision = notebook.revision
    editor = ls.editor_settings(document)
    _, folder = ls.folder_of(document)
    job = partial(ls.notebooks.analyzer.fix_all, cells, notebook.path, editor, folder, ls.encoding)
    edits, count = await ls.worker.submit(job)
    if not edits or not _current(ls, notebook, revision):
        return []
    noun = "problem" if count == 1 else "problems"
    return [
        types.CodeAction(
            title=f"nanguard: fix {count} {noun} in the notebook",
            kind=kind,
            edit=notebook_workspace_edit(edits, versioned=ls.versioned_edits),
        )
        for kind in kinds
    ]
