"""The text format: one ``path:line:col: CODE message`` line per finding, then a summary.
In a notebook the position is within a cell: ``path.ipynb:cell 5:line:col: CODE message``.

The finding lines are what editors and `grep` parse; colour (on a terminal only) never changes
the characters, only wraps them in ANSI codes.
"""

from __future__ import annotations

from nanguard.report import Run, one_based, printable
from nanguard.rules import RULES

BOLD = "\033[1m"
RED = "\033[31m"
GREEN = "\033[32m"
CYAN = "\033[36m"
DIM = "\033[2m"
RESET = "\033[0m"


def render(run: Run, *, color: bool = False, quiet: bool = False, show_fixes: bool = False) -> str:
    """The finding lines, the notes, and (unless `quiet`) the summary; `show_fixes` adds each
    finding's default fix under it."""

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
        if show_fixes and item.finding.default_fix is not None:
            lines.append(f"    {paint(CYAN, 'fix:')} {item.finding.default_fix.title}")
    for note in run.notes:
        line, column = one_based(note.position)
        cell = f":cell {note.cell}" if note.cell else ""
        lines.append(f"{paint(BOLD, note.path)}{paint(DIM, f'{cell}:{line}:{column}:')} {paint(CYAN, 'note:')} {note.message}")
    if not quiet:
        lines.append(paint(GREEN if not run.findings and not run.problems else BOLD, summary(run)))
    return "".join(line + "\n" for line in lines)


def statistics(run: Run) -> str:
    """ruff's ``--statistics``: per rule, how many findings, ``[*]`` if they are all fixable, and its name."""
    counts: dict[str, list[int]] = {}
    for item in run.findings:
        count = counts.setdefault(item.finding.code, [0, 0])
        count[0] += 1
        count[1] += item.finding.fixable
    width = max((len(str(total)) for total, _ in counts.values()), default=1)
    rows = []
    for code in sorted(counts, key=lambda code: (-counts[code][0], code)):
        total, fixable = counts[code]
        marker = "[*]" if fixable == total else "[-]" if fixable else "   "
        name = RULES[code].name if code in RULES else ""
        rows.append(f"{total:>{width}}\t{code}\t{marker} {name}\n")
    return "".join(rows)


def fixed_listing(fixed: dict[str, dict[str, int]]) -> str:
    """ruff's ``--show-fixes`` after ``--fix``: per file, how many findings of each rule were fixed."""
    total = sum(sum(codes.values()) for codes in fixed.values())
    if not total:
        return ""
    lines = [f"Fixed {plural(total, 'finding')}:"]
    for path in sorted(fixed):
        lines.append(f"- {path}:")
        for code, count in sorted(fixed[path].items()):
            name = f" ({RULES[code].name})" if code in RULES else ""
            lines.append(f"    {count} × {code}{name}")
    return "".join(line + "\n" for line in lines)


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
    if run.notes:
        parts.append(f"{plural(len({note.path for note in run.notes}), 'file')} only partly checked (syntax errors)")
    if run.problems:
        parts.append(f"{plural(len({p.path for p in run.problems}), 'file')} could not be checked")
    return "; ".join(parts) + "."
