"""`nanguard` as users run it: a separate process, real files, every output format and exit code.

Messages may still be reworded by the engine, so assertions pin positions, codes, function
names and fixed text, and only look for the key words of messages.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine_helpers import write

from nanguard.rules import RULES

TORCH_MODULE = """\
import torch


def loss(p):
    return -torch.log(p).mean()
"""
TORCH_FIXED = TORCH_MODULE.replace("torch.log(p)", "torch.log(torch.clamp(p, min=1e-10))")

TF_MODULE = """\
import tensorflow as tf


def cross_entropy(logits, y_):
    y_conv = tf.nn.softmax(logits)
    return -tf.reduce_sum(y_ * tf.log(y_conv))
"""

SAFE_MODULE = """\
import numpy as np
import wandb


def entropy(p):
    wandb.log({"p": p})
    return -np.sum(p * np.log(np.clip(p, 1e-10, None)))
"""


def nanguard(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line in its own process, exactly as a user or CI would.

    Output is decoded as UTF-8 but line endings are kept, so CRLF in a diff stays visible.
    """
    environment = {**os.environ, "NO_COLOR": "", **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "nanguard", *args], cwd=cwd, env=environment, capture_output=True, timeout=120
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    )


FINDING_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<code>NG\d{3}) (?P<message>.+)$")


def finding_lines(stdout: str) -> list[tuple[str, int, int, str]]:
    found = []
    for line in stdout.splitlines():
        match = FINDING_LINE.match(line)
        if match:
            found.append((match["path"], int(match["line"]), int(match["column"]), match["code"]))
    return found


# ------------------------------------------------------------------------------------------
# Output formats


def test_text_output_positions_summary_and_exit_code(tmp_path: Path) -> None:
    write(tmp_path / "models/tf_model.py", TF_MODULE)
    write(tmp_path / "models/torch_model.py", TORCH_MODULE)
    write(tmp_path / "safe.py", SAFE_MODULE)

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert finding_lines(result.stdout) == [
        ("models/tf_model.py", 6, 32, "NG001"),
        ("models/torch_model.py", 5, 13, "NG001"),
    ]
    assert "softmax" in result.stdout.splitlines()[0]
    assert result.stdout.splitlines()[-1].startswith("Found 2 findings in 2 files (3 files checked)")
    assert "\033[" not in result.stdout
    assert result.stderr == ""


def test_no_findings_exits_zero(tmp_path: Path) -> None:
    write(tmp_path / "safe.py", SAFE_MODULE)

    result = nanguard("check", "--strict", "safe.py", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stdout == "No findings in 1 file.\n"


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    write(tmp_path / "m.py", "import torch\nγ = 'π'; y = torch.log(γ)\n")

    result = nanguard("check", "--strict", "--output-format", "json", cwd=tmp_path)

    (finding,) = json.loads(result.stdout)
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (2, 14, 2, 26)


def apply_json_fix(text: str, fix: dict) -> str:
    """Apply a fix from the JSON output the way another tool would: 1-based character positions."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    for edit in sorted(fix["edits"], key=lambda e: (e["line"], e["column"]), reverse=True):
        start, end = offset(edit["line"], edit["column"]), offset(edit["end_line"], edit["end_column"])
        text = text[:start] + edit["new_text"] + text[end:]
    return text


def test_json_output_is_the_documented_list(tmp_path: Path) -> None:
    write(tmp_path / "train.py", TORCH_MODULE)

    result = nanguard("check", "--strict", "--output-format", "json", cwd=tmp_path)

    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)
    assert list(finding) == ["path", "line", "column", "end_line", "end_column", "code", "severity",
                             "message", "function", "fix"]
    assert finding["path"] == "train.py"
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (5, 13, 5, 25)
    assert finding["code"] == "NG001"
    assert finding["severity"] == "warning"
    assert finding["function"] == "torch.log"
    assert "torch.log(p)" in finding["message"]
    assert finding["fix"]["title"]
    assert apply_json_fix(TORCH_MODULE, finding["fix"]) == TORCH_FIXED


def test_json_output_for_a_clean_tree_is_an_empty_list(tmp_path: Path) -> None:
    write(tmp_path / "safe.py", SAFE_MODULE)

    result = nanguard("check", "--strict", "--output-format", "json", cwd=tmp_path)

    assert (result.returncode, json.loads(result.stdout)) == (0, [])


def test_sarif_output(tmp_path: Path) -> None:
    write(tmp_path / "src/train.py", TF_MODULE)

    result = nanguard("check", "--strict", "--output-format", "sarif", cwd=tmp_path)

    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == list(RULES)
    (sarif_result,) = run["results"]
    assert sarif_result["ruleId"] == "NG001"
    location = sarif_result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/train.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 6, "startColumn": 32, "endLine": 6, "endColumn": 46}
    assert sarif_result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert sarif_result["fixes"][0]["artifactChanges"][0]["replacements"]


def test_github_annotations(tmp_path: Path) -> None:
    write(tmp_path / "train.py", TORCH_MODULE)

    result = nanguard("check", "--strict", "--output-format", "github", cwd=tmp_path)

    assert result.returncode == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("::warning file=train.py,line=5,col=13,endLine=5,endColumn=25,title=NG001::")
    assert "torch.log(p)" in line


def test_findings_are_sorted_by_path_and_position(tmp_path: Path) -> None:
    body = "import numpy as np\n" + "".join(f"y{i} = np.log(x{i})\n" for i in range(5))
    for name in ("b.py", "a.py", "c/a.py"):
        write(tmp_path / name, body)

    result = nanguard("check", "--strict", "--output-format", "json", cwd=tmp_path)

    keys = [(f["path"], f["line"]) for f in json.loads(result.stdout)]
    assert keys == sorted(keys)
    assert len(keys) == 15


def test_colour_only_when_asked_or_on_a_terminal(tmp_path: Path) -> None:
    write(tmp_path / "train.py", TORCH_MODULE)

    assert "\033[" in nanguard("check", "--strict", "--color", "always", cwd=tmp_path).stdout
    assert "\033[" not in nanguard("check", "--strict", cwd=tmp_path).stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_on_a_terminal_colour_follows_no_color_and_a_large_tree_shows_progress(tmp_path: Path) -> None:
    import pty

    for index in range(520):
        write(tmp_path / f"pkg{index // 100}/m{index}.py", "x = 1\n")
    write(tmp_path / "train.py", TORCH_MODULE)

    def on_terminal(env: dict[str, str]) -> str:
        controller, terminal = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "nanguard", "check", "--strict", "--jobs", "1"],
            cwd=tmp_path, env={**os.environ, **env}, stdout=terminal, stderr=terminal,
        )
        os.close(terminal)
        output = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        process.wait(timeout=120)
        os.close(controller)
        return output.decode()

    coloured = on_terminal({"NO_COLOR": ""})
    assert "\033[" in coloured
    assert "521/521 files" in coloured
    assert "\033[K" in coloured
    assert "\033[1m" not in on_terminal({"NO_COLOR": "1"})


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    for index in range(520):
        write(tmp_path / f"m{index}.py", "x = 1\n")

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stderr == ""


# ------------------------------------------------------------------------------------------
# --fix and --diff


def test_fix_writes_the_default_fix_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "train.py", TORCH_MODULE)

    first = nanguard("check", "--strict", "--fix", cwd=tmp_path)

    assert first.returncode == 0, first.stdout + first.stderr
    assert path.read_text() == TORCH_FIXED
    assert "Fixed 1 finding in 1 file" in first.stdout
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))

    second = nanguard("check", "--strict", "--fix", cwd=tmp_path)

    assert second.returncode == 0
    assert path.read_text() == TORCH_FIXED
    assert path.stat().st_mtime_ns == 1_000_000_000, "an unchanged file must not be rewritten"
    assert second.stdout == "No findings in 1 file.\n"


def test_fix_keeps_crlf_line_endings(tmp_path: Path) -> None:
    path = write(tmp_path / "train.py", TORCH_MODULE.replace("\n", "\r\n").encode())

    nanguard("check", "--strict", "--fix", cwd=tmp_path)

    assert path.read_bytes() == TORCH_FIXED.replace("\n", "\r\n").encode()


def test_fix_keeps_the_byte_order_mark(tmp_path: Path) -> None:
    path = write(tmp_path / "train.py", b"\xef\xbb\xbf" + TORCH_MODULE.encode())

    nanguard("check", "--strict", "--fix", cwd=tmp_path)

    assert path.read_bytes() == b"\xef\xbb\xbf" + TORCH_FIXED.encode()


def test_fix_keeps_a_latin1_encoding_declared_by_a_coding_line(tmp_path: Path) -> None:
    original = "# -*- coding: latin-1 -*-\n# Entropie für Wahrscheinlichkeiten\n" + TORCH_MODULE
    path = write(tmp_path / "train.py", original.encode("latin-1"))

    result = nanguard("check", "--strict", "--fix", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    expected = "# -*- coding: latin-1 -*-\n# Entropie für Wahrscheinlichkeiten\n" + TORCH_FIXED
    assert path.read_bytes() == expected.encode("latin-1")


def test_fix_keeps_the_file_mode(tmp_path: Path) -> None:
    path = write(tmp_path / "train.py", TORCH_MODULE)
    path.chmod(0o750)

    nanguard("check", "--strict", "--fix", cwd=tmp_path)

    assert path.stat().st_mode & 0o777 == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


def test_fix_reports_what_it_could_not_fix(tmp_path: Path) -> None:
    write(tmp_path / "train.py", TORCH_MODULE)
    write(tmp_path / "other.py", TF_MODULE)

    result = nanguard("check", "--strict", "--fix", "--output-format", "json", cwd=tmp_path)

    assert json.loads(result.stdout) == []
    assert result.returncode == 0
    assert "tf.clip_by_value(y_conv, 1e-10, 1.0)" in (tmp_path / "other.py").read_text()


def test_diff_prints_the_fixes_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "pkg/train.py", TORCH_MODULE.replace("\n", "\r\n").encode())
    before = path.read_bytes()

    result = nanguard("check", "--strict", "--diff", cwd=tmp_path)

    assert result.returncode == 1
    assert path.read_bytes() == before
    assert result.stdout.startswith("--- a/pkg/train.py\n+++ b/pkg/train.py\n@@ ")
    assert "-    return -torch.log(p).mean()\r\n" in result.stdout
    assert "+    return -torch.log(torch.clamp(p, min=1e-10)).mean()\r\n" in result.stdout
    assert "Would fix 1 finding in 1 of 1 files." in result.stderr


def test_diff_applies_with_patch(tmp_path: Path) -> None:
    if not _have("patch"):
        pytest.skip("patch is not installed")
    path = write(tmp_path / "train.py", TORCH_MODULE)
    diff = nanguard("check", "--strict", "--diff", cwd=tmp_path).stdout

    subprocess.run(["patch", "-p1", "--quiet"], input=diff, text=True, cwd=tmp_path, check=True)

    assert path.read_text() == TORCH_FIXED


def _have(tool: str) -> bool:
    from shutil import which

    return which(tool) is not None


def test_diff_of_a_clean_tree_is_empty_and_exits_zero(tmp_path: Path) -> None:
    write(tmp_path / "safe.py", SAFE_MODULE)

    result = nanguard("check", "--strict", "--diff", cwd=tmp_path)

    assert (result.returncode, result.stdout) == (0, "")


def test_fix_and_diff_together_is_a_usage_error(tmp_path: Path) -> None:
    result = nanguard("check", "--strict", "--fix", "--diff", cwd=tmp_path)

    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


# ------------------------------------------------------------------------------------------
# Exit codes, options and configuration


def test_exit_zero_still_reports(tmp_path: Path) -> None:
    write(tmp_path / "train.py", TORCH_MODULE)

    result = nanguard("check", "--strict", "--exit-zero", cwd=tmp_path)

    assert result.returncode == 0
    assert finding_lines(result.stdout) == [("train.py", 5, 13, "NG001")]


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--output-format", "xml"],
        ["check", "--select", "NG999"],
        ["check", "--epsilon", "-1"],
        ["check", "--epsilon", "tiny"],
        ["check", "--jobs", "0"],
        ["check", "--no-such-option"],
        ["frobnicate"],
        [],
    ],
)
def test_usage_errors_exit_two_with_a_message(tmp_path: Path, args: list[str]) -> None:
    result = nanguard(*args, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr


def test_missing_path_is_reported_and_the_rest_still_checked(tmp_path: Path) -> None:
    write(tmp_path / "train.py", TORCH_MODULE)

    result = nanguard("check", "--strict", "train.py", "missing.py", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == "missing.py: error: no such file or folder\n"
    assert finding_lines(result.stdout) == [("train.py", 5, 13, "NG001")]


def test_a_tree_without_python_files_is_clean_but_says_so(tmp_path: Path) -> None:
    write(tmp_path / "README.md", "# log everything\n")

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 0
    assert "no Python files" in result.stderr


def test_ignore_and_select_options(tmp_path: Path) -> None:
    write(tmp_path / "train.py", TORCH_MODULE)

    assert nanguard("check", "--strict", "--ignore", "NG001", cwd=tmp_path).returncode == 0
    assert nanguard("check", "--strict", "--ignore", "NG", cwd=tmp_path).returncode == 0
    assert nanguard("check", "--strict", "--select", "NG001", cwd=tmp_path).returncode == 1
    assert nanguard("check", "--strict", "--select", "ALL", cwd=tmp_path).returncode == 1


def test_exclude_option_is_relative_to_the_working_folder(tmp_path: Path) -> None:
    write(tmp_path / "src/train.py", TORCH_MODULE)
    write(tmp_path / "src/generated/ops.py", TORCH_MODULE)
    write(tmp_path / "legacy.py", TORCH_MODULE)

    result = nanguard("check", "--strict", "--exclude", "src/generated,legacy.py", cwd=tmp_path)

    assert [line[0] for line in finding_lines(result.stdout)] == ["src/train.py"]


def test_configuration_from_the_nearest_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "demo"\n\n[tool.nanguard]\nepsilon = 1e-6\n'
                                        'exclude = ["vendored"]\n')
    write(tmp_path / "src/train.py", TORCH_MODULE)
    write(tmp_path / "src/vendored/thirdparty.py", TORCH_MODULE)
    write(tmp_path / "quiet/pyproject.toml", "[tool.nanguard]\nignore = [\"NG001\"]\n")
    write(tmp_path / "quiet/train.py", TORCH_MODULE)

    result = nanguard("check", "--strict", "--output-format", "json", cwd=tmp_path)

    (finding,) = json.loads(result.stdout)
    assert finding["path"] == "src/train.py"
    assert re.search(r"min=1e-0?6\)", apply_json_fix(TORCH_MODULE, finding["fix"]))


def test_configuration_applies_when_run_from_a_subfolder_and_options_override_it(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.nanguard]\nepsilon = 1e-6\n")
    write(tmp_path / "src/train.py", TORCH_MODULE)

    from_subfolder = nanguard("check", "--strict", "--output-format", "json", cwd=tmp_path / "src")
    overridden = nanguard("check", "--strict", "--output-format", "json", "--epsilon", "1e-3", cwd=tmp_path / "src")

    assert re.search(r"min=1e-0?6\)", apply_json_fix(TORCH_MODULE, json.loads(from_subfolder.stdout)[0]["fix"]))
    assert re.search(r"min=(1e-0?3|0\.001)\)", apply_json_fix(TORCH_MODULE, json.loads(overridden.stdout)[0]["fix"]))


def test_invalid_configuration_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.nanguard]\nepsilon = -1\n")
    write(tmp_path / "train.py", TORCH_MODULE)

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 2
    assert "pyproject.toml" in result.stderr and "epsilon" in result.stderr
    assert "Traceback" not in result.stderr


BULKY_MODULE = "WIDTH = 3\n" + "".join(f"# {'padding ' * 120}\n" for _ in range(50))
"""About 50 kB without a log: read and skipped without a parse; no part of the work a process pool would share."""


def test_parallel_and_serial_runs_give_the_same_output(tmp_path: Path) -> None:
    for index in range(120):
        write(tmp_path / f"pkg{index % 7}/m{index}.py", TORCH_MODULE if index % 9 == 0 else BULKY_MODULE)

    serial = nanguard("check", "--strict", "--jobs", "1", "--output-format", "json", cwd=tmp_path)
    parallel = nanguard("check", "--strict", "--jobs", "4", "--output-format", "json", cwd=tmp_path)

    assert serial.returncode == parallel.returncode == 1
    assert len(json.loads(serial.stdout)) == 14
    assert parallel.stdout == serial.stdout


def test_a_process_pool_only_for_enough_work_left_by_screening_and_with_the_same_outcomes(tmp_path: Path, monkeypatch) -> None:
    import nanguard.cli as cli
    from nanguard.report.progress import ProgressBar
    from nanguard.settings import Settings

    paths = [write(tmp_path / f"m{i}.py", TORCH_MODULE if i % 3 == 0 else BULKY_MODULE * 7) for i in range(24)]
    jobs = [cli.FileJob(str(path), path.name, Settings(strict=True), cli.Mode.CHECK) for path in paths]
    screening = cli.screen(jobs, None)
    assert len(screening.work) == 8 and len(screening.known) == 16  # the bulky files need no analysis
    assert screening.work_bytes == 8 * len(TORCH_MODULE.encode())
    monkeypatch.setattr(cli, "PARALLEL_MIN_BYTES", screening.work_bytes)  # a threshold small files reach

    def outcomes(workers: int) -> list:
        progress = ProgressBar(len(jobs), sys.stderr, enabled=False)
        found = cli.screen(jobs, None)
        return sorted([*found.known, *cli.run_jobs(found, workers, progress)], key=lambda outcome: outcome.display)

    assert cli.worth_a_pool(screening.work_bytes, len(screening.work), 2)
    assert not cli.worth_a_pool(screening.work_bytes - 1, len(screening.work), 2)
    assert not cli.worth_a_pool(screening.work_bytes, len(screening.work), 1)
    assert not cli.worth_a_pool(screening.work_bytes, 1, 2)
    pooled = outcomes(2)
    assert pooled == outcomes(1)
    assert sum(len(outcome.findings) for outcome in pooled) == 8


# ------------------------------------------------------------------------------------------
# Bad input


def test_undecodable_file_is_one_line_on_stderr_and_the_others_are_still_checked(tmp_path: Path) -> None:
    write(tmp_path / "latin.py", "import torch\nname = 'café'\ny = torch.log(p)\n".encode("latin-1"))
    write(tmp_path / "train.py", TORCH_MODULE)

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 2
    (error,) = result.stderr.splitlines()
    assert error.startswith("latin.py: error: ") and "0xe9" in error and "line 2" in error
    assert finding_lines(result.stdout) == [("train.py", 5, 13, "NG001")]


def test_latin1_with_coding_line_is_analysed(tmp_path: Path) -> None:
    write(tmp_path / "latin.py", "# coding: latin-1\nimport torch\nname = 'café'; y = torch.log(p)\n".encode("latin-1"))

    result = nanguard("check", "--strict", "--output-format", "json", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    (finding,) = json.loads(result.stdout)
    assert (finding["line"], finding["column"], finding["function"]) == (3, 20, "torch.log")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"import torch\nx = torch.log(p)\0\n", "NUL byte"),
        ("x = 1\n".encode("utf-16"), "NUL byte"),
        (b"# -*- coding: klingon -*-\nx = 1\n", "unknown encoding"),
    ],
    ids=["nul", "utf-16", "unknown-encoding"],
)
def test_files_python_could_not_read_either_are_reported(tmp_path: Path, content: bytes, words: str) -> None:
    write(tmp_path / "bad.py", content)
    write(tmp_path / "train.py", TORCH_MODULE)

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 2
    (error,) = result.stderr.splitlines()
    assert error.startswith("bad.py: error: ") and words in error
    assert finding_lines(result.stdout) == [("train.py", 5, 13, "NG001")]


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(tmp_path: Path) -> None:
    write(tmp_path / "secret.py", TORCH_MODULE).chmod(0)
    write(tmp_path / "train.py", TORCH_MODULE)

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == "secret.py: error: cannot read: Permission denied\n"
    assert finding_lines(result.stdout) == [("train.py", 5, 13, "NG001")]


def test_empty_file(tmp_path: Path) -> None:
    write(tmp_path / "empty.py", "")

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert (result.returncode, result.stderr) == (0, "")


def test_a_hundred_thousand_line_file(tmp_path: Path) -> None:
    filler = "".join(f"value_{i} = compute(value_{i - 1}, {i})  # log entry\n" for i in range(1, 100_000))
    write(tmp_path / "huge.py", "import torch\n" + filler + "y = torch.log(p)\n")

    result = nanguard("check", "--strict", "--output-format", "json", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    (finding,) = json.loads(result.stdout)
    assert (finding["line"], finding["column"]) == (100_001, 5)


@pytest.mark.parametrize(
    "argument",
    [
        "(" * 5000 + "p" + ")" * 5000,
        "+".join(["p"] * 5000),
        "[" * 5000 + "p" + "]" * 5000,
        "-" * 5000 + "p",
        "torch.log(" * 3000 + "p" + ")" * 3000,
    ],
    ids=["parentheses", "sum", "lists", "unary", "log-calls"],
)
def test_expressions_nested_thousands_deep_never_crash(tmp_path: Path, argument: str) -> None:
    write(tmp_path / "deep.py", f"import torch\n\n\ndef f(p):\n    return torch.log({argument})\n")
    write(tmp_path / "train.py", TORCH_MODULE)

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert "Traceback" not in result.stderr
    assert all(line.startswith("deep.py: error: ") for line in result.stderr.splitlines())
    assert ("train.py", 5, 13, "NG001") in finding_lines(result.stdout)


def test_notebook_exported_as_python_with_magics(tmp_path: Path) -> None:
    write(tmp_path / "notebook.py", "# %%\n%matplotlib inline\n!pip install torch\nimport torch\n\n"
                                    "# %%\nloss = -torch.log(p).mean()\n")

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert finding_lines(result.stdout) == [("notebook.py", 7, 9, "NG001")]


def test_analysed_code_is_never_executed(tmp_path: Path) -> None:
    write(tmp_path / "evil.py", "import os\nimport torch\nos.system('touch pwned')\ny = torch.log(p)\n"
                                "raise SystemExit(3)\n")
    write(tmp_path / "helper.py", "from evil import *\n")

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 1
    assert not (tmp_path / "pwned").exists()


# ------------------------------------------------------------------------------------------
# Other commands


def test_rule_prints_the_rule_page(tmp_path: Path) -> None:
    result = nanguard("rule", "ng001", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stdout == RULES["NG001"].explanation()


def test_rule_all_prints_every_page(tmp_path: Path) -> None:
    result = nanguard("rule", "--all", cwd=tmp_path)

    assert result.returncode == 0
    assert all(rule.explanation() in result.stdout for rule in RULES.values())


@pytest.mark.parametrize("args", [["rule", "NG999"], ["rule"], ["rule", "NG001", "--all"]])
def test_rule_usage_errors(tmp_path: Path, args: list[str]) -> None:
    result = nanguard(*args, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.startswith("nanguard: error: ")


def test_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = nanguard("--version", cwd=tmp_path)

    assert (result.returncode, result.stdout) == (0, f"nanguard {version('nanguard')}\n")


def test_console_script_is_the_same_command(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("nanguard")
    if not script.exists():
        pytest.skip("the package is not installed with its console script")
    write(tmp_path / "train.py", TORCH_MODULE)

    by_script = subprocess.run([str(script), "check", "--strict"], cwd=tmp_path, capture_output=True, text=True)

    by_module = nanguard("check", "--strict", cwd=tmp_path)
    assert (by_script.returncode, by_script.stdout) == (by_module.returncode, by_module.stdout)
    assert finding_lines(by_script.stdout) == [("train.py", 5, 13, "NG001")]


def test_check_does_not_import_the_language_server(tmp_path: Path) -> None:
    write(tmp_path / "train.py", TORCH_MODULE)
    probe = (
        "import sys\nfrom nanguard.cli import main\ncode = main(['check', '--strict', '--jobs', '1'])\n"
        "assert not any(m.split('.')[0] in ('pygls', 'lsprotocol') for m in sys.modules), sorted(sys.modules)\n"
        "sys.exit(code)\n"
    )

    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)

    assert result.returncode == 1, result.stderr


def test_server_subcommand_hands_its_arguments_to_the_language_server(tmp_path: Path) -> None:
    result = nanguard("server", "--help", cwd=tmp_path)

    try:
        from nanguard import lsp  # noqa: F401
    except ImportError:
        assert result.returncode == 2
        assert "language server is not available" in result.stderr
        return
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout.lower()
