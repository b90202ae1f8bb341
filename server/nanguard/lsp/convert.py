"""Engine results to LSP values, and LSP positions to engine positions.

The engine counts columns in code points. LSP clients count in the encoding negotiated at
`initialize`: UTF-16 code units unless the client offers UTF-8 or UTF-32. The counts differ on
non-ASCII lines, and UTF-16 also differs from code points for characters outside the BMP
(one code point, two units), so every column crossing the wire goes through this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lsprotocol import types
from lsprotocol.converters import get_converter
from nanguard.edits import apply_edits, split_lines
from nanguard.model import Finding, Fix, Position, Span, TextEdit
from nanguard.notebook import CellFinding
from nanguard.rules import RULES

SOURCE = "nanguard"
UTF8 = types.PositionEncodingKind.Utf8.value
UTF16 = types.PositionEncodingKind.Utf16.value
UTF32 = types.PositionEncodingKind.Utf32.value

FIX_ALL_KIND = "source.fixAll.nanguard"
PLAIN_FIX_ALL_KIND = types.CodeActionKind.SourceFixAll.value


# ------------------------------------------------------------------------------------------
# Columns


def units(text: str, encoding: str) -> int:
    """Length of `text` in the client's code units."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF16:
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogatepass"))


def column_from_units(line: str, count: int, encoding: str) -> int:
    """The code-point column of the client column `count` on `line` (without its line ending).

    Columns past the end clamp to the end; a column inside a character (half of a surrogate
    pair) moves to the end of that character.
    """
    if count <= 0:
        return 0
    if encoding == UTF32 or line.isascii():
        return min(count, len(line))
    seen = 0
    for index, char in enumerate(line):
        if seen >= count:
            return index
        seen += units(char, encoding)
    return len(line)


def strip_line_ending(line: str) -> str:
    return line.removesuffix("\r")


class PositionEncoder:
    """Engine positions of one text to LSP positions; free for ASCII text, the common case."""

    def __init__(self, text: str, encoding: str):
        self.encoding = encoding
        self._text = None if encoding == UTF32 or text.isascii() else text

    @cached_property
    def _lines(self) -> list[str] | None:
        """The text's lines, split only once a position is converted (most analyses of a
        document being typed convert none, or the same as before)."""
        return None if self._text is None else split_lines(self._text)

    def dependencies(self, spans: Iterable[Span]) -> tuple[tuple[int, str], ...]:
        """The non-ASCII lines that the converted positions of `spans` depend on: with these
        unchanged, their LSP positions are unchanged."""
        if self._lines is None:
            return ()
        numbers = {point.line for span in spans for point in (span.start, span.end)}
        return tuple(
            (number, self._lines[number])
            for number in sorted(numbers)
            if number < len(self._lines) and not self._lines[number].isascii()
        )

    def position(self, position: Position) -> types.Position:
        if self._lines is None or position.line >= len(self._lines):
            return types.Position(line=position.line, character=position.column)
        prefix = self._lines[position.line][: position.column]
        return types.Position(line=position.line, character=units(prefix, self.encoding))

    def range(self, span: Span) -> types.Range:
        return types.Range(start=self.position(span.start), end=self.position(span.end))


# ------------------------------------------------------------------------------------------
# Diagnostics


@dataclass(frozen=True, slots=True)
class Target:
    """A document that results are converted for: its URI, the version they describe and its
    positions. A text document is one target; a notebook is one per cell."""

    uri: str
    version: int
    encoder: PositionEncoder


_CONVERTER = get_converter()


def diagnostic_json(diagnostic: types.Diagnostic) -> dict[str, Any]:
    """The JSON form of `diagnostic`, as it goes on the wire. Made once per finding and sent as
    it is: cattrs walking every diagnostic's fixes on each publish dominated an edit's time."""
    return _CONVERTER.unstructure(diagnostic)


def diagnostic(item: CellFinding, targets: Sequence[Target], severity: types.DiagnosticSeverity) -> types.Diagnostic:
    """The LSP diagnostic of `item`, shown on its own target; related information points into
    whichever target explains it, and `data` carries the fixes, so code actions need no analysis."""
    own = targets[item.cell]
    finding = item.finding
    rule = RULES.get(finding.code)
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=targets[cell].uri, range=targets[cell].encoder.range(place.span)), message=place.message
        )
        for place, cell in zip(finding.related, item.related_cells)
    ]
    fixes = [_fix_data(fix, [targets[cell] for cell in cells], own) for fix, cells in zip(finding.fixes, item.fix_cells)]
    return types.Diagnostic(
        range=own.encoder.range(finding.span),
        severity=severity,
        code=finding.code,
        code_description=types.CodeDescription(href=rule.url) if rule else None,
        source=SOURCE,
        message=finding.message,
        related_information=related or None,
        data={"version": own.version, "fixes": fixes},
    )


def _fix_data(fix: Fix, targets: Sequence[Target], own: Target) -> dict[str, Any]:
    """A fix as `data` carries it; an edit of another target (a notebook's other cell) names it."""
    edits = []
    for edit, target in zip(fix.edits, targets):
        data: dict[str, Any] = {"range": range_data(target.encoder.range(edit.span)), "newText": edit.new_text}
        if target is not own:
            data.update(uri=target.uri, version=target.version)
        edits.append(data)
    return {"title": fix.title, "kind": fix.kind.value, "edits": edits}


def with_versions(shown: dict[str, Any], version: int, others: Mapping[str, int] | None = None) -> dict[str, Any]:
    """A diagnostic's JSON made for other versions of the same texts, for the versions now: its
    document's `version`, and those of the `others` its fixes edit (a notebook's other cells)."""
    data = {**shown["data"], "version": version}
    if others:
        data["fixes"] = [
            {**fix, "edits": [{**edit, "version": others[edit["uri"]]} if "uri" in edit else edit for edit in fix["edits"]]}
            for fix in data["fixes"]
        ]
    return {**shown, "data": data}


def range_data(value: types.Range) -> dict[str, Any]:
    """A range in its JSON form."""
    return {
        "start": {"line": value.start.line, "character": value.start.character},
        "end": {"line": value.end.line, "character": value.end.character},
    }


@dataclass(frozen=True, slots=True)
class DocumentEdit:
    """A text edit for one version of one document."""

    uri: str
    version: int
    edit: types.TextEdit


@dataclass(frozen=True, slots=True)
class FixData:
    """A fix as it travels in `Diagnostic.data`: title and edits, positions already in client units."""

    title: str
    edits: tuple[DocumentEdit, ...]


def fixes_from_data(data: Any, uri: str, version: int) -> list[FixData] | None:
    """The fixes stored by `diagnostic` in a diagnostic of `uri`, or None when `data` is not ours
    or is for another version of the document (its positions would be wrong)."""
    if not isinstance(data, dict) or data.get("version") != version or not isinstance(data.get("fixes"), list):
        return None
    fixes = []
    try:
        for fix in data["fixes"]:
            edits = tuple(
                DocumentEdit(
                    str(edit["uri"]) if "uri" in edit else uri,
                    int(edit["version"]) if "uri" in edit else version,
                    types.TextEdit(range=_range_from_data(edit["range"]), new_text=str(edit["newText"])),
                )
                for edit in fix["edits"]
            )
            fixes.append(FixData(str(fix["title"]), edits))
    except (KeyError, TypeError, ValueError):
        return None
    return fixes


def _range_from_data(value: Any) -> types.Range:
    def position(point: Any) -> types.Position:
        line, character = int(point["line"]), int(point["character"])
        if line < 0 or character < 0:
            raise ValueError("negative position")
        return types.Position(line=line, character=character)

    return types.Range(start=position(value["start"]), end=position(value["end"]))


# ------------------------------------------------------------------------------------------
# Code actions


def workspace_edit(edits: Iterable[DocumentEdit], *, versioned: bool) -> types.WorkspaceEdit:
    """Edits to one or more documents (a notebook's cells): versioned (`documentChanges`) when
    the client supports it, so an edit computed for an older text is refused rather than applied
    in the wrong place."""
    by_document: dict[tuple[str, int], list[types.TextEdit]] = {}
    for edit in edits:
        by_document.setdefault((edit.uri, edit.version), []).append(edit.edit)
    if versioned:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=document_edits
                )
                for (uri, version), document_edits in by_document.items()
            ]
        )
    return types.WorkspaceEdit(changes={uri: document_edits for (uri, _), document_edits in by_document.items()})


def quick_fixes(diagnostic: types.Diagnostic, fixes: Sequence[FixData], *, versioned: bool) -> list[types.CodeAction]:
    """One quick fix per fix of the finding, each carrying its edit (no `codeAction/resolve`
    round trip: eglot and older clients cannot resolve). The first, the default, is preferred."""
    return [
        types.CodeAction(
            title=fix.title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            is_preferred=index == 0 or None,
            edit=workspace_edit(fix.edits, versioned=versioned),
        )
        for index, fix in enumerate(fixes)
    ]


def fix_all_action(kind: str, title: str, edits: Sequence[DocumentEdit], *, versioned: bool) -> types.CodeAction:
    return types.CodeAction(title=title, kind=kind, edit=workspace_edit(edits, versioned=versioned))


def text_edits(edits: Iterable[TextEdit], encoder: PositionEncoder) -> list[types.TextEdit]:
    return [types.TextEdit(range=encoder.range(edit.span), new_text=edit.new_text) for edit in edits]


# ------------------------------------------------------------------------------------------
# Hover


def hover_markdown(finding: Finding, text: str) -> str:
    """The rule's explanation for a flagged call, headed by the message and the suggested fix."""
    rule = RULES.get(finding.code)
    parts = [f"**{finding.code}** {finding.message}"]
    fix = finding.default_fix
    if fix is not None:
        parts.append(f"Suggested fix, *{fix.title}*:\n\n```python\n{fix_preview(fix, text)}\n```")
    if rule is not None:
        parts.append(f"---\n\n{rule.explanation().strip()}\n\n[{rule.code} {rule.name}]({rule.url})")
    return "\n\n".join(parts)


def fix_preview(fix: Fix, text: str) -> str:
    """The lines `fix` touches, as they read once it is applied."""
    lines = split_lines(text)
    first = min(edit.span.start.line for edit in fix.edits)
    last = min(max(edit.span.end.line for edit in fix.edits), len(lines) - 1)
    excerpt = "\n".join(strip_line_ending(line) for line in lines[first : last + 1])
    shifted = [
        TextEdit(
            Span(Position(e.span.start.line - first, e.span.start.column), Position(e.span.end.line - first, e.span.end.column)),
            e.new_text,
        )
        for e in fix.edits
    ]
    return apply_edits(excerpt, shifted)


def finding_at(findings: Iterable[Finding], position: Position) -> Finding | None:
    """The innermost finding whose span holds `position` (a log inside a log: the inner one)."""
    holding = [f for f in findings if f.span.start <= position <= f.span.end]
    return max(holding, key=lambda f: f.span.start, default=None)
