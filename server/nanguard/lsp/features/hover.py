"""textDocument/hover: on a flagged call, what is wrong, the suggested fix and the rule."""

from __future__ import annotations

from lsprotocol import types
from nanguard.lsp.convert import (
    PositionEncoder,
    column_from_units,
    finding_at,
    hover_markdown,
)
from nanguard.lsp.features import Feature
from nanguard.lsp.session import Session
from nanguard.model import Position


def hover(session: Session, params: types.HoverParams) -> types.Hover | None:
    document = session.documents.get(params.text_document.uri)
    if document is None or params.position.line >= document.line_count:
        return None
    result = session.fresh_result(document)
    line = params.position.line
    position = Position(line, column_from_units(document.line(line), params.position.character, document.encoding))
    finding = finding_at(result.findings, position) if result is not None else None
    if finding is None:
        return None
    formats = session.client.capability("text_document", "hover", "content_format") or [types.MarkupKind.Markdown]
    kind = types.MarkupKind.Markdown if types.MarkupKind.Markdown in formats else types.MarkupKind.PlainText
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=hover_markdown(finding, document.text)),
        range=PositionEncoder(document.text, document.encoding).range(finding.span),
    )


FEATURES = (Feature(types.TEXT_DOCUMENT_HOVER, hover),)
