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
    "def scaled_{i}(p):\n    return torch.log(p.eps)\n",
    # local names, one bound on one path only, one read through a path under it
    "def local_{i}(x):\n    probs = torch.softmax(x, 1)\n    if x.sum():\n        shift = probs\n"
    "    return torch.log(probs) + torch.log(shift) + torch.log(probs.eps)\n",
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
    # what other functions read of the module: a function renamed or defined twice, a name they
    # spell bound at module level, a module-level branch (a new environment for what follows)
    lambda lines, k, i: lines.__setitem__(k, lines[k].replace("def ", "def re", 1)) if lines[k].startswith("def ") else None,
    lambda lines, k, i: lines.insert(k, f"def same_{i % 7}(p):\n    return torch.softmax(p, 1)"),
    lambda lines, k, i: lines.insert(k, f"same_{i % 7} = torch.sigmoid"),
    lambda lines, k, i: lines.insert(5, "if EPS:\n    EPS = 0.0"),
    # a function's parameter name bound at module level (a broken line leaves the body there),
    # and a path under it, which a lookup of ``p.eps`` in the function still reaches
    lambda lines, k, i: lines.insert(k, "p = torch.softmax(EPS, 1)"),
    lambda lines, k, i: lines.insert(k, "self.eps = 0.0\np.eps = 0.0"),
    # a function's local names bound at module level, and a line at the left margin that
    # splits a function (its remaining body binds its locals in the module)
    lambda lines, k, i: lines.insert(k, "shift = torch.softmax(EPS, 1)\nprobs = 1.0\nprobs.eps = 0.0"),
    lambda lines, k, i: lines.insert(k, "x") if lines[k].startswith("    ") else None,
]


@pytest.mark.parametrize("seed", range(8))
def test_reused_findings_equal_a_fresh_analysis_after_random_edits(seed):
    rnd = random.Random(seed)
    lines = module(40).split("\n")
    parser = new_parser()
    cache = AnalysisCache()
    history: list[list[str]] = []
    for step in range(30):
        history.append(list(lines))
        if rnd.random() < 0.2:  # undo, one edit or a few: texts the last analysis did not see
            lines = list(history[-rnd.randint(1, min(3, len(history)))])
        else:
            rnd.choice(EDITS)(lines, rnd.randrange(6, len(lines)), step)
        text = "\n".join(lines)
        tree = parser.parse(text.encode())
        assert analyze(text, trees=tree, cache=cache) == analyze(text, trees=tree), step


def test_cache_follows_settings():
    text = module(10)
    cache = AnalysisCache()
    analyze(text, cache=cache)
    narrowed = Settings(frameworks=frozenset({"numpy"}))
    assert analyze(text, narrowed, cache=cache) == analyze(text, narrowed)



def test_renaming_a_function_leaves_the_functions_that_do_not_spell_its_name_reused():
    """The analysis cache keeps a function while the module's values under the names it spells
    hold: typing a new name on another ``def`` line does not interpret the whole file again."""
    text = MODULE_HEADER + FUNCTIONS[0].format(i=0) + "\n" + FUNCTIONS[3].format(i=1) + "\n" + FUNCTIONS[6].format(i=2, j=1)
    cache = AnalysisCache()
    before = analyze(text, cache=cache)
    renamed = text.replace("def plain_1(", "def plainer_1(")
    after = analyze(renamed, cache=cache)
    assert after == analyze(renamed)
    nll = [finding for finding in before if finding.span.start.line == 7]
    assert nll and all(any(kept is finding for kept in after) for finding in nll), "nll_0 was reused, not interpreted again"
    eps = text.replace("EPS = 1e-8", "EPS = 0.0")
    assert analyze(eps, cache=cache) == analyze(eps)


def test_a_local_name_bound_at_module_level_leaves_the_function_reused():
    """A line typed at the left margin inside a function leaves the rest of its body at module
    level, binding names that are local to every function: those do not run again."""
    text = MODULE_HEADER + FUNCTIONS[0].format(i=0) + "\n" + FUNCTIONS[0].format(i=1)
    cache = AnalysisCache()
    before = analyze(text, cache=cache)
    lines = text.split("\n")
    split = lines.index("def nll_1(logits, targets):") + 1
    broken = "\n".join([*lines[:split], "x", *lines[split:]])  # nll_1's body now runs in the module
    after = analyze(broken, cache=cache)
    assert after == analyze(broken)
    nll_0 = [finding for finding in before if finding.span.start.line < split]
    assert nll_0 and all(any(kept is finding for kept in after) for finding in nll_0), "nll_0 reads its own probs"


def test_a_new_module_level_branch_leaves_the_functions_reused():
    """A module-level ``if`` (or a broken line's recovery) starts a new environment for what
    follows: the names and their values are the same, so no function runs again."""
    text = MODULE_HEADER + FUNCTIONS[0].format(i=0) + "\n" + FUNCTIONS[0].format(i=1)
    cache = AnalysisCache()
    before = analyze(text, cache=cache)
    lines = text.split("\n")
    below_nll_0 = lines.index("def nll_1(logits, targets):")
    branched = "\n".join([*lines[:below_nll_0], "if torch.cuda:", "    pass", *lines[below_nll_0:]])
    after = analyze(branched, cache=cache)
    assert after == analyze(branched)
    nll_0 = [finding for finding in before if finding.span.start.line < below_nll_0]
    assert nll_0 and all(any(kept is finding for kept in after) for finding in nll_0)


def test_a_character_typed_and_deleted_again_takes_the_findings_from_before():
    text = MODULE_HEADER + FUNCTIONS[0].format(i=0) + "\n" + FUNCTIONS[0].format(i=1)
    cache = AnalysisCache()
    before = analyze(text, cache=cache)
    typed = text.replace("return -torch.log(probs).mean()", "return -torch.log(probs).mean()x", 1)
    assert analyze(typed, cache=cache) == analyze(typed)
    again = analyze(text, cache=cache)
    assert again == before and all(any(kept is finding for kept in again) for finding in before)


def test_a_local_read_before_any_binding_is_not_the_modules():
    """Python makes a name assigned in a function local to all of it: before the assignment it
    is unbound there (an error), never the module's value."""
    text = MODULE_HEADER + "probs = torch.softmax(EPS, 1)\n\ndef f(x):\n    y = torch.log(probs)\n    probs = x\n    return y\n"
    assert analyze(text) == []
    assert analyze(text.replace("    probs = x\n", "")), "without the local, the module's softmax is read"


def test_a_parameter_bound_at_module_level_leaves_the_function_reused_but_not_a_path_under_it():
    text = MODULE_HEADER + FUNCTIONS[0].format(i=0) + "\n" + FUNCTIONS[7].format(i=1)
    cache = AnalysisCache()
    before = analyze(text, cache=cache)
    shadowing = text + "logits = torch.softmax(EPS, 1)\n"  # below: nothing moves
    after = analyze(shadowing, cache=cache)
    assert after == analyze(shadowing)
    nll = [finding for finding in before if finding.span.start.line == 7]
    assert nll and all(any(kept is finding for kept in after) for finding in nll), "nll_0(logits) reads its own logits"
    path = shadowing + "p.eps = 0.0\n"
    found = analyze(path, cache=cache)
    assert found == analyze(path)
    assert any("`p.eps` is a constant at or below 0" in finding.message for finding in found)
