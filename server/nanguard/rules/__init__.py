"""The rules nanguard checks: code, name and the page that explains each one.

Each rule's page is a Markdown file beside this module; `nanguard rule CODE` prints it and
docs/rules/ links to the same files, so the explanation is written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    summary: str
    default: bool = True
    """Whether the rule is checked when `select` is not set (NG100, like ruff's RUF100, is not)."""

    @property
    def url(self) -> str:
        return f"https://github.com/nanguard/nanguard/blob/main/docs/rules/{self.code}.md"

    def explanation(self) -> str:
        return resources.files(__package__).joinpath(f"{self.code}.md").read_text(encoding="utf-8")


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("NG001", "log-argument-may-reach-zero", "log() of a value that is not bounded away from zero"),
        Rule("NG100", "unused-noqa", "a noqa directive naming an NG code that silences nothing", default=False),
    )
}

DEFAULT_SELECT = frozenset(code for code, rule in RULES.items() if rule.default)
