"""The editor at the other end of the connection: what it can do, and what the server tells it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from nanguard.lsp.protocol import NanguardProtocol
from pygls.lsp.server import LanguageServer

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 5.0
"""How long to wait for the client to answer a request of the server's before going on without."""


class Client:
    def __init__(self, server: LanguageServer) -> None:
        self.server = server
        self._shown: set[str] = set()

    def capability(self, *path: str) -> Any:
        """The client capability at `path` (attribute names), None where it has none."""
        value: Any = self.server.client_capabilities
        for name in path:
            value = getattr(value, name, None)
            if value is None:
                return None
        return value

    @property
    def versioned_edits(self) -> bool:
        return bool(self.capability("workspace", "workspace_edit", "document_changes"))

    def show(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        """Tell the user once (per distinct message, until `forget_shown`) in a window/showMessage."""
        if message in self._shown:
            return
        self._shown.add(message)
        self.server.window_show_message(types.ShowMessageParams(type=kind, message=f"nanguard: {message}"))

    def forget_shown(self) -> None:
        self._shown.clear()

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        self.server.window_log_message(types.LogMessageParams(type=kind, message=message))

    def publish(self, uri: str, diagnostics: list[dict[str, Any]], version: int | None) -> None:
        """Push `diagnostics`, in their JSON form."""
        params: dict[str, Any] = {"uri": uri, "diagnostics": diagnostics}
        if version is not None:
            params["version"] = version
        protocol: NanguardProtocol = self.server.protocol  # type: ignore[assignment]
        protocol.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)

    def refresh_pulled_diagnostics(self) -> None:
        """Ask a pull client to pull again: results changed without a change it made."""
        if self.capability("workspace", "diagnostics", "refresh_support"):
            self.server.workspace_diagnostic_refresh(None).add_done_callback(_ignore_failure)

    async def configuration(self, items: list[types.ConfigurationItem]) -> list[Any] | None:
        """The client's answer to workspace/configuration; None when it cannot answer."""
        if not self.capability("workspace", "configuration"):
            return None
        try:
            request = self.server.workspace_configuration_async(types.ConfigurationParams(items=items))
            return list(await asyncio.wait_for(request, REQUEST_TIMEOUT_SECONDS) or [])
        except Exception as error:  # a client that cannot answer keeps the settings it pushed
            self.log(f"nanguard: workspace/configuration failed: {error!r}", types.MessageType.Warning)
            return None

    async def register(self, registrations: list[types.Registration]) -> None:
        """client/registerCapability, where the client will have it."""
        if not registrations:
            return
        try:
            await self.server.client_register_capability_async(types.RegistrationParams(registrations=registrations))
        except Exception as error:
            self.log(f"nanguard: client/registerCapability failed: {error!r}", types.MessageType.Warning)


def _ignore_failure(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.info("workspace/diagnostic/refresh: %s", future.exception())
