"""Each fix as before/after text: minimal, idempotent, and the result still parses."""

import textwrap

import pytest

from engine_helpers import STRICT, findings, parse_errors
from nanguard.edits import apply_edits
from nanguard.engine import analyze, fix_all
from nanguard.model import FixKind
from nanguard.settings import Settings


def apply(code: str, kind: FixKind, settings: Settings = STRICT) -> str:
    code = textwrap.dedent(code)
    [finding] = analyze(code, settings)
    fix = next(f for f in finding.fixes if f.kind is kind)
    return apply_edits(code, fix.edits)


CLIP_CASES = [
    (
        "import tensorflow as tf\ny = tf.nn.softmax(z)\nl = tf.log(y)\n",
        "import tensorflow as tf\ny = tf.nn.softmax(z)\nl = tf.log(tf.clip_by_value(y, 1e-10, 1.0))\n",
    ),
    ("import tensorflow as tf\nl = tf.log(x)\n", "import tensorflow as tf\nl = tf.log(tf.maximum(x, 1e-10))\n"),
    ("import torch\nl = torch.log(x)\n", "import torch\nl = torch.log(torch.clamp(x, min=1e-10))\n"),
    ("def f(x):\n    return x.log()\n", "def f(x):\n    return x.clamp(min=1e-10).log()\n"),
    ("def f(x):\n    return x.log_()\n", "def f(x):\n    return x.clamp_(min=1e-10).log_()\n"),
    ("import numpy as np\nl = np.log(x)\n", "import numpy as np\nl = np.log(np.clip(x, 1e-10, None))\n"),
    ("import jax.numpy as jnp\nl = jnp.log(x)\n", "import jax.numpy as jnp\nl = jnp.log(jnp.clip(x, 1e-10))\n"),
    (
        "from keras import backend as K\ny = K.softmax(z)\nl = K.log(y)\n",
        "from keras import backend as K\ny = K.softmax(z)\nl = K.log(K.clip(y, K.epsilon(), 1.0))\n",
    ),
    (
        "from keras import backend as K\nl = K.log(x)\n",
        "from keras import backend as K\nl = K.log(K.maximum(x, K.epsilon()))\n",
    ),
    (
        "import tensorflow.compat.v1 as tf\nl = tf.log(x)\n",
        "import tensorflow.compat.v1 as tf\nl = tf.log(tf.maximum(x, 1e-10))\n",
    ),
    (
        "from torch import log\nl = log(x)\n",
        "from torch import log\nimport torch\nl = log(torch.clamp(x, min=1e-10))\n",
    ),
    (
        '"""Doc."""\nfrom jax.numpy import log\n\n\ndef f(x):\n    return log(x)\n',
        '"""Doc."""\nfrom jax.numpy import log\nimport jax.numpy as jnp\n\n\ndef f(x):\n    return log(jnp.clip(x, 1e-10))\n',
    ),
    (
        "import jax\nl = jax.numpy.log(x)\n",
        "import jax\nl = jax.numpy.log(jax.numpy.clip(x, 1e-10))\n",
    ),
]


@pytest.mark.parametrize(("before", "after"), CLIP_CASES)
def test_clip_fix(before, after):
    assert apply(before, FixKind.CLIP) == after


@pytest.mark.parametrize(("before", "after"), CLIP_CASES)
def test_clip_is_the_default_and_fixing_twice_changes_nothing(before, after):
    fixed, count = fix_all(before, STRICT)
    assert (fixed, count) == (after, 1)
    assert fix_all(fixed, STRICT) == (after, 0)
    assert parse_errors(fixed) == 0


EPSILON_CASES = [
    ("import torch\nl = torch.log(x)\n", "import torch\nl = torch.log(x + 1e-10)\n"),
    ("import torch\nl = torch.log(a - b)\n", "import torch\nl = torch.log(a - b + 1e-10)\n"),
    ("import numpy as np\nl = np.log(a if c else b)\n", "import numpy as np\nl = np.log((a if c else b) + 1e-10)\n"),
    ("def f(x):\n    return x.log()\n", "def f(x):\n    return (x + 1e-10).log()\n"),
    ("def f(x):\n    return x.log_()\n", "def f(x):\n    return x.add_(1e-10).log_()\n"),
]


@pytest.mark.parametrize(("before", "after"), EPSILON_CASES)
def test_epsilon_fix(before, after):
    assert apply(before, FixKind.EPSILON) == after


STABLE_CASES = [
    ("import tensorflow as tf\nl = tf.log(tf.nn.softmax(z, axis=-1))\n", "import tensorflow as tf\nl = tf.nn.log_softmax(z, axis=-1)\n"),
    ("import tensorflow as tf\nl = tf.log(tf.sigmoid(z))\n", "import tensorflow as tf\nl = tf.math.log_sigmoid(z)\n"),
    ("import torch\nl = torch.log(torch.softmax(z, 1))\n", "import torch\nl = torch.log_softmax(z, 1)\n"),
    (
        "import torch\nimport torch.nn.functional as F\nl = torch.log(F.softmax(z, dim=1))\n",
        "import torch\nimport torch.nn.functional as F\nl = F.log_softmax(z, dim=1)\n",
    ),
    (
        "import torch\nimport torch.nn.functional as F\nl = torch.log(torch.sigmoid(z))\n",
        "import torch\nimport torch.nn.functional as F\nl = F.logsigmoid(z)\n",
    ),
    ("import torch\nl = torch.log(torch.sigmoid(z))\n", "import torch\nl = torch.nn.functional.logsigmoid(z)\n"),
    ("def f(z):\n    return z.softmax(dim=1).log()\n", "def f(z):\n    return z.log_softmax(dim=1)\n"),
    (
        "import torch\ndef f(z):\n    return z.sigmoid().log()\n",
        "import torch\ndef f(z):\n    return torch.nn.functional.logsigmoid(z)\n",
    ),
    ("import jax\nl = jax.numpy.log(jax.nn.softmax(z))\n", "import jax\nl = jax.nn.log_softmax(z)\n"),
    ("import jax.numpy as jnp\nimport jax\nl = jnp.log(jax.nn.sigmoid(z))\n", "import jax.numpy as jnp\nimport jax\nl = jax.nn.log_sigmoid(z)\n"),
]


@pytest.mark.parametrize(("before", "after"), STABLE_CASES)
def test_stable_fix(before, after):
    assert apply(before, FixKind.STABLE) == after
    assert analyze(after, STRICT) == []


def test_stable_fix_titles():
    titles = [f.title for f in findings("import tensorflow as tf\nl = tf.log(tf.nn.softmax(z))\n")[0].fixes]
    assert titles == ["Clip argument with epsilon", "Add epsilon", "Use log_softmax", "Disable NG001 for this line"]
    titles = [f.title for f in findings("import torch\nl = torch.log(torch.sigmoid(z))\n")[0].fixes]
    assert "Use log_sigmoid" in titles


def test_no_stable_fix_for_log2_or_through_a_variable():
    for code in ("import torch\nl = torch.log2(torch.softmax(z, 1))\n", "import torch\np = torch.softmax(z, 1)\nl = torch.log(p)\n"):
        assert FixKind.STABLE not in [f.kind for f in findings(code, STRICT)[0].fixes]


NOQA_CASES = [
    ("import numpy as np\nl = np.log(x)\n", "import numpy as np\nl = np.log(x)  # noqa: NG001\n"),
    ("import numpy as np\nl = np.log(x)  # noqa: E501\n", "import numpy as np\nl = np.log(x)  # noqa: E501, NG001\n"),
    ("import numpy as np\nl = np.log(x)  # why\n", "import numpy as np\nl = np.log(x)  # why  # noqa: NG001\n"),
    ("import numpy as np\r\nl = np.log(x)   \r\n", "import numpy as np\r\nl = np.log(x)  # noqa: NG001   \r\n"),
]


@pytest.mark.parametrize(("before", "after"), NOQA_CASES)
def test_noqa_fix(before, after):
    assert apply(before, FixKind.NOQA) == after
    assert analyze(after, STRICT) == []


@pytest.mark.parametrize(
    "code",
    [
        "import numpy as np\nl = np.log(x)  # noqa\n",
        "import numpy as np\nl = np.log(x)  # noqa: NG001\n",
        "import numpy as np\nl = np.log(x)  # NOQA:E501,NG001\n",
        "import numpy as np\nl = np.log(\n    x)  # noqa\nm = np.log(  # noqa: NG001\n    x)\n",
    ],
)
def test_noqa_suppresses(code):
    assert [f.span.start.line for f in analyze(code, STRICT)] == ([1] if "(\n    x)  # noqa" in code else [])


def test_noqa_for_another_code_does_not_suppress():
    assert len(analyze("import numpy as np\nl = np.log(x)  # noqa: E501\n", STRICT)) == 1


def test_fix_keeps_comments_and_layout_of_a_multiline_call():
    before = "import tensorflow as tf\nloss = tf.log(\n    y_conv  # probabilities\n    ,\n)\n"
    after = "import tensorflow as tf\nloss = tf.log(\n    tf.maximum(y_conv, 1e-10)  # probabilities\n    ,\n)\n"
    assert apply(before, FixKind.CLIP) == after


def test_fix_keeps_crlf_line_endings_and_adds_imports_with_them():
    before = "from torch import log\r\n\r\nl = log(x)\r\n"
    fixed, _ = fix_all(before, STRICT)
    assert fixed == "from torch import log\r\nimport torch\r\n\r\nl = log(torch.clamp(x, min=1e-10))\r\n"


def test_fix_positions_count_code_points_not_bytes():
    before = "import numpy as np\ns = '😀é'; l = np.log(x)\n"
    fixed, _ = fix_all(before, STRICT)
    assert fixed == "import numpy as np\ns = '😀é'; l = np.log(np.clip(x, 1e-10, None))\n"
    [finding] = analyze(before, STRICT)
    assert finding.span.start.column == len("s = '😀é'; l = ")


def test_every_finding_on_a_non_ascii_line_is_at_its_character_column():
    terms = ["np.log(é)", "np.log(日本)", "np.log(ü)"]
    line = "s = '😀ß'; y = " + " + ".join(terms)
    before = "import numpy as np\n" + line + "\n"
    fixed, _ = fix_all(before, STRICT)
    starts = [finding.span.start.column for finding in analyze(before, STRICT)]
    assert starts == [line.index(term) for term in terms]
    assert fixed == before.replace("(é)", "(np.clip(é, 1e-10, None))").replace("(日本)", "(np.clip(日本, 1e-10, None))").replace(
        "(ü)", "(np.clip(ü, 1e-10, None))"
    )


def test_configured_epsilon():
    assert apply("import torch\nl = torch.log(x)\n", FixKind.CLIP, Settings(strict=True, epsilon=1e-8)) == (
        "import torch\nl = torch.log(torch.clamp(x, min=1e-8))\n"
    )


def test_nested_logs_are_fixed_over_passes():
    fixed, count = fix_all("import numpy as np\nl = np.log(np.log(x))\n", STRICT)
    assert count == 2
    assert analyze(fixed, STRICT) == []
    assert parse_errors(fixed) == 0


def test_no_import_when_the_customary_name_is_taken():
    code = "from torch import log\ndef f(torch, x):\n    return log(x)\n"
    [finding] = analyze(code, STRICT)
    assert finding.fixes[0].kind is FixKind.EPSILON


def test_fix_all_on_the_examples_leaves_nothing_and_parses(examples):
    for path in examples:
        text = path.read_text(encoding="utf-8")
        fixed, _ = fix_all(text, STRICT)
        assert analyze(fixed, STRICT) == [], path
        assert parse_errors(fixed) == parse_errors(text), path
        assert fix_all(fixed, STRICT)[1] == 0


def test_deeply_nested_logs_are_fixed_in_one_pass():
    text = "import numpy as np\ny = " + "np.log(" * 40 + "p" + ")" * 40 + "\n"
    fixed, count = fix_all(text, STRICT)
    assert count == 40
    assert analyze(fixed, STRICT) == [] and parse_errors(fixed) == 0
