"""AnalysisCache: after any edit, reusing unchanged functions gives exactly a fresh analysis."""

import random

import pytest

from nanguard.engine import AnalysisCache, analyze
from nanguard.settings import Settings
from nanguard.source import new_parser

MODULE_HEADER = """import torch
import torch.nn.functional as F
import numpy as np

EPS = 1e-8
"""

FUNCTIONS = [
    "def nll_{i}(logits, targets):\n    probs = torch.softmax(logits, dim=-1)\n    return -torch.log(probs).mean()\n",
    "def safe_{i}(p):\n    return np.log(p + EPS)\n",
    "class Loss{i}:\n    eps = 1e-6\n    def __call__(self, p):\n        q = torch.sigmoid(p)\n        return torch.log(q) + torch.log(p + self.eps)\n",
    "def plain_{i}(x):\n    return x * {i}\n",
    "@torch.no_grad()\ndef metric_{i}(p):\n    return np.log2(p)  # noqa: E501\n",
    "def same_{i}(p):\n    return p\n",
    "def caller_{i}(x):\n    return torch.log(same_{j}(x))\n",  # what same_ returns is followed
]


def module(count: int) -> str:
    return MODULE_HEADER + "\n".join(FUNCTIONS[i % len(FUNCTIONS)].format(i=i, j=i - 1) for i in range(count))


EDITS = [
    lambda lines, k, i: lines.insert(k, f"# comment {i}"),
    lambda lines, k, i: lines.insert(k, f"    extra_{i} = 1") if lines[k].startswith("    ") else None,
    lambda lines, k, i: lines.__delitem__(k) if lines[k].strip().startswith(("return", "#")) else None,
    lambda lines, k, i: lines.insert(k, "    p = torch.softmax(p, 1)") if lines[k].startswith("    return") else None,
    lambda lines, k, i: lines.insert(5, f"EPS = {i % 2}"),
    lambda lines, k, i: lines.insert(k, "def broken(:"),
    # an unclosed bracket, as while typing a call: tree-sitter wraps the rest in one ERROR
    lambda lines, k, i: lines.insert(k, "broken = compute("),
    lambda lines, k, i: lines.__setitem__(k, lines[k] + ")") if lines[k].endswith("compute(") else None,
]


@pytest.mark.parametrize("seed", range(4))
def test_reused_findings_equal_a_fresh_analysis_after_random_edits(seed):
    rnd = random.Random(seed)
    lines = module(40).split("\n")
    parser = new_parser()
    cache = AnalysisCache()
    for step in range(30):
        edit = rnd.choice(EDITS)
        edit(lines, rnd.randrange(6, len(lines)), step)
        text = "\n".join(lines)
        tree = parser.parse(text.encode())
        assert analyze(text, trees=tree, cache=cache) == analyze(text, trees=tree), step


def test_cache_follows_settings():
    text = module(10)
    cache = AnalysisCache()
    analyze(text, cache=cache)
    narrowed = Settings(frameworks=frozenset({"numpy"}))
    assert analyze(text, narrowed, cache=cache) == analyze(text, narrowed)

