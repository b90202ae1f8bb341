"""When a log's argument is kept away from zero, and when it is not."""

import pytest

from engine_helpers import findings, flagged

from nanguard.settings import Settings

STRICT = Settings(strict=True)

SAFE = [
    "tf.log(tf.clip_by_value(x, 1e-10, 1.0))",
    "tf.log(tf.clip_by_value(x, clip_value_min=1e-10, clip_value_max=1.0))",
    "tf.log(tf.maximum(x, 1e-10))",
    "tf.log(tf.maximum(1e-10, x))",
    "torch.log(torch.clamp(x, min=1e-8))",
    "torch.log(torch.clamp(x, 1e-8))",
    "torch.log(torch.clip(x, min=1e-8))",
    "torch.log(x.clamp(min=1e-8))",
    "torch.log(x.clamp_min(1e-8))",
    "x.clamp(min=1e-8).log()",
    "np.log(np.clip(x, 1e-12, None))",
    "np.log(np.clip(x, a_min=1e-12, a_max=None))",
    "np.log(np.maximum(x, np.finfo(np.float32).eps))",
    "jnp.log(jnp.clip(x, 1e-6))",
    "K.log(K.clip(x, K.epsilon(), 1 - K.epsilon()))",
    "tf.log(x + 1e-8)",
    "tf.log(1e-8 + x)",
    "tf.log(x + EPS)",
    "tf.log(x + K.epsilon())",
    "np.log(x + np.finfo(x.dtype).eps)",
    "np.log(x + np.finfo(float).tiny)",
    "torch.log(x + torch.finfo(x.dtype).eps)",
    "tf.log(2.0)",
    "tf.log(3 * 4 + 1)",
    "tf.log(1 + x ** 2)",
    "tf.log(1 + tf.exp(x))",
    "np.log(len(xs) + 1)",
    "tf.log(tf.where(x > 0, x, 1.0))",
    "tf.log(tf.where(x > 0, x, tf.ones_like(x)))",
    "np.log(x if x > 0 else 1.0)",
    "np.log(max(x, 1e-9))",
    "tf.log((x + 1e-8))",
    "tf.log(x + EPS * 0.5)",
    "torch.log(torch.ones(3))",
    "tf.log(tf.nn.softmax(z) + 1e-9)",
]

UNSAFE = [
    "tf.log(tf.nn.softmax(z))",
    "tf.log(tf.clip_by_value(x, 0, 1))",
    "tf.log(tf.clip_by_value(x, 0.0, 1.0))",
    "torch.log(torch.clamp(x, min=0))",
    "torch.log(x.clamp(min=0))",
    "torch.log(torch.relu(x))",
    "torch.log(x.relu())",
    "np.log(np.maximum(x, 0))",
    "tf.log(tf.exp(x))",
    "np.log(np.zeros(3))",
    "np.log(0)",
    "torch.log(torch.rand(3))",
    "tf.log(tf.nn.softmax(z) * mask)",
    "tf.log(tf.nn.sigmoid(a) - tf.nn.sigmoid(b))",
    "tf.log(x + ZERO)",
    "torch.log(torch.abs(torch.tanh(x)))",
    "tf.where(tf.abs(x) > 1, tf.log(tf.abs(x)), 0.0)",
    "torch.log(torch.special.ndtr(x))",
    "jnp.log(1 + jax.scipy.special.erf(x))",
    "torch.log(torch.matmul(torch.exp(a), torch.exp(b)))",
]
"""Arguments the code shows can reach zero: reported by default."""

UNKNOWN = [
    "tf.log(x)",
    "tf.log(x - 1e-8)",
    "tf.log(1 - x)",
    "tf.log(-1e-8 + x - 1e-8 - 1e-8)",
    "tf.log(x * 1e-8)",
    "np.log(x ** 2)",
    "np.log(abs(x))",
    "np.where(np.abs(x) > 1, np.log(np.abs(x)), 0.0)",
    "tf.where(x > 0, tf.log(x), 0.0)",
    "torch.log(torch.matmul(a, b))",
]
"""Arguments nothing is known of: reported only with `strict`."""

PRELUDE = """
import tensorflow as tf
import torch
import numpy as np
import jax
import jax.numpy as jnp
from keras import backend as K
EPS = 1e-7
ZERO = 0.0
"""


@pytest.mark.parametrize("expression", SAFE)
def test_safe_arguments_are_not_reported(expression):
    assert flagged(PRELUDE + f"result = {expression}\n") == []


@pytest.mark.parametrize("expression", UNSAFE)
def test_unsafe_arguments_are_reported(expression):
    assert len(flagged(PRELUDE + f"result = {expression}\n")) == 1


@pytest.mark.parametrize("expression", UNKNOWN)
def test_unknown_arguments_are_reported_only_when_strict(expression):
    code = PRELUDE + f"result = {expression}\n"
    assert flagged(code) == []
    assert len(flagged(code, Settings(strict=True))) == 1


@pytest.mark.parametrize("expression", SAFE)
def test_safe_arguments_are_not_reported_even_when_strict(expression):
    assert flagged(PRELUDE + f"result = {expression}\n", Settings(strict=True)) == []


def test_chains_of_names_keep_the_cause():
    code = """
    import tensorflow as tf
    def loss(logits, labels):
        p = tf.nn.softmax(logits)
        q = p
        r = q
        return -tf.reduce_sum(labels * tf.log(r))
    """
    [finding] = findings(code)
    assert "softmax output (line 4)" in finding.message
    assert finding.related[0].span.start.line == 3


def test_reassignment_with_a_clip_makes_it_safe():
    code = """
    import tensorflow as tf
    def loss(logits):
        probs = tf.nn.softmax(logits)
        probs = tf.clip_by_value(probs, 1e-10, 1.0)
        return tf.log(probs)
    """
    assert flagged(code) == []


def test_augmented_assignment_adds_epsilon():
    code = """
    import torch
    def f(p):
        p += 1e-8
        return torch.log(p)
    """
    assert flagged(code) == []


def test_unsafe_on_any_branch_is_unsafe():
    code = """
    import torch
    def f(logits, smooth):
        if smooth:
            p = torch.softmax(logits, 1) + 1e-6
        else:
            p = torch.softmax(logits, 1)
        return torch.log(p)
    """
    [finding] = findings(code)
    assert "softmax output (line 7)" in finding.message


def test_safe_on_every_branch_is_safe():
    code = """
    import torch
    def f(logits, smooth):
        if smooth:
            p = torch.softmax(logits, 1) + 1e-6
        else:
            p = torch.clamp(torch.softmax(logits, 1), min=1e-6)
        return torch.log(p)
    """
    assert flagged(code) == []


def test_tuple_unpacking():
    code = """
    import torch
    def f(a, b):
        p, q = torch.softmax(a, 1), b + 1e-3
        return torch.log(p), torch.log(q)
    """
    assert flagged(code) == [(5, "torch.log")]


def test_if_guard_on_the_same_name():
    code = """
    import numpy as np
    def f(x, y):
        if x > 0:
            a = np.log(x)
        if y > 0:
            b = np.log(x)
        return a, b
    """
    assert flagged(code, STRICT) == [(7, "numpy.log")]


def test_early_return_guard():
    code = """
    import numpy as np
    def f(x):
        if x <= 0:
            return 0.0
        return np.log(x)
    """
    assert flagged(code) == []


def test_loop_carried_value_is_followed():
    code = """
    import torch
    def f(p, steps):
        for _ in range(steps):
            out = torch.log(p)
            p = torch.softmax(out, 1)
        return out
    """
    [finding] = findings(code)
    assert "softmax output (line 6)" in finding.message


def test_class_attribute_and_self_eps():
    code = """
    import torch
    class Loss:
        eps = 1e-6
        def __init__(self, floor=1e-8, zero=0.0):
            self.floor = floor
            self.zero = zero
        def __call__(self, p):
            return torch.log(p + self.eps) + torch.log(p + self.floor) + torch.log(p + self.zero)
    """
    assert len(flagged(code, STRICT)) == 1
    [finding] = findings(code, STRICT)
    assert "self.zero" in finding.message


def test_default_argument_epsilon():
    code = """
    import numpy as np
    def entropy(p, eps=1e-12):
        return -np.sum(p * np.log(p + eps))
    """
    assert flagged(code) == []


def test_message_names_sigmoid_cause_with_related_location():
    code = """
    import torch
    gate = torch.sigmoid(z)
    y = torch.log(gate)
    """
    [finding] = findings(code)
    assert finding.message.startswith("`torch.log(gate)`: `gate` is a sigmoid output (line 3)")
    assert [r.span.start.line for r in finding.related] == [2]


def test_unknown_values_are_reported_without_a_cause():
    [finding] = findings("import numpy as np\nnp.log(p)\n", STRICT)
    assert finding.message == "`np.log(p)`: `p` is not bounded away from zero; log(0) gives -inf"
    assert finding.related == ()
    # A framework that differentiates says what the gradient becomes too.
    [finding] = findings("import torch\ntorch.log(p)\n", STRICT)
    assert finding.message.endswith("log(0) gives -inf and NaN gradients")


def test_lambda_and_comprehension_names_shadow():
    code = """
    import numpy as np
    p = np.clip(q, 1e-9, 1)
    a = [np.log(p) for p in rows]
    b = lambda p: np.log(p)
    c = np.log(p)
    """
    assert flagged(code, STRICT) == [(4, "numpy.log"), (5, "numpy.log")]


def test_nested_function_sees_enclosing_values():
    code = """
    import numpy as np
    def outer(q):
        p = np.clip(q, 1e-9, 1)
        def inner():
            return np.log(p)
        return inner
    """
    assert flagged(code) == []


def test_comparison_guard_in_boolean_expression():
    assert flagged("import numpy as np\nv = x > 0 and np.log(x)\n") == []


def test_attributes_defined_in_terms_of_each_other():
    code = """
    import torch
    class Loss:
        def __init__(self, scale):
            self.a = self.b + 1
            self.b = self.a * scale
        def __call__(self, p):
            return torch.log(p + self.a)
    """
    assert flagged(code) == []


@pytest.mark.parametrize(
    "expression",
    [
        "torch.log(x + eps)",
        "torch.log(torch.clamp(x, min=self.epsilon))",
        "torch.log(torch.clip(x, backend.epsilon(), 1.0 - backend.epsilon()))",
        "torch.log(x + config.LOG_EPS)",
        "torch.log(x + _EPSILON)",
    ],
)
def test_names_that_hold_an_epsilon_by_convention(expression):
    code = f"import torch\nfrom keras.src import backend\ndef f(self, x, eps, config):\n    return {expression}\n"
    assert flagged(code) == []


def test_an_epsilon_known_to_be_zero_is_not_trusted():
    assert len(flagged("import torch\neps = 0.0\ny = torch.log(x + eps)\n", STRICT)) == 1


def test_keras_internal_backend_paths():
    code = "from keras.src import backend\nfrom keras.src import ops\ny = ops.log(ops.clip(x, backend.epsilon(), 1.0))\n"
    assert flagged(code) == []


def test_upper_clip_below_one_protects_the_complement():
    code = """
    import tensorflow as tf
    from keras import backend
    def bce(target, output):
        output = tf.clip_by_value(output, backend.epsilon(), 1.0 - backend.epsilon())
        return target * tf.math.log(output) + (1 - target) * tf.math.log(1 - output)
    def unclipped(target, output):
        output = tf.clip_by_value(output, 1e-7, 1.0)
        return tf.math.log(1 - output)
    """
    assert flagged(code) == [(9, "tensorflow.math.log")]


def test_in_place_methods_change_the_receiver():
    code = """
    import torch
    def merge(inverse, scores):
        out = torch.zeros(4)
        out.scatter_add_(0, inverse, scores)
        p = torch.softmax(scores, 0)
        p.clamp_(min=1e-8)
        return torch.log(out), torch.log(p)
    """
    [finding] = findings(code, STRICT)
    assert "torch.log(out)" in finding.message and "zeros" not in finding.message
