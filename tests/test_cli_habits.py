"""The command line as ruff and flake8 users type it: standard input, the flags they know,
configuration keys, suppression comments, syntax errors. Each test runs `nanguard` as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from engine_helpers import write
from readme_blocks import ROOT
from test_cli import TORCH_FIXED, TORCH_MODULE, finding_lines, nanguard

CLAMPED_AT_ZERO = "import torch\n\n\ndef loss(p):\n    return -torch.log(torch.clamp(p, min=0)).mean()\n"
SOFTMAX_LOG = "import torch\n\n\ndef loss(z):\n    return torch.log(torch.softmax(z, dim=-1))\n"


def run_with_input(*args: str, cwd: Path, text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nanguard", *args], cwd=cwd, input=text, capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_COLOR": ""},
    )


# ------------------------------------------------------------------------------------------
# Standard input


def test_a_dash_checks_standard_input(tmp_path: Path) -> None:
    result = run_with_input("check", "--strict", "-", cwd=tmp_path, text=TORCH_MODULE)
    assert result.returncode == 1
    assert finding_lines(result.stdout) == [("-", 5, 13, "NG001")]


def test_stdin_filename_names_the_file_and_brings_its_configuration(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.nanguard]\nper-file-ignores = { "tests/*" = ["NG001"] }\n')
    found = run_with_input("check", "--strict", "--stdin-filename", "src/train.py", cwd=tmp_path, text=TORCH_MODULE)
    assert finding_lines(found.stdout) == [("src/train.py", 5, 13, "NG001")]
    ignored = run_with_input("check", "--strict", "--stdin-filename", "tests/test_train.py", "-", cwd=tmp_path, text=TORCH_MODULE)
    assert ignored.returncode == 0, ignored.stdout


def test_fix_on_standard_input_writes_the_fixed_text_to_stdout(tmp_path: Path) -> None:
    result = run_with_input("check", "--strict", "--fix", "--stdin-filename", "train.py", cwd=tmp_path, text=TORCH_MODULE)
    assert result.returncode == 0
    assert result.stdout == TORCH_FIXED
    assert "Fixed 1 finding" in result.stderr
    assert not (tmp_path / "train.py").exists()


def test_a_notebook_on_standard_input_is_checked_and_fixed_as_a_notebook(tmp_path: Path) -> None:
    notebook = (ROOT / "examples" / "mnist_notebook.ipynb").read_text(encoding="utf-8")
    found = run_with_input("check", "--strict", "--stdin-filename", "nb.ipynb", cwd=tmp_path, text=notebook)
    assert finding_lines(found.stdout.replace(":cell 6", "")) == [("nb.ipynb", 1, 37, "NG001")]
    fixed = run_with_input("check", "--strict", "--fix", "--stdin-filename", "nb.ipynb", cwd=tmp_path, text=notebook)
    assert fixed.returncode == 0
    cells = json.loads(fixed.stdout)["cells"]
    assert any("tf.clip_by_value(y_conv, 1e-10, 1.0)" in "".join(cell["source"]) for cell in cells)
    assert json.loads(fixed.stdout)["metadata"] == json.loads(notebook)["metadata"]


def test_dash_with_other_paths_is_a_usage_error(tmp_path: Path) -> None:
    result = nanguard("check", "--strict", "-", "a.py", cwd=tmp_path)
    assert result.returncode == 2 and "standard input" in result.stderr


# ------------------------------------------------------------------------------------------
# Flags


def test_statistics_counts_findings_per_rule(tmp_path: Path) -> None:
    write(tmp_path / "a.py", TORCH_MODULE)
    write(tmp_path / "b.py", CLAMPED_AT_ZERO)
    result = nanguard("check", "--strict", "--statistics", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == "2\tNG001\t[*] log-argument-may-reach-zero\n"


def test_show_fixes_lists_what_fix_fixed_and_what_check_would(tmp_path: Path) -> None:
    write(tmp_path / "a.py", CLAMPED_AT_ZERO)
    shown = nanguard("check", "--strict", "--show-fixes", cwd=tmp_path)
    assert "    fix: Raise the lower bound to epsilon\n" in shown.stdout
    fixed = nanguard("check", "--strict", "--fix", "--show-fixes", cwd=tmp_path)
    assert fixed.stdout.startswith("Fixed 1 finding:\n- a.py:\n    1 × NG001 (log-argument-may-reach-zero)\n")


def test_quiet_prints_the_findings_only(tmp_path: Path) -> None:
    write(tmp_path / "a.py", TORCH_MODULE)
    result = nanguard("check", "--strict", "-q", cwd=tmp_path)
    assert len(result.stdout.splitlines()) == 1 and finding_lines(result.stdout)
    assert result.stderr == ""
    assert nanguard("check", "--strict", "--quiet", "--output-format", "concise", cwd=tmp_path).stdout == result.stdout


def test_fix_kind_chooses_which_fix_is_applied(tmp_path: Path) -> None:
    write(tmp_path / "a.py", SOFTMAX_LOG)
    stable = nanguard("check", "--strict", "--fix", "--fix-kind", "stable", cwd=tmp_path)
    assert stable.returncode == 0
    assert "torch.log_softmax(z, dim=-1)" in (tmp_path / "a.py").read_text()
    write(tmp_path / "b.py", SOFTMAX_LOG)
    write(tmp_path / "pyproject.toml", '[tool.nanguard]\nfix = "epsilon"\n')
    nanguard("check", "--strict", "--fix", "b.py", cwd=tmp_path)
    assert "torch.log(torch.softmax(z, dim=-1) + 1e-10)" in (tmp_path / "b.py").read_text()
    bad = nanguard("check", "--strict", "--fix-kind", "wrap", cwd=tmp_path)
    assert bad.returncode == 2


def test_an_existing_bound_is_raised_not_wrapped(tmp_path: Path) -> None:
    write(tmp_path / "a.py", CLAMPED_AT_ZERO)
    nanguard("check", "--strict", "--fix", cwd=tmp_path)
    assert (tmp_path / "a.py").read_text() == CLAMPED_AT_ZERO.replace("min=0", "min=1e-10")


def test_watch_checks_again_after_a_change(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "x = 1\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "nanguard", "check", "--strict", "--watch", "-q"], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": ""},
    )
    try:
        assert process.stderr is not None and process.stdout is not None
        while "Watching" not in process.stderr.readline():
            pass
        time.sleep(0.05)  # a new modification time, on file systems that count in coarse steps
        write(tmp_path / "a.py", TORCH_MODULE)
        line = process.stdout.readline()
        assert finding_lines(line) == [("a.py", 5, 13, "NG001")]
    finally:
        process.terminate()
        process.wait(timeout=30)


# ------------------------------------------------------------------------------------------
# Suppression


def test_add_noqa_silences_every_current_finding_and_ng100_sees_them_used(tmp_path: Path) -> None:
    write(tmp_path / "a.py", TORCH_MODULE + "\n\ndef other(q):\n    return q.exp().log()  # why\n")
    added = nanguard("check", "--strict", "--add-noqa", cwd=tmp_path)
    assert added.returncode == 0 and "Added 2 noqa directives." in added.stderr
    text = (tmp_path / "a.py").read_text()
    assert "torch.log(p).mean()  # noqa: NG001\n" in text and "q.exp().log()  # why  # noqa: NG001\n" in text
    assert nanguard("check", "--strict", "--extend-select", "NG100", cwd=tmp_path).returncode == 0
    assert nanguard("check", "--strict", "--add-noqa", cwd=tmp_path).stderr.strip() == "Added 0 noqa directives."


def test_ng100_reports_a_stale_noqa_and_fix_removes_it(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "import torch\nloss = torch.log(torch.clamp(p, min=1e-6))  # noqa: NG001\n")
    assert nanguard("check", "--strict", cwd=tmp_path).returncode == 0  # off by default
    write(tmp_path / "pyproject.toml", '[tool.nanguard]\nextend-select = ["NG100"]\n')
    found = nanguard("check", "--strict", cwd=tmp_path)
    assert finding_lines(found.stdout) == [("a.py", 2, 45, "NG100")]
    assert nanguard("check", "--strict", "--select", "NG001", "--fix", cwd=tmp_path).returncode == 0  # extend-select stays
    assert (tmp_path / "a.py").read_text() == "import torch\nloss = torch.log(torch.clamp(p, min=1e-6))\n"


def test_rule_ng100_has_a_page(tmp_path: Path) -> None:
    page = nanguard("rule", "NG100", cwd=tmp_path)
    assert page.returncode == 0 and page.stdout.startswith("# NG100: unused-noqa")
    assert "# ruff: noqa: NG001" in page.stdout and "--add-noqa" in page.stdout


# ------------------------------------------------------------------------------------------
# Configuration


def test_per_file_ignores_and_extend_exclude(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.nanguard]\nextend-exclude = ["gen"]\n'
          '[tool.nanguard.per-file-ignores]\n"tests/*" = ["NG001"]\n"conftest.py" = ["NG"]\n')
    for name in ("src/a.py", "tests/unit/test_a.py", "gen/b.py", "conftest.py"):
        write(tmp_path / name, TORCH_MODULE)
    assert [path for path, *_ in finding_lines(nanguard("check", "--strict", cwd=tmp_path).stdout)] == ["src/a.py"]


def test_gitignored_files_are_skipped_unless_told_otherwise(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".gitignore", "# generated\nbuild/\n*_gen.py\n!keep_gen.py\n/top.py\n")
    for name in ("src/a.py", "build/b.py", "src/c_gen.py", "src/keep_gen.py", "top.py", "src/top.py"):
        write(tmp_path / name, TORCH_MODULE)
    write(tmp_path / "src/.gitignore", "a.py\n")
    checked = {path for path, *_ in finding_lines(nanguard("check", "--strict", cwd=tmp_path).stdout)}
    assert checked == {"src/keep_gen.py", "src/top.py"}
    everything = {path for path, *_ in finding_lines(nanguard("check", "--strict", "--no-respect-gitignore", cwd=tmp_path).stdout)}
    assert len(everything) == 6
    write(tmp_path / "pyproject.toml", "[tool.nanguard]\nrespect-gitignore = false\n")
    assert len(finding_lines(nanguard("check", "--strict", cwd=tmp_path).stdout)) == 6


def test_config_names_a_file_or_gives_a_setting(tmp_path: Path) -> None:
    write(tmp_path / "a.py", TORCH_MODULE)
    write(tmp_path / "pyproject.toml", "[tool.nanguard]\nepsilon = 1e-3\n")
    write(tmp_path / "ci/nanguard.toml", "epsilon = 1e-5\n")
    assert "min=1e-5)" in nanguard("check", "--strict", "--diff", "--config", "ci/nanguard.toml", cwd=tmp_path).stdout
    assert "min=1e-7)" in nanguard("check", "--strict", "--diff", "--config", "epsilon = 1e-7", cwd=tmp_path).stdout
    missing = nanguard("check", "--strict", "--config", "nope.toml", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.toml: no such file" in missing.stderr


def test_an_unknown_key_is_reported_with_the_closest_valid_name(tmp_path: Path) -> None:
    write(tmp_path / "a.py", TORCH_MODULE)
    write(tmp_path / "pyproject.toml", '[tool.nanguard]\nper-file-ignore = {"a.py" = ["NG001"]}\n')
    result = nanguard("check", "--strict", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown setting `per-file-ignore`; did you mean `per-file-ignores`?" in result.stderr


# ------------------------------------------------------------------------------------------
# Files that do not parse


BROKEN = "import torch\n\ndef f(:\n    return 1\n\nloss = torch.log(torch.rand(3))\n"


def test_a_file_that_does_not_parse_gets_one_note_not_a_finding(tmp_path: Path) -> None:
    write(tmp_path / "a.py", BROKEN)
    write(tmp_path / "b.py", "import torch\n\ndef g(p):\n    return torch.log(p.clamp(min=1e-3)\n")
    result = nanguard("check", "--strict", cwd=tmp_path)
    assert finding_lines(result.stdout) == [("a.py", 6, 8, "NG001")]
    notes = [line for line in result.stdout.splitlines() if ": note: " in line]
    assert notes == [
        "a.py:3:7: note: SyntaxError: invalid syntax; the code around it may not have been checked",
        "b.py:4:21: note: SyntaxError: '(' was never closed; the code around it may not have been checked",
    ]
    assert "Found 1 finding" in result.stdout and "2 files only partly checked" in result.stdout
    records = json.loads(nanguard("check", "--strict", "--output-format", "json", cwd=tmp_path).stdout)
    assert [(r["path"], r["code"], r["severity"]) for r in records] == [
        ("a.py", "NG001", "warning"), ("a.py", None, "note"), ("b.py", None, "note")
    ]
    sarif = json.loads(nanguard("check", "--strict", "--output-format", "sarif", cwd=tmp_path).stdout)
    notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["level"] for n in notifications] == ["note", "note"]
    assert len(sarif["runs"][0]["results"]) == 1


def test_a_broken_file_alone_exits_zero(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "import torch\ny = torch.log(\n")
    result = nanguard("check", "--strict", cwd=tmp_path)
    assert result.returncode == 0
    assert "a.py:2:14: note: SyntaxError: '(' was never closed" in result.stdout


@pytest.mark.parametrize("fmt", ["github"])
def test_github_format_gives_the_note_as_a_notice(tmp_path: Path, fmt: str) -> None:
    write(tmp_path / "a.py", BROKEN)
    assert "::notice file=a.py,line=3,col=7,title=nanguard::SyntaxError" in nanguard("check", "--strict", "--output-format", fmt, cwd=tmp_path).stdout


def test_a_notebook_cell_that_does_not_parse_gets_a_note_naming_the_cell(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Notes"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["import torch\n", "%time x = 1\n", "p = torch.softmax(z, 0)"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["def f(:\n", "    return 1\n", "y = torch.log(torch.rand(3))"]},
    ]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"language_info": {"name": "python"}}, "cells": cells}
    write(tmp_path / "a.ipynb", json.dumps(notebook))
    result = nanguard("check", "--strict", cwd=tmp_path)
    assert "a.ipynb:cell 3:1:7: note: SyntaxError: invalid syntax" in result.stdout
    assert "a.ipynb:cell 3:3:5: NG001" in result.stdout
    (note,) = [r for r in json.loads(nanguard("check", "--strict", "--output-format", "json", cwd=tmp_path).stdout) if r["code"] is None]
    assert (note["cell"], note["line"], note["column"]) == (3, 1, 7)


def test_show_fixes_lists_fixed_notebooks_too(tmp_path: Path) -> None:
    write(tmp_path / "nb.ipynb", (ROOT / "examples" / "mnist_notebook.ipynb").read_text(encoding="utf-8"))
    fixed = nanguard("check", "--strict", "--fix", "--show-fixes", cwd=tmp_path)
    assert fixed.stdout.startswith("Fixed 1 finding:\n- nb.ipynb:\n    1 × NG001 (log-argument-may-reach-zero)\n")
