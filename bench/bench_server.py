"""How fast the language server answers an edit, and how much memory it holds.

Drives the real server (`python -m nanguard server`) over stdio, as an editor does, with the
debounce set to 0. For documents of 1,000, 5,000 and 20,000 lines of plausible training code
(about one log call per 60 lines, half of them unguarded) it times 50 edits, from sending
`didChange` to receiving the `publishDiagnostics` of that version, also while the document has
a syntax error (an unclosed bracket mid-file). Then it opens 100 documents of 1,000 lines and
reads the server's resident memory.

Baselines, measured in this run on the same texts: `ast.parse` (what any Python tool pays to
read the file) and a full in-process `nanguard.engine.analyze` (a fresh parse and analysis, what
a server without incremental reparsing would pay, minus the protocol).

First, real code (keras 3.15.1, downloaded by `realcode.py` into NANGUARD_BENCH_CACHE): files
whose log calls need jedi, each in a fresh server: the first diagnostics after opening it, then
keystrokes at a typing pace; and the memory with 50 real files open. A do-nothing pygls server
runs the same, as the floor of pygls and the protocol.

    python bench/bench_server.py             # both tables
    python bench/bench_server.py --only real --servers nanguard
    python bench/bench_server.py --profile   # plus where the engine spends its time (20,000 lines)
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from nanguard.engine import analyze
from pygls.lsp.client import LanguageClient
from pygls.protocol import LanguageServerProtocol

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realcode

SIZES = (1_000, 5_000, 20_000)
EDITS = 50
OPEN_DOCUMENTS = 100
TARGET_MS = {5_000: 10.0, 20_000: 30.0}
TARGET_MEMORY_MB = 300.0
TIMEOUT = 120.0
NANGUARD = (sys.executable, "-m", "nanguard", "server")
NULL_SERVER = (
    sys.executable,
    "-c",
    "from lsprotocol import types\n"
    "from pygls.lsp.server import LanguageServer\n"
    "server = LanguageServer('null', '1')\n"
    "def publish(params):\n"
    "    document = params.text_document\n"
    "    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=document.uri, diagnostics=[], version=document.version))\n"
    "server.feature(types.TEXT_DOCUMENT_DID_OPEN)(publish)\n"
    "server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(publish)\n"
    "server.start_io()\n",
)
"""A pygls server that does nothing but answer every edit with empty diagnostics: the cost of
pygls and the protocol alone."""
SERVERS = {"nanguard": NANGUARD, "do-nothing pygls": NULL_SERVER}

REAL_PROJECT = ("keras", "3.15.1")
REAL_FILES = ("keras/src/backend/openvino/numpy.py", "keras/src/backend/openvino/nn.py")
"""Real files whose log calls need jedi: their names come from keras' own modules."""
REAL_OPEN_DOCUMENTS = 50
TARGET_REAL_P95_MS = 15.0
TARGET_REAL_OPEN_MS = 300.0
TARGET_REAL_MEMORY_MB = 120.0
TYPING_PAUSE = 0.1
"""Seconds between keystrokes on real files, about a fast typist's pace: background work (jedi)
started by one keystroke may still run when the next arrives, as in an editor."""
IDLE = 2.0
"""Seconds without a publishDiagnostics after which a server counts as done with its work."""

BLOCKS = (
    '''

class Encoder{i}(nn.Module):
    """A small residual encoder."""

    def __init__(self, width, depth=2):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(width, width) for _ in range(depth)])
        self.norm = nn.LayerNorm(width)

    def forward(self, x):
        for layer in self.layers:
            x = x + torch.relu(layer(self.norm(x)))
        return x
''',
    '''

def evaluate_{i}(model, loader, device="cpu"):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            outputs = model(inputs.to(device))
            correct += (outputs.argmax(dim=1) == targets.to(device)).sum().item()
            total += targets.numel()
    return correct / max(total, 1)
''',
    '''

def train_step_{i}(model, optimizer, batch, clip=1.0):
    optimizer.zero_grad()
    inputs, targets = batch
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    logger.info("step %d: loss %.4f", {i}, loss.item())
    return {{"loss": loss.item(), "lr": optimizer.param_groups[0]["lr"]}}
''',
    '''

def make_loader_{i}(dataset, batch_size=32, shuffle=True):
    sampler = torch.utils.data.RandomSampler(dataset) if shuffle else None
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=4,
        pin_memory=True,
    )
''',
)
WITH_LOG = (
    '''

def nll_{i}(logits, targets):
    probs = torch.softmax(logits, dim=-1)
    picked = probs.gather(1, targets.unsqueeze(1)).squeeze(1)
    return -torch.log(picked).mean()
''',
    '''

def entropy_{i}(p, eps=1e-8):
    p = torch.clamp(p, min=eps)
    return -(p * torch.log(p)).sum(dim=-1)
''',
)
HEADER = "import logging\n\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\nlogger = logging.getLogger(__name__)\n"


def training_module(lines: int, seed: int = 0, log_every: int = 6) -> str:
    """About `lines` lines of training code; one block in `log_every` holds a log, half of
    them guarded."""
    rng = random.Random(seed)
    parts, count, index = [HEADER], HEADER.count("\n"), 0
    while count < lines:
        template = rng.choice(WITH_LOG) if index % log_every == log_every - 1 else rng.choice(BLOCKS)
        block = template.format(i=index)
        parts.append(block)
        count += block.count("\n")
        index += 1
    return "".join(parts)


# ------------------------------------------------------------------------------------------
# The client


class ArrivalProtocol(LanguageServerProtocol):
    """Notes when a publishDiagnostics arrives: once its JSON is read, before pygls turns it into
    lsprotocol objects (a cost of this Python client, not of the server: editors parse JSON only)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        if data.get("method") == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            params = data.get("params") or {}
            client = self._server
            assert isinstance(client, BenchClient)
            client.arrivals.setdefault((params.get("uri"), params.get("version")), time.perf_counter())
            client.published += 1
            client.arrived.set()
        return super().structure_message(data)


class BenchClient(LanguageClient):
    def __init__(self) -> None:
        super().__init__("nanguard-bench", "1", protocol_cls=ArrivalProtocol)
        self.arrivals: dict[tuple[str, int | None], float] = {}
        """When the first diagnostics of each (document, version) arrived."""
        self.published = 0
        """How many publishDiagnostics have arrived: the server is idle once it stops growing."""
        self.arrived = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            """Timed on arrival, in `ArrivalProtocol`."""

        @self.feature(types.WINDOW_LOG_MESSAGE)
        def logged(params: types.LogMessageParams) -> None:
            """The server's log lines (what it analyses, what jedi settled): not what is timed."""

    async def published_at(self, uri: str, version: int) -> float:
        async def wait() -> float:
            while (uri, version) not in self.arrivals:
                self.arrived.clear()
                await self.arrived.wait()
            return self.arrivals[(uri, version)]

        return await asyncio.wait_for(wait(), TIMEOUT)

    async def idle(self) -> None:
        """Wait until no diagnostics have arrived for `IDLE` seconds: background work is done."""
        while True:
            seen = self.published
            await asyncio.sleep(IDLE)
            if self.published == seen:
                return

    def open(self, uri: str, text: str) -> float:
        sent = time.perf_counter()
        item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        self.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return sent

    def change(self, uri: str, version: int, line: int, start: int, end: int, text: str) -> float:
        where = types.Range(start=types.Position(line=line, character=start), end=types.Position(line=line, character=end))
        sent = time.perf_counter()
        self.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=where, text=text)],
            )
        )
        return sent

    @property
    def server_pid(self) -> int:
        assert self._server is not None
        return self._server.pid


async def start_server(command: tuple[str, ...] = NANGUARD) -> BenchClient:
    client = BenchClient()
    await client.start_io(*command)
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            initialization_options={"debounceMs": 0},
            process_id=os.getpid(),
        )
    )
    client.initialized(types.InitializedParams())
    return client


async def stop_server(client: BenchClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


# ------------------------------------------------------------------------------------------
# Measurements


async def edit_latencies(
    client: BenchClient, uri: str, text: str, rng: random.Random, first_version: int, pause: float = 0.0
) -> list[float]:
    """Milliseconds from didChange to its first publishDiagnostics, for EDITS edits typed at
    random lines: a character inserted at the end of a line, then removed; `pause` seconds
    after each answer before the next edit."""
    lines = text.split("\n")
    latencies, version, line = [], first_version, 0
    for edit in range(EDITS):
        version += 1
        if edit % 2 == 0:
            line = rng.randrange(len(lines) - 1)
            end = len(lines[line])
            sent = client.change(uri, version, line, end, end, "x")
        else:
            end = len(lines[line])
            sent = client.change(uri, version, line, end, end + 1, "")
        latencies.append((await client.published_at(uri, version) - sent) * 1000)
        await asyncio.sleep(pause)
    return latencies


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def in_process_ms(function, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc status")


async def run(folder: Path) -> list[list[str]]:
    rows = []
    client = await start_server()
    try:
        for size in SIZES:
            text = training_module(size)
            uri = (folder / f"train_{size}.py").as_uri()
            client.open(uri, text)
            await client.published_at(uri, 1)
            rng = random.Random(size)
            clean = await edit_latencies(client, uri, text, rng, first_version=1)

            # An unclosed bracket in the middle of the file, as while typing a call.
            middle = text.count("\n") // 2
            client.change(uri, EDITS + 2, middle, 0, 0, "broken = compute(")
            await client.published_at(uri, EDITS + 2)
            broken_text = text.split("\n")
            broken_text[middle] = "broken = compute(" + broken_text[middle]
            broken = await edit_latencies(client, uri, "\n".join(broken_text), rng, first_version=EDITS + 2)

            ast_ms = in_process_ms(lambda text=text: ast.parse(text))
            engine_ms = in_process_ms(lambda text=text: analyze(text))
            target = TARGET_MS.get(size)
            for label, values in (("clean", clean), ("syntax error", broken)):
                median = statistics.median(values)
                rows.append(
                    [
                        f"{size:,} lines, {label}",
                        f"{median:.1f}",
                        f"{p95(values):.1f}",
                        f"< {target:.0f}" if target else "-",
                        ("ok" if median < target else "MISSED") if target else "",
                        f"{ast_ms:.1f}",
                        f"{engine_ms:.1f}",
                        f"{median / ast_ms:.2f}",
                    ]
                )
            client.text_document_did_close(
                types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )

        uris = [(folder / f"module_{index}.py").as_uri() for index in range(OPEN_DOCUMENTS)]
        for index, uri in enumerate(uris):
            client.open(uri, training_module(1_000, seed=index))
        for uri in uris:
            await client.published_at(uri, 1)
        memory = resident_mb(client.server_pid)
        rows.append(
            [
                f"memory, {OPEN_DOCUMENTS} x 1,000 lines open",
                f"{memory:.0f} MB",
                "",
                f"< {TARGET_MEMORY_MB:.0f} MB",
                "ok" if memory < TARGET_MEMORY_MB else "MISSED",
                "",
                "",
                "",
            ]
        )
    finally:
        await stop_server(client)
    return rows


def memory_files(root: Path) -> list[Path]:
    """The `REAL_OPEN_DOCUMENTS` biggest files of the project's own code, those that call a log
    first: a session's worth of the files nanguard has most to say about."""
    candidates = sorted((root / "keras" / "src").rglob("*.py"), key=lambda path: (-path.stat().st_size, str(path)))
    calls_log = {path for path in candidates if "log(" in path.read_text(encoding="utf-8", errors="replace")}
    return sorted(candidates, key=lambda path: path not in calls_log)[:REAL_OPEN_DOCUMENTS]


async def real_file_rows(root: Path, servers: list[str]) -> list[list[str]]:
    """For each server, on each real file: the first diagnostics after opening it in a fresh
    server, and keystrokes typed at `TYPING_PAUSE` once the server is idle; then its memory with
    `REAL_OPEN_DOCUMENTS` real files open."""
    rows = []
    for name in servers:
        command = SERVERS[name]
        for relative in REAL_FILES:
            path = root / relative
            text = path.read_text(encoding="utf-8")
            client = await start_server(command)
            try:
                uri = path.as_uri()
                sent = client.open(uri, text)
                opened = (await client.published_at(uri, 1) - sent) * 1000
                await client.idle()
                latencies = await edit_latencies(client, uri, text, random.Random(relative), 1, TYPING_PAUSE)
            finally:
                await stop_server(client)
            median, worst = statistics.median(latencies), p95(latencies)
            rows.append(
                [
                    f"{relative} ({text.count(chr(10)):,} lines)",
                    name,
                    f"{opened:.0f}",
                    f"{median:.1f}",
                    f"{worst:.1f}",
                    verdict(name, opened <= TARGET_REAL_OPEN_MS and worst <= TARGET_REAL_P95_MS),
                ]
            )
        client = await start_server(command)
        try:
            paths = memory_files(root)
            uris = [path.as_uri() for path in paths]
            for path, uri in zip(paths, uris):
                client.open(uri, path.read_text(encoding="utf-8"))
            for uri in uris:
                await client.published_at(uri, 1)
            await client.idle()
            memory = resident_mb(client.server_pid)
        finally:
            await stop_server(client)
        rows.append([f"memory, {len(paths)} real files open", name, "", f"{memory:.0f} MB", "", verdict(name, memory <= TARGET_REAL_MEMORY_MB)])
    return rows


def verdict(server: str, met: bool) -> str:
    """Targets are nanguard's; the other servers are yardsticks."""
    return ("ok" if met else "MISSED") if server == "nanguard" else ""


def print_real_table(rows: list[list[str]]) -> None:
    header = ["real file (keras 3.15.1)", "server", "open ms", "edit median ms", "edit p95 ms", ""]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    for row in [header, ["-" * width for width in widths], *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(
        f"\nTargets: open <= {TARGET_REAL_OPEN_MS:.0f} ms (first diagnostics in a fresh server), every edit's p95 <= "
        f"{TARGET_REAL_P95_MS:.0f} ms (didChange to its first diagnostics, one keystroke per {TYPING_PAUSE * 1000:.0f} ms), "
        f"memory <= {TARGET_REAL_MEMORY_MB:.0f} MB (resident, once idle).\n"
    )


def print_table(rows: list[list[str]]) -> None:
    header = ["edit -> diagnostics", "median ms", "p95 ms", "target", "", "ast.parse ms", "analyze ms", "median/ast"]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    for row in [header, ["-" * width for width in widths], *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(
        "\nast.parse: parsing the whole text in-process; analyze: a full nanguard.engine.analyze "
        "(fresh parse) in-process.\nThe server reparses incrementally; the rest of its time is the "
        "engine's analysis and the protocol."
    )


def print_profile() -> None:
    text = training_module(20_000)
    profiler = cProfile.Profile()
    profiler.runcall(analyze, text)
    report = io.StringIO()
    pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(15)
    print("\nWhere nanguard.engine.analyze spends its time on 20,000 lines (by own time):")
    print(report.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", action="store_true", help="also profile the engine on 20,000 lines")
    parser.add_argument("--only", choices=("real", "generated"), help="run only one of the two tables")
    parser.add_argument("--servers", nargs="+", choices=list(SERVERS), default=list(SERVERS), help="servers on the real files")
    args = parser.parse_args()
    if args.only != "generated":
        print_real_table(asyncio.run(real_file_rows(realcode.ensure(*REAL_PROJECT), args.servers)))
    if args.only != "real":
        with tempfile.TemporaryDirectory() as folder:
            print_table(asyncio.run(run(Path(folder))))
    if args.profile:
        print_profile()
    return 0


if __name__ == "__main__":
    sys.exit(main())
