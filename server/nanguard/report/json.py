"""The JSON format: a list of findings with exactly the keys documented in the README.

Other tools parse this, so the keys, their order and their meaning do not change. Findings in
notebooks add a ``cell`` key (1-based, counting every cell), to the finding and to each edit.
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
    cell = {"cell": item.cell.cell} if item.cell else {}
    return {
        "path": item.path,
        **cell,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "code": finding.code,
        "severity": "warning",
        "message": finding.message,
        "function": finding.function,
        "fix": fix_object(finding.default_fix, item.cell.fix_cells if item.cell else None),
    }


def fix_object(fix: Fix | None, cells: tuple[int, ...] | None = None) -> dict[str, Any] | None:
    """The fix's edits; in a notebook each edit names its cell (an import may go in another)."""
    if fix is None:
        return None
    edits = []
    for index, edit in enumerate(fix.edits):
        line, column = one_based(edit.span.start)
        end_line, end_column = one_based(edit.span.end)
        cell = {"cell": cells[index]} if cells else {}
        edits.append(
            {**cell, "line": line, "column": column, "end_line": end_line, "end_column": end_column, "new_text": edit.new_text}
        )
    return {"title": fix.title, "edits": edits}
