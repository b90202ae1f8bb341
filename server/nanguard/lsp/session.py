"""The server's state and what changes it: open documents and units, editor settings, the latest
results per document, the analyses scheduled and the clients waiting for them, publishing.

Handlers (the `features` modules) are a few lines each that call this. Everything here runs on
the event loop; the analysis itself runs on the worker thread (`analysis`, `scheduler`).
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from lsprotocol import types
from nanguard.dependencies import Resolution
from nanguard.lsp.analysis import Analysis, Analyzer, FixAll, Snapshot, UnitAnalysis, too_big
from nanguard.lsp.client import Client
from nanguard.lsp.config import SECTION, EditorConfiguration, EditorSettings, flatten
from nanguard.lsp.documents import RELEASE_AFTER_CHARACTERS, Document, Documents, release_memory
from nanguard.lsp.progress import work_done
from nanguard.lsp.scheduler import Debouncer, IdleCollector, Worker
from nanguard.lsp.units import NotebookUnit, TextUnit, Unit, Units
from nanguard.syntax import describe_lines
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

BIG_FIRST_ANALYSIS_CHARACTERS = 256 * 1024
"""A first analysis of this much text takes long enough (a second or so) to show progress for;
later ones reuse most of it (see `engine.AnalysisCache`)."""


BACKGROUND_QUIET = 0.25
"""Seconds a unit stays unchanged before the pass that completes its pending results runs: begun
at once, it held up the next keystroke's analysis on the single worker (a 70 ms parse)."""


class Session:
    """One client's session, over `server` (the connection)."""

    def __init__(self, server: LanguageServer) -> None:
        self.server = server
        self.client = Client(server)
        self.documents = Documents()
        """Every open document, notebook cells included."""
        self.units = Units()
        self.configuration = EditorConfiguration()
        self.results: dict[str, Analysis] = {}
        self.result_ids: dict[str, str] = {}
        """Per document, the id of its latest results, for unchanged pull reports."""
        self.encoding = types.PositionEncodingKind.Utf16.value
        self.pull_diagnostics = False
        """The client asks for diagnostics (textDocument/diagnostic), so none are pushed to it."""
        self.shutdown_requested = False
        self.configuration_ready = asyncio.Event()
        self._analyzer = Analyzer()
        self._worker: Worker | None = None
        self._debouncer = Debouncer(settled=lambda: self._collector.rearm())
        self._collector = IdleCollector(idle=lambda: self._debouncer.idle)
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._depends: dict[str, frozenset[str] | None] = {}
        """Per unit URI, the paths of the other files its latest results depend on; None while
        they are pending (not known yet: any change may matter)."""
        self._result_counter = 0

    # -- settings -------------------------------------------------------------------------------

    def folder_of(self, path: Path | None) -> tuple[str | None, Path | None]:
        """The innermost workspace folder holding `path` (URI and path), if any."""
        if path is None:
            return None, None
        best: tuple[str | None, Path | None] = (None, None)
        for workspace_folder in self.server.workspace.folders.values():
            uri = workspace_folder.uri
            folder = Path(to_fs_path(uri) or "")
            if path.is_relative_to(folder) and (best[1] is None or folder.is_relative_to(best[1])):
                best = (uri, folder)
        return best

    def editor_settings(self, unit: Unit) -> EditorSettings:
        folder_uri, _ = self.folder_of(unit.path)
        settings = self.configuration.for_folder(folder_uri)
        for problem in self.configuration.errors():
            self.client.show(f"{problem}; using the default settings until it is fixed")
        if settings.unknown:
            self.client.show(f"unknown settings ignored: {', '.join(settings.unknown)}", types.MessageType.Warning)
        return settings

    async def refresh_configuration(self) -> None:
        """Ask the client for the ``nanguard`` section, globally and for every workspace folder."""
        scopes: list[str | None] = [None, *(folder.uri for folder in self.server.workspace.folders.values())]
        values = await self.client.configuration([types.ConfigurationItem(scope_uri=scope, section=SECTION) for scope in scopes])
        if values is not None:
            self.configuration.pulled = {
                scope: flatten(value) if isinstance(value, Mapping) else {} for scope, value in zip(scopes, values)
            }
        self.configuration.changed()
        self.client.forget_shown()
        self.configuration_ready.set()

    async def configuration_changed(self) -> None:
        await self.refresh_configuration()
        self.reanalyse_all()
        self.client.refresh_pulled_diagnostics()

    # -- documents ------------------------------------------------------------------------------

    def open_text(self, item: types.TextDocumentItem) -> None:
        document = self._open_document(item)
        self.units.close_text(item.uri)
        if document.python and self.units.of(item.uri) is None:  # a notebook's cell is analysed with it
            self.units.open_text(document)
        self.schedule(self.units.of(item.uri), delay=0)
        self.files_changed([document.path])

    def change_text(self, uri: str, version: int, changes: Sequence[types.TextDocumentContentChangeEvent]) -> None:
        document = self.documents.get(uri)
        if document is None:
            self.client.log(f"nanguard: didChange for {uri}, which is not open; ignored", types.MessageType.Warning)
            return
        document.apply(version, changes)
        unit = self.units.of(uri)
        if isinstance(unit, NotebookUnit):
            unit.revision += 1
        self.schedule(unit)
        if isinstance(unit, TextUnit):
            self.files_changed([document.path])

    def close_text(self, uri: str) -> None:
        """Stop keeping `uri`, and clear the diagnostics pushed for it."""
        self.units.close_text(uri)
        closed = self.documents.close(uri)
        self._forget(uri)
        if closed is not None and closed.python and not self.pull_diagnostics:
            self.client.publish(uri, [], None)
        if closed is not None:
            self._depends.pop(uri, None)
            self.files_changed([closed.path])  # the disk's text counts again
        if closed is not None and len(closed.text) > RELEASE_AFTER_CHARACTERS:
            release_memory()

    def open_notebook(self, document: types.NotebookDocument, cells: Sequence[types.TextDocumentItem]) -> None:
        previous = self.units.notebook(document.uri)
        if previous is not None:
            self.close_notebook(document.uri, [])
        notebook = self.units.open_notebook(document)
        for item in cells:
            self._open_cell(notebook, item)
        self.schedule(notebook, delay=0)

    def change_notebook(self, uri: str, change: types.NotebookDocumentChangeEvent) -> None:
        notebook = self.units.notebook(uri)
        if notebook is None:
            self.client.log(f"nanguard: didChange for notebook {uri}, which is not open; ignored", types.MessageType.Warning)
            return
        cells = change.cells
        if cells is not None:
            if cells.structure is not None:
                notebook.apply_structure(cells.structure.array)
                for identifier in cells.structure.did_close or []:
                    self._close_cell(identifier.uri)
                for item in cells.structure.did_open or []:
                    self._open_cell(notebook, item)
            notebook.apply_data(list(cells.data or []))
            for content in cells.text_content or []:
                document = self.documents.get(content.document.uri)
                if document is None:
                    self.client.log(f"nanguard: change to cell {content.document.uri}, which is not open; ignored", types.MessageType.Warning)
                    continue
                document.apply(content.document.version, content.changes)
        notebook.revision += 1
        self.schedule(notebook)

    def close_notebook(self, uri: str, cells: Sequence[types.TextDocumentIdentifier]) -> None:
        notebook = self.units.close_notebook(uri)
        self._debouncer.cancel(uri)
        uris = dict.fromkeys([*(notebook.document_uris() if notebook else []), *(cell.uri for cell in cells)])
        for cell_uri in uris:
            self._close_cell(cell_uri)

    def _open_document(self, item: types.TextDocumentItem) -> Document:
        """Keep `item`, in place of any earlier document of its URI and that one's results."""
        self._forget(item.uri)
        return self.documents.open(item, self.encoding)

    def _open_cell(self, notebook: NotebookUnit, item: types.TextDocumentItem) -> None:
        document = self._open_document(item)
        document.path = notebook.path  # settings, exclude and jedi go by the notebook's file
        self.units.adopt(notebook, item.uri)

    def _close_cell(self, uri: str) -> None:
        self.close_text(uri)
        self.units.release(uri)

    def _forget(self, uri: str) -> None:
        self._debouncer.cancel(uri)
        self.results.pop(uri, None)
        self.result_ids.pop(uri, None)
        self._wake(uri)

    def shutdown(self) -> None:
        self.shutdown_requested = True
        for unit in self.units:
            self._debouncer.cancel(unit.uri)
        for document in self.documents:
            self._forget(document.uri)

    # -- analysis -------------------------------------------------------------------------------

    @property
    def worker(self) -> Worker:
        if self._worker is None:
            self._worker = Worker()
        return self._worker

    def schedule(self, unit: Unit | None, delay: float | None = None) -> None:
        """Analyse `unit` once it has been quiet for the debounce time (or `delay` seconds)."""
        if unit is None:
            return
        if delay is None:
            delay = self.editor_settings(unit).debounce_ms / 1000
        self._debouncer.call(unit.uri, delay, partial(self._analyse, unit, unit.revision))

    def files_changed(self, paths: Sequence[Path | None]) -> None:
        """Analyse again the units whose results depend on one of `paths` (an imported module
        edited in the editor or changed on disk)."""
        changed = {str(path) for path in paths if path is not None}
        for unit in self.units:
            depends = self._depends.get(unit.uri, frozenset())
            if depends is None or changed & depends:  # an analysis under way for the old text is superseded
                self.schedule(unit)

    def open_texts(self) -> dict[str, str]:
        """The editor's texts of the open Python files, by path: what imports from them see."""
        return {
            str(document.path): document.text
            for document in self.documents
            if document.python and document.path is not None and isinstance(self.units.of(document.uri), TextUnit)
        }

    def reanalyse_all(self) -> None:
        for unit in self.units:
            self.schedule(unit, delay=0)

    def _current(self, unit: Unit, revision: int) -> bool:
        return self.units.is_open(unit) and unit.revision == revision

    async def _analyse(self, unit: Unit, revision: int) -> None:
        await self.configuration_ready.wait()
        snapshot = unit.snapshot(self.documents) if self._current(unit, revision) else None
        if snapshot is None:
            return
        editor = self.editor_settings(unit)
        if not editor.enable:
            self._store(UnitAnalysis({cell.uri: Analysis(cell.version, ()) for cell in snapshot.cells}))
            return
        oversized = too_big(snapshot)
        if oversized is not None:
            if self._diagnostics(snapshot.cells[0].uri) != oversized.documents[snapshot.cells[0].uri].diagnostics:
                self.client.log(f"{oversized.problem} ({unit.describe(revision)})", types.MessageType.Warning)
            self._store(oversized)
            return
        _, folder = self.folder_of(unit.path)
        first = all(cell.uri not in self.results for cell in snapshot.cells)
        big = sum(len(cell.text) for cell in snapshot.cells) >= BIG_FIRST_ANALYSIS_CHARACTERS
        progress = await work_done(self.client, f"nanguard: checking {unit.describe(revision)}") if first and big else None
        try:
            result = await self._run(unit, revision, snapshot, editor, folder, Resolution(defer=True, open_texts=self.open_texts()))
        finally:
            if progress is not None:
                progress.end()
        if result is None:
            return
        if result.problem is not None:
            self.client.show(f"{result.problem}; ignoring that file's settings")
        self._store(result)
        self._depends[unit.uri] = None if result.pending else result.depends
        if result.pending:  # jedi's answers (or a fresh parse) follow, unless a newer edit comes first
            await asyncio.sleep(BACKGROUND_QUIET)  # a newer edit cancels this task meanwhile
            resolution = Resolution(stop=partial(self._superseded, unit, revision), open_texts=self.open_texts())
            final = await self._run(unit, revision, snapshot, editor, folder, resolution)
            if final is not None:
                self._store(final)
                self._depends[unit.uri] = final.depends

    async def _run(
        self, unit: Unit, revision: int, snapshot: Snapshot, editor: EditorSettings, folder: Path | None, resolution: Resolution
    ) -> UnitAnalysis | None:
        """The analysis of `snapshot` on the worker; None when it failed (said in the log, the
        last diagnostics kept) or was superseded by a newer revision."""
        try:
            result = await self.worker.submit(partial(self._analyzer.analyse, snapshot, editor, folder, self.encoding, resolution))
        except Exception:
            self.client.log(
                f"nanguard: analysing {unit.describe(revision)} failed; keeping its last diagnostics.\n{traceback.format_exc()}",
                types.MessageType.Error,
            )
            kept = {cell.uri: Analysis(cell.version, (), self._diagnostics(cell.uri)) for cell in snapshot.cells}
            self._store(UnitAnalysis(kept), publish=False)
            return None
        if result is None or not self._current(unit, revision):
            return None  # superseded: a newer revision is on its way
        return result

    def _superseded(self, unit: Unit, revision: int) -> bool:
        """Asked from the worker thread while jedi works: the unit has moved on."""
        return not self._current(unit, revision)

    def _diagnostics(self, uri: str) -> list[dict[str, Any]]:
        previous = self.results.get(uri)
        return previous.diagnostics if previous is not None else []

    def _store(self, result: UnitAnalysis, *, publish: bool = True) -> None:
        """Store (and push) each document's results; in pull mode, ask the client to pull again
        when a document it did not change got new diagnostics (a softmax edited in another cell)."""
        others_changed = False
        for uri, analysis in result.documents.items():
            document = self.documents.get(uri)
            if document is None or not document.python:
                continue
            previous = self.results.get(uri)
            if previous is not None and previous.version == analysis.version and previous.diagnostics != analysis.diagnostics:
                others_changed = True
            if analysis.unreadable and analysis.unreadable != (previous.unreadable if previous else ()):
                self.client.log(f"nanguard: {uri}: {describe_lines(analysis.unreadable)} not fully checked (syntax error)")
            self.results[uri] = analysis
            self._result_counter += 1
            self.result_ids[uri] = str(self._result_counter)
            if publish and not self.pull_diagnostics:
                self.client.publish(uri, analysis.diagnostics, analysis.version)
            self._wake(uri)
        if others_changed and self.pull_diagnostics:
            self.client.refresh_pulled_diagnostics()

    def stop_pushing(self) -> None:
        """The client pulls: clear what was pushed, so nothing shows twice."""
        if self.pull_diagnostics:
            return
        self.pull_diagnostics = True
        for uri in list(self.results):
            self.client.publish(uri, [], None)

    def _wake(self, uri: str) -> None:
        for waiter in self._waiters.pop(uri, []):
            if not waiter.done():
                waiter.set_result(None)

    async def current_result(self, document: Document) -> Analysis | None:
        """The results for the document's current version, waiting for its analysis if needed;
        None if the document is closed meanwhile."""
        while self.documents.get(document.uri) is document:
            result = self.fresh_result(document)
            if result is not None:
                return result
            unit = self.units.of(document.uri)
            if unit is not None and not self._debouncer.pending(unit.uri):
                self.schedule(unit, delay=0)
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(document.uri, []).append(waiter)
            await waiter
        return None

    def fresh_result(self, document: Document) -> Analysis | None:
        """The results if they describe the current text, without waiting."""
        result = self.results.get(document.uri)
        return result if result is not None and result.version == document.version else None

    async def fix_all(self, unit: Unit) -> FixAll | None:
        """Edits applying every default fix in `unit`; None when there are none or the unit
        changed meanwhile."""
        fresh = [self.fresh_result(document) for document in map(self.documents.get, unit.document_uris()) if document]
        if fresh and all(result is not None and not any(f.fixes for f in result.findings) for result in fresh):
            return None
        revision = unit.revision
        snapshot = unit.snapshot(self.documents)
        if snapshot is None:
            return None
        _, folder = self.folder_of(unit.path)
        job = partial(self._analyzer.fix_all, snapshot, self.editor_settings(unit), folder, self.encoding)
        fixed = await self.worker.submit(job)
        if not fixed.edits or not self._current(unit, revision):
            return None
        return fixed

    def is_fresh(self, uri: str, version: int) -> bool:
        """Whether document `uri` is open at `version` (an edit made for it still fits)."""
        document = self.documents.get(uri)
        return document is not None and document.version == version

