"""A second rule is a package and one registry entry: the interpreter, the engine and the shells
need no change. The rule built here (square roots of values the code shows can go negative)
lives in a temporary package and only uses the interfaces a real rule uses."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from nanguard import engine, rules
from nanguard.cli import main
from nanguard.settings import Settings

CHECK = '''
from nanguard.flow import ModuleAnalysis
from nanguard.model import Finding
from nanguard.rules.rule import Rule

RULE_CODE = "NG900"


class SqrtObserver:
    def __init__(self):
        self.negative = {}

    def observe(self, node, env, analysis: ModuleAnalysis):
        argument = node.child_by_field_name("arguments").named_children[0]
        if analysis.evaluate(argument, env).lo < 0:
            self.negative[node.start_byte] = node


class SqrtCheck:
    def __init__(self, source, calls):
        self.source = source
        self.watched = calls
        self.observer = SqrtObserver()

    def finish(self, analysis, path, resolution):
        pass

    def findings(self):
        return [
            (byte, Finding(RULE_CODE, self.source.span(node), "sqrt of a value that can go negative", "numpy.sqrt"))
            for byte, node in self.observer.negative.items()
        ]

    def unsettled(self):
        return []


def _calls(node):
    if node.type == "call" and node.child_by_field_name("function").text.endswith(b"sqrt"):
        yield node
    for child in node.children:
        yield from _calls(child)


def check(source, settings, screen):
    if "sqrt" not in source.text:
        return None
    calls = [call for tree in source.trees for call in _calls(tree.root_node)]
    return SqrtCheck(source, calls) if calls else None
'''

CODE = textwrap.dedent(
    """\
    import numpy as np

    def f(x):
        d = np.tanh(x) - 0.5
        a = np.sqrt(d)
        b = np.sqrt(np.exp(x))
        c = np.sqrt(d)  # noqa: NG900
        return a + b + c
    """
)


@pytest.fixture
def second_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Registers NG900 from a package outside nanguard: the one line a new rule adds."""
    package = tmp_path / "ng900"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from nanguard.rules.rule import Rule\n"
        'RULE = Rule("NG900", "sqrt-of-negative", "sqrt() of a value that can go negative", __name__)\n'
    )
    (package / "check.py").write_text(CHECK)
    (package / "NG900.md").write_text("# NG900: sqrt-of-negative\n\nWhy it matters: NaN.\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "ng900", raising=False)
    from ng900 import RULE  # type: ignore[import-not-found]

    monkeypatch.setitem(rules.RULES, RULE.code, RULE)
    return RULE.code


def test_a_registered_rule_reports_through_the_engine(second_rule: str) -> None:
    settings = Settings(select=frozenset({second_rule, "NG001"}))
    findings = engine.analyze(CODE, settings)
    assert [(f.code, f.span.start.line) for f in findings] == [("NG900", 4)]
    assert findings[0].message == "sqrt of a value that can go negative"


def test_select_and_ignore_apply_to_the_new_rule(second_rule: str) -> None:
    assert engine.analyze(CODE, Settings(select=frozenset({"NG001"}))) == []
    ignored = Settings(select=frozenset({second_rule}), ignore=frozenset({second_rule}))
    assert engine.analyze(CODE, ignored) == []


def test_the_command_line_prints_its_page_and_its_findings(
    second_rule: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rule", second_rule]) == 0
    assert "Why it matters: NaN." in capsys.readouterr().out
    script = tmp_path / "train.py"
    script.write_text(CODE)
    assert main(["check", "--select", second_rule, "--no-jedi", str(script)]) == 1
    out = capsys.readouterr().out
    assert "train.py:5:9: NG900 sqrt of a value that can go negative" in out
    assert out.count("NG900") == 1, "the noqa comment silences the third call"
