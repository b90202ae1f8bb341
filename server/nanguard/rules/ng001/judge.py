"""NG001's observer: at each log call the interpreter reaches, what is known of its argument.

A call is a log when its callee resolves to one of the frameworks' logs (`frameworks.LOG_FUNCTIONS`)
or it is a tensor's log method. A call named like a log whose callee comes from a module
nanguard has no table for is kept as `Unresolved`, for jedi to settle after the interpretation.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from nanguard import frameworks as fw
from nanguard.flow import FRAMEWORK_ROOTS, Env, ModuleAnalysis, call_arguments, canonical, root_module
from nanguard.frameworks import LogFunction
from nanguard.values import Value, join

_LITERALS = frozenset({"string", "concatenated_string", "integer", "float", "dictionary", "list", "set", "tuple"})


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
            if sources:
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
        value = known if known is not None else self.analysis.evaluate(argument, env)
        inner = self._inner_callee(argument, env) if argument.type == "call" else None
        previous = self.judgements.get(call.id)
        if previous is not None:
            value = join(previous.value, value) or value
        self.judgements[call.id] = Judgement(call, function, log, argument, receiver is not None, value, env, inner)

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


def _tensor_receiver(call: Node, obj: Node, receiver: Value) -> bool:
    """Whether ``obj.log(...)`` is a tensor's log: never on self, literals or user objects;
    with arguments only on a value known to be a tensor (``self.log("loss", x)`` is logging)."""
    if receiver.user or obj.type in _LITERALS or (obj.type == "identifier" and obj.text in fw.INSTANCE_NAMES):
        return False
    arguments = call.child_by_field_name("arguments")
    return receiver.tensor or arguments is None or not arguments.named_children
