"""The smallest edits that turn one text into another, for fix-all results.

Replacing the whole document would move the cursor, drop folds and marks, and bloat undo; an
editor applying these edits changes only the characters the fixes changed.
"""

from __future__ import annotations

from bisect import bisect_right
from difflib import SequenceMatcher

from nanguard.edits import line_offsets
from nanguard.model import Position, Span, TextEdit


def minimal_edits(old: str, new: str) -> list[TextEdit]:
    """Edits (code-point positions in `old`) that turn `old` into `new`, each trimmed to the
    characters that differ."""
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    head = _common_prefix_length(old_lines, new_lines)
    tail = _common_prefix_length(old_lines[head:][::-1], new_lines[head:][::-1])
    old_middle = old_lines[head : len(old_lines) - tail]
    new_middle = new_lines[head : len(new_lines) - tail]

    offsets = line_offsets(old)
    base = sum(len(line) for line in old_lines[:head])
    old_starts = _running_starts(old_middle, base)
    edits = []
    matcher = SequenceMatcher(None, old_middle, new_middle, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed, added = "".join(old_middle[i1:i2]), "".join(new_middle[j1:j2])
        prefix = _common_prefix_length(removed, added)
        suffix = _common_prefix_length(removed[prefix:][::-1], added[prefix:][::-1])
        start = old_starts[i1] + prefix
        end = old_starts[i1] + len(removed) - suffix
        edits.append(TextEdit(Span(_position(offsets, start), _position(offsets, end)), added[prefix : len(added) - suffix]))
    return edits


def _common_prefix_length(a: str | list[str], b: str | list[str]) -> int:
    length = 0
    for x, y in zip(a, b):
        if x != y:
            break
        length += 1
    return length


def _running_starts(lines: list[str], base: int) -> list[int]:
    starts = [base]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def _position(offsets: list[int], offset: int) -> Position:
    line = bisect_right(offsets, offset) - 1
    return Position(line, offset - offsets[line])
