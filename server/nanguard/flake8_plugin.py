"""nanguard as a flake8 plugin (entry point ``NG``): the same findings as ``nanguard check``.

flake8 reads the file and applies ``# noqa`` itself; nanguard's own suppression comments
(``# nanguard: noqa``, ``# ruff: noqa: NG001``) are honoured too, since the engine applies them.
Settings (epsilon, frameworks, jedi) come from the nearest ``[tool.nanguard]``, as for the
command line; which codes are reported is flake8's ``--select``/``--ignore``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from nanguard.engine import analyze
from nanguard.settings import Settings, SettingsError, load_settings

_STDIN_NAMES = frozenset({"stdin", "-", None})


class Plugin:
    """flake8 calls ``Plugin(tree, filename, lines).run()``; `tree` (Python's ast) goes unused:
    nanguard parses with tree-sitter, which also reads code around syntax errors."""

    name = "nanguard"
    version = metadata.version("nanguard")

    def __init__(self, tree: Any, filename: str, lines: Sequence[str]):
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        path = None if self.filename in _STDIN_NAMES else Path(self.filename).absolute()
        settings = _settings(path)
        for finding in analyze("".join(self.lines), settings, path=path):
            start = finding.span.start
            yield start.line + 1, start.column, f"{finding.code} {finding.message}", type(self)


def _settings(path: Path | None) -> Settings:
    """The file's ``[tool.nanguard]`` settings; a broken configuration is `nanguard check`'s to
    report, so here it means the defaults rather than a crash of flake8."""
    try:
        return load_settings(path.parent if path is not None else Path.cwd())[0]
    except SettingsError:
        return Settings()
