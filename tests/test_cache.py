"""The command line's cache (`nanguard.cache`), through real runs of `nanguard check`: a warm
run says what a run without the cache says, follows edits to the modules a file imports from,
and shrugs off damaged entries."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REEXPORTING = "from torch import log\n"
IMPORTER = "import torch\nfrom .ops import log\n\n\ndef loss(z):\n    return log(torch.softmax(z, dim=1))\n"
DIRECT = "import torch\n\ny = torch.log(torch.softmax(x, 1))\n"


def check(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nanguard", "check", "--no-respect-gitignore", *options, "."],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )


def project(folder: Path) -> Path:
    package = folder / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "ops.py").write_text(REEXPORTING)
    (package / "train.py").write_text(IMPORTER)
    (folder / "direct.py").write_text(DIRECT)
    return folder


def entries(folder: Path) -> list[Path]:
    return [path for path in (folder / ".nanguard_cache").rglob("*") if path.is_file() and len(path.name) == 64]


def test_a_warm_run_says_what_a_run_without_the_cache_says(tmp_path):
    folder = project(tmp_path)
    cold = check(folder)
    assert (folder / ".nanguard_cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (folder / ".nanguard_cache" / ".gitignore").read_text().splitlines()[-1] == "*"
    kept = {path: path.stat().st_mtime_ns for path in entries(folder)}
    assert kept, "the run kept its results"
    warm = check(folder)
    uncached = check(folder, "--no-cache")
    assert (warm.stdout, warm.returncode) == (cold.stdout, cold.returncode) == (uncached.stdout, uncached.returncode)
    assert "pkg/train.py:6:12: NG001" in warm.stdout and "direct.py:3:5: NG001" in warm.stdout
    assert {path: path.stat().st_mtime_ns for path in entries(folder)} == kept, "the warm run wrote nothing: it analysed nothing"


def test_editing_an_imported_module_changes_the_importers_findings(tmp_path):
    folder = project(tmp_path)
    assert "pkg/train.py:6:12: NG001" in check(folder).stdout
    (folder / "pkg" / "ops.py").write_text("def log(x):\n    return x\n")
    after = check(folder)
    assert "pkg/train.py" not in after.stdout
    assert after.stdout == check(folder, "--no-cache").stdout
    (folder / "pkg" / "ops.py").write_text(REEXPORTING)
    assert "pkg/train.py:6:12: NG001" in check(folder).stdout


def test_a_damaged_entry_is_ignored(tmp_path):
    folder = project(tmp_path)
    cold = check(folder)
    for number, entry in enumerate(entries(folder)):
        entry.write_bytes(b"\x80\x05not a pickle" if number % 2 else b"")
    again = check(folder)
    assert (again.stdout, again.stderr, again.returncode) == (cold.stdout, cold.stderr, cold.returncode)


def test_the_cache_dir_setting_and_no_cache(tmp_path):
    folder = project(tmp_path / "project")
    (folder / "pyproject.toml").write_text('[tool.nanguard]\ncache-dir = "build/ng"\n')
    check(folder)
    assert (folder / "build" / "ng" / "CACHEDIR.TAG").is_file() and not (folder / ".nanguard_cache").exists()
    other = project(tmp_path / "other")
    check(other, "--no-cache")
    assert not (other / ".nanguard_cache").exists()


def test_fix_is_right_with_a_warm_cache(tmp_path):
    folder = project(tmp_path)
    check(folder)
    fixed = check(folder, "--fix")
    assert fixed.returncode == 0, fixed.stdout
    assert "clip" in (folder / "direct.py").read_text() or "clamp" in (folder / "direct.py").read_text()
    assert check(folder).stdout == check(folder, "--no-cache").stdout
    assert check(folder).returncode == 0


def test_editing_an_imported_constant_changes_the_importers_findings(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "config.py").write_text("EPS = 1e-8\n")
    (package / "loss.py").write_text(
        "import torch\nfrom .config import EPS\n\n\ndef nll(z):\n    return torch.log(torch.softmax(z, 1) + EPS)\n"
    )
    assert "pkg/loss.py" not in check(tmp_path).stdout, "an epsilon of 1e-8 keeps a softmax from 0"
    (package / "config.py").write_text("EPS = 0.0\n")
    after = check(tmp_path)
    assert "pkg/loss.py:6:12: NG001 `torch.log(torch.softmax(z, 1) + EPS)`" in after.stdout
    assert after.stdout == check(tmp_path, "--no-cache").stdout
    (package / "config.py").write_text("EPS = 1e-8\n")
    assert "pkg/loss.py" not in check(tmp_path).stdout


def settled(folder: Path) -> Path:
    """`folder` once its files are old enough for the cache's index to vouch for them by their
    status alone (files changed within the last second are always read)."""
    time.sleep(1.1)
    return folder


def test_a_warm_run_on_a_settled_tree_reads_no_file_it_knows(tmp_path):
    folder = settled(project(tmp_path))
    cold = check(folder)
    for entry in entries(folder):
        entry.unlink()  # what is left to answer from is the index of the files' status
    warm = check(folder)
    assert (warm.stdout, warm.returncode) == (cold.stdout, cold.returncode) == (check(folder, "--no-cache").stdout, 1)
    assert entries(folder) == [], "nothing was analysed, so nothing was kept by content"


def test_a_file_rewritten_with_its_size_and_modification_time_is_read_again(tmp_path):
    folder = settled(project(tmp_path))
    assert "direct.py:3:5: NG001" in check(folder).stdout
    direct = folder / "direct.py"
    before = direct.stat()
    harmless = DIRECT.replace("torch.log(torch.softmax(x, 1))", "torch.exp(torch.softmax(x, 1))")
    assert len(harmless) == len(DIRECT)
    direct.write_text(harmless)
    os.utime(direct, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a careless copy tool leaves it
    assert "direct.py" not in check(folder).stdout


def test_a_settled_tree_follows_its_settings(tmp_path):
    folder = settled(project(tmp_path))
    assert "direct.py:3:5: NG001" in check(folder).stdout
    (folder / "pyproject.toml").write_text('[tool.nanguard]\nper-file-ignores = {"direct.py" = ["NG001"]}\n')
    after = check(folder)
    assert "direct.py" not in after.stdout and "pkg/train.py:6:12: NG001" in after.stdout


def test_a_warm_run_loads_no_analysis_code(tmp_path):
    """Start-up is most of a warm run: it must not pay for the parser, the framework tables or
    the rules' screens when the cache's index answers for every file."""
    folder = settled(project(tmp_path))
    check(folder)
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, nanguard.cli\nnanguard.cli.main(['check', '--no-respect-gitignore', '.'])\n"
         "print(' '.join(sorted(sys.modules)), file=sys.stderr)"],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    assert "pkg/train.py:6:12: NG001" in loaded.stdout
    modules = set(loaded.stderr.split())
    assert not modules & {"tree_sitter", "jedi", "nanguard.engine", "nanguard.frameworks", "nanguard.rules.ng001.prefilter", "hashlib"}


def notebook(folder: Path) -> Path:
    """A notebook whose log comes from the project's own module `pkg.ops`."""
    import json

    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
        for source in ("import torch\nfrom pkg.ops import log\n", "p = torch.softmax(z, dim=1)\n", "loss = log(p)\n")
    ]
    document = {"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "explore.ipynb").write_text(json.dumps(document, indent=1))
    return folder


def test_a_warm_run_takes_a_notebooks_findings_from_the_cache(tmp_path):
    folder = settled(notebook(project(tmp_path)))
    cold = check(folder)
    assert "explore.ipynb:cell 3:1:8: NG001" in cold.stdout
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, nanguard.cli\nnanguard.cli.main(['check', '--no-respect-gitignore', '.'])\n"
         "print(' '.join(sorted(sys.modules)), file=sys.stderr)"],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    assert loaded.stdout == cold.stdout
    assert not set(loaded.stderr.split()) & {"nanguard.engine", "nanguard.notebook", "tree_sitter"}
    elsewhere = subprocess.run(
        [sys.executable, "-m", "nanguard", "check", "--no-respect-gitignore", folder.name],
        cwd=folder.parent, capture_output=True, text=True, timeout=120,
    )
    assert f"{folder.name}/explore.ipynb:cell 3:1:8: NG001" in elsewhere.stdout, "a kept finding is named as this run names its file"


def test_editing_a_module_a_notebook_imports_changes_its_findings(tmp_path):
    folder = notebook(project(tmp_path))
    assert "explore.ipynb:cell 3" in check(folder).stdout
    (folder / "pkg" / "ops.py").write_text("def log(x):\n    return x\n")
    after = check(folder)
    assert "explore.ipynb" not in after.stdout
    assert after.stdout == check(folder, "--no-cache").stdout
