"""Precision and recall of NG001 on real code, against labels committed beside this script.

- ``precision/labels.csv``: findings on pinned releases of real ML projects (bench/realcode.py),
  each labelled ``real`` (the argument can reach zero, or underflow to it, in real use),
  ``false`` (it cannot, or the code already guards it) or ``debatable``, with a one-line reason.
- ``precision/bugs.csv``: log calls that an upstream commit later made safe (a clip, an epsilon,
  a stable log), located in a release from before the fix.

Precision counts the labelled findings of this run: real / (real + false); debatable ones are
shown apart, by project and by the evidence each message names first (which kinds of evidence
earn their place). Recall is the share of bugs reported. Findings without a label are listed, so a
change that reports something new is labelled before its precision is believed.

    .venv/bin/python bench/precision.py                # every labelled project and bug
    .venv/bin/python bench/precision.py --unlabelled   # also print the findings that need a label, as CSV
    .venv/bin/python bench/precision.py -- --strict    # options after -- go to `nanguard check`
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nanguard.values import CAUSE_DESCRIPTIONS  # noqa: E402
from realcode import PROJECTS, ensure, python_lines  # noqa: E402

HERE = Path(__file__).resolve().parent / "precision"
LABELS = HERE / "labels.csv"
BUGS = HERE / "bugs.csv"
LABEL_FIELDS = ("project", "version", "path", "line", "column", "label", "reason")
BUG_FIELDS = ("project", "version", "path", "line", "column", "fixed_in", "reason")
NANGUARD = [sys.executable, "-m", "nanguard"]


@dataclass(frozen=True, slots=True)
class Site:
    project: str
    version: str
    path: str
    line: int
    column: int


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row.get("project") and not row["project"].startswith("#")]


def site(row: dict[str, str]) -> Site:
    return Site(row["project"], row["version"], row["path"], int(row["line"]), int(row["column"]))


def findings(project: str, version: str, options: list[str]) -> tuple[list[dict], int]:
    """`nanguard check`'s JSON findings on a release, paths relative to it, and its Python lines."""
    pinned = PROJECTS.get(project)
    root = ensure(project, None if pinned is not None and pinned.version == version else version)
    command = [*NANGUARD, "check", "--exit-zero", "--no-cache", "--no-respect-gitignore", "--output-format", "json", *options, "."]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if result.returncode not in (0, 2):
        raise SystemExit(f"nanguard failed on {project} {version}:\n{result.stderr}")
    return json.loads(result.stdout or "[]"), python_lines(root)


def evidence(message: str) -> str:
    """The kind of evidence a message names first (`values.CAUSE_DESCRIPTIONS`), or
    "none" for an argument nothing is known of (`--strict`)."""
    named = [(message.find(what), kind) for kind, (what, _) in CAUSE_DESCRIPTIONS.items() if what in message]
    return min(named)[1] if named else "none"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unlabelled", action="store_true", help="print findings without a label as CSV rows")
    parser.add_argument("--project", action="append", help="only these projects")
    parser.add_argument("options", nargs="*", help="options for `nanguard check` (after --)")
    args = parser.parse_args(argv)

    labels = {site(row): row for row in read_rows(LABELS)}
    bugs = {site(row): row for row in read_rows(BUGS)}
    releases = sorted({(s.project, s.version) for s in labels} | {(p.name, p.version) for p in PROJECTS.values()})
    if args.project:
        releases = [r for r in releases if r[0] in args.project]

    tally: Counter[str] = Counter()
    per_project: dict[str, Counter[str]] = defaultdict(Counter)
    per_evidence: dict[str, Counter[str]] = defaultdict(Counter)
    unlabelled: list[Site] = []
    messages: dict[Site, str] = {}
    lines = 0
    reported = 0
    for project, version in releases:
        found, count = findings(project, version, args.options)
        lines += count
        reported += len(found)
        for finding in found:
            where = Site(project, version, finding["path"], finding["line"], finding["column"])
            messages[where] = finding["message"]
            label = labels.get(where)
            kind = label["label"] if label else "unlabelled"
            tally[kind] += 1
            per_project[project][kind] += 1
            per_evidence[evidence(finding["message"])][kind] += 1
            if label is None:
                unlabelled.append(where)

    print(f"{'project':24} {'real':>5} {'false':>5} {'debat.':>6} {'unlab.':>6}")
    for project, counts in sorted(per_project.items()):
        print(f"{project:24} {counts['real']:5} {counts['false']:5} {counts['debatable']:6} {counts['unlabelled']:6}")
    print(f"\n{'evidence named':24} {'real':>5} {'false':>5} {'debat.':>6} {'unlab.':>6}")
    for kind, counts in sorted(per_evidence.items(), key=lambda item: -sum(item[1].values())):
        print(f"{kind:24} {counts['real']:5} {counts['false']:5} {counts['debatable']:6} {counts['unlabelled']:6}")
    judged = tally["real"] + tally["false"]
    precision = tally["real"] / judged if judged else float("nan")
    print(f"\nfindings: {reported} on {lines:,} lines of Python ({100_000 * reported / max(lines, 1):.1f} per 100k lines)")
    print(f"labelled: {judged + tally['debatable']} (real {tally['real']}, false {tally['false']}, "
          f"debatable {tally['debatable']}); unlabelled: {tally['unlabelled']}")
    print(f"precision: {precision:.3f}  (real / (real + false); target >= 0.90)")
    gone = [s for s in labels if s not in messages and (s.project, s.version) in set(releases)]
    print(f"labelled findings no longer reported: {sum(labels[s]['label'] == 'real' for s in gone)} real, "
          f"{sum(labels[s]['label'] == 'false' for s in gone)} false")

    if bugs:
        found_bugs = 0
        missed = []
        for bug, row in sorted(bugs.items(), key=lambda item: (item[0].project, item[0].path, item[0].line)):
            found, _ = findings(bug.project, bug.version, args.options)
            if any(f["path"] == bug.path and f["line"] == bug.line and f["column"] == bug.column for f in found):
                found_bugs += 1
            else:
                missed.append((bug, row))
        print(f"\nrecall on real bug fixes: {found_bugs}/{len(bugs)} = {found_bugs / len(bugs):.3f}  (target >= 0.95)")
        for bug, row in missed:
            print(f"  missed {bug.project} {bug.version} {bug.path}:{bug.line}:{bug.column}  ({row['fixed_in']})")

    if args.unlabelled and unlabelled:
        writer = csv.writer(sys.stdout)
        print()
        for where in unlabelled:
            writer.writerow([where.project, where.version, where.path, where.line, where.column, "", messages[where]])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
