"""IPython syntax in notebook cells, replaced by Python that means nothing, line for line.

Cells may hold line magics (``%matplotlib inline``), shell escapes (``!pip install torch``),
help queries (``?obj``, ``obj??``), magics assigned to names (``files = !ls``), automagics
(``pip install torch``) and cell magics (``%%capture``). None of it is Python; left in place it
would turn the parse of the whole notebook into errors. Each such line becomes ``pass`` at the
same indentation (a block holding only a magic stays a block), so every other line, and every
position on it, is unchanged. Lines inside strings and bracketed expressions are never magics,
as in IPython, which looks for them only where a statement starts.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
"""Cell magics whose body is Python run in the notebook's namespace; any other cell magic
(``%%bash``, ``%%writefile``, ``%%html``, ``%%python3``, ...) makes the whole cell non-Python."""

AUTOMAGICS = frozenset(
    {
        "alias", "autoreload", "bookmark", "cat", "cd", "clear", "conda", "config", "cp", "debug", "env",
        "history", "less", "load", "load_ext", "ls", "lsmagic", "mamba", "man", "matplotlib", "micromamba",
        "mkdir", "more", "mv", "pdb", "pip", "precision", "prun", "pwd", "pylab", "reload_ext", "reset",
        "rm", "rmdir", "run", "set_env", "store", "sx", "system", "time", "timeit", "who", "whos", "xdel",
    }
)
"""Magics IPython runs without their ``%`` when no variable has their name. Only lines where
the name is followed by something Python could not parse (``pip install torch``, ``cd ..``)
are taken for them, so ``time.sleep(1)`` and ``run = 3`` stay Python."""

MASK = "pass"

_ESCAPES = ("%", "!", "?", "/", ",", ";")
_HELP_END = re.compile(r"%{0,2}[A-Za-z_][\w.*]*\?{1,2}")
_ASSIGNED_MAGIC = re.compile(r"[A-Za-z_][\w.\[\], *]*?\s*=\s*(?=[!%])")
_AUTOMAGIC = re.compile(r"(?P<name>[A-Za-z_]\w*)[ \t]+(?:(?P<word>\w+)|[~\"'$]|-(?!=)|\.\.|\.?/(?![/=\s]))")
_TRIPLE_QUOTES = ('"""', "'''")


@dataclass(frozen=True, slots=True)
class MaskedCell:
    text: str
    """The cell with its IPython syntax replaced; exactly as many lines as the cell."""
    masked: frozenset[int]
    """Lines (0-based) that differ from the cell's."""


def cell_magic(text: str) -> str | None:
    """The name of the cell magic on the first non-blank line (``capture`` for ``%%capture``)."""
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("%%"):
            name = stripped[2:].split(None, 1)
            return name[0] if name else ""
        return None
    return None


def mask_magics(text: str) -> MaskedCell:
    """`text` with every IPython-only line made a no-op; a non-Python cell magic blanks it all."""
    lines = text.split("\n")
    magic = cell_magic(text)
    if magic is not None and magic not in PYTHON_CELL_MAGICS:
        return MaskedCell("\n".join(_ending(line) for line in lines), frozenset(range(len(lines))))
    masked: set[int] = set()
    scanner = _LogicalLines()
    in_magic = False
    for number, line in enumerate(lines):
        content = line.rstrip("\r")
        if in_magic:
            lines[number] = _ending(line)
            masked.add(number)
            in_magic = content.endswith("\\")
            continue
        if scanner.at_statement_start:
            replacement = _mask_line(content)
            if replacement is not None:
                lines[number] = replacement + line[len(content) :]
                masked.add(number)
                in_magic = content.endswith("\\")
                continue
        scanner.feed(content)
    return MaskedCell("\n".join(lines), frozenset(masked))


def _ending(line: str) -> str:
    """An empty line with `line`'s line ending (a ``\\r`` of CRLF stays)."""
    return "\r" if line.endswith("\r") else ""


def _mask_line(content: str) -> str | None:
    """The no-op replacing `content` if it is IPython syntax at the start of a statement."""
    stripped = content.lstrip(" \t")
    indent = content[: len(content) - len(stripped)]
    if not stripped:
        return None
    if stripped.startswith(_ESCAPES) or _HELP_END.fullmatch(stripped.rstrip()):
        return indent + MASK
    assigned = _ASSIGNED_MAGIC.match(stripped)
    if assigned is not None:
        return indent + assigned.group(0) + "None"
    automagic = _AUTOMAGIC.match(stripped)
    if (
        automagic is not None
        and automagic.group("name") in AUTOMAGICS
        and not keyword.iskeyword(automagic.group("word") or "")  # `cat and dog` is Python
    ):
        return indent + MASK
    return None


class _LogicalLines:
    """Follows strings, brackets and backslash continuations across lines, to tell where a
    statement starts (only there can a line be IPython syntax)."""

    def __init__(self) -> None:
        self.quote: str | None = None
        self.depth = 0
        self.continued = False

    @property
    def at_statement_start(self) -> bool:
        return self.quote is None and self.depth == 0 and not self.continued

    def feed(self, line: str) -> None:
        index = 0
        length = len(line)
        self.continued = False
        while index < length:
            char = line[index]
            if self.quote is not None:
                if char == "\\":
                    if index == length - 1:
                        self.continued = True
                    index += 2
                    continue
                if line.startswith(self.quote, index):
                    index += len(self.quote)
                    self.quote = None
                    continue
                index += 1
                continue
            if char == "#":
                break
            if char in "\"'":
                triple = line[index : index + 3]
                self.quote = triple if triple in _TRIPLE_QUOTES else char
                index += len(self.quote)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            elif char == "\\" and index == length - 1:
                self.continued = True
            index += 1
        if self.quote is not None and self.quote not in _TRIPLE_QUOTES and not self.continued:
            self.quote = None  # an unterminated one-line string ends with its line
