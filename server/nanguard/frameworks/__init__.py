"""What nanguard knows about tensor libraries, as data: one module per library declares its rows
(`library.Library`), and this package merges them into the tables the analysis reads.

Adding a library is adding a module here and one entry in `LIBRARIES`; the analysis code has no
framework names. A library that mirrors the NumPy API (``jax.numpy``) takes NumPy's rows under
its own module with `numpy.mirrored`.
"""

from __future__ import annotations

from nanguard import settings
from nanguard.frameworks import distributions, jax, keras, numpy, python, scipy, tensorflow, torch
from nanguard.frameworks.conventions import (
    CORRELATION_NAME,
    COUNT_ATTRIBUTES,
    DTYPE_KEYWORD,
    DTYPE_NAMES,
    EPSILON_NAME,
    GUARD_KEYWORD,
    INSTANCE_NAMES,
    LIST_ADDERS,
    LOG_ARGUMENT_KEYWORDS,
    LOGGING_MODULES,
    MASK_NAME,
    NATURAL_LOGS,
    PREDICTION_PARAMETER,
    PROBABILITY_NAME,
)
from nanguard.frameworks.library import (
    DEFAULT_DTYPE,
    DefaultImport,
    Effect,
    FixKit,
    Library,
    LogFunction,
    ValueFunction,
)

LIBRARIES: tuple[Library, ...] = (
    tensorflow.LIBRARY,
    keras.LIBRARY,
    torch.LIBRARY,
    numpy.LIBRARY,
    jax.LIBRARY,
    scipy.LIBRARY,
    python.LIBRARY,
    distributions.LIBRARY,
)
"""Every library nanguard knows; those with a `framework` name in the order the setting lists them."""


def merged(column: str, libraries: tuple[Library, ...] = LIBRARIES) -> dict:
    """One column of every library's rows; two libraries that declare one name differently
    contradict each other, which is a mistake in the tables."""
    merged: dict = {}
    for library in libraries:
        for name, row in getattr(library, column).items():
            if merged.setdefault(name, row) != row:
                raise ValueError(f"frameworks: {name!r} in {column} is declared twice, differently")
    return merged


FRAMEWORKS: dict[str, tuple[str, ...]] = {lib.framework: lib.roots for lib in LIBRARIES if lib.framework is not None}
"""Framework name (as used by the `frameworks` setting) -> the root modules that belong to it."""
if tuple(FRAMEWORKS) != settings.FRAMEWORKS:
    raise ValueError(f"frameworks: the libraries name {tuple(FRAMEWORKS)}, the `frameworks` setting {settings.FRAMEWORKS}")

MODULE_EQUIVALENTS: dict[str, str] = merged("module_equivalents")
"""Module paths that expose the same functions as another module under the same names."""

LOG_FUNCTIONS: dict[str, LogFunction] = merged("logs")
"""Functions that compute a logarithm and return -inf (not raise) at zero."""

TENSOR_LOG_METHODS: dict[str, LogFunction] = merged("tensor_log_methods")
"""Tensor methods that compute a logarithm; names ending in ``_`` work in place."""

LOG_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in LOG_FUNCTIONS) | frozenset(TENSOR_LOG_METHODS)
"""Last components of every log; a call whose callee ends differently needs no resolution."""

VALUE_FUNCTIONS: dict[str, ValueFunction] = merged("value_functions")
"""Functions whose result nanguard can place relative to zero, keyed by canonical name."""

TENSOR_METHODS: dict[str, ValueFunction] = merged("tensor_methods")
"""Methods of tensors (receiver first) that nanguard can place relative to zero."""

FRAMEWORK_DTYPES: dict[str, str] = {
    lib.framework: lib.dtype for lib in LIBRARIES if lib.framework is not None and lib.dtype != DEFAULT_DTYPE
}
"""The float type a framework computes in unless told otherwise; every other one uses `DEFAULT_DTYPE`."""

POSITIVE_ATTRIBUTES: dict[str, frozenset[str]] = merged("positive_attributes")
"""Calls whose listed attributes are positive constants: ``np.finfo(np.float32).eps``."""

DIFFERENTIATING: frozenset[str] = frozenset(lib.framework for lib in LIBRARIES if lib.framework is not None and lib.gradients)
"""Frameworks that differentiate what they compute (all but NumPy)."""

COMPARISONS: dict[str, str] = merged("comparisons")
"""Functions that compare their first two arguments element by element, and their operator."""

POSITIVE_CONSTANTS: frozenset[str] = frozenset().union(*(lib.positive_constants for lib in LIBRARIES))

INFINITIES: frozenset[str] = frozenset().union(*(lib.infinities for lib in LIBRARIES))
"""Module attributes that are +inf: ``np.inf``, ``math.inf``, ``torch.inf``."""

FIX_KITS: dict[str, FixKit] = merged("fix_kits")
"""How each log's library spells a fix, by the log's `LogFunction.kit`."""

STABLE_REPLACEMENTS: dict[str, str] = merged("stable_replacements")
"""log(f(z)) == g(z) computed without underflow: softmax and sigmoid -> their stable log."""

STABLE_METHOD_REPLACEMENTS: dict[str, str] = merged("stable_method_replacements")
"""For ``z.softmax(dim).log()``: a method (leading dot) or a function taking the receiver."""

DEFAULT_IMPORTS: dict[str, DefaultImport] = merged("default_imports")
"""The import a fix adds when the file binds no name for the module it needs."""

__all__ = [
    "COMPARISONS",
    "CORRELATION_NAME",
    "COUNT_ATTRIBUTES",
    "DEFAULT_DTYPE",
    "DEFAULT_IMPORTS",
    "DIFFERENTIATING",
    "DTYPE_KEYWORD",
    "DTYPE_NAMES",
    "EPSILON_NAME",
    "FIX_KITS",
    "FRAMEWORKS",
    "FRAMEWORK_DTYPES",
    "GUARD_KEYWORD",
    "INFINITIES",
    "INSTANCE_NAMES",
    "LIBRARIES",
    "LIST_ADDERS",
    "LOGGING_MODULES",
    "LOG_ARGUMENT_KEYWORDS",
    "LOG_FUNCTIONS",
    "LOG_NAMES",
    "MASK_NAME",
    "MODULE_EQUIVALENTS",
    "NATURAL_LOGS",
    "POSITIVE_ATTRIBUTES",
    "POSITIVE_CONSTANTS",
    "PREDICTION_PARAMETER",
    "PROBABILITY_NAME",
    "STABLE_METHOD_REPLACEMENTS",
    "STABLE_REPLACEMENTS",
    "TENSOR_LOG_METHODS",
    "TENSOR_METHODS",
    "VALUE_FUNCTIONS",
    "DefaultImport",
    "Effect",
    "FixKit",
    "Library",
    "LogFunction",
    "ValueFunction",
    "merged",
]
