"""The slow path: names the module's own imports cannot settle, such as a log re-exported
through the user's own modules (``from .ops import log`` where ops.py does
``from torch import log``).

Modules of the project are found on disk directly; jedi is asked only for the rest (other
layouts, packages installed in the project's environment). Names inside a module are read by
nanguard's own flow analysis, so a framework that is not installed still resolves. This path
only ever adds findings: the fast path's findings stand as they are.

Answers are kept, with the stamps of every file they looked at (`nanguard.dependencies`), and
given again while those files are unchanged: a module that many files import from is read
once per run, and the editor settles names again without jedi after an edit. jedi itself gets
one `Script` per version of a file.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from tree_sitter import Node, Query, QueryCursor

from nanguard import frameworks as fw
from nanguard.dependencies import Resolution, Stamp, Stamps
from nanguard.flow import FRAMEWORK_ROOTS, Env, ModuleAnalysis, canonical, root_module
from nanguard.settings import Settings
from nanguard.source import PYTHON, Source
from nanguard.values import Value

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


@lru_cache(maxsize=48)
def _load(path: Path, version: Stamp) -> _Module | None:
    """A module from disk (cached per file `version`, its stamp); None when it cannot be read.
    Each holds its tree and analysis: since constants are read from the project's modules,
    256 of them took 40 MB of a server with 50 files open."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return _read(path, text)


@lru_cache(maxsize=32)
def _read(path: Path, text: str) -> _Module:
    """The module of `text`, the file at `path` (on disk or as open in the editor)."""
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


@dataclass(frozen=True, slots=True)
class _Answer:
    value: object
    stamps: frozenset[Stamp]


MAX_ANSWERS = 8192
_answers: OrderedDict[tuple, _Answer] = OrderedDict()
"""Every answer given, by its question, oldest first (the oldest go past `MAX_ANSWERS`)."""


def _project_root(path: Path, exists: Callable[[Path], bool] = Path.is_file) -> Path:
    """The folder above the outermost package that holds `path`."""
    folder = path.parent
    while exists(folder / "__init__.py") and folder.parent != folder:
        folder = folder.parent
    return folder


class _Resolver:
    """Answers for one analysis; each remembers the stamps of the files it looked at."""

    def __init__(self, settings: Settings, open_texts: Mapping[str, str]):
        self.settings = settings
        self.stamps = Stamps(open_texts)
        self._frames: list[set[Stamp]] = [set()]
        """The files looked at by each answer being worked out, innermost last."""

    # -- remembered answers

    def known(self, key: tuple) -> _Answer | None:
        """The answer to `key` if one was given and its files are unchanged."""
        answer = _answers.get(key)
        return answer if answer is not None and self.stamps.current(answer.stamps) else None

    def answer(self, key: tuple, work: Callable[[], object]) -> object:
        """The answer to `key`: the remembered one while its files are unchanged, else `work()`,
        remembered with the files it looked at. A failure (an exception) is not remembered."""
        known = self.known(key)
        if known is not None:
            self._frames[-1].update(known.stamps)
            return known.value
        self._frames.append(set())
        try:
            value = work()
        finally:  # what a failed answer looked at still matters to whoever asked
            stamps = frozenset(self._frames.pop())
            self._frames[-1].update(stamps)
        _answers[key] = _Answer(value, stamps)
        _answers.move_to_end(key)
        while len(_answers) > MAX_ANSWERS:
            _answers.popitem(last=False)
        return value

    def looked_at(self, path: Path) -> bool:
        """Whether `path` is a file, remembering that the answer depends on it either way."""
        self._frames[-1].add(self.stamps.of(path))
        return self.stamps.exists(path) and (str(path) in self.stamps.open_texts or path.is_file())

    def take_stamps(self) -> frozenset[Stamp]:
        """The files looked at since the last call (for the caller's one question)."""
        stamps, self._frames[-1] = frozenset(self._frames[-1]), set()
        return stamps

    # -- project modules on disk

    def load(self, path: Path) -> _Module | None:
        if not self.looked_at(path):
            return None
        text = self.stamps.open_texts.get(str(path))
        return _read(path, text) if text is not None else _load(path, self.stamps.of(path))

    def locate(self, module: str, importer: Path) -> Path | None:
        """The file of `module` imported from `importer`, for modules that live in the project."""
        if module.startswith("."):
            dots = len(module) - len(module.lstrip("."))
            folder = importer.parent
            for _ in range(dots - 1):
                folder = folder.parent
            return self._module_file(folder, module[dots:])
        return self._module_file(_project_root(importer, self.looked_at), module)

    def _module_file(self, folder: Path, dotted: str) -> Path | None:
        base = folder.joinpath(*dotted.split(".")) if dotted else folder
        for candidate in (base.with_suffix(".py") if dotted else None, base / "__init__.py"):
            if candidate is not None and self.looked_at(candidate):
                return candidate
        return None

    def resolve(self, unresolved: Unresolved, source: Source, path: Path) -> str | None:
        """The canonical log that the callee of `unresolved` stands for, if any."""
        for module, name in unresolved.sources:
            target = self.locate(module, path)
            if target is not None:
                resolved = self.name_in(target, name, 1)
                if resolved is not None:
                    return resolved
        return self.with_jedi(source, path, *unresolved.name.start_point)

    def name_in(self, path: Path, name: str, hops: int) -> str | None:
        """What `name` in the module at `path` is, following its imports."""
        return self.answer(("name", str(path), name, hops), lambda: self._name_in(path, name, hops))  # type: ignore[return-value]

    def _name_in(self, path: Path, name: str, hops: int) -> str | None:
        module = self.load(path)
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
        target = self.locate(module_name, importer.path) or self.jedi_module_file(importer.source.text, importer.path, module)
        return self.name_in(target, name, hops + 1) if target is not None else None

    def value_in(self, module_name: str, name: str, importer: Path, hops: int) -> dict[str, Value]:
        """The value of the constant `name` of the project module `module_name` imported from
        `importer` (key ``""``) and of its dict entries (keys ``['EPS']``), following its imports;
        their evidence stays in its own file (ranges only)."""
        target = self.locate(module_name, importer)
        module = self.load(target) if target is not None and hops <= MAX_HOPS else None
        if module is None:
            return {}
        values = module.env.values
        value = values.get(name)
        if name in module.imports and (value is None or value.ref is not None):
            origin, original = module.imports[name]
            return self.value_in(origin.text.decode().replace(" ", ""), original, module.path, hops + 1)
        found = {key[len(name) :]: value for key, value in values.items() if key == name or key.startswith(name + "[")}
        return {
            suffix: Value(value.lo, value.hi, tensor=value.tensor, dtype=value.dtype)
            for suffix, value in found.items()
            if not (value.unknown or value.ref is not None or value.user or value.empty)
        }

    # jedi: for modules outside the project folder (installed packages, unusual layouts)

    def script(self, text: str, path: Path) -> jedi.Script:
        return _script(text, path, str(_project_root(path)), self.settings.jedi_environment)

    def jedi_module_file(self, text: str, path: Path, module: Node) -> Path | None:
        """The file jedi finds for the module that `module` (a node of `text`) names. Asked once
        per importing file and module name while the file it finds is unchanged."""
        key = ("module", str(path), module.text.decode().replace(" ", ""), self.settings.jedi_environment)
        return self.answer(key, lambda: self._jedi_module_file(text, path, module))  # type: ignore[return-value]

    def _jedi_module_file(self, text: str, path: Path, module: Node) -> Path | None:
        last = module
        while last.named_children:
            last = last.named_children[-1]
        row, column = last.start_point
        for definition in self.script(text, path).goto(row + 1, column, follow_imports=True):
            if definition.module_path is not None and definition.type == "module":
                found = Path(definition.module_path)
                self.looked_at(found)
                return found
        return None

    def with_jedi(self, source: Source, path: Path, row: int, column: int) -> str | None:
        for definition in self.script(source.text, path).goto(row + 1, column, follow_imports=False):
            if definition.full_name and canonical(definition.full_name) in fw.LOG_FUNCTIONS:
                return canonical(definition.full_name)
            if definition.module_path is None or definition.line is None:
                continue
            at = Path(definition.module_path)
            home = self.load(at) if at != path else None
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


@lru_cache(maxsize=4)
def _script(text: str, path: Path, root: str, environment_path: str | None) -> jedi.Script:
    """One jedi Script per version of a file: it parses the whole text, and a file asks about
    many names."""
    import jedi

    return jedi.Script(code=text, path=path, project=_project(root, environment_path))


def imported_values(path: Path, settings: Settings, resolution: Resolution) -> Callable[[str, str], dict[str, Value]]:
    """What the interpreter asks for a constant imported from another module of the project
    (`flow.ModuleAnalysis.imported`): read from disk or the editor's text, never with jedi, and
    the files read go into `resolution`'s stamps, so the caches that keep findings on them
    (the command line's, the editor's) notice when those files change."""
    resolver = _Resolver(settings, resolution.open_texts)

    def value(module: str, name: str) -> dict[str, Value]:
        key = ("value", str(path), module, name)
        found = resolver.answer(key, lambda: resolver.value_in(module, name, path, 1))
        resolution.stamps.update(resolver.take_stamps())
        return found  # type: ignore[return-value]

    return value


def resolve_unresolved(
    observer: LogObserver, path: Path | None, settings: Settings, resolution: Resolution
) -> dict[int, frozenset[Stamp]]:
    """Record judgements in `observer` for its unresolved calls that turn out to be framework
    logs. Returns, for each call settled (a log or not), the stamps of the files its answer
    depended on; calls left for later (see `Resolution`) are not in it."""
    settled: dict[int, frozenset[Stamp]] = {}
    if path is None or observer.analysis is None:
        return settled
    resolver = _Resolver(settings, resolution.open_texts)
    source = observer.analysis.source
    for unresolved in observer.unresolved.values():
        # the name's meaning comes from the imports its sources name, which the statement's
        # text and the module's values (the engine's cache key) already hold
        key = ("call", str(path), unresolved.name.text, unresolved.sources, settings.jedi_environment)
        if resolution.defer or resolution.stop():
            known = resolver.known(key)
            if known is None:
                resolution.pending = True
                continue
        try:
            function = resolver.answer(key, lambda unresolved=unresolved: resolver.resolve(unresolved, source, path))
        except Exception:  # jedi can fail on odd code; the fast path's findings stand regardless
            _log.debug("could not resolve %s", unresolved.name.text, exc_info=True)
            resolution.stamps.update(resolver.take_stamps())
            resolution.complete = False
            continue
        stamps = settled[unresolved.call.id] = resolver.take_stamps()
        resolution.stamps.update(stamps)
        if function is not None:
            assert isinstance(function, str)
            observer.record(unresolved.call, function, fw.LOG_FUNCTIONS[function], unresolved.env)
    return settled
