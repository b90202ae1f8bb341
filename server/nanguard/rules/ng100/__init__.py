"""NG100: a noqa directive that silences nothing. Its findings come from the suppression pass
(`nanguard.suppression`), which sees every other rule's findings."""

import re

from nanguard.rules.rule import Rule

NOQA_MENTION = re.compile(rb"noqa", re.IGNORECASE)
"""Every noqa directive holds these bytes; a file without them has none to report or obey."""

RULE = Rule(
    "NG100", "unused-noqa", "a noqa directive naming an NG code that silences nothing", __name__, default=False, checked=False,
    screen=f"{__name__}:NOQA_MENTION",
)
