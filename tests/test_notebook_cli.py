"""`nanguard check` on Jupyter notebooks, as users run it: findings named by cell in every output
format, --fix and --diff that touch only the edited cells' sources, broken notebooks, and the
`include` setting that decides which files a folder search picks up."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from nanguard.notebook.jsonscan import source_spans
from test_cli import TORCH_MODULE, nanguard, write

EXAMPLES = Path(__file__).parent.parent / "examples"
NOTEBOOK_LINE = re.compile(r"^(?P<path>[^:]+):cell (?P<cell>\d+):(?P<line>\d+):(?P<column>\d+): (?P<code>NG\d{3}) ")


def notebook_findings(stdout: str) -> list[tuple[str, int, int, int, str]]:
    return [
        (m["path"], int(m["cell"]), int(m["line"]), int(m["column"]), m["code"])
        for m in map(NOTEBOOK_LINE.match, stdout.splitlines())
        if m
    ]


def code(source: str | list[str], **fields: object) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source, **fields}


def markdown(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def lines(text: str) -> list[str]:
    return re.findall(r"[^\n]*\n|[^\n]+", text)


def notebook(*cells: dict, language: str = "python") -> dict:
    return {
        "cells": list(cells),
        "metadata": {"kernelspec": {"display_name": "K", "language": language, "name": "k"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


TRAIN = notebook(
    markdown("# Training\nThe loss turns to NaN."),
    code(lines("%matplotlib inline\nimport torch\nimport torch.nn.functional as F"), execution_count=1),
    code(lines("probs = F.softmax(logits, dim=1)"), execution_count=2,
         outputs=[{"name": "stdout", "output_type": "stream", "text": ["tensor([0.1, 0.9])\n"]}]),
    {"cell_type": "raw", "metadata": {}, "source": "torch.log(p)"},
    code(lines("!nvidia-smi\nloss = -(target * torch.log(probs)).sum()"), execution_count=3),
)


def write_notebook(path: Path, document: dict, **dump: object) -> Path:
    options = {"indent": 1, "ensure_ascii": False, **dump}
    return write(path, json.dumps(document, **options) + "\n")


# ------------------------------------------------------------------------------------------
# Findings and output formats


def test_the_bundled_notebook_is_checked_with_the_examples() -> None:
    result = nanguard("check", "--strict", "examples/", cwd=EXAMPLES.parent)

    assert result.returncode == 1, result.stderr
    assert notebook_findings(result.stdout) == [("examples/mnist_notebook.ipynb", 6, 1, 37, "NG001")]
    line = next(line for line in result.stdout.splitlines() if line.startswith("examples/mnist_notebook.ipynb"))
    assert "`tf.log(y_conv)`: `y_conv` is a softmax output (cell 5, line 6)" in line


def test_text_output_names_the_cell_counting_markdown_and_raw_cells(tmp_path: Path) -> None:
    write_notebook(tmp_path / "train.ipynb", TRAIN)
    write(tmp_path / "model.py", TORCH_MODULE)

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert notebook_findings(result.stdout) == [("train.ipynb", 5, 2, 19, "NG001")]
    assert "softmax output (cell 3, line 1)" in result.stdout
    assert "model.py:5:13: NG001" in result.stdout
    assert "Found 2 findings in 2 files (2 files checked)" in result.stdout


def test_json_gains_the_cell_for_notebooks_only(tmp_path: Path) -> None:
    write_notebook(tmp_path / "train.ipynb", TRAIN)
    write(tmp_path / "model.py", TORCH_MODULE)

    result = nanguard("check", "--strict", "--output-format", "json", cwd=tmp_path)

    in_module, in_notebook = json.loads(result.stdout)
    assert "cell" not in in_module
    assert list(in_notebook)[:3] == ["path", "cell", "line"]
    assert (in_notebook["path"], in_notebook["cell"]) == ("train.ipynb", 5)
    positions = (in_notebook["line"], in_notebook["column"], in_notebook["end_line"], in_notebook["end_column"])
    assert positions == (2, 19, 2, 35)
    assert TRAIN["cells"][4]["source"][1][18:34] == "torch.log(probs)"
    assert [edit["cell"] for edit in in_notebook["fix"]["edits"]] == [5, 5]
    assert all("cell" not in edit for edit in in_module["fix"]["edits"])


def test_sarif_points_into_the_notebook_file_and_names_the_cell(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "train.ipynb", TRAIN)

    result = nanguard("check", "--strict", "--output-format", "sarif", cwd=tmp_path)

    (sarif_result,) = json.loads(result.stdout)["runs"][0]["results"]
    (location,) = sarif_result["locations"]
    region = location["physicalLocation"]["region"]
    file_line = path.read_text().split("\n")[region["startLine"] - 1]
    assert file_line[region["startColumn"] - 1 :].startswith("torch.log(probs)")
    assert location["logicalLocations"] == [{"name": "cell 5", "fullyQualifiedName": "train.ipynb:cell 5"}]
    assert sarif_result["message"]["text"].startswith("cell 5:2:19: ")
    assert (sarif_result["properties"]["cell"], sarif_result["properties"]["cellLine"]) == (5, 2)
    (related,) = sarif_result["relatedLocations"]
    assert related["message"]["text"].startswith("cell 3, line 1: ")
    related_line = path.read_text().split("\n")[related["physicalLocation"]["region"]["startLine"] - 1]
    assert "F.softmax(logits, dim=1)" in related_line
    assert "fixes" not in sarif_result


def test_github_annotations_land_on_the_code_line_of_the_file(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "train.ipynb", TRAIN)

    result = nanguard("check", "--strict", "--output-format", "github", cwd=tmp_path)

    (annotation,) = result.stdout.splitlines()
    match = re.match(r"::warning file=train.ipynb,line=(\d+),col=(\d+),endLine=\d+,endColumn=\d+,title=([^:]+)::(.*)", annotation)
    assert match is not None, annotation
    assert "torch.log(probs)" in path.read_text().split("\n")[int(match[1]) - 1]
    assert match[3] == "NG001 (cell 5%2C line 2)"
    assert match[4].startswith("cell 5:2:19: ")


# ------------------------------------------------------------------------------------------
# --fix and --diff


def outside_sources(text: str, cells: list[int]) -> list[str]:
    """The text of the file outside the `source` values of `cells`."""
    spans = source_spans(text)
    pieces, cursor = [], 0
    for index in cells:
        pieces.append(text[cursor : spans[index].start])
        cursor = spans[index].end
    pieces.append(text[cursor:])
    return pieces


RICH = notebook(
    markdown("Probabilités"),
    code("import numpy as np\nfrom torch import log, softmax", execution_count=7,
         metadata={"collapsed": False, "tags": ["setup"]}),
    code(lines("%%time\np = np.exp(z) / np.exp(z).sum()\nentropy = -np.sum(p * np.log(p))  # nats\n"), execution_count=8,
         outputs=[{"data": {"image/png": "iVBORw0KGgo=\n", "text/plain": ["<Figure>"]}, "metadata": {},
                   "output_type": "display_data"}]),
    code("y = log(softmax(z, 1))", execution_count=None),
)


@pytest.mark.parametrize(
    "dump",
    [
        {"indent": 1, "ensure_ascii": False, "sort_keys": True},  # what Jupyter writes
        {"indent": 2, "ensure_ascii": True},  # another writer's style
    ],
)
def test_fix_changes_only_the_edited_sources_and_keeps_everything_else_byte_for_byte(tmp_path: Path, dump) -> None:
    path = write(tmp_path / "analysis.ipynb", json.dumps(RICH, **dump))  # no final newline
    original = path.read_text(encoding="utf-8")

    result = nanguard("check", "--strict", "--fix", cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Fixed 2 findings in 1 file" in result.stdout
    fixed = path.read_text(encoding="utf-8")
    # Cell 2 gets the import the fix of cell 4 needs; cell 3 its clip.
    assert outside_sources(fixed, [1, 2, 3]) == outside_sources(original, [1, 2, 3])
    cells = json.loads(fixed)["cells"]
    assert cells[1]["source"] == "import numpy as np\nfrom torch import log, softmax\nimport torch"
    assert cells[2]["source"] == lines(
        "%%time\np = np.exp(z) / np.exp(z).sum()\nentropy = -np.sum(p * np.log(np.clip(p, 1e-10, None)))  # nats\n"
    )
    assert cells[3]["source"] == "y = log(torch.clamp(softmax(z, 1), min=1e-10))"
    assert ("\\u00e9" in fixed) == dump["ensure_ascii"]
    # Unchanged lines of an edited list-valued source keep their exact characters.
    spans, old_spans = source_spans(fixed)[2], source_spans(original)[2]
    assert fixed[spans.items[0][0] : spans.items[1][1]] == original[old_spans.items[0][0] : old_spans.items[1][1]]

    again = nanguard("check", "--strict", "--fix", cwd=tmp_path)
    assert again.returncode == 0
    assert path.read_text(encoding="utf-8") == fixed


def test_fix_keeps_a_byte_order_mark_and_crlf_and_the_file_mode(tmp_path: Path) -> None:
    text = json.dumps(notebook(code("import torch\np = torch.log(x)")), indent=1).replace("\n", "\r\n") + "\r\n"
    path = write(tmp_path / "nb.ipynb", "\ufeff".encode() + text.encode())
    path.chmod(0o640)

    result = nanguard("check", "--strict", "--fix", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig") == text.replace("torch.log(x)", "torch.log(torch.clamp(x, min=1e-10))")
    assert path.stat().st_mode & 0o777 == 0o640


def test_diff_shows_the_change_to_the_file_and_writes_nothing(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "train.ipynb", TRAIN)
    original = path.read_bytes()

    result = nanguard("check", "--strict", "--diff", cwd=tmp_path)

    assert result.returncode == 1
    assert path.read_bytes() == original
    assert result.stdout.startswith("--- a/train.ipynb\n+++ b/train.ipynb\n")
    assert '-    "loss = -(target * torch.log(probs)).sum()"' in result.stdout
    assert '+    "loss = -(target * torch.log(torch.clamp(probs, min=1e-10))).sum()"' in result.stdout
    if shutil.which("patch"):
        subprocess.run(["patch", "-p1", "-s"], input=result.stdout.encode(), cwd=tmp_path, check=True)
        assert nanguard("check", "--strict", cwd=tmp_path).returncode == 0


# ------------------------------------------------------------------------------------------
# Broken and foreign notebooks


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"cells": [', "not valid JSON"),
        (json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": []}], "metadata": {}}), "nbformat 3"),
        (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}}), "no `cells`"),
        (b"\xff\xfe{}", "not valid UTF-8"),
    ],
)
def test_broken_notebooks_are_one_line_on_stderr_and_the_rest_is_checked(tmp_path: Path, content, words) -> None:
    write(tmp_path / "broken.ipynb", content)
    write_notebook(tmp_path / "good.ipynb", TRAIN)

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 2
    (error,) = result.stderr.splitlines()
    assert error.startswith("broken.ipynb: error: ") and words in error
    assert notebook_findings(result.stdout) == [("good.ipynb", 5, 2, 19, "NG001")]


def test_notebooks_in_other_languages_are_skipped_with_a_warning(tmp_path: Path) -> None:
    write_notebook(tmp_path / "stats.ipynb", notebook(code("x <- log(0)"), language="R"))

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stderr == "stats.ipynb: warning: not a Python notebook (kernel language 'R'); skipped\n"


# ------------------------------------------------------------------------------------------
# Which files are checked


def tree(tmp_path: Path) -> None:
    write_notebook(tmp_path / "nb/train.ipynb", TRAIN)
    write(tmp_path / "src/model.py", TORCH_MODULE)
    write(tmp_path / "src/tool.pyw", TORCH_MODULE)


def checked(result: subprocess.CompletedProcess[str]) -> set[str]:
    return {line.split(":")[0] for line in result.stdout.splitlines() if ": NG" in line}


@pytest.mark.parametrize(
    ("config", "options", "expected"),
    [
        ("", [], {"nb/train.ipynb", "src/model.py"}),
        ("", ["--include", "*.py"], {"src/model.py"}),
        ("", ["--include", "*.ipynb"], {"nb/train.ipynb"}),
        ('include = ["*.py"]', [], {"src/model.py"}),
        ('include = ["*.ipynb"]', [], {"nb/train.ipynb"}),
        ('extend-include = ["*.pyw"]', [], {"nb/train.ipynb", "src/model.py", "src/tool.pyw"}),
        ('include = ["src/*"]', [], {"src/model.py", "src/tool.pyw"}),
        ('include = ["*.py"]', ["--include", "*.py,*.ipynb"], {"nb/train.ipynb", "src/model.py"}),
    ],
)
def test_include_decides_what_folder_searches_pick_up(tmp_path: Path, config, options, expected) -> None:
    tree(tmp_path)
    write(tmp_path / "pyproject.toml", f"[tool.nanguard]\n{config}\n")

    result = nanguard("check", "--strict", *options, cwd=tmp_path)

    assert checked(result) == expected, result.stdout + result.stderr


def test_a_notebook_named_on_the_command_line_is_checked_whatever_include_says(tmp_path: Path) -> None:
    tree(tmp_path)
    write(tmp_path / "pyproject.toml", '[tool.nanguard]\ninclude = ["*.py"]\n')

    result = nanguard("check", "--strict", "nb/train.ipynb", cwd=tmp_path)

    assert notebook_findings(result.stdout) == [("nb/train.ipynb", 5, 2, 19, "NG001")]


def test_a_bad_include_setting_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.nanguard]\ninclude = 3\n")

    result = nanguard("check", "--strict", cwd=tmp_path)

    assert result.returncode == 2
    assert "`include` must be a list of strings" in result.stderr


def test_logs_re_exported_by_the_users_modules_beside_the_notebook_are_found(tmp_path: Path) -> None:
    write(tmp_path / "pkg/__init__.py", "")
    write(tmp_path / "pkg/ops.py", "from torch import log\n")
    write_notebook(tmp_path / "nb.ipynb", notebook(code("from pkg.ops import *"), code("y = log(p)")))

    result = nanguard("check", "--strict", "nb.ipynb", cwd=tmp_path)

    assert notebook_findings(result.stdout) == [("nb.ipynb", 2, 1, 5, "NG001")]
