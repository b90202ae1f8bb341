"""The install and CI recipes of README.md, run as written on a copy of this checkout: the wheel
build and its install into a clean virtual environment, the pre-commit hook (``try-repo`` on a
sample repository with a notebook, and the README's configuration), and the composite GitHub
Action's steps. They install nanguard's dependencies from the package index, so they take a
while (about a minute together)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from readme_blocks import ROOT, commit, copy_checkout, recipe

NOTEBOOK = ROOT / "examples" / "mnist_notebook.ipynb"
UNSAFE = "import torch\n\n\ndef loss(probs):\n    return -torch.log(probs).mean()\n"


def environment(**extra: str) -> dict[str, str]:
    """This test environment's python first on PATH, as `python3` on a user's machine."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1", **extra}


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_checkout(tmp_path_factory.mktemp("checkout"))


@pytest.fixture
def sample_repository(tmp_path: Path) -> Path:
    """A user's repository: a script and a notebook with one finding each."""
    repository = tmp_path / "user-repo"
    repository.mkdir()
    (repository / "train.py").write_text(UNSAFE)
    shutil.copyfile(NOTEBOOK, repository / "analysis.ipynb")
    commit(repository)
    return repository


def test_the_wheel_recipe_installs_a_working_nanguard(checkout: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run(
        ["bash", "-e", "-c", recipe("wheel")], cwd=checkout, env=environment(HOME=str(home)),
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "nanguard 0.1.0"
    installed = home / ".nanguard" / "bin"
    (tmp_path / "train.py").write_text(UNSAFE)
    checked = subprocess.run([installed / "nanguard", "check", "train.py"], cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 1 and "train.py:5:13: NG001" in checked.stdout
    page = subprocess.run([installed / "nanguard", "rule", "NG100"], capture_output=True, text=True)
    assert page.stdout.startswith("# NG100")  # the rule pages are in the wheel
    plugin = subprocess.run(
        [installed / "python", "-c", "from importlib.metadata import entry_points; "
         "print([e.value for e in entry_points(group='flake8.extension') if e.name == 'NG'])"],
        capture_output=True, text=True,
    )
    assert plugin.stdout.strip() == "['nanguard.flake8_plugin:Plugin']"


def test_pre_commit_try_repo_checks_scripts_and_notebooks(checkout: Path, sample_repository: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(checkout), "nanguard", "--all-files"],
        cwd=sample_repository, env=environment(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home")),
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "train.py:5:13: NG001" in result.stdout
    assert "analysis.ipynb:cell 6:1:37: NG001" in result.stdout


def test_the_readme_pre_commit_configuration_is_valid_and_names_the_hook(checkout: Path, tmp_path: Path) -> None:
    configuration = recipe("pre-commit").replace("<commit>", subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True, check=True).stdout.strip())
    path = tmp_path / ".pre-commit-config.yaml"
    path.write_text(configuration)
    validated = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(path)], capture_output=True, text=True)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook_id,) = [hook["id"] for repo in yaml.safe_load(configuration)["repos"] for hook in repo["hooks"]]
    (hook,) = [hook for hook in hooks if hook["id"] == hook_id]
    assert hook["types_or"] == ["python", "jupyter"]
    assert subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")]).returncode == 0


def run_action_step(step: dict, inputs: dict[str, str], workspace: Path, action_path: Path, runner_temp: Path) -> subprocess.CompletedProcess[str]:
    """One step of a composite action as the runner runs it: ``${{ inputs.NAME }}`` substituted in
    its env, the script run by bash in the workspace."""

    def substitute(value: str) -> str:
        return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda match: inputs[match.group(1)], value)

    assert step["shell"] == "bash" and "${{" not in step["run"]  # inputs reach scripts through env only
    step_env = {name: substitute(str(value)) for name, value in step.get("env", {}).items()}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]], cwd=workspace,
        env=environment(GITHUB_ACTION_PATH=str(action_path), RUNNER_TEMP=str(runner_temp), **step_env),
        capture_output=True, text=True, timeout=600,
    )


def test_the_action_annotates_findings_and_writes_sarif(checkout: Path, sample_repository: Path, tmp_path: Path) -> None:
    action = yaml.safe_load((checkout / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    install, check = action["runs"]["steps"]
    defaults = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    installed = run_action_step(install, defaults, sample_repository, checkout, runner_temp)
    assert installed.returncode == 0, installed.stderr

    annotated = run_action_step(check, defaults, sample_repository, checkout, runner_temp)
    assert annotated.returncode == 1  # findings fail the job
    assert "::warning file=train.py,line=5,col=13," in annotated.stdout
    assert "::warning file=analysis.ipynb," in annotated.stdout

    scanning = {**defaults, "output-format": "sarif", "output-file": "nanguard.sarif", "args": "--exit-zero train.py"}
    written = run_action_step(check, scanning, sample_repository, checkout, runner_temp)
    assert written.returncode == 0, written.stderr
    document = json.loads((sample_repository / "nanguard.sarif").read_text())
    assert [result["ruleId"] for result in document["runs"][0]["results"]] == ["NG001"]
