"""Rendering check results for people (text) and for tools (json, sarif, github).

Each format is one module, `nanguard.report.<name>` for each name in `FORMAT_NAMES`, with a
`render(run) -> str` function. Positions here are 1-based with columns in characters, which is
what editors, GitHub and SARIF viewers (with ``columnKind: unicodeCodePoints``) show.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from nanguard.model import Finding, Position, Span


@dataclass(frozen=True, slots=True)
class CellLocation:
    """Where a finding in a notebook is. Its positions count within cells (numbered from 1,
    markdown and raw cells included); `file_span` is the same place in the .ipynb file's text,
    for tools that show that file rather than the notebook."""

    cell: int
    related_cells: tuple[int, ...]
    """The cell of each of the finding's related locations."""
    fix_cells: tuple[int, ...]
    """The cell of each edit of the finding's default fix."""
    file_span: Span
    file_related: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class PathFinding:
    path: str
    """As the user sees it: relative to the working folder when the file is below it."""
    finding: Finding
    cell: CellLocation | None = None
    """Set for findings in notebooks."""


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A file that could not be analysed (or fixed), and why, in one line."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class FileNote:
    """Something to know about a checked file that is not a finding: where it stops parsing."""

    path: str
    position: Position
    message: str
    cell: int | None = None
    """In a notebook: the cell (numbered from 1 counting every cell) `position` is in."""


@dataclass(slots=True)
class Run:
    """Everything one `nanguard check` produced, in the order it is shown."""

    findings: list[PathFinding] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    notes: list[FileNote] = field(default_factory=list)
    files_checked: int = 0
    fixes_applied: int = 0
    files_fixed: int = 0
    fix_mode: bool = False

    def sort(self) -> None:
        self.findings.sort(
            key=lambda item: (item.path, item.cell.cell if item.cell else 0, item.finding.span.start, item.finding.code)
        )
        self.problems.sort(key=lambda problem: problem.path)
        self.notes.sort(key=lambda note: (note.path, note.cell or 0, note.position))


def printable(name: str) -> str:
    """`name` (a path) safe to print on a line of its own: control and other invisible characters
    (a newline, an ANSI escape, a byte that was not UTF-8) are shown escaped, as Python would
    write them in a string, so one finding stays one line and a terminal shows what is there."""
    if name.isprintable():
        return name
    return "".join(char if char.isprintable() else _escaped(char) for char in name)


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    code = ord(char)
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def one_based(position: Position) -> tuple[int, int]:
    return position.line + 1, position.column + 1


FORMAT_NAMES = ("text", "concise", "json", "sarif", "github")
"""Each is the module `nanguard.report.<name>`, except `concise`: ruff's name for the one line
per finding that `text` already prints."""


def render(format_name: str, run: Run, *, color: bool = False, quiet: bool = False, show_fixes: bool = False) -> str:
    """`run` in `format_name`; the options only affect the text format."""
    if format_name not in FORMAT_NAMES:
        raise ValueError(f"unknown output format {format_name!r}")
    if format_name == "concise":
        format_name = "text"
    module = importlib.import_module(f"{__name__}.{format_name}")
    if format_name == "text":
        return module.render(run, color=color, quiet=quiet, show_fixes=show_fixes)
    return module.render(run)
