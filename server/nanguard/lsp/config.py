"""Editor settings: reading what editors send, merging the sources, and meeting pyproject.toml.

Editors send settings in three ways: `initializationOptions`, `workspace/configuration` (section
``nanguard``, asked per workspace folder) and `workspace/didChangeConfiguration`. Later sources
override earlier ones key by key, and a null value means "not set". Analysis keys are validated
by `nanguard.settings` (the same code that reads ``[tool.nanguard]``); the keys that only make
sense in an editor (enable, severity, debounceMs, configurationPreference) are read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from lsprotocol import types
from nanguard.files import ExcludePattern, is_excluded
from nanguard.settings import (
    SETTING_KEYS,
    Settings,
    SettingsError,
    load_settings,
    settings_from_mapping,
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

JEDI_ENVIRONMENT = "jedi-environment"
ANALYSIS_KEYS = {
    "epsilon": "epsilon",
    "select": "select",
    "ignore": "ignore",
    "frameworks": "frameworks",
    "exclude": "exclude",
    "jedi.enable": "jedi",
    "jedi.environmentPath": JEDI_ENVIRONMENT,
    **{key: key for key in SETTING_KEYS},
}
"""Editor key (nested objects flattened with dots) -> `settings_from_mapping` key. The pyproject
spellings are accepted too, so a table can be copied between the two."""

EDITOR_KEYS = ("enable", "severity", "debounceMs", "configurationPreference")
CLIENT_KEYS = ("trace",)
"""Keys in the ``nanguard`` section that belong to the editor's client, not to the server."""


@dataclass(frozen=True, slots=True)
class EditorSettings:
    enable: bool = True
    severity: types.DiagnosticSeverity = types.DiagnosticSeverity.Warning
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    preference: Preference = Preference.EDITOR_FIRST
    analysis: Mapping[str, Any] = field(default_factory=dict)
    """Analysis keys in `settings_from_mapping` spelling, already validated."""
    unknown: tuple[str, ...] = ()
    """Keys nobody reads, reported to the user once."""


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
        if key in EDITOR_KEYS:
            values[key] = value
        elif key in ANALYSIS_KEYS:
            target = ANALYSIS_KEYS[key]
            try:
                settings_from_mapping({target: value})
            except SettingsError as error:
                raise SettingsError(f"setting `{SECTION}.{key}`: {_without_key(error, target)}") from None
            if target == JEDI_ENVIRONMENT and value:
                value = _existing_path(key, value)
            analysis[target] = value
        elif key.split(".")[0] not in CLIENT_KEYS:
            unknown.append(f"{SECTION}.{key}")
    return EditorSettings(
        enable=_boolean("enable", values.get("enable", True)),
        severity=_severity(values.get("severity", "warning")),
        debounce_ms=_debounce(values.get("debounceMs", DEFAULT_DEBOUNCE_MS)),
        preference=_preference(values.get("configurationPreference", Preference.EDITOR_FIRST.value)),
        analysis=analysis,
        unknown=tuple(sorted(unknown)),
    )


def _existing_path(key: str, value: str) -> str:
    """An interpreter or virtual environment that exists, so a typo is reported rather than
    silently resolving nothing."""
    path = Path(value).expanduser()
    if not path.exists():
        raise SettingsError(f"setting `{SECTION}.{key}`: no Python environment at {value!r}")
    return str(path)


def _without_key(error: SettingsError, key: str) -> str:
    message = str(error)
    prefix = f"`{key}` "
    return message.removeprefix(prefix)


def _boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"setting `{SECTION}.{key}` must be true or false, not {value!r}")
    return value


def _severity(value: Any) -> types.DiagnosticSeverity:
    severity = SEVERITIES.get(value.lower()) if isinstance(value, str) else None
    if severity is None:
        raise SettingsError(
            f"setting `{SECTION}.severity` must be one of error, warning, information, hint; not {value!r}"
        )
    return severity


def _debounce(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_DEBOUNCE_MS:
        raise SettingsError(
            f"setting `{SECTION}.debounceMs` must be a number of milliseconds from 0 to {MAX_DEBOUNCE_MS}, not {value!r}"
        )
    return int(value)


def _preference(value: Any) -> Preference:
    try:
        return Preference(value)
    except ValueError:
        choices = ", ".join(p.value for p in Preference)
        raise SettingsError(f"setting `{SECTION}.configurationPreference` must be one of {choices}; not {value!r}") from None


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
    from_editor = settings_from_mapping(editor.analysis)
    if path is None:
        return Resolved(from_editor, False, None)
    settings, pyproject, problem = from_editor, None, None
    if editor.preference is not Preference.EDITOR_ONLY:
        try:
            if editor.preference is Preference.FILESYSTEM_FIRST:
                settings, pyproject = load_settings(path, from_editor)
            else:
                from_file, pyproject = load_settings(path)
                settings = settings_from_mapping(editor.analysis, from_file)
        except SettingsError as error:  # invalid, unreadable, or not UTF-8 as TOML must be
            problem = str(error)
    base = pyproject.parent if pyproject else (folder or path.parent)
    patterns = [ExcludePattern.parse(base, pattern) for pattern in settings.exclude]
    excluded = bool(patterns) and is_excluded(path, lambda _folder: patterns)
    return Resolved(settings, excluded, problem)
