"""README.md's examples print what the README says they print: each ``<!-- output: COMMAND -->``
block is compared with COMMAND run on the README's ``<!-- example: NAME -->`` files.

A block shows the first lines of the output; a line ending in ``...`` shows the start of the
line, and a JSON block is compared as data, where a string ending in ``...`` is a prefix."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from readme_blocks import ROOT, blocks

OUTPUTS = blocks("output")


def test_the_readme_has_examples_to_check() -> None:
    assert {name for name, _, _ in blocks("example")} >= {"train.py", "broken.py"}
    assert len(OUTPUTS) >= 4


@pytest.fixture
def example_folder(tmp_path: Path) -> Path:
    for name, _, code in blocks("example"):
        (tmp_path / name).write_text(code, encoding="utf-8")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    return tmp_path


def agrees(shown: Any, printed: Any) -> bool:
    if isinstance(shown, str) and isinstance(printed, str) and shown.endswith("..."):
        return printed.startswith(shown[:-3])
    if isinstance(shown, dict) and isinstance(printed, dict):
        return shown.keys() == printed.keys() and all(agrees(shown[key], printed[key]) for key in shown)
    if isinstance(shown, list) and isinstance(printed, list):
        return len(shown) == len(printed) and all(agrees(a, b) for a, b in zip(shown, printed))
    return shown == printed


@pytest.mark.parametrize(("command", "language", "shown"), OUTPUTS, ids=[command for command, _, _ in OUTPUTS])
def test_an_output_in_the_readme_is_what_the_command_prints(
    example_folder: Path, command: str, language: str, shown: str
) -> None:
    program, *arguments = shlex.split(command)
    assert program == "nanguard"
    result = subprocess.run(
        [sys.executable, "-m", "nanguard", *arguments], cwd=example_folder, capture_output=True, text=True,
        timeout=120, env={**os.environ, "NO_COLOR": "1"},
    )
    if language == "json":
        assert agrees(json.loads(shown), json.loads(result.stdout)), result.stdout
        return
    printed = (result.stdout + result.stderr).splitlines() if "--diff" not in arguments else result.stdout.splitlines()
    lines = shown.splitlines()
    assert len(printed) >= len(lines), result.stdout
    for expected, actual in zip(lines, printed):
        assert agrees(expected, actual), f"README shows\n{expected}\nthe command prints\n{actual}"
