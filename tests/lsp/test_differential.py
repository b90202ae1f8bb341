"""The editor and the command line agree: random, seeded editing sessions on real-looking files,
sent to the real server as incremental changes (brackets, quotes, triple quotes, indentation,
``def f(:``, deletions, about half of them undone at once, so the syntax breaks and heals).
At checkpoints and at the end the server's diagnostics must equal `engine.analyze` of the text
it holds; the final text must give the same findings as `nanguard check` on a file, and the
same again when opened fresh.

``NANGUARD_FUZZ_SCALE`` (default 1) multiplies the sessions and edits: the CI run takes
about a minute; ``bench/fuzz.py`` runs a longer one and prints the figures.
``NANGUARD_FUZZ_FILES`` (paths separated by ``os.pathsep``) adds sessions on those real files,
as LF and as lone CR (skipped when unset: CI has no downloaded releases).
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import random
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from lsp_client import Client, session
from lsprotocol import types
from realistic_code import SNIPPETS, modules

from nanguard.engine import analyze
from nanguard.lsp.convert import PositionEncoder

SCALE = float(os.environ.get("NANGUARD_FUZZ_SCALE", "1"))
SESSIONS = max(1, round(4 * SCALE))
EDITS = max(10, round(200 * SCALE))
REAL_FILES = [Path(name) for name in os.environ.get("NANGUARD_FUZZ_FILES", "").split(os.pathsep) if name]
CHECKPOINT_SHARE = 0.2
SETTLE_SECONDS = 10.0
"""How long the fresh parse of a broken text may take to follow its first diagnostics: well over
the server's quiet time before it (0.25 s) and that pass on these texts."""
"""Of the edits, those after which the diagnostics are awaited and compared."""


@dataclass(slots=True)
class Figures:
    sessions: int = 0
    edits: int = 0
    undone: int = 0
    compared: int = 0
    broken: int = 0
    """Comparisons made while the text had a syntax error."""
    files: int = 0
    """Distinct starting texts."""


FIGURES = Figures()


def long_module() -> str:
    """About 1,200 lines: enough for several of the server's chunks."""
    return "\n".join(modules()[-4:])


def expected(text: str) -> list[tuple[int, int, int, int, str, str]]:
    """What the command line's engine finds in `text`, as LSP ranges (UTF-16) and messages."""
    encoder = PositionEncoder(text, "utf-16")
    result = []
    for finding in analyze(text):
        span = encoder.range(finding.span)
        result.append((span.start.line, span.start.character, span.end.line, span.end.character, finding.code, finding.message))
    return result


def shown(diagnostics: list[types.Diagnostic]) -> list[tuple[int, int, int, int, str, str]]:
    return sorted(
        (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, str(d.code), d.message)
        for d in diagnostics
    )


def position(text: str, offset: int) -> tuple[int, int]:
    """(line, UTF-16 column) of a code-point offset, lines ending as the LSP ends them."""
    line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    line = text.count("\n", 0, offset) + text.count("\r", 0, offset) - text.count("\r\n", 0, offset)
    return line, len(text[line_start:offset].encode("utf-16-le")) // 2


def settled(text: str, offset: int) -> int:
    """`offset`, moved before the CR when it falls inside a CRLF: no LSP position is there."""
    return offset - 1 if text[offset - 1 : offset + 1] == "\r\n" else offset


class EditingSession:
    """A document open in the server, and the text the editor holds."""

    def __init__(self, client: Client, uri: str, text: str):
        self.client, self.uri, self.text, self.version = client, uri, text, 1
        client.open(uri, text)

    def replace(self, start: int, end: int, new: str) -> None:
        where = (*position(self.text, start), *position(self.text, end))
        self.version += 1
        self.client.change(self.uri, self.version, (where, new))
        self.text = self.text[:start] + new + self.text[end:]

    async def diagnostics(self, wanted: list) -> list:
        """What the editor shows for this version, as `shown` reads it. For a text with a syntax
        error the first diagnostics read its chunks (the error kept to its statement) and those
        of a fresh parse of the whole text, what the command line reads, follow once typing
        pauses: wait up to `SETTLE_SECONDS` for those to be `wanted`."""
        seen = shown(await self.client.wait_diagnostics(self.uri, self.version, timeout=60))
        deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
        while seen != wanted and broken(self.text) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
            seen = shown(await self.client.wait_diagnostics(self.uri, self.version, timeout=60))
        return seen


def broken(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like in edited code
            compile(text, "<edited>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError):
        return True
    return False


async def run_session(client: Client, folder: Path, seed: int, text: str) -> str:
    """One editing session; returns the final text."""
    rng = random.Random(seed)
    editing = EditingSession(client, (folder / f"session_{seed}.py").as_uri(), text)
    assert await editing.diagnostics(wanted := expected(editing.text)) == wanted, "on open"
    for _ in range(EDITS):
        start = settled(editing.text, rng.randrange(len(editing.text) + 1))
        if rng.random() < 0.7:
            new, end = rng.choice(SNIPPETS), start
        else:
            new, end = "", settled(editing.text, min(len(editing.text), start + rng.randint(1, 30)))
        removed = editing.text[start:end]
        editing.replace(start, end, new)
        FIGURES.edits += 1
        undo_end = start + len(new)
        if rng.random() < 0.5 and settled(editing.text, start) == start and settled(editing.text, undo_end) == undo_end:
            editing.replace(start, undo_end, removed)
            FIGURES.undone += 1
        if rng.random() < CHECKPOINT_SHARE:
            assert await editing.diagnostics(wanted := expected(editing.text)) == wanted, f"seed {seed}, version {editing.version}"
            FIGURES.compared += 1
            FIGURES.broken += broken(editing.text)
    assert await editing.diagnostics(wanted := expected(editing.text)) == wanted, f"seed {seed}, at the end"
    FIGURES.compared += 1
    FIGURES.sessions += 1
    return editing.text


def command_line(folder: Path, text: str) -> list[tuple[int, int, str, str]]:
    """(line, column, code, message), 0-based as LSP counts, of `nanguard check` on a file."""
    path = folder / "final.py"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = subprocess.run(
        [sys.executable, "-m", "nanguard", "check", "--output-format", "json", str(path)],
        capture_output=True, text=True, timeout=120, cwd=folder,
    )
    assert result.returncode in (0, 1), result.stderr
    findings = [item for item in json.loads(result.stdout) if item["code"] is not None]  # not the syntax notes
    return sorted((item["line"] - 1, item["column"] - 1, item["code"], item["message"]) for item in findings)


NON_ASCII = "# Verlust für ε → 0, 𝔼[log p]\n"
"""A line whose UTF-16 columns are not its code-point columns (𝔼 is two units)."""

SHAPES = {
    "module-lf": (False, "\n"),
    "module-crlf-non-ascii": (False, "\r\n"),
    "module-cr": (False, "\r"),
    "long-module": (True, "\n"),
    "real-files-lf": (False, "\n"),
    "real-files-cr": (False, "\r"),
}


@pytest.mark.parametrize("shape", SHAPES)
async def test_random_editing_sessions_agree_with_the_command_line(tmp_path: Path, shape: str) -> None:
    long, newline = SHAPES[shape]
    if shape.startswith("real-files"):
        if not REAL_FILES:
            pytest.skip("NANGUARD_FUZZ_FILES names no real files")
        bases = [path.read_text(encoding="utf-8").replace("\r\n", "\n") for path in REAL_FILES]
    else:
        bases = [long_module()] if long else list(modules())
    if newline == "\r\n":
        bases = [NON_ASCII + base for base in bases]
    bases = [base.replace("\n", newline) for base in bases]
    FIGURES.files += min(len(bases), SESSIONS)
    async with session(initialization_options={"nanguard": {"debounceMs": 0}}) as client:
        for index in range(SESSIONS if not long else max(1, SESSIONS // 2)):
            seed = index + 100 * list(SHAPES).index(shape)
            base = bases[seed % len(bases)]
            final = await run_session(client, tmp_path, seed, base)
            fresh = EditingSession(client, (tmp_path / f"fresh_{seed}.py").as_uri(), final)
            assert await fresh.diagnostics(wanted := expected(final)) == wanted, "the final text opened fresh"
            diagnostics = await client.wait_diagnostics(fresh.uri, fresh.version, timeout=60)
            ascii_columns = final.isascii()
            if ascii_columns:  # JSON columns count code points; on ASCII text they are UTF-16 columns too
                assert command_line(tmp_path, final) == sorted(
                    (d.range.start.line, d.range.start.character, str(d.code), d.message) for d in diagnostics
                )
    print(f"\ndifferential fuzz: {FIGURES}")
