"""`nanguard check` on one .ipynb file: read it, analyse its code cells, fix them in place or
show the fix as a diff of the file. Failures become one-line messages, never exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nanguard.files import FileError, read_source, write_source
from nanguard.model import Span
from nanguard.notebook.ipynb import NotebookError, NotebookFile, NotPython, decode
from nanguard.notebook.module import CellFinding, NotebookModule
from nanguard.report import CellLocation, PathFinding
from nanguard.report.diff import unified_diff
from nanguard.settings import Settings
from tree_sitter import Parser


@dataclass(frozen=True, slots=True)
class NotebookResult:
    findings: tuple[PathFinding, ...] = ()
    problem: str | None = None
    """Why the notebook could not be checked or written (an error: exit code 2)."""
    skipped: str | None = None
    """Why a well-formed notebook was left alone (another language: not an error)."""
    fixes_applied: int = 0
    diff: str = ""


def check_notebook(
    path: Path, display: str, settings: Settings, *, fix: bool = False, diff: bool = False, parser: Parser | None = None
) -> NotebookResult:
    """Findings of the notebook at `path` (shown as `display`); with `fix` its fixed cells are
    written back, with `diff` the change to the file is returned instead."""
    try:
        source = read_source(path, decode)
        notebook = NotebookFile(source.text)
    except NotPython as reason:
        return NotebookResult(skipped=str(reason))
    except (FileError, NotebookError) as error:
        return NotebookResult(problem=str(error))
    module = _module(notebook)
    if not (fix or diff):
        return NotebookResult(_located(notebook, module.analyze(settings, path=path, parser=parser), display))
    try:
        changed, count, remaining = module.fix_all_with_findings(settings, path=path, parser=parser)
    except ValueError as error:
        found = module.analyze(settings, path=path, parser=parser)
        return NotebookResult(_located(notebook, found, display), problem=f"not fixed: {error}")
    fixed_text = notebook.with_sources(changed)
    if diff:
        return NotebookResult(fixes_applied=count, diff=unified_diff(display, source.text, fixed_text) if changed else "")
    try:
        written = write_source(source, fixed_text)
    except FileError as error:  # the file keeps its cells, and their findings
        return NotebookResult(_located(notebook, module.analyze(settings, path=path, parser=parser), display), problem=str(error))
    fixed = NotebookFile(fixed_text) if written else notebook
    return NotebookResult(_located(fixed, remaining, display), fixes_applied=count if written else 0)


def _module(notebook: NotebookFile) -> NotebookModule:
    return NotebookModule([(cell.index, cell.text) for cell in notebook.code_cells()])


def _located(notebook: NotebookFile, found: list[CellFinding], display: str) -> tuple[PathFinding, ...]:
    return tuple(PathFinding(display, item.finding, cell_location(notebook, item)) for item in found)


def cell_location(notebook: NotebookFile, item: CellFinding) -> CellLocation:
    """The cells of a finding numbered as users see them, and its place in the file itself."""

    def in_file(cell: int, span: Span) -> Span:
        return Span(notebook.file_position(cell, span.start), notebook.file_position(cell, span.end))

    finding = item.finding
    return CellLocation(
        cell=item.cell + 1,
        related_cells=tuple(cell + 1 for cell in item.related_cells),
        fix_cells=tuple(cell + 1 for cell in item.fix_cells[0]) if item.fix_cells else (),
        file_span=in_file(item.cell, finding.span),
        file_related=tuple(in_file(cell, related.span) for cell, related in zip(item.related_cells, finding.related)),
    )
