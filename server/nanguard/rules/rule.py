"""What a rule is: its code, name and page, and the check that finds its findings in a file.

A check never runs code of its own over the module: it names the nodes it wants to see, the
interpreter (`nanguard.flow`) calls it back with the values there, and it turns what it saw
into findings. The engine and the shells only ever talk to this interface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tree_sitter import Node

    from nanguard.dependencies import Resolution, Stamp
    from nanguard.flow import ModuleAnalysis, Observer
    from nanguard.model import Finding
    from nanguard.settings import Settings
    from nanguard.source import Source


class FileCheck(Protocol):
    """One rule's work on one file: an observer of the interpretation with findings to give."""

    watched: list[Node]
    """The nodes to observe, as the rule's screen found them."""
    observer: Observer

    def finish(self, analysis: ModuleAnalysis, path: Path | None, resolution: Resolution) -> None:
        """After the interpretation: settle what it could not (jedi, for names the module's
        imports do not explain), as far as `resolution` allows."""

    def findings(self) -> list[tuple[int, Finding]]:
        """The findings, each with the start byte of the node it is about."""

    def unsettled(self) -> list[tuple[Node, frozenset[Stamp] | None]]:
        """Nodes whose findings depend on other files, with the stamps of those files (None:
        not settled yet). Their statements are reused across edits only while the stamps hold."""


class Check(Protocol):
    def __call__(self, source: Source, settings: Settings, screen: bool) -> FileCheck | None:
        """The rule's check of `source`, or None when a look at the text rules out findings.
        `screen` asks for the cheap text screens that spare a parse."""


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    summary: str
    package: str
    """The rule's package: its page lives there, and its check in ``check.py`` unless `checked` is off."""
    default: bool = True
    """Whether the rule is checked when `select` is not set (NG100, like ruff's RUF100, is not)."""
    checked: bool = True
    """Whether a check of its own finds the findings (NG100's come from the suppression pass)."""
    screen: str | None = None
    """Where a pattern is (``module:name``) that the bytes of every file with a finding of the
    rule match: a file that matches no enabled rule's is read, never parsed (None: every file
    may have findings). Imported on first use: a run that only lists rules or reads settings,
    or finds every file in its cache, compiles no expression."""

    @property
    def url(self) -> str:
        return f"https://github.com/nanguard/nanguard/blob/main/docs/rules/{self.code}.md"

    def explanation(self) -> str:
        from importlib import resources

        return resources.files(self.package).joinpath(f"{self.code}.md").read_text(encoding="utf-8")

    def may_apply(self, data: bytes) -> bool:
        """Whether a file of `data` can have findings of this rule, by its `screen`."""
        return self.screen is None or _pattern(self.screen).search(data) is not None

    def check(self) -> Check:
        """The rule's check, imported on first use: listing rules costs no analysis code."""
        return import_module(f"{self.package}.check").check


@lru_cache(maxsize=None)
def _pattern(where: str) -> re.Pattern[bytes]:
    module, _, name = where.partition(":")
    return getattr(import_module(module), name)
