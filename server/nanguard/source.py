"""The text being analysed, its tree-sitter parse, and conversions between their coordinates.

tree-sitter works on UTF-8 bytes; findings are reported in code points (see `model`). Pure-ASCII
text, by far the common case, converts without any decoding.

Python ends lines at ``\n``, ``\r\n`` and a lone ``\r``; tree-sitter only at ``\n``. So the
bytes parsed have every lone ``\r`` replaced by ``\n``: one character for one, so offsets and
columns stay those of the text, and rows are its lines as Python and editors count them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from functools import cached_property
from itertools import accumulate
from typing import Any, TypeVar

import re

import tree_sitter
import tree_sitter_python

from nanguard.model import Position, Span, TextEdit

PYTHON = tree_sitter.Language(tree_sitter_python.language())


def new_parser() -> tree_sitter.Parser:
    """A parser for Python; parsers are not thread-safe, so each worker owns one."""
    return tree_sitter.Parser(PYTHON)


_LONE_CR = re.compile(rb"\r(?!\n)")
_CONTINUATION_BYTE = re.compile(rb"[\x80-\xbf]")


def encode(text: str) -> bytes:
    """The bytes tree-sitter sees for `text`; lone surrogates (from lossy decoding) survive."""
    return text.encode("utf-8", "surrogatepass")


Trees = tree_sitter.Tree | Sequence[tree_sitter.Tree]
"""One tree of the whole text, or trees of consecutive stretches of it in document order, each
parsed on its own (see `nanguard.incremental`)."""


_T = TypeVar("_T")

class Source:
    """Text plus its parse trees. `trees` may come from an incremental reparse by the caller."""

    def __init__(self, text: str, trees: Trees | None = None, parser: tree_sitter.Parser | None = None):
        self.text = text
        self.data = encode(text)
        self.ascii = text.isascii()
        self._parser = parser
        if b"\r" in self.data and _LONE_CR.search(self.data):
            self.data = _LONE_CR.sub(b"\n", self.data)
            trees = None  # parsed from the bytes with the lone CRs, whose rows are not the lines
        if trees is not None:
            self.trees = [trees] if isinstance(trees, tree_sitter.Tree) else list(trees)

    @cached_property
    def trees(self) -> list[tree_sitter.Tree]:
        """Parsed on first use, so text that turns out to need no analysis is never parsed."""
        return [(self._parser or new_parser()).parse(self.data)]

    @cached_property
    def top_nodes(self) -> list[tree_sitter.Node]:
        """The children of the module, comments and ERROR nodes included, in document order."""
        return [child for root in self._roots for child in root.children]

    @cached_property
    def _roots(self) -> list[tree_sitter.Node]:
        return [tree.root_node for tree in self.trees]

    def node_for_bytes(self, start: int, end: int) -> tree_sitter.Node | None:
        """The smallest node spanning bytes `start`..`end`."""
        index = bisect_right(self._roots, start, key=lambda root: root.start_byte) - 1
        return self._roots[max(index, 0)].descendant_for_byte_range(start, end)

    def node_for_points(self, start: tuple[int, int], end: tuple[int, int]) -> tree_sitter.Node | None:
        """The smallest node spanning (row, byte column) points `start`..`end`."""
        index = bisect_right(self._roots, tuple(start), key=lambda root: tuple(root.start_point)) - 1
        return self._roots[max(index, 0)].descendant_for_point_range(start, end)

    @cached_property
    def statements(self) -> list[tree_sitter.Node]:
        """The module's top-level statements. A syntax error can make tree-sitter wrap most of
        the module in one ERROR node; the statements inside count as top-level too, so an
        unclosed bracket typed mid-file changes neither how the rest is read nor what is reused."""
        statements: list[tree_sitter.Node] = []
        pending = [node for node in reversed(self.top_nodes) if node.is_named]
        while pending:
            node = pending.pop()
            if node.type == "ERROR":
                pending.extend(reversed(node.named_children))
            else:
                statements.append(node)
        return statements

    @cached_property
    def _statement_starts(self) -> list[int]:
        return [statement.start_byte for statement in self.statements]

    def statement_at(self, byte_offset: int) -> int:
        """Index in `statements` of the one holding `byte_offset`; -1 if none does."""
        index = bisect_right(self._statement_starts, byte_offset) - 1
        return index if index >= 0 and byte_offset < self.statements[index].end_byte else -1

    @cached_property
    def _line_starts(self) -> list[int]:
        # All in C: the lengths of the lines plus their newline, summed up.
        return [0, *accumulate(map((1).__add__, map(len, self.data.split(b"\n")[:-1])))]

    def node_text(self, node: tree_sitter.Node, limit: int | None = None) -> str:
        """The text of `node`; with `limit`, at most about that many bytes of its start (for
        messages: a call nested thousands deep would otherwise be copied once per finding)."""
        end = node.end_byte
        if limit is not None and end - node.start_byte > limit:
            end = node.start_byte + limit
            while end > node.start_byte and self.data[end] & 0xC0 == 0x80:  # not inside a character
                end -= 1
        return self.data[node.start_byte : end].decode("utf-8", "surrogatepass")

    def line_start(self, row: int) -> int:
        return self._line_starts[row]

    def line_bytes(self, row: int) -> bytes:
        """The bytes of line `row`, copied once (`per_row`)."""
        return self.per_row(Source._copy_line, row)

    def _copy_line(self, row: int) -> bytes:
        starts = self._line_starts
        end = starts[row + 1] if row + 1 < len(starts) else len(self.data)
        return self.data[starts[row] : end]

    def per_row(self, compute: Callable[[Source, int], _T], row: int) -> _T:
        """`compute(self, row)`, worked out once per row and kept: a long line holding thousands
        of findings is asked about once per finding, and each answer costs the line's length."""
        answers = self._per_row.setdefault(compute, {})
        if row not in answers:
            answers[row] = compute(self, row)
        return answers[row]

    @cached_property
    def _per_row(self) -> dict[Callable[[Source, int], Any], dict[int, Any]]:
        return {}

    def position(self, point: tree_sitter.Point | tuple[int, int]) -> Position:
        row, byte_column = point
        if self.ascii or byte_column == 0:
            return Position(row, byte_column)
        continuations = self.per_row(Source._continuation_bytes, row)
        return Position(row, byte_column - bisect_left(continuations, byte_column))

    def _continuation_bytes(self, row: int) -> list[int]:
        """Where line `row`'s UTF-8 continuation bytes are: a character column is the byte column
        less those before it, found by bisection instead of decoding the line up to each finding
        (a long non-ASCII line with thousands of findings)."""
        return [match.start() for match in _CONTINUATION_BYTE.finditer(self.line_bytes(row))]

    def position_at(self, byte_offset: int) -> Position:
        row = bisect_right(self._line_starts, byte_offset) - 1
        return self.position((row, byte_offset - self._line_starts[row]))

    def span(self, node: tree_sitter.Node) -> Span:
        return Span(self.position(node.start_point), self.position(node.end_point))

    def span_between(self, start_byte: int, end_byte: int) -> Span:
        return Span(self.position_at(start_byte), self.position_at(end_byte))

    def insert(self, byte_offset: int, text: str) -> TextEdit:
        here = self.position_at(byte_offset)
        return TextEdit(Span(here, here), text)

    def replace(self, start_byte: int, end_byte: int, text: str) -> TextEdit:
        return TextEdit(self.span_between(start_byte, end_byte), text)

    @cached_property
    def newline(self) -> str:
        """The file's (first) line ending, so inserted lines match the lines around them."""
        match = re.search(r"\r\n?|\n", self.text)
        return match.group() if match else "\n"
