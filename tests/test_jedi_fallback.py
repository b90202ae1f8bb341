"""Names re-exported through the user's own modules resolve through jedi."""

from pathlib import Path

from engine_helpers import STRICT
import pytest

from nanguard.engine import analyze
from nanguard.settings import Settings


@pytest.fixture
def package(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "ops.py").write_text("from torch import log\nimport numpy as np\nfrom numpy import log10\n")
    (pkg / "more.py").write_text("from .ops import *\n")
    (pkg / "helpers.py").write_text("def log(message):\n    print(message)\n")
    return pkg


def check(pkg: Path, name: str, text: str, settings: Settings = STRICT) -> list[str]:
    path = pkg / name
    path.write_text(text)
    return [f.function for f in analyze(text, settings, path=path)]


def test_relative_reexport(package):
    assert check(package, "a.py", "from .ops import log\ndef f(p):\n    return log(p)\n") == ["torch.log"]


def test_attribute_of_a_user_module(package):
    assert check(package, "c.py", "from . import ops\nops.log(p)\n") == ["torch.log"]


def test_star_import_of_a_user_module(package):
    assert check(package, "d.py", "from .ops import *\nlog(p)\nlog10(p)\n") == ["torch.log", "numpy.log10"]


def test_chain_of_star_imports(package):
    assert check(package, "d2.py", "from .more import log\nlog(p)\n") == ["torch.log"]


def test_absolute_import_of_the_users_package(package):
    assert check(package, "e.py", "from pkg.ops import log\nlog(p)\n") == ["torch.log"]


def test_users_own_log_function_is_not_a_log(package):
    assert check(package, "f.py", "from .helpers import log\nlog('starting')\n") == []


def test_jedi_can_be_disabled(package):
    assert check(package, "g.py", "from .ops import log\nlog(p)\n", Settings(strict=True, jedi=False)) == []


def test_jedi_only_adds_findings(package):
    text = "import torch\nfrom .ops import log\ntorch.log(p)\nlog(q)\n"
    assert check(package, "h.py", text) == ["torch.log", "torch.log"]
    assert check(package, "h.py", text, Settings(strict=True, jedi=False)) == ["torch.log"]


def test_package_installed_in_the_project_environment(tmp_path):
    """jedi finds modules outside the project, in the interpreter set by `jedi.environmentPath`."""
    import subprocess
    import sys
    import sysconfig

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})
    library = Path(purelib) / "extlib"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("from .numerics import *\n")
    (library / "numerics.py").write_text("from torch import log\n")
    project = tmp_path / "project"
    project.mkdir()
    text = "from extlib import log\nlog(p)\n"
    (project / "train.py").write_text(text)
    with_env = Settings(strict=True, jedi_environment=str(venv / "bin" / "python"))
    assert [f.function for f in analyze(text, with_env, path=project / "train.py")] == ["torch.log"]
    assert analyze(text, STRICT, path=project / "train.py") == []


def test_logging_libraries_are_never_resolved(package):
    assert check(package, "i.py", "import wandb\nimport mlflow\nwandb.log({'a': 1})\nmlflow.log(1)\n") == []
