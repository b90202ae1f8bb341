"""`nanguard check` on one .ipynb file: read it, analyse its code cells, fix them in place or
show the fix as a diff of the file. Failures become one-line messages, never exceptions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from nanguard.dependencies import Resolution
from nanguard.files import FileError, read_source, write_source
from nanguard.model import Span
from nanguard.notebook.ipynb import NotebookError, NotebookFile, NotPython, decode
from nanguard.notebook.module import CellFinding, NotebookModule
from nanguard.report import CellLocation, PathFinding
from nanguard.report.diff import unified_diff
from nanguard.settings import Settings
from nanguard.source import new_parser
from nanguard.syntax import FirstTree, SyntaxProblem
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
    syntax: tuple[int, SyntaxProblem] | None = None
    """The first syntax error in the code cells the engine read: (cell number, counting every
    cell from 1, and the error in that cell's coordinates)."""


def check_notebook(
    path: Path, display: str, settings: Settings, *, fix: bool = False, diff: bool = False,
    parser: Parser | None = None, resolution: Resolution | None = None,
) -> NotebookResult:
    """Findings of the notebook at `path` (shown as `display`); with `fix` its fixed cells are
    written back, with `diff` the change to the file is returned instead. `resolution` (when
    only checking) collects the files the findings depend on, as for `engine.analyze`."""
    try:
        source = read_source(path, decode)
    except NotPython as reason:
        return NotebookResult(skipped=str(reason))
    except (FileError, NotebookError) as error:
        return NotebookResult(problem=str(error))
    result, fixed_text = check_notebook_text(
        source.text, path, display, settings, fix=fix, diff=diff, parser=parser, resolution=resolution
    )
    if not fix or fixed_text == source.text:
        return result
    try:
        write_source(source, fixed_text)
    except FileError as error:  # the file keeps its cells, and their findings
        kept, _ = check_notebook_text(source.text, path, display, settings, parser=parser)
        return replace(kept, problem=str(error))
    return result


def check_notebook_text(
    text: str, path: Path, display: str, settings: Settings, *, fix: bool = False, diff: bool = False,
    parser: Parser | None = None, resolution: Resolution | None = None,
) -> tuple[NotebookResult, str]:
    """`check_notebook` on the notebook `text` (of the file `path`; standard input is one), and
    the notebook's text with its cells fixed (`text` itself unless `fix` or `diff`). Writes nothing."""
    try:
        notebook = NotebookFile(text)
    except NotPython as reason:
        return NotebookResult(skipped=str(reason)), text
    except NotebookError as error:
        return NotebookResult(problem=str(error)), text
    module = _module(notebook)
    recorder = FirstTree(parser or new_parser())  # for the syntax error, if any, of what the engine reads

    def noted(result: NotebookResult) -> NotebookResult:
        return replace(result, syntax=cell_syntax_error(module, recorder))

    if not (fix or diff):
        found = module.analyze(settings, path=path, parser=recorder, resolution=resolution)
        return noted(NotebookResult(_located(notebook, found, display))), text
    try:
        changed, count, remaining = module.fix_all_with_findings(settings, path=path, parser=recorder)
    except ValueError as error:
        found = module.analyze(settings, path=path, parser=recorder)
        return noted(NotebookResult(_located(notebook, found, display), problem=f"not fixed: {error}")), text
    fixed_text = notebook.with_sources(changed)
    if diff:
        shown = unified_diff(display, text, fixed_text) if changed else ""
        return noted(NotebookResult(fixes_applied=count, diff=shown)), fixed_text
    fixed = NotebookFile(fixed_text) if changed else notebook
    return noted(NotebookResult(_located(fixed, remaining, display), fixes_applied=count if changed else 0)), fixed_text


def cell_syntax_error(module: NotebookModule, parsed: FirstTree) -> tuple[int, SyntaxProblem] | None:
    """The first syntax error of the code cells, in its cell's coordinates (see `NotebookResult.syntax`)."""
    problem = parsed.syntax_error(module.text)
    if problem is None:
        return None
    located = module.map_span(Span(problem.position, problem.position))
    if located is None:
        return None
    cell, span = located
    return cell + 1, replace(problem, position=span.start)


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
