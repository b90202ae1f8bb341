"""initialize, initialized, shutdown: the client's capabilities, its settings, watching for its exit."""

from __future__ import annotations

import logging
import os
from functools import partial

from lsprotocol import types
from nanguard.lsp.config import PYPROJECT, section_of
from nanguard.lsp.features import Feature
from nanguard.lsp.parent import watch_process
from nanguard.lsp.session import Session

logger = logging.getLogger(__name__)


def initialize(session: Session, params: types.InitializeParams) -> None:
    encoding = session.server.workspace.position_encoding or types.PositionEncodingKind.Utf16
    session.encoding = str(getattr(encoding, "value", encoding))
    session.configuration.initialization = section_of(params.initialization_options)
    session.pull_diagnostics = params.capabilities.text_document is not None and (
        params.capabilities.text_document.diagnostic is not None
    )
    if params.process_id:
        watch_process(params.process_id, partial(_client_gone, params.process_id))


def _client_gone(pid: int) -> None:
    logger.warning("the client (process %s) is gone; exiting", pid)
    os._exit(1)


async def initialized(session: Session, params: types.InitializedParams) -> None:
    await session.refresh_configuration()
    registrations = []
    if session.client.capability("workspace", "did_change_configuration", "dynamic_registration"):
        registrations.append(types.Registration(id="nanguard-configuration", method=types.WORKSPACE_DID_CHANGE_CONFIGURATION))
    if session.client.capability("workspace", "did_change_watched_files", "dynamic_registration"):
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{PYPROJECT}"), types.FileSystemWatcher(glob_pattern="**/*.py")]
        registrations.append(
            types.Registration(
                id="nanguard-pyproject",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
        )
    await session.client.register(registrations)


def shutdown(session: Session, params: None) -> None:
    session.shutdown()


FEATURES = (
    Feature(types.INITIALIZE, initialize),
    Feature(types.INITIALIZED, initialized),
    Feature(types.SHUTDOWN, shutdown),
)
