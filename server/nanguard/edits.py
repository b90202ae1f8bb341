"""Applying text edits (positions in code points) to a string.

Lines end where Python (and the LSP) end them: at ``\n``, ``\r\n`` or a lone ``\r``.
"""

from __future__ import annotations

import re
from typing import Iterable

from nanguard.model import Position, TextEdit


class OverlappingEdits(ValueError):
    """Two edits touch the same text; applying both would garble it."""


_LINE_BREAK = re.compile(r"\r\n?|\n")


def line_offsets(text: str) -> list[int]:
    """Offset of the first character of each line."""
    if "\r" in text:
        return [0, *(match.end() for match in _LINE_BREAK.finditer(text))]
    offsets = [0]
    index = text.find("\n")
    while index != -1:
        offsets.append(index + 1)
        index = text.find("\n", index + 1)
    return offsets


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their line endings (one more than there are line breaks)."""
    return _LINE_BREAK.split(text) if "\r" in text else text.split("\n")


def split_lines_keeping_ends(text: str) -> list[str]:
    """The lines of `text`, each with its line ending (the last may have none)."""
    offsets = line_offsets(text)
    lines = [text[start:end] for start, end in zip(offsets, offsets[1:])]
    return [*lines, text[offsets[-1] :]] if offsets[-1] < len(text) else lines


def offset_of(position: Position, offsets: list[int], text_length: int) -> int:
    if position.line >= len(offsets):
        return text_length
    return min(offsets[position.line] + position.column, text_length)


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """`text` with `edits` applied; identical duplicate edits count once, overlapping ones raise."""
    offsets = line_offsets(text)
    resolved = sorted(
        {(offset_of(e.span.start, offsets, len(text)), offset_of(e.span.end, offsets, len(text)), e.new_text) for e in edits}
    )
    pieces: list[str] = []
    cursor = 0
    for start, end, new_text in resolved:
        if start < cursor:
            raise OverlappingEdits(f"edit at offset {start} overlaps an earlier edit ending at {cursor}")
        pieces.append(text[cursor:start])
        pieces.append(new_text)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
