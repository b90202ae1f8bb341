"""The slow path: names the module's own imports cannot settle, such as a log re-exported
through the user's own modules (``from .ops import log`` where ops.py does
``from torch import log``).

jedi finds the module files (relative imports, packages, the project's interpreter); nanguard's
own flow analysis then reads the names in them, so a framework that is not installed still
resolves. This path only ever adds findings: the fast path's findings stand as they are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jedi
from tree_sitter import Node, Query, QueryCursor

from nanguard import frameworks as fw
from nanguard.flow import FRAMEWORK_ROOTS, Env, ModuleAnalysis, canonical, root_module
from nanguard.settings import Settings
from nanguard.source import PYTHON, Source

MAX_HOPS = 4
_IMPORT_FROM = Query(PYTHON, "(import_from_statement) @import")
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


@dataclass(frozen=True, slots=True)
class _Module:
    """A user module as nanguard reads it: its module-level values and where its names come from."""

    source: Source
    env: Env
    imports: dict[str, tuple[Node, str]]
    """Local name -> (the ``from`` module's node, the name imported from it)."""
    stars: tuple[Node, ...]
    """The module nodes of its star imports."""


def _read_module(source: Source) -> _Module:
    analysis = ModuleAnalysis(source, [], frozenset())
    analysis.run()
    imports: dict[str, tuple[Node, str]] = {}
    stars: list[Node] = []
    for statement in QueryCursor(_IMPORT_FROM).captures(source.tree.root_node).get("import", ()):
        module = statement.child_by_field_name("module_name")
        if module is None:
            continue
        if any(child.type == "wildcard_import" for child in statement.children):
            stars.append(module)
        for name in statement.children_by_field_name("name"):
            original = name.child_by_field_name("name") if name.type == "aliased_import" else name
            alias = name.child_by_field_name("alias") if name.type == "aliased_import" else name
            imports[alias.text.decode()] = (module, original.text.decode())
    return _Module(source, analysis.module_env, imports, tuple(stars))


@lru_cache(maxsize=256)
def _load(path: Path, mtime: float) -> _Module | None:
    """A user module from disk (cached per file version); None when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return _read_module(Source(text))


def _load_current(path: Path) -> _Module | None:
    return _load(path, _mtime(path))


def _imported_at(source: Source, line: int, column: int) -> tuple[Node, str] | None:
    """For a name bound by ``from M import name [as alias]`` at (line, column): M's node and name."""
    node = source.tree.root_node.descendant_for_point_range((line, column), (line, column))
    while node is not None and node.type != "import_from_statement":
        node = node.parent
    if node is None:
        return None
    module = node.child_by_field_name("module_name")
    for name in node.children_by_field_name("name"):
        original = name.child_by_field_name("name") if name.type == "aliased_import" else name
        if name.start_point <= (line, column) <= name.end_point and module is not None:
            return module, original.text.decode().rsplit(".", 1)[-1]
    return None


class _Resolver:
    def __init__(self, settings: Settings):
        self.settings = settings

    def script(self, text: str | None, path: Path) -> jedi.Script:
        project = _project(str(_project_root(path)), self.settings.jedi_environment)
        return jedi.Script(code=text, path=path, project=project)

    def resolve(self, source: Source, path: Path, row: int, column: int) -> str | None:
        """The canonical log that the name at (row, column) of `path` stands for, if any."""
        for definition in self.script(source.text, path).goto(row + 1, column, follow_imports=False):
            if definition.full_name and canonical(definition.full_name) in fw.LOG_FUNCTIONS:
                return canonical(definition.full_name)
            if definition.module_path is None or definition.line is None:
                continue
            at = Path(definition.module_path)
            home = source if at == path else getattr(_load_current(at), "source", None)
            found = _imported_at(home, definition.line - 1, definition.column) if home is not None else None
            if found is not None:
                resolved = self.through_import(at, home, *found, hops=0)
                if resolved is not None:
                    return resolved
        return None

    def through_import(self, at: Path, source: Source, module: Node, name: str, hops: int) -> str | None:
        """What `name` imported from `module` (a node in `source`, the text of `at`) is."""
        module_name = module.text.decode()
        if not module_name.startswith(".") and root_module(module_name) in FRAMEWORK_ROOTS:
            qualified = canonical(f"{module_name}.{name}")
            return qualified if qualified in fw.LOG_FUNCTIONS else None
        if hops >= MAX_HOPS:
            return None
        target = self.module_file(self.script(source.text, at), module)
        return self.name_in(target, name, hops + 1) if target is not None else None

    def name_in(self, path: Path, name: str, hops: int) -> str | None:
        module = _load_current(path)
        if module is None:
            return None
        value = module.env.values.get(name)
        if value is not None and value.ref in fw.LOG_FUNCTIONS:
            return value.ref
        if name in module.imports:
            return self.through_import(path, module.source, *module.imports[name], hops)
        for star in module.stars:
            resolved = self.through_import(path, module.source, star, name, hops)
            if resolved is not None:
                return resolved
        return None

    def module_file(self, script: jedi.Script, module: Node) -> Path | None:
        last = module
        while last.named_children:
            last = last.named_children[-1]
        row, column = last.start_point
        for definition in script.goto(row + 1, column, follow_imports=True):
            if definition.module_path is not None and definition.type == "module":
                return Path(definition.module_path)
        return None


def _is_user_module(module: str, project_root: Path) -> bool:
    """Relative imports, and modules that live in the project rather than in site-packages."""
    if module.startswith("."):
        return True
    top = module.split(".", 1)[0]
    return (project_root / top).is_dir() or (project_root / f"{top}.py").is_file()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def resolve_unresolved(analysis: ModuleAnalysis, path: Path | None, settings: Settings) -> None:
    """Record judgements in `analysis` for the unresolved calls jedi shows to be framework logs."""
    if path is None:
        return
    resolver = _Resolver(settings)
    root = _project_root(path)
    for unresolved in analysis.unresolved.values():
        if not any(_is_user_module(module, root) for module in unresolved.modules):
            continue  # wandb.log, mlflow.log: installed packages are not re-exporting framework logs
        try:
            function = resolver.resolve(analysis.source, path, *unresolved.name.start_point)
        except Exception:  # jedi can fail on odd code; the fast path's findings stand regardless
            _log.debug("jedi could not resolve %s", unresolved.name.text, exc_info=True)
            continue
        if function is not None:
            analysis.record(unresolved.call, function, fw.LOG_FUNCTIONS[function], unresolved.env)
