"""The rules nanguard checks. Each is a package of its own (code, name, page, check); adding a
rule is a new package and one line in `RULES`.

Each rule's page is a Markdown file in its package; `nanguard rule CODE` prints it and
docs/rules/ links to the same files, so the explanation is written once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nanguard.rules import ng001, ng100
from nanguard.rules.rule import Rule

if TYPE_CHECKING:
    from nanguard.settings import Settings

RULES: dict[str, Rule] = {rule.code: rule for rule in (ng001.RULE, ng100.RULE)}

DEFAULT_SELECT = frozenset(code for code, rule in RULES.items() if rule.default)


def may_find(data: bytes, settings: Settings) -> bool:
    """Whether a file of `data` can have findings of the rules `settings` enables; False lets
    the shells skip decoding it into a `Source` and parsing it (most files of a tree)."""
    return any(settings.enabled(code) and rule.may_apply(data) for code, rule in RULES.items())
