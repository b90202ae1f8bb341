"""notebookDocument/didOpen, didChange, didClose (LSP 3.17 notebook sync): a notebook's cells are
open documents, analysed together as one unit (see `nanguard.lsp.units`)."""

from __future__ import annotations

from lsprotocol import types
from nanguard.lsp.features import Feature
from nanguard.lsp.session import Session

NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(notebook="*", cells=[types.NotebookCellLanguage(language="python")])
    ]
)
"""Every kind of notebook (Jupyter, VS Code's interactive window), its Python cells only."""


def did_open(session: Session, params: types.DidOpenNotebookDocumentParams) -> None:
    session.open_notebook(params.notebook_document, params.cell_text_documents)


def did_change(session: Session, params: types.DidChangeNotebookDocumentParams) -> None:
    session.change_notebook(params.notebook_document.uri, params.change)


def did_close(session: Session, params: types.DidCloseNotebookDocumentParams) -> None:
    session.close_notebook(params.notebook_document.uri, params.cell_text_documents)


FEATURES = (
    Feature(types.NOTEBOOK_DOCUMENT_DID_OPEN, did_open),
    Feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE, did_change),
    Feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE, did_close),
)
