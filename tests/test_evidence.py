"""NG001 reports what the code shows: one case per false-alarm kind and per miss found on real
projects (bench/precision/labels.csv), asserting the finding or its absence and its words."""

import pytest

from engine_helpers import findings, flagged


def message(code: str) -> str:
    [finding] = findings(code)
    return finding.message


NOT_REPORTED = {
    "literal test data": "import numpy as np\nnp.log(np.array([0.8, 0.1, 0.1]))\n",
    "literal tensor": "import torch\ntorch.FloatTensor([[0.2, 0.8]]).log()\n",
    "log-sum-exp with the max subtracted": (
        "import torch\ndef f(x):\n    m = x.max(dim=1, keepdim=True)[0]\n"
        "    return m + torch.log(torch.exp(x - m).sum(dim=1))\n"
    ),
    "log-sum-exp in numpy": "import numpy as np\ndef f(x):\n    return np.log(np.sum(np.exp(x - np.max(x))))\n",
    "a hyper-parameter": "import numpy as np\ndef f(label_smoothing):\n    return np.log(1.0 - label_smoothing)\n",
    "a count": "import numpy as np\ndef f(num_classes):\n    return np.log(num_classes)\n",
    "a size": "import torch\ndef f(x):\n    return torch.log(torch.tensor(x.shape[0]))\n",
    "len()": "import numpy as np\ndef f(xs):\n    return np.log(len(xs))\n",
    "an arange from 2": "import numpy as np\ndef f(n):\n    return np.log(np.arange(2, n))\n",
    "a thin wrapper": "import jax.numpy as jnp\ndef log(x):\n    x = convert(x)\n    return jnp.log(x)\n",
    "a value from another module": "import torch\nfrom .helpers import clip_probs\ndef f(p):\n    return torch.log(clip_probs(p))\n",
    "an attribute set elsewhere": "import torch\nclass M:\n    def loss(self):\n        return torch.log(self.std)\n",
    "a dict entry": "import torch\ndef f(self, m):\n    return torch.log(m + self.coeffs['EPS'])\n",
    "Gumbel noise": "import torch\ndef f(x):\n    u = torch.rand_like(x)\n    return -torch.log(-torch.log(u + 1e-10))\n",
    "bounded arithmetic": "import torch\ndef f(mask):\n    return torch.log(0.99 * torch.sigmoid(mask) + 0.005)\n",
    "a method chain adding an epsilon": "import torch\ndef f(z):\n    return torch.softmax(z, 1).add(1e-8).log()\n",
    "exp then add 1": "import torch\ndef f(z):\n    return z.exp().add(1).log()\n",
    "an assert guard": "import numpy as np\ndef f(x):\n    assert np.all(x > 0)\n    return np.log(np.exp(x))\n",
    "an early return on the minimum": (
        "import numpy as np\ndef f(x):\n    x = np.exp(x)\n    if np.min(x) <= 0:\n        return None\n    return np.log(x)\n"
    ),
    "numpy where=": "import numpy as np\ndef f(p):\n    p = np.exp(p)\n    return np.log(p, where=p > 0, out=np.zeros_like(p))\n",
    "a clip with an epsilon in float32": "import torch\ndef f(z):\n    return torch.log(torch.clamp(torch.softmax(z, 1), min=1e-7))\n",
    "a product of a softmax with a mask, plus an epsilon": (
        "import torch\ndef f(z, mask):\n    return torch.log(torch.softmax(z, 1) * mask + 1e-8)\n"
    ),
}


@pytest.mark.parametrize("code", NOT_REPORTED.values(), ids=NOT_REPORTED.keys())
def test_what_the_code_shows_is_safe_or_unknown_is_not_reported(code):
    assert flagged(code) == []


def test_a_softmax_is_reported_with_its_line():
    text = message("import tensorflow as tf\ndef f(logits):\n    y = tf.nn.softmax(logits)\n    return tf.log(y)\n")
    assert text.startswith("`tf.log(y)`: `y` is a softmax output (line 3); it underflows to 0 in float32")


def test_the_complement_of_a_probability():
    text = message("import torch\ndef f(z):\n    p = torch.sigmoid(z)\n    return torch.log(1 - p)\n")
    assert "1 minus a probability" in text


def test_a_rounding_trap_in_float32_names_the_bound():
    code = "import tensorflow as tf\ndef f(z):\n    p = tf.clip_by_value(tf.nn.sigmoid(z), 1e-8, 1 - 1e-8)\n    return tf.log(1 - p)\n"
    text = message(code)
    assert "`1 - 1e-8` is 1.0 in float32" in text


def test_the_same_clip_is_safe_in_numpy_float64():
    code = "import numpy as np\ndef f(p):\n    p = np.clip(p, 1e-8, 1 - 1e-8)\n    return np.log(1 - p)\n"
    assert flagged(code) == []


def test_an_epsilon_added_before_the_complement_is_lost_in_float32():
    code = "import torch\ndef f(z):\n    p = torch.sigmoid(z)\n    return torch.log(1e-10 + 1 - p)\n"
    assert len(flagged(code)) == 1


def test_an_epsilon_added_in_half_precision_adds_nothing():
    code = "import torch\ndef f(z):\n    p = torch.softmax(z, 1).half()\n    return torch.log(p + 1e-10)\n"
    assert "softmax output" in message(code)


def test_an_epsilon_does_not_make_a_negative_value_safe():
    code = "import torch\ndef f(a, b):\n    corr = torch.cosine_similarity(a, b) + 1e-8\n    return torch.log(corr)\n"
    text = message(code)
    assert "can be negative" in text or "a value that can be negative" in text
    assert "an epsilon does not keep a value that goes negative away from zero" in text


def test_a_variable_named_eps_holding_a_random_draw_is_not_an_epsilon():
    text = message("import torch\ndef f(x):\n    eps = torch.rand_like(x)\n    return eps.log()\n")
    assert "uniform random draw" in text and "includes 0" in text


def test_a_clamp_after_the_log_does_not_help_the_gradient():
    assert len(flagged("import torch\ndef f(z):\n    return torch.softmax(z, 1).log().clamp(min=-100)\n")) == 1


def test_probability_parameters_by_name_and_keras_style_losses():
    assert len(flagged("import numpy as np\ndef entropy(probs):\n    return -np.sum(probs * np.log(probs))\n")) == 1
    assert len(flagged("from keras import ops\ndef loss(y_true, y_pred):\n    return ops.log(y_pred)\n")) == 1
    assert flagged("from keras import ops\ndef f(y_pred):\n    return ops.log(y_pred)\n") == []


def test_the_message_describes_the_whole_expression_not_one_term():
    text = message("import torch\ndef f(z, w):\n    m = torch.sigmoid(z)\n    return torch.log(m * w)\n")
    assert text.startswith("`torch.log(m * w)`: `m * w` can be 0: `torch.sigmoid(z)` is a sigmoid output (line 3)")


def test_the_message_does_not_depend_on_branch_order():
    branches = (
        "    if c:\n        p = torch.softmax(z, 1)\n    else:\n        p = torch.sigmoid(z)\n",
        "    if not c:\n        p = torch.sigmoid(z)\n    else:\n        p = torch.softmax(z, 1)\n",
    )
    messages = [message("import torch\ndef f(z, c):\n" + body + "    return torch.log(p)\n") for body in branches]
    # Whichever branch runs first, the cause named is the one written first.
    assert "softmax output (line 4)" in messages[0] and "sigmoid output (line 4)" in messages[1]


def test_a_loop_reaches_its_fixpoint():
    code = "import torch\ndef f(z, n):\n    p = torch.ones(3)\n    for _ in range(n):\n        p = p * torch.sigmoid(z)\n    return torch.log(p)\n"
    assert "sigmoid output" in message(code)
