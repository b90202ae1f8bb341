"""NG001's fixes for a log call: a clip or epsilon around the argument, a raised bound, or
the stable log of a softmax or sigmoid.

Each is a minimal edit (a clip is two insertions around the argument), so comments, formatting
and line endings inside the call survive.
"""

from __future__ import annotations

from tree_sitter import Node

from nanguard import frameworks as fw
from nanguard.fixes import Speller
from nanguard.flow import LOW_PRECEDENCE, call_arguments
from nanguard.model import Fix, FixKind, TextEdit
from nanguard.rules.ng001.judge import Judgement
from nanguard.source import Source


def _wrap(source: Source, node: Node, prefix: str, suffix: str) -> list[TextEdit]:
    edits = []
    if prefix:
        edits.append(source.insert(node.start_byte, prefix))
    if suffix:
        edits.append(source.insert(node.end_byte, suffix))
    return edits


def _template_fix(
    kind: FixKind, title: str, template: str, judgement: Judgement, source: Source, epsilon: str
) -> Fix | None:
    speller = Speller(source, judgement.env)
    rendered = speller.render(template, epsilon)
    if rendered is None or rendered.count("{x}") != 1:
        return None
    prefix, suffix = rendered.split("{x}")
    if kind is FixKind.EPSILON and not judgement.method and judgement.argument.type in LOW_PRECEDENCE:
        prefix, suffix = prefix + "(", ")" + suffix
    return Fix(kind, title, (*speller.imports, *_wrap(source, judgement.argument, prefix, suffix)))


def clip_fix(judgement: Judgement, source: Source, epsilon: str) -> Fix | None:
    kit = fw.FIX_KITS[judgement.log.kit]
    template = kit.clip_probability if judgement.value.probability else kit.clip_general
    return _template_fix(FixKind.CLIP, "Clip argument with epsilon", template, judgement, source, epsilon)


def bound_fix(judgement: Judgement, source: Source, epsilon: str) -> Fix | None:
    """``torch.clamp(p, min=0)`` -> ``torch.clamp(p, min=1e-10)``: a clip or maximum whose bound
    does not keep the argument from zero gets that bound raised, rather than a clip around it."""
    argument, inner = judgement.argument, judgement.inner
    at_argument = source.span(argument)
    if argument.type != "call" or not any(c.kind == "clip-zero" and c.span == at_argument for c in judgement.value.causes):
        return None
    if inner is None or inner.ref is None:
        return None
    positional, keywords = call_arguments(argument)
    if inner.ref.startswith("."):
        rule = fw.TENSOR_METHODS.get(inner.ref[1:])
        positional = [argument.child_by_field_name("function").child_by_field_name("object"), *positional]
    else:
        rule = fw.VALUE_FUNCTIONS.get(inner.ref)
    if rule is None:
        return None
    if rule.effect is fw.Effect.CLIP:
        bound = next((keywords[name] for name in rule.bound_keywords if name in keywords), None)
        if bound is None and len(positional) > rule.bound_position:
            bound = positional[rule.bound_position]
    elif rule.effect is fw.Effect.MAXIMUM:
        bound = next((node for node in positional if node.type in ("integer", "float") and _is_zero(source, node)), None)
    else:
        return None
    if bound is None or bound.type == "none":
        return None
    return Fix(FixKind.CLIP, "Raise the lower bound to epsilon", (source.replace(bound.start_byte, bound.end_byte, epsilon),))


def _is_zero(source: Source, node: Node) -> bool:
    try:
        return float(source.node_text(node).replace("_", "")) == 0
    except ValueError:
        return False


def epsilon_fix(judgement: Judgement, source: Source, epsilon: str) -> Fix | None:
    kit = fw.FIX_KITS[judgement.log.kit]
    return _template_fix(FixKind.EPSILON, "Add epsilon", kit.add_epsilon, judgement, source, epsilon)


def stable_fix(judgement: Judgement, source: Source) -> Fix | None:
    """``log(softmax(z))`` -> ``log_softmax(z)``, ``log(sigmoid(z))`` -> ``log_sigmoid(z)``."""
    inner_call, outer = judgement.argument, judgement.call
    inner = judgement.inner
    if inner is None or inner.ref is None or inner_call.type != "call":
        return None
    if judgement.function.rsplit(".", 1)[-1] not in fw.NATURAL_LOGS:
        return None
    if not judgement.method and len(outer.child_by_field_name("arguments").named_children) != 1:
        return None
    if b"#" in source.data[inner_call.end_byte : outer.end_byte] or b"#" in source.data[outer.start_byte : inner_call.start_byte]:
        return None  # the edit would delete a comment
    inner_function = inner_call.child_by_field_name("function")
    speller = Speller(source, judgement.env)
    if inner.ref.startswith("."):
        replacement = fw.STABLE_METHOD_REPLACEMENTS.get(inner.ref[1:])
        effect = fw.TENSOR_METHODS.get(inner.ref[1:])
        if replacement is None or effect is None:
            return None
        title = _stable_title(effect.effect)
        receiver = inner_function.child_by_field_name("object")
        if replacement.startswith("."):
            edits = [
                source.replace(outer.start_byte, inner_call.start_byte, ""),
                source.replace(
                    inner_function.child_by_field_name("attribute").start_byte,
                    inner_function.child_by_field_name("attribute").end_byte,
                    replacement[1:],
                ),
                source.replace(inner_call.end_byte, outer.end_byte, ""),
            ]
        else:
            if inner_call.child_by_field_name("arguments").named_children:
                return None
            spelled = speller.spell(replacement)
            if spelled is None:
                return None
            edits = [
                source.replace(outer.start_byte, receiver.start_byte, spelled + "("),
                source.replace(receiver.end_byte, outer.end_byte, ")"),
            ]
    else:
        replacement = fw.STABLE_REPLACEMENTS.get(inner.ref)
        rule = fw.VALUE_FUNCTIONS.get(inner.ref)
        if replacement is None or rule is None:
            return None
        title = _stable_title(rule.effect)
        spelled = speller.spell(replacement)
        if spelled is None:
            return None
        edits = [
            source.replace(outer.start_byte, inner_function.end_byte, spelled),
            source.replace(inner_call.end_byte, outer.end_byte, ""),
        ]
    return Fix(FixKind.STABLE, title, (*speller.imports, *(e for e in edits if e.new_text or e.span.start != e.span.end)))


def _stable_title(effect: fw.Effect) -> str:
    return "Use log_softmax" if effect is fw.Effect.SOFTMAX else "Use log_sigmoid"
