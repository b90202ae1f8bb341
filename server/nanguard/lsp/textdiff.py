"""The smallest edits that turn one text into another, for fix-all results.

Replacing the whole document would move the cursor, drop folds and marks, and bloat undo; an
editor applying these edits changes only the characters the fixes changed.
"""

from __future__ import annotations

from bisect import bisect_right
from difflib import SequenceMatcher

from nanguard.edits import line_offsets
from nanguard.model import Position, Span, TextEdit

CHARACTER_DIFF_LIMIT = 4_000


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
    edits: list[TextEdit] = []
    matcher = SequenceMatcher(None, old_middle, new_middle, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed, added = "".join(old_middle[i1:i2]), "".join(new_middle[j1:j2])
            for start, end, text in _character_changes(removed, added):
                span = Span(_position(offsets, old_starts[i1] + start), _position(offsets, old_starts[i1] + end))
                edits.append(TextEdit(span, text))
    return edits


def _character_changes(removed: str, added: str) -> list[tuple[int, int, str]]:
    """(start, end, new text) changes within one changed block of lines: character by character
    for blocks of a few lines (a clip becomes two insertions), trimmed to the differing middle
    for big ones, where a character diff would cost more than it saves."""
    if len(removed) + len(added) > CHARACTER_DIFF_LIMIT:
        prefix = _common_prefix_length(removed, added)
        suffix = _common_prefix_length(removed[prefix:][::-1], added[prefix:][::-1])
        return [(prefix, len(removed) - suffix, added[prefix : len(added) - suffix])]
    matcher = SequenceMatcher(None, removed, added, autojunk=False)
    return [(i1, i2, added[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


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
