"""Pinned releases of real ML projects, downloaded from PyPI into a local cache on first use.

Benchmarks and the precision check measure nanguard on code nobody here wrote. Nothing of these
projects is committed: `ensure(name)` downloads the pinned release with pip (the source
distribution, or the wheel where noted) into ``bench/.cache`` and unpacks it once; later calls
only return the folder. Set ``NANGUARD_BENCH_CACHE`` to keep the cache elsewhere.

    .venv/bin/python bench/realcode.py            # fetch every project, print its folder and size
    .venv/bin/python bench/realcode.py keras flax # only these
    .venv/bin/python bench/realcode.py keras==3.0.0  # any release (a wheel), e.g. one before a fix
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("NANGUARD_BENCH_CACHE", Path(__file__).resolve().parent / ".cache"))


@dataclass(frozen=True, slots=True)
class Project:
    name: str
    """The distribution's name on PyPI."""
    version: str
    kind: str
    """What sort of code it is: a framework library, model code, training scripts, RL agents..."""
    wheel: bool = False
    """Take the wheel (pure Python, no build step) instead of the source distribution."""
    python: str | None = None
    """A Python version the release supports, when it is not this one's (pip checks it)."""

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


PROJECTS: dict[str, Project] = {
    project.name: project
    for project in (
        Project("keras", "3.5.0", "framework library (multi-backend)", wheel=True),
        Project("transformers", "4.44.2", "model library (PyTorch, TensorFlow, JAX)", wheel=True),
        Project("torch_geometric", "2.5.3", "graph learning library (PyTorch)", wheel=True),
        Project("flax", "0.8.5", "neural network library (JAX)", wheel=True),
        Project("cleanlab", "2.7.1", "data-centric ML library (NumPy, notebooks in the sdist)"),
        Project("pyro-ppl", "1.9.1", "probabilistic programming (PyTorch)", wheel=True),
        Project("numpyro", "0.15.3", "probabilistic programming (JAX)", wheel=True),
        Project("optax", "0.2.3", "optimisers and losses (JAX)", wheel=True),
        Project("torchmetrics", "1.4.1", "metrics (PyTorch)", wheel=True),
        Project("stable_baselines3", "2.3.2", "RL agents (PyTorch)", wheel=True),
        Project("pythae", "0.1.2", "VAEs and autoencoders, training code (PyTorch)", wheel=True),
        Project("d3rlpy", "2.6.0", "offline RL agents (PyTorch)", wheel=True),
        Project("pytorch_metric_learning", "2.6.0", "metric-learning losses (PyTorch)", wheel=True),
        Project("tianshou", "1.1.0", "RL agents (PyTorch)", wheel=True),
        Project("kornia", "0.7.3", "computer vision (PyTorch)", wheel=True),
        Project("sbi", "0.23.1", "simulation-based inference, density estimators (PyTorch)", wheel=True),
        Project("labml-nn", "0.5.1", "annotated paper implementations: GANs, VAEs, RL, transformers (PyTorch)", wheel=True),
        Project("lightning-bolts", "0.7.0", "research models and training code: GANs, VAEs, RL (PyTorch)", wheel=True),
        Project("cleanrl", "1.2.0", "single-file RL training scripts (PyTorch, JAX)", wheel=True, python="3.9"),
        Project("gpytorch", "1.15.2", "Gaussian processes (PyTorch)", wheel=True),
        Project("speechbrain", "1.1.2", "speech toolkit: models, losses and training recipes (PyTorch)", wheel=True),
        Project("distrax", "0.1.9", "probability distributions and bijectors (JAX)", wheel=True),
        Project("rlax", "0.1.9", "reinforcement-learning building blocks (JAX)", wheel=True),
        Project("gluonts", "0.17.0", "probabilistic time-series models (PyTorch)", wheel=True),
        Project("torchrl", "0.14.1", "reinforcement learning library and objectives (PyTorch)", wheel=True),
        Project("zuko", "1.6.0", "normalizing flows (PyTorch)", wheel=True),
        Project("blackjax", "1.7.1", "MCMC and SMC samplers (JAX)", wheel=True),
        Project("torchaudio", "2.11.0", "audio processing and models (PyTorch)", wheel=True),
        Project("tensorflow-addons", "0.23.0", "layers, losses and seq2seq (TensorFlow)", wheel=True),
        Project("allennlp", "2.10.1", "NLP models and training (PyTorch)", wheel=True),
        Project("dopamine-rl", "4.1.2", "RL agents and research code (JAX, TensorFlow)", wheel=True),
        Project("botorch", "0.18.1", "Bayesian optimisation (PyTorch)", wheel=True),
        Project("diffusers", "0.42.1", "diffusion models, schedulers and pipelines (PyTorch)", wheel=True),
        Project("flair", "0.15.1", "NLP models and training (PyTorch)", wheel=True),
        Project("funsor", "0.4.8", "functional tensors for probabilistic programming (PyTorch, JAX)", wheel=True),
        Project("deepchem", "2.8.0", "chemistry and biology models (TensorFlow, PyTorch)", wheel=True),
        Project("monai", "1.6.1", "medical imaging models, losses and inferers (PyTorch)", wheel=True),
        Project("segmentation-models-pytorch", "0.6.0", "segmentation models and losses (PyTorch)", wheel=True),
        Project("gpflow", "2.11.2", "Gaussian processes (TensorFlow)", wheel=True),
        Project("tf-agents", "0.19.0", "RL agents and policies (TensorFlow)", wheel=True),
        Project("keras-hub", "0.32.0", "pretrained models, samplers and preprocessing (Keras)", wheel=True),
        Project("brax", "0.14.2", "physics simulation and RL training (JAX)", wheel=True),
        Project("lightly", "1.6.0", "self-supervised learning losses and models (PyTorch)", wheel=True),
    )
}


def _unpack(archive: Path, target: Path) -> None:
    """Unpack `archive` into `target`, dropping an sdist's single top folder so paths read as in
    the repository (``keras/src/ops/nn.py``)."""
    scratch = target.with_name(target.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(scratch)
    else:
        with tarfile.open(archive) as tarred:
            tarred.extractall(scratch, filter="data")
    entries = list(scratch.iterdir())
    root = entries[0] if len(entries) == 1 and entries[0].is_dir() else scratch
    shutil.move(str(root), str(target)) if root is not scratch else scratch.rename(target)
    shutil.rmtree(scratch, ignore_errors=True)


def ensure(name: str, version: str | None = None, *, wheel: bool = True) -> Path:
    """The unpacked release of project `name`, downloaded and unpacked on first use: the pinned
    release of `PROJECTS`, or `version` (as a wheel, unless told otherwise) for any other."""
    project = PROJECTS[name] if version is None else Project(name, version, "", wheel=wheel)
    target = CACHE / "src" / project.key
    if target.is_dir():
        return target
    downloads = CACHE / "downloads" / project.key
    archives = sorted(downloads.glob("*")) if downloads.is_dir() else []
    if not archives:
        downloads.mkdir(parents=True, exist_ok=True)
        kind = ["--only-binary", ":all:"] if project.wheel else ["--no-binary", ":all:"]
        if project.python is not None:
            kind += ["--python-version", project.python]
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *kind,
                   "--dest", str(downloads), f"{project.name}=={project.version}"]
        subprocess.run(command, check=True)
        archives = sorted(downloads.glob("*"))
    _unpack(archives[0], target)
    return target


def python_lines(folder: Path) -> int:
    """Lines of Python (``.py``) under `folder`: the denominator of findings per 100k lines."""
    total = 0
    for path in folder.rglob("*.py"):
        with path.open("rb") as handle:
            total += sum(1 for _ in handle)
    return total


def main(names: list[str]) -> int:
    for spec in names or list(PROJECTS):
        name, _, version = spec.partition("==")
        folder = ensure(name, version or None)
        print(f"{name:24} {version or PROJECTS[name].version:10} {python_lines(folder):>9} lines  {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
