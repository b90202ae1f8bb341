"""The language server: builds the pygls server and its session, and registers every feature.

What each LSP method does is in `nanguard.lsp.features`; the state they share is the `Session`.
"""

from __future__ import annotations

import logging
from functools import partial
from importlib import metadata
from typing import Any

from lsprotocol import types
from nanguard.lsp.features import (
    Feature,
    code_actions,
    configuration,
    diagnostics,
    hover,
    lifecycle,
    notebook_sync,
    text_sync,
)
from nanguard.lsp.protocol import NanguardProtocol
from nanguard.lsp.session import Session
from pygls.lsp.server import LanguageServer

logger = logging.getLogger(__name__)

FEATURES: tuple[Feature, ...] = (
    *lifecycle.FEATURES,
    *text_sync.FEATURES,
    *notebook_sync.FEATURES,
    *configuration.FEATURES,
    *diagnostics.FEATURES,
    *code_actions.FEATURES,
    *hover.FEATURES,
)


def _version() -> str:
    try:
        return metadata.version("nanguard")
    except metadata.PackageNotFoundError:
        return "0+unknown"


class NanguardServer(LanguageServer):
    """pygls' server with the nanguard protocol; its state is `session`."""

    protocol: NanguardProtocol

    def __init__(self) -> None:
        super().__init__(
            "nanguard", _version(), notebook_document_sync=notebook_sync.NOTEBOOK_SYNC, protocol_cls=NanguardProtocol
        )
        self.session = Session(self)
        for feature in FEATURES:
            self.feature(feature.method, feature.options)(partial(feature.handler, self.session))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Out-of-band errors (a notification that failed) go to the log, not to a popup."""
        logger.error("%s: %s", getattr(source, "__name__", source), error)
        try:
            self.session.client.log(f"nanguard: {error}", types.MessageType.Error)
        except Exception:  # the transport is gone; stderr has it
            pass


server = NanguardServer()
