"""NG001's judgement and its words: whether a log call is a finding, and the message naming the
evidence (``y_conv`` is a softmax output, line 3) and where it comes from."""

from __future__ import annotations

from nanguard import frameworks as fw
from nanguard.engine import cause_reference
from nanguard.model import Related
from nanguard.rules.ng001.judge import Judgement
from nanguard.source import Source
from nanguard.values import NEGATIVE_CAUSES, Cause, Value, describe

EXCERPT_BYTES = 1024
"""Of a node's text, what is read for its excerpt in a message: more than 48 characters need."""

_NAMES = frozenset({"identifier", "attribute", "subscript"})
_PREFERRED_CAUSES = ("rounding", "signed", "complement", "erf")
"""Causes that explain more than the others when a value has several."""
_LEAST_CAUSES = frozenset({"nonpositive"})
"""Causes that explain less than any other (the 0 an accumulator starts from)."""
_SURROUNDINGS = frozenset({"xlogy", "where"})
"""Causes found around the log rather than in its argument, worded on their own."""


def reportable(value: Value, strict: bool) -> bool:
    """Whether a log of `value` is a finding: the code shows it can reach zero or go below it;
    with `strict`, also when nothing keeps it away from zero."""
    return not value.positive and (value.evidence or strict)


def excerpt(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message(judgement: Judgement, source: Source) -> tuple[str, tuple[Related, ...]]:
    call = excerpt(source.node_text(judgement.call, EXCERPT_BYTES))
    argument = excerpt(source.node_text(judgement.argument, EXCERPT_BYTES))
    value = judgement.value
    infinity = "-inf and NaN gradients" if judgement.log.framework in fw.DIFFERENTIATING else "-inf"
    if not value.evidence:
        return f"`{call}`: `{argument}` is not bounded away from zero; log(0) gives {infinity}", ()
    cause = _main_cause(value)
    dtype = value.dtype or fw.FRAMEWORK_DTYPES.get(judgement.log.framework, fw.DEFAULT_DTYPE)
    what, why = describe(cause, dtype)
    outcome = "giving NaN" if value.lo < 0 else f"giving {infinity}"
    operand = _operand_cause(value, cause)
    if operand is not None:  # a difference, and the evidence on one of its sides: both are the story
        operand_what, _ = describe(operand, dtype)
        why = f"{why}: `{excerpt(operand.text)}` is {operand_what} {cause_reference(operand.span.start.line + 1)}"
    if cause.kind in _SURROUNDINGS:
        line = cause.span.start.line + 1
        related = Related(cause.span, f"{what} `{excerpt(cause.text)}` here")
        return f"`{call}`: {what} `{excerpt(cause.text)}` {cause_reference(line)}; {why}", (related,)
    if cause.span == source.span(judgement.argument):
        return f"`{call}`: the argument is {what}; {why}, {outcome}", ()
    line = cause.span.start.line + 1
    text = excerpt(cause.text)
    related = Related(cause.span, f"`{text}` is {what} here")
    if judgement.argument.type in _NAMES and len(value.causes) == 1:
        return f"`{call}`: `{argument}` is {what} {cause_reference(line)}; {why}, {outcome}", (related,)
    reach = "can be negative" if value.lo < 0 else "can be 0"
    return f"`{call}`: `{argument}` {reach}: `{text}` is {what} {cause_reference(line)}; {why}, {outcome}", (related,)


def _operand_cause(value: Value, cause: Cause) -> Cause | None:
    """For a difference named as the main cause, the evidence on one of its operands (a CDF, an
    exp), which says why the operands' ranges meet."""
    if cause.kind != "difference":
        return None
    return next((other for other in value.causes if other.kind != "difference" and other.kind not in _LEAST_CAUSES), None)


def _main_cause(value: Value) -> Cause:
    for kind in _PREFERRED_CAUSES:
        for cause in value.causes:
            if cause.kind == kind:
                return cause
    if value.lo < 0:  # what goes below 0 explains "can be negative"; an exp beside it only reaches 0
        negative = next((cause for cause in value.causes if cause.kind in NEGATIVE_CAUSES), None)
        if negative is not None:
            return negative
    return next((cause for cause in value.causes if cause.kind not in _LEAST_CAUSES), value.causes[0])
