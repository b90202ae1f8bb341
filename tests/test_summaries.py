"""Beyond one function: what the module's own functions, methods and properties return is
followed into them at the call, with the call's arguments (issue 9, item 4)."""

import textwrap

import pytest

from engine_helpers import STRICT, findings, flagged, write
from nanguard.engine import AnalysisCache, analyze
from nanguard.source import new_parser


def message(code: str) -> str:
    [finding] = findings(code)
    return finding.message


def test_a_function_returning_a_softmax_is_judged_at_the_log_of_its_call():
    text = message(
        """\
        import torch
        def model(x):
            return torch.softmax(x, 1)
        def loss(x):
            return torch.log(model(x))
        """
    )
    assert "`model(x)` can be 0: `torch.softmax(x, 1)` is a softmax output (line 3)" in text


def test_a_helper_that_clips_its_argument_makes_the_log_safe():
    code = """\
        import torch
        def clip_probs(p):
            return torch.clamp(p, 1e-6, 1.0)
        def loss(x):
            return torch.log(clip_probs(torch.softmax(x, 1)))
        """
    assert flagged(code) == []


def test_a_helper_is_followed_with_the_argument_of_the_call():
    code = """\
        import torch
        def same(p):
            return p
        def loss(x):
            return torch.log(same(torch.sigmoid(x))) + torch.log(same(x))
        """
    assert flagged(code) == [(5, "torch.log")]
    assert "is a sigmoid output (line 5)" in findings(code)[0].message


def test_a_property_returning_a_cdf_read_on_self():
    text = message(
        """\
        import torch
        from functools import cached_property
        class Truncated:
            @cached_property
            def tail(self):
                return self.base.cdf(self.low)
            def log_norm(self):
                return torch.log(self.tail)
        """
    )
    assert "`self.tail` is a CDF (line 6)" in text


def test_a_method_called_on_self():
    text = message(
        """\
        import torch
        class Model:
            def probs(self, x):
                return torch.sigmoid(self.net(x))
            def loss(self, x):
                return torch.log(self.probs(x))
        """
    )
    assert "`self.probs(x)` can be 0: `torch.sigmoid(self.net(x))` is a sigmoid output (line 4)" in text


def test_a_static_method_binds_its_first_parameter_to_the_first_argument():
    code = """\
        import torch
        class Model:
            @staticmethod
            def keep(p):
                return p
            def loss(self, x):
                return torch.log(self.keep(torch.softmax(x, 1)))
        """
    assert flagged(code) == [(7, "torch.log")]


NOT_FOLLOWED = {
    "recursion": "import torch\ndef f(x):\n    return f(x)\ndef g(x):\n    return torch.log(f(x))\n",
    "a generator": "import torch\ndef f(x):\n    yield torch.softmax(x, 1)\ndef g(x):\n    return torch.log(f(x))\n",
    "a local shadowing the module's function": (
        "import torch\ndef model(x):\n    return torch.softmax(x, 1)\ndef g(x, model):\n    return torch.log(model(x))\n"
    ),
    "a function that returns nothing known": "import torch\ndef f(x):\n    return x * 2\ndef g(x):\n    return torch.log(f(x))\n",
}


@pytest.mark.parametrize("code", NOT_FOLLOWED.values(), ids=NOT_FOLLOWED.keys())
def test_calls_that_show_nothing_are_not_reported(code):
    assert flagged(code) == []


def test_mutual_recursion_ends():
    code = """\
        import torch
        def a(x):
            return b(x) if x else torch.softmax(x, 1)
        def b(x):
            return a(x)
        def g(x):
            return torch.log(b(x))
        """
    assert flagged(code) == [(7, "torch.log")]


def assert_edits_follow(versions: list[tuple[str, list[int]]]) -> None:
    """Each text of `versions` in turn, analysed with one cache as the server does: its findings
    are on the expected lines and equal an uncached analysis."""
    parser = new_parser()
    cache = AnalysisCache()
    for text, expected in versions:
        tree = parser.parse(text.encode())
        found = analyze(text, trees=tree, cache=cache)
        assert [f.span.start.line + 1 for f in found] == expected
        assert found == analyze(text, trees=tree)


def test_editing_the_called_function_changes_the_callers_findings_with_a_cache():
    before = textwrap.dedent(
        """\
        import torch
        def loss(x):
            return torch.log(model(x))
        def model(x):
            return x
        """
    )
    after = before.replace("return x\n", "return torch.softmax(x, 1)\n")
    assert_edits_follow([(before, []), (after, [3]), (before, [])])


def test_a_flag_passed_at_the_call_picks_the_branch_that_runs():
    code = """\
        import torch
        EPS = 1e-15
        class Infomax:
            def discriminate(self, z, sigmoid=True):
                value = torch.matmul(z, self.weight)
                return torch.sigmoid(value) if sigmoid else value
            def loss(self, z):
                return -torch.log(1 - self.discriminate(z, sigmoid=True) + EPS)
            def raw(self, z):
                if self.flag(z, True):
                    return torch.log(self.discriminate(z, False))
        """
    assert flagged(code) == []


def test_a_property_named_like_a_probability_keeps_its_convention():
    text = message(
        """\
        import tensorflow as tf
        class Binomial:
            @property
            def probs(self):
                return self._probs
            def log_prob(self, counts):
                return counts * tf.log(self.probs)
        """
    )
    assert "the argument is a probability by its name" in text


def test_attributes_set_in_init_setup_and_build_are_read_where_they_were_set():
    code = """\
        import torch
        import tensorflow as tf
        class A:
            def __init__(self):
                scale = 1e-3
                self.floor, self.other = scale, None
            def loss(self, z):
                return torch.log(torch.softmax(z, 1) * 0.5 + self.floor)
        class B(tf.keras.layers.Layer):
            def build(self, shape):
                self.std = tf.exp(self.logstd)
            def call(self, x):
                return tf.log(self.std)
        class C:
            def setUp(self):
                self.p = torch.sigmoid(self.w)
            def test(self):
                return torch.log(self.p)
        """
    assert flagged(code, STRICT) == [(13, "tensorflow.log"), (18, "torch.log")]
    assert "`self.std` is an exp/softplus output (line 11)" in findings(code)[0].message


def test_dict_entries_of_the_module_and_of_self_are_read():
    code = """\
        import torch
        COEFFS = {"EPS": 1e-8, "ZERO": 0.0}
        class M:
            def __init__(self):
                self.coeffs = {"EPS": 1e-6}
            def loss(self, z):
                m = torch.sigmoid(z)
                return torch.log(m + self.coeffs["EPS"]) + torch.log(m + COEFFS["EPS"]) + torch.log(m + COEFFS["ZERO"])
        def rebound(z):
            d = {"a": 1e-3}
            d = dict()
            return torch.log(torch.sigmoid(z) + d["a"])
        """
    assert [(line, f.span.start.column) for line, f in ((f.span.start.line + 1, f) for f in findings(code, STRICT))] == [
        (8, 82),
        (12, 11),
    ]
    assert "`torch.sigmoid(z)` is a sigmoid output (line 7)" in findings(code)[0].message


def test_constants_and_dict_entries_imported_from_the_project(tmp_path):
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "config.py", 'EPS = 1e-8\nZERO = 0.0\nCFG = {"eps": 1e-6, "floor": 0.0}\n')
    importer = write(tmp_path / "pkg" / "train.py", "x = 1\n")
    code = """\
        import torch
        from .config import EPS, ZERO, CFG
        from pkg.config import EPS as E2
        def f(z):
            p = torch.softmax(z, 1)
            return (torch.log(p + EPS) + torch.log(p + ZERO) + torch.log(p + E2)
                    + torch.log(p + CFG["eps"]) + torch.log(p + CFG["floor"]))
        """
    found = findings(code, STRICT, path=importer)
    assert [(f.span.start.line + 1, f.span.start.column) for f in found] == [(6, 33), (7, 42)]
    assert "`p + ZERO` can be 0: `torch.softmax(z, 1)` is a softmax output (line 5)" in found[0].message


WRAPPER = """\
import jax
import jax.numpy as jnp
def safe_log(x):
    x = jnp.asarray(x)
    return jnp.log(x)
def loss(z):
    return -safe_log(jax.nn.softmax(z)).mean()
def fine(z):
    safe_log(z)
    return safe_log(jax.nn.softmax(z) + 1e-8)
"""


def test_a_thin_wrapper_of_a_log_is_judged_at_the_call_that_passes_what_reaches_zero():
    [finding] = findings(WRAPPER)
    assert (finding.span.start.line + 1, finding.span.start.column) == (7, 12)
    assert finding.message == (
        "`safe_log(jax.nn.softmax(z))` takes a log (line 5): `jnp.log(x)`: `x` is a softmax output (line 7); "
        "it underflows to 0 in float32, giving -inf and NaN gradients"
    )
    assert [r.span.start.line + 1 for r in finding.related] == [5, 7]


def test_a_wrapper_whose_log_is_a_finding_of_its_own_is_reported_once():
    code = WRAPPER.replace("    x = jnp.asarray(x)\n", "    x = jax.nn.sigmoid(x)\n")
    assert flagged(code) == [(5, "jax.numpy.log")]


def test_the_wrappers_call_site_follows_edits_of_the_wrapper_with_a_cache():
    safe = WRAPPER.replace("return jnp.log(x)", "return jnp.log(x + 1e-6)")
    assert_edits_follow([(WRAPPER, [7]), (safe, []), ("\n\n" + WRAPPER, [9])])


def test_a_tuple_returned_by_a_method_is_unpacked_element_by_element():
    code = """\
        import torch
        class Ema:
            def _coefficients(self):
                damping = torch.sigmoid(self.damping)
                decay = torch.sigmoid(self.decay)
                return damping, 1.0 - damping * decay
            def cached(self):
                if self.training:
                    return self._coefficients()
                return self._coeffs
            def kernel(self, n):
                damping, weight = self._coefficients()
                other, _ = self.cached()
                return torch.log(weight) + torch.log(damping + 1e-6) + torch.log(other)
        """
    found = findings(code)
    assert [(f.span.start.line + 1, f.span.start.column) for f in found] == [(14, 15), (14, 63)]
    assert "`weight` is 1 minus a probability (line 6)" in found[0].message
    assert "`other` is a sigmoid output (line 4)" in found[1].message


def test_a_call_with_splatted_options_is_followed_with_what_comes_before_them():
    code = """\
        import torch
        class Posterior:
            def normalization(self, x, num_samples=1000, eps=1e-3):
                return torch.mean(torch.exp(self.weights(x, num_samples))) + 0 * eps
            def log_prob(self, x, options):
                z = self.normalization(x, **options)
                return torch.log(z)
        """
    [finding] = findings(code)
    assert "`z` can be 0: `torch.exp(self.weights(x, num_samples))` is an exp/softplus output (line 4)" in finding.message
