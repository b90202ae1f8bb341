"""The flake8 plugin, run by flake8 itself in its own process, as teams with flake8 run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from engine_helpers import write

pytest.importorskip("flake8")

MODULE = """\
import torch


def loss(p, q, r):
    a = torch.log(p.sigmoid())
    b = torch.log(q.sigmoid())  # noqa: NG001
    c = torch.log(torch.clamp(r, min=1e-6))
    return a + b + c
"""


def flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_flake8_reports_what_nanguard_check_reports(tmp_path: Path) -> None:
    write(tmp_path / "train.py", MODULE)
    result = flake8("--select", "NG001", "train.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    (line,) = result.stdout.splitlines()
    assert line.startswith("train.py:5:9: NG001 `torch.log(p.sigmoid())`")
    checked = subprocess.run(
        [sys.executable, "-m", "nanguard", "check", "--output-format", "concise", "-q", "train.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert checked.stdout.splitlines() == [line]


def test_flake8_select_and_ignore_apply_to_ng_codes(tmp_path: Path) -> None:
    write(tmp_path / "train.py", MODULE)
    everything = flake8("train.py", cwd=tmp_path)
    assert "NG001" in everything.stdout  # on by default, beside flake8's own codes
    assert flake8("--extend-ignore", "NG", "--select", "NG,F", "train.py", cwd=tmp_path).stdout == ""
    assert flake8("--select", "E", "train.py", cwd=tmp_path).stdout.count("NG001") == 0


@pytest.mark.parametrize("directive", ["# flake8: noqa", "# nanguard: noqa", "# ruff: noqa: NG001"])
def test_file_level_directives_silence_the_file(tmp_path: Path, directive: str) -> None:
    write(tmp_path / "train.py", MODULE.replace("import torch\n", f"import torch\n{directive}\n"))
    assert flake8("--select", "NG001", "train.py", cwd=tmp_path).stdout == ""


def test_settings_come_from_the_nearest_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.nanguard]\nframeworks = ["numpy"]\n')
    write(tmp_path / "train.py", MODULE)
    assert flake8("--select", "NG001", "train.py", cwd=tmp_path).stdout == ""
