"""How the cost of `nanguard check`, `--fix` and the language server grows with the input.

Each shape is generated at sizes n, 2n and 4n and timed as a whole process (the command line)
or from didOpen to publishDiagnostics (the real server over stdio). Linear growth shows as a
ratio near 2 from one size to the next; quadratic growth as 4. Every measurement has a
timeout, reported as such instead of hanging the run.

Shapes:
- nested: ``np.log(np.log(...np.maximum(x, 0)...))`` nested n deep;
- findings: one function of n lines ``x = np.log(np.maximum(x, 0))`` (many findings, many fixes);
- cells: a notebook of n code cells, each with a log;
- long-line: one line of n ``np.log(np.maximum(a, 0))`` terms (n findings on one line);
- long-line-utf8: the same with a non-ASCII name, whose columns are counted in characters;
- lines: a module of n small functions, each with a log (the ordinary shape, for scale).

Every log is of a value clipped at 0, which NG001 reports without ``--strict`` (an unknown
argument it does not), so every shape has findings and ``--fix`` has work.

Then the server on big documents of training code: a 5 MB one (over the 2 MB limit: one notice,
at once) and one just under the limit (analysed), with the server's resident memory before opening, once the
diagnostics arrived, and after didClose.

    .venv/bin/python bench/bench_growth.py [--scale 1.0] [--timeout 60] [--shapes nested,findings]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_server import start_server, stop_server, training_module  # noqa: E402
from lsprotocol import types  # noqa: E402

HEADER = "import numpy as np\n\n"


def nested(n: int) -> str:
    return HEADER + "def f(x):\n    return " + "np.log(" * n + "np.maximum(x, 0)" + ")" * n + "\n"


def findings(n: int) -> str:
    return HEADER + "def f(x):\n" + "    x = np.log(np.maximum(x, 0))\n" * n + "    return x\n"


def long_line(n: int) -> str:
    return HEADER + "def f(a):\n    return " + " + ".join(["np.log(np.maximum(a, 0))"] * n) + "\n"


def long_line_utf8(n: int) -> str:
    """The long line with a non-ASCII name: columns count characters, not bytes."""
    return long_line(n).replace("(a", "(é")


def lines(n: int) -> str:
    return HEADER + "".join(f"def f{i}(x):\n    y = np.maximum(x, 0)\n    return np.log(y)\n\n" for i in range(n))


def cells(n: int) -> str:
    cell = lambda source: {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}
    body = [cell(["import numpy as np\n"])] + [cell([f"y{i} = np.log(np.maximum(x, 0))\n"]) for i in range(n)]
    metadata = {"kernelspec": {"name": "python3", "language": "python"}, "language_info": {"name": "python"}}
    return json.dumps({"cells": body, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})


SHAPES: dict[str, tuple[Callable[[int], str], int, str]] = {
    "nested": (nested, 1_000, ".py"),
    "findings": (findings, 1_000, ".py"),
    "long-line": (long_line, 20_000, ".py"),
    "long-line-utf8": (long_line_utf8, 10_000, ".py"),
    "lines": (lines, 2_000, ".py"),
    "cells": (cells, 2_500, ".ipynb"),
}


def time_cli(text: str, suffix: str, fix: bool, timeout: float) -> float | None:
    """Seconds for one `nanguard check` (or `--fix`) process on `text`; None on timeout."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"shape{suffix}"
        path.write_text(text)
        command = [sys.executable, "-m", "nanguard", "check", "--no-jedi", str(path), *(["--fix"] if fix else [])]
        start = time.perf_counter()
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=folder)
        except subprocess.TimeoutExpired:
            return None
        if result.returncode not in (0, 1):
            raise SystemExit(f"{command} failed ({result.returncode}): {result.stderr}")
        return time.perf_counter() - start


async def time_server(text: str, timeout: float) -> float | None:
    """Seconds from didOpen to the document's first publishDiagnostics; None on timeout."""
    client = await start_server()
    uri = Path(tempfile.gettempdir(), "nanguard-growth.py").as_uri()
    start = time.perf_counter()
    try:
        client.open(uri, text)
        arrived = await asyncio.wait_for(client.published_at(uri, 1), timeout)
    except asyncio.TimeoutError:
        os.kill(client.server_pid, signal.SIGKILL)  # it may be busy for minutes more
        await client.stop()
        return None
    await stop_server(client)
    return arrived - start


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def big_documents(timeout: float) -> None:
    """Time to the first publish, and the server's memory, for documents around the size limit."""
    for megabytes in (1.9, 5.0):
        per_line = len(training_module(1000)) / 1000
        text = training_module(int(megabytes * 1e6 / per_line))
        client = await start_server()
        client.feature(types.WINDOW_LOG_MESSAGE)(lambda params: None)  # the notice of the big one
        uri = Path(tempfile.gettempdir(), "nanguard-big.py").as_uri()
        before = resident_mb(client.server_pid)
        start = time.perf_counter()
        client.open(uri, text)
        try:
            arrived = await asyncio.wait_for(client.published_at(uri, 1), timeout)
        except asyncio.TimeoutError:
            print(f"  {len(text) / 1e6:.1f} MB: no diagnostics within {timeout:.0f} s")
            os.kill(client.server_pid, signal.SIGKILL)
            await client.stop()
            continue
        loaded = resident_mb(client.server_pid)
        client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
        await asyncio.sleep(1.0)
        closed = resident_mb(client.server_pid)
        print(
            f"  {len(text) / 1e6:.1f} MB: diagnostics after {arrived - start:.2f}s; resident memory "
            f"{before:.0f} MB before, {loaded:.0f} MB open, {closed:.0f} MB after didClose",
            flush=True,
        )
        await stop_server(client)


def show(label: str, sizes: list[int], seconds: list[float | None], timeout: float) -> None:
    cells_ = [f"{s:>9,}: " + ("  timeout" if t is None else f"{t:8.2f}s") for s, t in zip(sizes, seconds)]
    ratios = [f"{b / a:4.1f}x" if a and b else "  -  " for a, b in zip(seconds, seconds[1:])]
    print(f"  {label:<8} " + "  ".join(cells_) + "   growth " + " ".join(ratios), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every base size n")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a measurement gives up")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated, of: " + ", ".join(SHAPES))
    args = parser.parse_args()
    baseline = time_cli(HEADER, ".py", False, args.timeout)
    print(f"process start and an empty check: {baseline:.2f}s (included in every CLI time)")
    for name in args.shapes.split(","):
        make, base, suffix = SHAPES[name]
        sizes = [int(base * args.scale) * factor for factor in (1, 2, 4)]
        texts = [make(size) for size in sizes]
        print(f"{name} (n = {sizes[0]:,}; {len(texts[-1]) / 1e6:.1f} MB at 4n)")
        for label, fix in (("check", False), ("--fix", True)):
            times: list[float | None] = []
            for text in texts:
                times.append(None if times and times[-1] is None else time_cli(text, suffix, fix, args.timeout))
            show(label, sizes, times, args.timeout)
        if suffix == ".py":
            times = []
            for text in texts:
                times.append(None if times and times[-1] is None else asyncio.run(time_server(text, args.timeout)))
            show("server", sizes, times, args.timeout)
    print("server, big documents")
    asyncio.run(big_documents(args.timeout))


if __name__ == "__main__":
    main()
