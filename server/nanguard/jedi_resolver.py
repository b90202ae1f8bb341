"""The slow path: names the module's own imports cannot settle, such as a log re-exported
through the user's own modules (``from .ops import log`` where ops.py does
``from torch import log``).

jedi finds the module files (relative imports, packages, the project's interpreter); nanguard's
own flow analysis then reads the names in them, so a framework that is not installed still
resolves. This path only ever adds findings: the fast path's findings stand as they are.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import jedi
from tree_sitter import Node

from nanguard import frameworks as fw
from nanguard.flow import Judgement, ModuleAnalysis, Unresolved, canonical
from nanguard.settings import Settings
from nanguard.source import Source

MAX_HOPS = 4
_log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def _project(root: str, environment_path: str | None) -> jedi.Project:
    return jedi.Project(root, environment_path=environment_path, smart_sys_path=True)


def _project_root(path: Path) -> Path:
    """The folder above the outermost package that holds `path`."""
    folder = path.parent
    while (folder / "__init__.py").exists() and folder.parent != folder:
        folder = folder.parent
    return folder


@lru_cache(maxsize=256)
def _module_env_of(path: str, mtime: float) -> tuple[Source, dict] | None:
    """Module-level names of a user module, by nanguard's own analysis (cached per file version)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    source = Source(text)
    analysis = ModuleAnalysis(source, [], frozenset())
    analysis.run()
    env = analysis.module_env
    return source, {"env": env}


def _imported_name(source: Source, line: int, column: int) -> tuple[Node, str] | None:
    """For a name defined by ``from M import name [as alias]`` at (line, column): the module node
    and the original name."""
    node = source.tree.root_node.descendant_for_point_range((line, column), (line, column))
    while node is not None and node.type not in ("aliased_import", "dotted_name", "import_from_statement"):
        node = node.parent
    if node is None:
        return None
    name_node = node
    if node.type == "aliased_import":
        name_node = node.child_by_field_name("name")
    statement = node
    while statement is not None and statement.type != "import_from_statement":
        statement = statement.parent
    if statement is None or name_node is None:
        return None
    module = statement.child_by_field_name("module_name")
    if module is None or name_node == module:
        return None
    return module, name_node.text.decode().rsplit(".", 1)[-1]


class _Resolver:
    def __init__(self, settings: Settings):
        self.settings = settings

    def script(self, text: str | None, path: Path) -> jedi.Script:
        project = _project(str(_project_root(path)), self.settings.jedi_environment)
        return jedi.Script(code=text, path=path, project=project)

    def module_file(self, script: jedi.Script, module: Node) -> Path | None:
        last = module.named_children[-1] if module.named_children else module
        if last.type == "dotted_name" and last.named_children:
            last = last.named_children[-1]
        row, column = last.start_point
        for definition in script.goto(row + 1, column, follow_imports=True):
            if definition.module_path is not None and definition.type == "module":
                return Path(definition.module_path)
        return None

    def resolve(self, text: str | None, path: Path, row: int, column: int, hops: int = 0) -> str | None:
        """The canonical log that the name at (row, column) of `path` stands for, if any."""
        script = self.script(text, path)
        for definition in script.goto(row + 1, column, follow_imports=False):
            if definition.full_name and canonical(definition.full_name) in fw.LOG_FUNCTIONS:
                return canonical(definition.full_name)
            if definition.module_path is None or definition.line is None or hops >= MAX_HOPS:
                continue
            at = Path(definition.module_path)
            loaded = (Source(text), None) if at == path and text is not None else _module_env_of(str(at), _mtime(at))
            if loaded is None:
                continue
            source = loaded[0]
            found = _imported_name(source, definition.line - 1, definition.column)
            if found is None:
                continue
            module_node, name = found
            module_path = self.module_file(self.script(source.text, at), module_node)
            if module_path is None:
                continue
            target = _module_env_of(str(module_path), _mtime(module_path))
            if target is None:
                continue
            value = target[1]["env"].lookup(name)
            if value is not None and value.ref is not None and value.ref in fw.LOG_FUNCTIONS:
                return value.ref
            if value is None:
                # A star import of yet another module, or a name defined further down the chain.
                return self._from_stars(target[1]["env"].stars, name)
        return None

    def _from_stars(self, stars: tuple[str, ...], name: str) -> str | None:
        for module in stars:
            qualified = canonical(f"{module}.{name}")
            if qualified in fw.LOG_FUNCTIONS:
                return qualified
        return None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def resolve_unresolved(analysis: ModuleAnalysis, path: Path | None, settings: Settings) -> list[Judgement]:
    """Judgements for the calls jedi shows to be framework logs."""
    if path is None:
        return []
    resolver = _Resolver(settings)
    text = analysis.source.text
    judgements = []
    for unresolved in analysis.unresolved.values():
        try:
            function = resolver.resolve(text, path, *unresolved.name.start_point)
        except Exception:  # jedi can fail on odd code; the fast path's findings stand regardless
            _log.debug("jedi could not resolve %s", unresolved.name.text, exc_info=True)
            continue
        if function is None:
            continue
        judgement = _judge_as(analysis, unresolved, function)
        if judgement is not None:
            judgements.append(judgement)
    return judgements


def _judge_as(analysis: ModuleAnalysis, unresolved: Unresolved, function: str) -> Judgement | None:
    log = fw.LOG_FUNCTIONS[function]
    if log.framework not in analysis.frameworks:
        return None
    arguments = unresolved.call.child_by_field_name("arguments")
    positional = [a for a in arguments.named_children if a.type not in ("keyword_argument", "comment")] if arguments else []
    if not positional:
        return None
    argument = positional[0]
    value = analysis.evaluate(argument, unresolved.env)
    return Judgement(unresolved.call, function, log, argument, False, value, unresolved.env)
