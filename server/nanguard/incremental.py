"""Incremental parsing of an edited document that keeps a syntax error to the statement being typed.

tree-sitter reparses only what an edit changed, but it never reuses a node that holds an error.
With an unclosed bracket mid-file (a file's state for as long as a call is being typed), its
recovery often wraps the rest of the module in one ERROR node, so every keystroke, wherever it
is, pays error recovery over the rest of the file, and the statements swallowed by the error can
lose their structure.

`IncrementalParse` therefore keeps a broken top-level statement out of the document's main tree
(tree-sitter's included ranges leave a hole there) and parses it on its own. The main tree stays
clean and cheap to reparse, and an error cannot reach past its own statement. Once the statement
parses again, the hole closes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from tree_sitter import Node, Parser, Point, Range, Tree

_ALL = Range(Point(0, 0), Point(0xFFFFFFFF, 0xFFFFFFFF), 0, 0xFFFFFFFF)


@dataclass(slots=True)
class _Hole:
    """Bytes `start`..`end` of the text (whole lines when made), parsed apart from the main tree."""

    start: int
    end: int
    tree: Tree | None = None

    def follow(self, start: int, old_end: int, new_end: int) -> None:
        """Follow an edit of bytes `start`..`old_end`, which now end at `new_end`. An edit where
        the hole begins is inside it (its first line); one where it ends is not (the next line)."""
        if old_end < self.start or (old_end == self.start and start == old_end and start != self.start):
            self.start += new_end - old_end
            self.end += new_end - old_end
        elif start < self.end or start == self.start:
            self.end = self.end + new_end - old_end if self.end >= old_end else new_end
            self.start = min(self.start, start)


def _through(offset: int, start: int, old_end: int, new_end: int) -> int:
    """Where `offset` is after an edit of bytes `start`..`old_end` that now end at `new_end`."""
    if offset >= old_end:
        return offset + new_end - old_end
    return new_end if offset > start else offset


class IncrementalParse:
    """The parse trees of one document as it is edited: `edit` for every change of its text, in
    order, then `parse` for the trees of the current text (the main tree, then one per hole)."""

    def __init__(self) -> None:
        self._main: Tree | None = None
        self._holes: list[_Hole] = []
        self._touched: tuple[int, int] | None = None
        """Bytes changed since the last parse, in the current text."""

    def edit(
        self,
        start_byte: int,
        old_end_byte: int,
        new_end_byte: int,
        start_point: tuple[int, int],
        old_end_point: tuple[int, int],
        new_end_point: tuple[int, int],
    ) -> None:
        if self._main is None:
            return  # the next parse starts afresh
        self._main.edit(start_byte, old_end_byte, new_end_byte, start_point, old_end_point, new_end_point)
        for hole in self._holes:
            hole.follow(start_byte, old_end_byte, new_end_byte)
        self._holes = _merged(self._holes)
        if self._touched is None:
            self._touched = (start_byte, new_end_byte)
        else:
            first, last = (_through(offset, start_byte, old_end_byte, new_end_byte) for offset in self._touched)
            self._touched = (min(first, start_byte), max(last, new_end_byte))

    def parse(self, data: bytes, parser: Parser) -> list[Tree]:
        """Trees for `data`, the text after every `edit` so far: the main tree, then the trees of
        the statements kept apart, in document order."""
        touched, self._touched = self._touched, None
        old = self._main
        if old is None:
            self._main, self._holes = _parse(parser, data, None, None), []
            return [self._main]
        holes = _merged([_Hole(_line_start(data, h.start), _statement_start(data, h.end)) for h in self._holes])
        for hole in holes:
            hole.tree = _parse_apart(parser, data, hole.start, hole.end)
        if touched is not None and not old.root_node.has_error and not any(_overlaps(h, touched) for h in holes):
            broken = _broken_statement(old.root_node, data, touched, parser)
            if broken is not None:
                holes = _merged([*holes, broken])
                for hole in holes:
                    hole.tree = hole.tree or _parse_apart(parser, data, hole.start, hole.end)
        healed = [h for h in holes if touched and _overlaps(h, touched) and not _broken(h)]
        kept = [hole for hole in holes if all(hole is not h for h in healed)]
        main = _parse(parser, data, old, _outside(data, kept))
        if main.root_node.has_error and healed:  # it parses alone but not in place: keep it apart
            kept = holes
            main = _parse(parser, data, old, _outside(data, kept))
        self._main, self._holes = main, kept
        return [main, *(hole.tree for hole in kept if hole.tree is not None)]


def _broken(hole: _Hole) -> bool:
    return hole.tree is None or hole.tree.root_node.has_error


def _broken_statement(root: Node, data: bytes, touched: tuple[int, int], parser: Parser) -> _Hole | None:
    """The edited top-level statements as a hole, if they no longer parse; None if they do, alone
    or with the statement before (an indented line may continue that one's body)."""
    start, previous, end = _statement_lines(root, data, touched)
    hole = _Hole(start, end, _parse_apart(parser, data, start, end))
    if not _broken(hole):
        return None
    if previous is not None and not _parse_apart(parser, data, previous, end).root_node.has_error:
        return None
    return hole


def _parse(parser: Parser, data: bytes, old: Tree | None, ranges: list[Range] | None) -> Tree:
    parser.included_ranges = ranges or [_ALL]
    try:
        return parser.parse(data, old) if old is not None else parser.parse(data)
    finally:
        parser.included_ranges = [_ALL]


def _point(data: bytes, offset: int) -> Point:
    row = data.count(b"\n", 0, offset)
    return Point(row, offset - (data.rfind(b"\n", 0, offset) + 1))


def _range(data: bytes, start: int, end: int) -> Range:
    return Range(_point(data, start), _point(data, end), start, end)


def _parse_apart(parser: Parser, data: bytes, start: int, end: int) -> Tree:
    return _parse(parser, data, None, [_range(data, start, end)])


def _outside(data: bytes, holes: list[_Hole]) -> list[Range] | None:
    """Included ranges for the main tree: everything but the holes."""
    if not holes:
        return None
    ranges, start = [], 0
    for hole in holes:
        if hole.start > start:
            ranges.append(_range(data, start, hole.start))
        start = hole.end
    if start < len(data):
        ranges.append(_range(data, start, len(data)))
    return ranges or [_range(data, 0, 0)]


def _overlaps(hole: _Hole, span: tuple[int, int]) -> bool:
    return span[0] <= hole.end and hole.start <= span[1]


def _merged(holes: list[_Hole]) -> list[_Hole]:
    """Holes in order, overlapping or adjoining ones joined (into a new hole, still to parse)."""
    result: list[_Hole] = []
    for hole in sorted(holes, key=lambda h: h.start):
        if result and hole.start <= result[-1].end:
            result[-1] = _Hole(result[-1].start, max(result[-1].end, hole.end))
        else:
            result.append(hole)
    return result


def _statement_lines(root: Node, data: bytes, touched: tuple[int, int]) -> tuple[int, int | None, int]:
    """Where the lines of the top-level statements that bytes `touched` fall in begin, where the
    statement before them begins (None at the top), and where the next statement begins."""
    statements = [node for node in root.named_children if node.type != "comment"]
    starts = [node.start_byte for node in statements]
    first = bisect_right(starts, touched[0]) - 1
    after = bisect_right(starts, touched[1])
    start = _line_start(data, starts[first]) if first >= 0 else 0
    previous = _line_start(data, starts[first - 1]) if first >= 1 else None
    end = _statement_start(data, _line_start(data, starts[after]) if after < len(starts) else len(data))
    return start, previous, max(start, end)


def _line_start(data: bytes, offset: int) -> int:
    return data.rfind(b"\n", 0, offset) + 1


_STATEMENT_LINE = re.compile(rb"^[^\s#)\]}]", re.MULTILINE)
"""A line that can begin a top-level statement: not indented, blank, a comment or a closing bracket."""


def _statement_start(data: bytes, offset: int) -> int:
    """The first line at or after `offset` that can begin a top-level statement (the end of the
    text if none): what follows a hole must not be text that continues its statement, such as an
    indented line typed after a function."""
    if offset > 0 and data[offset - 1 : offset] != b"\n":
        offset = data.find(b"\n", offset) + 1 or len(data)
    match = _STATEMENT_LINE.search(data, offset)
    return match.start() if match else len(data)
