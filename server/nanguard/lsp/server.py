"""The language server: LSP features wired to documents, settings and the analysis worker."""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
from collections.abc import Mapping, Sequence
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

from lsprotocol import types
from nanguard.lsp.analysis import Analysis, Analyzer
from nanguard.lsp.config import (
    SECTION,
    EditorConfiguration,
    EditorSettings,
    flatten,
    section_of,
)
from nanguard.lsp.convert import (
    FIX_ALL_KIND,
    PLAIN_FIX_ALL_KIND,
    SOURCE,
    PositionEncoder,
    column_from_units,
    finding_at,
    fix_all_action,
    fixes_from_data,
    fixes_from_finding,
    hover_markdown,
    quick_fixes,
)
from nanguard.lsp.documents import Document, Documents
from nanguard.lsp.notebooks import (
    NOTEBOOK_FIX_ALL_KIND,
    NOTEBOOK_SYNC,
    Notebooks,
    notebook_fix_all,
    notebook_quick_fixes,
    register_notebook_features,
    schedule_notebook,
)
from nanguard.lsp.parent import watch_process
from nanguard.lsp.protocol import JsonResult, NanguardProtocol
from nanguard.lsp.scheduler import Debouncer, Worker
from nanguard.model import Position
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

logger = logging.getLogger(__name__)

CONFIGURATION_TIMEOUT_SECONDS = 5.0
PYPROJECT = "pyproject.toml"


def _version() -> str:
    try:
        return metadata.version("nanguard")
    except metadata.PackageNotFoundError:
        return "0+unknown"


class NanguardServer(LanguageServer):
    """Session state: open documents, editor settings, the latest results per document."""

    protocol: NanguardProtocol

    def __init__(self) -> None:
        super().__init__("nanguard", _version(), notebook_document_sync=NOTEBOOK_SYNC, protocol_cls=NanguardProtocol)
        self.documents = Documents()
        self.notebooks = Notebooks()
        """Open notebooks; their cells are in `documents` too, but are analysed as one notebook."""
        self.configuration = EditorConfiguration()
        self.results: dict[str, Analysis] = {}
        self.encoding = types.PositionEncodingKind.Utf16.value
        self.pull_diagnostics = False
        """The client asks for diagnostics (textDocument/diagnostic), so none are pushed to it."""
        self.shutdown_requested = False
        self._configuration_ready = asyncio.Event()
        self._analyzer = Analyzer()
        self._worker: Worker | None = None
        self._debouncer = Debouncer()
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._result_counter = 0
        self.result_ids: dict[str, str] = {}
        """Per document, the id of its latest results, for unchanged pull reports."""
        self._shown: set[str] = set()

    # -- client capabilities --------------------------------------------------------------------

    def _capability(self, *path: str) -> Any:
        value: Any = self.client_capabilities
        for name in path:
            value = getattr(value, name, None)
            if value is None:
                return None
        return value

    @property
    def versioned_edits(self) -> bool:
        return bool(self._capability("workspace", "workspace_edit", "document_changes"))

    # -- messages -------------------------------------------------------------------------------

    def show(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        """Tell the user once (per distinct message) in a window/showMessage."""
        if message in self._shown:
            return
        self._shown.add(message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"nanguard: {message}"))

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Out-of-band errors (a notification that failed) go to the log, not to a popup."""
        logger.error("%s: %s", getattr(source, "__name__", source), error)
        try:
            self.log(f"nanguard: {error}", types.MessageType.Error)
        except Exception:  # the transport is gone; stderr has it
            pass

    # -- settings -------------------------------------------------------------------------------

    def folder_of(self, document: Document) -> tuple[str | None, Path | None]:
        """The innermost workspace folder holding `document` (URI and path), if any."""
        if document.path is None:
            return None, None
        best: tuple[str | None, Path | None] = (None, None)
        for workspace_folder in self.workspace.folders.values():
            uri = workspace_folder.uri
            folder = Path(to_fs_path(uri) or "")
            if document.path.is_relative_to(folder) and (best[1] is None or folder.is_relative_to(best[1])):
                best = (uri, folder)
        return best

    def editor_settings(self, document: Document) -> EditorSettings:
        folder_uri, _ = self.folder_of(document)
        settings = self.configuration.for_folder(folder_uri)
        for problem in self.configuration.errors():
            self.show(f"{problem}; using the default settings until it is fixed")
        if settings.unknown:
            self.show(f"unknown settings ignored: {', '.join(settings.unknown)}", types.MessageType.Warning)
        return settings

    async def refresh_configuration(self) -> None:
        """Ask the client for the ``nanguard`` section, globally and for every workspace folder."""
        if self._capability("workspace", "configuration"):
            scopes: list[str | None] = [None, *(folder.uri for folder in self.workspace.folders.values())]
            request = types.ConfigurationParams(
                items=[types.ConfigurationItem(scope_uri=scope, section=SECTION) for scope in scopes]
            )
            try:
                values = await asyncio.wait_for(
                    self.workspace_configuration_async(request), CONFIGURATION_TIMEOUT_SECONDS
                )
            except Exception as error:  # a client that cannot answer keeps the settings it pushed
                self.log(f"nanguard: workspace/configuration failed: {error!r}", types.MessageType.Warning)
            else:
                self.configuration.pulled = {
                    scope: flatten(value) if isinstance(value, Mapping) else {}
                    for scope, value in zip(scopes, values or [])
                }
        self.configuration.changed()
        self._shown.clear()
        self._configuration_ready.set()

    async def configuration_changed(self) -> None:
        await self.refresh_configuration()
        self.reanalyse_all()
        if self._capability("workspace", "diagnostics", "refresh_support"):
            future = self.workspace_diagnostic_refresh(None)
            future.add_done_callback(_ignore_result)

    # -- analysis -------------------------------------------------------------------------------

    @property
    def worker(self) -> Worker:
        if self._worker is None:
            self._worker = Worker()
        return self._worker

    def schedule(self, document: Document, delay: float | None = None) -> None:
        """Analyse `document` once it has been quiet for the debounce time (or `delay` seconds)."""
        if not document.python:
            return
        notebook = self.notebooks.containing(document.uri)
        if notebook is not None:
            schedule_notebook(self, notebook, delay)
            return
        if delay is None:
            delay = self.editor_settings(document).debounce_ms / 1000
        self._debouncer.call(document.uri, delay, partial(self.analyse, document, document.version))

    def reanalyse_all(self) -> None:
        for document in self.documents:
            self.schedule(document, delay=0)

    async def analyse(self, document: Document, version: int) -> None:
        await self._configuration_ready.wait()
        if self.documents.get(document.uri) is not document or document.version != version:
            return
        editor = self.editor_settings(document)
        if not editor.enable:
            self.store(document, Analysis(version, ()))
            return
        _, folder = self.folder_of(document)
        try:
            analysis = await self.worker.submit(partial(self._analyzer.analyse, document, version, editor, folder))
        except Exception:
            previous = self.results.get(document.uri)
            self.log(
                f"nanguard: analysing {document.uri} (version {version}) failed; keeping its last "
                f"diagnostics.\n{traceback.format_exc()}",
                types.MessageType.Error,
            )
            kept = previous.diagnostics if previous is not None else []
            self.store(document, Analysis(version, (), kept), publish=False)
            return
        if analysis is None or self.documents.get(document.uri) is not document or document.version != version:
            return  # superseded: a newer version is on its way
        if analysis.problem is not None:
            self.show(f"{analysis.problem}; ignoring that file's settings")
        self.store(document, analysis)

    def store(self, document: Document, analysis: Analysis, *, publish: bool = True) -> None:
        self.results[document.uri] = analysis
        self._result_counter += 1
        self.result_ids[document.uri] = str(self._result_counter)
        if publish and not self.pull_diagnostics:
            self.publish(document.uri, analysis.diagnostics, analysis.version)
        self._wake(document.uri)

    def publish(self, uri: str, diagnostics: list[dict[str, Any]], version: int | None) -> None:
        """Push `diagnostics`, in their JSON form."""
        params: dict[str, Any] = {"uri": uri, "diagnostics": diagnostics}
        if version is not None:
            params["version"] = version
        self.protocol.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)

    def _wake(self, uri: str) -> None:
        for waiter in self._waiters.pop(uri, []):
            if not waiter.done():
                waiter.set_result(None)

    async def current_result(self, document: Document) -> Analysis | None:
        """The results for the document's current version, waiting for its analysis if needed;
        None if the document is closed meanwhile."""
        while self.documents.get(document.uri) is document:
            result = self.results.get(document.uri)
            if result is not None and result.version == document.version:
                return result
            if not self._debouncer.pending(document.uri):
                self.schedule(document, delay=0)
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(document.uri, []).append(waiter)
            await waiter
        return None

    def fresh_result(self, document: Document) -> Analysis | None:
        """The results if they describe the current text, without waiting."""
        result = self.results.get(document.uri)
        return result if result is not None and result.version == document.version else None

    def open_document(self, item: types.TextDocumentItem) -> Document:
        """Keep `item`, in place of any earlier document of its URI and that one's results."""
        self.forget(item.uri)
        return self.documents.open(item, self.encoding)

    def close_document(self, uri: str) -> None:
        """Stop keeping `uri`, and clear the diagnostics pushed for it."""
        closed = self.documents.close(uri)
        self.forget(uri)
        if closed is not None and closed.python and not self.pull_diagnostics:
            self.publish(uri, [], None)

    def forget(self, uri: str) -> None:
        self._debouncer.cancel(uri)
        self.results.pop(uri, None)
        self.result_ids.pop(uri, None)
        self._wake(uri)

    def stop_pushing(self) -> None:
        """The client pulls: clear what was pushed, so nothing shows twice."""
        if self.pull_diagnostics:
            return
        self.pull_diagnostics = True
        for uri in list(self.results):
            self.publish(uri, [], None)


def _ignore_result(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.info("workspace/diagnostic/refresh: %s", future.exception())


server = NanguardServer()
register_notebook_features(server)


# -- lifecycle ------------------------------------------------------------------------------------


@server.feature(types.INITIALIZE)
def initialize(ls: NanguardServer, params: types.InitializeParams) -> None:
    encoding = ls.workspace.position_encoding or types.PositionEncodingKind.Utf16
    ls.encoding = str(getattr(encoding, "value", encoding))
    ls.configuration.initialization = section_of(params.initialization_options)
    ls.pull_diagnostics = params.capabilities.text_document is not None and (
        params.capabilities.text_document.diagnostic is not None
    )
    if params.process_id:
        watch_process(params.process_id, partial(_client_gone, params.process_id))


def _client_gone(pid: int) -> None:
    logger.warning("the client (process %s) is gone; exiting", pid)
    os._exit(1)


@server.feature(types.INITIALIZED)
async def initialized(ls: NanguardServer, params: types.InitializedParams) -> None:
    await ls.refresh_configuration()
    registrations = []
    if ls._capability("workspace", "did_change_configuration", "dynamic_registration"):
        registrations.append(types.Registration(id="nanguard-configuration", method=types.WORKSPACE_DID_CHANGE_CONFIGURATION))
    if ls._capability("workspace", "did_change_watched_files", "dynamic_registration"):
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{PYPROJECT}")]
        registrations.append(
            types.Registration(
                id="nanguard-pyproject",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
        )
    if registrations:
        try:
            await ls.client_register_capability_async(types.RegistrationParams(registrations=registrations))
        except Exception as error:
            ls.log(f"nanguard: client/registerCapability failed: {error!r}", types.MessageType.Warning)


@server.feature(types.SHUTDOWN)
def shutdown(ls: NanguardServer, params: None) -> None:
    ls.shutdown_requested = True
    for document in ls.documents:
        ls.forget(document.uri)


# -- documents ------------------------------------------------------------------------------------


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: NanguardServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(ls.open_document(params.text_document), delay=0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: NanguardServer, params: types.DidChangeTextDocumentParams) -> None:
    document = ls.documents.get(params.text_document.uri)
    if document is None:
        ls.log(f"nanguard: didChange for {params.text_document.uri}, which is not open; ignored", types.MessageType.Warning)
        return
    document.apply(params.text_document.version, params.content_changes)
    ls.schedule(document)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: NanguardServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.close_document(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: NanguardServer, params: types.DidSaveTextDocumentParams) -> None:
    if params.text_document.uri.endswith(f"/{PYPROJECT}"):
        ls.reanalyse_all()


# -- settings -------------------------------------------------------------------------------------


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: NanguardServer, params: types.DidChangeConfigurationParams) -> None:
    if isinstance(params.settings, Mapping) and isinstance(params.settings.get(SECTION), Mapping):
        ls.configuration.pushed = flatten(params.settings[SECTION])
    await ls.configuration_changed()


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
async def did_change_workspace_folders(ls: NanguardServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
    await ls.configuration_changed()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: NanguardServer, params: types.DidChangeWatchedFilesParams) -> None:
    if any(change.uri.endswith(f"/{PYPROJECT}") for change in params.changes):
        ls.reanalyse_all()


# -- diagnostics ----------------------------------------------------------------------------------


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(identifier=SOURCE, inter_file_dependencies=False, workspace_diagnostics=False),
)
async def pull_diagnostics(ls: NanguardServer, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport | JsonResult:
    ls.stop_pushing()
    document = ls.documents.get(params.text_document.uri)
    result = await ls.current_result(document) if document is not None and document.python else None
    if result is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    result_id = ls.result_ids[document.uri]
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return JsonResult(kind=types.DocumentDiagnosticReportKind.Full.value, resultId=result_id, items=result.diagnostics)


# -- code actions ---------------------------------------------------------------------------------


def _wants(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a request limited to `only` kinds admits `kind` (kinds are dot-separated hierarchies)."""
    return only is None or any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, PLAIN_FIX_ALL_KIND, FIX_ALL_KIND, NOTEBOOK_FIX_ALL_KIND],
        resolve_provider=False,
    ),
)
async def code_action(ls: NanguardServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    document = ls.documents.get(params.text_document.uri)
    if document is None or not document.python or not ls.editor_settings(document).enable:
        return []
    only = None if params.context.only is None else [str(getattr(kind, "value", kind)) for kind in params.context.only]
    notebook = ls.notebooks.containing(document.uri)
    actions: list[types.CodeAction] = []
    if _wants(only, types.CodeActionKind.QuickFix.value):
        if notebook is not None:
            actions += notebook_quick_fixes(ls, notebook, document, params.context.diagnostics)
        else:
            actions += _quick_fixes(ls, document, params.context.diagnostics)
    fix_all_kinds = []
    if only is None:
        if params.context.trigger_kind != types.CodeActionTriggerKind.Automatic:
            fix_all_kinds.append(FIX_ALL_KIND)
    else:
        fix_all_kinds = sorted(
            {PLAIN_FIX_ALL_KIND if kind == PLAIN_FIX_ALL_KIND else FIX_ALL_KIND for kind in only if _wants([kind], FIX_ALL_KIND)}
        )
    if notebook is not None:  # the notebook kind only when asked for (VS Code asks on save)
        fix_all_kinds += [NOTEBOOK_FIX_ALL_KIND] if only is not None and _wants(only, NOTEBOOK_FIX_ALL_KIND) else []
        actions += await notebook_fix_all(ls, notebook, fix_all_kinds)
    elif fix_all_kinds:
        actions += await _fix_all(ls, document, fix_all_kinds)
    return actions


def _quick_fixes(ls: NanguardServer, document: Document, diagnostics: Sequence[types.Diagnostic]) -> list[types.CodeAction]:
    actions = []
    result = ls.fresh_result(document)
    for diagnostic in diagnostics:
        if diagnostic.source != SOURCE:
            continue
        fixes = fixes_from_data(diagnostic.data, document.version)
        if fixes is None and diagnostic.data is None and result is not None:
            # A client that does not send `data` back: find the finding by its range.
            encoder = PositionEncoder(document.text, document.encoding)
            matching = [f for f in result.findings if encoder.range(f.span) == diagnostic.range and f.code == diagnostic.code]
            fixes = fixes_from_finding(matching[0], encoder) if matching else None
        if fixes:
            actions += quick_fixes(diagnostic, fixes, uri=document.uri, version=document.version, versioned=ls.versioned_edits)
    return actions


async def _fix_all(ls: NanguardServer, document: Document, kinds: list[str]) -> list[types.CodeAction]:
    result = ls.fresh_result(document)
    if result is not None and not any(finding.fixes for finding in result.findings):
        return []
    version = document.version
    editor = ls.editor_settings(document)
    _, folder = ls.folder_of(document)
    fixed = await ls.worker.submit(partial(ls._analyzer.fix_all, document, version, editor, folder))
    if fixed is None or not fixed.edits or document.version != version:
        return []
    return [
        fix_all_action(kind, fixed.count, fixed.edits, uri=document.uri, version=version, versioned=ls.versioned_edits)
        for kind in kinds
    ]


# -- hover ----------------------------------------------------------------------------------------


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: NanguardServer, params: types.HoverParams) -> types.Hover | None:
    document = ls.documents.get(params.text_document.uri)
    if document is None or params.position.line >= document.line_count:
        return None
    result = ls.fresh_result(document)
    if result is None:
        return None
    line = params.position.line
    position = Position(line, column_from_units(document.line(line), params.position.character, document.encoding))
    finding = finding_at(result.findings, position)
    if finding is None:
        return None
    formats = ls._capability("text_document", "hover", "content_format") or [types.MarkupKind.Markdown]
    kind = types.MarkupKind.Markdown if types.MarkupKind.Markdown in formats else types.MarkupKind.PlainText
    encoder = PositionEncoder(document.text, document.encoding)
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=hover_markdown(finding, document.text)),
        range=encoder.range(finding.span),
    )
