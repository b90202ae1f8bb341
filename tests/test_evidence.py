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
    "literal weights divided by their sum": (
        "import numpy as np\ndef test_log_prob():\n    probs = np.array([0.1, 0.2, 0.3])\n"
        "    normalized = probs / np.sum(probs, axis=-1, keepdims=True)\n    return np.log(normalized)\n"
    ),
    "log-sum-exp with the max subtracted": (
        "import torch\ndef f(x):\n    m = x.max(dim=1, keepdim=True)[0]\n"
        "    return m + torch.log(torch.exp(x - m).sum(dim=1))\n"
    ),
    "log-sum-exp in numpy": "import numpy as np\ndef f(x):\n    return np.log(np.sum(np.exp(x - np.max(x))))\n",
    "log-sum-exp with the max subtracted in place": (
        "import jax.numpy as jnp\ndef f(logits):\n    logits -= jnp.max(logits, axis=-1, keepdims=True)\n"
        "    return jnp.log(jnp.sum(jnp.exp(logits), axis=-1))\n"
    ),
    "log-sum-exp with the max unpacked from (values, indices)": (
        "import torch\ndef f(x):\n    m, _ = x.max(-1, keepdim=True)\n    stable = x - m\n    return m + stable.exp().sum(-1).log()\n"
    ),
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
    "probabilities turned into logits": (
        "import tensorflow as tf\nclass Bernoulli:\n    def logits(self):\n        probs = tf.convert_to_tensor(self._probs)\n"
        "        return tf.math.log(probs) - tf.math.log1p(-probs)\n"
    ),
    "probabilities turned into logits with log(1 - p)": (
        "import torch\ndef logits(probs):\n    return torch.log(probs) - torch.log(1 - probs)\n"
    ),
    "a log zeroed where its factor is (multiply_no_nan)": (
        "import tensorflow as tf\ndef log_prob(probs, counts):\n"
        "    return tf.math.multiply_no_nan(tf.math.log(probs), counts)\n"
    ),
    "zeros a where writes outside the support": (
        "import jax.numpy as jnp\nclass Deterministic:\n    def prob(self, value):\n"
        "        return jnp.where(jnp.abs(value - self.loc) <= self.slack, 1., 0.)\n"
        "    def log_prob(self, value):\n        return jnp.log(self.prob(value))\n"
    ),
    "a rate tested for truth before its log": (
        "import torch\ndef f(min_alpha=None):\n    min_alpha = min_alpha if min_alpha else 0.0\n"
        "    if min_alpha:\n        return torch.tensor(min_alpha).log()\n"
    ),
    "erfc of a value a where keeps below 0": (
        "import tensorflow as tf\ndef f(x):\n    safe_negative_x = tf.where(x < 0, x, -1.)\n"
        "    return tf.math.log(tf.math.erfc(safe_negative_x))\n"
    ),
    "1 + erf of a value an early return keeps above -3": (
        "import torch\ndef f(x):\n    if x < -3:\n        return None\n    return torch.log(1 + torch.erf(x))\n"
    ),
    "a uniform draw in float64": "import numpy as np\ndef f(n):\n    return np.log(np.random.uniform(size=n))\n",
    "a Metropolis test": (
        "import jax\nimport jax.numpy as jnp\ndef accept(key, log_p_accept):\n"
        "    return jnp.log(jax.random.uniform(key)) < log_p_accept\n"
    ),
    "the inner log of Gumbel-max noise": (
        "import jax\nimport jax.numpy as jnp\ndef sample(key, logits):\n    u = jax.random.uniform(key, shape=logits.shape)\n"
        "    return jnp.argmax(logits - jnp.log(-jnp.log(u)), axis=1)\n"
    ),
    "erfc of a tensor masked to its negative part": (
        "import torch\ndef log_erfc(x):\n    is_pos = x > 0\n    x_neg = x.masked_fill(is_pos, 0)\n"
        "    return torch.log(torch.special.erfc(x_neg))\n"
    ),
    "a where that replaces exact zeros (tf.equal)": (
        "import tensorflow as tf\ndef coverage(attention_probs):\n"
        "    attention_probs = tf.where(tf.equal(attention_probs, 0.0), tf.ones_like(attention_probs), attention_probs)\n"
        "    return tf.reduce_sum(tf.math.log(tf.minimum(attention_probs, 1.0)), 2)\n"
    ),
    "an entropy of counts kept above 0, normalised in place": (
        "import jax.numpy as jnp\nEPS = 1e-6\ndef entropy(x):\n    x += EPS\n    x /= jnp.sum(x)\n"
        "    return -jnp.sum(x * jnp.log(x))\n"
    ),
    "a maximum with a floor nothing is known of": (
        "import numpy as np\nclass Converter:\n    def mel(self, spectrum, filters):\n"
        "        mel_spec = np.dot(spectrum, np.maximum(0.0, filters))\n"
        "        return np.log(np.maximum(mel_spec, self.mel_floor))\n"
    ),
    "a probability a function computed, by its name alone": (
        "import torch\ndef loss(anchors, prototypes):\n    mean_anchor_probs = helper(anchors, prototypes)\n"
        "    return mean_anchor_probs.log()\n"
    ),
    "ones minus an epsilon nothing is known of": (
        "import tensorflow as tf\nclass Likelihood:\n    def log_prob(self, hits, y):\n"
        "        yes = tf.ones(tf.shape(y)) - self.invlink.epsilon\n"
        "        no = tf.zeros(tf.shape(y)) + self.invlink.eps_k1\n"
        "        return tf.reduce_sum(tf.math.log(tf.where(hits, yes, no)), axis=-1)\n"
    ),
    "a value broadcast onto a zeros tensor": (
        "import tensorflow as tf\nclass Policy:\n    def logits(self, t):\n"
        "        return tf.math.log(tf.zeros_like(t) + self._get_epsilon())\n"
    ),
    "a where on a strict bound": "import tensorflow as tf\ndef f(df):\n    return tf.math.log(tf.where(df > 1, df - 1, 1.))\n",
    "log-softmax with a max that is -inf for an empty input": (
        "import numpy as np\ndef _max_finite(x, axis, mask=0):\n    if x.size == 0:\n        return -np.inf\n"
        "    m = np.max(x, axis=axis, keepdims=True)\n    if np.ndim(m) > 0:\n        m = np.where(~np.isfinite(m), mask, m)\n"
        "    return m\n"
        "def log_softmax(logits):\n    y = logits - _max_finite(logits, -1)\n"
        "    return y - np.log(np.sum(np.exp(y), axis=-1, keepdims=True))\n"
    ),
    "log-softmax with a max that a where keeps finite": (
        "import numpy as np\ndef _max_finite(x, axis):\n    m = np.max(x, axis=axis, keepdims=True)\n"
        "    return np.where(np.isfinite(m), m, 0)\n"
        "def log_softmax(logits):\n    y = logits - _max_finite(logits, -1)\n"
        "    return y - np.log(np.sum(np.exp(y), axis=-1, keepdims=True))\n"
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


# Misses found on real bug fixes (bench/precision/bugs.csv) and labelled real findings.


def test_a_correlation_by_name_plus_an_epsilon():
    code = "import torch\nclass D:\n    def norm(self):\n        corr = self.correlation.view(1, -1) + 1e-8\n        return torch.log(corr)\n"
    text = message(code)
    assert text.startswith("`torch.log(corr)`: `corr` is a correlation by its name (line 4)")
    assert "an epsilon does not keep a value that goes negative away from zero" in text


def test_one_plus_erf_reaches_zero_in_the_lower_tail():
    code = "import torch\ndef f(t):\n    return (t * (1 + (t * 0.5**0.5).erf())).mul(0.5).log()\n"
    text = message(code)
    assert "is an erf output (line 3)" in text and "1 + erf or 1 - erf is 0 there" in text


def test_a_matrix_product_of_exps_underflows_even_with_each_max_subtracted():
    code = (
        "import torch\ndef f(x, y):\n    x_shift = x.max(-1, keepdim=True)[0]\n    y_shift = y.max(-2, keepdim=True)[0]\n"
        "    return torch.matmul((x - x_shift).exp(), (y - y_shift).exp()).log()\n"
    )
    assert "`(x - x_shift).exp()` is an exp/softplus output (line 5)" in message(code)
    assert flagged("import numpy as np\ndef f(a, b):\n    return np.log(np.exp(a) @ np.exp(b) + 1e-30)\n") == []


def test_a_uniform_draw_in_place_and_its_bounds():
    code = "import torch\ndef f(n):\n    return torch.nn.init.uniform_(torch.Tensor(n, 1)).log()\n"
    assert "the argument is a uniform random draw; the draw includes 0" in message(code)
    assert flagged("import numpy as np\nnp.log(np.random.uniform(1.0, 2.0, size=3))\n") == []
    assert flagged("import torch\ndef f(x):\n    return x.uniform_(0.5, 1.0).log()\n") == []


def test_a_value_times_its_own_log_once_it_is_known_not_negative():
    code = (
        "import torch\ndef deviance(targets, preds):\n    if torch.any(preds <= 0) or torch.any(targets < 0):\n"
        "        raise ValueError('negative')\n    return targets * torch.log(targets / preds)\n"
    )
    text = message(code)
    assert text.startswith("`torch.log(targets / preds)`: it is multiplied by `targets` (line 5)")
    assert "0 * -inf = NaN, not the 0 the formula means (xlogy gives 0)" in text
    # Nothing known of the value: the formula alone is not evidence.
    assert flagged("import torch\ndef f(p, q):\n    return torch.sum(p * torch.log(p / q))\n") == []


def test_what_only_looks_like_a_guard_is_still_reported():
    # multiply_no_nan zeroes the product where its second factor is 0, not its first: 0 * -inf.
    code = "import tensorflow as tf\ndef entropy(probs):\n    return -tf.math.multiply_no_nan(probs, tf.math.log(probs))\n"
    assert "`probs` is a probability by its name (line 2)" in message(code)
    # The logit of a sigmoid output is not exact: the sigmoid underflowed to the 0 it logs.
    code = "import torch\ndef inverse_sigmoid(z):\n    p = torch.sigmoid(z)\n    return torch.log(p) - torch.log(1 - p)\n"
    first, second = (finding.message for finding in findings(code))
    assert "`p` is a sigmoid output (line 3)" in first and "the argument is 1 minus a probability" in second
    # A logit of one probability minus the log of another's complement is no logit.
    code = "import tensorflow as tf\ndef f(z, x):\n    p = tf.nn.softmax(z)\n    return tf.math.log(p) - tf.math.log1p(-x)\n"
    assert "`p` is a softmax output (line 3)" in message(code)
    # A where's zero that comes from the data, not from the where, is still evidence.
    code = "import jax.numpy as jnp\ndef f(mask, z):\n    return jnp.log(jnp.where(mask, jnp.exp(z), 1.0))\n"
    assert "is an exp/softplus output" in message(code)
    # A float32 draw is 0 once in 2**24: still reported, and so is its log summed into a loss.
    code = "import torch\ndef f(x):\n    u = torch.rand_like(x)\n    return (torch.log(u) * x).sum()\n"
    assert "`u` is a uniform random draw (line 3); the draw includes 0" in message(code)
    # A mask compared the other way round does not keep erfc's argument below 0.
    code = "import torch\ndef f(x):\n    x_neg = x.masked_fill(x < 0, 0)\n    return torch.log(torch.special.erfc(x_neg))\n"
    assert "the argument is an erfc output" in message(code)
    # A parameter named like a probability is still one: what a caller passes may be exactly 0.
    assert "`probs` is a probability by its name" in message("import torch\ndef nll(probs):\n    return -torch.log(probs)\n")
    # Truth proves only "not 0": a value that may be negative stays unknown, one at or below 0 stays evidence.
    assert findings("import torch\ndef f(x):\n    if x:\n        return torch.log(torch.relu(x))\n")


def test_a_where_picks_values_not_gradients():
    code = "import tensorflow as tf\ndef f(x):\n    return tf.where(tf.abs(x) < 1.0, tf.math.log1p(x**2.0), 2 * tf.math.log(tf.math.abs(x)))\n"
    text = message(code)
    assert text.startswith("`tf.math.log(tf.math.abs(x))`: it is guarded only by the where on `tf.abs(x) < 1.0` (line 3)")
    assert "a where picks values, not gradients" in text
    # NumPy computes no gradients: its where keeps the -inf out of the result.
    assert flagged("import numpy as np\ndef f(x):\n    return np.where(np.abs(x) > 1, np.log(np.abs(x)), 0.0)\n") == []


REPORTED_WITH = {
    "a normal CDF": (
        "import torch\ndef f(z):\n    std_norm = torch.distributions.normal.Normal(0.0, 1.0)\n"
        "    z_cdf = std_norm.cdf(z)\n    return torch.log(z_cdf)\n",
        "`z_cdf` is a CDF (line 4); it is 0 below the support and underflows to 0",
    ),
    "a difference of CDFs": (
        "from jax.scipy.stats import norm\nimport jax.numpy as jnp\ndef f(a, b):\n    return jnp.log(norm.cdf(b) - norm.cdf(a))\n",
        "is a CDF",
    ),
    "an erfc": (
        "import torch\ndef f(x):\n    return x.double().erfc().log()\n",
        "the argument is an erfc output; it underflows to 0 in float64",
    ),
    "a probability attribute by name": (
        "import tensorflow as tf\nclass Binomial:\n    def f(self, counts):\n        return counts * tf.log(self.probs)\n",
        "the argument is a probability by its name; a probability can be exactly 0",
    ),
    "a mask by name": (
        "import torch\ndef masked_log_softmax(vector, mask):\n    vector = vector + mask.log()\n    return vector\n",
        "the argument is a 0/1 mask by its name; its log is -inf at every masked entry",
    ),
    "an epsilon of zero": (
        "import numpy as np\nLOG_ZERO = 0.0\ndef f(y):\n    return np.log(y + LOG_ZERO)\n",
        "`0.0` is 0 added as an epsilon (line 2); it keeps nothing away from zero",
    ),
    "a difference of two exps": (
        "import jax.numpy as jnp\ndef f(w, d):\n    return jnp.log(jnp.exp(w) - jnp.expm1(d))\n",
        "a difference that can be 0 or negative; its operands' ranges overlap: `jnp.exp(w)` is an exp/softplus output (line 3), giving NaN",
    ),
    "a sum of exps without the max subtracted": (
        "import torch\ndef f(log_weights):\n    return torch.log(torch.exp(log_weights).mean())\n",
        "`torch.exp(log_weights)` is an exp/softplus output (line 3); it underflows to 0 in float32",
    ),
    "an exp normalised by its sum": (
        "import torch\ndef f(logits, lp):\n    w = torch.exp(logits + lp)\n    w = w / w.sum()\n    return torch.log(w)\n",
        "`w` is an exp/softplus output (line 3)",
    ),
    "an einsum of exps collected in a list": (
        "import torch\ndef f(equation, operands):\n    parts = []\n    for operand in operands:\n"
        "        parts.append((operand - operand.max()).exp())\n    return torch.einsum(equation, parts).log()\n",
        "`torch.einsum(equation, parts)` can be 0: `(operand - operand.max()).exp()` is an exp/softplus output (line 5)",
    ),
    "a value divided by its own sum": (
        "import torch\ndef kl(p, q):\n    p = p / p.sum(axis=-1, keepdim=True)\n    q = torch.clamp(q, 1e-6)\n"
        "    return torch.sum(p * torch.log(p / q), axis=-1)\n",
        "`p / p.sum(axis=-1, keepdim=True)` is a distribution (a value divided by its own sum) (line 3)",
    ),
    "a distribution's probabilities": (
        "import tensorflow as tf\ndef f(dist):\n    mass = tf.reduce_sum(dist.probs_parameter()[:, 1:], axis=1)\n    return -tf.math.log(mass)\n",
        "`mass` is a probability by its name (line 3)",
    ),
    "the square root of a softmax": (
        "import torch\ndef f(z):\n    return torch.log(torch.sqrt(torch.softmax(z, 1)))\n",
        "`torch.softmax(z, 1)` is a softmax output (line 3)",
    ),
    "the absolute value of a signed value": (
        "import torch\ndef f(x):\n    return torch.log(torch.abs(torch.tanh(x)))\n",
        "the argument is an absolute value; it is 0 wherever its argument is 0",
    ),
}


@pytest.mark.parametrize(("code", "words"), REPORTED_WITH.values(), ids=REPORTED_WITH.keys())
def test_what_the_code_shows_reaches_zero_is_reported_with_its_evidence(code, words):
    assert words in message(code)
