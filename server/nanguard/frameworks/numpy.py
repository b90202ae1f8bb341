"""NumPy, and the NumPy API that other libraries mirror (`mirrored`): JAX's ``jax.numpy``,
TensorFlow's ``tensorflow.experimental.numpy``, Keras' ``keras.ops``."""

from __future__ import annotations

from nanguard.frameworks.library import (
    FINFO_CONSTANTS,
    DefaultImport,
    Effect,
    FixKit,
    Library,
    ValueFunction,
    each,
    logs,
)

API_LOGS = ("log", "log2", "log10")
"""The logs of the NumPy API, by their name in its namespace."""

API: dict[str, ValueFunction] = {
    **each(Effect.CLIP, "clip", keywords=("a_min", "min"), upper=("a_max", "max")),
    **each(Effect.MAXIMUM, "maximum", "fmax"),
    **each(Effect.MINIMUM, "minimum"),
    **each(Effect.WHERE, "where"),
    **each(Effect.ONES, "ones", "ones_like"),
    **each(Effect.ZERO, "zeros", "zeros_like"),
    **each(Effect.UNDERFLOWS, "exp"),
    **each(Effect.COUNT, "size"),
    **each(Effect.SIGNED, "tanh", "corrcoef"),
    **each(Effect.SUM, "sum", "mean"),
    **each(Effect.REDUCE_MAX, "max", "amax"),
    **each(Effect.ABS, "abs", "absolute"),
    **each(Effect.NONNEGATIVE, "square", "sqrt"),
    **each(Effect.EXPM1, "expm1"),
    **each(Effect.MATMUL, "matmul", "dot", "tensordot", "inner", position=0),
    **each(Effect.MATMUL, "einsum"),
    **each(
        Effect.PRESERVE,
        "array", "asarray", "float32", "float64",
        "reshape", "broadcast_to", "squeeze", "expand_dims", "ravel", "transpose", "atleast_1d", "atleast_2d", "copy",
    ),
}
"""Functions of the NumPy API that nanguard can place relative to zero, by their name in its namespace."""


COMPARISONS = {"equal": "==", "not_equal": "!=", "greater": ">", "greater_equal": ">=", "less": "<", "less_equal": "<="}
"""The NumPy API's element-wise comparisons, by their name in its namespace."""


def mirrored(module: str, framework: str) -> Library:
    """The rows of a module that mirrors the NumPy API under `module` (its logs fixed with the
    kit of the same name): the NumPy functions it shares, named in that module."""
    return Library(
        logs=logs(framework, module, *(f"{module}.{name}" for name in API_LOGS)),
        value_functions={f"{module}.{name}": rule for name, rule in API.items()},
        positive_attributes={f"{module}.finfo": FINFO_CONSTANTS},
        comparisons={f"{module}.{name}": operator for name, operator in COMPARISONS.items()},
        infinities=frozenset({f"{module}.inf"}),
    )


LIBRARY = Library(
    framework="numpy",
    roots=("numpy",),
    dtype="float64",
    gradients=False,
    logs=logs("numpy", "numpy", "numpy.emath.log"),
    value_functions={
        **each(Effect.COUNT, "numpy.prod"),
        **each(Effect.PRESERVE, "numpy.asanyarray"),
        **each(Effect.RANDOM, "numpy.random.rand", "numpy.random.random", "numpy.random.random_sample"),
        **each(Effect.RANDOM, "numpy.random.uniform", position=0, keywords=("low",), upper=("high",)),
        **each(Effect.NORMAL, "numpy.random.randn", "numpy.random.normal"),
    },
    tensor_methods=each(Effect.CAST, "astype"),
    positive_constants=frozenset({"numpy.e", "numpy.pi"}),
    fix_kits={"numpy": FixKit("{numpy.clip}({x}, {eps}, None)", "{numpy.clip}({x}, {eps}, None)")},
    default_imports={"numpy": DefaultImport("import numpy as np", "np", "numpy")},
).over(mirrored("numpy", "numpy"))
