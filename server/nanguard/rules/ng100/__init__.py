"""NG100: a noqa directive that silences nothing. Its findings come from the suppression pass
(`nanguard.suppression`), which sees every other rule's findings."""

from nanguard.rules.rule import Rule

RULE = Rule(
    "NG100", "unused-noqa", "a noqa directive naming an NG code that silences nothing", __name__, default=False, checked=False
)
