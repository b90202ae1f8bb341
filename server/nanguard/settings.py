"""Analysis settings, declared once, and reading them from ``[tool.nanguard]`` of the nearest
pyproject.toml.

Each setting is one field of `Settings`, declared with `setting`: its default, the function that
checks a raw value (a TOML value, an editor's JSON value, a command-line option) and, when it is
not the camelCase of the field name, how editors spell it. Everything else is derived from that
one declaration: the keys `[tool.nanguard]` accepts, the keys the language server accepts (see
`nanguard.lsp.config`), and the messages for bad values, which are the same everywhere but for
how the key is named. Adding a setting is adding a field here.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from nanguard.rules import DEFAULT_SELECT, RULES

FRAMEWORKS = ("tensorflow", "keras", "torch", "numpy", "jax")
"""The names the `frameworks` setting takes, those of `nanguard.frameworks`' libraries (which
checks that they are): named here, settings are read without loading the tables."""
DEFAULT_EPSILON = 1e-10
DEFAULT_INCLUDE = ("*.py", "*.ipynb")


class SettingsError(ValueError):
    """A setting has the wrong type or value; the message names the key and what it expects."""


class Invalid(ValueError):
    """Raised by a setting's check: what is wrong with the value, said after the key's name
    (``must be true or false, not 'yes'``)."""


@dataclass(frozen=True, slots=True)
class Key:
    """How one setting is read: `check` turns a raw value into the field's value or raises
    `Invalid`; `editor` is its editor spelling (dots for nested objects) when that is not the
    camelCase of the field name."""

    check: Callable[[Any], Any]
    editor: str | None = None


_KEY = "nanguard.setting"


def setting(default: Any = MISSING, *, check: Callable[[Any], Any], editor: str | None = None, factory: Any = MISSING) -> Any:
    """A dataclass field that is a setting (see `Key`)."""
    return field(default=default, default_factory=factory, metadata={_KEY: Key(check, editor)})


def setting_fields(cls: type) -> dict[str, Field[Any]]:
    """The settings of dataclass `cls` by their TOML spelling (``extend-include``)."""
    return {toml_name(item): item for item in fields(cls) if _KEY in item.metadata}


def toml_name(item: Field[Any]) -> str:
    return item.name.replace("_", "-")


def editor_name(item: Field[Any]) -> str:
    key: Key = item.metadata[_KEY]
    if key.editor is not None:
        return key.editor
    first, *rest = item.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def checked(item: Field[Any], value: Any, name: str) -> Any:
    """`value` checked as the setting `item`; the error names it as `name`."""
    try:
        return item.metadata[_KEY].check(value)
    except Invalid as problem:
        raise SettingsError(f"{name} {problem}") from None


# ------------------------------------------------------------------------------------------
# Checks


def string_list(value: Any, what: str = "strings") -> list[str]:
    """`value` as a list of strings (one string counts as a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise Invalid(f"must be a list of {what}")
    return list(value)


def rule_codes(value: Any) -> frozenset[str]:
    """Rule codes from codes, prefixes (``NG``) or ``ALL``."""
    codes: set[str] = set()
    for prefix in (v.strip().upper() for v in string_list(value, 'rule codes such as ["NG001"]')):
        matched = set(RULES) if prefix == "ALL" else {code for code in RULES if prefix and code.startswith(prefix)}
        if not matched:
            raise Invalid(f"names an unknown rule code {prefix!r} (known: {', '.join(RULES)})")
        codes |= matched
    return frozenset(codes)


def positive_number(value: Any) -> float:
    expected = "must be a positive number such as 1e-10"
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Invalid(f"{expected}, not {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise Invalid(f"{expected}, not {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise Invalid(f"{expected}, not {value!r}")
    return number


def framework_names(value: Any) -> frozenset[str]:
    names = string_list(value, "framework names")
    unknown = sorted(set(names) - set(FRAMEWORKS))
    if unknown:
        raise Invalid(f"names an unknown framework {unknown[0]!r} (known: {', '.join(FRAMEWORKS)})")
    return frozenset(names)


def strings(value: Any) -> tuple[str, ...]:
    return tuple(string_list(value))


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, not {value!r}")
    return value


def per_file_codes(value: Any) -> tuple[tuple[str, frozenset[str]], ...]:
    """``{"tests/*" = ["NG001"]}``: a table of globs to the rule codes ignored there."""
    if isinstance(value, (list, tuple)) and all(isinstance(pair, (list, tuple)) and len(pair) == 2 for pair in value):
        value = dict(value)  # the pairs the setting holds, given back
    if not isinstance(value, Mapping):
        raise Invalid(f'must be a table of globs to rule codes, such as {{"tests/*" = ["NG001"]}}, not {value!r}')
    pairs = []
    for glob, codes in value.items():
        try:
            pairs.append((str(glob), rule_codes(codes)))
        except Invalid as problem:
            raise Invalid(f"for {glob!r} {problem}") from None
    return tuple(pairs)


FIX_KINDS = ("clip", "epsilon", "stable")


def fix_kind(value: Any) -> str:
    if value not in FIX_KINDS:
        raise Invalid(f"must be one of {', '.join(FIX_KINDS)}, not {value!r}")
    return value


def optional_path(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Invalid(f"must be a path, not {value!r}")
    return value


# ------------------------------------------------------------------------------------------
# The settings


@dataclass(frozen=True, slots=True)
class Settings:
    epsilon: float = setting(DEFAULT_EPSILON, check=positive_number)
    select: frozenset[str] = setting(DEFAULT_SELECT, check=rule_codes)
    ignore: frozenset[str] = setting(frozenset(), check=rule_codes)
    frameworks: frozenset[str] = setting(check=framework_names, factory=lambda: frozenset(FRAMEWORKS))
    exclude: tuple[str, ...] = setting((), check=strings)
    include: tuple[str, ...] = setting(DEFAULT_INCLUDE, check=strings)
    """File globs that folder searches pick up (files named explicitly are always checked)."""
    extend_include: tuple[str, ...] = setting((), check=strings)
    jedi: bool = setting(True, check=boolean, editor="jedi.enable")
    jedi_environment: str | None = setting(None, check=optional_path, editor="jedi.environmentPath")
    strict: bool = setting(False, check=boolean)
    """Report log calls whose argument nothing is known about, not only those shown to reach zero."""
    extend_select: frozenset[str] = setting(frozenset(), check=rule_codes)
    """Rules checked on top of `select` (ruff's name; `--select` on the command line keeps them)."""
    extend_exclude: tuple[str, ...] = setting((), check=strings)
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = setting((), check=per_file_codes)
    """(glob, rule codes) pairs: the rules not reported in the files the glob matches."""
    respect_gitignore: bool = setting(True, check=boolean)
    """Skip what .gitignore files ignore when searching folders."""
    fix: str = setting("clip", check=fix_kind)
    """The kind of fix preferred where several apply: the one --fix applies and editors mark
    preferred (one of `FIX_KINDS`)."""
    cache_dir: str | None = setting(None, check=optional_path)
    """Where the command line keeps results between runs (relative to the configuration
    file's folder; default ``.nanguard_cache`` there). The editor keeps none."""

    def enabled(self, code: str) -> bool:
        return (code in self.select or code in self.extend_select) and code not in self.ignore

    @property
    def excluded(self) -> tuple[str, ...]:
        return self.exclude + self.extend_exclude

    @property
    def included(self) -> tuple[str, ...]:
        return self.include + self.extend_include


SETTINGS = setting_fields(Settings)


def settings_from_mapping(mapping: Mapping[str, Any], base: Settings | None = None) -> Settings:
    """Validate `mapping` and apply it on top of `base`; raises `SettingsError` on the first bad key.

    Keys may be spelled with dashes or underscores (TOML and JSON conventions).
    """
    changes: dict[str, Any] = {}
    for raw_key, value in mapping.items():
        item = SETTINGS.get(raw_key.replace("_", "-"))
        if item is None:
            raise SettingsError(unknown_key(raw_key, SETTINGS))
        changes[item.name] = checked(item, value, f"`{raw_key}`")
    return replace(base or Settings(), **changes)


def closest_key(key: str, known: Iterable[str]) -> str | None:
    """The known spelling closest to `key`, if one is close: a typo is the usual reason for an
    unknown key."""
    from difflib import get_close_matches

    close = get_close_matches(key.replace("_", "-").lower(), list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_key(key: str, known: Iterable[str]) -> str:
    """The message for an unknown `key`: the closest known spelling, else every known key."""
    known = list(known)
    close = closest_key(key, known)
    if close:
        return f"unknown setting `{key}`; did you mean `{close}`?"
    return f"unknown setting `{key}` (known: {', '.join(known)})"


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` (a file or a folder)."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


_TABLES: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}
"""Tables read, by file, with the (modification time, size) they were read at: the language
server resolves settings on every analysis, and a file unchanged since is not parsed again."""


def read_pyproject_table(pyproject: Path) -> dict[str, Any]:
    """The ``[tool.nanguard]`` table of `pyproject`, or {} when it has none; for a file not
    named pyproject.toml, its top-level table."""
    try:
        status = pyproject.stat()
    except OSError as error:
        raise _unreadable(pyproject, error) from None
    stamp = (status.st_mtime_ns, status.st_size)
    known = _TABLES.get(pyproject)
    if known is not None and known[0] == stamp:
        return known[1]
    table = _read_table(pyproject)
    _TABLES[pyproject] = (stamp, table)
    return table


def toml() -> ModuleType:
    """The TOML reader, imported on first use: a tree without configuration files never needs it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    return tomllib


def _read_table(pyproject: Path) -> dict[str, Any]:
    tomllib = toml()
    try:
        with pyproject.open("rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{pyproject}: invalid TOML: {error}") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{pyproject}: not UTF-8, as TOML must be") from None
    except OSError as error:
        raise _unreadable(pyproject, error) from None
    if pyproject.name != "pyproject.toml":
        return document  # a file of its own, such as one `nanguard check --config` names
    table = document.get("tool", {}).get("nanguard", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{pyproject}: [tool.nanguard] must be a table")
    return table


def _unreadable(pyproject: Path, error: OSError) -> SettingsError:
    return SettingsError(f"{pyproject}: cannot be read: {error.strerror or error}")


def load_settings(start: Path, base: Settings | None = None) -> tuple[Settings, Path | None]:
    """Settings for files at `start`: `base` overlaid with the nearest ``[tool.nanguard]``."""
    pyproject = find_pyproject(start)
    if pyproject is None:
        return base or Settings(), None
    try:
        return settings_from_mapping(read_pyproject_table(pyproject), base), pyproject
    except SettingsError as error:
        message = str(error)
        raise SettingsError(message if message.startswith(str(pyproject)) else f"{pyproject}: {message}") from None
