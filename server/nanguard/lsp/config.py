"""Editor settings: reading what editors send, merging the sources, and meeting pyproject.toml.

Editors send settings in three ways: `initializationOptions`, `workspace/configuration` (section
``nanguard``, asked per workspace folder) and `workspace/didChangeConfiguration`. The newest
complete answer wins, and a null value means "not set". Every key is declared once, as a field:
the analysis keys on `nanguard.settings.Settings` (shared with ``[tool.nanguard]``), the keys
only an editor has (enable, severity, debounceMs, configurationPreference) on `EditorSettings`.
Editors spell them in camelCase, or as the field declares; the checks and messages are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field, dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

from lsprotocol import types
from nanguard.files import ExcludePattern, is_excluded
from nanguard.settings import (
    SETTINGS,
    Invalid,
    Settings,
    SettingsError,
    boolean,
    checked,
    editor_name,
    load_settings,
    setting,
    setting_fields,
)

SECTION = "nanguard"
DEFAULT_DEBOUNCE_MS = 200
MAX_DEBOUNCE_MS = 10_000


class Preference(str, Enum):
    """Which wins when the editor and the nearest pyproject.toml both set a key."""

    EDITOR_FIRST = "editorFirst"
    FILESYSTEM_FIRST = "filesystemFirst"
    EDITOR_ONLY = "editorOnly"


SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}

PYPROJECT = "pyproject.toml"

CLIENT_KEYS = ("trace",)
"""Keys in the ``nanguard`` section that belong to the editor's client, not to the server."""


def _severity(value: Any) -> types.DiagnosticSeverity:
    severity = SEVERITIES.get(value.lower()) if isinstance(value, str) else None
    if severity is None:
        raise Invalid(f"must be one of error, warning, information, hint; not {value!r}")
    return severity


def _debounce(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_DEBOUNCE_MS:
        raise Invalid(f"must be a number of milliseconds from 0 to {MAX_DEBOUNCE_MS}, not {value!r}")
    return int(value)


def _preference(value: Any) -> Preference:
    try:
        return Preference(value)
    except ValueError:
        raise Invalid(f"must be one of {', '.join(p.value for p in Preference)}; not {value!r}") from None


@dataclass(frozen=True, slots=True)
class EditorSettings:
    """What the editor set for one workspace folder: the keys only an editor has, declared like
    `Settings`' keys, and its overrides of those."""

    enable: bool = setting(True, check=boolean)
    severity: types.DiagnosticSeverity = setting(types.DiagnosticSeverity.Warning, check=_severity)  # noqa: RUF009 field()
    debounce_ms: int = setting(DEFAULT_DEBOUNCE_MS, check=_debounce)
    preference: Preference = setting(Preference.EDITOR_FIRST, check=_preference, editor="configurationPreference")  # noqa: RUF009
    analysis: Mapping[str, Any] = field(default_factory=dict)
    """Overrides of `Settings` by field name, already checked."""
    unknown: tuple[str, ...] = ()
    """Keys nobody reads, reported to the user once."""

    def settings(self, base: Settings | None = None) -> Settings:
        """`base` (default: the defaults) with the editor's overrides on top."""
        return replace(base or Settings(), **self.analysis)


def _editor_spellings(settings: Mapping[str, Field[Any]], *, with_toml: bool) -> dict[str, Field[Any]]:
    spellings = {editor_name(item): item for item in settings.values()}
    return {**settings, **spellings} if with_toml else spellings


EDITOR_ONLY = _editor_spellings(setting_fields(EditorSettings), with_toml=False)
ANALYSIS = _editor_spellings(SETTINGS, with_toml=True)
"""Editor key (nested objects flattened with dots) -> the setting. The pyproject spellings of
analysis keys are accepted too, so a table can be copied between the two."""


def is_pyproject(uri: str) -> bool:
    """Whether `uri` is a pyproject.toml, whose changes change settings."""
    return uri.endswith(f"/{PYPROJECT}")


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"jedi": {"enable": false}}`` -> ``{"jedi.enable": false}``; null values are dropped."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and name not in CLIENT_KEYS:
            flat.update(flatten(value, f"{name}."))
        elif value is not None:
            flat[name] = value
    return flat


def section_of(value: Any) -> dict[str, Any]:
    """The nanguard settings in `value`: either ``{"nanguard": {...}}`` or the section itself."""
    if not isinstance(value, Mapping):
        return {}
    inner = value.get(SECTION)
    return flatten(inner if isinstance(inner, Mapping) else value)


def parse_editor_settings(flat: Mapping[str, Any]) -> EditorSettings:
    """Validate flattened editor settings; raises `SettingsError` naming the first bad key."""
    values: dict[str, Any] = {}
    analysis: dict[str, Any] = {}
    unknown = []
    for key, value in flat.items():
        name = f"setting `{SECTION}.{key}`"
        if key in EDITOR_ONLY:
            values[EDITOR_ONLY[key].name] = checked(EDITOR_ONLY[key], value, name)
        elif key in ANALYSIS:
            item = ANALYSIS[key]
            analysis[item.name] = checked(item, value, name)
            if item.name == "jedi_environment" and analysis[item.name]:
                analysis[item.name] = _existing_environment(name, analysis[item.name])
        elif key.split(".")[0] not in CLIENT_KEYS:
            unknown.append(f"{SECTION}.{key}")
    return EditorSettings(**values, analysis=analysis, unknown=tuple(sorted(unknown)))


def _existing_environment(name: str, value: str) -> str:
    """An interpreter or virtual environment that exists, so a typo in the editor is reported
    rather than silently resolving nothing."""
    path = Path(value).expanduser()
    if not path.exists():
        raise SettingsError(f"{name}: no Python environment at {value!r}")
    return str(path)


class EditorConfiguration:
    """The editor's settings as they stand, per workspace folder (None: outside every folder)."""

    def __init__(self) -> None:
        self.initialization: dict[str, Any] = {}
        self.pushed: dict[str, Any] = {}
        self.pulled: dict[str | None, dict[str, Any]] = {}
        self._parsed: dict[str | None, EditorSettings] = {}
        self._errors: dict[str | None, str] = {}

    def changed(self) -> None:
        self._parsed.clear()
        self._errors.clear()

    def merged(self, folder: str | None) -> dict[str, Any]:
        """The newest complete answer wins: what the client answered for the folder, else what it
        pushed, else the initialization options. Merging them instead would keep a setting the
        user has since removed (VS Code leaves out unset values)."""
        scoped = self.pulled.get(folder, self.pulled.get(None, {}))
        return scoped or self.pushed or self.initialization

    def for_folder(self, folder: str | None) -> EditorSettings:
        """Settings for documents in `folder`; defaults when they are invalid (see `errors`)."""
        if folder not in self._parsed:
            try:
                self._parsed[folder] = parse_editor_settings(self.merged(folder))
            except SettingsError as error:
                self._errors[folder] = str(error)
                self._parsed[folder] = EditorSettings()
        return self._parsed[folder]

    def errors(self) -> list[str]:
        """Problems found so far in the editor's settings, one message per distinct problem."""
        return sorted(set(self._errors.values()))


@dataclass(frozen=True, slots=True)
class Resolved:
    settings: Settings
    excluded: bool
    """The file matches `exclude` in the editor settings or its pyproject.toml."""
    problem: str | None
    """Why the nearest pyproject.toml was not used, when it could not be."""


def resolve(editor: EditorSettings, path: Path | None, folder: Path | None) -> Resolved:
    """Analysis settings for the file at `path` (None: an unsaved document): the editor's merged
    with the nearest ``[tool.nanguard]`` as `editor.preference` says. Reads the file system.

    `exclude` patterns are relative to the folder of that pyproject.toml, or else to the
    workspace folder, as the command line reads them relative to the pyproject or the cwd.
    """
    from_editor = editor.settings()
    if path is None:
        return Resolved(from_editor, False, None)
    settings, pyproject, problem = from_editor, None, None
    if editor.preference is not Preference.EDITOR_ONLY:
        try:
            if editor.preference is Preference.FILESYSTEM_FIRST:
                settings, pyproject = load_settings(path, from_editor)
            else:
                from_file, pyproject = load_settings(path)
                settings = editor.settings(from_file)
        except SettingsError as error:  # invalid, unreadable, or not UTF-8 as TOML must be
            problem = str(error)
    base = pyproject.parent if pyproject else (folder or path.parent)
    patterns = [ExcludePattern.parse(base, pattern) for pattern in settings.exclude]
    excluded = bool(patterns) and is_excluded(path, lambda _folder: patterns)
    return Resolved(settings, excluded, problem)
