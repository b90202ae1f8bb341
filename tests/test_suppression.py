"""Suppression comments as ruff and flake8 spell them, and NG100, the report of unused ones."""

from __future__ import annotations

import pytest
from nanguard.edits import apply_edits
from nanguard.engine import analyze, fix_all
from nanguard.settings import Settings

WITH_UNUSED = Settings(strict=True, select=frozenset({"NG001", "NG100"}))
STRICT = Settings(strict=True)
"""Suppression is about which findings are silenced: every log of an unknown argument is one."""


def codes(text: str, settings: Settings = STRICT) -> list[tuple[int, str]]:
    """(1-based line, code) of each finding."""
    return [(f.span.start.line + 1, f.code) for f in analyze(text, settings)]


@pytest.mark.parametrize(
    "directive",
    ["# nanguard: noqa", "# nanguard: noqa: NG001", "# ruff: noqa", "# ruff: noqa: NG001", "# flake8: noqa",
     "#ruff:noqa:ng001", "    # NANGUARD: NOQA"],
)
def test_a_file_level_directive_silences_the_whole_file(directive: str) -> None:
    text = f"import torch\n{directive}\na = torch.log(x)\n\ndef f(y):\n    return torch.log(y)\n"
    assert codes(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "import torch\n# ruff: noqa: E501\na = torch.log(x)\n",  # other codes only
        "import torch\na = torch.log(x)  # ruff: noqa\n",  # not a line of its own
        'import torch\ns = """\n# nanguard: noqa\n"""\na = torch.log(x)\n',  # inside a string
    ],
)
def test_what_is_not_a_file_level_directive_silences_nothing(text: str) -> None:
    assert [code for _, code in codes(text)] == ["NG001"]


def test_ng100_is_off_by_default() -> None:
    text = "import torch\na = torch.log(torch.clamp(x, min=1e-3))  # noqa: NG001\n"
    assert codes(text) == []
    assert codes(text, WITH_UNUSED) == [(2, "NG100")]


def test_ng100_reports_only_the_ng_codes_that_silence_nothing() -> None:
    text = (
        "import torch\n"
        "a = torch.log(x)  # noqa: NG001\n"  # used
        "b = torch.log(torch.clamp(x, min=1e-3))  # noqa: E501, NG001\n"  # NG001 unused
        "c = 1  # noqa: E501\n"  # another tool's
        "d = 1  # noqa\n"  # a blanket noqa may be another tool's
        "# ruff: noqa: NG001\n"  # the line's own noqa silenced line 2, so this silences nothing
    )
    found = analyze(text, WITH_UNUSED)
    assert [(f.span.start.line + 1, f.code) for f in found] == [(3, "NG100"), (6, "NG100")]
    assert "unused: `NG001`" in found[0].message


def test_ng100_fix_removes_only_the_unused_codes_and_stays_fixed() -> None:
    text = (
        "import torch\n"
        "b = torch.log(torch.clamp(x, min=1e-3))  # noqa: E501, NG001\n"
        "c = torch.log(torch.clamp(x, min=1e-3))\t# noqa: NG001\n"
        "# nanguard: noqa: NG001\n"
        "d = 2\n"
    )
    fixed, count = fix_all(text, WITH_UNUSED)
    assert count == 3
    assert fixed == (
        "import torch\n"
        "b = torch.log(torch.clamp(x, min=1e-3))  # noqa: E501\n"
        "c = torch.log(torch.clamp(x, min=1e-3))\n"
        "d = 2\n"
    )
    assert fix_all(fixed, WITH_UNUSED) == (fixed, 0)


def test_a_disabled_rule_makes_its_noqa_unused() -> None:
    """As ruff reports a noqa for a rule that is not enabled."""
    text = "import torch\na = torch.log(x)  # noqa: NG001\n"
    (finding,) = analyze(text, Settings(strict=True, select=frozenset({"NG100"})))
    assert finding.span.start.line == 1 and finding.message == "Unused `noqa` directive (non-enabled: `NG001`)"


def test_a_noqa_fix_then_suppresses_its_finding() -> None:
    text = "import torch\na = torch.log(x)  # why\n"
    (finding,) = analyze(text, STRICT)
    noqa = next(fix for fix in finding.fixes if fix.kind.value == "noqa")
    silenced = apply_edits(text, list(noqa.edits))
    assert silenced == "import torch\na = torch.log(x)  # why  # noqa: NG001\n"
    assert codes(silenced) == []
    assert codes(silenced, WITH_UNUSED) == []
