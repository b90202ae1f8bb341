"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

Escaping follows the runner's rules: in the message ``%``, CR and LF are percent-encoded; in
property values ``:`` and ``,`` are too, since they separate the properties.
"""

from __future__ import annotations

from nanguard.report import Run, one_based


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(run: Run) -> str:
    lines = []
    for item in run.findings:
        finding = item.finding
        line, column = one_based(finding.span.start)
        end_line, end_column = one_based(finding.span.end)
        properties = (
            f"file={escape_property(item.path)},line={line},col={column},"
            f"endLine={end_line},endColumn={end_column},title={escape_property(finding.code)}"
        )
        lines.append(f"::warning {properties}::{escape_data(finding.message)}\n")
    for problem in run.problems:
        lines.append(f"::error file={escape_property(problem.path)},title=nanguard::{escape_data(problem.message)}\n")
    return "".join(lines)
