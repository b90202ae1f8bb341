"""JAX: ``jax.numpy`` mirrors the NumPy API; ``jax.nn``, ``jax.lax`` and ``jax.random`` are its own."""

from __future__ import annotations

from nanguard.frameworks import numpy
from nanguard.frameworks.library import DefaultImport, Effect, FixKit, Library, each, logs

LIBRARY = Library(
    framework="jax",
    roots=("jax",),
    logs=logs("jax", "jax.numpy", "jax.lax.log"),
    value_functions={
        **each(Effect.SOFTMAX, "jax.nn.softmax"),
        **each(Effect.SIGMOID, "jax.nn.sigmoid", "jax.scipy.special.expit"),
        **each(Effect.RELU, "jax.nn.relu"),
        **each(Effect.UNDERFLOWS, "jax.nn.softplus"),
        **each(Effect.RANDOM, "jax.random.uniform", position=3, keywords=("minval",), upper=("maxval",)),
        **each(Effect.ERF, "jax.scipy.special.erf", "jax.lax.erf"),
        **each(Effect.ERFC, "jax.scipy.special.erfc", "jax.lax.erfc"),
        **each(Effect.CDF, "jax.scipy.special.ndtr", "jax.scipy.stats.norm.cdf"),
        **each(Effect.NORMAL, "jax.random.normal"),
        **each(Effect.SIGNED, "jax.nn.tanh"),
        **each(Effect.PRESERVE, "jax.lax.stop_gradient"),
    },
    fix_kits={"jax.numpy": FixKit("{jax.numpy.clip}({x}, {eps})", "{jax.numpy.clip}({x}, {eps})")},
    stable_replacements={"jax.nn.softmax": "jax.nn.log_softmax", "jax.nn.sigmoid": "jax.nn.log_sigmoid"},
    default_imports={
        "jax.numpy": DefaultImport("import jax.numpy as jnp", "jnp", "jax.numpy"),
        "jax": DefaultImport("import jax", "jax", "jax"),
    },
).over(numpy.mirrored("jax.numpy", "jax"))
