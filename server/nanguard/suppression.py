"""Suppression comments, spelled as ruff and flake8 users already write them.

- ``# noqa`` or ``# noqa: NG001`` at the end of the line where a finding starts silences it there;
- ``# nanguard: noqa``, ``# ruff: noqa`` or ``# flake8: noqa`` on a line of its own silences the
  whole file, and with codes (``# ruff: noqa: NG001``) those rules in the whole file.

Only comments count: the same text inside a string does nothing. NG100 (off by default, like
ruff's RUF100) reports NG codes named in a directive that silences nothing, with a fix that
removes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nanguard.model import Finding, Fix, FixKind
from nanguard.rules.ng100 import NOQA_MENTION
from nanguard.settings import Settings
from nanguard.source import Source
from tree_sitter import Node

UNUSED_NOQA = "NG100"
_CODES = r"[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*"
LINE_NOQA = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
FILE_NOQA = re.compile(
    rf"^[ \t]*#[ \t]*(?:nanguard|ruff|flake8)[ \t]*:[ \t]*noqa(?:[ \t]*:[ \t]*(?P<codes>{_CODES}))?[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
_SEPARATORS = re.compile(r"[,\s]+")


def codes_of(listed: str | None) -> frozenset[str] | None:
    """The codes a directive names, upper-cased; None for a bare directive (every code)."""
    return None if listed is None else frozenset(code.upper() for code in _SEPARATORS.split(listed) if code)


def noqa_comment(source: Source, row: int) -> Node | None:
    """The comment at the end of line `row`, if any. Looked for once per row: a long line with
    thousands of findings (and no `#`) would otherwise be searched end to end once per finding."""
    return source.per_row(_end_comment, row)


def _end_comment(source: Source, row: int) -> Node | None:
    line = source.line_bytes(row)
    hash_index = line.rfind(b"#")
    while hash_index != -1:
        node = source.node_for_points((row, hash_index), (row, hash_index + 1))
        if node is not None and node.type == "comment":
            return node
        hash_index = line.rfind(b"#", 0, hash_index)
    return None


@dataclass(frozen=True, slots=True)
class Directive:
    """One suppression comment: where it is, and which codes it names (None: all)."""

    comment: Node
    codes: frozenset[str] | None
    codes_start: int
    """Byte offset of the code list in the file (the end of ``noqa`` for a bare directive)."""
    file_level: bool

    def silences(self, code: str) -> bool:
        return self.codes is None or code in self.codes


def _directive(source: Source, comment: Node, match: re.Match[str], file_level: bool) -> Directive:
    text = source.node_text(comment)
    start = match.start("codes") if match.group("codes") else match.end()
    offset = comment.start_byte + len(text[:start].encode("utf-8", "surrogatepass"))
    return Directive(comment, codes_of(match.group("codes")), offset, file_level)


def line_directive(source: Source, row: int) -> Directive | None:
    """The ``# noqa`` ending line `row`, if there is one."""
    comment = noqa_comment(source, row)
    if comment is None:
        return None
    match = LINE_NOQA.search(source.node_text(comment))
    return None if match is None else _directive(source, comment, match, False)


def file_directives(source: Source) -> Iterator[Directive]:
    """Every file-level directive: a comment that is a line of its own."""
    for match in FILE_NOQA.finditer(source.text):
        row = source.text.count("\n", 0, match.start())
        comment = noqa_comment(source, row)
        if comment is not None and comment.start_point[0] == row:
            text = source.node_text(comment)
            inner = FILE_NOQA.search(text)
            if inner is not None:
                yield _directive(source, comment, inner, True)


def _line_directives(source: Source) -> Iterator[Directive]:
    """Every ``# noqa`` comment of the file (for the unused-suppression report)."""
    seen: set[int] = set()
    for mention in NOQA_MENTION.finditer(source.data):
        row = source.data.count(b"\n", 0, mention.start())
        if row in seen:
            continue
        seen.add(row)
        directive = line_directive(source, row)
        if directive is not None:
            yield directive


def apply(source: Source, findings: list[Finding], settings: Settings) -> list[Finding]:
    """`findings` without those a directive silences, plus (when NG100 is selected) one finding
    per directive naming NG codes that silence nothing."""
    report_unused = settings.enabled(UNUSED_NOQA)
    if not (findings or report_unused) or b"noqa" not in source.data.lower():  # as NOQA_MENTION finds, at a quarter of its cost
        return findings
    file_level = list(file_directives(source))
    used: dict[int, set[str]] = {}
    """By directive comment start byte: the codes that silenced a finding."""
    kept = []
    for finding in findings:
        silencer = line_directive(source, finding.span.start.line)  # the nearest one is the one used
        if silencer is None or not silencer.silences(finding.code):
            silencer = next((d for d in file_level if d.silences(finding.code)), None)
        if silencer is None:
            kept.append(finding)
        else:
            used.setdefault(silencer.comment.start_byte, set()).add(finding.code)
    if not report_unused:
        return kept
    for directive in (*file_level, *_line_directives(source)):
        unused = _unused_codes(directive, used.get(directive.comment.start_byte, set()))
        if unused:
            kept.append(_unused_finding(source, directive, unused, settings))
    kept.sort(key=lambda f: (f.span.start, f.span.end))
    return kept


def _unused_codes(directive: Directive, used: set[str]) -> list[str]:
    """The NG codes `directive` names that silenced nothing (its other codes belong to other tools)."""
    if directive.codes is None:
        return []
    return sorted(code for code in directive.codes if code.startswith("NG") and code not in used and code != UNUSED_NOQA)


def _unused_finding(source: Source, directive: Directive, unused: list[str], settings: Settings) -> Finding:
    """As ruff words RUF100: codes of rules that are not selected are "non-enabled"."""
    groups = (
        ("unused", [code for code in unused if settings.enabled(code)]),
        ("non-enabled", [code for code in unused if not settings.enabled(code)]),
    )
    listed = "; ".join(f"{label}: {', '.join(f'`{code}`' for code in codes)}" for label, codes in groups if codes)
    message = f"Unused `noqa` directive ({listed})"
    span = source.span(directive.comment)
    return Finding(UNUSED_NOQA, span, message, "noqa", (), (_removal(source, directive, unused),))


def _removal(source: Source, directive: Directive, unused: list[str]) -> Fix:
    """Drop the unused codes; drop the whole comment (and the blanks before it) when none is left."""
    assert directive.codes is not None
    listed_end, listed = _code_list(source, directive)
    remaining = [code for code in listed if code not in unused]
    comment = directive.comment
    if remaining:
        edit = source.replace(directive.codes_start, listed_end, ", ".join(remaining))
        return Fix(FixKind.UNUSED_NOQA, "Remove unused noqa codes", (edit,))
    if directive.file_level:
        start = source.line_start(comment.start_point[0])
        line = source.line_bytes(comment.start_point[0])
        edit = source.replace(start, start + len(line), "")
    else:
        start = comment.start_byte
        while start > 0 and source.data[start - 1 : start] in (b" ", b"\t"):
            start -= 1
        edit = source.replace(start, comment.end_byte, "")
    return Fix(FixKind.UNUSED_NOQA, "Remove unused noqa directive", (edit,))


def _code_list(source: Source, directive: Directive) -> tuple[int, list[str]]:
    """Where the directive's code list ends (a byte offset), and its codes in the order written,
    so a rewrite keeps that order."""
    tail = source.data[directive.codes_start : directive.comment.end_byte]
    listed = re.match(_CODES.encode(), tail, re.IGNORECASE)
    if listed is None:
        return directive.codes_start, []
    codes = [code.decode().upper() for code in re.split(rb"[,\s]+", listed.group(0)) if code]
    return directive.codes_start + listed.end(), codes
