"""The server never dies and never hangs a client: bad input, engine failures, bursts, exits."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_client import (
    SERVER_COMMAND,
    SOFTMAX_LOG,
    TIMEOUT,
    Client,
    eventually,
    make_client,
    make_range,
    session,
)
from lsprotocol import types
from nanguard.engine import analyze
from pytest_lsp import ClientServerConfig

FAULTS = Path(__file__).parent / "fault_injection"
BENCHMARK = Path(__file__).parents[2] / "bench" / "bench_server.py"


def training_module(lines: int, log_every: int = 6) -> str:
    """The benchmark's plausible training code (bench/bench_server.py), so both measure the same."""
    spec = importlib.util.spec_from_file_location("bench_server", BENCHMARK)
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    return benchmark.training_module(lines, log_every=log_every)


class RawConnection:
    """JSON-RPC over a byte stream, for messages no well-behaved client would send."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def receive(self) -> dict:
        length = 0
        while (header := await self.reader.readline()) != b"\r\n":
            if not header:
                raise EOFError("the server closed the connection")
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
        return json.loads(await self.reader.readexactly(length))

    async def request(self, message_id: int, method: str, params: object) -> dict:
        """Send a request and return its response, skipping notifications and server requests."""
        self.send({"id": message_id, "method": method, "params": params})
        while True:
            message = await asyncio.wait_for(self.receive(), TIMEOUT)
            if message.get("id") == message_id and "method" not in message:
                return message


async def raw_stdio_server() -> tuple[asyncio.subprocess.Process, RawConnection]:
    server = await asyncio.create_subprocess_exec(
        *SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert server.stdin is not None and server.stdout is not None
    return server, RawConnection(server.stdout, server.stdin)  # type: ignore[arg-type]


def hover_params(uri: str, line: int, character: int) -> types.HoverParams:
    return types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)
    )


async def test_malformed_params_and_early_requests_get_errors(tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    server, connection = await raw_stdio_server()
    try:
        early = await connection.request(1, "textDocument/hover", hover_params_json(uri, 0, 0))
        assert early["error"]["code"] == types.ErrorCodes.ServerNotInitialized

        await connection.request(2, "initialize", {"processId": None, "capabilities": {}})
        connection.send({"method": "initialized", "params": {}})
        connection.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": SOFTMAX_LOG}}})

        missing = await connection.request(3, "textDocument/hover", {"textDocument": {"uri": uri}})
        assert missing["error"]["code"] == types.ErrorCodes.InvalidParams
        assert "position" in missing["error"]["message"]

        wrong_type = await connection.request(
            4, "textDocument/codeAction", {"textDocument": {"uri": uri}, "range": "everything", "context": {}}
        )
        assert wrong_type["error"]["code"] == types.ErrorCodes.InvalidParams

        negative = await connection.request(5, "textDocument/hover", hover_params_json(uri, -1, 0))
        assert negative["error"]["code"] == types.ErrorCodes.InvalidParams

        unknown = await connection.request(6, "nanguard/noSuchMethod", {})
        assert unknown["error"]["code"] == types.ErrorCodes.MethodNotFound

        # A notification that cannot be read is dropped; the server goes on.
        connection.send({"method": "textDocument/didChange", "params": {"textDocument": {"uri": uri}}})
        hover = await connection.request(7, "textDocument/hover", hover_params_json(uri, 3, 40))
        assert "NG001" in hover["result"]["contents"]["value"]

        assert (await connection.request(8, "shutdown", None))["result"] is None
        connection.send({"method": "exit"})
        assert await asyncio.wait_for(server.wait(), TIMEOUT) == 0
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()


def hover_params_json(uri: str, line: int, character: int) -> dict:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


async def test_unknown_documents_and_out_of_range_positions(client: Client, file_uri):
    unknown = file_uri("never_opened.py")
    assert await client.text_document_hover_async(hover_params(unknown, 0, 0)) is None
    client.change(unknown, 2, ((0, 0, 0, 0), "x"))  # a change for a document that is not open: ignored

    uri = file_uri()
    client.open(uri, SOFTMAX_LOG)
    await client.wait_diagnostics(uri, 1)
    assert await client.text_document_hover_async(hover_params(uri, 3, 4000)) is None
    assert await client.text_document_hover_async(hover_params(uri, 4000, 0)) is None

    # Positions past the end of a line or of the document clamp, as editors expect.
    client.change(uri, 2, ((99, 0, 120, 7), "penalty = tf.log(tf.nn.softmax(q))\n"))
    client.change(uri, 3, ((0, 500, 0, 900), "  # imports"))
    diagnostics = await client.wait_diagnostics(uri, 3)
    assert [d.range for d in diagnostics] == [make_range(3, 36, 3, 50), make_range(4, 10, 4, 34)]
    assert any("not open" in m.message for m in client.log_messages)


async def test_an_engine_failure_is_logged_and_the_last_diagnostics_stay(tmp_path):
    marker = "# nanguard-test: make the engine fail"
    uri = (tmp_path / "train.py").as_uri()
    env = {**os.environ, "PYTHONPATH": str(FAULTS), "NANGUARD_TEST_FAILURE_MARKER": marker}
    async with session(env=env) as client:
        client.open(uri, SOFTMAX_LOG)
        [before] = await client.wait_diagnostics(uri, 1)

        client.change(uri, 2, ((0, 0, 0, 0), f"{marker}\n"))
        await eventually(lambda: any("failed" in m.message for m in client.log_messages))
        [failure] = [m for m in client.log_messages if "failed" in m.message]
        assert failure.type == types.MessageType.Error
        assert "engine failure injected by the test" in failure.message
        assert client.latest(uri).version == 1, "nothing published for the failed version"
        assert list(client.latest(uri).diagnostics) == [before]

        client.change(uri, 3, ((0, 0, 1, 0), ""))  # the next good version is analysed as usual
        [after] = await client.wait_diagnostics(uri, 3)
        assert after.range == before.range


async def test_a_burst_of_edits_stays_responsive_and_ends_right(tmp_path):
    uri, big = (tmp_path / "train.py").as_uri(), (tmp_path / "big.py").as_uri()
    text = training_module(5000)
    async with session(configuration={"": {"nanguard": {"debounceMs": 0}}}) as client:
        client.open(uri, text)
        flagged = (await client.wait_diagnostics(uri, 1))[0].range.start

        # Keep the worker busy with a big document, then ask about the small one: the answer
        # must not wait for the big analysis.
        client.open(big, training_module(5000, log_every=1))
        hover = await client.text_document_hover_async(hover_params(uri, flagged.line, flagged.character))
        assert hover is not None and client.latest(big) is None, "answered while the worker was busy"

        # Hundreds of edits, with code action requests among them: type a log call character
        # by character at the end, and insert and delete a character near the top.
        current, version, requests = text, 1, []
        for character in "    penalty = torch.log(torch.sigmoid(score))\n":
            version += 1
            last = current.count("\n")
            column = len(current) - current.rfind("\n") - 1
            client.change(uri, version, ((last, column, last, column), character))
            current += character
        for _ in range(150):
            client.change(uri, version + 1, ((2, 0, 2, 0), "#"))
            client.change(uri, version + 2, ((2, 0, 2, 1), ""))
            version += 2
            if version % 20 == 0:
                params = types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    range=make_range(8, 0, 8, 0),
                    context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix]),
                )
                requests.append(asyncio.ensure_future(client.text_document_code_action_async(params)))
        await asyncio.wait_for(asyncio.gather(*requests), TIMEOUT)
        final = current
        diagnostics = await client.wait_diagnostics(uri, version, timeout=60)
        expected = [(f.span.start.line, f.span.start.column, f.span.end.line, f.span.end.column) for f in analyze(final)]
        assert [(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character) for d in diagnostics] == expected
        assert diagnostics[-1].message.startswith("`torch.log(torch.sigmoid(score))`")


async def test_shutdown_then_exit_ends_the_process_with_zero(tmp_path):
    async with session() as client:
        client.open((tmp_path / "a.py").as_uri(), SOFTMAX_LOG)
    assert client._server.returncode == 0


async def test_exit_without_shutdown_ends_the_process_with_one():
    client = await ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client).start()
    await client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.exit(None)
    assert await asyncio.wait_for(client._server.wait(), TIMEOUT) == 1
    await client.stop()


async def test_the_server_exits_when_the_client_process_is_gone():
    stand_in = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    client = await ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client).start()
    try:
        await client.initialize_session(
            types.InitializeParams(capabilities=types.ClientCapabilities(), process_id=stand_in.pid)
        )
        stand_in.kill()
        stand_in.wait()
        await asyncio.wait_for(client._server.wait(), TIMEOUT)
    finally:
        if client._server.returncode is None:
            client._server.kill()
        await client.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_tcp_transport():
    port = free_port()
    server = await asyncio.create_subprocess_exec(*SERVER_COMMAND, "--tcp", "--port", str(port))
    try:
        for _ in range(100):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.1)
        else:
            pytest.fail("the server did not listen")

        connection = RawConnection(reader, writer)
        response = await connection.request(1, "initialize", {"processId": None, "capabilities": {}})
        assert response["result"]["serverInfo"]["name"] == "nanguard"
        kinds = response["result"]["capabilities"]["codeActionProvider"]["codeActionKinds"]
        assert {"quickfix", "source.fixAll", "source.fixAll.nanguard"} <= set(kinds)
        assert (await connection.request(2, "shutdown", None))["result"] is None
        writer.close()
    finally:
        server.kill()
        await server.wait()


def test_command_line_help_and_errors():
    run = lambda *args: subprocess.run([*SERVER_COMMAND, *args], check=False, capture_output=True, text=True, timeout=TIMEOUT)
    shown = run("--help")
    assert shown.returncode == 0
    assert "--stdio" in shown.stdout and "--tcp" in shown.stdout and "--ws" in shown.stdout
    assert run("--port", "many").returncode == 2
    try:
        import websockets  # noqa: F401
    except ImportError:
        missing = run("--ws")
        assert missing.returncode == 2 and "websockets" in missing.stderr


async def test_an_unclosed_bracket_mid_file_keeps_the_rest_and_closing_it_ends_as_a_fresh_analysis(tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    text = training_module(1500)
    middle = text.count("\n") // 2
    far = lambda diagnostics, shift=0: [
        d.range.start.line - shift for d in diagnostics if abs(d.range.start.line - shift - middle) > 30
    ]
    async with session(configuration={"": {"nanguard": {"debounceMs": 0}}}) as client:
        client.open(uri, text)
        clean = await client.wait_diagnostics(uri, 1)
        client.change(uri, 2, ((middle, 0, middle, 0), "broken = compute("))
        assert far(await client.wait_diagnostics(uri, 2)) == far(clean)
        client.change(uri, 3, ((10, 0, 10, 0), "# a line above: everything below moves\n"))
        assert far(await client.wait_diagnostics(uri, 3), shift=1) == far(clean)
        client.change(uri, 4, ((middle + 1, 0, middle + 1, len("broken = compute(")), ""))
        lines = text.split("\n")
        final = "\n".join([*lines[:10], "# a line above: everything below moves", *lines[10:]])
        diagnostics = await client.wait_diagnostics(uri, 4)
        assert [(d.range.start.line, d.message) for d in diagnostics] == [
            (f.span.start.line, f.message) for f in analyze(final)
        ]
