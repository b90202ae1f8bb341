"""SARIF 2.1.0, the format GitHub code scanning (and most security dashboards) imports.

Paths below the working folder are written relative to ``%SRCROOT%`` so that GitHub maps them
onto the repository; columns are declared as code points, which is what the engine counts.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from nanguard.model import Fix, Span
from nanguard.report import FileNote, PathFinding, Run, one_based
from nanguard.rules import RULES, Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/nanguard/nanguard"
ROOT = "%SRCROOT%"


def render(run: Run) -> str:
    rule_index = {code: index for index, code in enumerate(RULES)}
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nanguard",
                        "version": metadata.version("nanguard"),
                        "informationUri": INFORMATION_URI,
                        "rules": [rule_object(rule) for rule in RULES.values()],
                    }
                },
                "originalUriBaseIds": {ROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [result_object(item, rule_index) for item in run.findings],
                "invocations": [
                    {
                        "executionSuccessful": not run.problems,
                        "toolExecutionNotifications": [
                            {
                                "level": "error",
                                "message": {"text": problem.message},
                                "locations": [{"physicalLocation": {"artifactLocation": artifact(problem.path)}}],
                            }
                            for problem in run.problems
                        ]
                        + [note_object(note) for note in run.notes],
                    }
                ],
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def note_object(note: FileNote) -> dict[str, Any]:
    """A file that does not parse: a notification of level "note" at its first error (in a
    notebook, the cell and the position in it are in the message)."""
    line, column = one_based(note.position)
    location: dict[str, Any] = {"artifactLocation": artifact(note.path)}
    message = note.message
    if note.cell is None:
        location["region"] = {"startLine": line, "startColumn": column}
    else:
        message = f"cell {note.cell}:{line}:{column}: {message}"
    return {"level": "note", "message": {"text": message}, "locations": [{"physicalLocation": location}]}


def rule_object(rule: Rule) -> dict[str, Any]:
    explanation = rule.explanation()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": section(explanation, "What it does") or rule.summary},
        "help": {"text": explanation, "markdown": explanation},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": "warning", "enabled": rule.default},
        "properties": {
            "tags": ["correctness", "numerical-stability", "machine-learning"],
            "precision": "high",
            "problem.severity": "warning",
        },
    }


def section(markdown: str, heading: str) -> str | None:
    """The text of the ``## heading`` section of a rule page, joined into one paragraph."""
    lines = markdown.splitlines()
    try:
        start = lines.index(f"## {heading}") + 1
    except ValueError:
        return None
    body = []
    for line in lines[start:]:
        if line.startswith("#"):
            break
        body.append(line.strip())
    return " ".join(part for part in body if part) or None


def artifact(path: str) -> dict[str, str]:
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(pure.as_posix()), "uriBaseId": ROOT}


def region(span: Span) -> dict[str, int]:
    line, column = one_based(span.start)
    end_line, end_column = one_based(span.end)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def result_object(item: PathFinding, rule_index: dict[str, int]) -> dict[str, Any]:
    """One result. In a notebook, regions are in the .ipynb file's own text, where viewers and
    GitHub show it, and the cell and the position in it are in the message, the logical location
    and the properties; there are no `fixes` (their regions and text would have to be
    JSON-escaped: `nanguard check --fix` fixes notebooks)."""
    finding, cell = item.finding, item.cell
    message = finding.message
    span = finding.span
    related = [(related.span, related.message) for related in finding.related]
    properties: dict[str, Any] = {"function": finding.function}
    if cell is not None:
        line, column = one_based(finding.span.start)
        message = f"cell {cell.cell}:{line}:{column}: {message}"
        span = cell.file_span
        related = [
            (file_span, f"cell {number}, line {place.span.start.line + 1}: {place.message}")
            for place, number, file_span in zip(finding.related, cell.related_cells, cell.file_related)
        ]
        properties.update(cell=cell.cell, cellLine=line, cellColumn=column)
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": artifact(item.path), "region": region(span)}}
    if cell is not None:
        location["logicalLocations"] = [{"name": f"cell {cell.cell}", "fullyQualifiedName": f"{item.path}:cell {cell.cell}"}]
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": "warning",
        "message": {"text": message},
        "locations": [location],
        "properties": properties,
    }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    if related:
        result["relatedLocations"] = [
            {
                "id": number,
                "message": {"text": text},
                "physicalLocation": {"artifactLocation": artifact(item.path), "region": region(related_span)},
            }
            for number, (related_span, text) in enumerate(related, start=1)
        ]
    if finding.default_fix is not None and cell is None:
        result["fixes"] = [fix_object(item.path, finding.default_fix)]
    return result


def fix_object(path: str, fix: Fix) -> dict[str, Any]:
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {
                "artifactLocation": artifact(path),
                "replacements": [
                    {"deletedRegion": region(edit.span), "insertedContent": {"text": edit.new_text}}
                    for edit in fix.edits
                ],
            }
        ],
    }
