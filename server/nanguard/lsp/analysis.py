"""The jobs the analysis worker runs: a snapshot of a unit in, LSP-ready results per document out.

A unit (see `units`) is what is analysed as one: a text document, or a notebook's code cells as
one module. Its snapshot reads the unit's texts as one module and maps findings back to its
cells (a text document is a unit of one cell); everything after that, diagnostics, related
locations in other cells, fix data and fix-all edits, is the same code for both.

Everything here runs on the worker thread (see `scheduler`), which owns the parser; results are
converted to the client's position encoding here too, against the very texts they describe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import tree_sitter
from lsprotocol import types
from nanguard import engine
from nanguard.dependencies import Resolution
from nanguard.lsp.config import EditorSettings, resolve
from nanguard.lsp.convert import (
    DocumentEdit,
    PositionEncoder,
    Target,
    diagnostic,
    diagnostic_json,
    text_edits,
    with_versions,
)
from nanguard.lsp.documents import Document
from nanguard.lsp.textdiff import minimal_edits
from nanguard.model import Finding, Fix
from nanguard.notebook import CellFinding, NotebookModule
from nanguard.settings import Settings
from nanguard.source import new_parser
from nanguard.syntax import unreadable_lines


@dataclass(frozen=True, slots=True)
class Cell:
    """One document of a unit as it was when the analysis was scheduled (the event loop changes
    documents meanwhile)."""

    uri: str
    version: int
    text: str
    code: bool = True
    """Analysed: a notebook's markdown cells are not."""


@dataclass(frozen=True, slots=True)
class Analysis:
    """The results for one version of a document."""

    version: int
    findings: tuple[Finding, ...]
    """In the document's coordinates, with only the fix edits that fall in it (for hover).
    Empty when the analysis failed: positions of older findings would not fit this version."""
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    """In their JSON form, as they are sent."""
    problem: str | None = None
    """Why the nearest pyproject.toml could not be used."""
    unreadable: tuple[tuple[int, int], ...] = ()
    """Lines (first, last; 0-based) of statements a syntax error kept from being fully read."""


@dataclass(frozen=True, slots=True)
class UnitAnalysis:
    documents: dict[str, Analysis]
    """By document URI, for every cell of the unit."""
    problem: str | None = None
    pending: bool = False
    """Names from other files are still to be settled (by jedi, off the keystroke path), or a
    syntax error read from an incremental parse: a pass without `Resolution.defer` follows."""
    depends: frozenset[str] = frozenset()
    """The paths of the other files the findings depend on: a change to one analyses the unit again."""


@dataclass(frozen=True, slots=True)
class FixAll:
    edits: list[DocumentEdit]
    count: int


DiagnosticKey = tuple[CellFinding, types.DiagnosticSeverity, tuple[tuple[str, tuple[tuple[int, str], ...]], ...]]


@dataclass(slots=True)
class Memory:
    """What one unit's previous analysis leaves for its next; only the worker touches it."""

    findings: engine.AnalysisCache = field(default_factory=engine.AnalysisCache)
    """Findings of its unchanged functions."""
    diagnostics: dict[DiagnosticKey, dict[str, Any]] = field(default_factory=dict)
    """The JSON form of its findings' diagnostics: most survive an edit unchanged."""


class Module(Protocol):
    """A unit's texts read as one Python module."""

    exact: bool
    """Read as a fresh parse of the texts reads them; otherwise a pass reading them so follows."""

    def findings(self, settings: Settings, cache: engine.AnalysisCache, resolution: Resolution) -> list[CellFinding]: ...

    def fixed(self, settings: Settings) -> tuple[dict[int, str], int]:
        """The new text of every cell the default fixes change, and how many fixes were applied;
        raises ValueError when the fixes cannot be split back into cells."""
        ...


class Snapshot(Protocol):
    cells: Sequence[Cell]
    path: Path | None
    memory: Memory

    def module(self, parser: tree_sitter.Parser, exact: bool) -> Module | None:
        """The module, read as a fresh parse reads it if `exact`; None when the unit has moved
        past the snapshot (its results are stale)."""
        ...


# ------------------------------------------------------------------------------------------
# A text document


@dataclass(frozen=True, slots=True)
class TextSnapshot:
    document: Document
    cell: Cell
    memory: Memory

    @property
    def cells(self) -> Sequence[Cell]:
        return (self.cell,)

    @property
    def path(self) -> Path | None:
        return self.document.path

    def module(self, parser: tree_sitter.Parser, exact: bool) -> TextModule | None:
        parsed = self.document.parse(self.cell.version, parser, exact)
        return None if parsed is None else TextModule(*parsed, self.path, parser)


@dataclass(frozen=True, slots=True)
class TextModule:
    text: str
    trees: list[tree_sitter.Tree]
    """Parsed incrementally as the document was edited (see `nanguard.incremental`)."""
    exact: bool
    path: Path | None
    parser: tree_sitter.Parser

    def findings(self, settings: Settings, cache: engine.AnalysisCache, resolution: Resolution) -> list[CellFinding]:
        broken = any(tree.root_node.has_error for tree in self.trees)  # screened, as the command line screens it
        found = engine.analyze(
            self.text, settings, path=self.path, trees=self.trees, parser=self.parser, cache=cache, resolution=resolution, screen=broken
        )
        return [
            CellFinding(0, finding, (0,) * len(finding.related), tuple((0,) * len(fix.edits) for fix in finding.fixes))
            for finding in found
        ]

    def unreadable(self) -> tuple[tuple[int, int], ...]:
        """Lines a syntax error kept from being read."""
        return unreadable_lines(self.trees)

    def fixed(self, settings: Settings) -> tuple[dict[int, str], int]:
        text, count = engine.fix_all(self.text, settings, path=self.path, parser=self.parser)
        return ({0: text} if text != self.text else {}), count


# ------------------------------------------------------------------------------------------
# A notebook


def name_relatively(cell: int, line: int, finding_cell: int) -> str:
    """Editors show no cell numbers (and are sent only the Python cells): say which way to look."""
    if cell == finding_cell:
        return f"line {line}"
    return f"line {line} of {'an earlier' if cell < finding_cell else 'a later'} cell"


@dataclass(frozen=True, slots=True)
class NotebookSnapshot:
    cells: Sequence[Cell]
    path: Path | None
    memory: Memory

    def module(self, parser: tree_sitter.Parser, exact: bool) -> NotebookCells:
        return NotebookCells(NotebookModule([(index, cell.text) for index, cell in enumerate(self.cells) if cell.code]), self.path, parser)


@dataclass(frozen=True, slots=True)
class NotebookCells:
    module: NotebookModule
    path: Path | None
    parser: tree_sitter.Parser
    exact: bool = True
    """The cells are parsed afresh every time."""

    def findings(self, settings: Settings, cache: engine.AnalysisCache, resolution: Resolution) -> list[CellFinding]:
        return self.module.analyze(
            settings, path=self.path, parser=self.parser, name_cell=name_relatively, cache=cache, resolution=resolution
        )

    def fixed(self, settings: Settings) -> tuple[dict[int, str], int]:
        return self.module.fix_all(settings, path=self.path)


# ------------------------------------------------------------------------------------------
# The jobs


MAX_ANALYSED_CHARACTERS = 2_000_000
"""Above this a unit is not analysed while it is edited: a 5 MB document took a minute and
130 MB. One diagnostic says so instead, and the command line still checks it."""


def too_big(snapshot: Snapshot) -> UnitAnalysis | None:
    """The one diagnostic of a unit too big to analyse at editor speed; None for the others."""
    size = sum(len(cell.text) for cell in snapshot.cells)
    if size <= MAX_ANALYSED_CHARACTERS:
        return None
    message = (
        f"nanguard: not analysed while editing: {size / 1e6:.1f} million characters, over the limit of "
        f"{MAX_ANALYSED_CHARACTERS / 1e6:.0f} million; run `nanguard check` on the file instead"
    )
    start = types.Position(line=0, character=0)
    notice = types.Diagnostic(
        range=types.Range(start=start, end=start), message=message, severity=types.DiagnosticSeverity.Information, source="nanguard"
    )
    first = snapshot.cells[0]
    documents = {cell.uri: Analysis(cell.version, (), [diagnostic_json(notice)] if cell is first else []) for cell in snapshot.cells}
    return UnitAnalysis(documents, message)


class Analyzer:
    """Owns the worker's parser; its methods run on the worker thread only."""

    def __init__(self) -> None:
        self._parser = new_parser()

    def analyse(
        self, snapshot: Snapshot, editor: EditorSettings, folder: Path | None, encoding: str, resolution: Resolution
    ) -> UnitAnalysis | None:
        """Findings and diagnostics for every cell of the snapshot; None when the unit has moved
        past it (or `resolution` was stopped: a newer version is on its way). The keystroke
        path (`resolution.defer`) takes an incremental parse as it is; the pass after it, exact."""
        module = snapshot.module(self._parser, exact=not resolution.defer)
        if module is None:
            return None
        resolved = resolve(editor, snapshot.path, folder)
        if resolved.excluded:
            return UnitAnalysis({cell.uri: Analysis(cell.version, (), [], resolved.problem) for cell in snapshot.cells}, resolved.problem)
        found = module.findings(resolved.settings, snapshot.memory.findings, resolution)
        if resolution.pending and not resolution.defer:
            return None
        targets = [Target(cell.uri, cell.version, PositionEncoder(cell.text, encoding)) for cell in snapshot.cells]
        memory = snapshot.memory
        known, memory.diagnostics = memory.diagnostics, {}
        findings: dict[str, list[Finding]] = {}
        diagnostics: dict[str, list[dict[str, Any]]] = {}
        for item in found:
            own = targets[item.cell]
            key = (item, editor.severity, _dependencies(item, targets))
            if key in known:  # the same but for the versions its fixes are for
                others = {target.uri: target.version for target in targets} if _reaches_other_cells(item) else None
                shown = with_versions(known[key], own.version, others)
            else:
                shown = diagnostic_json(diagnostic(item, targets, editor.severity))
            memory.diagnostics[key] = shown
            diagnostics.setdefault(own.uri, []).append(shown)
            findings.setdefault(own.uri, []).append(_within_cell(item))
        unreadable = module.unreadable() if isinstance(module, TextModule) else ()
        documents = {
            cell.uri: Analysis(
                cell.version, tuple(findings.get(cell.uri, ())), diagnostics.get(cell.uri, []), resolved.problem, unreadable
            )
            for cell in snapshot.cells
        }
        pending = resolution.pending or not module.exact
        return UnitAnalysis(documents, resolved.problem, pending, frozenset(path for path, _, _ in resolution.stamps))

    def fix_all(self, snapshot: Snapshot, editor: EditorSettings, folder: Path | None, encoding: str) -> FixAll:
        """Minimal edits to the cells applying every default fix across the unit, and how many."""
        resolved = resolve(editor, snapshot.path, folder)
        module = snapshot.module(self._parser, exact=False)  # fixing parses the texts afresh
        if resolved.excluded or module is None:
            return FixAll([], 0)
        try:
            changed, count = module.fixed(resolved.settings)
        except ValueError:  # a fix would have to cross a cell boundary: offer nothing rather than garble
            return FixAll([], 0)
        edits = []
        for index, new_text in changed.items():
            cell = snapshot.cells[index]
            encoder = PositionEncoder(cell.text, encoding)
            edits += [DocumentEdit(cell.uri, cell.version, edit) for edit in text_edits(minimal_edits(cell.text, new_text), encoder)]
        return FixAll(edits, count)


def _dependencies(item: CellFinding, targets: Sequence[Target]) -> tuple[tuple[str, tuple[tuple[int, str], ...]], ...]:
    """What besides the finding its diagnostic's JSON depends on: the documents it names and their
    non-ASCII lines it has positions on."""
    spans: dict[int, list[Any]] = {item.cell: [item.finding.span]}
    for place, cell in zip(item.finding.related, item.related_cells):
        spans.setdefault(cell, []).append(place.span)
    for fix, cells in zip(item.finding.fixes, item.fix_cells):
        for edit, cell in zip(fix.edits, cells):
            spans.setdefault(cell, []).append(edit.span)
    return tuple((targets[cell].uri, targets[cell].encoder.dependencies(cell_spans)) for cell, cell_spans in spans.items())


def _reaches_other_cells(item: CellFinding) -> bool:
    return any(cell != item.cell for cells in item.fix_cells for cell in cells)


def _within_cell(item: CellFinding) -> Finding:
    """The finding as its own cell's hover shows it: only the fix edits that fall in that cell."""
    finding = item.finding
    if not _reaches_other_cells(item):
        return finding
    fixes = tuple(
        Fix(fix.kind, fix.title, tuple(edit for edit, cell in zip(fix.edits, cells) if cell == item.cell))
        for fix, cells in zip(finding.fixes, item.fix_cells)
    )
    return replace(finding, fixes=fixes)
