"""What every rule's fixes are made of: minimal text edits.

A fix inserts or replaces as little as it can, so comments, formatting and line endings around
it survive. Names are spelled with the aliases the file already has (``tf``, ``F``, ``jnp``);
when it has none, the fix adds the library's customary import (`Speller`).
"""

from __future__ import annotations

import re

from tree_sitter import Node

from nanguard import frameworks as fw
from nanguard.flow import Env
from nanguard.model import Fix, FixKind, TextEdit
from nanguard.source import Source
from nanguard.suppression import LINE_NOQA, noqa_comment

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")
_STRING_TYPES = frozenset({"string", "string_content", "string_start", "string_end", "concatenated_string"})


def format_epsilon(epsilon: float) -> str:
    """``1e-10`` rather than Python's ``1e-10``/``1e-08`` inconsistency."""
    text = repr(epsilon)
    return re.sub(r"e([+-])0*(\d)", lambda m: f"e{'-' if m.group(1) == '-' else ''}{m.group(2)}", text)


class Speller:
    """Spells canonical names with the file's own aliases, adding an import when it must."""

    def __init__(self, source: Source, env: Env):
        self.source = source
        self.env = env
        self.imports: list[TextEdit] = []

    def spell(self, target: str) -> str | None:
        best_name, best_ref = None, ""
        for name, ref in self.env.aliases().items():
            if (target == ref or target.startswith(ref + ".")) and len(ref) > len(best_ref):
                best_name, best_ref = name, ref
        if best_name is not None:
            return best_name + target[len(best_ref) :]
        module = max(
            (m for m in fw.DEFAULT_IMPORTS if target == m or target.startswith(m + ".")), key=len, default=None
        )
        if module is None:
            return None
        default = fw.DEFAULT_IMPORTS[module]
        if self.env.lookup(default.name) is not None:
            return None  # the customary name is taken by something else
        self.imports.append(import_edit(self.source, default.statement))
        return default.name + target[len(default.module) :]

    def render(self, template: str, epsilon: str) -> str | None:
        failed = False

        def substitute(match: re.Match[str]) -> str:
            nonlocal failed
            key = match.group(1)
            if key == "eps":
                return epsilon
            if key == "x":
                return "{x}"
            spelled = self.spell(key)
            if spelled is None:
                failed = True
                return ""
            return spelled

        rendered = _PLACEHOLDER.sub(substitute, template)
        return None if failed else rendered


def import_edit(source: Source, statement: str) -> TextEdit:
    """Insert `statement` after the module's last top-level import (or its docstring)."""
    offset, before = import_point(source)
    newline = source.newline
    return source.insert(offset, newline + statement if before else statement + newline)


def import_point(source: Source) -> tuple[int, bool]:
    """Byte offset where an import goes, and whether it must begin with a newline (the last
    import ends the file without one)."""
    anchor: Node | None = None
    for index, child in enumerate(source.statements):
        if child.type in ("import_statement", "import_from_statement", "future_import_statement"):
            anchor = child
        elif index == 0 and child.type == "expression_statement" and child.named_children[0].type == "string":
            anchor = child  # the module docstring
        elif child.type != "comment":
            break
    if anchor is None:
        return _after_header_comments(source), False
    line_end = source.data.find(b"\n", anchor.end_byte)
    if line_end == -1:
        return len(source.data), True
    return line_end + 1, False


def _after_header_comments(source: Source) -> int:
    """Byte offset after a shebang and encoding lines, where a first import belongs."""
    offset = 0
    for line in source.data.splitlines(keepends=True):
        if line.startswith(b"#!") or re.match(rb"^[ \t\f]*#.*coding[:=]", line):
            offset += len(line)
        else:
            break
    return offset


def noqa_fix(source: Source, row: int, code: str) -> Fix | None:
    """Append ``# noqa: CODE`` to line `row`, or add CODE to the noqa comment already there."""
    title = f"Disable {code} for this line"
    comment = noqa_comment(source, row)
    if comment is not None:
        text = source.node_text(comment)
        match = LINE_NOQA.search(text)
        if match is not None and match.group("codes"):
            start = comment.start_byte + len(text[: match.end()].encode("utf-8", "surrogatepass"))
            return Fix(FixKind.NOQA, title, (source.insert(start, f", {code}"),))
        if match is not None:
            return None  # a bare noqa already suppresses everything
        return Fix(FixKind.NOQA, title, (source.insert(comment.end_byte, f"  # noqa: {code}"),))
    offset = source.per_row(_noqa_point, row)
    if offset is None:
        return None
    return Fix(FixKind.NOQA, title, (source.insert(offset, f"  # noqa: {code}"),))


def _noqa_point(source: Source, row: int) -> int | None:
    """Byte offset where a new noqa comment ends line `row`; None where a comment cannot go.
    Asked once per finding: the caller keeps the answer per row (`Source.per_row`)."""
    stripped = source.line_bytes(row).rstrip(b"\r\n").rstrip()
    if stripped.endswith(b"\\"):
        return None  # a comment would break the line continuation
    end = source.node_for_points((row, max(len(stripped) - 1, 0)), (row, len(stripped)))
    while end is not None:
        if end.type in _STRING_TYPES and end.end_point[0] > row:
            return None  # the line ends inside a multi-line string
        end = end.parent
    return source.line_start(row) + len(stripped)
