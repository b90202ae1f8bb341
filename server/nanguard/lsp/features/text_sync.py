"""textDocument/didOpen, didChange, didClose, didSave: text documents kept in step with the editor."""

from __future__ import annotations

from lsprotocol import types
from nanguard.lsp.config import is_pyproject
from nanguard.lsp.features import Feature
from nanguard.lsp.session import Session


def did_open(session: Session, params: types.DidOpenTextDocumentParams) -> None:
    session.open_text(params.text_document)


def did_change(session: Session, params: types.DidChangeTextDocumentParams) -> None:
    session.change_text(params.text_document.uri, params.text_document.version, params.content_changes)


def did_close(session: Session, params: types.DidCloseTextDocumentParams) -> None:
    session.close_text(params.text_document.uri)


def did_save(session: Session, params: types.DidSaveTextDocumentParams) -> None:
    if is_pyproject(params.text_document.uri):
        session.reanalyse_all()


FEATURES = (
    Feature(types.TEXT_DOCUMENT_DID_OPEN, did_open),
    Feature(types.TEXT_DOCUMENT_DID_CHANGE, did_change),
    Feature(types.TEXT_DOCUMENT_DID_CLOSE, did_close),
    Feature(types.TEXT_DOCUMENT_DID_SAVE, did_save),
)
