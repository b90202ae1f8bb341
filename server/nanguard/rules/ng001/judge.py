"""NG001's observer: at each log call the interpreter reaches, what is known of its argument.

A call is a log when its callee resolves to one of the frameworks' logs (`frameworks.LOG_FUNCTIONS`)
or it is a tensor's log method. A call named like a log whose callee comes from a module
nanguard has no table for is kept as `Unresolved`, for jedi to settle after the interpretation.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from nanguard import frameworks as fw
from nanguard.flow import FRAMEWORK_ROOTS, Env, ModuleAnalysis, bare, call_arguments, canonical, dotted_key, literal_number, root_module
from nanguard.frameworks import Effect, LogFunction
from nanguard.values import Cause, Value, join

_LITERALS = frozenset({"string", "concatenated_string", "integer", "float", "dictionary", "list", "set", "tuple"})

MAX_CONTEXT_STEPS = 6
"""How far above a log call its surroundings are read for evidence (a factor, an enclosing where)."""

_TERMS = frozenset({"+", "-"})


@dataclass(slots=True)
class Judgement:
    """A log call and what is known of its argument, at the point where it runs."""

    call: Node
    function: str
    log: LogFunction
    argument: Node
    """The argument of the log (for tensor methods: the receiver)."""
    method: bool
    value: Value
    env: Env
    inner: Value | None = None
    """The callee of the argument when the argument is itself a call (for log(softmax(z)))."""
    site: Node | None = None
    """The call of the module's own function this log was reached through, with that call's
    arguments (a wrapper of a log, judged where its argument is known); None: in its own function."""


@dataclass(slots=True)
class Unresolved:
    """A call named like a log whose callee comes from a module nanguard has no table for:
    perhaps the user's own module re-exporting a framework log, which is jedi's job."""

    call: Node
    name: Node
    env: Env
    sources: tuple[tuple[str, str], ...]
    """(module, name) pairs the callee may come from: its import, or the star imports in scope."""


class LogObserver:
    """Collects a `Judgement` for each log call of the frameworks checked."""

    def __init__(self, frameworks: frozenset[str]):
        self.frameworks = frameworks
        self.judgements: dict[int, Judgement] = {}
        self.relayed: dict[tuple[int, int], Judgement] = {}
        """By (call site, log call): logs judged with the arguments of a call that reached them."""
        self.unresolved: dict[int, Unresolved] = {}
        self.analysis: ModuleAnalysis | None = None

    def observe(self, call: Node, env: Env, analysis: ModuleAnalysis) -> None:
        self.analysis = analysis
        callee = call.child_by_field_name("function")
        if callee.type == "attribute":
            obj = callee.child_by_field_name("object")
            name_node = callee.child_by_field_name("attribute")
            name = name_node.text.decode()
            receiver = analysis.evaluate(obj, env)
            if receiver.library_ref:
                self._function_call(call, name_node, canonical(f"{receiver.ref}.{name}"), env)
            elif name in fw.TENSOR_LOG_METHODS and _tensor_receiver(call, obj, receiver):
                self.record(call, f"torch.Tensor.{name}", fw.TENSOR_LOG_METHODS[name], env, (obj, receiver))
        else:
            value = analysis.evaluate(callee, env)
            if value.ref is not None:
                self._function_call(call, callee, value.ref, env)

    def _function_call(self, call: Node, name: Node, function: str, env: Env) -> None:
        log = fw.LOG_FUNCTIONS.get(function)
        if log is not None:
            self.record(call, function, log, env)
        elif function.rsplit(".", 1)[-1] in fw.LOG_NAMES:
            module, _, last = function.rpartition(".")
            modules = env.star_modules() if module == "builtins" else (module,)
            sources = tuple(
                (m, last) for m in modules if root_module(m) not in FRAMEWORK_ROOTS and root_module(m) not in fw.LOGGING_MODULES
            )
            if sources and not self.analysis.call_sites:  # settled later, in its own function
                self.unresolved[call.id] = Unresolved(call, name, env, sources)

    def record(
        self, call: Node, function: str, log: LogFunction, env: Env, receiver: tuple[Node, Value] | None = None
    ) -> None:
        """Judge the argument (or the tensor-method `receiver`, with its value) of a call known to be `log`."""
        if log.framework not in self.frameworks:
            return
        assert self.analysis is not None, "records follow an observation"
        argument, known = receiver if receiver is not None else (None, None)
        positional, keywords = call_arguments(call)
        if argument is None:
            argument = positional[0] if positional else next(
                (keywords[k] for k in fw.LOG_ARGUMENT_KEYWORDS if k in keywords), None
            )
        if argument is None or argument.type in ("list_splat", "dictionary_splat", "generator_expression"):
            return
        if receiver is None and fw.GUARD_KEYWORD in keywords:
            return  # np.log(p, where=p > 0, out=...): the zeros are never logged
        if _given_negative_infinity(call):
            return  # logp = log(p); logp[~keep] = -inf: the code means this result to hold -inf
        if _only_compared(call) or _gumbel_inner(call):
            return
        value = known if known is not None else self.analysis.evaluate(argument, env)
        exact = self._exactly_logged(call, value, env)
        if exact is not None and all(cause.kind == "probability" for cause in exact.causes):
            # A probability given to the code, turned into its logit or its log-likelihood: its
            # -inf at 0 is exact. One the code computed (a sigmoid output) underflowed to that 0.
            return
        if not value.evidence and not value.positive:
            value = self._surroundings(call, argument, log, value, env) or value
        inner = self._inner_callee(argument, env) if argument.type == "call" else None
        site = self.analysis.call_sites[0] if self.analysis.call_sites else None
        judgements: dict = self.judgements if site is None else self.relayed
        key = call.id if site is None else (site.id, call.id)
        previous = judgements.get(key)
        if previous is not None:
            value = join(previous.value, value) or value
        judgements[key] = Judgement(call, function, log, argument, receiver is not None, value, env, inner, site)

    def _surroundings(self, call: Node, argument: Node, log: LogFunction, value: Value, env: Env) -> Value | None:
        """For an argument known to be >= 0 but not kept from 0 (``abs(x)``, ``x`` after ``assert
        x >= 0``): evidence around the log that its zeros are met. The log is a term multiplied
        by its own argument (``p * log(p)``, ``p * log(p / q)``: 0 * -inf is NaN, where xlogy gives
        0), or it is in a branch of a where that tests the argument (``where(abs(x) > 1,
        log(abs(x)), ...)``), which picks values, not gradients."""
        if value.lo != 0:
            return None
        assert self.analysis is not None
        analysis = self.analysis
        factor_above = True  # still a term of a product: only parentheses, + and - so far
        child, node = call, call.parent
        for _ in range(MAX_CONTEXT_STEPS):
            if node is None:
                return None
            if node.type == "binary_operator":
                operator = node.child_by_field_name("operator").type
                if operator == "*" and factor_above:
                    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                    factor = right if child == left else left
                    if _own_factor(factor, argument):
                        return _evidence(value, Cause(analysis.source.span(factor), "xlogy", analysis.source.node_text(factor)))
                factor_above = factor_above and operator in _TERMS
            elif node.type == "argument_list":
                where = node.parent
                positional, _ = call_arguments(where)
                callee = analysis.evaluate(where.child_by_field_name("function"), env)
                rule = fw.VALUE_FUNCTIONS.get(callee.ref or "")
                if log.framework == "numpy" or rule is None or rule.effect is not Effect.WHERE or len(positional) != 3:
                    return None  # NumPy has no gradients: its where keeps the -inf out
                tested = {name for name in _names(positional[0]) if not _module(name, env)}
                if child in positional[1:] and tested & _names(argument):
                    condition = positional[0]
                    text = analysis.source.node_text(condition)
                    return _evidence(value, Cause(analysis.source.span(condition), "where", text, analysis.source.node_text(argument)))
                return None
            elif node.type == "unary_operator":
                factor_above = False
            elif node.type != "parenthesized_expression":
                return None
            child, node = node, node.parent
        return None

    def _exactly_logged(self, call: Node, value: Value, env: Env) -> Value | None:
        """The probability a log takes exactly, its -inf at 0 included: the p of a logit
        (``log(p) - log1p(-p)``), or the argument of a log that multiply_no_nan zeroes where its
        factor is; None when the log is neither."""
        assert self.analysis is not None
        probability = _logit_of(call)
        if probability is not None:
            return self.analysis.evaluate(probability, env)
        return value if self._zeroed_with_its_factor(call, env) else None

    def _zeroed_with_its_factor(self, call: Node, env: Env) -> bool:
        """Whether the log is the first factor of a product that is 0 wherever the second is, -inf
        or not (``multiply_no_nan(log(p), counts)``): the 0 * -inf of xlogy is taken care of, and
        where the count is not 0 the -inf is the exact log-probability of an impossible outcome."""
        node = call.parent
        if node is None or node.type != "argument_list" or node.parent is None or node.parent.type != "call":
            return False
        product = node.parent
        assert self.analysis is not None
        callee = self.analysis.evaluate(product.child_by_field_name("function"), env)
        rule = fw.VALUE_FUNCTIONS.get(callee.ref or "")
        positional, _ = call_arguments(product)
        return rule is not None and rule.effect is Effect.NO_NAN_PRODUCT and bool(positional) and positional[0] == call

    def _inner_callee(self, call: Node, env: Env) -> Value | None:
        assert self.analysis is not None
        function = call.child_by_field_name("function")
        if function is None:
            return None
        if function.type == "attribute":
            receiver = self.analysis.evaluate(function.child_by_field_name("object"), env)
            if not receiver.library_ref:
                return Value(ref="." + function.child_by_field_name("attribute").text.decode())
        return self.analysis.evaluate(function, env)


def _given_negative_infinity(call: Node) -> bool:
    """Whether the log's result is assigned to a name that the statements after it set to -inf
    in places (``logp[~nucleus] = float('-inf')``, ``logp.masked_fill_(mask, -inf)``): -inf is a
    value the code means that result to hold (masked sampling, log-space scores), not an accident."""
    node = call.parent
    while node is not None and node.type in ("parenthesized_expression", "unary_operator"):
        node = node.parent
    if node is None or node.type != "assignment" or node.parent is None or node.parent.type != "expression_statement":
        return False
    target = node.child_by_field_name("left")
    if target is None or target.type != "identifier":
        return False
    statement = node.parent.next_named_sibling
    for _ in range(MAX_CONTEXT_STEPS):
        if statement is None or statement.type != "expression_statement" or not statement.named_children:
            return False
        step = statement.named_children[0]
        if step.type == "assignment":
            left, right = step.child_by_field_name("left"), step.child_by_field_name("right")
            if left is not None and left.type == "subscript" and left.child_by_field_name("value").text == target.text:
                if right is not None and _negative_infinity(right):
                    return True
            elif left is not None and left.text == target.text:
                return False  # reassigned: what follows is about another value
        elif step.type == "call":
            function = step.child_by_field_name("function")
            positional, _ = call_arguments(step)
            if (
                function is not None and function.type == "attribute"
                and function.child_by_field_name("object").text == target.text
                and function.child_by_field_name("attribute").text == b"masked_fill_"
                and len(positional) == 2 and _negative_infinity(positional[1])
            ):
                return True
        statement = statement.next_named_sibling
    return False


def _only_compared(call: Node) -> bool:
    """Whether the log's value, with terms added or subtracted, is only compared (``log(u) <
    log_accept``, a Metropolis test): -inf compares as the limit it stands for, with no NaN and no
    gradient through the comparison."""
    node = call.parent
    while node is not None and (
        node.type in ("parenthesized_expression", "unary_operator")
        or (node.type == "binary_operator" and node.child_by_field_name("operator").type in _TERMS)
    ):
        node = node.parent
    return node is not None and node.type == "comparison_operator"


def _outside_parentheses(node: Node) -> tuple[Node, Node | None]:
    """`node` with the parentheses around it, and the expression that holds them."""
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node, parent = parent, parent.parent
    return node, parent


def _gumbel_inner(call: Node) -> bool:
    """Whether the log is the inner one of Gumbel noise, ``-log(-log(u))``: at u = 0 the noise is
    -inf, a score that argmax never picks and a softmax weighs 0, not a NaN."""
    negation = _outside_parentheses(call)[1]
    if negation is None or negation.type != "unary_operator" or not negation.text.startswith(b"-"):
        return False
    arguments = _outside_parentheses(negation)[1]
    return arguments is not None and arguments.type == "argument_list" and arguments.parent is not None and _logged(arguments.parent) is not None


def _logit_of(call: Node) -> Node | None:
    """The probability whose logit the log is a term of, ``log(p) - log1p(-p)`` or ``log(p) -
    log(1 - p)``: p = 0 or 1 gives -inf or inf, the exact logit of a certain outcome; None when
    the log is no such term."""
    call, node = _outside_parentheses(call)
    if node is None or node.type != "binary_operator" or node.child_by_field_name("operator").type != "-":
        return None
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    probability, complement = _logged(left), _logged(right)
    if call not in (left, right) or probability is None or complement is None or probability[0] == b"log1p":
        return None
    name, inner = complement
    subject = probability[1]
    if name == b"log1p":
        negated = inner.child_by_field_name("argument") if inner.type == "unary_operator" else None
        exact = negated is not None and inner.text.startswith(b"-") and bare(negated).text == subject.text
    elif inner.type == "binary_operator" and inner.child_by_field_name("operator").type == "-":
        one, rest = inner.child_by_field_name("left"), inner.child_by_field_name("right")
        exact = literal_number(one) == 1 and bare(rest).text == subject.text
    else:
        exact = False
    return subject if exact else None


def _logged(node: Node) -> tuple[bytes, Node] | None:
    """(name, argument) of a call of one argument named like a log or log1p (``tf.math.log(p)``)."""
    node = bare(node)
    if node.type != "call":
        return None
    function = node.child_by_field_name("function")
    name = (function.child_by_field_name("attribute") if function.type == "attribute" else function).text
    positional, _ = call_arguments(node)
    if len(positional) != 1 or (name != b"log1p" and name.decode() not in fw.LOG_NAMES):
        return None
    return name, bare(positional[0])


def _negative_infinity(node: Node) -> bool:
    """``float('-inf')``, ``-float('inf')``, ``-np.inf``, ``-math.inf``."""
    text = node.text.decode().replace(" ", "").replace("'", "").replace('"', "").lower()
    return text in ("float(-inf)", "-float(inf)") or (text.startswith("-") and text.rsplit(".", 1)[-1] == "inf")


def _module(name: str, env: Env) -> bool:
    """Whether a dotted name starts at an imported module (``tf.math``), which is not data."""
    value = env.lookup(name.split(".", 1)[0])
    return value is not None and value.library_ref


def _evidence(value: Value, cause: Cause) -> Value:
    """`value`, shown by `cause` to reach 0 (and, by the author's formula, not to go below it)."""
    return Value(0.0, value.hi, (cause,), tensor=value.tensor, dtype=value.dtype)


def _own_factor(factor: Node, argument: Node) -> bool:
    """Whether `factor` is the log's argument or its numerator (``p * log(p / q)``): 0 where the
    log is -inf, by the formula's own shape."""
    factor, argument = bare(factor), bare(argument)
    if argument.type == "binary_operator" and argument.child_by_field_name("operator").type == "/":
        argument = bare(argument.child_by_field_name("left"))
    return factor.text == argument.text


def _names(node: Node) -> set[str]:
    """The names and attribute paths (``x``, ``self.p``) an expression reads, not the functions
    it calls (a method's receiver is read): what a where tests and a log takes."""
    found: set[str] = set()
    stack = [node]
    while stack and len(found) < 64:
        current = stack.pop()
        if current.type in ("identifier", "attribute"):
            key = dotted_key(current)
            if key is not None:
                found.add(key)
            elif current.type == "attribute":
                stack.append(current.child_by_field_name("object"))
        elif current.type == "call":
            function = current.child_by_field_name("function")
            if function is not None and function.type == "attribute":
                stack.append(function.child_by_field_name("object"))
            stack.extend(c for c in current.named_children if c.type == "argument_list")
        elif current.type == "keyword_argument":
            stack.append(current.child_by_field_name("value"))
        else:
            stack.extend(current.named_children)
    return found


def _tensor_receiver(call: Node, obj: Node, receiver: Value) -> bool:
    """Whether ``obj.log(...)`` is a tensor's log: never on self, literals or user objects;
    with arguments only on a value known to be a tensor (``self.log("loss", x)`` is logging)."""
    if receiver.user or obj.type in _LITERALS or (obj.type == "identifier" and obj.text in fw.INSTANCE_NAMES):
        return False
    arguments = call.child_by_field_name("arguments")
    return receiver.tensor or arguments is None or not arguments.named_children
