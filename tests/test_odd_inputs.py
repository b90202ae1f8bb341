"""Inputs a new user's machine throws at the command line: line endings of every kind, special
files, unreadable files and folders (as root and as an ordinary user), names with control
characters, symlink loops, malformed notebook cells. Each runs the real `nanguard` process."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine_helpers import write
from test_cli import finding_lines, nanguard

from nanguard.edits import apply_edits
from nanguard.engine import analyze, fix_all

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PYTHON_EXAMPLES = [path for path in sorted(EXAMPLES.glob("*.py")) if analyze(path.read_text())]
"""The examples with findings: their positions are what the line endings must not move."""

LINE_ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


def with_endings(text: str, ending: str) -> str:
    return text.replace("\n", ending)


def mixed_endings(text: str) -> str:
    """Every line of `text` ends in the next of LF, CR, CRLF in turn (a CR is never followed by
    the next line's LF, which would make one CRLF of two line endings)."""
    lines = text.split("\n")
    endings = ["\n", "\r", "\r\n"]
    return "".join(line + endings[index % 3] for index, line in enumerate(lines[:-1])) + lines[-1]


def positions(text: str) -> list[tuple[int, int, int, int]]:
    return [(f.span.start.line, f.span.start.column, f.span.end.line, f.span.end.column) for f in analyze(text)]


# ------------------------------------------------------------------------------------------
# Line endings


@pytest.mark.parametrize("example", PYTHON_EXAMPLES, ids=lambda path: path.name)
@pytest.mark.parametrize("convert", [*LINE_ENDINGS, "mixed"])
def test_every_line_ending_gives_the_findings_of_lf(example: Path, convert: str) -> None:
    lf = example.read_text()
    text = mixed_endings(lf) if convert == "mixed" else with_endings(lf, LINE_ENDINGS[convert])
    assert positions(text) == positions(lf)
    for finding in analyze(text):  # the span covers the call's characters, wherever the lines end
        start = len(text.splitlines(keepends=True)[finding.span.start.line][: finding.span.start.column])
        assert text.splitlines()[finding.span.start.line][start:].startswith(finding.message.split("`")[1][:6])


@pytest.mark.parametrize("example", PYTHON_EXAMPLES, ids=lambda path: path.name)
@pytest.mark.parametrize("ending", ["crlf", "cr", "mixed"])
def test_fixes_keep_line_endings_and_match_lf(example: Path, ending: str) -> None:
    lf = example.read_text()
    text = mixed_endings(lf) if ending == "mixed" else with_endings(lf, LINE_ENDINGS[ending])
    fixed_lf, count_lf = fix_all(lf)
    fixed, count = fix_all(text)
    assert count == count_lf > 0
    assert fixed.replace("\r\n", "\n").replace("\r", "\n") == fixed_lf
    if ending != "mixed":  # every line ending in the fixed text is the file's own
        assert fixed.count(LINE_ENDINGS[ending]) == fixed_lf.count("\n")
    for finding in analyze(text):  # each fix applies at the finding, in this text
        for fix in finding.fixes:
            applied = apply_edits(text, fix.edits)
            assert applied.replace("\r\n", "\n").replace("\r", "\n").count("\n") >= lf.count("\n")


def test_lone_cr_file_on_the_command_line(tmp_path: Path) -> None:
    lf = (EXAMPLES / "tf_mnist_softmax.py").read_text()
    write(tmp_path / "lf.py", lf)
    write(tmp_path / "cr.py", with_endings(lf, "\r").encode())
    write(tmp_path / "mixed.py", mixed_endings(lf).encode())
    result = nanguard("check", "--strict", "--no-jedi", ".", cwd=tmp_path)
    found = finding_lines(result.stdout)
    by_file = {name: [line[1:] for line in found if line[0] == name] for name in ("lf.py", "cr.py", "mixed.py")}
    assert by_file["lf.py"] and by_file["cr.py"] == by_file["lf.py"] == by_file["mixed.py"]

    fixed = nanguard("check", "--strict", "--no-jedi", "--fix", "cr.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    data = (tmp_path / "cr.py").read_bytes()
    assert b"\n" not in data and data.count(b"\r") >= lf.count("\n")


def test_diff_keeps_form_feeds_inside_lines(tmp_path: Path) -> None:
    write(tmp_path / "ff.py", "import numpy as np\n\x0c\ndef f(x):  # \x0c page\n    return np.log(x)\n")
    result = nanguard("check", "--strict", "--no-jedi", "--diff", "ff.py", cwd=tmp_path)
    assert "No newline" not in result.stdout
    patched = subprocess.run(["patch", "-p1", "--dry-run"], input=result.stdout.encode(), cwd=tmp_path, capture_output=True) if shutil.which("patch") else None
    assert patched is None or patched.returncode == 0, patched.stdout


# ------------------------------------------------------------------------------------------
# Special files


def test_fifo_named_on_the_command_line_is_refused_without_hanging(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    write(tmp_path / "ok.py", "import numpy as np\nnp.log(0)\n")
    result = nanguard("check", "--strict", "--no-jedi", "pipe.py", "ok.py", cwd=tmp_path)  # times out if it opens the pipe
    assert result.returncode == 2
    assert "pipe.py: error: a named pipe (FIFO), not a regular file; not checked" in result.stderr
    assert [line[0] for line in finding_lines(result.stdout)] == ["ok.py"]


def test_devices_and_sockets_are_refused(tmp_path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock.py"))
    try:
        result = nanguard("check", "--strict", "/dev/null", "sock.py", cwd=tmp_path)
    finally:
        server.close()
    assert result.returncode == 2
    assert "/dev/null: error: a character device, not a regular file" in result.stderr
    assert "sock.py: error: a socket, not a regular file" in result.stderr


def test_symlink_loop_and_dangling_link_are_named(tmp_path: Path) -> None:
    (tmp_path / "loop.py").symlink_to("loop.py")
    (tmp_path / "gone.py").symlink_to("missing.py")
    result = nanguard("check", "--strict", "loop.py", "gone.py", "absent.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "loop.py: error: a symlink loop" in result.stderr
    assert "gone.py: error: a symlink to a missing file" in result.stderr
    assert "absent.py: error: no such file or folder" in result.stderr


# ------------------------------------------------------------------------------------------
# Permissions, as the user running the tests and as an ordinary user


AS_NOBODY = """
import os, sys
import hashlib, tempfile, tokenize
import nanguard.cli, nanguard.engine, nanguard.report.text, nanguard.suppression, nanguard.syntax
# Load what a check needs while the interpreter's files are readable (the command line imports
# the engine only once it has a file to analyse, and the cache's and the reader's helpers only
# once it reads or writes one): one analysis runs the engine's lazy imports.
nanguard.cli.build_parser()
nanguard.engine.analyze("import numpy as np\\nnp.log(0)\\n")
os.setgroups([]); os.setgid(65534); os.setuid(65534)
sys.exit(nanguard.cli.main(sys.argv[1:]))
"""
"""The command line as `nobody`: started as root (whose interpreter nobody may not reach),
dropping privileges before it looks at any file."""


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder every user may enter (pytest's are private to the user running the tests)."""
    folder = Path(tempfile.mkdtemp(prefix="nanguard-perm-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


def run_as(user: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if user == "self":
        return nanguard(*args, cwd=folder)
    command = [sys.executable, "-c", AS_NOBODY, *args]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=60)


USERS = [
    "self",
    pytest.param("nobody", marks=pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to drop to nobody")),
]


@pytest.mark.parametrize("user", USERS)
def test_unreadable_files_and_folders_are_reported_by_name(shared_folder: Path, user: str) -> None:
    write(shared_folder / "ok.py", "import numpy as np\nnp.log(0)\n")
    write(shared_folder / "closed/inside.py")
    write(shared_folder / "unlisted/hidden.py")
    write(shared_folder / "secret.py")
    (shared_folder / "closed").chmod(0)
    (shared_folder / "unlisted").chmod(0o311)
    (shared_folder / "secret.py").chmod(0)
    result = run_as(user, shared_folder, "check", "--strict", "--no-jedi", ".", "closed/inside.py", "secret.py")
    denied = user == "nobody" or os.geteuid() != 0
    assert "Traceback" not in result.stderr
    assert [line[0] for line in finding_lines(result.stdout)] == ["ok.py"]
    if not denied:  # root reads everything
        assert result.returncode == 1, result.stderr
        return
    assert result.returncode == 2
    errors = sorted(line for line in result.stderr.splitlines() if ": error: " in line)
    assert errors == [
        "closed/inside.py: error: permission denied (a folder on its path cannot be entered)",
        "closed: error: cannot list folder: Permission denied",
        "secret.py: error: cannot read: Permission denied",
        "unlisted: error: cannot list folder: Permission denied",
    ]


# ------------------------------------------------------------------------------------------
# Names and notebooks


@pytest.mark.parametrize("output_format", ["text", "github", "json", "sarif"])
def test_control_characters_in_names_are_escaped(tmp_path: Path, output_format: str) -> None:
    name = "new\nline\x1b[31m.py"
    write(tmp_path / name, "import numpy as np\nnp.log(0)\n")
    write(tmp_path / "bad\tname.py", b"x = '\xff'\n")
    result = nanguard("check", "--strict", "--no-jedi", "--output-format", output_format, ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "\x1b" not in result.stdout + result.stderr
    assert "bad\\tname.py: error: " in result.stderr
    if output_format == "text":
        assert result.stdout.splitlines()[0].startswith("new\\nline\\x1b[31m.py:2:1: NG001 ")
    elif output_format == "github":
        assert result.stdout.splitlines()[0].startswith("::warning file=new%0Aline\\x1b[31m.py,line=2,")
    elif output_format == "json":  # exact, since JSON escapes: tools get the real name
        assert json.loads(result.stdout)[0]["path"] == name
    else:
        assert "new%0Aline%1B" in result.stdout


def test_diff_header_names_are_escaped(tmp_path: Path) -> None:
    write(tmp_path / "a\nb.py", "import numpy as np\nnp.log(0)\n")
    result = nanguard("check", "--strict", "--no-jedi", "--diff", ".", cwd=tmp_path)
    assert result.stdout.startswith("--- a/a\\nb.py\n+++ b/a\\nb.py\n")


def test_cell_type_of_the_wrong_type_says_so(tmp_path: Path) -> None:
    notebook = {"cells": [{"cell_type": ["code"], "source": "x = 1", "metadata": {}}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write(tmp_path / "nb.ipynb", json.dumps(notebook))
    result = nanguard("check", "--strict", "nb.ipynb", cwd=tmp_path)
    assert result.returncode == 2
    assert 'nb.ipynb: error: cell 1: `cell_type` must be a string such as "code", not an array' in result.stderr
