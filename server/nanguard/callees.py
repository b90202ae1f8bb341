"""The functions and methods of the analysed module that a call can be followed into.

A call of a module-level function (``model(x)``), of a method on ``self`` (``self.clip(p)``) or a
read of a property on ``self`` (``self.tail_prob``) runs code the module shows: the interpreter
evaluates it with the arguments of the call to learn what it returns (`flow.ModuleAnalysis`
keeps these summaries). This module only finds those definitions in the syntax tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tree_sitter import Node

PROPERTY_DECORATORS = frozenset({"property", "cached_property", "lazy_property", "reify"})
"""Decorators (last part of their name) that make a method read as an attribute."""

_NOT_BOUND = frozenset({"staticmethod"})
"""Decorators after which a method's first parameter is an ordinary argument, not ``self``."""


@dataclass(frozen=True, slots=True)
class Definition:
    """A function the interpreter may follow: its node, and how it is called."""

    node: Node
    """The ``function_definition``."""
    bound: bool
    """A method called on an instance or class: its first parameter is not passed at the call."""
    property: bool
    """Read as an attribute (``@property``), so ``self.name`` runs it."""


def _decorators(definition: Node) -> list[str]:
    """The last part of the name of each decorator of `definition` (``functools.cached_property``
    gives ``cached_property``)."""
    parent = definition.parent
    if parent is None or parent.type != "decorated_definition":
        return []
    names = []
    for decorator in parent.named_children:
        if decorator.type != "decorator" or not decorator.named_children:
            continue
        expression = decorator.named_children[0]
        if expression.type == "call":
            expression = expression.child_by_field_name("function") or expression
        names.append(expression.text.decode().rsplit(".", 1)[-1])
    return names


def _definitions(statements: Iterable[Node]) -> Iterator[Node]:
    for statement in statements:
        if statement.type == "decorated_definition":
            statement = statement.child_by_field_name("definition")
        if statement is not None and statement.type == "function_definition":
            yield statement


def module_functions(statements: Iterable[Node]) -> dict[str, Definition]:
    """The module-level functions by name (the last definition of a name wins)."""
    found: dict[str, Definition] = {}
    for node in _definitions(statements):
        name = node.child_by_field_name("name")
        if name is not None:
            found[name.text.decode()] = Definition(node, bound=False, property=False)
    return found


def class_methods(class_body: Node) -> dict[str, Definition]:
    """The methods of a class body by name, with how each is called."""
    found: dict[str, Definition] = {}
    for node in _definitions(class_body.named_children):
        name = node.child_by_field_name("name")
        if name is None:
            continue
        decorators = _decorators(node)
        bound = not any(d in _NOT_BOUND for d in decorators)
        found[name.text.decode()] = Definition(node, bound, any(d in PROPERTY_DECORATORS for d in decorators))
    return found


def generates(definition: Node) -> bool:
    """Whether `definition` is a generator (its calls return an iterator, not its returns)."""
    stack = list(definition.child_by_field_name("body").children) if definition.child_by_field_name("body") else []
    while stack:
        node = stack.pop()
        if node.type in ("yield", "yield_expression"):
            return True
        if node.type not in ("function_definition", "class_definition", "lambda"):
            stack.extend(node.children)
    return False
