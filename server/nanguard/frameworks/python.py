"""Python's own builtins, ``math``, ``random`` and ``sys``: scalars, never a checked log."""

from __future__ import annotations

from nanguard.frameworks.library import Effect, Library, each

LIBRARY = Library(
    value_functions={
        **each(Effect.MAXIMUM, "builtins.max"),
        **each(Effect.MINIMUM, "builtins.min"),
        **each(Effect.UNDERFLOWS, "math.exp"),
        **each(Effect.COUNT, "builtins.len", "math.prod"),
        **each(Effect.RANDOM, "random.random"),
        **each(Effect.SUM, "builtins.sum"),
        **each(Effect.ABS, "builtins.abs", "math.fabs"),
        **each(Effect.NONNEGATIVE, "math.sqrt"),
        **each(Effect.ERF, "math.erf"),
        **each(Effect.ERFC, "math.erfc"),
        **each(Effect.EXPM1, "math.expm1"),
        **each(Effect.PRESERVE, "builtins.float", "builtins.int"),
    },
    positive_constants=frozenset({"math.e", "math.pi", "math.tau", "sys.float_info.epsilon", "sys.float_info.min"}),
    infinities=frozenset({"math.inf"}),
)
