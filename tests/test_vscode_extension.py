"""The VS Code extension in vscode-client/: its own checks (`npm test`: type-check, lint, unit
tests) and its end-to-end test in a real VS Code (code-server driven by Chromium), which packages
the .vsix first. The tools come from .ci/setup-vscode; without them these tests skip, unless
NANGUARD_REQUIRE_E2E=1 (as in CI), where a missing tool is a failure.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parent.parent / "vscode-client"
CHROMIUM = Path(os.environ.get("NANGUARD_CHROMIUM", "/usr/bin/chromium"))


def _unavailable(reason: str) -> None:
    if os.environ.get("NANGUARD_REQUIRE_E2E") == "1":
        pytest.fail(f"{reason} (NANGUARD_REQUIRE_E2E=1; run .ci/setup-vscode)")
    pytest.skip(f"{reason}; run .ci/setup-vscode")


def _require_node() -> None:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            _unavailable(f"`{tool}` is not on PATH")
    if not (CLIENT / "node_modules" / ".bin" / "tsc").exists():
        _unavailable("vscode-client has no node_modules (`npm ci`)")


def _code_server_dir() -> Path:
    """Asks e2e/paths.mjs, the one place that says where .ci/setup-vscode builds code-server."""
    result = subprocess.run(
        ["node", "e2e/paths.mjs"],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(result.stdout.strip())


@contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Runs in one checkout take turns: they share vscode-client/bundled, the .vsix and .e2e/."""
    (CLIENT / ".e2e").mkdir(exist_ok=True)
    with open(CLIENT / ".e2e" / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _run(command: list[str], timeout: float) -> None:
    try:
        result = subprocess.run(
            command,
            check=False,
            cwd=CLIENT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        output = (
            error.stdout
            if isinstance(error.stdout, str)
            else (error.stdout or b"").decode(errors="replace")
        )
        pytest.fail(
            f"`{' '.join(command)}` did not finish within {timeout:.0f} s:\n{output[-6000:]}"
        )
    assert result.returncode == 0, (
        f"`{' '.join(command)}` exited {result.returncode}:\n{result.stdout[-8000:]}"
    )


def test_extension_type_checks_lints_and_passes_its_unit_tests() -> None:
    _require_node()
    with _one_at_a_time():
        _run(["npm", "test"], timeout=600)


def test_extension_end_to_end_in_code_server() -> None:
    _require_node()
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM}")
    code_server = _code_server_dir()
    if not (code_server / "out" / "node" / "entry.js").exists():
        _unavailable(f"code-server is not built in {code_server}")
    with _one_at_a_time():
        _run(["npm", "run", "package"], timeout=900)
        _run(["node", "e2e/run.mjs"], timeout=600)
