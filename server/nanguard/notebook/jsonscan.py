"""Where each cell's ``source`` value sits in the text of a notebook file.

`json` parses values but forgets where they were. Fixing a notebook must change only the
``source`` of the edited cells and keep every other character of the file, so this scanner walks
the text once and records the offsets of ``cells[i].source`` (and of each string in it, when it
is a list of lines). It expects text that `json.loads` has already accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"[^,\]}\s]+")


class ScanError(ValueError):
    """The text is not the JSON the scanner was promised."""


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """Offsets (in characters of the file's text) of one cell's ``source`` value."""

    start: int
    end: int
    items: tuple[tuple[int, int], ...] | None
    """The offsets of each string of a list-of-lines source; None when the source is one string."""


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.index = 0

    def skip_whitespace(self) -> None:
        self.index = _WHITESPACE.match(self.text, self.index).end()  # type: ignore[union-attr]

    def peek(self) -> str:
        self.skip_whitespace()
        return self.text[self.index : self.index + 1]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise ScanError(f"expected {char!r} at offset {self.index}")
        self.index += 1

    def string(self) -> tuple[int, int]:
        self.skip_whitespace()
        match = _STRING.match(self.text, self.index)
        if match is None:
            raise ScanError(f"expected a string at offset {self.index}")
        self.index = match.end()
        return match.start(), match.end()

    def skip_value(self) -> tuple[int, int]:
        """Skip any value without recursion (outputs can nest deeply); its offsets."""
        self.skip_whitespace()
        start = self.index
        depth = 0
        while True:
            char = self.text[self.index : self.index + 1]
            if char == '"':
                self.string()
            elif char in ("[", "{"):
                depth += 1
                self.index += 1
            elif char in ("]", "}"):
                depth -= 1
                self.index += 1
            elif char in (",", ":") and depth > 0:
                self.index += 1
            elif char and char in " \t\n\r" and depth > 0:
                self.skip_whitespace()
            elif char and depth >= 0:
                match = _SCALAR.match(self.text, self.index)
                if match is None:
                    raise ScanError(f"unexpected {char!r} at offset {self.index}")
                self.index = match.end()
            else:
                raise ScanError(f"unexpected end of text at offset {self.index}")
            if depth == 0:
                return start, self.index

    def members(self):
        """Yield each key of the object starting here, with the scanner placed on its value."""
        self.expect("{")
        if self.peek() == "}":
            self.index += 1
            return
        while True:
            key_start, key_end = self.string()
            self.expect(":")
            self.skip_whitespace()
            before = self.index
            yield self.text[key_start + 1 : key_end - 1]
            if self.index == before:
                self.skip_value()
            if self.peek() == ",":
                self.index += 1
                continue
            self.expect("}")
            return

    def elements(self):
        """Yield once per element of the array starting here, the scanner placed on it."""
        self.expect("[")
        if self.peek() == "]":
            self.index += 1
            return
        while True:
            self.skip_whitespace()
            before = self.index
            yield
            if self.index == before:
                self.skip_value()
            if self.peek() == ",":
                self.index += 1
                continue
            self.expect("]")
            return


def source_spans(text: str) -> list[SourceSpan | None]:
    """For each element of the top-level ``cells`` array, the span of its ``source`` (None when
    the cell has none). Raises `ScanError` if the text is not a JSON object."""
    scanner = _Scanner(text)
    spans: list[SourceSpan | None] = []
    for key in scanner.members():
        if key != "cells" or scanner.peek() != "[":
            continue
        spans = []  # a repeated key: json keeps the last one, and so do we
        for _ in scanner.elements():
            spans.append(_cell_source(scanner) if scanner.peek() == "{" else None)
    return spans


def _cell_source(scanner: _Scanner) -> SourceSpan | None:
    found: SourceSpan | None = None
    for key in scanner.members():
        if key != "source":
            continue
        scanner.skip_whitespace()
        start = scanner.index
        if scanner.peek() == "[":
            items = []
            for _ in scanner.elements():
                if scanner.peek() == '"':
                    items.append(scanner.string())
            found = SourceSpan(start, scanner.index, tuple(items))
        elif scanner.peek() == '"':
            _, end = scanner.string()
            found = SourceSpan(start, end, None)
        else:
            scanner.skip_value()
            found = None
    return found
