"""textDocument/diagnostic: diagnostics pulled by the client (pushed ones go out from the session)."""

from __future__ import annotations

from lsprotocol import types
from nanguard.lsp.convert import SOURCE
from nanguard.lsp.features import Feature
from nanguard.lsp.protocol import JsonResult
from nanguard.lsp.session import Session


async def pull_diagnostics(session: Session, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport | JsonResult:
    session.stop_pushing()
    document = session.documents.get(params.text_document.uri)
    result = await session.current_result(document) if document is not None and document.python else None
    if document is None or result is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    result_id = session.result_ids[document.uri]
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return JsonResult(kind=types.DocumentDiagnosticReportKind.Full.value, resultId=result_id, items=result.diagnostics)


FEATURES = (
    Feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        pull_diagnostics,
        types.DiagnosticOptions(identifier=SOURCE, inter_file_dependencies=False, workspace_diagnostics=False),
    ),
)
