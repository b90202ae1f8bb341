"""What holds across libraries: how code names dtypes, epsilons and probabilities, the keywords
of logs, and the modules whose ``log`` is never a tensor log."""

from __future__ import annotations

import re

DTYPE_NAMES: dict[str, str] = {
    "float16": "float16", "half": "float16", "bfloat16": "bfloat16",
    "float32": "float32", "single": "float32", "float64": "float64", "double": "float64",
}
"""Last components of dtype names (``torch.float16``, ``np.float32``, ``"half"``) -> float type."""

DTYPE_KEYWORD = "dtype"

COUNT_ATTRIBUTES = frozenset({"shape", "size", "ndim", "n_features", "num_classes"})
"""Attributes of tensors that are sizes: ``x.shape[0]``."""

EPSILON_NAME = re.compile(r"^_*(?:[A-Za-z0-9]+_)*(?:eps|epsilon|EPS|EPSILON|Eps|Epsilon)(?:_[A-Za-z0-9]+)*$")
"""Names that by convention hold a small positive constant (``eps``, ``self.epsilon``,
``backend.epsilon()``, ``LOG_EPS``): taken as positive unless their value is known otherwise."""

PROBABILITY_NAME = re.compile(r"^(?:[A-Za-z0-9]+_)*(?:probs|probabilities|proba|y_prob|y_probs)$")
"""Parameters that by their name hold probabilities (``probs``, ``pred_probs``), which can be 0."""

CORRELATION_NAME = re.compile(r"^(?:[A-Za-z0-9]+_)*(?:correlation|correlations|corr|corrs|corrcoef)$")
"""Names that by convention hold a correlation, in [-1, 1]: ``self.correlation``, ``corr``."""

MASK_NAME = re.compile(r"^(?:[A-Za-z0-9]+_)*(?:mask|masks)$")
"""Names that by convention hold a 0/1 mask (``mask``, ``span_mask``): its log is -inf where it is 0."""

PREDICTION_PARAMETER = ("y_pred", "y_true")
"""A Keras-style loss ``(y_true, y_pred)``: its ``y_pred`` is a probability."""

LOGGING_MODULES = frozenset(
    {
        "logging", "loguru", "structlog", "absl", "wandb", "mlflow", "neptune", "comet_ml", "clearml",
        "aim", "dvclive", "tensorboardX", "swanlab", "lightning", "pytorch_lightning", "accelerate",
        "ray", "optuna", "sacred", "math", "cmath", "sympy", "builtins",
    }
)
"""Modules whose ``log`` is not a tensor log (logging APIs, scalar math): never worth asking jedi."""

LIST_ADDERS = frozenset({"append", "extend", "insert"})
"""Methods of Python lists that add elements: ``parts.append(exp(x))``."""

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
