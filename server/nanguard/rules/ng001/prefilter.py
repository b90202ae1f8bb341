"""What the bytes of a file tell before any parse: where logs may be called.

Most files of an ML code base never call a log, and most of those that do call a logging API
(``self.log("loss", x)``, ``wandb.log({...})``, ``run.log(...)``). Those files need no parse;
everything here is a regular expression over the raw bytes, which costs microseconds.
"""

from __future__ import annotations

import re
from nanguard import frameworks as fw

_LOG_SUFFIXES = "|".join(sorted((re.escape(n[3:]) for n in fw.LOG_NAMES), key=len, reverse=True))
assert all(name.startswith("log") for name in fw.LOG_NAMES)

MAYBE_LOG = re.compile(rf"log(?:{_LOG_SUFFIXES})(?!\w)".encode())
"""Cheap first look at the bytes: it starts with a literal, so the regex engine skips ahead
fast. Text that names a log holds these bytes in any encoding Python reads source in."""

_LOG_USE = re.compile(
    rf"""log(?:{_LOG_SUFFIXES})(?:
        (?P<call>[ \t]*\((?P<empty>[ \t]*\))?)                # log(  .log(  .log()
      | [ \t]+as[ \t]+(?P<alias>\w+)                           # import log as L
      | (?P<bound>[ \t]*(?:\#[^\n]*)?(?=\r?\n|$))              # L = torch.log
    )""".encode(),
    re.VERBOSE,
)
_ASSIGNED = re.compile(rb"(\w+)[ \t]*=(?!=)")
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_RECEIVER = re.compile(rb"(?<![\w.])(\w+)\.$")
_IMPORT_WORD = re.compile(rb"import(?:[ \t]|\\?\r?\n)+(\([^)]*\)|(?:\bas[ \t]*\r?\n|[^\n#;\\]|\\\r?\n|\\)+)")
"""An import statement's names: in parentheses, or up to the line's end, backslash continuations
included; an ``import`` or ``as`` that ends its line takes the next line's (tree-sitter reads them so)."""
_IMPORT_LEAD = re.compile(rb"[ \t]*(?:from[ \t]+([\w.]+)[ \t]+)?")
"""A line up to its ``import``: what may stand before it, ``from MODULE`` at most."""
_KEYWORD_LINE = rb"(?!(?:def|class|async|if|elif|while|return|assert|lambda|print|del|yield|raise)\b)"
_ASSIGNMENT = re.compile(
    rb"\n[ \t]*" + _KEYWORD_LINE + rb"(\*?\w+(?:[ \t]*,[ \t]*\*?\w+)*)[ \t]*,?[ \t]*(?::[^=\n]*)?=(?!=)[ \t]*(\w*)"
)
_BRACKETED_ASSIGNMENT = re.compile(rb"\n[ \t]*([(\[][^=\n]*)=(?!=)")
_BRACKETED_LINE = re.compile(rb"\n[ \t]*[(\[]")
_OTHER_BINDING = re.compile(rb"(?:for|as|global|nonlocal)[ \t]+(\w+)")
_AFTER_KEYWORD = re.compile(rb"(?:for|as|global|nonlocal)[ \t]+$")
_TARGET_END = re.compile(rb"[ \t]*[,:=]")
"""What follows a name that an assignment binds: another target, an annotation, the ``=``."""
_WALRUS = re.compile(rb":=")
_WORD_BEFORE = re.compile(rb"(\w+)[ \t]*$")
_NAME = re.compile(rb"\w+")
_LOGGING_ROOTS = frozenset(module.encode() for module in fw.LOGGING_MODULES)
_UNNAMED = frozenset({b"", b"."})
"""Roots that name no binding to follow: any other value, a relative import."""
_LOGGING_HOPS = 3
"""``logger = logging.getLogger()``; ``child = logger.getChild()``: how far a logging value is followed."""


class _Bindings:
    """Where the names of one file are bound, each worked out when first asked about: a file
    asks about the few receivers of its log calls, and scanning every assignment of a long
    file for all of its names would cost about as much as the parse it is meant to spare."""

    def __init__(self, data: bytes):
        self.data = b"\n" + data  # every line, the first included, starts after a newline
        self.few: dict[bytes, set[bytes]] = {}
        """The roots of the names bound by imports and ``:=``, which are rare: found at once."""
        self._roots: dict[bytes, set[bytes]] = {}
        self._imports()
        for match in _WALRUS.finditer(self.data):
            target = _WORD_BEFORE.search(self.data, max(match.start() - 64, 0), match.start())
            if target is not None:
                self.few.setdefault(target.group(1), set()).add(b"")

    def _imports(self) -> None:
        """``import x.y``, ``import x as y``, ``from m import (a, b as c)``: each statement
        found from its ``import`` word, and its line's start checked to hold at most ``from m``."""
        data, end, match = self.data, 0, _IMPORT_WORD.search(self.data)
        while match is not None:
            line = data.rfind(b"\n", 0, match.start())
            lead = _IMPORT_LEAD.fullmatch(data, line + 1, match.start()) if line >= end else None
            if lead is None:  # not a statement's (in a comment), or in the statement before's parentheses
                match = _IMPORT_WORD.search(data, match.start() + 1)
                continue
            end = match.end()
            module = lead.group(1)
            for part in match.group(1).strip(b"()").split(b","):
                words = part.replace(b"\\", b" ").split()  # a continuation's backslash separates words
                if not words:
                    continue
                name = words[-1] if len(words) == 3 and words[1] == b"as" else words[0]
                origin = module or words[0]
                root = b"." if origin.startswith(b".") else origin.split(b".")[0]
                self.few.setdefault(name.split(b".")[0], set()).add(root)
            match = _IMPORT_WORD.search(data, end)

    def roots(self, name: bytes) -> set[bytes]:
        """What `name` is bound to: the roots of the values assigned to it (``b""`` for any
        other binding); empty when it is bound nowhere."""
        found = self._roots.get(name)
        if found is None:
            found = self._roots[name] = set(self.few.get(name, ())) | self._assigned(name)
        return found

    def _assigned(self, name: bytes) -> set[bytes]:
        """The roots of `name` from assignments and ``for``/``as``/``global``/``nonlocal``,
        read only on the lines where `name` stands as such a target."""
        data, roots, lines = self.data, set(), set()
        for match in re.finditer(re.escape(name) + rb"(?!\w)", data):
            start = match.start()
            if data[start - 1] in _WORD:
                continue
            line = data.rfind(b"\n", 0, start)
            if (
                _TARGET_END.match(data, match.end())
                or _BRACKETED_LINE.match(data, line)
                or _AFTER_KEYWORD.search(data, line, start)
            ):
                lines.add(line)
        for line in lines:
            assignment = _ASSIGNMENT.match(data, line)
            if assignment is not None:
                targets = _NAME.findall(assignment.group(1))
                if name in targets:
                    roots.add(assignment.group(2) if len(targets) == 1 else b"")
            bracketed = _BRACKETED_ASSIGNMENT.match(data, line)
            if bracketed is not None and name in _NAME.findall(bracketed.group(1)):
                roots.add(b"")
            end = data.find(b"\n", line + 1)
            for other in _OTHER_BINDING.finditer(data, line, len(data) if end == -1 else end):
                if other.group(1) == name:
                    roots.add(b"")
        return roots

    def logging_value(self, name: bytes, hops: int = _LOGGING_HOPS) -> bool:
        """Whether `name` is bound, and only to logging modules or what their calls return."""
        roots = self.roots(name) if hops else set()
        return bool(roots) and all(
            root in _LOGGING_ROOTS or (root not in _UNNAMED and self.logging_value(root, hops - 1)) for root in roots
        )

    def _imported_otherwise(self, name: bytes) -> bool:
        """Whether the imports alone show `name` is not `logging_value`: it is bound to a module
        that is not a logging one, or to what such a module holds (``import openvino.opset14 as
        ov``), or by ``:=``. Settles the usual receivers (``torch``, ``math``, ``ov``) without
        reading the assignments of names used on every line (thousands in a long file)."""
        return any(root not in _LOGGING_ROOTS for root in self.few.get(name, ()))

    def never_tensor(self, name: bytes) -> bool:
        """Names that can hold neither a tensor nor a module: bound only to logging modules or
        to what their calls return (``import wandb``, ``logger = logging.getLogger()``,
        ``run = wandb.init()``), or bound nowhere in the file (parameters, whose values
        nanguard never takes for tensors)."""
        if name in self.few and self._imported_otherwise(name):
            return False
        return not self.roots(name) or self.logging_value(name)


def call_sites(data: bytes, screen: bool = True) -> list[tuple[int, int]]:
    """Byte ranges of names called like a log: ``log(``, ``x.log(``, and calls of aliases such as
    ``L = torch.log`` or ``from torch import log as L``; minus ``self.log(...)``, and with
    `screen`, calls on names that cannot hold a tensor (worth it only to spare a parse)."""
    sites: list[tuple[int, int]] = []
    aliases: set[bytes] = set()
    bindings: _Bindings | None = None
    for match in _LOG_USE.finditer(data):
        start = match.start()
        if start and data[start - 1] in _WORD:
            continue  # "catalog(", "dialog("
        if match.group("call") is not None:
            receiver = _RECEIVER.search(data, max(start - 64, 0), start)
            if receiver is not None:
                name = receiver.group(1)
                if name in fw.INSTANCE_NAMES:
                    continue
                if screen and match.group("empty") is None:
                    if bindings is None:
                        bindings = _Bindings(data)
                    if bindings.never_tensor(name):
                        continue
            sites.append((start, match.start("call")))
        elif match.group("alias") is not None:
            aliases.add(match.group("alias"))
        else:
            line_start = data.rfind(b"\n", 0, start) + 1
            aliases.update(_ASSIGNED.findall(data, line_start, start))
    if aliases:
        names = b"|".join(re.escape(alias) for alias in sorted(aliases, key=len, reverse=True))
        pattern = re.compile(rb"(?<![\w.])(?:" + names + rb")(?=[ \t]*\()")
        sites.extend(match.span() for match in pattern.finditer(data))
    return sites
