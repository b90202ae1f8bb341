"""What `--diff` prints: the fixes of one file as a unified diff that `patch -p1` / `git apply` take."""

from __future__ import annotations

import difflib

from nanguard.edits import split_lines_keeping_ends
from nanguard.report import printable

NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(path: str, before: str, after: str) -> str:
    """The diff from `before` to `after`; line endings (CRLF, lone CR) are kept as they are, and
    only they end lines (a form feed does not)."""
    name = printable(path)
    lines = difflib.unified_diff(
        split_lines_keeping_ends(before), split_lines_keeping_ends(after), f"a/{name}", f"b/{name}"
    )
    out = []
    for line in lines:
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(line + "\n" + NO_NEWLINE)
    return "".join(out)
