"""TensorFlow, with its NumPy API ``tensorflow.experimental.numpy`` (Keras is a library of its own)."""

from __future__ import annotations

from nanguard.frameworks import numpy
from nanguard.frameworks.library import DefaultImport, Effect, FixKit, Library, each, logs, prefixed

NUMPY = "tensorflow.experimental.numpy"

LIBRARY = Library(
    framework="tensorflow",
    roots=("tensorflow",),
    module_equivalents={
        "tensorflow.compat.v1": "tensorflow",
        "tensorflow.compat.v2": "tensorflow",
        "tensorflow._api.v2.compat.v1": "tensorflow",
    },
    logs=logs("tensorflow", "tensorflow", "tensorflow.log", "tensorflow.math.log"),
    value_functions={
        **each(Effect.CLIP, "tensorflow.clip_by_value", keywords=("clip_value_min",), upper=("clip_value_max",)),
        **each(Effect.MAXIMUM, "tensorflow.maximum", "tensorflow.math.maximum"),
        **each(Effect.MINIMUM, "tensorflow.minimum"),
        **each(Effect.WHERE, "tensorflow.where", "tensorflow.where_v2"),
        **each(Effect.ONES, "tensorflow.ones", "tensorflow.ones_like"),
        **each(Effect.ZERO, "tensorflow.zeros", "tensorflow.zeros_like"),
        **each(Effect.SOFTMAX, "tensorflow.nn.softmax", "tensorflow.math.softmax"),
        **each(Effect.SIGMOID, "tensorflow.sigmoid", "tensorflow.nn.sigmoid", "tensorflow.math.sigmoid"),
        **each(Effect.RELU, "tensorflow.nn.relu"),
        **each(
            Effect.UNDERFLOWS, "tensorflow.exp", "tensorflow.math.exp", "tensorflow.nn.softplus", "tensorflow.math.softplus"
        ),
        **each(Effect.RANDOM, "tensorflow.random.uniform", keywords=("minval",), upper=("maxval",)),
        **each(Effect.NORMAL, "tensorflow.random.normal"),
        **each(Effect.SIGNED, "tensorflow.tanh", "tensorflow.math.tanh", "tensorflow.nn.tanh"),
        **each(
            Effect.SUM,
            *prefixed(("tensorflow", "tensorflow.math"), "sum", "mean", "reduce_sum", "reduce_mean"),
        ),
        **each(Effect.REDUCE_MAX, *prefixed(("tensorflow", "tensorflow.math"), "max", "amax", "reduce_max")),
        **each(Effect.CAST, "tensorflow.cast", "tensorflow.dtypes.cast"),
        **each(Effect.NO_NAN_PRODUCT, "tensorflow.math.multiply_no_nan"),
        **each(Effect.ABS, "tensorflow.abs", "tensorflow.math.abs"),
        **each(Effect.NONNEGATIVE, *prefixed(("tensorflow", "tensorflow.math"), "square", "sqrt")),
        **each(Effect.ERF, "tensorflow.math.erf", "tensorflow.erf"),
        **each(Effect.ERFC, "tensorflow.math.erfc", "tensorflow.erfc"),
        **each(Effect.EXPM1, "tensorflow.math.expm1", "tensorflow.expm1"),
        **each(
            Effect.MATMUL,
            *prefixed(("tensorflow", "tensorflow.linalg"), "matmul", "tensordot"),
            position=0,
        ),
        **each(Effect.MATMUL, "tensorflow.einsum", "tensorflow.linalg.einsum"),
        **each(
            Effect.PRESERVE, "tensorflow.convert_to_tensor", "tensorflow.constant", "tensorflow.Variable", "tensorflow.stop_gradient"
        ),
    },
    comparisons={
        f"{module}.{name}": operator
        for module in ("tensorflow", "tensorflow.math")
        for name, operator in numpy.COMPARISONS.items()
    },
    fix_kits={
        "tensorflow": FixKit("{tensorflow.clip_by_value}({x}, {eps}, 1.0)", "{tensorflow.maximum}({x}, {eps})"),
        NUMPY: FixKit(f"{{{NUMPY}.clip}}({{x}}, {{eps}}, 1.0)", f"{{{NUMPY}.maximum}}({{x}}, {{eps}})"),
    },
    stable_replacements={
        "tensorflow.nn.softmax": "tensorflow.nn.log_softmax",
        "tensorflow.math.softmax": "tensorflow.math.log_softmax",
        "tensorflow.sigmoid": "tensorflow.math.log_sigmoid",
        "tensorflow.nn.sigmoid": "tensorflow.math.log_sigmoid",
        "tensorflow.math.sigmoid": "tensorflow.math.log_sigmoid",
    },
    default_imports={
        "tensorflow": DefaultImport("import tensorflow as tf", "tf", "tensorflow"),
        NUMPY: DefaultImport(f"import {NUMPY} as tnp", "tnp", NUMPY),
    },
).over(numpy.mirrored(NUMPY, "tensorflow"))
