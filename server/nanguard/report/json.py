"""The JSON format: a list of findings with exactly the keys documented in the README.

Other tools parse this, so the keys, their order and their meaning do not change. Findings in
notebooks add a ``cell`` key (1-based, counting every cell), to the finding and to each edit.
A file that does not parse adds one object with ``"code": null`` and ``"severity": "note"``.
"""

from __future__ import annotations

import json
from typing import Any

from nanguard.model import Finding, Fix
from nanguard.report import FileNote, PathFinding, Run, one_based


def render(run: Run) -> str:
    objects = [finding_object(item) for item in run.findings] + [note_object(note) for note in run.notes]
    return json.dumps(objects, indent=2, ensure_ascii=False) + "\n"


def note_object(note: FileNote) -> dict[str, Any]:
    """A file that does not parse, with the keys of a finding: ``code`` null and ``severity``
    "note", as ruff reports syntax errors in JSON (``code`` null), so filters on codes skip it."""
    line, column = one_based(note.position)
    cell = {"cell": note.cell} if note.cell else {}
    return {
        "path": note.path,
        **cell,
        "line": line,
        "column": column,
        "end_line": line,
        "end_column": column,
        "code": None,
        "severity": "note",
        "message": note.message,
        "function": None,
        "fix": None,
    }


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
