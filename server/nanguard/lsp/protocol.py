"""pygls' LSP protocol, with the changes the server needs: never leave a client hanging, and
never spend an edit's time on bookkeeping.

- A request whose params do not fit the LSP schema gets an ``InvalidParams`` error naming the
  problem; pygls only logs it, and the client would wait for an answer forever.
- Requests before ``initialize`` get ``ServerNotInitialized``, as the specification asks.
- Open documents (notebook cells included) are kept by `nanguard.lsp.documents` alone: pygls' own
  copy splits lines differently from LSP and tree-sitter and costs a pass over the whole text per
  change.
- Diagnostics are published and pulled in their JSON form, made once per finding: cattrs does
  not walk them on every edit.
"""

from __future__ import annotations

from typing import Any

import cattrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol, lsp_method


class _InvalidRequest:
    """Stands in for a request that could not be read, so that it can still be answered."""

    def __init__(self, request_id: int | str, method: str, message: str):
        self.id = request_id
        self.method = method
        self.message = message


def _describe(error: JsonRpcException) -> str:
    cause = error.__cause__
    if isinstance(cause, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(cause, path="params"))
    return str(cause or error)


class JsonResult(dict):
    """A request's result that is JSON-ready already: sent as it is, without a cattrs pass."""


class NanguardProtocol(LanguageServerProtocol):
    def notify_json(self, method: str, params: dict[str, Any]) -> None:
        """Send a notification whose `params` are JSON-ready already: no cattrs pass over them."""
        self._send_data({"jsonrpc": self.VERSION, "method": method, "params": params})

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            request_id, method = data.get("id"), data.get("method")
            if isinstance(request_id, (int, str)) and isinstance(method, str):
                return _InvalidRequest(request_id, method, f"invalid params for {method}: {_describe(error)}")
            raise

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _InvalidRequest):
            self._send_error(message.id, types.ErrorCodes.InvalidParams, message.message)
            return
        method = getattr(message, "method", None)
        if self._workspace is None and method != types.INITIALIZE and getattr(message, "id", None) is not None and method:
            self._send_error(message.id, types.ErrorCodes.ServerNotInitialized, f"{method} before initialize")
            return
        super().handle_message(message)

    def _send_response(self, msg_id: Any, result: Any = None, error: types.ResponseError | None = None) -> None:
        if error is None and isinstance(result, JsonResult):
            self._result_types.pop(msg_id, None)
            self._send_data({"jsonrpc": self.VERSION, "id": msg_id, "result": result})
            return
        super()._send_response(msg_id, result, error)

    def _send_error(self, request_id: int | str, code: types.ErrorCodes, message: str) -> None:
        self._send_response(request_id, error=types.ResponseError(code=code, message=message))

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def lsp_notebook_document__did_open(self, params: types.DidOpenNotebookDocumentParams):
        if (handler := self.fm.features.get(types.NOTEBOOK_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def lsp_notebook_document__did_change(self, params: types.DidChangeNotebookDocumentParams):
        if (handler := self.fm.features.get(types.NOTEBOOK_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def lsp_notebook_document__did_close(self, params: types.DidCloseNotebookDocumentParams):
        if (handler := self.fm.features.get(types.NOTEBOOK_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None
