"""The slow path: names the module's own imports cannot settle, such as a log re-exported
through the user's own modules (``from .ops import log`` where ops.py does
``from torch import log``).

Modules of the project are found on disk directly; jedi is asked only for the rest (other
layouts, packages installed in the project's environment). Names inside a module are read by
nanguard's own flow analysis, so a framework that is not installed still resolves. This path
only ever adds findings: the fast path's findings stand as they are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from tree_sitter import Node, Query, QueryCursor

from nanguard import frameworks as fw
from nanguard.flow import FRAMEWORK_ROOTS, Env, ModuleAnalysis, canonical, root_module
from nanguard.settings import Settings
from nanguard.source import PYTHON, Source

if TYPE_CHECKING:
    import jedi

    from nanguard.rules.ng001.judge import LogObserver, Unresolved

MAX_HOPS = 4
_IMPORT_FROM = Query(PYTHON, "(import_from_statement) @import")
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Module:
    """A user module as nanguard reads it: its module-level values and where its names come from."""

    path: Path
    source: Source
    env: Env
    imports: dict[str, tuple[Node, str]]
    """Local name -> (the ``from`` module's node, the name imported from it)."""
    stars: tuple[Node, ...]
    """The module nodes of its star imports."""


@lru_cache(maxsize=256)
def _load(path: Path, mtime: float) -> _Module | None:
    """A module from disk (cached per file version); None when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    source = Source(text)
    analysis = ModuleAnalysis(source, [])
    analysis.run()
    imports: dict[str, tuple[Node, str]] = {}
    stars: list[Node] = []
    for statement in QueryCursor(_IMPORT_FROM).captures(source.trees[0].root_node).get("import", ()):
        module = statement.child_by_field_name("module_name")
        if module is None:
            continue
        if any(child.type == "wildcard_import" for child in statement.children):
            stars.append(module)
        for name in statement.children_by_field_name("name"):
            original = name.child_by_field_name("name") if name.type == "aliased_import" else name
            alias = name.child_by_field_name("alias") if name.type == "aliased_import" else name
            imports[alias.text.decode()] = (module, original.text.decode())
    return _Module(path, source, analysis.module_env, imports, tuple(stars))


def _load_current(path: Path) -> _Module | None:
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return _load(path, mtime)


def _project_root(path: Path) -> Path:
    """The folder above the outermost package that holds `path`."""
    folder = path.parent
    while (folder / "__init__.py").exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _module_file(folder: Path, dotted: str) -> Path | None:
    base = folder.joinpath(*dotted.split(".")) if dotted else folder
    for candidate in (base.with_suffix(".py") if dotted else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def locate(module: str, importer: Path) -> Path | None:
    """The file of `module` imported from `importer`, for modules that live in the project."""
    if module.startswith("."):
        dots = len(module) - len(module.lstrip("."))
        folder = importer.parent
        for _ in range(dots - 1):
            folder = folder.parent
        return _module_file(folder, module[dots:])
    return _module_file(_project_root(importer), module)


class _Resolver:
    def __init__(self, settings: Settings):
        self.settings = settings

    def resolve(self, unresolved: Unresolved, source: Source, path: Path) -> str | None:
        """The canonical log that the callee of `unresolved` stands for, if any."""
        for module, name in unresolved.sources:
            target = locate(module, path)
            if target is not None:
                resolved = self.name_in(target, name, 1)
                if resolved is not None:
                    return resolved
        return self.with_jedi(source, path, *unresolved.name.start_point)

    def name_in(self, path: Path, name: str, hops: int) -> str | None:
        """What `name` in the module at `path` is, following its imports."""
        module = _load_current(path)
        if module is None or hops > MAX_HOPS:
            return None
        value = module.env.values.get(name)
        if value is not None and value.ref in fw.LOG_FUNCTIONS:
            return value.ref
        if name in module.imports:
            return self.through_import(module, *module.imports[name], hops)
        for star in module.stars:
            resolved = self.through_import(module, star, name, hops)
            if resolved is not None:
                return resolved
        return None

    def through_import(self, importer: _Module, module: Node, name: str, hops: int) -> str | None:
        """What `name` imported from `module` (a node of `importer`) is."""
        module_name = module.text.decode().replace(" ", "")
        if not module_name.startswith(".") and root_module(module_name) in FRAMEWORK_ROOTS:
            qualified = canonical(f"{module_name}.{name}")
            return qualified if qualified in fw.LOG_FUNCTIONS else None
        target = locate(module_name, importer.path) or self.jedi_module_file(importer.source.text, importer.path, module)
        return self.name_in(target, name, hops + 1) if target is not None else None

    # jedi: for modules outside the project folder (installed packages, unusual layouts)

    def script(self, text: str, path: Path) -> jedi.Script:
        import jedi

        project = _project(str(_project_root(path)), self.settings.jedi_environment)
        return jedi.Script(code=text, path=path, project=project)

    def jedi_module_file(self, text: str, path: Path, module: Node) -> Path | None:
        last = module
        while last.named_children:
            last = last.named_children[-1]
        row, column = last.start_point
        for definition in self.script(text, path).goto(row + 1, column, follow_imports=True):
            if definition.module_path is not None and definition.type == "module":
                return Path(definition.module_path)
        return None

    def with_jedi(self, source: Source, path: Path, row: int, column: int) -> str | None:
        for definition in self.script(source.text, path).goto(row + 1, column, follow_imports=False):
            if definition.full_name and canonical(definition.full_name) in fw.LOG_FUNCTIONS:
                return canonical(definition.full_name)
            if definition.module_path is None or definition.line is None:
                continue
            at = Path(definition.module_path)
            home = _load_current(at) if at != path else None
            home_source = home.source if home is not None else source
            statement = home_source.node_for_points(
                (definition.line - 1, definition.column), (definition.line - 1, definition.column)
            )
            while statement is not None and statement.type != "import_from_statement":
                statement = statement.parent
            module = statement.child_by_field_name("module_name") if statement is not None else None
            if module is None:
                continue
            name = definition.name
            for bound in statement.children_by_field_name("name"):
                if bound.type == "aliased_import" and bound.child_by_field_name("alias").text.decode() == name:
                    name = bound.child_by_field_name("name").text.decode()
            target = self.jedi_module_file(home_source.text, at, module)
            resolved = self.name_in(target, name, 1) if target is not None else None
            if resolved is not None:
                return resolved
        return None


@lru_cache(maxsize=8)
def _project(root: str, environment_path: str | None) -> jedi.Project:
    import jedi

    return jedi.Project(root, environment_path=environment_path, smart_sys_path=True)


def resolve_unresolved(observer: LogObserver, path: Path | None, settings: Settings) -> None:
    """Record judgements in `observer` for its unresolved calls that turn out to be framework logs."""
    if path is None or observer.analysis is None:
        return
    resolver = _Resolver(settings)
    for unresolved in observer.unresolved.values():
        try:
            function = resolver.resolve(unresolved, observer.analysis.source, path)
        except Exception:  # jedi can fail on odd code; the fast path's findings stand regardless
            _log.debug("could not resolve %s", unresolved.name.text, exc_info=True)
            continue
        if function is not None:
            observer.record(unresolved.call, function, fw.LOG_FUNCTIONS[function], unresolved.env)
