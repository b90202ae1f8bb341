"""The text format: one ``path:line:col: CODE message`` line per finding, then a summary.
In a notebook the position is within a cell: ``path.ipynb:cell 5:line:col: CODE message``.

The finding lines are what editors and `grep` parse; colour (on a terminal only) never changes
the characters, only wraps them in ANSI codes.
"""

from __future__ import annotations

from nanguard.report import Run, one_based, printable

BOLD = "\033[1m"
RED = "\033[31m"
GREEN = "\033[32m"
CYAN = "\033[36m"
DIM = "\033[2m"
RESET = "\033[0m"


def render(run: Run, *, color: bool = False) -> str:
    def paint(style: str, value: str) -> str:
        return f"{style}{value}{RESET}" if color else value

    lines = []
    for item in run.findings:
        line, column = one_based(item.finding.span.start)
        cell = f":cell {item.cell.cell}" if item.cell else ""
        lines.append(
            f"{paint(BOLD, printable(item.path))}{paint(DIM, f'{cell}:{line}:{column}:')} "
            f"{paint(BOLD + RED, item.finding.code)} {printable(item.finding.message)}"
        )
    lines.append(paint(GREEN if not run.findings and not run.problems else BOLD, summary(run)))
    return "\n".join(lines) + "\n"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary(run: Run) -> str:
    """One sentence: what was checked, found, fixed, and what could not be analysed."""
    checked = plural(run.files_checked, "file")
    parts = []
    if run.fix_mode and run.fixes_applied:
        parts.append(f"Fixed {plural(run.fixes_applied, 'finding')} in {plural(run.files_fixed, 'file')}")
    if run.findings:
        files = len({item.path for item in run.findings})
        fixable = sum(1 for item in run.findings if item.finding.fixable)
        found = f"{plural(len(run.findings), 'finding')} in {plural(files, 'file')} ({checked} checked)"
        if run.fix_mode:
            parts.append(f"{found} remain")
        else:
            hint = f"; {fixable} fixable with `nanguard check --fix`" if fixable else ""
            parts.append(f"Found {found}{hint}")
    elif not (run.fix_mode and run.fixes_applied):
        parts.append(f"No findings in {checked}")
    elif run.fix_mode:
        parts.append("none remain")
    if run.problems:
        parts.append(f"{plural(len({p.path for p in run.problems}), 'file')} could not be checked")
    return "; ".join(parts) + "."
