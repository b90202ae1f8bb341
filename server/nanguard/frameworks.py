"""What nanguard knows about tensor libraries, as data.

Every name here is canonical: the dotted path a user could import it by, after
`MODULE_EQUIVALENTS` has been applied (so ``tensorflow.compat.v1.log`` is ``tensorflow.log``).
Adding a library or a function is adding rows here; the analysis code has no framework names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

FRAMEWORKS: dict[str, tuple[str, ...]] = {
    "tensorflow": ("tensorflow",),
    "keras": ("keras", "tensorflow.keras", "tf_keras"),
    "torch": ("torch",),
    "numpy": ("numpy",),
    "jax": ("jax",),
}
"""Framework name (as used by the `frameworks` setting) -> the root modules that belong to it."""

MODULE_EQUIVALENTS: dict[str, str] = {
    "tensorflow.compat.v1": "tensorflow",
    "tensorflow.compat.v2": "tensorflow",
    "tensorflow._api.v2.compat.v1": "tensorflow",
    "keras.src.ops": "keras.ops",
    "keras.src.backend": "keras.backend",
    "keras.src.activations": "keras.activations",
}
"""Module paths that expose the same functions as another module under the same names."""


# --------------------------------------------------------------------------------------------
# Logs

@dataclass(frozen=True, slots=True)
class LogFunction:
    framework: str
    kit: str
    """Key of `FIX_KITS`: how a fix spells a clip for this log."""


def _logs(framework: str, kit: str, *names: str) -> dict[str, LogFunction]:
    return {name: LogFunction(framework, kit) for name in names}


LOG_FUNCTIONS: dict[str, LogFunction] = {
    **_logs("tensorflow", "tensorflow", "tensorflow.log", "tensorflow.math.log"),
    **_logs(
        "tensorflow",
        "tensorflow.experimental.numpy",
        "tensorflow.experimental.numpy.log",
        "tensorflow.experimental.numpy.log2",
        "tensorflow.experimental.numpy.log10",
    ),
    **_logs("keras", "tensorflow.keras.backend", "tensorflow.keras.backend.log"),
    **_logs("keras", "keras.backend", "keras.backend.log"),
    **_logs("keras", "keras.ops", "keras.ops.log", "keras.ops.log2", "keras.ops.log10"),
    **_logs("torch", "torch", "torch.log", "torch.log2", "torch.log10"),
    **_logs("numpy", "numpy", "numpy.log", "numpy.log2", "numpy.log10", "numpy.emath.log"),
    **_logs("jax", "jax.numpy", "jax.numpy.log", "jax.numpy.log2", "jax.numpy.log10", "jax.lax.log"),
}
"""Functions that compute a logarithm and return -inf (not raise) at zero."""

TENSOR_LOG_METHODS: dict[str, LogFunction] = {
    **_logs("torch", "torch.Tensor", "log", "log2", "log10"),
    **_logs("torch", "torch.Tensor.inplace", "log_", "log2_", "log10_"),
}
"""Tensor methods that compute a logarithm; names ending in ``_`` work in place."""

LOG_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in LOG_FUNCTIONS) | frozenset(TENSOR_LOG_METHODS)
"""Last components of every log; a call whose callee ends differently needs no resolution."""


# --------------------------------------------------------------------------------------------
# What values are: how functions transform the sign of their arguments


class Effect(Enum):
    """How a function's result relates to zero."""

    CLIP = "clip"                # bounded below by its lower-bound argument
    MAXIMUM = "maximum"          # at least the largest of its arguments
    MINIMUM = "minimum"          # positive if all its arguments are
    WHERE = "where"              # where(cond, a, b): a where cond holds, else b
    POSITIVE = "positive"        # always > 0 and away from 0 (epsilon, ones, finfo)
    ZERO = "zero"                # exactly 0 somewhere (zeros)
    SOFTMAX = "softmax"          # in [0, 1]; underflows to 0
    SIGMOID = "sigmoid"          # in [0, 1]; underflows to 0
    RELU = "relu"                # >= 0, exactly 0 for negative inputs
    UNDERFLOWS = "underflows"    # > 0 mathematically, 0 in floating point (exp, softplus)
    NONNEGATIVE = "nonnegative"  # >= 0 (abs, square, sqrt)
    COUNT = "count"              # a count or size (len, numel, shape entries): >= 1 in practice
    PRESERVE = "preserve"        # same range as the first argument (float(), convert_to_tensor)
    CAST = "cast"                # the first argument stored in the float type it is given
    RANDOM = "random"            # a uniform draw in [0, 1): includes 0
    SIGNED = "signed"            # in [-1, 1] (tanh, cos, a correlation)
    NORMAL = "normal"            # a normal draw or a linear output: any sign
    SUM = "sum"                  # a sum of elements: >= 1 for exp(x - max(x))
    REDUCE_MAX = "reduce_max"    # the largest element
    LOG = "log"                  # a logarithm of the first argument
    ADD = "add"                  # receiver + argument (tensor methods)
    SUBTRACT = "subtract"        # receiver - argument
    MULTIPLY = "multiply"        # receiver * argument
    DIVIDE = "divide"            # receiver / argument


@dataclass(frozen=True, slots=True)
class ValueFunction:
    effect: Effect
    bound_position: int = 1
    """For CLIP: the position of the lower bound among the positional arguments."""
    bound_keywords: tuple[str, ...] = ()
    """For CLIP: the keyword names of the lower bound."""
    upper_keywords: tuple[str, ...] = ()
    """For CLIP: the keyword names of the upper bound (positionally, right after the lower)."""
    dtype: str | None = None
    """For CAST: the float type it stores (None: read from its dtype argument)."""


def _each(
    effect: Effect,
    *names: str,
    position: int = 1,
    keywords: tuple[str, ...] = (),
    upper: tuple[str, ...] = (),
    dtype: str | None = None,
) -> dict[str, ValueFunction]:
    return {name: ValueFunction(effect, position, keywords, upper, dtype) for name in names}


def _in(modules: tuple[str, ...], *names: str) -> tuple[str, ...]:
    """Every `modules` prefix with every one of `names`: the same function in several libraries."""
    return tuple(f"{module}.{name}" for module in modules for name in names)


NUMPY_LIKE = ("numpy", "jax.numpy", "tensorflow.experimental.numpy", "keras.ops")
TENSOR_LIBRARIES = ("torch", "tensorflow", "tensorflow.math", *NUMPY_LIKE, "keras.backend", "tensorflow.keras.backend")


VALUE_FUNCTIONS: dict[str, ValueFunction] = {
    **_each(Effect.CLIP, "tensorflow.clip_by_value", keywords=("clip_value_min",), upper=("clip_value_max",)),
    **_each(Effect.CLIP, "torch.clamp", "torch.clip", keywords=("min",), upper=("max",)),
    **_each(Effect.CLIP, "torch.clamp_min", keywords=("min",)),
    **_each(
        Effect.CLIP,
        "numpy.clip",
        "jax.numpy.clip",
        "tensorflow.experimental.numpy.clip",
        keywords=("a_min", "min"),
        upper=("a_max", "max"),
    ),
    **_each(
        Effect.CLIP,
        "keras.backend.clip",
        "tensorflow.keras.backend.clip",
        keywords=("min_value",),
        upper=("max_value",),
    ),
    **_each(Effect.CLIP, "keras.ops.clip", keywords=("x_min",), upper=("x_max",)),
    **_each(
        Effect.MAXIMUM,
        "builtins.max",
        "tensorflow.maximum",
        "tensorflow.math.maximum",
        "torch.maximum",
        "torch.fmax",
        "numpy.maximum",
        "numpy.fmax",
        "jax.numpy.maximum",
        "jax.numpy.fmax",
        "keras.backend.maximum",
        "tensorflow.keras.backend.maximum",
        "keras.ops.maximum",
        "tensorflow.experimental.numpy.maximum",
    ),
    **_each(Effect.MINIMUM, "builtins.min", "tensorflow.minimum", "torch.minimum", "numpy.minimum", "jax.numpy.minimum"),
    **_each(
        Effect.WHERE,
        "tensorflow.where",
        "tensorflow.where_v2",
        "torch.where",
        "numpy.where",
        "jax.numpy.where",
        "keras.ops.where",
        "tensorflow.experimental.numpy.where",
    ),
    **_each(
        Effect.POSITIVE,
        "keras.backend.epsilon",
        "tensorflow.keras.backend.epsilon",
        "keras.config.epsilon",
        "torch.ones",
        "torch.ones_like",
        "numpy.ones",
        "numpy.ones_like",
        "jax.numpy.ones",
        "jax.numpy.ones_like",
        "tensorflow.ones",
        "tensorflow.ones_like",
    ),
    **_each(
        Effect.ZERO,
        "torch.zeros",
        "torch.zeros_like",
        "numpy.zeros",
        "numpy.zeros_like",
        "jax.numpy.zeros",
        "jax.numpy.zeros_like",
        "tensorflow.zeros",
        "tensorflow.zeros_like",
    ),
    **_each(
        Effect.SOFTMAX,
        "tensorflow.nn.softmax",
        "tensorflow.math.softmax",
        "tensorflow.keras.activations.softmax",
        "keras.activations.softmax",
        "keras.backend.softmax",
        "tensorflow.keras.backend.softmax",
        "keras.ops.softmax",
        "torch.softmax",
        "torch.nn.functional.softmax",
        "jax.nn.softmax",
        "scipy.special.softmax",
    ),
    **_each(
        Effect.SIGMOID,
        "tensorflow.sigmoid",
        "tensorflow.nn.sigmoid",
        "tensorflow.math.sigmoid",
        "tensorflow.keras.activations.sigmoid",
        "keras.activations.sigmoid",
        "keras.backend.sigmoid",
        "tensorflow.keras.backend.sigmoid",
        "keras.ops.sigmoid",
        "torch.sigmoid",
        "torch.nn.functional.sigmoid",
        "jax.nn.sigmoid",
        "scipy.special.expit",
        "jax.scipy.special.expit",
    ),
    **_each(
        Effect.RELU,
        "tensorflow.nn.relu",
        "tensorflow.keras.activations.relu",
        "keras.activations.relu",
        "keras.ops.relu",
        "torch.relu",
        "torch.nn.functional.relu",
        "jax.nn.relu",
    ),
    **_each(
        Effect.UNDERFLOWS,
        "math.exp",
        "tensorflow.exp",
        "tensorflow.math.exp",
        "torch.exp",
        "numpy.exp",
        "jax.numpy.exp",
        "keras.ops.exp",
        "keras.backend.exp",
        "tensorflow.keras.backend.exp",
        "tensorflow.experimental.numpy.exp",
        "tensorflow.nn.softplus",
        "tensorflow.math.softplus",
        "torch.nn.functional.softplus",
        "jax.nn.softplus",
        "keras.ops.softplus",
    ),
    **_each(Effect.COUNT, "builtins.len", "numpy.size", "numpy.prod", "torch.numel", "math.prod"),
    **_each(
        Effect.RANDOM,
        "torch.rand",
        "torch.rand_like",
        "numpy.random.rand",
        "numpy.random.random",
        "numpy.random.random_sample",
        "numpy.random.uniform",
        "jax.random.uniform",
        "tensorflow.random.uniform",
        "random.random",
        "keras.random.uniform",
    ),
    **_each(
        Effect.NORMAL,
        "torch.randn",
        "torch.randn_like",
        "numpy.random.randn",
        "numpy.random.normal",
        "jax.random.normal",
        "tensorflow.random.normal",
    ),
    **_each(
        Effect.SIGNED,
        *_in(TENSOR_LIBRARIES, "tanh"),
        "torch.nn.functional.cosine_similarity",
        "torch.cosine_similarity",
        "torch.corrcoef",
        "numpy.corrcoef",
        "jax.numpy.corrcoef",
        "torch.nn.functional.tanh",
        "jax.nn.tanh",
        "tensorflow.nn.tanh",
        "keras.activations.tanh",
    ),
    **_each(Effect.SUM, *_in(TENSOR_LIBRARIES, "sum", "mean"), "tensorflow.reduce_sum", "tensorflow.math.reduce_sum",
            "tensorflow.reduce_mean", "tensorflow.math.reduce_mean", "builtins.sum"),
    **_each(Effect.REDUCE_MAX, *_in(TENSOR_LIBRARIES, "max", "amax"), "tensorflow.reduce_max",
            "tensorflow.math.reduce_max"),
    **_each(Effect.CAST, "tensorflow.cast", "tensorflow.dtypes.cast", "keras.ops.cast", "keras.backend.cast"),
    **_each(
        Effect.NONNEGATIVE,
        "builtins.abs",
        "math.sqrt",
        "math.fabs",
        "tensorflow.abs",
        "tensorflow.math.abs",
        "tensorflow.square",
        "tensorflow.math.square",
        "tensorflow.sqrt",
        "tensorflow.math.sqrt",
        "torch.abs",
        "torch.square",
        "torch.sqrt",
        "numpy.abs",
        "numpy.absolute",
        "numpy.square",
        "numpy.sqrt",
        "jax.numpy.abs",
        "jax.numpy.square",
        "jax.numpy.sqrt",
        "keras.backend.abs",
        "keras.backend.square",
        "keras.backend.sqrt",
        "keras.ops.abs",
        "keras.ops.square",
        "keras.ops.sqrt",
    ),
    **_each(
        Effect.PRESERVE,
        "builtins.float",
        "builtins.int",
        "tensorflow.convert_to_tensor",
        "tensorflow.constant",
        "tensorflow.Variable",
        "torch.tensor",
        "torch.as_tensor",
        "torch.Tensor",
        "torch.FloatTensor",
        "torch.DoubleTensor",
        "torch.from_numpy",
        "numpy.array",
        "numpy.asarray",
        "numpy.asanyarray",
        "numpy.float32",
        "numpy.float64",
        "jax.numpy.array",
        "jax.numpy.asarray",
        "tensorflow.stop_gradient",
        "torch.detach",
        "jax.lax.stop_gradient",
    ),
}
"""Functions whose result nanguard can place relative to zero, keyed by canonical name."""

TENSOR_METHODS: dict[str, ValueFunction] = {
    **_each(Effect.CLIP, "clamp", "clip", "clamp_", "clip_", keywords=("min",), upper=("max",)),
    **_each(Effect.CLIP, "clamp_min", "clamp_min_", keywords=("min",)),
    **_each(Effect.SOFTMAX, "softmax"),
    **_each(Effect.SIGMOID, "sigmoid", "sigmoid_"),
    **_each(Effect.RELU, "relu", "relu_"),
    **_each(Effect.UNDERFLOWS, "exp", "exp_"),
    **_each(Effect.NONNEGATIVE, "abs", "abs_", "square", "sqrt"),
    **_each(Effect.SIGNED, "tanh", "tanh_"),
    **_each(Effect.SUM, "sum", "mean"),
    **_each(Effect.REDUCE_MAX, "max", "amax"),
    **_each(Effect.COUNT, "numel", "nelement", "size", "dim"),
    **_each(Effect.LOG, "log", "log2", "log10"),
    **_each(Effect.ADD, "add", "add_"),
    **_each(Effect.SUBTRACT, "sub", "sub_"),
    **_each(Effect.MULTIPLY, "mul", "mul_"),
    **_each(Effect.DIVIDE, "div", "div_"),
    **_each(Effect.CAST, "half", dtype="float16"),
    **_each(Effect.CAST, "bfloat16", dtype="bfloat16"),
    **_each(Effect.CAST, "float", dtype="float32"),
    **_each(Effect.CAST, "double", dtype="float64"),
    **_each(Effect.CAST, "to", "type", "astype", "type_as"),
    **_each(
        Effect.PRESERVE,
        "detach", "clone", "contiguous", "cpu", "cuda", "numpy", "item", "tolist",
        "gather", "index_select", "view", "view_as", "reshape", "squeeze", "unsqueeze", "flatten",
        "transpose", "permute", "t", "expand", "expand_as", "repeat", "narrow", "select",
    ),
}
"""Methods of tensors (receiver first) that nanguard can place relative to zero."""

FRAMEWORK_DTYPES: dict[str, str] = {"numpy": "float64"}
"""The float type a framework computes in unless told otherwise; every other one uses float32."""
DEFAULT_DTYPE = "float32"

DTYPE_NAMES: dict[str, str] = {
    "float16": "float16", "half": "float16", "bfloat16": "bfloat16",
    "float32": "float32", "single": "float32", "float64": "float64", "double": "float64",
}
"""Last components of dtype names (``torch.float16``, ``np.float32``, ``"half"``) -> float type."""

DTYPE_KEYWORD = "dtype"

COUNT_ATTRIBUTES = frozenset({"shape", "size", "ndim", "n_features", "num_classes"})
"""Attributes of tensors that are sizes: ``x.shape[0]``."""

POSITIVE_ATTRIBUTES: dict[str, frozenset[str]] = {
    "numpy.finfo": frozenset({"eps", "tiny", "smallest_normal", "resolution"}),
    "torch.finfo": frozenset({"eps", "tiny", "smallest_normal", "resolution"}),
    "jax.numpy.finfo": frozenset({"eps", "tiny", "smallest_normal", "resolution"}),
    "tensorflow.experimental.numpy.finfo": frozenset({"eps", "tiny", "smallest_normal", "resolution"}),
}
"""Calls whose listed attributes are positive constants: ``np.finfo(np.float32).eps``."""

EPSILON_NAME = re.compile(r"^_*(?:[A-Za-z0-9]+_)*(?:eps|epsilon|EPS|EPSILON|Eps|Epsilon)(?:_[A-Za-z0-9]+)*$")
"""Names that by convention hold a small positive constant (``eps``, ``self.epsilon``,
``backend.epsilon()``, ``LOG_EPS``): taken as positive unless their value is known otherwise."""

PROBABILITY_NAME = re.compile(r"^(?:[A-Za-z0-9]+_)*(?:probs|probabilities|proba|y_prob|y_probs)$")
"""Parameters that by their name hold probabilities (``probs``, ``pred_probs``), which can be 0."""

PREDICTION_PARAMETER = ("y_pred", "y_true")
"""A Keras-style loss ``(y_true, y_pred)``: its ``y_pred`` is a probability."""

POSITIVE_CONSTANTS = frozenset(
    {"math.e", "math.pi", "math.tau", "numpy.e", "numpy.pi", "sys.float_info.epsilon", "sys.float_info.min"}
)

LOGGING_MODULES = frozenset(
    {
        "logging", "loguru", "structlog", "absl", "wandb", "mlflow", "neptune", "comet_ml", "clearml",
        "aim", "dvclive", "tensorboardX", "swanlab", "lightning", "pytorch_lightning", "accelerate",
        "ray", "optuna", "sacred", "math", "cmath", "sympy", "builtins",
    }
)
"""Modules whose ``log`` is not a tensor log (logging APIs, scalar math): never worth asking jedi."""


# --------------------------------------------------------------------------------------------
# Fixes

@dataclass(frozen=True, slots=True)
class FixKit:
    """How one library spells the fixes. Templates name canonical functions in braces
    (``{tensorflow.maximum}``), spelled with the file's own aliases; ``{x}`` stands for the
    argument of the log (the receiver, for tensor methods) and ``{eps}`` for the epsilon."""

    clip_probability: str
    clip_general: str
    add_epsilon: str = "{x} + {eps}"


FIX_KITS: dict[str, FixKit] = {
    "tensorflow": FixKit("{tensorflow.clip_by_value}({x}, {eps}, 1.0)", "{tensorflow.maximum}({x}, {eps})"),
    "tensorflow.experimental.numpy": FixKit(
        "{tensorflow.experimental.numpy.clip}({x}, {eps}, 1.0)", "{tensorflow.experimental.numpy.maximum}({x}, {eps})"
    ),
    "tensorflow.keras.backend": FixKit(
        "{tensorflow.keras.backend.clip}({x}, {tensorflow.keras.backend.epsilon}(), 1.0)",
        "{tensorflow.keras.backend.maximum}({x}, {tensorflow.keras.backend.epsilon}())",
    ),
    "keras.backend": FixKit(
        "{keras.backend.clip}({x}, {keras.backend.epsilon}(), 1.0)",
        "{keras.backend.maximum}({x}, {keras.backend.epsilon}())",
    ),
    "keras.ops": FixKit("{keras.ops.clip}({x}, {eps}, 1.0)", "{keras.ops.maximum}({x}, {eps})"),
    "torch": FixKit("{torch.clamp}({x}, min={eps})", "{torch.clamp}({x}, min={eps})"),
    "torch.Tensor": FixKit("{x}.clamp(min={eps})", "{x}.clamp(min={eps})", "({x} + {eps})"),
    "torch.Tensor.inplace": FixKit("{x}.clamp_(min={eps})", "{x}.clamp_(min={eps})", "{x}.add_({eps})"),
    "numpy": FixKit("{numpy.clip}({x}, {eps}, None)", "{numpy.clip}({x}, {eps}, None)"),
    "jax.numpy": FixKit("{jax.numpy.clip}({x}, {eps})", "{jax.numpy.clip}({x}, {eps})"),
}

STABLE_REPLACEMENTS: dict[str, str] = {
    "tensorflow.nn.softmax": "tensorflow.nn.log_softmax",
    "tensorflow.math.softmax": "tensorflow.math.log_softmax",
    "tensorflow.keras.activations.softmax": "tensorflow.nn.log_softmax",
    "keras.activations.softmax": "keras.activations.log_softmax",
    "keras.ops.softmax": "keras.ops.log_softmax",
    "torch.softmax": "torch.log_softmax",
    "torch.nn.functional.softmax": "torch.nn.functional.log_softmax",
    "jax.nn.softmax": "jax.nn.log_softmax",
    "scipy.special.softmax": "scipy.special.log_softmax",
    "tensorflow.sigmoid": "tensorflow.math.log_sigmoid",
    "tensorflow.nn.sigmoid": "tensorflow.math.log_sigmoid",
    "tensorflow.math.sigmoid": "tensorflow.math.log_sigmoid",
    "keras.ops.sigmoid": "keras.ops.log_sigmoid",
    "torch.sigmoid": "torch.nn.functional.logsigmoid",
    "torch.nn.functional.sigmoid": "torch.nn.functional.logsigmoid",
    "jax.nn.sigmoid": "jax.nn.log_sigmoid",
    "scipy.special.expit": "scipy.special.log_expit",
}
"""log(f(z)) == g(z) computed without underflow: softmax and sigmoid -> their stable log."""

STABLE_METHOD_REPLACEMENTS: dict[str, str] = {
    "softmax": ".log_softmax",
    "sigmoid": "torch.nn.functional.logsigmoid",
}
"""For ``z.softmax(dim).log()``: a method (leading dot) or a function taking the receiver."""

NATURAL_LOGS = frozenset({"log"})
"""Only the natural log of a softmax is a log_softmax (and not in place: ``log_`` is not)."""

LOG_ARGUMENT_KEYWORDS = ("x", "input", "a")
"""Keywords a log's argument may be passed by: ``x`` (NumPy, TensorFlow, JAX), ``input`` (PyTorch),
``a``."""

GUARD_KEYWORD = "where"
"""NumPy's ufunc keyword that computes the log only where a condition holds."""

INSTANCE_NAMES = frozenset({b"self", b"cls"})
"""Receivers that are the instance or its class, never a tensor: ``self.log("loss", x)`` logs a
metric (Lightning)."""


@dataclass(frozen=True, slots=True)
class DefaultImport:
    statement: str
    name: str
    """The name the statement binds, and the module it stands for."""
    module: str


DEFAULT_IMPORTS: dict[str, DefaultImport] = {
    module: DefaultImport(statement, name, bound)
    for module, statement, name, bound in (
        ("tensorflow", "import tensorflow as tf", "tf", "tensorflow"),
        ("tensorflow.experimental.numpy", "import tensorflow.experimental.numpy as tnp", "tnp", "tensorflow.experimental.numpy"),
        ("tensorflow.keras.backend", "from tensorflow.keras import backend as K", "K", "tensorflow.keras.backend"),
        ("keras.backend", "from keras import backend as K", "K", "keras.backend"),
        ("keras.ops", "from keras import ops", "ops", "keras.ops"),
        ("keras", "import keras", "keras", "keras"),
        ("torch", "import torch", "torch", "torch"),
        ("torch.nn.functional", "import torch.nn.functional as F", "F", "torch.nn.functional"),
        ("numpy", "import numpy as np", "np", "numpy"),
        ("jax.numpy", "import jax.numpy as jnp", "jnp", "jax.numpy"),
        ("jax", "import jax", "jax", "jax"),
        ("scipy.special", "import scipy.special", "scipy", "scipy"),
    )
}
"""The import a fix adds when the file binds no name for the module it needs."""
