"""Which calls are framework logs: imports, aliases, scopes, tensor methods, logging APIs."""

import pytest

from engine_helpers import STRICT, flagged


@pytest.mark.parametrize(
    ("code", "function"),
    [
        ("import tensorflow as tf\ntf.log(p)", "tensorflow.log"),
        ("import tensorflow as tf\ntf.math.log(p)", "tensorflow.math.log"),
        ("import tensorflow.compat.v1 as tf\ntf.log(p)", "tensorflow.log"),
        ("import tensorflow as tf\ntf.compat.v1.log(p)", "tensorflow.log"),
        ("import tensorflow as tf\ntf.compat.v1.math.log(p)", "tensorflow.math.log"),
        ("import tensorflow as tf\ntf.keras.backend.log(p)", "tensorflow.keras.backend.log"),
        ("import tensorflow.experimental.numpy as tnp\ntnp.log10(p)", "tensorflow.experimental.numpy.log10"),
        ("from tensorflow import math as tfm\ntfm.log(p)", "tensorflow.math.log"),
        ("from keras import backend as K\nK.log(p)", "keras.backend.log"),
        ("import keras\nkeras.ops.log2(p)", "keras.ops.log2"),
        ("from keras import ops\nops.log(p)", "keras.ops.log"),
        ("import torch\ntorch.log(p)", "torch.log"),
        ("import torch\ntorch.log2(p)", "torch.log2"),
        ("import torch\ntorch.log10(p)", "torch.log10"),
        ("from torch import log as L\nL(p)", "torch.log"),
        ("import numpy as np\nnp.log(p)", "numpy.log"),
        ("import numpy as np\nnp.emath.log(p)", "numpy.emath.log"),
        ("from numpy import *\nlog(p)", "numpy.log"),
        ("import jax.numpy as jnp\njnp.log(p)", "jax.numpy.log"),
        ("import jax\njax.numpy.log2(p)", "jax.numpy.log2"),
        ("from jax import lax\nlax.log(p)", "jax.lax.log"),
        ("import torch\nlg = torch.log\nlg(p)", "torch.log"),
        ("import torch\nq = lg = torch.log\nq(p)", "torch.log"),
        ("def f(p):\n    import torch\n    return torch.log(p)", "torch.log"),
        ("try:\n    import tensorflow.compat.v1 as tf\nexcept ImportError:\n    import tensorflow as tf\ntf.log(p)", "tensorflow.log"),
    ],
)
def test_framework_logs_are_found(code, function):
    assert [name for _, name in flagged(code, STRICT)] == [function]


@pytest.mark.parametrize(
    "code",
    [
        "import math\nmath.log(p)",
        "import numpy as np\nnp.log1p(p)",
        "import numpy as np\nnp.ma.log(p)",
        "import torch\ntorch.xlogy(x, p)",
        "import torch\ntorch.log_softmax(z, 1)",
        "import torch.nn.functional as F\nF.logsigmoid(z)",
        "import scipy.special\nscipy.special.logsumexp(z)",
        "import logging\nlogging.log(logging.INFO, 'x')",
        "import wandb\nwandb.log({'loss': 1})",
        "import mlflow\nmlflow.log_metric('loss', 1)",
        "logger.log(20, 'message')",
        "run.log({'a': 1})",
        "class M:\n    def step(self, x):\n        self.log('loss', x)\n        self.log()",
        "def log(msg):\n    print(msg)\nlog('hello')",
        "import torch\ndef f(torch):\n    return torch.log(p)",
        "def f(np, p):\n    return np.log(p)",
        "import torch\ndef f(p):\n    torch = Something()\n    return torch.log(p)",
        "import numpy as np\nclass A:\n    def log(self, x):\n        return x\n    def g(self, x):\n        return self.log(x)",
        "from mylib import log\nlog(p)",
        "'text'.log()",
        "log(p)",
    ],
)
def test_non_framework_calls_are_not_logs(code):
    assert flagged(code, STRICT) == []


def test_tensor_method_without_arguments_is_a_log():
    assert flagged("def f(p):\n    return p.log()", STRICT) == [(2, "torch.Tensor.log")]


@pytest.mark.parametrize("method", ["log_", "log2", "log10"])
def test_other_tensor_log_methods(method):
    assert flagged(f"def f(p):\n    return p.{method}()", STRICT) == [(2, f"torch.Tensor.{method}")]


def test_method_with_arguments_is_a_log_only_on_known_tensors():
    code = """
    import torch
    def f(x, y):
        a = torch.softmax(x, 1)
        return a.log(out=None), y.log("loss", 1)
    """
    assert flagged(code, STRICT) == [(5, "torch.Tensor.log")]


def test_frameworks_setting_limits_the_check():
    from nanguard.settings import Settings

    code = "import torch\nimport numpy as np\ntorch.log(p)\nnp.log(p)"
    assert flagged(code, Settings(strict=True, frameworks=frozenset({"numpy"}))) == [(4, "numpy.log")]


def test_local_shadowing_only_applies_inside_its_function():
    code = """
    import numpy as np
    def shadowed(np, p):
        return np.log(p)
    def plain(p):
        return np.log(p)
    """
    assert flagged(code, STRICT) == [(6, "numpy.log")]


def test_class_body_names_do_not_leak_into_methods():
    code = """
    import torch
    class Net:
        torch = None
        def f(self, p):
            return torch.log(p)
    """
    assert flagged(code, STRICT) == [(6, "torch.log")]


def test_objects_built_from_framework_classes_are_not_tensors():
    code = """
    from keras.src.utils import backend_utils
    import torch
    backend = backend_utils.DynamicBackend()
    layer = torch.nn.Linear(2, 2)
    a = backend.numpy.log10(x)
    b = layer.log(3)
    c = torch.softmax(x, 1).log(2)
    """
    assert flagged(code, STRICT) == [(8, "torch.Tensor.log")]
