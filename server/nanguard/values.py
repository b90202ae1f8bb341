"""Abstract values: what nanguard knows about an expression's distance from zero.

The lattice is deliberately small. `Sign.POSITIVE` means "kept away from zero" (a clip with a
positive bound, an epsilon added, a positive constant); anything weaker is reported when it
reaches a log. A value can also be a reference to a module or function (`ref`), which is how
names such as ``tf`` or ``lg = torch.log`` are resolved by the same flow analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from nanguard.model import Span


class Sign(IntEnum):
    UNKNOWN = 0
    NONNEGATIVE = 1
    POSITIVE = 2


@dataclass(frozen=True, slots=True)
class Cause:
    """Where a value that may be zero came from, for the message and the related location."""

    kind: str
    """A key of `CAUSE_DESCRIPTIONS`."""
    span: Span
    text: str


CAUSE_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "softmax": ("a softmax output", "it underflows to 0 in float32"),
    "sigmoid": ("a sigmoid output", "it underflows to 0 in float32"),
    "relu": ("a ReLU output", "it is exactly 0 for every negative input"),
    "underflows": ("an exp/softplus output", "it underflows to 0 in float32 for inputs below about -100"),
    "clip-zero": ("clipped at 0", "a bound of 0 does not keep it away from zero"),
    "zero": ("zeros", "it is exactly 0"),
    "complement": ("1 minus a probability", "it is 0 wherever the probability rounds to 1 in float32"),
}
"""Cause kind -> (what the value is, why that reaches zero)."""

PROBABILITY_CAUSES = frozenset({"softmax", "sigmoid"})


@dataclass(frozen=True, slots=True)
class Value:
    sign: Sign = Sign.UNKNOWN
    ref: str | None = None
    """Canonical name of the module or function this value is, when it is one."""
    cause: Cause | None = None
    tensor: bool = False
    """Produced by a tensor library, so ``.log()`` on it is a tensor log."""
    constant: float | None = None
    user: bool = False
    """A function or class defined in the analysed code: never a framework log."""
    below_one: bool = False
    """Kept away from 1 from below (clipped to ``1 - eps``), so ``1 - value`` is positive."""

    @property
    def positive(self) -> bool:
        return self.sign is Sign.POSITIVE

    @property
    def library_ref(self) -> bool:
        """Whether this is a module or function of a library (not a builtin such as ``len``),
        whose attributes and calls name library functions."""
        return self.ref is not None and not self.ref.startswith("builtins.")

    @property
    def probability(self) -> bool:
        return self.cause is not None and self.cause.kind in PROBABILITY_CAUSES


UNKNOWN = Value()
USER_DEFINED = Value(user=True)


def constant(number: float) -> Value:
    if number > 0:
        return Value(Sign.POSITIVE, constant=number, below_one=number < 1)
    if number == 0:
        return Value(Sign.NONNEGATIVE, constant=0.0, below_one=True)
    return Value(constant=number, below_one=True)


def join(first: Value | None, second: Value | None) -> Value | None:
    """What is known of a value that is `first` on one path and `second` on another."""
    if first is None or first == second:
        return second
    if second is None:
        return first
    return Value(
        sign=min(first.sign, second.sign),
        ref=first.ref if first.ref == second.ref else None,
        cause=first.cause or second.cause,
        tensor=first.tensor or second.tensor,
        constant=first.constant if first.constant == second.constant else None,
        user=first.user and second.user,
        below_one=first.below_one and second.below_one,
    )


def _fold(operator: str, left: float, right: float) -> float | None:
    try:
        match operator:
            case "+":
                return left + right
            case "-":
                return left - right
            case "*":
                return left * right
            case "/":
                return left / right
            case "**":
                result = left**right
                return result if isinstance(result, float | int) else None
    except (ArithmeticError, ValueError):
        return None
    return None


def binary(operator: str, left: Value, right: Value, *, even_power: bool = False) -> Value:
    """The value of ``left <operator> right``."""
    tensor = left.tensor or right.tensor
    if left.constant is not None and right.constant is not None:
        folded = _fold(operator, left.constant, right.constant)
        if folded is not None:
            return constant(folded)
    cause = left.cause or right.cause
    signs = (left.sign, right.sign)
    match operator:
        case "-" if left.constant is not None and left.constant >= 1 and right.below_one:
            return Value(Sign.POSITIVE, tensor=tensor)
        case "-" if left.constant is not None and left.constant <= 1 and right.positive:
            return Value(tensor=tensor, below_one=True)
        case "-" if left.constant == 1 and right.probability:
            assert right.cause is not None
            complement = Cause("complement", right.cause.span, right.cause.text)
            return Value(Sign.NONNEGATIVE, cause=complement, tensor=tensor)
        case "+":
            if Sign.POSITIVE in signs:
                return Value(Sign.POSITIVE, tensor=tensor)
            return Value(min(signs), cause=cause, tensor=tensor)
        case "*":
            return Value(min(signs), cause=cause, tensor=tensor)
        case "/":
            if right.sign is Sign.POSITIVE:
                return Value(left.sign, cause=left.cause, tensor=tensor)
            return Value(cause=cause, tensor=tensor)
        case "**":
            if left.sign is Sign.POSITIVE:
                return Value(Sign.POSITIVE, tensor=tensor)
            if even_power or left.sign is Sign.NONNEGATIVE:
                return Value(Sign.NONNEGATIVE, cause=left.cause, tensor=tensor)
    return Value(tensor=tensor)


def negate(value: Value) -> Value:
    if value.constant is not None:
        return constant(-value.constant)
    return Value(tensor=value.tensor)
