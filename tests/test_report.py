"""Output formats, rendered from findings built by hand so every field and conversion is pinned."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nanguard.model import Finding, Fix, FixKind, Position, Related, Span, TextEdit
from nanguard.report import FileProblem, PathFinding, Run, render
from nanguard.report.diff import unified_diff
from nanguard.report.github import escape_data, escape_property
from nanguard.report.progress import ProgressBar
from nanguard.report.text import summary
from nanguard.rules import RULES


def span(line: int, column: int, end_line: int, end_column: int) -> Span:
    return Span(Position(line, column), Position(end_line, end_column))


CLIP = Fix(
    FixKind.CLIP,
    "Clip argument with epsilon",
    (TextEdit(span(6, 34, 6, 40), "tf.clip_by_value(y_conv, 1e-10, 1.0)"),),
)
NOQA = Fix(FixKind.NOQA, "Disable NG001 for this line", (TextEdit(span(2, 17, 2, 17), "  # noqa: NG001"),))
SOFTMAX = Finding(
    "NG001",
    span(6, 27, 6, 41),
    "`tf.log(y_conv)`: `y_conv` is a softmax output (line 5)",
    "tensorflow.log",
    (Related(span(4, 13, 4, 34), "`y_conv` is a softmax output here"),),
    (CLIP, NOQA),
)
UNFIXABLE = Finding("NG001", span(2, 4, 2, 16), "`torch.log(p)`: `p`, 100%: a, b", "torch.log")


def run_with(*items: PathFinding, problems: tuple[FileProblem, ...] = (), **counts: int | bool) -> Run:
    run = Run(findings=list(items), problems=list(problems), files_checked=3)
    for name, value in counts.items():
        setattr(run, name, value)
    return run


# ------------------------------------------------------------------------------------------
# JSON


def test_json_is_a_list_with_exactly_the_documented_keys_one_based() -> None:
    output = json.loads(render("json", run_with(PathFinding("src/train.py", SOFTMAX))))

    assert output == [
        {
            "path": "src/train.py",
            "line": 7,
            "column": 28,
            "end_line": 7,
            "end_column": 42,
            "code": "NG001",
            "severity": "warning",
            "message": SOFTMAX.message,
            "function": "tensorflow.log",
            "fix": {
                "title": "Clip argument with epsilon",
                "edits": [
                    {
                        "line": 7,
                        "column": 35,
                        "end_line": 7,
                        "end_column": 41,
                        "new_text": "tf.clip_by_value(y_conv, 1e-10, 1.0)",
                    }
                ],
            },
        }
    ]
    assert list(output[0]) == ["path", "line", "column", "end_line", "end_column", "code", "severity",
                               "message", "function", "fix"]


def test_json_fix_is_null_without_a_fix_and_empty_run_is_an_empty_list() -> None:
    assert json.loads(render("json", run_with(PathFinding("a.py", UNFIXABLE))))[0]["fix"] is None
    assert json.loads(render("json", run_with())) == []


def test_json_keeps_non_ascii_text_readable() -> None:
    finding = Finding("NG001", span(0, 0, 0, 5), "`np.log(größe)`", "numpy.log")
    assert "größe" in render("json", run_with(PathFinding("ü.py", finding)))


# ------------------------------------------------------------------------------------------
# Text


def test_text_lines_are_path_line_column_code_message() -> None:
    output = render("text", run_with(PathFinding("a.py", UNFIXABLE), PathFinding("src/train.py", SOFTMAX)))
    lines = output.splitlines()

    assert lines[0] == f"a.py:3:5: NG001 {UNFIXABLE.message}"
    assert lines[1] == f"src/train.py:7:28: NG001 {SOFTMAX.message}"
    assert lines[2] == summary(run_with(PathFinding("a.py", UNFIXABLE), PathFinding("src/train.py", SOFTMAX)))
    assert "\033[" not in output


def test_colour_wraps_but_does_not_change_the_characters() -> None:
    run = run_with(PathFinding("a.py", UNFIXABLE))
    coloured = render("text", run, color=True)
    plain = render("text", run, color=False)

    assert "\033[" in coloured
    assert _strip_ansi(coloured) == plain


def _strip_ansi(text: str) -> str:
    return re.sub(r"\033\[[0-9;]*m", "", text)


def test_summary_counts_findings_files_and_what_is_fixable() -> None:
    run = run_with(PathFinding("a.py", UNFIXABLE), PathFinding("b.py", SOFTMAX), PathFinding("b.py", SOFTMAX))
    assert summary(run) == "Found 3 findings in 2 files (3 files checked); 2 fixable with `nanguard check --fix`."


def test_a_noqa_comment_alone_does_not_count_as_fixable() -> None:
    only_noqa = Finding("NG001", span(2, 4, 2, 16), "m", "torch.log", (), (NOQA,))
    assert "fixable" not in summary(run_with(PathFinding("a.py", only_noqa)))


def test_summary_when_clean() -> None:
    assert summary(Run(files_checked=1)) == "No findings in 1 file."


def test_summary_after_fixing() -> None:
    all_fixed = run_with(fix_mode=True, fixes_applied=2, files_fixed=1)
    assert summary(all_fixed) == "Fixed 2 findings in 1 file; none remain."
    some_left = run_with(PathFinding("a.py", UNFIXABLE), fix_mode=True, fixes_applied=1, files_fixed=1)
    assert summary(some_left) == "Fixed 1 finding in 1 file; 1 finding in 1 file (3 files checked) remain."


def test_summary_mentions_files_that_could_not_be_analysed() -> None:
    run = run_with(problems=(FileProblem("bad.py", "cannot decode"),))
    assert summary(run).endswith("1 file could not be checked.")


# ------------------------------------------------------------------------------------------
# GitHub annotations


def test_github_annotation_for_each_finding_and_error() -> None:
    run = run_with(PathFinding("a.py", UNFIXABLE), problems=(FileProblem("bad,1.py", "cannot decode: 50%\nx"),))
    lines = render("github", run).splitlines()

    assert lines == [
        "::warning file=a.py,line=3,col=5,endLine=3,endColumn=17,title=NG001::`torch.log(p)`: `p`, 100%25: a, b",
        "::error file=bad%2C1.py,title=nanguard::cannot decode: 50%25%0Ax",
    ]


def test_github_escaping_rules() -> None:
    assert escape_data("a%b\r\nc: d, e") == "a%25b%0D%0Ac: d, e"
    assert escape_property("dir:a,b%\n") == "dir%3Aa%2Cb%25%0A"


# ------------------------------------------------------------------------------------------
# SARIF


def test_sarif_has_what_github_code_scanning_requires(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    document = json.loads(render("sarif", run_with(PathFinding("src/my train.py", SOFTMAX))))

    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("sarif-2.1.0.json")
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "nanguard"
    assert driver["version"]
    rule, unused_noqa = driver["rules"]
    assert unused_noqa["id"] == "NG100"
    assert unused_noqa["defaultConfiguration"] == {"level": "warning", "enabled": False}
    assert rule["id"] == "NG001"
    assert rule["helpUri"] == RULES["NG001"].url
    assert rule["shortDescription"]["text"] == RULES["NG001"].summary
    assert rule["fullDescription"]["text"].startswith("Finds calls of a tensor library's logarithm")
    assert rule["help"]["markdown"] == RULES["NG001"].explanation()
    assert rule["defaultConfiguration"] == {"level": "warning", "enabled": True}
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"

    (result,) = run["results"]
    assert result["ruleId"] == "NG001"
    assert result["ruleIndex"] == 0
    assert result["level"] == "warning"
    assert result["message"]["text"] == SOFTMAX.message
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/my%20train.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 7, "startColumn": 28, "endLine": 7, "endColumn": 42}
    assert result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 5
    replacement = result["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement == {
        "deletedRegion": {"startLine": 7, "startColumn": 35, "endLine": 7, "endColumn": 41},
        "insertedContent": {"text": "tf.clip_by_value(y_conv, 1e-10, 1.0)"},
    }
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_reports_files_that_could_not_be_analysed_and_absolute_paths_as_file_uris(tmp_path: Path) -> None:
    outside = str(tmp_path / "elsewhere.py")
    run = run_with(PathFinding(outside, UNFIXABLE), problems=(FileProblem("bad.py", "cannot decode"),))
    document = json.loads(render("sarif", run))

    (sarif_run,) = document["runs"]
    assert sarif_run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": Path(outside).as_uri()
    }
    assert "fixes" not in sarif_run["results"][0]
    invocation = sarif_run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["message"]["text"] == "cannot decode"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad.py"


# ------------------------------------------------------------------------------------------
# Diff and progress


def test_diff_is_unified_with_a_and_b_prefixes() -> None:
    diff = unified_diff("pkg/m.py", "x = log(p)\ny = 1\n", "x = log(clip(p))\ny = 1\n")
    assert diff == (
        "--- a/pkg/m.py\n+++ b/pkg/m.py\n@@ -1,2 +1,2 @@\n-x = log(p)\n+x = log(clip(p))\n y = 1\n"
    )


def test_diff_marks_a_missing_final_newline_and_keeps_crlf() -> None:
    assert "\\ No newline at end of file\n" in unified_diff("m.py", "x = log(p)", "x = log(q)")
    assert "-x = log(p)\r\n+x = log(q)\r\n" in unified_diff("m.py", "x = log(p)\r\n", "x = log(q)\r\n")


def test_no_diff_for_identical_text() -> None:
    assert unified_diff("m.py", "x\n", "x\n") == ""


class FakeTerminal:
    """A stream that records what the bar wrote (stands in for stderr, not for nanguard code)."""

    def __init__(self) -> None:
        self.written = ""

    def write(self, text: str) -> None:
        self.written += text

    def flush(self) -> None:
        pass


def test_progress_bar_draws_and_erases_itself_when_enabled() -> None:
    terminal = FakeTerminal()
    bar = ProgressBar(4, terminal, enabled=True)
    for _ in range(4):
        bar.advance()
    bar.close()

    assert "4/4 files" in terminal.written
    assert terminal.written.endswith("\r\033[K")


def test_progress_bar_writes_nothing_when_disabled() -> None:
    terminal = FakeTerminal()
    bar = ProgressBar(4, terminal, enabled=False)
    bar.advance(4)
    bar.close()
    assert terminal.written == ""
