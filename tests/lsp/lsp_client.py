"""The test client for end-to-end tests: the real server process, driven over stdio by pytest-lsp."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER_COMMAND = [sys.executable, "-m", "nanguard", "server"]
TIMEOUT = 20.0

SOFTMAX_LOG = """\
import tensorflow as tf

y_conv = tf.nn.softmax(logits)
cross_entropy = -tf.reduce_sum(y_ * tf.log(y_conv))
"""
"""The classic: line 3 holds `tf.log(y_conv)` at columns 36-50, caused by line 2."""


class Client(LanguageClient):
    """pytest-lsp's client, also keeping every publishDiagnostics with its version."""

    published: list[types.PublishDiagnosticsParams]
    _published_event: asyncio.Event

    def latest(self, uri: str) -> types.PublishDiagnosticsParams | None:
        for params in reversed(self.published):
            if params.uri == uri:
                return params
        return None

    async def wait_diagnostics(
        self, uri: str, version: int | None, timeout: float = TIMEOUT, count: int | None = None
    ) -> list[types.Diagnostic]:
        """The diagnostics published for `version` of `uri`, waiting for them if needed; with
        `count`, for a publication of that many (findings that need jedi follow the others)."""

        async def wait() -> list[types.Diagnostic]:
            while True:
                latest = self.latest(uri)
                if latest is not None and latest.version == version and count in (None, len(latest.diagnostics)):
                    return list(latest.diagnostics)
                self._published_event.clear()
                await self._published_event.wait()

        return await asyncio.wait_for(wait(), timeout)

    def open(self, uri: str, text: str, version: int = 1, language_id: str = "python") -> None:
        self.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id=language_id, version=version, text=text)
            )
        )

    def change(self, uri: str, version: int, *changes: tuple[tuple[int, int, int, int], str]) -> None:
        """Send incremental changes, each ((start line, start char, end line, end char), new text)."""
        self.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=make_range(*where), text=text) for where, text in changes
                ],
            )
        )

    def send_edits(self, uri: str, version: int, edits: list[types.TextEdit]) -> None:
        """Send `edits` (all relative to the current text) as one didChange, last edit first so
        that each change's positions still hold when it is applied."""
        ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
        self.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in ordered],
            )
        )


async def eventually(condition: Callable[[], object], timeout: float = TIMEOUT) -> None:
    """Wait until `condition()` holds; fail after `timeout` seconds rather than hang."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still waiting after {timeout} s for {condition.__doc__ or condition}")
        await asyncio.sleep(0.05)


def make_range(start_line: int, start_character: int, end_line: int, end_character: int) -> types.Range:
    return types.Range(
        start=types.Position(line=start_line, character=start_character),
        end=types.Position(line=end_line, character=end_character),
    )


def _record_publish(client: Client, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)
    client._published_event.set()


def make_client() -> Client:
    client = Client(converter_factory=default_converter)
    client.published = []
    client._published_event = asyncio.Event()
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _record_publish})
    return client


def capabilities(
    *, encodings: list[str] | None = None, pull: bool = False, configuration: bool = True, document_changes: bool = False
) -> types.ClientCapabilities:
    """What the test client claims to support; by default a push client with workspace/configuration."""
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=encodings) if encodings else None,
        workspace=types.WorkspaceClientCapabilities(
            configuration=configuration,
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=document_changes),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True) if pull else None,
        ),
        text_document=types.TextDocumentClientCapabilities(
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True, related_information=True),
        ),
    )


@contextlib.asynccontextmanager
async def session(
    *,
    client_capabilities: types.ClientCapabilities | None = None,
    initialization_options: Any = None,
    configuration: dict[str, Any] | None = None,
    folders: list[Path] | None = None,
    process_id: int | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[Client]:
    """A server process, initialized; shut down cleanly at the end.

    `configuration` maps a scope URI ("" for global) to what workspace/configuration answers.
    """
    config = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client, server_env=env)
    client = await config.start()
    assert isinstance(client, Client)
    for scope, value in (configuration or {}).items():
        client.set_configuration(value, scope_uri=scope)
    params = types.InitializeParams(
        capabilities=client_capabilities or capabilities(),
        initialization_options=initialization_options,
        workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders] if folders else None,
        process_id=process_id,
    )
    try:
        client.init_result = await asyncio.wait_for(client.initialize_session(params), TIMEOUT)
        yield client
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    finally:
        server = client._server
        if server is not None and server.returncode is None:  # the test failed midway
            server.kill()
        await client.stop()


def _width(char: str, encoding: str) -> int:
    if encoding == "utf-32":
        return 1
    if encoding == "utf-16":
        return 2 if ord(char) > 0xFFFF else 1
    return len(char.encode("utf-8"))


def apply_text_edits(text: str, edits: list[types.TextEdit], encoding: str = "utf-16") -> str:
    """What an editor does with `edits` (positions in `encoding` units of `text`)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        line, units, column = lines[position.line], 0, 0
        while column < len(line) and units < position.character:
            units += _width(line[column], encoding)
            column += 1
        return starts[position.line] + column

    resolved = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new_text in resolved:
        text = text[:start] + new_text + text[end:]
    return text


def edits_of(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    """The text edits a code action makes to `uri`, whichever form its workspace edit takes."""
    assert action.edit is not None, f"{action.title!r} carries no edit"
    if action.edit.document_changes:
        return [edit for change in action.edit.document_changes if change.text_document.uri == uri for edit in change.edits]
    assert action.edit.changes is not None
    return list(action.edit.changes[uri])
