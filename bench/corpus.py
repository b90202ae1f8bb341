"""A deterministic corpus of real-looking ML code for the benchmark (`bench_check.py`).

Projects of packages with PyTorch models, Lightning and Keras training loops, NumPy data
pipelines, configs and utilities, 200-2,000 lines per module. Like real code bases, most
modules never mention a log; many call logging APIs (``self.log``, ``wandb.log``,
``logger.info``) that must stay silent; a few percent call a framework log, some safely
(clipped, plus an epsilon), some not, and some through a helper the project re-exports
(``from .ops import log``), which only jedi can settle.

Run ``python bench/corpus.py OUT --files N`` to write one on its own.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

GENERATOR_VERSION = 1
MODULES_PER_PROJECT = 40
FRAMEWORK_LOG_SHARE = 0.03
"""Modules that call a framework log directly."""
REEXPORTED_LOG_SHARE = 0.01
"""Modules that call a log through the project's own re-export (the jedi path)."""
LOGGING_API_SHARE = 0.25
"""Modules that mention the word log only through logging APIs and comments."""

WORDS = (
    "feature hidden embed token batch sample target label score weight bias layer block head "
    "encoder decoder query key value mask state cache step epoch rate decay momentum grad norm "
    "scale shift image pixel patch channel depth width height anchor proposal region pool conv "
    "dropout residual attention logits output input signal frame audio text vocab index offset"
).split()


@dataclass(frozen=True, slots=True)
class CorpusInfo:
    files: int
    lines: int
    framework_log_files: int
    reexported_log_files: int


class ModuleWriter:
    """Builds one module from code blocks until it reaches its target length."""

    def __init__(self, rng: random.Random, package: str):
        self.rng = rng
        self.package = package
        self.counter = 0

    def name(self, *parts: str) -> str:
        self.counter += 1
        chosen = parts or (self.rng.choice(WORDS), self.rng.choice(WORDS))
        return "_".join(chosen) + f"_{self.counter}"

    def camel(self) -> str:
        self.counter += 1
        return "".join(w.capitalize() for w in self.rng.sample(WORDS, 2)) + str(self.counter)

    def number(self) -> str:
        return self.rng.choice(["0.1", "0.5", "1e-3", "3e-4", "0.9", "0.999", "2", "4", "16", "64", "128", "256"])

    # --- blocks that never mention a log ------------------------------------------------

    def torch_module(self) -> str:
        cls, dim = self.camel(), self.rng.choice([64, 128, 256, 512, 768])
        layers = "\n".join(
            f"        self.{self.name('layer')} = nn.Linear({dim}, {dim})" for _ in range(self.rng.randint(2, 6))
        )
        return f'''

class {cls}(nn.Module):
    """A {self.rng.choice(WORDS)} block with {self.rng.choice(WORDS)} gating and a residual path."""

    def __init__(self, dim: int = {dim}, dropout: float = {self.number()}) -> None:
        super().__init__()
{layers}
        self.norm = nn.LayerNorm(dim)
        self.dropout = nn.Dropout(dropout)
        self.scale = dim ** -0.5

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        residual = x
        x = self.norm(x)
        scores = torch.matmul(x, x.transpose(-2, -1)) * self.scale
        if mask is not None:
            scores = scores.masked_fill(mask == 0, float("-inf"))
        weights = F.softmax(scores, dim=-1)
        x = torch.matmul(self.dropout(weights), x)
        return residual + F.gelu(x)
'''

    def numpy_function(self) -> str:
        fn = self.name()
        return f'''

def {fn}(values: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """Normalise `values` along `axis`; constant rows map to zeros instead of NaN."""
    mean = values.mean(axis=axis, keepdims=True)
    std = values.std(axis=axis, keepdims=True)
    std = np.where(std < {self.number()}, 1.0, std)
    out = (values - mean) / std
    if not keepdims:
        out = np.squeeze(out)
    # clip outliers the way the reference implementation does
    return np.clip(out, -{self.rng.randint(3, 9)}, {self.rng.randint(3, 9)})
'''

    def data_pipeline(self) -> str:
        cls = self.camel()
        return f'''

class {cls}(Dataset):
    def __init__(self, root: str, split: str = "train", transform=None):
        self.root = root
        self.split = split
        self.transform = transform
        self.items = sorted(os.listdir(os.path.join(root, split)))
        self.cache: dict[int, np.ndarray] = {{}}

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int):
        if index not in self.cache:
            path = os.path.join(self.root, self.split, self.items[index])
            self.cache[index] = np.load(path).astype(np.float32)
        sample = self.cache[index]
        if self.transform is not None:
            sample = self.transform(sample)
        label = int(self.items[index].split("_")[0])
        return torch.from_numpy(sample), label
'''

    def config(self) -> str:
        cls = self.camel()
        fields = "\n".join(
            f"    {self.name()}: float = {self.number()}" for _ in range(self.rng.randint(4, 12))
        )
        return f'''

@dataclass
class {cls}Config:
{fields}
    name: str = "{self.rng.choice(WORDS)}"
    tags: tuple[str, ...] = ("{self.rng.choice(WORDS)}", "{self.rng.choice(WORDS)}")

    def to_dict(self) -> dict:
        return {{key: getattr(self, key) for key in self.__dataclass_fields__}}
'''

    def keras_model(self) -> str:
        fn = self.name("build")
        return f'''

def {fn}(input_shape=(224, 224, 3), classes={self.rng.choice([10, 100, 1000])}):
    inputs = tf.keras.Input(shape=input_shape)
    x = tf.keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = tf.keras.layers.BatchNormalization()(x)
    for filters in (64, 128, 256):
        x = tf.keras.layers.Conv2D(filters, 3, strides=2, padding="same")(x)
        x = tf.keras.layers.BatchNormalization()(x)
        x = tf.keras.layers.Activation("relu")(x)
    x = tf.keras.layers.GlobalAveragePooling2D()(x)
    x = tf.keras.layers.Dropout({self.number()})(x)
    outputs = tf.keras.layers.Dense(classes, activation="softmax")(x)
    return tf.keras.Model(inputs, outputs, name="{fn}")
'''

    def training_loop(self) -> str:
        fn = self.name("train")
        return f'''

def {fn}(model, loader, optimizer, scheduler=None, epochs: int = {self.rng.randint(2, 90)}, device: str = "cuda"):
    model.to(device)
    history = []
    for epoch in range(epochs):
        model.train()
        running = 0.0
        for step, (inputs, targets) in enumerate(loader):
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad(set_to_none=True)
            outputs = model(inputs)
            loss = F.cross_entropy(outputs, targets, label_smoothing={self.number()})
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            running += loss.item()
            if scheduler is not None:
                scheduler.step()
        history.append(running / max(1, len(loader)))
        logger.info("epoch %d: %.4f", epoch, history[-1])
    return history
'''

    def argparse_main(self) -> str:
        options = "\n".join(
            f'    parser.add_argument("--{self.name().replace("_", "-")}", type=float, default={self.number()})'
            for _ in range(self.rng.randint(5, 15))
        )
        return f'''

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="{self.rng.choice(WORDS)} experiment")
{options}
    parser.add_argument("--seed", type=int, default={self.rng.randint(0, 9999)})
    return parser.parse_args(argv)
'''

    # --- blocks that mention logging, never a framework log -----------------------------

    def lightning_module(self) -> str:
        cls = self.camel()
        return f'''

class {cls}(pl.LightningModule):
    def __init__(self, backbone, lr: float = {self.number()}):
        super().__init__()
        self.backbone = backbone
        self.lr = lr
        self.save_hyperparameters(ignore=["backbone"])

    def training_step(self, batch, batch_idx):
        inputs, targets = batch
        logits = self.backbone(inputs)
        loss = F.cross_entropy(logits, targets)
        self.log("train/loss", loss, prog_bar=True)
        self.log("train/acc", (logits.argmax(-1) == targets).float().mean())
        return loss

    def validation_step(self, batch, batch_idx):
        inputs, targets = batch
        loss = F.cross_entropy(self.backbone(inputs), targets)
        self.log("val/loss", loss, sync_dist=True)
        wandb.log({{"val_loss": loss.item(), "step": self.global_step}})

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay={self.number()})
'''

    def logging_helpers(self) -> str:
        fn = self.name("report")
        return f'''

def {fn}(metrics: dict, step: int, run=None) -> None:
    """Send metrics to the experiment tracker and the log file."""
    for key, value in sorted(metrics.items()):
        logger.log(logging.INFO, "%s=%s", key, value)
    if run is not None:
        run.log(metrics, step=step)
    mlflow.log_metrics(metrics, step=step)
'''

    # --- blocks with framework logs ------------------------------------------------------

    def unsafe_torch_loss(self) -> str:
        fn = self.name("loss")
        return f'''

def {fn}(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    probs = F.softmax(logits, dim=-1)
    picked = probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return -torch.log(picked).mean()
'''

    def safe_torch_loss(self) -> str:
        fn = self.name("focal")
        return f'''

def {fn}(logits, targets, gamma: float = 2.0, eps: float = 1e-8):
    probs = torch.sigmoid(logits)
    pt = torch.where(targets == 1, probs, 1 - probs)
    return (-(1 - pt) ** gamma * torch.log(pt.clamp(min=eps))).mean()
'''

    def unsafe_numpy_entropy(self) -> str:
        fn = self.name("entropy")
        return f'''

def {fn}(counts: np.ndarray) -> float:
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())
'''

    def safe_tf_loss(self) -> str:
        fn = self.name("xent")
        return f'''

def {fn}(y_true, y_pred):
    y_pred = tf.clip_by_value(y_pred, 1e-7, 1.0 - 1e-7)
    return -tf.reduce_mean(tf.reduce_sum(y_true * tf.math.log(y_pred), axis=-1))
'''

    def reexported_log_loss(self) -> str:
        fn = self.name("nll")
        return f'''

def {fn}(probs, targets):
    chosen = probs[range(len(targets)), targets]
    return -log(chosen).mean()
'''


HEADER_TORCH = '''"""{doc}"""

from __future__ import annotations

import argparse
import logging
import os
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset

logger = logging.getLogger(__name__)
'''

HEADER_TF = '''"""{doc}"""

import argparse
import logging
import os
from dataclasses import asdict, dataclass

import numpy as np
import tensorflow as tf
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset

logger = logging.getLogger(__name__)
'''

HEADER_LOGGING = '''
import mlflow
import pytorch_lightning as pl
import wandb
'''

OPS_MODULE = '''"""Numerical helpers shared by the project's losses."""

from torch import clamp, exp, log, sigmoid

__all__ = ["clamp", "exp", "log", "sigmoid"]
'''


def write_module(rng: random.Random, package: str, kind: str) -> str:
    writer = ModuleWriter(rng, package)
    use_tf = rng.random() < 0.3
    doc = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} utilities for the {package} experiments."
    parts = [(HEADER_TF if use_tf else HEADER_TORCH).format(doc=doc)]
    if kind in ("logging", "framework", "reexported"):
        parts.append(HEADER_LOGGING)
    if kind == "reexported":
        parts.append("from .ops import log\n")
    plain = [writer.torch_module, writer.numpy_function, writer.data_pipeline, writer.config, writer.training_loop,
             writer.argparse_main] + ([writer.keras_model] if use_tf else [])
    special = {
        "logging": [writer.lightning_module, writer.logging_helpers],
        "framework": [writer.unsafe_torch_loss, writer.safe_torch_loss, writer.unsafe_numpy_entropy]
        + ([writer.safe_tf_loss] if use_tf else []),
        "reexported": [writer.reexported_log_loss],
        "plain": [],
    }[kind]
    target = rng.randint(200, 2000)
    lines = sum(part.count("\n") for part in parts)
    pending = list(special)
    while lines < target:
        block = pending.pop() if pending and rng.random() < 0.2 else rng.choice(plain)
        text = block()
        parts.append(text)
        lines += text.count("\n")
    parts.extend(block() for block in pending)
    return "".join(parts)


def generate(root: Path, files: int, seed: int) -> CorpusInfo:
    """Write the corpus into `root` (replacing it) unless the same one is already there."""
    manifest = root / "manifest.json"
    wanted = {"generator": GENERATOR_VERSION, "files": files, "seed": seed}
    if manifest.exists():
        recorded = json.loads(manifest.read_text())
        if recorded.get("wanted") == wanted:
            return CorpusInfo(**recorded["info"])
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(seed)
    kinds = (
        ["framework"] * round(files * FRAMEWORK_LOG_SHARE)
        + ["reexported"] * round(files * REEXPORTED_LOG_SHARE)
        + ["logging"] * round(files * LOGGING_API_SHARE)
    )
    kinds += ["plain"] * (files - len(kinds))
    rng.shuffle(kinds)
    package = root
    for index, kind in enumerate(kinds):
        project, position = divmod(index, MODULES_PER_PROJECT)
        if position == 0:
            package = root / f"project_{project:02d}" / "src" / f"{rng.choice(WORDS)}_{project}"
            package.mkdir(parents=True)
            (package / "__init__.py").write_text("")
            (package / "ops.py").write_text(OPS_MODULE)
        text = write_module(rng, package.name, kind)
        (package / f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{index}.py").write_text(text)
    python_files = sorted(root.rglob("*.py"))
    info = CorpusInfo(
        files=len(python_files),
        lines=sum(path.read_text().count("\n") for path in python_files),
        framework_log_files=kinds.count("framework"),
        reexported_log_files=kinds.count("reexported"),
    )
    manifest.write_text(json.dumps({"wanted": wanted, "info": asdict(info)}, indent=2))
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    info = generate(args.out, args.files, args.seed)
    print(f"{info.files} files, {info.lines} lines in {args.out}")


if __name__ == "__main__":
    main()
