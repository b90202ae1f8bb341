"""The command line's cache of results between runs: same output as an uncached run, always."""

from __future__ import annotations

from pathlib import Path

from engine_helpers import write
from test_cli import TF_MODULE, nanguard

IMPORTER = """\
from mylib import mylog


def loss(p):
    return mylog(p)
"""
LOG_REEXPORT = "from torch import log as mylog\n"
SAFE_HELPER = "def mylog(x):\n    return x\n"


def entries(folder: Path) -> list[Path]:
    return [path for path in (folder / ".nanguard_cache").rglob("*") if path.is_file() and path.parent.name != ".nanguard_cache"]


def test_a_warm_run_prints_what_an_uncached_run_prints(tmp_path: Path) -> None:
    write(tmp_path / "model.py", TF_MODULE)
    write(tmp_path / "clean.py", "import numpy as np\nx = np.log(2.0)\n")
    cold = nanguard("check", ".", cwd=tmp_path)
    assert cold.returncode == 1 and "NG001" in cold.stdout
    cache = tmp_path / ".nanguard_cache"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(entries(tmp_path)) == 2
    warm = nanguard("check", ".", cwd=tmp_path)
    uncached = nanguard("check", "--no-cache", ".", cwd=tmp_path)
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout) == (uncached.returncode, uncached.stdout)


def test_no_cache_neither_reads_nor_writes(tmp_path: Path) -> None:
    write(tmp_path / "model.py", TF_MODULE)
    assert nanguard("check", "--no-cache", ".", cwd=tmp_path).returncode == 1
    assert not (tmp_path / ".nanguard_cache").exists()


def test_the_cache_dir_setting_moves_the_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.nanguard]\ncache-dir = "build/ng"\n')
    write(tmp_path / "model.py", TF_MODULE)
    assert nanguard("check", ".", cwd=tmp_path).returncode == 1
    assert (tmp_path / "build" / "ng" / "CACHEDIR.TAG").is_file()
    assert not (tmp_path / ".nanguard_cache").exists()


def test_an_edited_file_is_analysed_again(tmp_path: Path) -> None:
    model = write(tmp_path / "model.py", TF_MODULE)
    assert nanguard("check", ".", cwd=tmp_path).returncode == 1
    write(model, TF_MODULE.replace("tf.log(y_conv)", "tf.nn.log_softmax(logits)"))
    after = nanguard("check", ".", cwd=tmp_path)
    assert after.returncode == 0, after.stdout


def test_a_damaged_entry_is_ignored(tmp_path: Path) -> None:
    write(tmp_path / "model.py", TF_MODULE)
    cold = nanguard("check", ".", cwd=tmp_path)
    for entry in entries(tmp_path):
        entry.write_bytes(b"\x80not a pickle")
    damaged = nanguard("check", ".", cwd=tmp_path)
    assert (damaged.returncode, damaged.stdout, damaged.stderr) == (cold.returncode, cold.stdout, cold.stderr)


def test_changing_an_imported_module_changes_the_importers_findings(tmp_path: Path) -> None:
    """The importer's text is the same, but what `mylog` is comes from mylib/__init__.py."""
    write(tmp_path / "train.py", IMPORTER)
    library = write(tmp_path / "mylib" / "__init__.py", LOG_REEXPORT)
    first = nanguard("check", "--strict", "train.py", cwd=tmp_path)
    assert first.returncode == 1 and "torch.log" in first.stdout, first.stdout
    write(library, SAFE_HELPER)
    second = nanguard("check", "--strict", "train.py", cwd=tmp_path)
    assert second.returncode == 0, second.stdout
    write(library, LOG_REEXPORT)
    assert nanguard("check", "--strict", "train.py", cwd=tmp_path).stdout == first.stdout
