"""Text the engine meets while users type, and pathological input: it never raises."""

import pytest

from engine_helpers import STRICT, flagged
from nanguard.engine import analyze, fix_all


def test_syntax_error_in_one_function_keeps_findings_in_the_others():
    code = """
import torch

def broken(x):
    y = torch.log(x
    return y +

def fine(p):
    return torch.log(p)

class Later:
    def method(self, q):
        return torch.log(q)
"""
    lines = [line for line, _ in flagged(code, STRICT)]
    assert 9 in lines and 13 in lines


def test_a_statement_broken_mid_typing_does_not_unguard_the_functions_after_it():
    # The unclosed call leaves `return x` at module level: the module's code after it is still
    # read, so `entropy` keeps its clamp.
    code = """
import torch
broken = compute(        return x

def entropy(p, eps=1e-8):
    p = torch.clamp(p, min=eps)
    return -(p * torch.log(p)).sum(dim=-1)
"""
    assert flagged(code, STRICT) == []


def test_half_typed_call_at_end_of_file():
    assert flagged("import numpy as np\ndef f(p):\n    return np.log(p)\nnp.log(", STRICT) == [(3, "numpy.log")]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x00log(",
        "import numpy as np\nnp.log(\udcff)\n",
        "log" * 10000,
        "import numpy as np\n" + "x = " + "(" * 5000 + "np.log(p)" + ")" * 5000 + "\n",
        "import numpy as np\n" + "x = np.log(" + "+".join(["p"] * 5000) + ")\n",
        "import numpy as np\n" + "".join(f"{' ' * i}if c:\n" for i in range(300)) + " " * 300 + "np.log(p)\n",
        "import numpy as np\n%time np.log(p)\n!pip install torch\n?np.log\nnp.log(q)\n",
    ],
    ids=["empty", "nul", "surrogate", "log-words", "deep-parens", "long-sum", "deep-blocks", "magics"],
)
def test_pathological_input_does_not_raise(text):
    findings = analyze(text, STRICT)
    fix_all(text, STRICT)
    assert all(f.code == "NG001" for f in findings)


def test_deeply_nested_argument_is_still_reported():
    text = "import numpy as np\nx = " + "(" * 3000 + "np.log(p)" + ")" * 3000 + "\n"
    assert [f.function for f in analyze(text, STRICT)] == ["numpy.log"]


def test_hundred_thousand_lines():
    body = "".join(f"def f{i}(x):\n    return x * {i}\n" for i in range(50_000))
    text = "import numpy as np\n" + body + "np.log(p)\n"
    assert [f.span.start.line for f in analyze(text, STRICT)] == [100_001]


def test_notebook_magics_do_not_hide_findings():
    text = "import numpy as np\n%matplotlib inline\nnp.log(p)\n"
    assert [f.span.start.line for f in analyze(text, STRICT)] == [2]


def test_the_analysed_code_is_never_executed(tmp_path):
    marker = tmp_path / "ran"
    text = f"import os\nopen({str(marker)!r}, 'w').close()\nimport numpy as np\nnp.log(p)\n"
    analyze(text, path=tmp_path / "m.py")
    assert not marker.exists()
