"""Incremental parsing of an edited document, in chunks of whole top-level statements.

tree-sitter reparses only what an edit changed, but two things about Python made one tree per
document slow to keep up to date while typing:

- A change to the sequence of top-level statements (a new line between two functions, a
  statement broken mid-typing) makes tree-sitter re-derive every top-level statement after it:
  about 50 ms for an edit near the top of a 5,000-line file.
- It never reuses a node that holds an error, and its recovery from an unclosed bracket often
  wraps the rest of the module in one ERROR node: every keystroke, wherever it is, then pays
  error recovery over the rest of the file, and the functions swallowed by the error lose their
  structure.

So a document is parsed in chunks of a few hundred lines, each a run of whole top-level
statements parsed on its own (tree-sitter's included ranges keep positions those of the whole
text). An edit re-derives the statements of its own chunk only. A chunk that an edit breaks is cut
where its statements began, so the error stays in the statement being typed and is cheap to
recover from again; once there are many more chunks than the text needs, clean neighbours are
joined again, one run per parse. Chunks after an edit are reparsed for their new positions,
which tree-sitter does by reusing them whole; chunks before it are left as they are. Where cutting would change
the meaning (a cut that an edit left before an indented line or an `else`), neighbours join.

Chunks that all parse cleanly read the text as one parse of it would: each top-level statement
is whole in its chunk. With a syntax error anywhere they need not: tree-sitter's recovery over
the whole text can swallow other statements, or read a quote as opening a string that runs to
the end. What the command line reports is what that whole parse says, so while any chunk is
broken the chunks' trees are not `exact`: the language server publishes their findings at once
(the error kept to the statement being typed, the rest of the file as it was) and those of
`settle`, a fresh parse of the whole text, once typing pauses. A whole parse on every keystroke
cost 15 to 80 ms on a 6,000-line file even incrementally, as an error's recovery is never reused.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Container
from dataclasses import dataclass, field

from tree_sitter import Parser, Point, Range, Tree

CHUNK_LINES = 200
"""Chunks are split at top-level statements into pieces of about this many lines."""

_ALL = Range(Point(0, 0), Point(0xFFFFFFFF, 0xFFFFFFFF), 0, 0xFFFFFFFF)

_STATEMENT_LINE = re.compile(rb"^[^\s#)\]}]", re.MULTILINE)
"""A line that can begin a top-level statement: not indented, blank, a comment or a closing bracket."""


@dataclass(slots=True)
class _Chunk:
    """Bytes `start`..`end` of the text, parsed on their own."""

    start: int
    end: int
    tree: Tree | None = None
    changed: bool = field(default=True)
    """Edited since its last parse."""
    moved: bool = field(default=True)
    """Edited or moved since its last parse: its tree's positions, and the text a tree-sitter
    node gives (sliced from the bytes it was parsed from), no longer match."""

    @property
    def broken(self) -> bool:
        return self.tree is None or self.tree.root_node.has_error

    def broken_at(self, end: bool) -> bool:
        """Whether the first (or last) statement has the error: the cut before (or after) the
        chunk may be what is wrong."""
        statements = [node for node in self.tree.root_node.named_children if node.type != "comment"] if self.tree else []
        return not statements or statements[-1 if end else 0].has_error


class IncrementalParse:
    """The parse trees of one document as it is edited: `edit` for every change of its text, in
    order, then `parse` for the trees of the current text, one per chunk, in document order."""

    def __init__(self, chunk_lines: int = CHUNK_LINES) -> None:
        self._chunk_lines = chunk_lines
        self._chunks: list[_Chunk] = []
        self.exact = True
        """Whether the last `parse` reads the text as a fresh parse of it does."""

    def edit(
        self,
        start_byte: int,
        old_end_byte: int,
        new_end_byte: int,
        start_point: tuple[int, int],
        old_end_point: tuple[int, int],
        new_end_point: tuple[int, int],
    ) -> None:
        """Follow a change of bytes `start_byte`..`old_end_byte`, which now end at `new_end_byte`.
        A change where a chunk begins belongs to that chunk (its first line); one spanning chunks
        joins them."""
        chunks = self._chunks
        if not chunks:
            return
        first = _index_at(chunks, start_byte)
        last = max(first, _index_at(chunks, max(start_byte, old_end_byte - 1)))
        delta = new_end_byte - old_end_byte
        joined = _Chunk(chunks[first].start, chunks[last].end + delta, chunks[first].tree if first == last else None)
        for chunk in [joined, *chunks[last + 1 :]]:
            if chunk.tree is not None:
                chunk.tree.edit(start_byte, old_end_byte, new_end_byte, start_point, old_end_point, new_end_point)
        for chunk in chunks[last + 1 :]:
            chunk.start += delta
            chunk.end += delta
            chunk.moved = chunk.moved or delta != 0
        self._chunks = [*chunks[:first], joined, *chunks[last + 1 :]]

    def parse(self, data: bytes, parser: Parser) -> list[Tree]:
        """Trees for `data`, the text after every `edit` so far, one per chunk in document order;
        not `exact` when one has a syntax error (see `settle`)."""
        text = _Text(data)
        chunks = _aligned(self._chunks, data) if self._chunks else _first_chunks(data, self._chunk_lines)
        settled: list[_Chunk] = []
        index = 0
        while index < len(chunks):
            chunk = chunks[index]
            index += 1
            # Where statements began before the edit, if the chunk parsed then: places to cut it.
            starts_before = _statement_starts(chunk.tree) if chunk.changed and not chunk.broken else []
            if chunk.moved:
                chunk.tree = _parse(parser, text, chunk)
            if chunk.broken and (chunk.changed or (settled and settled[-1].changed)):
                # The cut may be wrong, not the code: a line continuing the statement before, or
                # one that the next chunk continues.
                if settled and chunk.broken_at(end=False) and not (joined := _joined(parser, text, settled[-1], chunk)).broken:
                    settled[-1] = joined
                    continue
                if index < len(chunks) and chunk.broken_at(end=True) and not (joined := _joined(parser, text, chunk, chunks[index])).broken:
                    chunk = joined
                    index += 1
            pieces = self._pieces(chunk, starts_before, text)
            if len(pieces) > 1:
                settled += [_parsed(parser, text, piece) for piece in pieces]
            else:
                settled.append(chunk)
        settled = _strings_joined(settled, parser, text)
        if len(settled) > 2 * (text.row(len(data)) // self._chunk_lines) + 8:
            settled = _small_ones_joined(settled, parser, text, self._chunk_lines)
        for chunk in settled:
            chunk.changed = chunk.moved = False
        self._chunks = settled
        self.exact = not any(chunk.broken for chunk in settled)
        return [chunk.tree for chunk in settled if chunk.tree is not None]

    def settle(self, data: bytes, parser: Parser) -> list[Tree] | None:
        """The tree of `data`, the text of the last `parse`, parsed afresh as one when that parse
        was not `exact` (only that reads a syntax error as the command line does); None when it
        was (its trees stand)."""
        if self.exact:
            return None
        self.exact = True
        return [parser.parse(data)]

    def _pieces(self, chunk: _Chunk, starts_before: list[int], text: _Text) -> list[_Chunk]:
        """How to cut `chunk`, just parsed: an error typed into it is kept to its statement, one
        it was opened with is cut around, and a long chunk is cut to length; [] for as it is."""
        if chunk.broken and starts_before:
            return _cut(chunk, starts_before, text, 1)
        if chunk.broken and chunk.changed:
            errors = _errors(chunk.tree)
            inside = _definitions(text.data, errors)
            starts = sorted({*_statement_starts(chunk.tree), *inside})
            return _cut(chunk, starts, text, self._chunk_lines, {*inside, *_around(starts, errors)})
        if chunk.changed and text.row(chunk.end) - text.row(chunk.start) > 2 * self._chunk_lines:
            return _cut(chunk, _statement_starts(chunk.tree), text, self._chunk_lines)
        return []


def _strings_joined(chunks: list[_Chunk], parser: Parser, text: _Text) -> list[_Chunk]:
    """`chunks`, with the run from one chunk to a later one joined where a string opens in the
    first and closes in the second (code commented out with triple quotes): apart, each reads
    as a string that never ends, and the code between as code."""
    opened = [index for index, chunk in enumerate(chunks) if chunk.broken and _opens_string(chunk.tree)]
    for first, last in zip(opened, opened[1:]):
        if chunks[first].changed or chunks[last].changed:
            joined = _joined(parser, text, chunks[first], chunks[last])
            if not joined.broken:
                return [*chunks[:first], joined, *chunks[last + 1 :]]
    return chunks


def _opens_string(tree: Tree | None) -> bool:
    """Whether `tree` holds a string that does not end in it."""
    pending = [tree.root_node] if tree is not None else []
    while pending:
        node = pending.pop()
        if node.type == "ERROR" and any(child.type == "string_start" for child in node.children):
            return True
        pending.extend(child for child in node.children if child.has_error)
    return False


def _small_ones_joined(chunks: list[_Chunk], parser: Parser, text: _Text, lines: int) -> list[_Chunk]:
    """`chunks` with the first run of clean neighbours that fit in `lines` joined into one.
    Every error typed cuts its chunk into statements; without joining them again, a long
    session split a 6,000-line file into hundreds of chunks, each parsed again on every
    keystroke above it. One run per parse keeps the cost of a keystroke that of one chunk."""
    rows = [*(text.row(chunk.start) for chunk in chunks), text.row(chunks[-1].end)] if chunks else []
    for first in range(len(chunks) - 1):
        if chunks[first].broken:
            continue
        last = first
        while last + 1 < len(chunks) and not chunks[last + 1].broken and rows[last + 2] - rows[first] <= lines:
            last += 1
        if last > first:
            joined = _joined(parser, text, chunks[first], chunks[last])
            if not joined.broken:
                return [*chunks[:first], joined, *chunks[last + 1 :]]
    return chunks


def _first_chunks(data: bytes, lines: int) -> list[_Chunk]:
    """The chunks of a text parsed for the first time, cut at lines that can begin a statement:
    parsing the whole text to find its statements and then each chunk again cost twice a parse.
    A cut inside a statement (a string or bracket running over a line at the left margin)
    leaves the chunk before it broken, and `parse` joins such neighbours again."""
    cuts, row, seen, cut_row = [0], 0, 0, 0
    for match in _STATEMENT_LINE.finditer(data):
        offset = match.start()
        row += data.count(b"\n", seen, offset)
        seen = offset
        if row - cut_row >= lines and _begins_statement(data, offset):
            cuts.append(offset)
            cut_row = row
    return [_Chunk(start, end) for start, end in zip(cuts, [*cuts[1:], len(data)]) if end > start] or [_Chunk(0, len(data))]


def _index_at(chunks: list[_Chunk], offset: int) -> int:
    """The chunk holding byte `offset` (the last one for the end of the text)."""
    return max(bisect_right(chunks, offset, key=lambda chunk: chunk.start) - 1, 0)


def _aligned(chunks: list[_Chunk], data: bytes) -> list[_Chunk]:
    """`chunks` with every boundary where a top-level statement can begin: a chunk whose first
    line cannot (an edit indented it, say) joins the one before, and emptied chunks go."""
    result: list[_Chunk] = []
    for chunk in chunks:
        if chunk.start == chunk.end:
            continue
        if result and not _begins_statement(data, chunk.start):
            result[-1] = _Chunk(result[-1].start, chunk.end)
            continue
        result.append(chunk)
    return result or [_Chunk(0, len(data))]


def _begins_statement(data: bytes, offset: int) -> bool:
    """Whether a top-level statement can begin at `offset`: a line at the left margin that no
    backslash at the end of the line before continues (``import torch\\`` joins the next line)."""
    return (
        data[offset - 1 : offset] in (b"", b"\n")
        and _STATEMENT_LINE.match(data, offset) is not None
        and not data[max(offset - 3, 0) : offset].endswith((b"\\\n", b"\\\r\n"))
    )


def _statement_starts(tree: Tree | None) -> list[int]:
    """Where the top-level statements of `tree` begin: never inside a string, between a decorator
    and its function, or before an `else`."""
    if tree is None:
        return []
    return [
        node.start_byte
        for node in tree.root_node.named_children
        if node.type not in ("comment", "ERROR") and node.start_point[1] == 0
    ]


_DEFINITION_LINE = re.compile(rb"^(?:(?:async[ \t]+)?def[ \t]|class[ \t]|@)", re.MULTILINE)


def _definitions(data: bytes, spans: list[tuple[int, int]]) -> list[int]:
    """Lines inside `spans` that begin a function, class or decorator at the left margin: where
    the statements tree-sitter's recovery swallowed into an error most likely begin."""
    return [match.start() for start, end in spans for match in _DEFINITION_LINE.finditer(data, start + 1, end)]


def _errors(tree: Tree | None) -> list[tuple[int, int]]:
    """The byte spans of the top-level statements of `tree` that hold an error."""
    return [(node.start_byte, node.end_byte) for node in tree.root_node.named_children if node.has_error] if tree else []


def _around(starts: list[int], spans: list[tuple[int, int]]) -> set[int]:
    """Of the sorted statement `starts`, the last before each span and the first after it."""
    before = {starts[index] for start, _ in spans if (index := bisect_right(starts, start) - 1) >= 0}
    return before | {starts[index] for _, end in spans if (index := bisect_left(starts, end)) < len(starts)}


def _cut(chunk: _Chunk, starts: list[int], text: _Text, lines: int, forced: Container[int] = frozenset()) -> list[_Chunk]:
    """`chunk` cut at the sorted statement `starts` into pieces of at least `lines` lines, and
    at every start in `forced` whatever the length."""
    cuts, last_row = [chunk.start], text.row(chunk.start)
    for start in starts:
        if chunk.start < start < chunk.end and _begins_statement(text.data, start):
            if start in forced or text.row(start) - last_row >= lines:
                cuts.append(start)
                last_row = text.row(start)
    cuts.append(chunk.end)
    return [_Chunk(start, end) for start, end in zip(cuts, cuts[1:])]


def _parsed(parser: Parser, text: _Text, chunk: _Chunk) -> _Chunk:
    chunk.tree = _parse(parser, text, chunk)
    return chunk


def _joined(parser: Parser, text: _Text, first: _Chunk, second: _Chunk) -> _Chunk:
    return _parsed(parser, text, _Chunk(first.start, second.end))


def _parse(parser: Parser, text: _Text, chunk: _Chunk) -> Tree:
    parser.included_ranges = [text.range(chunk.start, chunk.end)] if chunk.end > chunk.start else [_ALL]
    try:
        return parser.parse(text.data, chunk.tree) if chunk.tree is not None else parser.parse(text.data)
    finally:
        parser.included_ranges = [_ALL]


class _Text:
    """The bytes being parsed, and the rows of offsets asked about in (mostly) increasing order,
    as the chunks are parsed: tree-sitter ranges need points, and counting every row from the
    top for every chunk would cost a pass over the text per chunk."""

    def __init__(self, data: bytes):
        self.data = data
        self._offset = self._row = 0

    def row(self, offset: int) -> int:
        if offset < self._offset:
            self._offset = self._row = 0
        self._row += self.data.count(b"\n", self._offset, offset)
        self._offset = offset
        return self._row

    def range(self, start: int, end: int) -> Range:
        return Range(self._point(start), self._point(end), start, end)

    def _point(self, offset: int) -> Point:
        return Point(self.row(offset), offset - (self.data.rfind(b"\n", 0, offset) + 1))
