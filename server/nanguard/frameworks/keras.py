"""Keras: its backend (``keras.backend``, ``tensorflow.keras.backend``), activations, and
``keras.ops``, which mirrors the NumPy API."""

from __future__ import annotations

from nanguard.frameworks import numpy
from nanguard.frameworks.library import DefaultImport, Effect, FixKit, Library, LogFunction, each, prefixed

BACKENDS = ("keras.backend", "tensorflow.keras.backend")
ACTIVATIONS = ("keras.activations", "tensorflow.keras.activations")

LIBRARY = Library(
    framework="keras",
    roots=("keras", "tensorflow.keras", "tf_keras"),
    module_equivalents={
        "keras.src.ops": "keras.ops",
        "keras.src.backend": "keras.backend",
        "keras.src.activations": "keras.activations",
    },
    logs={backend + ".log": LogFunction("keras", backend) for backend in BACKENDS},
    value_functions={
        **each(Effect.CLIP, *prefixed(BACKENDS, "clip"), keywords=("min_value",), upper=("max_value",)),
        **each(Effect.CLIP, "keras.ops.clip", keywords=("x_min",), upper=("x_max",)),
        **each(Effect.MAXIMUM, *prefixed(BACKENDS, "maximum")),
        **each(Effect.POSITIVE, *prefixed(BACKENDS, "epsilon"), "keras.config.epsilon"),
        **each(Effect.SOFTMAX, *prefixed((*ACTIVATIONS, *BACKENDS, "keras.ops"), "softmax")),
        **each(Effect.SIGMOID, *prefixed((*ACTIVATIONS, *BACKENDS, "keras.ops"), "sigmoid")),
        **each(Effect.RELU, *prefixed((*ACTIVATIONS, "keras.ops"), "relu")),
        **each(Effect.UNDERFLOWS, *prefixed(BACKENDS, "exp"), "keras.ops.softplus"),
        **each(Effect.RANDOM, "keras.random.uniform", keywords=("minval",), upper=("maxval",)),
        **each(Effect.SIGNED, *prefixed(BACKENDS, "tanh"), "keras.activations.tanh"),
        **each(Effect.SUM, *prefixed(BACKENDS, "sum", "mean")),
        **each(Effect.REDUCE_MAX, *prefixed(BACKENDS, "max", "amax")),
        **each(Effect.CAST, "keras.ops.cast", "keras.backend.cast"),
        **each(Effect.ABS, "keras.backend.abs"),
        **each(Effect.NONNEGATIVE, "keras.backend.square", "keras.backend.sqrt"),
        **each(Effect.MATMUL, *prefixed(BACKENDS, "dot", "batch_dot"), position=0),
    },
    fix_kits={
        backend: FixKit(
            f"{{{backend}.clip}}({{x}}, {{{backend}.epsilon}}(), 1.0)",
            f"{{{backend}.maximum}}({{x}}, {{{backend}.epsilon}}())",
        )
        for backend in BACKENDS
    }
    | {"keras.ops": FixKit("{keras.ops.clip}({x}, {eps}, 1.0)", "{keras.ops.maximum}({x}, {eps})")},
    stable_replacements={
        "tensorflow.keras.activations.softmax": "tensorflow.nn.log_softmax",
        "keras.activations.softmax": "keras.activations.log_softmax",
        "keras.ops.softmax": "keras.ops.log_softmax",
        "keras.ops.sigmoid": "keras.ops.log_sigmoid",
    },
    default_imports={
        "tensorflow.keras.backend": DefaultImport("from tensorflow.keras import backend as K", "K", "tensorflow.keras.backend"),
        "keras.backend": DefaultImport("from keras import backend as K", "K", "keras.backend"),
        "keras.ops": DefaultImport("from keras import ops", "ops", "keras.ops"),
        "keras": DefaultImport("import keras", "keras", "keras"),
    },
).over(numpy.mirrored("keras.ops", "keras"))
