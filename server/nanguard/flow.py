"""The interpreter: runs the statements of a module in order over abstract values.

One pass resolves names (``tf`` is the module ``tensorflow``; ``lg = torch.log`` makes ``lg`` a
log) and works out what values hold (``y_conv`` is a softmax output), because both are the same
question: what value does this name have at this point? Branches are joined, loops run to a
fixpoint, ``if x > 0:`` guards refine, and returns end a path.

It knows no rule. A rule hands it the nodes it wants to see (`Watch`) and is called back with
the environment at the point where each one runs (`Observer.observe`); only the functions that
hold a watched node are interpreted.
"""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Callable, Iterable, Iterator, Protocol

from tree_sitter import Node, Query, QueryCursor

from nanguard import frameworks as fw
from nanguard.callees import Definition, class_methods, generates, module_functions
from nanguard.frameworks import Effect
from nanguard.source import PYTHON, Source
from nanguard.values import (
    EMPTY,
    INF,
    UNKNOWN,
    USER_DEFINED,
    Cause,
    Value,
    absolute,
    binary,
    cast,
    clip,
    exponential,
    join,
    logarithm,
    merge_causes,
    monotone,
    negate,
    number,
    ranged,
    with_range,
)

MAX_LOOP_ROUNDS = 6
"""Rounds of a loop body before giving up on a fixpoint (widening gets there in three)."""

_CONSTANT_NAME = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
"""A module constant by convention (``EPS``, ``MIN_STD``): imported names read from the project."""

MAX_LITERAL_ELEMENTS = 64
"""Longer literal lists are not read element by element (their range is unknown)."""

EPSILON = Value(1e-7, 0.5)
"""What a name like ``eps`` or ``K.epsilon()`` holds when its value is not known: a small positive
constant, so ``1 - eps`` is not a complement that reaches 0."""

MAX_LOG_NESTING = 12
"""How deep in an expression a log's range is still worked out (``-log(-log(u))`` is 4 deep)."""

MAX_CALL_DEPTH = 3
"""How many user functions deep a call is followed to learn what it returns."""

MAX_SUMMARIES = 2000
"""Summaries computed for one module at most (each runs a function body once)."""

MAX_DEPTH = 120
"""Deeper expressions or blocks are not followed (their value is unknown), so pathological
input such as ``((((...))))`` thousands deep costs little and never exhausts Python's stack."""

SCOPE_TYPES = frozenset({"function_definition", "class_definition"})
COMPREHENSIONS = frozenset({"list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"})
LOW_PRECEDENCE = frozenset(
    {"conditional_expression", "lambda", "boolean_operator", "not_operator", "comparison_operator", "named_expression"}
)


def canonical(name: str) -> str:
    """`name` with module equivalences applied (``tensorflow.compat.v1.log`` -> ``tensorflow.log``)."""
    for prefix, target in fw.MODULE_EQUIVALENTS.items():
        if name == prefix or name.startswith(prefix + "."):
            return target + name[len(prefix) :]
    return name


def root_module(name: str) -> str:
    return name.split(".", 1)[0]


_DOTTED_OR_KEYED = re.compile(r"[.\[]")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def spelled_root(name: str) -> str:
    """The name code spells for a path of `Env`: ``cfg`` for ``cfg.EPS``, ``EPS`` for ``EPS['a']``."""
    return _DOTTED_OR_KEYED.split(name, 1)[0] if "." in name or "[" in name else name


def spelled_names(code: bytes) -> frozenset[str]:
    """Every identifier in `code` (a superset of the names it reads: attributes and keywords too)."""
    return frozenset(_IDENTIFIER.findall(code.decode("utf-8", "replace")))


PATH_UNDER = "."
"""Appended to a name in `ModuleAnalysis.module_names`: the paths under it (``x.eps``, ``x['a']``)."""


def names_read(
    top: Node, data: bytes, local_names: Callable[[Node], frozenset[str]], parameters_bound: bool = True
) -> frozenset[str]:
    """The keys of `ModuleAnalysis.module_names` through which the top-level statement `top` may
    read the module: each name it spells, and the paths under it; but not a function's own
    parameters and local names outside its defaults and annotations (unless it declares a name
    global), where ``x`` of ``def f(x)`` or ``result = ...`` in its body, left at module level by
    a broken line, is none of its business (unless not `parameters_bound`: code that ran
    without its function, see `ModuleAnalysis.observed_in_module_values`). `local_names` gives
    a function's (`ModuleAnalysis.local_names`)."""
    spelled = spelled_names(data[top.start_byte : top.end_byte])
    definition = top.child_by_field_name("definition") if top.type == "decorated_definition" else top
    body = definition.child_by_field_name("body") if definition is not None and definition.type == "function_definition" else None
    parameters = definition.child_by_field_name("parameters") if body is not None and parameters_bound else None
    read = spelled
    if parameters is not None and "global" not in spelled and "nonlocal" not in spelled:
        bound = {name.text.decode() for name in map(_parameter_name, parameters.named_children) if name is not None}
        bound |= local_names(definition)
        outer = [  # what runs in the module's values: decorators, defaults, annotations
            *(data[top.start_byte : definition.start_byte],),
            *(data[part.start_byte : part.end_byte] for parameter in parameters.named_children
              for part in (parameter.child_by_field_name("value"), parameter.child_by_field_name("type")) if part is not None),
            *(data[part.start_byte : part.end_byte] for part in (definition.child_by_field_name("return_type"),) if part is not None),
        ]
        read = (spelled - bound).union(*map(spelled_names, outer))
    return read | {name + PATH_UNDER for name in spelled}


_LOCAL_BINDINGS = Query(
    PYTHON,
    """
    (assignment left: (identifier) @bound)
    (assignment left: [(pattern_list) (tuple_pattern) (list_pattern)] @pattern)
    (augmented_assignment left: (identifier) @bound)
    (for_statement left: (identifier) @bound)
    (for_statement left: [(pattern_list) (tuple_pattern) (list_pattern)] @pattern)
    (named_expression name: (identifier) @bound)
    (with_item value: (as_pattern alias: (as_pattern_target (identifier) @bound)))
    (function_definition name: (identifier) @defined)
    (class_definition name: (identifier) @defined)
    (global_statement (identifier) @declared)
    (nonlocal_statement (identifier) @declared)
    [(function_definition) (class_definition) (lambda) (list_comprehension) (set_comprehension)
     (dictionary_comprehension) (generator_expression)] @scope
    """,
)
_PATTERNS = frozenset({"pattern_list", "tuple_pattern", "list_pattern", "list_splat_pattern"})


def _local_names(body: Node) -> frozenset[str]:
    """Names Python makes local to the function of `body` (so never read from the module):
    targets of its assignments, ``for`` loops, ``with ... as`` and ``:=``, and the functions and
    classes it defines; not those of nested functions, classes, lambdas and comprehensions
    (their own scopes), and not names it declares global or nonlocal. Forms left out (``except
    ... as``, imports, ``match``) only leave a name to be looked up further out, as before."""
    captures = QueryCursor(_LOCAL_BINDINGS).captures(body)
    nested = _within_any(captures.get("scope", ()))
    found: set[str] = set()
    for name in captures.get("bound", ()):
        if not nested(name.start_byte):
            found.add(name.text.decode())
    for pattern in captures.get("pattern", ()):
        if not nested(pattern.start_byte):
            found.update(_pattern_names(pattern))
    for name in captures.get("defined", ()):
        if not nested(name.parent.start_byte):
            found.add(name.text.decode())
    declared = {name.text.decode() for name in captures.get("declared", ()) if not nested(name.start_byte)}
    return frozenset(found - declared)


def _within_any(scopes: Iterable[Node]) -> Callable[[int], bool]:
    """Whether a byte lies strictly inside one of `scopes`: their outermost spans, merged and
    searched by bisection (a module of thousands of assignments asks for each of them)."""
    spans: list[tuple[int, int]] = []
    for start, end in sorted((scope.start_byte, scope.end_byte) for scope in scopes):
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    starts = [start for start, _ in spans]

    def inside(byte: int) -> bool:
        index = bisect_left(starts, byte) - 1
        return index >= 0 and spans[index][0] < byte < spans[index][1]

    return inside


_SCOPE_ASSIGNMENTS = Query(
    PYTHON,
    """
    (assignment) @assignment
    [(function_definition) (class_definition) (lambda)] @scope
    """,
)


def _pattern_names(pattern: Node) -> Iterator[str]:
    """The names an unpacking target binds: ``a, (b, *c)``."""
    for child in pattern.named_children:
        if child.type == "identifier":
            yield child.text.decode()
        elif child.type in _PATTERNS:
            yield from _pattern_names(child)


FRAMEWORK_ROOTS = frozenset(root_module(module) for modules in fw.FRAMEWORKS.values() for module in modules)


@dataclass(frozen=True, slots=True)
class Summary:
    """What a call of one of the module's functions returns, for given arguments."""

    value: Value
    statements: frozenset[int]
    """Indices in `Source.statements` of the top-level statements whose code it ran."""
    elements: tuple[Value, ...] | None = None
    """Of a function whose every return is a tuple of one length (``return a, b``): each
    element's value, for ``a, b = f()``."""


NOT_FOLLOWED = Summary(UNKNOWN, frozenset())
"""A call that is not followed: what it returns is unknown."""


def _tuple_elements(returns: list[tuple[Value, tuple[Value, ...] | None]]) -> tuple[Value, ...] | None:
    """Each element's value when the returns that give a tuple all give one of the same length
    (the others, ``return self._cached``, may hold anything: unknown elements)."""
    lengths = {len(elements) for _, elements in returns if elements is not None}
    if len(lengths) != 1:
        return None
    joined: list[Value] | None = None
    for _, elements in returns:
        row = list(elements) if elements is not None else [UNKNOWN] * next(iter(lengths))
        joined = row if joined is None else [join(a, b) or UNKNOWN for a, b in zip(joined, row)]
    return tuple(joined) if joined is not None else None


class Env:
    """Values of names (and dotted paths such as ``self.eps``) in one scope at one point."""

    __slots__ = ("values", "parent", "stars", "local", "_aliases")

    def __init__(
        self,
        parent: Env | None = None,
        values: dict[str, Value] | None = None,
        stars: tuple[str, ...] = (),
        local: frozenset[str] = frozenset(),
    ):
        self.values = values if values is not None else {}
        self.parent = parent
        self.stars = stars
        self.local = local
        """A function's local names (`ModuleAnalysis.local_names`): one not bound yet on the way
        here is not looked up in the module, as Python raises there instead of reading the global."""
        self._aliases: dict[str, str] | None = None

    def copy(self) -> Env:
        return Env(self.parent, dict(self.values), self.stars, self.local)

    def lookup(self, name: str) -> Value | None:
        env: Env | None = self
        root: str | None = None
        while env is not None:
            value = env.values.get(name)
            if value is not None:
                return value
            if env.local:
                if root is None:
                    root = spelled_root(name)
                if root in env.local:
                    return None
            env = env.parent
        return None

    def aliases(self) -> dict[str, str]:
        """Names visible here that stand for a module or function (``tf``, ``F``, ``log``), and
        what they stand for. Computed once per scope, so call it only after the analysis ran."""
        if self._aliases is None:
            inherited = self.parent.aliases() if self.parent is not None else {}
            own = {
                name: value.ref
                for name, value in self.values.items()
                if value.library_ref and "." not in name
            }
            if own or any(name in inherited for name in self.values):
                inherited = {name: ref for name, ref in inherited.items() if name not in self.values} | own
            self._aliases = inherited
        return self._aliases

    def star_modules(self) -> tuple[str, ...]:
        env: Env | None = self
        while env.parent is not None:
            env = env.parent
        return env.stars


def join_envs(envs: list[Env | None]) -> Env | None:
    """The environment after paths that end in `envs` (None: a path that returned or raised)."""
    live = [env for env in envs if env is not None]
    if not live:
        return None
    if len(live) == 1:
        return live[0]
    first = live[0]
    values = dict(first.values)
    for env in live[1:]:
        for name in values.keys() | env.values.keys():
            values[name] = join(values.get(name), env.values.get(name))  # type: ignore[assignment]
    stars = tuple(dict.fromkeys(star for env in live for star in env.stars))
    return Env(first.parent, values, stars, first.local)


class Observer(Protocol):
    """A rule's view of one module's interpretation."""

    def observe(self, node: Node, env: Env, analysis: ModuleAnalysis) -> None:
        """`node` is about to run with the values in `env` (refined by the guards on the way to
        it); `analysis` evaluates expressions there. Called once per path to the node."""


@dataclass(frozen=True, slots=True)
class Watch:
    """A node a rule wants to observe, and the observer to call."""

    node: Node
    observer: Observer


def _number(text: str) -> float | None:
    text = text.replace("_", "").rstrip("jJlL")
    try:
        return float(int(text, 0)) if text[:2].lower() in ("0x", "0o", "0b") else float(text)
    except ValueError:
        return None


def call_arguments(call: Node) -> tuple[list[Node], dict[str, Node]]:
    """Positional and keyword argument nodes of a call."""
    positional: list[Node] = []
    keywords: dict[str, Node] = {}
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return positional, keywords
    for child in arguments.named_children:
        if child.type == "keyword_argument":
            name, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if name is not None and value is not None:
                keywords[name.text.decode()] = value
        elif child.type != "comment":
            positional.append(child)
    return positional, keywords


def dotted_key(node: Node) -> str | None:
    """``self.eps`` for an attribute chain on a name, the name for an identifier, else None."""
    if node.type == "identifier":
        return node.text.decode()
    if node.type == "attribute":
        base = dotted_key(node.child_by_field_name("object"))
        attribute = node.child_by_field_name("attribute")
        if base is not None and attribute is not None:
            return f"{base}.{attribute.text.decode()}"
    return None


_RANGES: dict[Effect, tuple[float, float, str | None]] = {
    Effect.ZERO: (0.0, 0.0, "zero"),
    Effect.SOFTMAX: (0.0, 1.0, "softmax"),
    Effect.SIGMOID: (0.0, 1.0, "sigmoid"),
    Effect.RELU: (0.0, INF, "relu"),
    Effect.UNDERFLOWS: (0.0, INF, "underflows"),
    Effect.RANDOM: (0.0, 1.0 - 2.0**-24, "random"),
    Effect.ERF: (-1.0, 1.0, "erf"),
    Effect.ERFC: (0.0, 2.0, "erfc"),
    Effect.CDF: (0.0, 1.0, "cdf"),
    Effect.PROBABILITY: (0.0, 1.0, "probability"),
    Effect.EXPM1: (-1.0, INF, None),
    Effect.SIGNED: (-1.0, 1.0, "signed"),
    Effect.NORMAL: (-INF, INF, "signed"),
    Effect.POSITIVE: (1e-7, INF, None),
    Effect.ONES: (1.0, 1.0, None),
    Effect.NONNEGATIVE: (0.0, INF, None),
    Effect.COUNT: (1.0, INF, None),
}
"""The range of what a function returns, by its effect, and the cause it is reported with."""

_MONOTONE: dict[Effect, tuple[Callable[[float], float], bool]] = {Effect.ERF: (math.erf, True), Effect.ERFC: (math.erfc, False)}
"""Effects whose range follows their argument's: the function, and whether it increases."""

_NAMED_RANGES = (
    (fw.PROBABILITY_NAME, 0.0, 1.0, "probability"),
    (fw.CORRELATION_NAME, -1.0, 1.0, "correlation"),
    (fw.MASK_NAME, 0.0, 1.0, "mask"),
)
"""Names whose values reach zero by what they hold, their range, and the cause reported."""

_DEFINED_BY_NAME = tuple(row for row in _NAMED_RANGES if row[3] != "probability")
"""Of those, the names whose values go to or below zero by definition (a mask has zeros, a
correlation takes both signs), which hold for a local the code computed too; a probability it
computed is 0 only by accident, which its name does not show (a parameter's name does: what the
caller passes may be exactly 0)."""

_ZEROS_WRITTEN = frozenset({"zero", "nonpositive"})
"""Causes of a zero the code writes itself: what a write into some elements makes stale (zeros
are what a buffer starts as), and what a where's branch chooses on purpose."""

_SIGNED_DETAILS = {Effect.SIGNED: "it lies in [-1, 1]", Effect.NORMAL: "it takes any sign"}

POSITIVE_FACT = 5e-324
"""What ``x > 0`` proves of the low end of `x`: the smallest positive float."""

Fact = tuple[str, float, float, bool]
"""What a condition proves of a name: (name, low end, high end, only if the name is known not to
be negative)."""

_ARITHMETIC = {Effect.ADD: "+", Effect.SUBTRACT: "-", Effect.MULTIPLY: "*", Effect.NO_NAN_PRODUCT: "*", Effect.DIVIDE: "/"}

_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "!=": "!=", "==": "=="}
"""A comparison's operator with its sides swapped."""
_NEGATED = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "!=": "==", "==": "!="}
"""A comparison's operator when it does not hold."""


def _comparison_refinements(node: Node, holds: bool) -> list[Fact]:
    """What a comparison with a number proves of a name: a low end (``x > 0``, ``0 < x``, ``x >=
    1e-3``, ``x != 0``, ``np.min(x) > 0``, ``x.min() > 0``) or a high end (``x < 0``, ``x <= 1``)."""
    children = node.children
    if len(children) != 3:
        return []
    return _bounds(children[0], children[1].type, children[2], holds)


def _bounds(left: Node, operator: str, right: Node, holds: bool) -> list[Fact]:
    """What ``left <operator> right`` proves of a name compared with a number, holding or not."""
    if operator == "is not" or operator == "is":
        return []
    if not holds:
        operator = _NEGATED.get(operator, "")
    for subject, bound, op in ((left, right, operator), (right, left, _FLIPPED.get(operator, ""))):
        limit = literal_number(bound)
        if limit is None:
            continue
        key = dotted_key(_minimum_of(subject))
        if key is not None and (op == ">" or (op == "!=" and limit == 0)):
            # x > 1 proves x - 1 > 0: the next float above the bound, not the bound itself
            return [(key, math.nextafter(limit, INF), INF, False)]
        if key is not None and op == ">=":
            return [(key, limit, INF, False)]
        key = dotted_key(subject)  # the minimum of x bounds no element of x from above
        if key is not None and op == "<":
            return [(key, -INF, math.nextafter(limit, -INF), False)]
        if key is not None and op == "<=":
            return [(key, -INF, limit, False)]
    return []


def literal_number(node: Node) -> float | None:
    """The number a literal writes (``3``, ``1e-3``, ``-1.``), or None."""
    if node.type == "unary_operator" and node.text.startswith(b"-"):
        argument = node.child_by_field_name("argument")
        number = literal_number(argument) if argument is not None else None
        return -number if number is not None else None
    return _number(node.text.decode()) if node.type in ("integer", "float") else None


def _minimum_of(node: Node) -> Node:
    """`x` for ``np.min(x)``, ``x.min()``, ``torch.min(x)``: a bound on the minimum bounds every element."""
    if node.type != "call":
        return node
    function = node.child_by_field_name("function")
    positional, _ = call_arguments(node)
    if function is None or function.type != "attribute":
        return node
    name = function.child_by_field_name("attribute").text.decode()
    if name not in ("min", "amin", "reduce_min"):
        return node
    if positional and positional[0].type != "integer":
        return positional[0]  # np.min(x), torch.min(x, dim=1)
    return function.child_by_field_name("object")  # x.min(), x.min(0)


class ModuleAnalysis:
    """Interprets one module, calling the observer of each watched node where the node runs."""

    def __init__(
        self,
        source: Source,
        watches: list[Watch],
        reused: Callable[[Node], bool] = lambda top: False,
        imported: Callable[[str, str], dict[str, Value]] | None = None,
    ):
        self.source = source
        self.reused = reused
        """Whether the findings of a top-level statement are already known (then its functions
        are not interpreted again); asked once the module's own statements have run."""
        self.imported = imported
        """The value of a constant of another module of the project (``from .config import EPS``),
        by (module as written, name): under ``""``, and its dict entries under ``['EPS']``."""
        self.watches = sorted(watches, key=lambda w: w.node.start_byte)
        self._starts = [w.node.start_byte for w in self.watches]
        self._observed: set[int] = set()
        self._class_attributes: dict[int, dict[str, Value]] = {}
        self._scope_assignments: dict[int, dict[bytes, list[Node]]] = {}
        self._locals_by_function: dict[int, frozenset[str]] = {}
        """By function node id: its `local_names`."""
        self.observed_in_module_values: set[int] = set()
        """Statements holding a watched node that no run of their code reached, observed with
        the module's values instead: every name there, a parameter's too, reads the module."""
        self._module_definitions: dict[str, int] = {}
        """How many functions and classes the module defines under each name."""
        self._observing = True
        self._summaries: dict[tuple, Summary] = {}
        self._active: list[int] = []
        """The functions being summarised, innermost last (a recursive call is not followed)."""
        self._returns: list[tuple[Value, tuple[Value, ...] | None]] | None = None
        """While a function is summarised: the values its returns give."""
        self._methods: dict[int, dict[str, Definition]] = {}
        self.call_sites: list[Node] = []
        """The calls being followed into the functions they run, outermost first, while the
        watched nodes of those functions are observed there (empty: a node runs in its own
        function)."""
        self._entries_bound = False
        """Whether a dict literal's entries were bound (then rebinding a name drops its entries)."""
        self._assigned: tuple[str, dict[str, Value]] | None = None
        """While a class's attributes are collected: ``self.`` of the method being run, and the
        attributes its assignments join into."""
        self._reading: set[int] | None = None
        """Where the statements whose code a summary ran are gathered, for the function being
        interpreted (see `dependencies`)."""
        self.dependencies: dict[int, set[int]] = {}
        """By index in `source.statements`: the other top-level statements whose functions its
        findings depend on through the summaries it used (it is stale when one of them changes)."""

    # ---------------------------------------------------------------------------------- driver

    def close(self) -> None:
        """Let go of the watches' observers and the callbacks, which hold the analysis in turn:
        without these cycles the analysis and its trees (native memory the garbage collector
        does not weigh) are freed as soon as nothing uses them, not at some later full
        collection (a server with 50 real files open held 40 MB of such garbage)."""
        self.watches, self._starts = [], []
        self.reused = lambda top: False
        self.imported = None

    def run(self) -> None:
        pending: list[tuple[Node, Env]] = []
        self.module_env = self._read_through(self.source.top_nodes, Env(), pending, 0)
        self._pending_functions = list(pending)
        # Functions run after the module has been executed: free names see its final values.
        statement_at = self.source.statement_at
        statements = self.source.statements
        skipped = {i for i in self.statements_with_watches if self.reused(statements[i])}
        while pending:
            definition, env = pending.pop()
            index = statement_at(definition.start_byte)
            if index not in skipped:
                self._reading = self.dependencies.setdefault(index, set())
                self._function(definition, env, pending)
        self._reading = None
        for watch in self.watches:  # never reached (code after a return): seen with the module's values
            index = statement_at(watch.node.start_byte)
            if watch.node.id not in self._observed and index not in skipped:
                self.observed_in_module_values.add(index)
                self._reading = self.dependencies.setdefault(index, set())  # the calls it follows, too
                self._observe(watch, self.module_env, [])
        self._reading = None

    @cached_property
    def statements_with_watches(self) -> list[int]:
        """Indices in `source.statements` of the statements holding a watched node, or a call
        of a function that returns one (observed at that call), in order."""
        at = self.source.statement_at
        holding = {index for watch in self.watches if (index := at(watch.node.start_byte)) >= 0}
        relays = self._relay_calls
        if relays is not None:
            data = self.source.data
            holding |= {index for index, top in enumerate(self.source.statements) if relays.search(data, top.start_byte, top.end_byte)}
        return sorted(holding)

    @cached_property
    def _relay_calls(self) -> re.Pattern[bytes] | None:
        """Calls of the module's functions and methods that return a watched node (``return
        jnp.log(x)``): their callers are interpreted too, for the node to be observed there."""
        names = set()
        end = -1
        for watch in self.watches:  # in document order
            nested, end = watch.node.start_byte < end, max(end, watch.node.end_byte)
            if not nested and returned_by(watch.node):  # a node inside another watched one is not what is returned
                function = _enclosing(watch.node, "function_definition")
                name = function.child_by_field_name("name") if function is not None else None
                if name is not None:
                    names.add(re.escape(name.text.decode()))
        return re.compile(rb"\b(?:" + "|".join(sorted(names)).encode() + rb")\s*\(") if names else None

    def _interpreted(self, node: Node) -> bool:
        """Whether `node` holds a watched node or calls a function returning one."""
        if self.has_watches(node):
            return True
        relays = self._relay_calls
        return relays is not None and relays.search(self.source.data, node.start_byte, node.end_byte) is not None

    @cached_property
    def _module_scopes(self) -> list[Env]:
        """The module-level environments functions run in: the final one, and those a function
        was defined in (a join at module level, an ``if`` or ``try``, starts a new one)."""
        scopes: dict[int, Env] = {id(self.module_env): self.module_env}
        for _, env in self._pending_functions:
            while env.parent is not None:
                env = env.parent
            scopes.setdefault(id(env), env)
        return list(scopes.values())

    def module_shape(self) -> int:
        """What every function's findings may depend on outside its own text: the names that
        stand for modules and functions (a fix spells its calls with them) and star imports."""
        aliases = frozenset(item for scope in self._module_scopes for item in scope.aliases().items())
        stars = tuple(dict.fromkeys(star for scope in self._module_scopes for star in scope.stars))
        return hash((aliases, stars))  # not how many scopes: a broken line at module level makes one more

    @cached_property
    def module_names(self) -> dict[str, int]:
        """By name as code spells it (``cfg`` of ``cfg.EPS``, ``EPS`` of ``EPS['a']``): a hash
        of the module-level values under it. A function reads the module only through the names
        its text spells, and those of the functions it calls: its findings hold while these do."""
        names: dict[str, int] = {}
        # each binding once, though later scopes repeat what they inherit (a broken line at module
        # level makes one more scope: nothing else changes); a sum: the same in any order
        for name, value in {item for scope in self._module_scopes for item in scope.values.items()}:
            root = name if "." not in name and "[" not in name else spelled_root(name) + PATH_UNDER
            names[root] = names.get(root, 0) + hash((name, value))
        # The value of a function's name says only "user-defined"; which code a call runs is in the
        # (line, text) of the definitions an entry used, unless a definition is added under its name.
        for name, count in self._module_definitions.items():
            names[name] = names.get(name, 0) + count
        return names

    def _watches_in(self, start: int, end: int) -> Iterator[Watch]:
        index = bisect_left(self._starts, start)
        while index < len(self._starts) and self._starts[index] < end:
            yield self.watches[index]
            index += 1

    def has_watches(self, node: Node) -> bool:
        """Whether a watched node lies inside `node`."""
        index = bisect_left(self._starts, node.start_byte)
        return index < len(self._starts) and self._starts[index] < node.end_byte

    # ------------------------------------------------------------------------------ statements

    def _block(self, statements: list[Node], env: Env | None, pending: list, depth: int) -> Env | None:
        for statement in statements:
            if env is None:
                return None
            env = self._statement(statement, env, pending, depth)
        return env

    def _read_through(self, statements: list[Node], env: Env, pending: list, depth: int) -> Env:
        """Like `_block`, but a `return` or `raise` does not hide the statements after it: at
        module level (a script's early exit) and in broken code (a `return` left at module
        level by an unclosed bracket above it), what follows is read with the values before."""
        for statement in statements:
            env = self._statement(statement, env, pending, depth) or env
        return env

    def _observe_region(self, start: int, end: int, env: Env, stop: Node) -> None:
        """Observe the watched nodes between `start` and `end` that run with `env` (those in
        nested functions and classes run later, in their own scope)."""
        if not self._observing:
            return
        for watch in self._watches_in(start, end):
            path = _path(stop, watch.node)
            if not any(node.type in SCOPE_TYPES for node in path):
                self._observe(watch, env, path)
        relays = self._relay_calls
        if relays is not None and relays.search(self.source.data, start, end) is not None:
            # A call of a function returning a watched node runs here: follow it, for the node
            # to be observed with this call's arguments (its value is needed nowhere else).
            for call in _descendants_of_type(stop, "call", stop=None):
                if start <= call.start_byte < end and relays.match(self.source.data, _callee_name(call).start_byte):
                    self.evaluate(call, self._path_env(_path(stop, call), call, env))

    def _observe(self, watch: Watch, env: Env, path: list[Node]) -> None:
        self._observed.add(watch.node.id)
        watch.observer.observe(watch.node, self._path_env(path, watch.node, env), self)

    def _statement(self, node: Node, env: Env, pending: list, depth: int) -> Env | None:
        kind = node.type
        if depth > MAX_DEPTH:
            self._observe_region(node.start_byte, node.end_byte, env, node)
            return env
        if kind == "expression_statement":
            self._observe_region(node.start_byte, node.end_byte, env, node)
            for child in node.named_children:
                self._effect(child, env)
                self._in_place(child, env)
            self._walrus(node, env)
            return env
        if kind in ("import_statement", "import_from_statement", "future_import_statement"):
            self._import(node, env)
            return env
        if kind == "assert_statement":
            self._observe_region(node.start_byte, node.end_byte, env, node)
            condition = node.named_children[0] if node.named_children else None
            return self.refine(condition, True, env) if condition is not None else env
        if kind in ("return_statement", "raise_statement", "break_statement", "continue_statement"):
            self._observe_region(node.start_byte, node.end_byte, env, node)
            if kind == "return_statement" and self._returns is not None:
                returned = node.named_children[0] if node.named_children else None
                self._returns.append(self._returned(returned, env))
            return None
        if kind == "decorated_definition":
            definition = node.child_by_field_name("definition")
            self._observe_region(node.start_byte, definition.start_byte if definition else node.end_byte, env, node)
            return self._statement(definition, env, pending, depth) if definition else env
        if kind == "function_definition":
            return self._define_function(node, env, pending)
        if kind == "class_definition":
            return self._define_class(node, env, pending, depth)
        if kind == "if_statement":
            return self._if(node, env, pending, depth)
        if kind in ("for_statement", "while_statement"):
            return self._loop(node, env, pending, depth)
        if kind == "try_statement":
            return self._try(node, env, pending, depth)
        if kind == "with_statement":
            body = node.child_by_field_name("body")
            self._observe_region(node.start_byte, body.start_byte if body else node.end_byte, env, node)
            for item in _descendants_of_type(node, "as_pattern_target", stop=body):
                self._bind(item.named_children[0] if item.named_children else item, UNKNOWN, None, env)
            return self._block(body.children, env, pending, depth + 1) if body else env
        if kind == "match_statement":
            body = node.child_by_field_name("body")
            self._observe_region(node.start_byte, body.start_byte if body else node.end_byte, env, node)
            cases = [c for c in (body.named_children if body else []) if c.type == "case_clause"]
            outcomes = [self._block(_body(case), env.copy(), pending, depth + 1) for case in cases]
            return join_envs([*outcomes, env])
        if kind == "ERROR":
            return self._read_through(node.children, env, pending, depth + 1)
        if kind in ("block", "module"):
            return self._block(node.children, env, pending, depth + 1)
        self._observe_region(node.start_byte, node.end_byte, env, node)
        return env

    def _returned(self, returned: Node | None, env: Env) -> tuple[Value, tuple[Value, ...] | None]:
        """What a return statement gives, and the elements of a tuple it returns (``return a, b``)."""
        if returned is None:
            return UNKNOWN, None
        if returned.type in ("expression_list", "tuple"):
            parts = [part for part in returned.named_children if part.type != "comment"]
            if all(part.type not in ("list_splat", "parenthesized_list_splat") for part in parts):
                return Value(), tuple(self.evaluate(part, env) for part in parts)
        value = self.evaluate(returned, env)
        return value, self._returned_elements(returned, env)  # return self._compute() of a tuple

    def _in_place(self, node: Node, env: Env) -> None:
        """``out.scatter_add_(...)``, ``p.clamp_(min=eps)``, ``p.neg_().exp_()``: in-place tensor
        methods change the value of their receiver (to what the chain gives, or to something unknown)."""
        function = node.child_by_field_name("function") if node.type == "call" else None
        if function is None or function.type != "attribute":
            return
        method = function.child_by_field_name("attribute").text.decode()
        key = dotted_key(function.child_by_field_name("object"))
        if key is not None and method in fw.LIST_ADDERS:
            self._add_elements(node, key, env)
            return
        known = True
        while key is None and method.endswith("_"):  # a chain: the receiver of its first method
            known = known and method in fw.TENSOR_METHODS
            inner = function.child_by_field_name("object")
            function = inner.child_by_field_name("function") if inner.type == "call" else None
            if function is None or function.type != "attribute":
                return
            method = function.child_by_field_name("attribute").text.decode()
            key = dotted_key(function.child_by_field_name("object"))
        if key is None or not method.endswith("_"):
            return
        known = known and method in fw.TENSOR_METHODS
        env.values[key] = self.evaluate(node, env) if known else Value(tensor=True)

    def _add_elements(self, call: Node, key: str, env: Env) -> None:
        """``parts.append(x)``, ``parts.extend(xs)``: a list whose elements are known (``[]`` to
        begin with) now also holds these; a list nothing is known of stays unknown."""
        current = env.lookup(key)
        positional, _ = call_arguments(call)
        if current is None or current.unknown or current.ref is not None or not positional:
            return
        added = self.evaluate(positional[-1], env)
        env.values[key] = join(current, added) or UNKNOWN

    def _walrus(self, node: Node | None, env: Env) -> None:
        """Bind the targets of ``name := value`` anywhere in `node`."""
        if node is not None and self.source.data.find(b":=", node.start_byte, node.end_byte) != -1:
            for named in _descendants_of_type(node, "named_expression", stop=None):
                self.evaluate(named, env)

    def _effect(self, node: Node, env: Env) -> None:
        """Apply what an expression statement binds."""
        if node.type == "assignment":
            right = node.child_by_field_name("right")
            targets = [node.child_by_field_name("left")]
            while right is not None and right.type == "assignment":
                targets.append(right.child_by_field_name("left"))
                right = right.child_by_field_name("right")
            if right is None:
                return
            value = self.evaluate(right, env)
            for target in targets:
                self._bind(target, value, right, env)
        elif node.type == "augmented_assignment":
            target = node.child_by_field_name("left")
            operator = node.child_by_field_name("operator")
            right = node.child_by_field_name("right")
            key = dotted_key(target) if target is not None else None
            if target is not None and target.type == "subscript" and right is not None:
                self._overwrite_elements(target, self.evaluate(right, env), env)  # buffer[i] += term
                return
            if key is None or operator is None or right is None:
                return
            env.values[key] = self._operation(node, operator.type.rstrip("="), target, right, env, 0)

    def _bind(self, target: Node | None, value: Value, value_node: Node | None, env: Env) -> None:
        if target is None:
            return
        kind = target.type
        if kind in ("identifier", "attribute"):
            key = dotted_key(target)
            if key is not None:
                if self._entries_bound:  # the entries of a dict the name held before are gone
                    stale = [name for name in env.values if name.startswith(key + "[")]
                    for name in stale:
                        del env.values[name]
                env.values[key] = value
                if value_node is not None and value_node.type == "dictionary":
                    self._bind_entries(key, value_node, env)
                if self._assigned is not None and key.startswith(self._assigned[0]) and key.count(".") == 1:
                    attributes = self._assigned[1]
                    for name in (key, *(name for name in env.values if name.startswith(key + "["))):
                        member = name.split(".", 1)[1]
                        attributes[member] = join(attributes.get(member), env.values[name]) or env.values[name]
        elif kind in ("pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "expression_list"):
            targets = [t for t in target.named_children if t.type != "comment"]
            sources = None
            if value_node is not None and value_node.type in ("tuple", "list", "expression_list"):
                sources = [s for s in value_node.named_children if s.type != "comment"]
            if sources is not None and len(sources) == len(targets) and all(s.type != "list_splat" for s in sources):
                for sub_target, sub_source in zip(targets, sources):
                    self._bind(sub_target, self.evaluate(sub_source, env), sub_source, env)
            elif (elements := self._returned_elements(value_node, env)) is not None and len(elements) == len(targets):
                for sub_target, element in zip(targets, elements):  # a, b = f() of a def f returning a, b
                    self._bind(sub_target, element, None, env)
            else:
                for index, sub_target in enumerate(targets):
                    # ``values, indices = x.max(dim)``: the first of a maximum's pair is the maximum.
                    element = value if index == 0 and value.maximum else Value(tensor=value.tensor)
                    self._bind(sub_target, element, None, env)
        elif kind in ("list_splat_pattern", "parenthesized_expression"):
            for child in target.named_children:
                self._bind(child, Value(tensor=value.tensor), None, env)
        elif kind == "subscript":
            self._overwrite_elements(target, value, env)

    def _returned_elements(self, value_node: Node | None, env: Env) -> tuple[Value, ...] | None:
        """The elements of the tuple a followed call returns (its summary is computed already)."""
        if value_node is None or value_node.type != "call":
            return None
        function = value_node.child_by_field_name("function")
        followed = self._callee(function, env) if function is not None else None
        if followed is None:
            return None
        positional, keywords = call_arguments(value_node)
        return self._summary(followed, positional, keywords, env, 0, value_node).elements

    def _overwrite_elements(self, target: Node, value: Value, env: Env) -> None:
        """``buffer[i] = value``, ``r[0] = 1``: some elements of a name change (`_written`)."""
        key = dotted_key(target.child_by_field_name("value"))
        if key is not None and self._assigned is not None and key.startswith(self._assigned[0]) and key.count(".") == 1:
            member, attributes = key.split(".", 1)[1], self._assigned[1]
            if member in attributes:  # self.buffer[:, :k] = grads in a method: the attribute is written
                attributes[member] = _written(attributes[member], value)
        current = env.lookup(key) if key is not None else None
        if key is None or current is None:
            return
        env.values[key] = _written(current, value)

    def _import(self, node: Node, env: Env) -> None:
        if node.type == "import_statement":
            for name in node.children_by_field_name("name"):
                if name.type == "aliased_import":
                    module = name.child_by_field_name("name").text.decode()
                    alias = name.child_by_field_name("alias").text.decode()
                    env.values[alias] = Value(ref=canonical(module))
                else:
                    top = name.text.decode().split(".", 1)[0]
                    env.values[top] = Value(ref=top)
            return
        if node.type != "import_from_statement":
            return
        module_node = node.child_by_field_name("module_name")
        if module_node is None:
            return
        module = module_node.text.decode().replace(" ", "")
        if any(child.type == "wildcard_import" for child in node.children):
            root = env
            while root.parent is not None:
                root = root.parent
            root.stars = (*root.stars, module)
            return
        for name in node.children_by_field_name("name"):
            if name.type == "aliased_import":
                imported = name.child_by_field_name("name").text.decode()
                alias = name.child_by_field_name("alias").text.decode()
            else:
                imported = alias = name.text.decode()
            env.values[alias] = Value(ref=canonical(module + imported if module.endswith(".") else f"{module}.{imported}"))
            for suffix, value in self._imported_constant(module, imported).items():
                env.values[alias + suffix] = value

    def _imported_constant(self, module: str, name: str) -> dict[str, Value]:
        """A constant (``EPS``, ``LOG_FLOOR``, ``eps``) that a module of the project defines, and
        its dict entries."""
        if self.imported is None or not (_CONSTANT_NAME.match(name) or fw.EPSILON_NAME.match(name)):
            return {}
        if not module.startswith(".") and (root_module(module) in FRAMEWORK_ROOTS or root_module(module) in fw.LOGGING_MODULES):
            return {}
        return self.imported(module, name)

    def _define_function(self, node: Node, env: Env, pending: list) -> Env:
        body = node.child_by_field_name("body")
        self._observe_region(node.start_byte, body.start_byte if body else node.end_byte, env, node)
        self._bind_definition(node, env)
        if body is not None and self._interpreted(body):
            pending.append((node, env))
        return env

    def _define_class(self, node: Node, env: Env, pending: list, depth: int) -> Env:
        body = node.child_by_field_name("body")
        self._observe_region(node.start_byte, body.start_byte if body else node.end_byte, env, node)
        if body is not None and self._interpreted(body):
            # Methods do not see the class namespace: their free names resolve in `env`.
            class_env = Env(env)
            method_defs: list[tuple[Node, Env]] = []
            self._block(body.children, class_env, method_defs, depth + 1)
            pending.extend((definition, env) for definition, _ in method_defs)
        self._bind_definition(node, env)
        return env

    def _bind_definition(self, node: Node, env: Env) -> None:
        """Bind the name a ``def`` or ``class`` defines; the module's are counted (see `module_names`)."""
        name = node.child_by_field_name("name")
        if name is not None:
            text = name.text.decode()
            env.values[text] = USER_DEFINED
            if env.parent is None:
                self._module_definitions[text] = self._module_definitions.get(text, 0) + 1

    def _function(self, node: Node, outer: Env, pending: list) -> None:
        env = self._parameters(node, outer)
        body = node.child_by_field_name("body")
        if body is not None:
            self._block(body.children, env, pending, 1)

    def local_names(self, function: Node) -> frozenset[str]:
        """The names local to `function` (`_local_names`), read once per analysis."""
        local = self._locals_by_function.get(function.id)
        if local is None:
            body = function.child_by_field_name("body")
            local = self._locals_by_function[function.id] = _local_names(body) if body is not None else frozenset()
        return local

    def _parameters(self, node: Node, outer: Env) -> Env:
        env = Env(outer, local=self.local_names(node))
        parameters = node.child_by_field_name("parameters")
        names = [_parameter_name(p) for p in (parameters.named_children if parameters is not None else [])]
        texts = {name.text.decode() for name in names if name is not None}
        loss = all(name in texts for name in fw.PREDICTION_PARAMETER)
        for parameter, name_node in zip(parameters.named_children if parameters is not None else [], names):
            if name_node is None:
                continue
            name = name_node.text.decode()
            default = parameter.child_by_field_name("value")
            if default is not None:
                known = self.evaluate(default, outer)
                value = Value(known.lo, known.hi, known.causes) if not known.ref else UNKNOWN
            elif fw.PROBABILITY_NAME.match(name) or (loss and name == fw.PREDICTION_PARAMETER[0]):
                value = ranged(0.0, 1.0, self._cause("probability", name_node), tensor=False)
            else:
                value = UNKNOWN
            env.values[name] = value
        return env

    def _if(self, node: Node, env: Env, pending: list, depth: int) -> Env | None:
        condition = node.child_by_field_name("condition")
        consequence = node.child_by_field_name("consequence")
        self._observe_region(node.start_byte, consequence.start_byte if consequence else node.end_byte, env, node)
        outcomes: list[Env | None] = []
        remaining = env
        self._walrus(condition, env)
        truth = self._truth(condition, env, 0) if condition is not None else None
        if truth is not None and consequence is not None:  # a flag of a summarised call: one branch runs
            if truth:
                return self._block(consequence.children, env, pending, depth + 1)
            clauses = node.children_by_field_name("alternative")
            if not clauses:
                return env
            if clauses[0].child_by_field_name("condition") is None:  # else:
                return self._block(_body(clauses[0]), env, pending, depth + 1)
        if consequence is not None and condition is not None:
            outcomes.append(self._block(consequence.children, self.refine(condition, True, remaining), pending, depth + 1))
            remaining = self.refine(condition, False, remaining)
        has_else = False
        for clause in node.children_by_field_name("alternative"):
            clause_body = clause.child_by_field_name("consequence") or clause.child_by_field_name("body")
            clause_condition = clause.child_by_field_name("condition")
            if clause_condition is not None:
                self._observe_region(clause.start_byte, clause_body.start_byte if clause_body else clause.end_byte, remaining, clause)
                branch = self.refine(clause_condition, True, remaining)
                remaining = self.refine(clause_condition, False, remaining)
            else:
                has_else = True
                branch = remaining.copy()
            outcomes.append(self._block(clause_body.children if clause_body else [], branch, pending, depth + 1))
        if not has_else:
            outcomes.append(remaining)
        return join_envs(outcomes)

    def _loop(self, node: Node, env: Env, pending: list, depth: int) -> Env | None:
        body = node.child_by_field_name("body")
        self._observe_region(node.start_byte, body.start_byte if body else node.end_byte, env, node)
        entry = env.copy()
        if node.type == "for_statement":
            iterable = node.child_by_field_name("right")
            value = self.evaluate(iterable, env) if iterable is not None else UNKNOWN
            element = Value(value.lo, value.hi, value.causes, tensor=value.tensor, dtype=value.dtype)
            self._bind(node.child_by_field_name("left"), element, None, entry)
        condition = node.child_by_field_name("condition")
        statements = body.children if body is not None else []
        buffers = [key for key, value in env.values.items() if any(c.kind in _ZEROS_WRITTEN for c in value.causes)]
        after: Env | None = None
        # Run the body until the entry state is stable; after two rounds a bound that still moves
        # is widened to infinity, so every loop reaches its fixpoint in a few rounds.
        for round_ in range(MAX_LOOP_ROUNDS):
            start = self.refine(condition, True, entry) if condition is not None else entry.copy()
            after = self._block(statements, start, pending, depth + 1)
            joined = join_envs([entry, after])
            if joined is None or joined.values == entry.values:
                break
            entry = widen(entry, joined) if round_ >= 1 else joined
        exit_env = self.refine(condition, False, entry) if condition is not None else entry
        if after is not None:
            _keep_filled(buffers, after, exit_env)
        alternative = node.child_by_field_name("alternative")
        if alternative is not None:
            return self._block(_body(alternative), exit_env, pending, depth + 1)
        return exit_env

    def _try(self, node: Node, env: Env, pending: list, depth: int) -> Env | None:
        body = node.child_by_field_name("body")
        after_body = self._block(body.children, env.copy(), pending, depth + 1) if body else env
        handler_entry = join_envs([env, after_body]) or env
        outcomes: list[Env | None] = [after_body]
        final_clause = None
        for clause in node.named_children:
            if clause.type in ("except_clause", "except_group_clause"):
                clause_env = handler_entry.copy()
                for target in _descendants_of_type(clause, "as_pattern_target", stop=None):
                    self._bind(target.named_children[0] if target.named_children else target, UNKNOWN, None, clause_env)
                outcomes.append(self._block(_body(clause), clause_env, pending, depth + 1))
            elif clause.type == "else_clause" and outcomes[0] is not None:
                outcomes[0] = self._block(_body(clause), outcomes[0], pending, depth + 1)
            elif clause.type == "finally_clause":
                final_clause = clause
        result = join_envs(outcomes)
        if final_clause is not None:
            finally_env = self._block(_body(final_clause), (result or handler_entry).copy(), pending, depth + 1)
            return finally_env if result is not None else None
        return result

    # ----------------------------------------------------------------------------- refinement

    def refine(self, condition: Node, holds: bool, env: Env) -> Env:
        """A copy of `env` with what `condition` (being true, or false) proves."""
        refined = env.copy()
        for key, low, high, if_not_negative in self._facts(condition, holds, 0, env):
            current = env.lookup(key) or UNKNOWN
            if if_not_negative and current.lo < 0:
                continue
            lo, hi = max(current.lo, low), min(current.hi, high)
            if lo > hi:  # the fact contradicts what is known (a default of 0 under `if eps > 0`): callers pass more
                lo, hi = (low, max(current.hi, low)) if low > -INF else (min(current.lo, high), high)
            if (lo, hi) != (current.lo, current.hi):
                refined.values[key] = with_range(current, lo, hi)
        return refined

    def _facts(self, node: Node, holds: bool, depth: int, env: Env) -> list[Fact]:
        if depth > 20:
            return []
        kind = node.type
        if kind == "identifier" and (comparison := self._bound_comparison(node)) is not None:
            return self._facts(comparison, holds, depth + 1, env)  # is_pos = x > 0; where(is_pos, ...)
        if kind == "unary_operator" and node.text.startswith(b"~"):  # ~mask of a tensor mask
            argument = node.child_by_field_name("argument")
            return self._facts(argument, not holds, depth + 1, env) if argument is not None else []
        if kind in ("identifier", "attribute") and holds:
            # `if min_alpha:` of a value known not to be negative (a rate that defaults to 0.0):
            # true, it is not 0, so it is above 0; of a value that may be negative, it proves nothing.
            key = dotted_key(node)
            return [(key, POSITIVE_FACT, INF, True)] if key is not None else []
        if kind == "parenthesized_expression" and node.named_children:
            return self._facts(node.named_children[0], holds, depth + 1, env)
        if kind == "not_operator":
            argument = node.child_by_field_name("argument")
            return self._facts(argument, not holds, depth + 1, env) if argument is not None else []
        if kind == "comparison_operator":
            return _comparison_refinements(node, holds)
        if kind == "boolean_operator":
            operator = node.child_by_field_name("operator")
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if operator is None or left is None or right is None:
                return []
            if (operator.type == "and") == holds:
                return self._facts(left, holds, depth + 1, env) + self._facts(right, holds, depth + 1, env)
            return []
        if kind == "call":
            # torch.all(x > 0), (x > 0).all(); and when false, np.any(x <= 0), (x <= 0).any()
            quantifier = "all" if holds else "any"
            function = node.child_by_field_name("function")
            positional, _ = call_arguments(node)
            operator = fw.COMPARISONS.get(self.evaluate(function, env, 0).ref or "") if function is not None else None
            if operator is not None and len(positional) == 2:  # tf.equal(p, 0.0)
                return _bounds(positional[0], operator, positional[1], holds)
            if function is not None and function.type == "attribute":
                attribute = function.child_by_field_name("attribute").text.decode()
                if attribute == quantifier and not positional:
                    return self._facts(function.child_by_field_name("object"), holds, depth + 1, env)
                if attribute == quantifier and len(positional) == 1:
                    return self._facts(positional[0], holds, depth + 1, env)
        return []

    # ----------------------------------------------------------------------------- expressions

    def evaluate(self, node: Node | None, env: Env, depth: int = 0) -> Value:
        if node is None or depth > MAX_DEPTH:
            return UNKNOWN
        kind = node.type
        evaluator = _EVALUATORS.get(kind)
        return evaluator(self, node, env, depth + 1) if evaluator is not None else UNKNOWN

    def _identifier(self, node: Node, env: Env, depth: int) -> Value:
        name = node.text.decode()
        value = env.lookup(name)
        if value is not None:
            return self._by_name(_by_convention(value, name), name, node, _DEFINED_BY_NAME)
        for module in reversed(env.star_modules()):
            qualified = canonical(f"{module}.{name}")
            if _known(qualified):
                return Value(ref=qualified)
        if fw.EPSILON_NAME.match(name):
            return EPSILON  # a global defined elsewhere, named like an epsilon
        return Value(ref=f"builtins.{name}")

    def _attribute(self, node: Node, env: Env, depth: int) -> Value:
        key = dotted_key(node)
        if key is not None and (value := env.lookup(key)) is not None:
            return value
        obj = node.child_by_field_name("object")
        attribute = node.child_by_field_name("attribute")
        if obj is None or attribute is None:
            return UNKNOWN
        name = attribute.text.decode()
        base = self.evaluate(obj, env, depth)
        if base.library_ref:
            qualified = canonical(f"{base.ref}.{name}")
            if qualified in fw.POSITIVE_CONSTANTS:
                return EPSILON
            if qualified in fw.INFINITIES:
                return Value(INF, INF)
            return Value(ref=qualified)
        if obj.type == "call":
            inner = self.evaluate(obj.child_by_field_name("function"), env, depth)
            if inner.ref is not None and name in fw.POSITIVE_ATTRIBUTES.get(inner.ref, ()):
                return EPSILON
        if name in fw.COUNT_ATTRIBUTES and base.tensor:
            return Value(1.0, INF)
        if name == "T" or name == "data":
            return base
        if key is not None:
            owner, _, member = key.rpartition(".")
            method = self._method(node, owner, member)
            if method is not None and method.property:
                return self._by_name(_by_convention(self._summary(method, [], {}, env, depth).value, member), member, node)
            attribute_value = self._class_attribute(node, owner, member)
            if attribute_value is not None:
                return self._by_name(_by_convention(attribute_value, member), member, node)
        return self._by_name(_by_convention(Value(tensor=base.tensor), name), name, node)

    def _call(self, node: Node, env: Env, depth: int) -> Value:
        function = node.child_by_field_name("function")
        if function is None:
            return UNKNOWN
        positional, keywords = call_arguments(node)
        followed = self._callee(function, env)
        if followed is not None:
            return self._summary(followed, positional, keywords, env, depth, node).value
        if function.type == "attribute":
            obj = function.child_by_field_name("object")
            receiver = self.evaluate(obj, env, depth)
            if not receiver.library_ref:
                method = function.child_by_field_name("attribute").text.decode()
                rule = fw.TENSOR_METHODS.get(method)
                if rule is not None and not receiver.user:
                    dtype = receiver.dtype or (fw.DEFAULT_DTYPE if receiver.tensor else None)
                    return self._apply(rule, node, [obj, *positional], keywords, env, depth, receiver, dtype=dtype)
                return Value(tensor=receiver.tensor, dtype=receiver.dtype)
        callee = self.evaluate(function, env, depth)
        if callee.ref is None:
            return UNKNOWN
        log = fw.LOG_FUNCTIONS.get(callee.ref)
        if log is not None and positional:
            # A rule that watches logs sees each one on its own: reading a log's argument only near the top of
            # an expression keeps logs nested thousands deep linear.
            if depth > MAX_LOG_NESTING:
                return Value(tensor=True)
            return logarithm(self.evaluate(positional[0], env, depth))
        rule = fw.VALUE_FUNCTIONS.get(callee.ref)
        # Framework functions return tensors; framework classes (nn.Linear) return other objects.
        root = root_module(callee.ref)
        tensor = root in FRAMEWORK_ROOTS and not callee.ref.rsplit(".", 1)[-1][:1].isupper()
        if rule is None:
            return _by_convention(Value(tensor=tensor), callee.ref.rsplit(".", 1)[-1])
        dtype = _dtype_named(keywords.get(fw.DTYPE_KEYWORD)) or _framework_dtype(callee.ref)
        return self._apply(rule, node, positional, keywords, env, depth, None, tensor=tensor or rule.effect is Effect.PRESERVE, dtype=dtype)

    def _apply(
        self,
        rule: fw.ValueFunction,
        call: Node,
        positional: list[Node],
        keywords: dict[str, Node],
        env: Env,
        depth: int,
        receiver: Value | None,
        tensor: bool = True,
        dtype: str | None = None,
    ) -> Value:
        effect = rule.effect
        first = positional[0] if positional else None

        def subject() -> Value:
            return receiver if receiver is not None else self.evaluate(first, env, depth)

        if effect is Effect.CLIP:
            lower = self._argument(positional, keywords, rule.bound_position, rule.bound_keywords, env, depth)
            upper = self._argument(positional, keywords, rule.bound_position + 1, rule.upper_keywords, env, depth)
            value = subject()
            kind = value.dtype or dtype or fw.DEFAULT_DTYPE
            rounding = self._cause("rounding", call, f"its upper bound {_excerpt_of(self, call, rule, positional, keywords)} is 1.0 in {kind}, so 1 minus it can be 0")
            return clip(value, lower, upper, kind, self._cause("clip-zero", call), rounding)
        if effect is Effect.MAXIMUM:
            values = [self.evaluate(argument, env, depth) for argument in positional]
            known = [v for v in values if not v.unknown]
            if not known:
                return Value(tensor=tensor, dtype=dtype)
            lo = max(v.lo for v in known)
            hi = INF if len(known) < len(values) else max(v.hi for v in known)
            zero = self._cause("clip-zero", call) if lo == 0 and any(v.constant == 0 for v in known) else None
            if zero is None and len(known) < len(values):
                # maximum(x, self.floor): a bound nothing is known of is the author's floor, as
                # an epsilon added is; what x shows of its zeros no longer shows the result's.
                return Value(lo, hi, tensor=tensor, dtype=dtype)
            causes = (zero,) if zero is not None else merge_causes(*(v.causes for v in known if v.lo == lo))
            return Value(lo, hi, causes if lo <= 0 else (), tensor=tensor, dtype=dtype)
        if effect is Effect.MINIMUM:
            values = [self.evaluate(argument, env, depth) for argument in positional]
            if not values or any(v.unknown for v in values):
                return Value(tensor=tensor, dtype=dtype)
            lo = min(v.lo for v in values)
            return Value(lo, min(v.hi for v in values), merge_causes(*(v.causes for v in values if v.lo <= 0)), tensor=tensor, dtype=dtype)
        if effect is Effect.WHERE:
            if len(positional) != 3:
                return Value(tensor=tensor, dtype=dtype)
            condition, chosen, otherwise = positional
            when_true = self._branch(chosen, self.refine(condition, True, env), depth)
            when_false = self._branch(otherwise, self.refine(condition, False, env), depth)
            joined = join(when_true, when_false) or UNKNOWN
            return Value(joined.lo, joined.hi, joined.causes, tensor=tensor, dtype=dtype, maximum=joined.maximum)
        if effect is Effect.MASKED_FILL and len(positional) == 3:
            # x.masked_fill(mask, v): v where the mask holds, x (as the mask's falsehood proves it) elsewhere
            target, mask, fill = positional
            kept = self.evaluate(target, self.refine(mask, False, env), depth)
            joined = join(kept, self._branch(fill, self.refine(mask, True, env), depth)) or UNKNOWN
            return Value(joined.lo, joined.hi, joined.causes, tensor=True, dtype=kept.dtype or dtype)
        if effect is Effect.PRESERVE:
            value = subject()
            return replace(value, ref=None, user=False, tensor=tensor, dtype=value.dtype or dtype)
        if effect is Effect.CAST:
            value = subject()
            named = positional[1] if len(positional) > 1 else keywords.get(fw.DTYPE_KEYWORD)
            target = rule.dtype or _dtype_named(named)
            return cast(value, target) if target is not None else Value(value.lo, value.hi, value.causes, tensor=True, dtype=value.dtype)
        if effect is Effect.SUM:
            value = subject()
            if value.shifted:
                return Value(1.0, INF, tensor=tensor, dtype=value.dtype or dtype)
            if value.unknown:
                return Value(tensor=tensor, dtype=value.dtype or dtype)
            lo = value.lo if value.lo >= 0 else -INF
            # A sum of exps without the max subtracted underflows where every term does: where
            # all the inputs are very negative (log-likelihoods, unshifted logits).
            causes = value.causes if lo <= 0 else ()
            return Value(lo, INF if value.hi > 0 else value.hi, causes, tensor=tensor, dtype=value.dtype or dtype)
        if effect is Effect.REDUCE_MAX:
            value = subject()
            return Value(value.lo, value.hi, value.causes, tensor=tensor, dtype=value.dtype or dtype, maximum=True)
        if effect is Effect.LOG:
            return logarithm(subject())
        if effect is Effect.NEGATE:
            return negate(subject())
        if effect is Effect.NONNEGATIVE:
            value = subject()
            # sqrt, square of a value shown to reach 0 from above: still 0 there.
            causes = value.causes if value.lo == 0 else ()
            return Value(0.0, INF, causes, tensor=tensor or value.tensor, dtype=value.dtype or dtype)
        if effect is Effect.ABS:
            value = subject()
            result = absolute(value, self._cause("abs", call))
            return Value(result.lo, result.hi, result.causes, tensor=tensor or result.tensor, dtype=value.dtype or dtype)
        if effect is Effect.MATMUL:
            operands = [receiver] if receiver is not None else []
            operands += [self.evaluate(n, env, depth) for n in positional[len(operands) + rule.bound_position :]]
            if not operands:
                return Value(tensor=tensor, dtype=dtype)
            product = operands[0] if len(operands) > 1 else binary("@", operands[0], operands[0])
            for operand in operands[1:]:
                product = binary("@", product, operand)
            return Value(product.lo, product.hi, product.causes, tensor=True, dtype=product.dtype or dtype)
        if effect is Effect.RANDOM and (rule.bound_keywords or rule.upper_keywords):
            low = self._argument(positional, keywords, rule.bound_position, rule.bound_keywords, env, depth)
            high = self._argument(positional, keywords, rule.bound_position + 1, rule.upper_keywords, env, depth)
            if (low is not None and low.unknown) or (high is not None and high.unknown):
                return Value(tensor=tensor, dtype=dtype)
            lo = low.lo if low is not None else 0.0
            hi = high.hi if high is not None else 1.0
            return ranged(lo, hi, self._random_cause(call, dtype), tensor=tensor, dtype=dtype)
        if effect in _ARITHMETIC:
            operand = self.evaluate(positional[1], env, depth) if len(positional) > 1 else UNKNOWN
            return binary(_ARITHMETIC[effect], subject(), operand, self._cause("difference", call))
        if effect is Effect.UNDERFLOWS and (receiver is not None or first is not None):
            argument = subject()
            result = exponential(argument, self._cause("underflows", call))
            if argument.centered:
                return Value(0.0, 1.0, result.causes, tensor=True, dtype=result.dtype or dtype, shifted=True)
            return Value(result.lo, result.hi, result.causes, tensor=True, dtype=result.dtype or dtype)
        if effect in _MONOTONE and (receiver is not None or first is not None):
            function, increasing = _MONOTONE[effect]
            lo, hi, kind = _RANGES[effect]
            argument = subject()
            result = monotone(argument, function, (lo, hi), increasing, self._cause(kind, call), argument.dtype or dtype)
            return replace(result, dtype=argument.dtype or dtype)
        lo, hi, kind = _RANGES.get(effect, (0.0, INF, "underflows"))
        cause = self._cause(kind, call, _SIGNED_DETAILS.get(effect, "")) if kind is not None else None
        if effect is Effect.RANDOM:
            cause = self._random_cause(call, dtype)
        value_dtype = (receiver.dtype if receiver is not None else None) or dtype
        return Value(lo, hi, (cause,) if cause is not None and lo <= 0 else (), tensor=tensor, dtype=value_dtype)

    def _argument(
        self, positional: list[Node], keywords: dict[str, Node], position: int, names: tuple[str, ...], env: Env, depth: int
    ) -> Value | None:
        """The value of an argument given by keyword or position; None when absent or None."""
        node = next((keywords[k] for k in names if k in keywords), None)
        if node is None and names and len(positional) > position:
            node = positional[position]
        return self.evaluate(node, env, depth) if node is not None and node.type != "none" else None

    def _by_name(self, value: Value, name: str, node: Node, named: tuple = _NAMED_RANGES) -> Value:
        """A value nothing is known of, named like what holds values that reach zero: a
        probability (``self.probs``), a correlation (``self.correlation``), a 0/1 mask; of a
        name the code computed, only what holds zeros by definition (`_DEFINED_BY_NAME`)."""
        if not value.unknown or value.ref is not None or value.filled:
            return value
        for pattern, lo, hi, kind in named:
            if pattern.match(name):
                return ranged(lo, hi, self._cause(kind, node), tensor=value.tensor, dtype=value.dtype)
        return value

    def _random_cause(self, call: Node, dtype: str | None) -> Cause | None:
        """Why a uniform draw from 0 reaches 0: in float32 one draw in 2**24 is exactly 0, which a
        training run meets; in float64 (NumPy's default) one in 2**53, which nothing meets."""
        return None if dtype == "float64" else self._cause("random", call)

    def _cause(self, kind: str, node: Node, detail: str = "") -> Cause:
        return Cause(self.source.span(node), kind, self.source.node_text(node), detail)

    def _binary(self, node: Node, env: Env, depth: int) -> Value:
        operator = node.child_by_field_name("operator")
        kind = operator.type if operator is not None else ""
        return self._operation(node, kind, node.child_by_field_name("left"), node.child_by_field_name("right"), env, depth)

    def _operation(self, node: Node, kind: str, first: Node, second: Node, env: Env, depth: int) -> Value:
        """``first <kind> second`` written at `node` (``a / b``, or ``a /= b``)."""
        left = self.evaluate(first, env, depth)
        right = self.evaluate(second, env, depth)
        value = binary(kind, left, right, self._cause("difference", node))
        if kind == "/" and not value.evidence and not value.positive and self._sum_of(second, first, env, depth):
            # x / x.sum(): a distribution of x, 0 where x is (never, for x kept above 0: literal weights)
            if left.positive:
                return ranged(POSITIVE_FACT, 1.0, tensor=value.tensor, dtype=value.dtype)
            return ranged(0.0, 1.0, self._cause("normalised", node), tensor=value.tensor, dtype=value.dtype)
        if kind == "-" and right.lo >= 0 and value.lo < 0:
            rest = self._other_terms(first, second, right, env, depth)
            if rest is not None:
                return rest
        return value

    def _other_terms(self, total: Node, term: Node, value: Value, env: Env, depth: int) -> Value | None:
        """``x.sum(1, True) - x`` for `x` >= 0 (its `value`): the other terms of the sum, >= 0 and
        0 where they all are; also ``1 + x.sum() - x``, which parses as ``(1 + x.sum()) - x``."""
        others = Value(0.0, INF, value.causes, tensor=True, dtype=value.dtype)
        if self._sum_of(total, term, env, depth):
            return others
        total = bare(total)
        if total.type != "binary_operator" or total.child_by_field_name("operator").type != "+":
            return None
        for summed, added in (("left", "right"), ("right", "left")):
            if self._sum_of(total.child_by_field_name(summed), term, env, depth):
                return binary("+", self.evaluate(total.child_by_field_name(added), env, depth), others)
        return None

    def _sum_of(self, node: Node, subject: Node, env: Env, depth: int) -> bool:
        """Whether `node` is a sum of the elements of `subject`: ``x.sum(...)``, ``np.sum(x)``."""
        node, subject = bare(node), bare(subject)
        function = node.child_by_field_name("function") if node.type == "call" else None
        if function is None:
            return False
        positional, _ = call_arguments(node)
        if function.type == "attribute" and not self.evaluate(function.child_by_field_name("object"), env, depth).library_ref:
            rule = fw.TENSOR_METHODS.get(function.child_by_field_name("attribute").text.decode())
            summed = function.child_by_field_name("object")
        else:
            rule = fw.VALUE_FUNCTIONS.get(self.evaluate(function, env, depth).ref or "")
            summed = positional[0] if positional else None
        return rule is not None and rule.effect is Effect.SUM and summed is not None and bare(summed).text == subject.text

    def _unary(self, node: Node, env: Env, depth: int) -> Value:
        operator = node.child_by_field_name("operator")
        argument = self.evaluate(node.child_by_field_name("argument"), env, depth)
        if operator is not None and operator.type == "-":
            return negate(argument)
        return argument if operator is not None and operator.type == "+" else Value(tensor=argument.tensor)

    def _conditional(self, node: Node, env: Env, depth: int) -> Value:
        parts = node.named_children
        if len(parts) != 3:
            return UNKNOWN
        chosen, condition, otherwise = parts
        truth = self._truth(condition, env, depth)
        if truth is not None:
            return self.evaluate(chosen if truth else otherwise, env, depth)
        when_true = self.evaluate(chosen, self.refine(condition, True, env), depth)
        when_false = self.evaluate(otherwise, self.refine(condition, False, env), depth)
        return join(when_true, when_false) or UNKNOWN

    def _branch(self, node: Node, env: Env, depth: int) -> Value:
        """A branch of a where: a zero written there (``0.``, ``zeros_like(x)``) is the value the
        code chooses where the condition says so (a probability outside the support), whose log
        is the -inf it means; it is no evidence of an accident."""
        value = self.evaluate(node, env, depth)
        if value.constant == 0 and value.causes and all(cause.kind in _ZEROS_WRITTEN for cause in value.causes):
            return Value(0.0, 0.0, tensor=value.tensor, dtype=value.dtype)
        return value

    def _truth(self, condition: Node, env: Env, depth: int) -> bool | None:
        """Whether `condition` holds, when it is a flag a summarised call gave (``sigmoid=True``
        passed to ``torch.sigmoid(v) if sigmoid else v``); None when not known. Only while
        summarising: elsewhere a parameter's default is not what every caller passes."""
        if self._returns is None or bare(condition).type not in ("identifier", "true", "false"):
            return None
        constant = self.evaluate(condition, env, depth).constant
        return bool(constant) if constant is not None else None

    def _boolean(self, node: Node, env: Env, depth: int) -> Value:
        return Value(1.0, 1.0) if node.type == "true" else Value(0.0, 0.0)

    def _parenthesized(self, node: Node, env: Env, depth: int) -> Value:
        inner = node.named_children
        return self.evaluate(inner[0], env, depth) if len(inner) == 1 else UNKNOWN

    def _subscript(self, node: Node, env: Env, depth: int) -> Value:
        entry = self._entry(node, env)
        if entry is not None:
            return entry
        subject = node.child_by_field_name("value")
        value = self.evaluate(subject, env, depth)
        if value.ref is not None:
            return UNKNOWN
        selection = self._selection(node)
        if selection is not None:  # x[x != 0]: only the elements the comparison holds for
            value = self.evaluate(subject, self.refine(selection, True, env), depth)
        return Value(value.lo, value.hi, value.causes, tensor=value.tensor, dtype=value.dtype, maximum=value.maximum)

    def _selection(self, node: Node) -> Node | None:
        """The comparison a subscript selects elements by: ``x[x > 0]``, or ``x[keep]`` after the one
        assignment ``keep = x != 0`` of its scope."""
        indices = node.children_by_field_name("subscript")
        if len(indices) != 1:
            return None
        index = bare(indices[0])
        return index if index.type == "comparison_operator" else self._bound_comparison(index)

    def _bound_comparison(self, name: Node) -> Node | None:
        """The comparison a name holds where it is read: the one assignment of it in its scope
        (``is_pos = x > 0``) before that point, with none of the names it compares assigned again
        in between."""
        if name.type != "identifier":
            return None
        scope = _enclosing(name, "function_definition") or _enclosing(name, "module")
        if scope is None:
            return None
        assignments = self._assignments_in(scope)
        definitions = assignments.get(name.text, [])
        if len(definitions) != 1 or definitions[0].end_byte > name.start_byte:
            return None
        comparison = bare(definitions[0].child_by_field_name("right"))
        if comparison.type != "comparison_operator":
            return None
        compared = (dotted_key(child) for child in comparison.named_children)
        for key in {key for key in compared if key is not None}:
            rebound = assignments.get(key.encode(), ())
            if any(definitions[0].end_byte <= a.start_byte < name.start_byte for a in rebound):
                return None
        return comparison

    def _assignments_in(self, scope: Node) -> dict[bytes, list[Node]]:
        """The assignments of a scope (not of its nested functions) by their target's text, in
        order: read once per scope, as a broken file's module is one scope of thousands of them."""
        found = self._scope_assignments.get(scope.id)
        if found is None:
            found = self._scope_assignments[scope.id] = {}
            searched = scope.child_by_field_name("body") if scope.type == "function_definition" else scope
            captures = QueryCursor(_SCOPE_ASSIGNMENTS).captures(searched) if searched is not None else {}
            nested = _within_any(captures.get("scope", ()))
            for assignment in sorted(captures.get("assignment", ()), key=lambda node: node.start_byte):
                left = assignment.child_by_field_name("left")
                if left is not None and left.text is not None and not nested(assignment.start_byte):
                    found.setdefault(left.text, []).append(assignment)
        return found

    def _entry(self, node: Node, env: Env) -> Value | None:
        """``COEFFS["EPS"]``, ``self.coeffs["EPS"]``: an entry of a dict literal bound to that name
        (here, in the module, in a method of the class, or in the module it was imported from)."""
        index = node.child_by_field_name("subscript")
        container = node.child_by_field_name("value")
        suffix = _entry_suffix(index) if index is not None else None
        base = dotted_key(container) if container is not None and suffix is not None else None
        if base is None:
            return None
        value = env.lookup(base + suffix)  # type: ignore[operator]
        if value is None and "." in base:
            owner, _, member = base.rpartition(".")
            value = self._class_attribute(node, owner, member + suffix)  # type: ignore[operator]
        return value

    def _bind_entries(self, key: str, dictionary: Node, env: Env) -> None:
        """``COEFFS = {"EPS": 1e-8}``: each string-keyed entry is bound as ``COEFFS['EPS']``."""
        self._entries_bound = True
        for pair in dictionary.named_children:
            name, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            suffix = _entry_suffix(name) if pair.type == "pair" and name is not None else None
            if suffix is not None and value is not None:
                env.values[key + suffix] = self.evaluate(value, env)

    def _literal(self, node: Node, env: Env, depth: int) -> Value:
        parsed = _number(node.text.decode())
        return number(parsed, self._cause("nonpositive", node)) if parsed is not None else UNKNOWN

    def _sequence(self, node: Node, env: Env, depth: int) -> Value:
        """A literal list or tuple of numbers: the range of its elements (``[0.8, 0.1]``)."""
        elements = [child for child in node.named_children if child.type != "comment"]
        if not elements:
            return EMPTY
        if len(elements) > MAX_LITERAL_ELEMENTS:
            return UNKNOWN
        joined: Value | None = None
        for element in elements:
            value = self.evaluate(element, env, depth)
            if value.unknown or value.ref is not None:
                return UNKNOWN
            joined = join(joined, value)
        assert joined is not None
        return Value(joined.lo, joined.hi)  # literal data (tests, examples): its zeros are meant

    def _named(self, node: Node, env: Env, depth: int) -> Value:
        value = self.evaluate(node.child_by_field_name("value"), env, depth)
        self._bind(node.child_by_field_name("name"), value, None, env)
        return value

    # ------------------------------------------------------------------------------ summaries

    @cached_property
    def _functions(self) -> dict[str, Definition]:
        return module_functions(self.source.top_nodes)

    def _callee(self, function: Node, env: Env) -> Definition | None:
        """The module's own function or method a call runs, when the module shows which:
        ``model(x)`` of a module-level ``def model``, ``self.clip(p)`` of a method of the class."""
        if function.type == "identifier":
            name = function.text.decode()
            scope: Env | None = env
            while scope is not None and name not in scope.values:
                scope = scope.parent
            if scope is None or scope.parent is not None or scope.values[name] is not USER_DEFINED:
                return None  # not a module-level definition (a local, a parameter, an import)
            return self._functions.get(name)
        if function.type == "attribute":
            owner = dotted_key(function.child_by_field_name("object"))
            if owner is not None and "." not in owner:
                method = self._method(function, owner, function.child_by_field_name("attribute").text.decode())
                return method if method is not None and not method.property else None
        return None

    def _method(self, node: Node, owner: str, member: str) -> Definition | None:
        """The method `member` of the class whose method `node` is in, when `owner` is that
        method's ``self`` (named ``self`` or ``cls``: finding the class walks up the tree, which
        ``torch.log(torch.log(...))`` nested thousands deep must not pay at every level)."""
        if owner.encode() not in fw.INSTANCE_NAMES:
            return None
        class_body = self._own_class(node, owner)
        if class_body is None:
            return None
        methods = self._methods.get(class_body.id)
        if methods is None:
            methods = self._methods[class_body.id] = class_methods(class_body)
        return methods.get(member)

    def _summary(
        self, callee: Definition, positional: list[Node], keywords: dict[str, Node], env: Env, depth: int, call: Node | None = None
    ) -> Summary:
        """What a call of `callee` returns, with the arguments' values bound to its parameters:
        the join of its returns. Computed once per function and arguments; a recursive call, one
        too deep, or a generator is not followed (its value is unknown).

        A callee holding watched nodes, called with something known of an argument from where
        rules observe, has them observed at this `call` (see `call_sites`): a wrapper of a log
        is judged where its argument is known."""
        definition = callee.node
        if depth > MAX_LOG_NESTING or len(self._active) >= MAX_CALL_DEPTH or definition.id in self._active:
            return NOT_FOLLOWED
        splat = any(argument.type in ("list_splat", "dictionary_splat") for argument in [*positional, *keywords.values()])
        if splat:  # f(x, **options): what comes before the first splat is known, the rest may be anything
            positional = list(itertools.takewhile(lambda argument: argument.type not in ("list_splat", "dictionary_splat"), positional))
        arguments = tuple(self.evaluate(argument, env, depth) for argument in positional)
        named = tuple(sorted((name, self.evaluate(argument, env, depth)) for name, argument in keywords.items()))
        relayed = (
            call is not None
            and self._observing
            and self.has_watches(definition)
            and any(not value.unknown for value in [*arguments, *(value for _, value in named)])
        )
        key = (definition.id, arguments, named, splat, call.id if relayed else None)  # type: ignore[union-attr]
        summary = self._summaries.get(key)
        if summary is None:
            if len(self._summaries) >= MAX_SUMMARIES or generates(definition):
                return NOT_FOLLOWED
            if relayed:
                self.call_sites.append(call)  # type: ignore[arg-type]
            try:
                summary = self._summaries[key] = self._summarise(callee, arguments, dict(named), relayed, splat)
            finally:
                if relayed:
                    self.call_sites.pop()
        if self._reading is not None:
            self._reading.update(summary.statements)
        return summary

    def _summarise(
        self, callee: Definition, arguments: tuple[Value, ...], named: dict[str, Value], observe: bool, splat: bool
    ) -> Summary:
        definition = callee.node
        outer = self.module_env if hasattr(self, "module_env") else Env()
        env = self._parameters(definition, outer)
        parameters = definition.child_by_field_name("parameters")
        names = [_parameter_name(p) for p in (parameters.named_children if parameters is not None else [])]
        if callee.bound and names:
            names = names[1:]
        if splat:  # a splat may pass any parameter not given by name before it
            for name in names:
                if name is not None:
                    env.values[name.text.decode()] = UNKNOWN
        for name, value in zip(names, arguments):
            if name is not None:
                env.values[name.text.decode()] = value
        for name, value in named.items():
            if name in env.values:
                env.values[name] = value
        saved = (self._observing, self._returns, self._reading)
        self._observing, self._returns, self._reading = observe, [], {self.source.statement_at(definition.start_byte)}
        self._active.append(definition.id)
        try:
            body = definition.child_by_field_name("body")
            self._block(body.children if body is not None else [], env, [], 1)
            value, elements = UNKNOWN, _tuple_elements(self._returns)
            for returned, _ in self._returns:
                value = join(value, returned) if value is not UNKNOWN else returned  # type: ignore[assignment]
        except RecursionError:  # deep code in deep calls: what it returns is not known
            value, elements = UNKNOWN, None
        finally:
            statements = self._reading
            self._active.pop()
            self._observing, self._returns, self._reading = saved
        return Summary(replace(value, ref=None, user=False) if value.ref is not None else value, frozenset(statements), elements)

    # ------------------------------------------------------------------------ class attributes

    def _own_class(self, node: Node, owner: str) -> Node | None:
        """The body of the class whose method holds `node`, when `owner` is that method's first
        parameter (``self``, ``cls``)."""
        function = _enclosing(node, "function_definition")
        if function is None:
            return None
        class_body = function.parent
        if class_body is not None and class_body.type == "decorated_definition":
            class_body = class_body.parent
        if class_body is None or class_body.type != "block" or class_body.parent.type != "class_definition":
            return None
        return class_body if _first_parameter(function) == owner else None

    def _class_attribute(self, node: Node, owner: str, member: str) -> Value | None:
        """``self.eps``: the class's ``eps`` attribute or what its methods assign to ``self.eps``."""
        class_body = self._own_class(node, owner)
        if class_body is None:
            return None
        attributes = self._class_attributes.get(class_body.id)
        if attributes is None:
            self._class_attributes[class_body.id] = {}  # self.a = self.b + 1 refers back here
            attributes = self._collect_class_attributes(class_body)
            self._class_attributes[class_body.id] = attributes
        return attributes.get(member)

    def _collect_class_attributes(self, class_body: Node) -> dict[str, Value]:
        """The class's own attributes, joined with what any method assigns to ``self.name``
        where it assigns it (``scale = 1e-3; self.floor = scale`` in ``__init__``, ``self.std =
        tf.exp(self.logstd)`` in ``build``): each method that assigns one runs once for this."""
        saved = (self._observing, self._returns, self._assigned)
        self._observing, self._returns = False, None
        try:
            class_env = Env(self.module_env if hasattr(self, "module_env") else None)
            self._block(class_body.children, class_env, [], 1)
            attributes: dict[str, Value] = {
                name: value for name, value in class_env.values.items() if not value.user
            }
            for method in class_body.named_children:
                if method.type == "decorated_definition":
                    method = method.child_by_field_name("definition")
                if method is None or method.type != "function_definition":
                    continue
                self_name = _first_parameter(method)
                body = method.child_by_field_name("body")
                if self_name is None or body is None or not _assigns_attribute(method, self_name):
                    continue
                self._assigned = (self_name + ".", attributes)
                self._block(body.children, self._parameters(method, class_env.parent or Env()), [], 1)
            return attributes
        finally:
            self._observing, self._returns, self._assigned = saved

    def _path_env(self, path: list[Node], node: Node, env: Env) -> Env:
        """`env` refined by the guards on the `path` down to `node`: ``x if x > 0 else 1``,
        ``x > 0 and log(x)``; names bound by lambdas and comprehensions on the way shadow."""
        steps: list[tuple[str, Node, bool]] = []
        for parent, child in zip(path, [*path[1:], node]):
            kind = parent.type
            if kind == "conditional_expression":
                parts = parent.named_children
                if len(parts) == 3 and child == parts[0]:
                    steps.append(("refine", parts[1], True))
                elif len(parts) == 3 and child == parts[2]:
                    steps.append(("refine", parts[1], False))
            elif kind == "boolean_operator" and child == parent.child_by_field_name("right"):
                operator = parent.child_by_field_name("operator")
                steps.append(("refine", parent.child_by_field_name("left"), operator is not None and operator.type == "and"))
            elif kind == "lambda" or kind in COMPREHENSIONS:
                steps.append(("shadow", parent, True))
        if not steps:
            return env
        for action, target, holds in steps:
            if action == "refine":
                env = self.refine(target, holds, env)
            else:
                env = Env(env)
                for name in _names_bound_by(target):
                    env.values[name] = UNKNOWN
        return env


def bare(node: Node) -> Node:
    """`node` without the parentheses around it."""
    while node.type == "parenthesized_expression" and len(node.named_children) == 1:
        node = node.named_children[0]
    return node


def _path(ancestor: Node, node: Node) -> list[Node]:
    """The nodes from `ancestor` (included) down to `node` (excluded), top-down.

    Walking down costs the depth once; tree-sitter's ``parent`` walks from the root on every
    call, which made upward walks quadratic on deeply nested expressions.
    """
    path: list[Node] = []
    current = ancestor
    for _ in range(MAX_DEPTH):
        if current == node:
            return path
        path.append(current)
        child = current.child_with_descendant(node)
        if child is None:
            break
        current = child
    return path


def _by_convention(value: Value, name: str) -> Value:
    """An otherwise unknown value named like an epsilon (``eps``, ``self.epsilon``) is positive."""
    if value.unknown and value.ref is None and not value.filled and fw.EPSILON_NAME.match(name):
        return Value(EPSILON.lo, EPSILON.hi, tensor=value.tensor, dtype=value.dtype)
    return value


_ROOT_DTYPES = {
    root_module(module): fw.FRAMEWORK_DTYPES.get(framework, fw.DEFAULT_DTYPE)
    for framework, modules in fw.FRAMEWORKS.items()
    for module in modules
}
"""The float type each framework's root module computes in by default."""


def _framework_dtype(function: str) -> str:
    """The float type `function`'s library computes in by default."""
    return _ROOT_DTYPES.get(root_module(function), fw.DEFAULT_DTYPE)


def _dtype_named(node: Node | None) -> str | None:
    """The float type a dtype argument names: ``torch.float16``, ``np.float32``, ``"half"``."""
    if node is None:
        return None
    text = node.text.decode().strip("'\"")
    return fw.DTYPE_NAMES.get(text.rsplit(".", 1)[-1])


def _excerpt_of(analysis: "ModuleAnalysis", call: Node, rule: fw.ValueFunction, positional: list[Node], keywords: dict[str, Node]) -> str:
    """The text of a clip's upper bound argument."""
    node = next((keywords[k] for k in rule.upper_keywords if k in keywords), None)
    if node is None and len(positional) > rule.bound_position + 1:
        node = positional[rule.bound_position + 1]
    return f"`{analysis.source.node_text(node)}`" if node is not None else ""


def widen(before: Env, after: Env) -> Env:
    """`after` with every bound that moved since `before` pushed to infinity."""
    values = dict(after.values)
    for name, value in after.values.items():
        old = before.values.get(name)
        if old is None or old == value:
            continue
        lo = value.lo if value.lo >= old.lo else -INF
        hi = value.hi if value.hi <= old.hi else INF
        if (lo, hi) != (value.lo, value.hi):
            values[name] = Value(lo, hi, value.causes if lo <= 0 else (), value.ref, value.tensor, value.dtype, value.user)
    return Env(after.parent, values, after.stars, after.local)


def _written(current: Value, value: Value) -> Value:
    """A value after some of its elements are set to `value`. A buffer of zeros being filled, or
    a zero element overwritten, no longer shows zeros; otherwise the elements may be either."""
    if any(cause.kind in _ZEROS_WRITTEN for cause in current.causes):
        return Value(tensor=current.tensor, dtype=current.dtype, filled=True)
    return join(current, value) or value


def _keep_filled(buffers: list[str], after: Env, exit_env: Env) -> None:
    """A buffer of zeros that every pass of a loop body writes into (``for ...: out[i] += term``)
    is what the body leaves: a loop written to fill a buffer is meant to run, and its
    zero-iteration path is not evidence that the buffer stays 0."""
    for key in buffers:
        filled = after.values.get(key)
        if filled is not None and not any(c.kind in _ZEROS_WRITTEN for c in filled.causes):
            exit_env.values[key] = filled


def _known(name: str) -> bool:
    return name in fw.LOG_FUNCTIONS or name in fw.VALUE_FUNCTIONS or name in fw.POSITIVE_ATTRIBUTES


def _body(clause: Node) -> list[Node]:
    block = clause.child_by_field_name("body") or clause.child_by_field_name("consequence")
    if block is None:
        block = next((c for c in clause.named_children if c.type == "block"), None)
    return block.children if block is not None else []


def _descendants_of_type(node: Node, kind: str, stop: Node | None) -> Iterator[Node]:
    """Nodes of `kind` below `node`, not entering `stop` nor nested functions or classes."""
    stack = list(reversed(node.children))
    while stack:
        current = stack.pop()
        if stop is not None and current == stop:
            continue
        if current.type == kind:
            yield current
        if current.type not in ("function_definition", "class_definition", "lambda"):
            stack.extend(reversed(current.children))


def _entry_suffix(node: Node) -> str | None:
    """``['EPS']`` for a plain string key ``"EPS"`` (no interpolation, prefix or concatenation)."""
    if node.type != "string" or node.named_child_count != 3 or node.named_children[1].type != "string_content":
        return None
    start = node.named_children[0].text.decode()
    if start.strip("'\"") != "":
        return None  # f"", b"", r"": not a plain key
    content = node.named_children[1].text.decode()
    return None if "'" in content or "\\" in content else f"['{content}']"


_RETURNED = frozenset({"parenthesized_expression", "unary_operator", "binary_operator", "expression_list"})


def _callee_name(call: Node) -> Node:
    """The name a call calls: ``f`` of ``f(x)``, ``log`` of ``self.log(x)``."""
    function = call.child_by_field_name("function") or call
    return function.child_by_field_name("attribute") or function if function.type == "attribute" else function


def returned_by(node: Node) -> bool:
    """Whether `node` is (a term of) what a ``return`` statement returns (``return -log(x)``)."""
    parent = node.parent
    while parent is not None and parent.type in _RETURNED:
        parent = parent.parent
    return parent is not None and parent.type == "return_statement"


def _assigns_attribute(method: Node, self_name: str) -> bool:
    """Whether `method` assigns an attribute of its ``self`` (``self.eps = ...``, ``self.a, self.b = ...``)."""
    prefix = self_name + "."
    for assignment in _descendants_of_type(method, "assignment", stop=None):
        left = assignment.child_by_field_name("left")
        if left is not None and any(
            (key := dotted_key(target)) is not None and key.startswith(prefix)
            for target in (left, *_descendants_of_type(left, "attribute", stop=None))
        ):
            return True
    return False


def _enclosing(node: Node, kind: str) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type != kind:
        parent = parent.parent
    return parent


def _parameter_name(parameter: Node) -> Node | None:
    """The name a parameter binds: ``x``, ``x=1``, ``x: int``, ``*args``, ``**kwargs``."""
    if parameter.type == "identifier":
        return parameter
    name = parameter.child_by_field_name("name")
    return name if name is not None else next((c for c in parameter.named_children if c.type == "identifier"), None)


def _first_parameter(function: Node) -> str | None:
    parameters = function.child_by_field_name("parameters")
    first = parameters.named_children[0] if parameters is not None and parameters.named_child_count else None
    name = _parameter_name(first) if first is not None else None
    return name.text.decode() if name is not None else None


def _names_bound_by(node: Node) -> Iterator[str]:
    if node.type == "lambda":
        parameters = node.child_by_field_name("parameters")
        for parameter in parameters.named_children if parameters is not None else []:
            if (name := _parameter_name(parameter)) is not None:
                yield name.text.decode()
        return
    for clause in node.named_children:
        if clause.type == "for_in_clause":
            left = clause.child_by_field_name("left")
            if left is not None:
                if left.type == "identifier":
                    yield left.text.decode()
                else:
                    yield from (n.text.decode() for n in _descendants_of_type(left, "identifier", stop=None))


_EVALUATORS: dict[str, Callable[[ModuleAnalysis, Node, Env, int], Value]] = {
    "identifier": ModuleAnalysis._identifier,
    "attribute": ModuleAnalysis._attribute,
    "call": ModuleAnalysis._call,
    "binary_operator": ModuleAnalysis._binary,
    "unary_operator": ModuleAnalysis._unary,
    "conditional_expression": ModuleAnalysis._conditional,
    "parenthesized_expression": ModuleAnalysis._parenthesized,
    "subscript": ModuleAnalysis._subscript,
    "integer": ModuleAnalysis._literal,
    "float": ModuleAnalysis._literal,
    "list": ModuleAnalysis._sequence,
    "tuple": ModuleAnalysis._sequence,
    "named_expression": ModuleAnalysis._named,
    "true": ModuleAnalysis._boolean,
    "false": ModuleAnalysis._boolean,
}
