"""The shape of what nanguard knows about one library: the row types every library module fills
in, and `Library`, the rows one module declares.

Every name in a row is canonical: the dotted path a user could import it by, after the module
equivalences have been applied (so ``tensorflow.compat.v1.log`` is ``tensorflow.log``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum

DEFAULT_DTYPE = "float32"
"""The float type a library computes in unless it says otherwise."""


@dataclass(frozen=True, slots=True)
class LogFunction:
    framework: str
    kit: str
    """Key of the fix kits: how a fix spells a clip for this log."""


class Effect(Enum):
    """How a function's result relates to zero."""

    CLIP = "clip"                # bounded below by its lower-bound argument
    MAXIMUM = "maximum"          # at least the largest of its arguments
    MINIMUM = "minimum"          # positive if all its arguments are
    WHERE = "where"              # where(cond, a, b): a where cond holds, else b
    MASKED_FILL = "masked_fill"  # x.masked_fill(mask, v): v where the mask holds, else x
    POSITIVE = "positive"        # always > 0 and away from 0 (epsilon, finfo)
    ONES = "ones"                # exactly 1 (ones, ones_like): 1 - eps of an unknown eps is unknown, not "> 0"
    ZERO = "zero"                # exactly 0 somewhere (zeros)
    SOFTMAX = "softmax"          # in [0, 1]; underflows to 0
    SIGMOID = "sigmoid"          # in [0, 1]; underflows to 0
    RELU = "relu"                # >= 0, exactly 0 for negative inputs
    UNDERFLOWS = "underflows"    # > 0 mathematically, 0 in floating point (exp, softplus)
    NONNEGATIVE = "nonnegative"  # >= 0 (square, sqrt)
    ABS = "abs"                  # >= 0, and 0 wherever its argument is
    ERF = "erf"                  # in [-1, 1]; rounds to -1 or 1 in the tails, so 1 + erf reaches 0
    ERFC = "erfc"                # in [0, 2]; underflows to 0 for large inputs
    CDF = "cdf"                  # a cumulative distribution: in [0, 1]; 0 below the support, underflows in the tail
    PROBABILITY = "probability"  # a distribution's probabilities: in [0, 1], 0 where a logit is far below the others
    EXPM1 = "expm1"              # exp(x) - 1: above -1
    MATMUL = "matmul"            # sums of products of its operands (matmul, einsum, dot): products underflow
    COUNT = "count"              # a count or size (len, numel, shape entries): >= 1 in practice
    PRESERVE = "preserve"        # same range as the first argument (float(), convert_to_tensor)
    CAST = "cast"                # the first argument stored in the float type it is given
    RANDOM = "random"            # a uniform draw in [low, high), [0, 1) by default: includes 0
    SIGNED = "signed"            # in [-1, 1] (tanh, cos, a correlation)
    NORMAL = "normal"            # a normal draw or a linear output: any sign
    SUM = "sum"                  # a sum of elements: >= 1 for exp(x - max(x))
    REDUCE_MAX = "reduce_max"    # the largest element
    LOG = "log"                  # a logarithm of the first argument
    ADD = "add"                  # receiver + argument (tensor methods)
    SUBTRACT = "subtract"        # receiver - argument
    MULTIPLY = "multiply"        # receiver * argument
    NO_NAN_PRODUCT = "no_nan"    # x * y, and 0 wherever y is 0, even where x is -inf (multiply_no_nan)
    DIVIDE = "divide"            # receiver / argument
    NEGATE = "negate"            # -receiver


@dataclass(frozen=True, slots=True)
class ValueFunction:
    effect: Effect
    bound_position: int = 1
    """For CLIP and RANDOM: the position of the lower bound among the positional arguments; for
    MATMUL, of the first operand (einsum's equation comes first)."""
    bound_keywords: tuple[str, ...] = ()
    """For CLIP and RANDOM: the keyword names of the lower bound."""
    upper_keywords: tuple[str, ...] = ()
    """For CLIP and RANDOM: the keyword names of the upper bound (positionally, right after the lower)."""
    dtype: str | None = None
    """For CAST: the float type it stores (None: read from its dtype argument)."""


@dataclass(frozen=True, slots=True)
class FixKit:
    """How one library spells the fixes. Templates name canonical functions in braces
    (``{tensorflow.maximum}``), spelled with the file's own aliases; ``{x}`` stands for the
    argument of the log (the receiver, for tensor methods) and ``{eps}`` for the epsilon."""

    clip_probability: str
    clip_general: str
    add_epsilon: str = "{x} + {eps}"


@dataclass(frozen=True, slots=True)
class DefaultImport:
    statement: str
    name: str
    """The name the statement binds, and the module it stands for."""
    module: str


@dataclass(frozen=True)
class Library:
    """The rows one library declares. `frameworks/__init__.py` merges every library's rows into
    the tables the analysis reads; a name two libraries declare differently is an error there."""

    framework: str | None = None
    """Its name in the `frameworks` setting; None for libraries without a log of their own
    (Python's, SciPy's), whose functions are known but never checked."""
    roots: tuple[str, ...] = ()
    """The root modules that belong to the framework."""
    dtype: str = DEFAULT_DTYPE
    """The float type it computes in unless told otherwise."""
    gradients: bool = True
    """Whether it differentiates what it computes: a log(0) there also gives NaN gradients."""
    module_equivalents: dict[str, str] = field(default_factory=dict)
    """Module paths that expose the same functions as another module under the same names."""
    logs: dict[str, LogFunction] = field(default_factory=dict)
    """Functions that compute a logarithm and return -inf (not raise) at zero."""
    tensor_log_methods: dict[str, LogFunction] = field(default_factory=dict)
    """Tensor methods that compute a logarithm; names ending in ``_`` work in place."""
    value_functions: dict[str, ValueFunction] = field(default_factory=dict)
    """Functions whose result nanguard can place relative to zero."""
    tensor_methods: dict[str, ValueFunction] = field(default_factory=dict)
    """Methods of tensors (receiver first) that nanguard can place relative to zero."""
    positive_attributes: dict[str, frozenset[str]] = field(default_factory=dict)
    """Calls whose listed attributes are positive constants: ``np.finfo(np.float32).eps``."""
    comparisons: dict[str, str] = field(default_factory=dict)
    """Functions that compare their first two arguments element by element, and the operator
    they stand for: ``tf.equal(p, 0)`` is ``p == 0`` to a where that tests it."""
    positive_constants: frozenset[str] = frozenset()
    """Module attributes that are positive constants: ``math.pi``."""
    infinities: frozenset[str] = frozenset()
    """Module attributes that are +inf (``np.inf``): ``-np.inf`` is one number, not an unknown."""
    fix_kits: dict[str, FixKit] = field(default_factory=dict)
    stable_replacements: dict[str, str] = field(default_factory=dict)
    """log(f(z)) == g(z) computed without underflow: softmax and sigmoid -> their stable log."""
    stable_method_replacements: dict[str, str] = field(default_factory=dict)
    """For ``z.softmax(dim).log()``: a method (leading dot) or a function taking the receiver."""
    default_imports: dict[str, DefaultImport] = field(default_factory=dict)
    """The import a fix adds when the file binds no name for the module it needs."""

    def over(self, base: Library) -> Library:
        """These rows on top of `base`'s: where both declare a name, this library's row wins
        (``keras.ops.clip`` takes ``x_min``, not NumPy's ``a_min``)."""
        merged = {}
        for column in fields(self):
            own, inherited = getattr(self, column.name), getattr(base, column.name)
            if isinstance(own, dict):
                merged[column.name] = {**inherited, **own}
            elif isinstance(own, frozenset):
                merged[column.name] = inherited | own
            else:
                merged[column.name] = own
        return Library(**merged)


def logs(framework: str, kit: str, *names: str) -> dict[str, LogFunction]:
    return {name: LogFunction(framework, kit) for name in names}


def each(
    effect: Effect,
    *names: str,
    position: int = 1,
    keywords: tuple[str, ...] = (),
    upper: tuple[str, ...] = (),
    dtype: str | None = None,
) -> dict[str, ValueFunction]:
    return {name: ValueFunction(effect, position, keywords, upper, dtype) for name in names}


def prefixed(modules: tuple[str, ...], *names: str) -> tuple[str, ...]:
    """Every `modules` prefix with every one of `names`: the same function in several modules."""
    return tuple(f"{module}.{name}" for module in modules for name in names)


FINFO_CONSTANTS = frozenset({"eps", "tiny", "smallest_normal", "resolution"})
"""Attributes of a ``finfo`` that are positive: ``np.finfo(np.float32).eps``."""
