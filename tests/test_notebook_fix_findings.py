"""`nanguard check --fix` on a notebook reports what its last fixing pass found, as for plain
files, and that is what checking the written notebook again finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from nanguard.notebook.check import check_notebook
from nanguard.notebook.module import NotebookModule
from nanguard.settings import Settings
from test_notebook_cli import TRAIN, code, lines, notebook, write_notebook

NESTED = notebook(
    code(lines("import torch\nimport torch.nn.functional as F")),
    code(lines("%time model.eval()\nprobs = F.softmax(logits, dim=1)\nscore = torch.log(torch.log(probs) + 1)")),
    code(lines("loss = -(target * torch.log(probs)).sum()  # noqa: NG001")),
)


@pytest.mark.parametrize("document", [TRAIN, NESTED], ids=["train", "nested"])
def test_fix_reports_what_a_fresh_check_of_the_written_notebook_finds(tmp_path: Path, document: dict) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", document)
    before = check_notebook(path, "nb.ipynb", Settings())
    fixed = check_notebook(path, "nb.ipynb", Settings(), fix=True)
    again = check_notebook(path, "nb.ipynb", Settings())
    assert before.findings and fixed.fixes_applied > 0
    assert fixed.problem is None
    assert fixed.findings == again.findings


def test_the_findings_of_the_last_pass_are_in_the_fixed_cells_coordinates() -> None:
    cells = [(0, "import torch\n"), (2, "%matplotlib inline\np = torch.softmax(z, 1)\n"), (3, "y = torch.log(p)\nw = torch.log(q)\n")]
    changed, count, remaining = NotebookModule(cells).fix_all_with_findings(Settings())
    assert count >= 1 and set(changed) == {3}
    fixed = NotebookModule([(cell, changed.get(cell, text)) for cell, text in cells])
    assert remaining == fixed.analyze(Settings())
