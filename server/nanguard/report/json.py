"""The JSON format: a list of findings with exactly the keys documented in the README.

Other tools parse this, so the keys, their order and their meaning do not change.
"""

from __future__ import annotations

import json
from typing import Any

from nanguard.model import Finding, Fix
from nanguard.report import PathFinding, Run, one_based


def render(run: Run) -> str:
    return json.dumps([finding_object(item) for item in run.findings], indent=2, ensure_ascii=False) + "\n"


def finding_object(item: PathFinding) -> dict[str, Any]:
    finding: Finding = item.finding
    line, column = one_based(finding.span.start)
    end_line, end_column = one_based(finding.span.end)
    return {
        "path": item.path,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "code": finding.code,
        "severity": "warning",
        "message": finding.message,
        "function": finding.function,
        "fix": fix_object(finding.default_fix),
    }


def fix_object(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    edits = []
    for edit in fix.edits:
        line, column = one_based(edit.span.start)
        end_line, end_column = one_based(edit.span.end)
        edits.append(
            {"line": line, "column": column, "end_line": end_line, "end_column": end_column, "new_text": edit.new_text}
        )
    return {"title": fix.title, "edits": edits}
