"""Real-looking ML code to mutate, and the mutations a user's half-typed code goes through.

The modules are the repository's examples and modules from the benchmark's corpus generator
(PyTorch, TensorFlow 1 and NumPy code with safe and unsafe logs): nothing third-party.
"""

from __future__ import annotations

import random
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from corpus import write_module  # noqa: E402

SNIPPETS = (
    "(", ")", "[", "]", "{", "}", "'", '"', "'''", '"""', ":", "#", "\\", ",",
    "np.log(", "np.log('''", "torch.log(", "tf.log(x)", "def f(:", "\n", "\n    ", "    ", "\n\tx", " = ", "else:",
)
"""What gets typed (or left behind) mid-edit: brackets, quotes, triple quotes, indentation, a broken `def`."""


@cache
def modules(lines: int = 300) -> tuple[str, ...]:
    """The examples, and generated modules cut to about `lines` lines at a top-level statement."""
    texts = [path.read_text() for path in sorted((ROOT / "examples").glob("*.py"))]
    for seed in range(4):
        text = write_module(random.Random(seed), "experiments", "framework")
        cut = text.find("\ndef ", len("\n".join(text.split("\n")[:lines])))
        texts.append(text if cut == -1 else text[: cut + 1])
    return tuple(texts)


def mutate(rng: random.Random, text: str, count: int) -> str:
    """`text` after `count` random insertions of `SNIPPETS` and deletions of up to 30 characters."""
    for _ in range(count):
        at = rng.randrange(len(text) + 1)
        if rng.random() < 0.7:
            text = text[:at] + rng.choice(SNIPPETS) + text[at:]
        else:
            text = text[:at] + text[at + rng.randint(1, 30) :]
    return text
