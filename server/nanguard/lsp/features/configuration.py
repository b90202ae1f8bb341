"""workspace/didChangeConfiguration, didChangeWorkspaceFolders, didChangeWatchedFiles: settings
that change while the server runs apply to every open document at once."""

from __future__ import annotations

from collections.abc import Mapping

from lsprotocol import types
from nanguard.lsp.config import SECTION, flatten, is_pyproject
from nanguard.lsp.documents import uri_path
from nanguard.lsp.features import Feature
from nanguard.lsp.session import Session


async def did_change_configuration(session: Session, params: types.DidChangeConfigurationParams) -> None:
    if isinstance(params.settings, Mapping) and isinstance(params.settings.get(SECTION), Mapping):
        session.configuration.pushed = flatten(params.settings[SECTION])
    await session.configuration_changed()


async def did_change_workspace_folders(session: Session, params: types.DidChangeWorkspaceFoldersParams) -> None:
    await session.configuration_changed()


def did_change_watched_files(session: Session, params: types.DidChangeWatchedFilesParams) -> None:
    if any(is_pyproject(change.uri) for change in params.changes):
        session.reanalyse_all()
    else:  # a module that open files import from
        session.files_changed([uri_path(change.uri) for change in params.changes])


FEATURES = (
    Feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION, did_change_configuration),
    Feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, did_change_workspace_folders),
    Feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES, did_change_watched_files),
)
