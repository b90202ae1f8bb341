"""Small helpers shared by the tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from nanguard.engine import analyze
from nanguard.model import Finding
from nanguard.settings import Settings
from nanguard.source import new_parser


def findings(code: str, settings: Settings = Settings(), **kwargs) -> list[Finding]:
    return analyze(textwrap.dedent(code), settings, **kwargs)


def flagged(code: str, settings: Settings = Settings(), **kwargs) -> list[tuple[int, str]]:
    """(1-based line, canonical function) of each finding."""
    return [(f.span.start.line + 1, f.function) for f in findings(code, settings, **kwargs)]


STRICT = Settings(strict=True)
"""For tests about which calls are logs and how they are fixed rather than how their arguments
are judged: every log whose argument is not kept away from zero is then reported."""


def parse_errors(text: str) -> int:
    """How many syntax errors tree-sitter sees in `text`."""
    root = new_parser().parse(text.encode()).root_node
    count = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            count += 1
        if node.has_error:
            stack.extend(node.children)
    return count


def write(path: Path, content: str | bytes = "x = 1\n") -> Path:
    """Write `content` exactly as given (no newline translation), creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path
