"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

Escaping follows the runner's rules: in the message ``%``, CR and LF are percent-encoded; in
property values ``:`` and ``,`` are too, since they separate the properties.
"""

from __future__ import annotations

from nanguard.report import Run, one_based, printable


def escape_data(value: str) -> str:
    """The runner's escapes, then the other control characters shown escaped (`printable`)."""
    return printable(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(run: Run) -> str:
    lines = []
    for item in run.findings:
        finding = item.finding
        title, message = finding.code, finding.message
        span = finding.span
        if item.cell is not None:  # annotate the line of the .ipynb file that holds the code
            cell_line, cell_column = one_based(span.start)
            title = f"{finding.code} (cell {item.cell.cell}, line {cell_line})"
            message = f"cell {item.cell.cell}:{cell_line}:{cell_column}: {message}"
            span = item.cell.file_span
        line, column = one_based(span.start)
        end_line, end_column = one_based(span.end)
        properties = (
            f"file={escape_property(item.path)},line={line},col={column},"
            f"endLine={end_line},endColumn={end_column},title={escape_property(title)}"
        )
        lines.append(f"::warning {properties}::{escape_data(message)}\n")
    for note in run.notes:
        line, column = one_based(note.position)
        if note.cell is None:
            properties, message = f"file={escape_property(note.path)},line={line},col={column},title=nanguard", note.message
        else:
            properties, message = f"file={escape_property(note.path)},title=nanguard", f"cell {note.cell}:{line}:{column}: {note.message}"
        lines.append(f"::notice {properties}::{escape_data(message)}\n")
    for problem in run.problems:
        lines.append(f"::error file={escape_property(problem.path)},title=nanguard::{escape_data(problem.message)}\n")
    return "".join(lines)
