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
from nanguard.report import PathFinding, Run, one_based
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
                        ],
                    }
                ],
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def rule_object(rule: Rule) -> dict[str, Any]:
    explanation = rule.explanation()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": section(explanation, "What it does") or rule.summary},
        "help": {"text": explanation, "markdown": explanation},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": "warning"},
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
    finding = item.finding
    location = {"physicalLocation": {"artifactLocation": artifact(item.path), "region": region(finding.span)}}
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": "warning",
        "message": {"text": finding.message},
        "locations": [location],
        "properties": {"function": finding.function},
    }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": number,
                "message": {"text": related.message},
                "physicalLocation": {"artifactLocation": artifact(item.path), "region": region(related.span)},
            }
            for number, related in enumerate(finding.related, start=1)
        ]
    if finding.default_fix is not None:
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
