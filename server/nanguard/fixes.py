"""Fixes for a judged log call, as minimal text edits.

Every fix inserts or replaces as little as it can (a clip is two insertions around the
argument), so comments, formatting and line endings inside the call survive. Names are spelled
with the aliases the file already has (``tf``, ``F``, ``jnp``); when it has none, the fix adds
the library's customary import.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from nanguard import frameworks as fw
from nanguard.flow import LOW_PRECEDENCE, Env, Judgement, _arguments
from nanguard.model import Fix, FixKind, TextEdit
from nanguard.source import Source
from nanguard.suppression import LINE_NOQA, noqa_comment

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")
_STRING_TYPES = frozenset({"string", "string_content", "string_start", "string_end", "concatenated_string"})


def format_epsilon(epsilon: float) -> str:
    """``1e-10`` rather than Python's ``1e-10``/``1e-08`` inconsistency."""
    text = repr(epsilon)
    return re.sub(r"e([+-])0*(\d)", lambda m: f"e{'-' if m.group(1) == '-' else ''}{m.group(2)}", text)


class Speller:
    """Spells canonical names with the file's own aliases, adding an import when it must."""

    def __init__(self, source: Source, env: Env):
        self.source = source
        self.env = env
        self.imports: list[TextEdit] = []

    def spell(self, target: str) -> str | None:
        best_name, best_ref = None, ""
        for name, ref in self.env.aliases().items():
            if (target == ref or target.startswith(ref + ".")) and len(ref) > len(best_ref):
                best_name, best_ref = name, ref
        if best_name is not None:
            return best_name + target[len(best_ref) :]
        module = max(
            (m for m in fw.DEFAULT_IMPORTS if target == m or target.startswith(m + ".")), key=len, default=None
        )
        if module is None:
            return None
        default = fw.DEFAULT_IMPORTS[module]
        if self.env.lookup(default.name) is not None:
            return None  # the customary name is taken by something else
        self.imports.append(import_edit(self.source, default.statement))
        return default.name + target[len(default.module) :]

    def render(self, template: str, epsilon: str) -> str | None:
        failed = False

        def substitute(match: re.Match[str]) -> str:
            nonlocal failed
            key = match.group(1)
            if key == "eps":
                return epsilon
            if key == "x":
                return "{x}"
            spelled = self.spell(key)
            if spelled is None:
                failed = True
                return ""
            return spelled

        rendered = _PLACEHOLDER.sub(substitute, template)
        return None if failed else rendered


def import_edit(source: Source, statement: str) -> TextEdit:
    """Insert `statement` after the module's last top-level import (or its docstring)."""
    offset, before = import_point(source)
    newline = source.newline
    return source.insert(offset, newline + statement if before else statement + newline)


def import_point(source: Source) -> tuple[int, bool]:
    """Byte offset where an import goes, and whether it must begin with a newline (the last
    import ends the file without one)."""
    anchor: Node | None = None
    for index, child in enumerate(source.statements):
        if child.type in ("import_statement", "import_from_statement", "future_import_statement"):
            anchor = child
        elif index == 0 and child.type == "expression_statement" and child.named_children[0].type == "string":
            anchor = child  # the module docstring
        elif child.type != "comment":
            break
    if anchor is None:
        return _after_header_comments(source), False
    line_end = source.data.find(b"\n", anchor.end_byte)
    if line_end == -1:
        return len(source.data), True
    return line_end + 1, False


def _after_header_comments(source: Source) -> int:
    """Byte offset after a shebang and encoding lines, where a first import belongs."""
    offset = 0
    for line in source.data.splitlines(keepends=True):
        if line.startswith(b"#!") or re.match(rb"^[ \t\f]*#.*coding[:=]", line):
            offset += len(line)
        else:
            break
    return offset


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
    positional, keywords = _arguments(argument)
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


def noqa_fix(source: Source, row: int, code: str) -> Fix | None:
    """Append ``# noqa: CODE`` to line `row`, or add CODE to the noqa comment already there."""
    title = f"Disable {code} for this line"
    comment = noqa_comment(source, row)
    if comment is not None:
        text = source.node_text(comment)
        match = LINE_NOQA.search(text)
        if match is not None and match.group("codes"):
            start = comment.start_byte + len(text[: match.end()].encode("utf-8", "surrogatepass"))
            return Fix(FixKind.NOQA, title, (source.insert(start, f", {code}"),))
        if match is not None:
            return None  # a bare noqa already suppresses everything
        return Fix(FixKind.NOQA, title, (source.insert(comment.end_byte, f"  # noqa: {code}"),))
    stripped = source.line_bytes(row).rstrip(b"\r\n").rstrip()
    if stripped.endswith(b"\\"):
        return None  # a comment would break the line continuation
    end = source.node_for_points((row, max(len(stripped) - 1, 0)), (row, len(stripped)))
    while end is not None:
        if end.type in _STRING_TYPES and end.end_point[0] > row:
            return None  # the line ends inside a multi-line string
        end = end.parent
    return Fix(FixKind.NOQA, title, (source.insert(source.line_start(row) + len(stripped), f"  # noqa: {code}"),))
