"""Abstract values: a numeric range, the evidence for its low end, and what kind of object it is.

A value's range ``[lo, hi]`` holds every number it may take (``-inf``/``inf`` when unbounded);
``lo > 0`` means it is kept away from zero. The causes beside the range are the evidence the code
shows for a low end at or below zero (a softmax output, ``1 - p``, a clip at 0, a random draw that
includes 0): a range at or below zero without a cause is merely unknown, which a rule may treat
differently from a value shown to reach zero. Causes are kept as a set ordered by position, so
what a message names never depends on the order of branches.

Arithmetic rounds to the value's float type: PyTorch, TensorFlow, JAX and Keras compute in
float32, NumPy in float64, and a Python constant takes the type of the tensor it meets, so
``1 - 1e-8`` is 1.0 beside a float32 tensor and ``1e-10`` is 0 beside a float16 one.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, replace
from typing import Callable

from nanguard.model import Span

INF = math.inf
MAX_CAUSES = 3


@dataclass(frozen=True, slots=True)
class Cause:
    """Where a value that may reach zero (or go below it) came from, for the message and the
    related location."""

    span: Span
    kind: str
    """A key of `CAUSE_DESCRIPTIONS`."""
    text: str
    detail: str = ""
    """Words that complete the description (the bound that rounds, the float type)."""


CAUSE_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "softmax": ("a softmax output", "it underflows to 0 in {dtype}"),
    "sigmoid": ("a sigmoid output", "it underflows to 0 in {dtype}"),
    "relu": ("a ReLU output", "it is exactly 0 for every negative input"),
    "underflows": ("an exp/softplus output", "it underflows to 0 in {dtype} for large negative inputs"),
    "clip-zero": ("clipped at 0", "a bound of 0 does not keep it away from zero"),
    "zero": ("zeros", "it is exactly 0"),
    "nonpositive": ("a constant at or below 0", "its log is -inf or NaN"),
    "complement": ("1 minus a probability", "it is 0 wherever the probability rounds to 1 in {dtype}"),
    "rounding": ("clipped below a bound that rounds to 1", "{detail}"),
    "random": ("a uniform random draw", "the draw includes 0"),
    "signed": ("a value that can be negative", "{detail}; an epsilon does not keep a value that goes negative away from zero"),
    "difference": ("a difference that can be 0 or negative", "its operands' ranges overlap"),
    "probability": ("a probability by its name", "a probability can be exactly 0"),
    "correlation": (
        "a correlation by its name",
        "a correlation lies in [-1, 1]; an epsilon does not keep a value that goes negative away from zero",
    ),
    "mask": ("a 0/1 mask by its name", "its log is -inf at every masked entry, and NaN once a fully masked row is normalised"),
    "erf": ("an erf output", "it lies in [-1, 1] and rounds to -1 or 1 in {dtype} beyond about 4 in size, so 1 + erf or 1 - erf is 0 there"),
    "erfc": ("an erfc output", "it underflows to 0 in {dtype} for large inputs"),
    "cdf": ("a CDF", "it is 0 below the support and underflows to 0 in {dtype} far in the lower tail"),
    "abs": ("an absolute value", "it is 0 wherever its argument is 0"),
    "zero-added": ("0 added as an epsilon", "it keeps nothing away from zero"),
    "normalised": ("a distribution (a value divided by its own sum)", "an entry is 0 wherever the value is, and a probability can be exactly 0"),
    "xlogy": ("it is multiplied by", "where both are 0 the term is 0 * -inf = NaN, not the 0 the formula means (xlogy gives 0)"),
    "where": (
        "it is guarded only by the where on",
        "a where picks values, not gradients: where `{detail}` is 0 the log still runs, and its -inf gives NaN "
        "gradients; make the argument safe inside the where too",
    ),
}
"""Cause kind -> (what the value is, why that reaches zero); ``{dtype}``/``{detail}`` are filled in."""

PROBABILITY_CAUSES = frozenset({"softmax", "sigmoid", "probability", "normalised"})
NEGATIVE_CAUSES = frozenset({"signed", "difference", "erf", "correlation", "nonpositive"})
"""Causes that show a value going below 0, not only reaching it (a softmax output, an exp, a clip at 0 only reach it)."""


def describe(cause: Cause, dtype: str | None) -> tuple[str, str]:
    what, why = CAUSE_DESCRIPTIONS[cause.kind]
    return what, why.format(dtype=dtype or "float32", detail=cause.detail)


# ------------------------------------------------------------------------------ float types

FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")


def rounded(number: float, dtype: str | None) -> float:
    """`number` as the float type `dtype` stores it (round to nearest; None: a Python float)."""
    if dtype is None or dtype == "float64" or math.isinf(number) or math.isnan(number):
        return number
    try:
        if dtype == "float32":
            return struct.unpack("f", struct.pack("f", number))[0]
        if dtype == "float16":
            return struct.unpack("e", struct.pack("e", number))[0]
        if dtype == "bfloat16":
            bits = struct.unpack("I", struct.pack("f", number))[0]
            bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
            return struct.unpack("f", struct.pack("I", bits))[0]
    except OverflowError:
        return math.copysign(INF, number)
    return number


def wider(first: str | None, second: str | None) -> str | None:
    """The float type of an operation on two tensors (the wider one; NumPy and PyTorch promote)."""
    if first is None or second is None:
        return first or second
    return max(first, second, key=FLOAT_TYPES.index)


# ---------------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Value:
    lo: float = -INF
    hi: float = INF
    causes: tuple[Cause, ...] = ()
    """Evidence for a low end at or below zero, ordered by position; empty: none shown."""
    ref: str | None = None
    """Canonical name of the module or function this value is, when it is one."""
    tensor: bool = False
    """Produced by a tensor library, so ``.log()`` on it is a tensor log."""
    dtype: str | None = None
    """The float type of a tensor (None: a Python number, or not known)."""
    user: bool = False
    """A function or class defined in the analysed code: never a framework log."""
    shifted: bool = False
    """``exp(x - max(x))``: its largest element is exactly 1, so its sum is at least 1."""
    centered: bool = False
    """``x - max(x)``: its largest element is exactly 0, so its exp is `shifted`."""
    maximum: bool = False
    """A maximum over elements (``x.max()``, ``np.amax(x)``)."""
    filled: bool = False
    """A buffer the code filled element by element (``out[i] += term``): it holds what was
    written, so its name does not stand for what it holds (`exists_probs` is not a parameter)."""

    @property
    def positive(self) -> bool:
        return self.lo > 0

    @property
    def unknown(self) -> bool:
        """Nothing at all is known of its range."""
        return self.lo == -INF and self.hi == INF and not self.causes

    @property
    def empty(self) -> bool:
        """An empty literal list: no element, so no range (joined with an element, the element)."""
        return self.lo > self.hi

    @property
    def constant(self) -> float | None:
        return self.lo if self.lo == self.hi and math.isfinite(self.lo) else None

    @property
    def library_ref(self) -> bool:
        """Whether this is a module or function of a library (not a builtin such as ``len``),
        whose attributes and calls name library functions."""
        return self.ref is not None and not self.ref.startswith("builtins.")

    @property
    def probability(self) -> bool:
        return any(cause.kind in PROBABILITY_CAUSES for cause in self.causes)

    @property
    def evidence(self) -> bool:
        """The code shows this value can reach zero or go below it."""
        return self.lo <= 0 and bool(self.causes)


UNKNOWN = Value()
USER_DEFINED = Value(user=True)
EMPTY = Value(INF, -INF)
"""The elements of ``[]``: none yet, until ``append`` adds some."""


def number(value: float, cause: Cause | None = None) -> Value:
    """A Python constant; one at or below zero carries `cause` as its evidence."""
    return Value(value, value, (cause,) if cause is not None and value <= 0 else ())


def ranged(lo: float, hi: float, cause: Cause | None = None, *, tensor: bool = True, dtype: str | None = None) -> Value:
    """A tensor in ``[lo, hi]``; `cause` is kept when that range reaches zero."""
    return Value(lo, hi, (cause,) if cause is not None and lo <= 0 else (), tensor=tensor, dtype=dtype)


def _position(cause: Cause) -> tuple:
    return (cause.span.start, cause.span.end, cause.kind, cause.text)


def merge_causes(*groups: tuple[Cause, ...]) -> tuple[Cause, ...]:
    merged = sorted({cause for group in groups for cause in group}, key=_position)
    return tuple(merged[:MAX_CAUSES])


def with_range(value: Value, lo: float, hi: float, causes: tuple[Cause, ...] | None = None) -> Value:
    """`value` with a new range; its causes stay only while the range still reaches zero."""
    kept = value.causes if causes is None else causes
    return replace(value, lo=lo, hi=hi, causes=kept if lo <= 0 else (), ref=None, shifted=False, maximum=False, centered=False)


def join(first: Value | None, second: Value | None) -> Value | None:
    """What is known of a value that is `first` on one path and `second` on another."""
    if first is None or first == second:
        return second
    if second is None:
        return first
    lo, hi = min(first.lo, second.lo), max(first.hi, second.hi)
    if first.unknown != second.unknown and (first.evidence or second.evidence):
        # One path shows a value that reaches 0, the other shows nothing: the join reaches 0 by
        # the evidence, and nothing shows it goes lower.
        lo = min(first.lo if not first.unknown else 0.0, second.lo if not second.unknown else 0.0)
    return Value(
        lo,
        hi,
        merge_causes(first.causes, second.causes) if lo <= 0 else (),
        ref=first.ref if first.ref == second.ref else None,
        tensor=first.tensor or second.tensor,
        dtype=first.dtype if first.dtype == second.dtype else wider(first.dtype, second.dtype),
        user=first.user and second.user,
        shifted=first.shifted and second.shifted,
        centered=first.centered and second.centered,
        maximum=_still_a_maximum(first, second),
        filled=first.filled and second.filled,
    )


def _still_a_maximum(first: Value, second: Value) -> bool:
    """Whether a join of two paths is still a max to subtract: a max on both, or on one with a
    fixed number on the other (``where(isfinite(m), m, 0)``, -inf for an empty input)."""
    paths = (first, second)
    return any(path.maximum for path in paths) and all(path.maximum or path.lo == path.hi for path in paths)


def _product(a: float, b: float) -> float:
    return 0.0 if a == 0 or b == 0 else a * b


def _quotient(a: float, b: float) -> float:
    if math.isinf(a) and math.isinf(b):
        return math.copysign(INF, a) * math.copysign(1, b)
    return 0.0 if a == 0 else a / b


def _dtype_of(left: Value, right: Value) -> str | None:
    if left.tensor and right.tensor:
        return wider(left.dtype, right.dtype)
    return left.dtype if left.tensor else right.dtype if right.tensor else None


def binary(operator: str, left: Value, right: Value, cause: Cause | None = None) -> Value:
    """The value of ``left <operator> right``; `cause` stands for the whole expression when the
    result reaches zero through the operation itself (``1 - p``, ``a - b``)."""
    if left.empty or right.empty:
        # [] + xs is xs; nothing else is arithmetic on an empty list.
        return (join(left, right) or UNKNOWN) if operator == "+" else UNKNOWN
    tensor = left.tensor or right.tensor
    dtype = _dtype_of(left, right)
    if tensor and dtype is not None:  # a Python constant takes the tensor's type
        left = _as_type(left, dtype)
        right = _as_type(right, dtype)
    result = _arithmetic(operator, left, right, cause)
    centered = operator == "-" and right.maximum
    if result is None:
        return Value(tensor=tensor, dtype=dtype, centered=centered)
    lo, hi, causes = result
    if math.isnan(lo) or math.isnan(hi):  # inf - inf, of -np.inf met by its opposite: no range
        return Value(tensor=tensor, dtype=dtype, centered=centered)
    lo, hi = rounded(lo, dtype), rounded(hi, dtype)
    return Value(lo, hi, causes if lo <= 0 else (), tensor=tensor, dtype=dtype, centered=centered)


def _as_type(value: Value, dtype: str) -> Value:
    if value.tensor:
        return value
    return replace(value, lo=rounded(value.lo, dtype), hi=rounded(value.hi, dtype))


def _arithmetic(
    operator: str, left: Value, right: Value, cause: Cause | None
) -> tuple[float, float, tuple[Cause, ...]] | None:
    """Interval arithmetic, and which evidence survives it; None: nothing known."""
    match operator:
        case "+":
            if left.unknown or right.unknown:
                other = right if left.unknown else left
                # An epsilon added to a value nothing is known of: the author's word that it is >= 0.
                if other.positive:
                    return other.lo, INF, ()
                if other.constant == 0 and other.causes and all(c.kind == "nonpositive" for c in other.causes):
                    # an epsilon of 0 (a constant: ZERO, eps=0.0) keeps it from nothing; a zeros
                    # tensor plus a value is that value broadcast, not an epsilon
                    return 0.0, INF, tuple(replace(c, kind="zero-added") for c in other.causes)
                return None
            causes = merge_causes(left.causes, right.causes)
            if left.causes and right.causes and all(c.kind == "underflows" for c in causes):
                causes = ()  # a sum of exps underflows only where every term does: exp(d) + exp(-d) >= 2
            for term, other in ((left, right), (right, left)):
                if other.positive and term.lo < 0 and not any(c.kind in NEGATIVE_CAUSES for c in term.causes):
                    # `term` is shown to reach 0, and below 0 only by what is not known of it
                    # (beta * h, beta = softplus(b) - exp(a)): where it is 0 the sum is `other` > 0.
                    causes = ()
            return left.lo + right.lo, left.hi + right.hi, causes
        case "-":
            if left.unknown or right.unknown:
                return None
            lo, hi = left.lo - right.hi, left.hi - right.lo
            evidence = _difference_evidence(left, right, lo, cause)
            return lo, hi, evidence
        case "*":
            zero_causes = tuple(c for v in (left, right) if v.lo <= 0 <= v.hi for c in v.causes)
            if left.unknown or right.unknown:
                # Zero times anything is zero: a factor shown to reach 0 is evidence on its own,
                # and nothing shows the product goes below 0 unless that factor does.
                known = right if left.unknown else left
                return ((0.0 if known.lo >= 0 else -INF), INF, merge_causes(zero_causes)) if zero_causes else None
            corners = [_product(a, b) for a in (left.lo, left.hi) for b in (right.lo, right.hi)]
            return min(corners), max(corners), merge_causes(left.causes, right.causes)
        case "@":
            if left.unknown or right.unknown or left.lo < 0 or right.lo < 0:
                return None
            # Sums of products: each product can underflow even where every factor's largest
            # element is 1 (exp(x - max(x)) @ exp(y - max(y)) with the maxima at different k).
            return _product(left.lo, right.lo), INF, merge_causes(left.causes, right.causes)
        case "/":
            if left.causes and left.lo >= 0 and right.lo >= 0:
                # A normalisation (w / w.sum()) of a value shown to reach 0: 0 where it is, and
                # 0 / 0 where every term is; a denominator that may be 0 bounds nothing above.
                return 0.0, INF if right.lo == 0 else _quotient(left.hi, right.lo), left.causes
            if right.unknown or right.lo <= 0 <= right.hi:
                return None
            if left.unknown:
                return None
            corners = [_quotient(a, b) for a in (left.lo, left.hi) for b in (right.lo, right.hi)]
            return min(corners), max(corners), left.causes
        case "**":
            exponent = right.constant
            if exponent is None:
                return (0.0, INF, ()) if left.positive else None
            if left.positive:
                return _power(left.lo, exponent), _power(left.hi, exponent), ()
            if exponent == int(exponent) and int(exponent) % 2 == 0 and exponent > 0:
                if left.unknown:
                    return 0.0, INF, ()
                top = max(_power(abs(left.lo), exponent), _power(abs(left.hi), exponent))
                return (0.0 if left.lo <= 0 <= left.hi else min(_power(abs(left.lo), exponent), _power(abs(left.hi), exponent))), top, left.causes
            if left.lo >= 0 and exponent > 0:
                return _power(left.lo, exponent), _power(left.hi, exponent), left.causes
    return None


def _power(base: float, exponent: float) -> float:
    try:
        return float(base**exponent) if base >= 0 else INF
    except (OverflowError, ZeroDivisionError):
        return INF


def _difference_evidence(left: Value, right: Value, lo: float, cause: Cause | None) -> tuple[Cause, ...]:
    """Why ``left - right`` reaches zero: 1 minus a probability, a bound that rounds to 1, or two
    known ranges that overlap."""
    if lo > 0 or cause is None:
        return merge_causes(left.causes)
    rounding = tuple(c for c in right.causes if c.kind == "rounding")
    if rounding:
        return rounding
    if left.constant is not None and left.constant >= 1 and (
        right.probability or (math.isfinite(right.lo) and left.constant <= right.hi < INF)
    ):
        return (replace(cause, kind="complement"),)  # 1 - p of a probability, or of a value clipped to [eps, 1]
    known_right = math.isfinite(right.hi) or math.isfinite(right.lo)
    # Two values known only to be above some epsilon ((n + eps) - (k + eps)) overlap by what is
    # not known of their size, which shows nothing; a bound above or evidence on either side does.
    bounded = left.causes or right.causes or math.isfinite(left.hi) or math.isfinite(right.hi)
    if math.isfinite(left.lo) and known_right and bounded and (left.causes or right.causes or left.constant is None):
        return merge_causes(left.causes, (replace(cause, kind="difference"),))
    return ()


def absolute(value: Value, cause: Cause) -> Value:
    """``abs(value)``: 0 wherever the value is, which `cause` shows for a value that reaches 0
    or takes both signs (a value nothing is known of may never be 0)."""
    if value.unknown:
        return Value(0.0, INF, tensor=value.tensor, dtype=value.dtype)
    if value.lo > 0:
        return replace(value, ref=None, shifted=False, maximum=False, centered=False)
    if value.hi < 0:
        return Value(-value.hi, -value.lo, tensor=value.tensor, dtype=value.dtype)
    # What made it negative no longer explains it: the absolute value is 0 where it is.
    return Value(0.0, max(-value.lo, value.hi), (cause,), tensor=value.tensor, dtype=value.dtype)


def negate(value: Value) -> Value:
    if value.unknown:
        return Value(tensor=value.tensor, dtype=value.dtype)
    return Value(-value.hi, -value.lo, value.causes if -value.hi <= 0 else (), tensor=value.tensor, dtype=value.dtype)


def logarithm(value: Value) -> Value:
    """The range of ``log(value)``, for what is built on a log (``-log(u)`` of a uniform draw)."""
    if value.unknown or value.hi <= 0:
        return Value(tensor=value.tensor, dtype=value.dtype)
    lo = math.log(value.lo) if value.lo > 0 else -INF
    return Value(lo, math.log(value.hi) if math.isfinite(value.hi) else INF, tensor=value.tensor, dtype=value.dtype)


def exponential(value: Value, cause: Cause | None) -> Value:
    """The range of ``exp(value)``: it underflows to 0 in floating point below about -87 (float32)."""
    lo = 0.0
    if value.lo > -INF:
        try:
            lo = rounded(math.exp(value.lo), value.dtype or "float32")
        except OverflowError:
            lo = INF
    try:
        hi = math.exp(value.hi) if value.hi < INF else INF
    except OverflowError:
        hi = INF
    return Value(lo, hi, (cause,) if cause is not None and lo <= 0 else (), tensor=True, dtype=value.dtype)


def monotone(
    value: Value, function: Callable[[float], float], limits: tuple[float, float], increasing: bool, cause: Cause, dtype: str | None
) -> Value:
    """A monotone `function` (erf, erfc) of `value`: the image of the value's range, rounded to the
    float type, within the function's `limits`; `cause` is kept while that image reaches zero
    (``erfc`` of a value kept below 0 lies in [1, 2] and never underflows)."""
    low_end, high_end = limits if increasing else limits[::-1]
    first = function(value.lo) if value.lo > -INF else low_end
    last = function(value.hi) if value.hi < INF else high_end
    lo, hi = (first, last) if increasing else (last, first)
    lo, hi = rounded(lo, dtype or "float32"), rounded(hi, dtype or "float32")
    return Value(lo, hi, (cause,) if lo <= 0 else (), tensor=True, dtype=value.dtype)


def cast(value: Value, dtype: str) -> Value:
    """`value` stored as `dtype` (``x.half()``, ``tf.cast(x, tf.float16)``)."""
    return replace(value, lo=rounded(value.lo, dtype), hi=rounded(value.hi, dtype), dtype=dtype, tensor=True)


def clip(
    value: Value, lower: Value | None, upper: Value | None, dtype: str | None, zero_cause: Cause, rounding: Cause
) -> Value:
    """``clip(value, lower, upper)`` in `dtype`: its range is cut at the bounds, rounded to that
    type. A lower bound of 0 is evidence (`zero_cause`); an upper bound below 1 that rounds to 1
    is kept as a note (`rounding`), for the ``1 - p`` that may follow."""
    lo, hi, causes = value.lo, value.hi, value.causes
    if lower is not None and not lower.unknown:
        bound = rounded(lower.lo, dtype)
        if bound >= lo or value.unknown:
            lo, causes = bound, ((zero_cause,) if bound == 0 else lower.causes)
    elif value.unknown:
        causes = ()
    if upper is not None and not upper.unknown:
        hi = min(hi, rounded(upper.hi, dtype))
        if upper.hi < 1 <= rounded(upper.hi, dtype):
            causes = merge_causes(causes, (rounding,))
    kept = tuple(c for c in causes if lo <= 0 or c.kind == "rounding")
    return Value(lo, hi, kept, tensor=True, dtype=dtype)
