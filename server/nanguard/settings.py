"""Analysis settings, and reading them from ``[tool.nanguard]`` of the nearest pyproject.toml.

One place turns loose mappings (TOML tables, editor JSON) into a validated `Settings`, so the
command line and the language server accept exactly the same keys with the same messages.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from nanguard.frameworks import FRAMEWORKS
from nanguard.rules import DEFAULT_SELECT, RULES

DEFAULT_EPSILON = 1e-10
DEFAULT_INCLUDE = ("*.py", "*.ipynb")


class SettingsError(ValueError):
    """A setting has the wrong type or value; the message names the key and what it expects."""


@dataclass(frozen=True, slots=True)
class Settings:
    epsilon: float = DEFAULT_EPSILON
    select: frozenset[str] = DEFAULT_SELECT
    ignore: frozenset[str] = frozenset()
    frameworks: frozenset[str] = field(default_factory=lambda: frozenset(FRAMEWORKS))
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = DEFAULT_INCLUDE
    """File globs that folder searches pick up (files named explicitly are always checked)."""
    extend_include: tuple[str, ...] = ()
    jedi: bool = True
    jedi_environment: str | None = None
    fix: str = "clip"
    """The kind of fix preferred where several apply: the one --fix applies and editors mark
    preferred (one of `FIX_KINDS`)."""

    def enabled(self, code: str) -> bool:
        return code in self.select and code not in self.ignore

    @property
    def included(self) -> tuple[str, ...]:
        return self.include + self.extend_include


def _string_list(key: str, value: Any, what: str) -> list[str]:
    """`value` as a list of strings (one string counts as a list of one), else the error that
    `key` must be a list of `what`."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"`{key}` must be a list of {what}")
    return list(value)


def _codes(key: str, value: Any) -> frozenset[str]:
    """Rule codes from codes, prefixes (``NG``) or ``ALL``."""
    value = _string_list(key, value, 'rule codes such as ["NG001"]')
    codes: set[str] = set()
    for prefix in (v.strip().upper() for v in value):
        matched = set(RULES) if prefix == "ALL" else {code for code in RULES if prefix and code.startswith(prefix)}
        if not matched:
            raise SettingsError(f"`{key}`: unknown rule code {prefix!r} (known: {', '.join(RULES)})")
        codes |= matched
    return frozenset(codes)


def _epsilon(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SettingsError(f"`{key}` must be a positive number such as 1e-10")
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"`{key}` must be a positive number such as 1e-10, not {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise SettingsError(f"`{key}` must be a positive number such as 1e-10, not {value!r}")
    return number


def _frameworks(key: str, value: Any) -> frozenset[str]:
    value = _string_list(key, value, "framework names")
    unknown = sorted(set(value) - set(FRAMEWORKS))
    if unknown:
        raise SettingsError(f"`{key}`: unknown framework {unknown[0]!r} (known: {', '.join(FRAMEWORKS)})")
    return frozenset(value)


def _strings(key: str, value: Any) -> tuple[str, ...]:
    return tuple(_string_list(key, value, "strings"))


def _boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"`{key}` must be true or false")
    return value


FIX_KINDS = ("clip", "epsilon", "stable")


def _fix_kind(key: str, value: Any) -> str:
    if value not in FIX_KINDS:
        raise SettingsError(f"`{key}` must be one of {', '.join(FIX_KINDS)}, not {value!r}")
    return value


def _optional_path(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SettingsError(f"`{key}` must be a path")
    return value


_PARSERS = {
    "epsilon": ("epsilon", _epsilon),
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "frameworks": ("frameworks", _frameworks),
    "exclude": ("exclude", _strings),
    "include": ("include", _strings),
    "extend-include": ("extend_include", _strings),
    "jedi": ("jedi", _boolean),
    "jedi-environment": ("jedi_environment", _optional_path),
    "fix": ("fix", _fix_kind),
}
"""Accepted keys (TOML spelling) and the `Settings` field each one sets."""


def settings_from_mapping(mapping: Mapping[str, Any], base: Settings | None = None) -> Settings:
    """Validate `mapping` and apply it on top of `base`; raises `SettingsError` on the first bad key.

    Keys may be spelled with dashes or underscores (TOML and JSON conventions).
    """
    changes: dict[str, Any] = {}
    for raw_key, value in mapping.items():
        key = raw_key.replace("_", "-")
        if key not in _PARSERS:
            raise SettingsError(f"unknown setting `{raw_key}` (known: {', '.join(_PARSERS)})")
        field_name, parse = _PARSERS[key]
        changes[field_name] = parse(raw_key, value)
    return replace(base or Settings(), **changes)


SETTING_KEYS = tuple(_PARSERS)
assert {name for name, _ in _PARSERS.values()} == {f.name for f in fields(Settings)}


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
    """The ``[tool.nanguard]`` table of `pyproject`, or {} when it has none."""
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


def _read_table(pyproject: Path) -> dict[str, Any]:
    try:
        with pyproject.open("rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{pyproject}: invalid TOML: {error}") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{pyproject}: not UTF-8, as TOML must be") from None
    except OSError as error:
        raise _unreadable(pyproject, error) from None
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
