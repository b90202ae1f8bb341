"""`--fix` on mutated real-looking code, broken or not (hypothesis): fixing twice changes nothing
the second time, code that parsed still parses, and no edit lands outside a finding and its fix.

``NANGUARD_FUZZ_SCALE`` multiplies the number of mutants (default 1: about 10 seconds)."""

from __future__ import annotations

import ast
import difflib
import os
import random
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realistic_code import modules, mutate

from nanguard.engine import analyze, fix_all
from nanguard.settings import Settings

SETTINGS = Settings(jedi=False)
SCALE = float(os.environ.get("NANGUARD_FUZZ_SCALE", "1"))
"""Multiplies the examples; ``bench/fuzz.py`` runs a longer round."""


MUTANTS = {"fixed twice": 0, "parsed before": 0}


@pytest.fixture(scope="module", autouse=True)
def figures():
    """Prints how many mutants were checked (with ``-s``), for the fuzz figures."""
    yield
    print(f"\nfix properties: {MUTANTS}")


def parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like in mutants
            compile(text, "<mutant>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def lines_fixes_may_touch(text: str) -> set[int]:
    """The lines of each finding and of every edit of its fixes (an added import included)."""
    lines: set[int] = set()
    for finding in analyze(text, SETTINGS):
        spans = [finding.span, *(edit.span for fix in finding.fixes for edit in fix.edits)]
        for span in spans:
            lines.update(range(span.start.line, span.end.line + 1))
    return lines


def changed_lines(before: str, after: str) -> set[int]:
    """Lines of `before` that the change from `before` to `after` replaced, or inserted before."""
    matcher = difflib.SequenceMatcher(None, before.split("\n"), after.split("\n"), autojunk=False)
    changed: set[int] = set()
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            changed.update(range(i1, i2) if i2 > i1 else {i1})
    return changed


mutants = st.builds(
    lambda base, seed, count: mutate(random.Random(seed), base, count),
    st.sampled_from(modules()),
    st.integers(0, 2**32),
    st.integers(0, 4),
)


@settings(max_examples=round(400 * SCALE), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutants)
def test_fix_is_idempotent_keeps_parsing_and_stays_in_findings(text: str) -> None:
    fixed, _ = fix_all(text, SETTINGS)
    again, count = fix_all(fixed, SETTINGS)
    MUTANTS["fixed twice"] += 1
    assert (again, count) == (fixed, 0), "fixing the fixed text changed it again"
    if parses(text):
        MUTANTS["parsed before"] += 1
        assert parses(fixed), "the fix broke code that parsed"
    allowed = lines_fixes_may_touch(text)
    outside = {line for line in changed_lines(text, fixed) if line not in allowed and line - 1 not in allowed}
    assert not outside, f"edited lines {sorted(outside)} hold no finding"


UNTERMINATED = ("np.log('''", 'np.log("""', "tf.log('''x", "torch.log(")


@settings(max_examples=round(150 * SCALE), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(modules()), st.sampled_from(UNTERMINATED), st.floats(0, 1))
def test_fix_is_idempotent_after_an_unterminated_call(base: str, snippet: str, where: float) -> None:
    at = round(where * len(base))
    text = base[:at] + snippet + base[at:]
    fixed, _ = fix_all(text, SETTINGS)
    MUTANTS["fixed twice"] += 1
    assert fix_all(fixed, SETTINGS) == (fixed, 0)
