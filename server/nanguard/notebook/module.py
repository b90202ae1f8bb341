"""A notebook's code cells as one Python module, and the engine's results mapped back to cells.

The code cells run in order in one namespace, so they are analysed as one module: a softmax in
cell 2 explains a log in cell 5. The module holds the cells line for line (magics masked, see
`magics`), each followed by a separator comment line, so a position in the module is a cell and
a position in it by subtracting the line where the cell starts. The separator also keeps the
cells apart when fixes are applied: a line the engine inserts after a cell's last line (an
import) stays in that cell, and the fixed module splits back into cells at the separators.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from nanguard import engine
from nanguard.dependencies import Resolution
from nanguard.model import Finding, Fix, Position, Related, Span, TextEdit
from nanguard.notebook.magics import mask_magics
from nanguard.settings import Settings
from tree_sitter import Parser

SEPARATOR = "# nanguard: cell boundary"

CellNamer = Callable[[int, int, int], str]
"""Names a place in another cell for messages: (cell, line (1-based), cell of the finding) -> text
such as ``cell 3, line 2``."""


@dataclass(frozen=True, slots=True)
class CellFinding:
    """A finding in a notebook. Every span is in the coordinates of its own cell: `finding.span`
    in `cell`, ``finding.related[i]`` in ``related_cells[i]``, and the edits of
    ``finding.fixes[i]`` in the cells ``fix_cells[i]``. Cells are indexes among all the
    notebook's cells (as passed to `NotebookModule`)."""

    cell: int
    finding: Finding
    related_cells: tuple[int, ...] = ()
    fix_cells: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class _Slice:
    cell: int
    text: str
    """The cell's own text, magics included."""
    first_line: int
    """The module line holding the cell's first line."""
    masked: frozenset[int]

    @property
    def line_count(self) -> int:
        return self.text.count("\n") + 1

    @property
    def module_lines(self) -> int:
        """Lines the cell takes in the module before its separator (a final newline is shared)."""
        return self.text.count("\n") + (0 if self.text.endswith("\n") else 1)


class NotebookModule:
    """The code cells of one notebook as one module. `cells` are (cell index, text) in order."""

    def __init__(self, cells: Sequence[tuple[int, str]]):
        self.separator = _unused_separator([text for _, text in cells])
        pieces: list[str] = []
        self._slices: list[_Slice] = []
        line = 0
        for cell, text in cells:
            masked = mask_magics(text)
            piece = masked.text if text.endswith("\n") else masked.text + "\n"
            item = _Slice(cell, text, line, masked.masked)
            self._slices.append(item)
            pieces.append(piece)
            pieces.append(self.separator + "\n")
            line += item.module_lines + 1
        self.text = "".join(pieces)
        self._starts = [item.first_line for item in self._slices]

    @property
    def cells(self) -> list[int]:
        return [item.cell for item in self._slices]

    # -- analysis ---------------------------------------------------------------------------

    def analyze(
        self,
        settings: Settings,
        *,
        path: Path | None = None,
        parser: Parser | None = None,
        name_cell: CellNamer | None = None,
        cache: engine.AnalysisCache | None = None,
        resolution: Resolution | None = None,
    ) -> list[CellFinding]:
        """The engine's findings for the notebook, in cell coordinates, ordered by cell and position;
        `cache` carries the findings of unchanged functions over from the previous analysis,
        `resolution` is as for `engine.analyze`."""
        findings = engine.analyze(self.text, settings, path=path, parser=parser, cache=cache, resolution=resolution)
        return self._in_cells(findings, name_cell)

    def _in_cells(self, findings: list[Finding], name_cell: CellNamer | None) -> list[CellFinding]:
        mapped = (self.map_finding(finding, name_cell or name_by_number) for finding in findings)
        order = {cell: number for number, cell in enumerate(self.cells)}
        return sorted(
            (item for item in mapped if item is not None),
            key=lambda item: (order[item.cell], item.finding.span.start, item.finding.span.end),
        )

    def fix_all(self, settings: Settings, *, path: Path | None = None) -> tuple[dict[int, str], int]:
        """The new text of every cell the default fixes change, and how many fixes were applied."""
        fixed, count = engine.fix_all(self.text, settings, path=path)
        return self._split(fixed, count), count

    def fix_all_with_findings(
        self, settings: Settings, *, path: Path | None = None, parser: Parser | None = None
    ) -> tuple[dict[int, str], int, list[CellFinding]]:
        """`fix_all`, and the findings left in the fixed cells: the last fixing pass found them,
        so a caller that reports them need not analyse the notebook again."""
        fixed, count, findings = engine.fix_all_with_findings(self.text, settings, path=path, parser=parser)
        changed = self._split(fixed, count)
        fixed_module = NotebookModule([(item.cell, changed.get(item.cell, item.text)) for item in self._slices])
        if fixed_module.text != fixed:  # the fixed cells make another module (a magic moved): analyse that
            return changed, count, fixed_module.analyze(settings, path=path, parser=parser)
        return changed, count, fixed_module._in_cells(findings, None)

    def _split(self, fixed: str, count: int) -> dict[int, str]:
        """The cells `fixed` (this module with fixes applied) changes, and their new text."""
        if count == 0:
            return {}
        parts = fixed.split("\n" + self.separator + "\n")
        if len(parts) != len(self._slices) + 1 or parts[-1] != "":
            raise ValueError("a fix changed the boundary between two cells")
        changed: dict[int, str] = {}
        for item, part in zip(self._slices, parts):
            new_text = self._unmask(item, part + "\n")
            if new_text != item.text:
                changed[item.cell] = new_text
        return changed

    def _unmask(self, item: _Slice, piece: str) -> str:
        """The cell text for its fixed `piece` of the module: magics put back, and the newline
        the module added after a cell without one taken away again."""
        if not item.text.endswith("\n"):
            piece = piece[:-1]
        if not item.masked:
            return piece
        old_lines = mask_magics(item.text).text.split("\n")
        original = item.text.split("\n")
        new_lines = piece.split("\n")
        moved: dict[int, int] = {}
        for tag, i1, i2, j1, _ in SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
            if tag == "equal":
                moved.update((i1 + offset, j1 + offset) for offset in range(i2 - i1))
        for number in item.masked:
            if number not in moved:
                raise ValueError("a fix changed an IPython magic line")
            new_lines[moved[number]] = original[number]
        return "\n".join(new_lines)

    # -- positions --------------------------------------------------------------------------

    def _locate(self, position: Position) -> tuple[_Slice, Position] | None:
        """The cell holding a module position and the position in it; None on a separator
        (other than at its very start, which is the end of the cell before it)."""
        index = bisect_right(self._starts, position.line) - 1
        if index < 0:
            return None
        item = self._slices[index]
        line = position.line - item.first_line
        if line < item.module_lines:
            return item, Position(line, position.column)
        if line == item.module_lines and position.column == 0:
            return item, Position(line, 0)  # just past the cell's last line
        return None

    def map_span(self, span: Span) -> tuple[int, Span] | None:
        located = self._edit_span(span)
        return None if located is None else (located[0].cell, located[1])

    def _edit_span(self, span: Span) -> tuple[_Slice, Span] | None:
        start = self._locate(span.start)
        end = self._locate(span.end)
        if start is None or end is None or start[0] is not end[0]:
            return None
        item, (start_position, end_position) = start[0], (start[1], end[1])
        for line in item.masked:
            if start_position < Position(line, 1 << 30) and end_position > Position(line, 0):
                return None  # the masked text is not what the cell holds there
        return item, Span(start_position, end_position)

    def map_edit(self, edit: TextEdit) -> tuple[int, TextEdit] | None:
        """`edit` of the module as an edit of one cell; None when it cannot be one."""
        located = self._edit_span(edit.span)
        if located is None:
            return None
        item, span = located
        if span.end.line < item.line_count:
            return item.cell, TextEdit(span, edit.new_text)
        # Past the last line of a cell without a final newline: lines appended to the cell.
        newline = "\r\n" if edit.new_text.endswith("\r\n") else "\n"
        if span.start != span.end or not edit.new_text.endswith(newline):
            return None
        last_line = item.text.split("\n")[-1]
        end_of_cell = Position(item.line_count - 1, len(last_line))
        return item.cell, TextEdit(Span(end_of_cell, end_of_cell), newline + edit.new_text[: -len(newline)])

    def map_finding(self, finding: Finding, name_cell: CellNamer) -> CellFinding | None:
        """`finding` in cell coordinates; None if its call is not inside one cell."""
        located = self.map_span(finding.span)
        if located is None:
            return None
        cell, span = located
        related: list[Related] = []
        related_cells: list[int] = []
        message = finding.message
        for item in finding.related:
            place = self.map_span(item.span)
            if place is None:
                continue
            message = _rename_line(message, item.span.start.line + 1, place, cell, name_cell)
            related.append(Related(place[1], item.message))
            related_cells.append(place[0])
        fixes: list[Fix] = []
        fix_cells: list[tuple[int, ...]] = []
        for fix in finding.fixes:
            edits = [self.map_edit(edit) for edit in fix.edits]
            if any(edit is None for edit in edits):
                continue  # it would have to change a magic or a separator
            fixes.append(Fix(fix.kind, fix.title, tuple(edit[1] for edit in edits if edit is not None)))
            fix_cells.append(tuple(edit[0] for edit in edits if edit is not None))
        mapped = Finding(finding.code, span, message, finding.function, tuple(related), tuple(fixes))
        return CellFinding(cell, mapped, tuple(related_cells), tuple(fix_cells))


def name_by_number(cell: int, line: int, finding_cell: int) -> str:
    """``cell 3, line 2``: cells numbered from 1 among all the notebook's cells, as the command
    line reports them; just ``line 2`` within the finding's own cell."""
    return f"line {line}" if cell == finding_cell else f"cell {cell + 1}, line {line}"


def _rename_line(message: str, module_line: int, place: tuple[int, Span], cell: int, name_cell: CellNamer) -> str:
    """Messages point at related lines as ``(line N)`` of the module; say where in the notebook."""
    related_cell, span = place
    return message.replace(engine.cause_reference(module_line), f"({name_cell(related_cell, span.start.line + 1, cell)})", 1)


def _unused_separator(texts: Sequence[str]) -> str:
    """The separator comment, made unique should a cell hold that very line."""
    separator = SEPARATOR
    number = 0
    while any(re.search(rf"^{re.escape(separator)}\r?$", text, re.MULTILINE) for text in texts):
        number += 1
        separator = f"{SEPARATOR} {number}"
    return separator
