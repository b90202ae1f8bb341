"""SciPy's special functions: no log nanguard checks, but values it knows and their stable logs."""

from __future__ import annotations

from nanguard.frameworks.library import DefaultImport, Effect, Library, each

LIBRARY = Library(
    value_functions={
        **each(Effect.SOFTMAX, "scipy.special.softmax"),
        **each(Effect.SIGMOID, "scipy.special.expit"),
        **each(Effect.ERF, "scipy.special.erf"),
        **each(Effect.ERFC, "scipy.special.erfc"),
        **each(Effect.CDF, "scipy.special.ndtr", "scipy.stats.norm.cdf"),
    },
    stable_replacements={
        "scipy.special.softmax": "scipy.special.log_softmax",
        "scipy.special.expit": "scipy.special.log_expit",
    },
    default_imports={"scipy.special": DefaultImport("import scipy.special", "scipy", "scipy")},
)
