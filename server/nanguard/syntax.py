"""Where a file stops being Python: the first syntax error tree-sitter meets.

The engine reads code with an error-tolerant parser, so a file with a syntax error is still
checked, except for the statements around the error. The shells say so (the command line in
one note per file, the language server in its log) rather than report "no findings" as if the
whole file had been read.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import tree_sitter
from nanguard.model import Position
from nanguard.source import Source


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    position: Position
    """Of the first error, 0-based, in code points like every other position."""
    message: str


class FirstTree:
    """A parser that keeps the first tree it makes. The engine parses only text it has to read
    (text with a log call); handing it this parser tells the caller whether it did, and gives the
    tree to look for syntax errors in, without parsing the text a second time."""

    def __init__(self, parser: tree_sitter.Parser):
        self._parser = parser
        self.tree: tree_sitter.Tree | None = None

    def parse(self, data: bytes, *args: Any, **kwargs: Any) -> tree_sitter.Tree:
        tree = self._parser.parse(data, *args, **kwargs)
        if self.tree is None:
            self.tree = tree
        return tree

    def syntax_error(self, text: str) -> SyntaxProblem | None:
        """The first syntax error of `text`, if it is what was parsed first and has one."""
        if self.tree is None or not self.tree.root_node.has_error:
            return None
        return first_syntax_error(Source(text, self.tree))


def first_syntax_error(source: Source) -> SyntaxProblem | None:
    """The first syntax error of `source`, when its parse trees have one: as Python's own
    parser words and places it (it only parses, nothing runs), else where tree-sitter met it."""
    for tree in source.trees:
        node = _first_error_node(tree.root_node)
        if node is not None:
            break
    else:
        return None
    try:
        ast.parse(source.text)
    except SyntaxError as error:
        if error.lineno is not None:
            return SyntaxProblem(Position(error.lineno - 1, max((error.offset or 1) - 1, 0)), f"SyntaxError: {error.msg}")
    except (ValueError, RecursionError, MemoryError):
        pass  # NUL bytes, or too deep for Python's parser: tree-sitter's place will do
    position = source.position(node.start_point)
    if node.is_missing:
        return SyntaxProblem(position, f"syntax error: expected `{node.type}`")
    return SyntaxProblem(position, "syntax error")


def _first_error_node(root: tree_sitter.Node) -> tree_sitter.Node | None:
    if not root.has_error:
        return None
    node = root
    while True:
        if node.is_error or node.is_missing:
            return node
        child = next((c for c in node.children if c.has_error or c.is_missing), None)
        if child is None:
            return node
        node = child


def describe(problem: SyntaxProblem) -> str:
    """The note's text: what is wrong, and what it costs."""
    return f"{problem.message}; the code around it may not have been checked"


def unreadable_lines(trees: Sequence[tree_sitter.Tree]) -> tuple[tuple[int, int], ...]:
    """The (first, last) 0-based lines of each top-level statement holding a syntax error: what
    the analysis could not fully read, for the language server's log."""
    return tuple(
        (child.start_point[0], child.end_point[0])
        for tree in trees
        if tree.root_node.has_error
        for child in tree.root_node.children
        if child.has_error or child.is_missing
    )


def describe_lines(regions: Sequence[tuple[int, int]]) -> str:
    """``lines 3-5, 9`` (1-based)."""
    spans = [f"{first + 1}" if first == last else f"{first + 1}-{last + 1}" for first, last in regions]
    return f"line{'s' if len(spans) > 1 or '-' in spans[0] else ''} {', '.join(spans)}"
