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

MAYBE_LOG = re.compile(rf"log(?:{_LOG_SUFFIXES})(?!\w)")
"""Cheap first look at the text: it starts with a literal, so the regex engine skips ahead fast."""

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
_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+)?import[ \t]+(\([^)]*\)|[^\n#;]+)", re.MULTILINE)
_ASSIGNMENT = re.compile(rb"^[ \t]*(\w+)[ \t]*(?::[^=\n]*)?=(?!=)[ \t]*(\w*)", re.MULTILINE)
_OTHER_BINDING = re.compile(rb"\b(?:for|as)[ \t]+(\w+)")
_NEVER_TENSORS = frozenset({b"self", b"cls"})
"""Receivers whose ``.log(...)`` nanguard never takes for a tensor log (Lightning's ``self.log``)."""
_LOGGING_ROOTS = frozenset(module.encode() for module in fw.LOGGING_MODULES)


def _logging_names(data: bytes) -> frozenset[bytes]:
    """Names bound only to logging modules or to what their calls return: ``import wandb``,
    ``logger = logging.getLogger()``, ``run = wandb.init()``."""
    roots: dict[bytes, set[bytes]] = {}
    for match in _IMPORT.finditer(data):
        module = match.group(1)
        for part in match.group(2).strip(b"()").split(b","):
            words = part.split()
            if not words:
                continue
            name = words[-1] if len(words) == 3 and words[1] == b"as" else words[0]
            root = (module or words[0]).lstrip(b".").split(b".")[0] if not (module or b"").startswith(b".") else b"."
            roots.setdefault(name.split(b".")[0], set()).add(root)
    for match in _ASSIGNMENT.finditer(data):
        roots.setdefault(match.group(1), set()).add(match.group(2))
    for match in _OTHER_BINDING.finditer(data):
        roots.setdefault(match.group(1), set()).add(b"")
    logging_names: set[bytes] = set()
    for _ in range(3):  # logger = logging.getLogger(); child = logger.getChild()
        logging_names |= {
            name for name, sources in roots.items() if sources <= (_LOGGING_ROOTS | logging_names) and sources
        }
    return frozenset(logging_names)


def call_sites(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of names called like a log: ``log(``, ``x.log(``, and calls of aliases such as
    ``L = torch.log`` or ``from torch import log as L``; minus calls that cannot be tensor logs."""
    sites: list[tuple[int, int]] = []
    aliases: set[bytes] = set()
    logging_names: frozenset[bytes] | None = None
    for match in _LOG_USE.finditer(data):
        start = match.start()
        if start and data[start - 1] in _WORD:
            continue  # "catalog(", "dialog("
        if match.group("call") is not None:
            receiver = _RECEIVER.search(data, max(start - 64, 0), start)
            if receiver is not None:
                name = receiver.group(1)
                if name in _NEVER_TENSORS:
                    continue
                if match.group("empty") is None:
                    if logging_names is None:
                        logging_names = _logging_names(data)
                    if name in logging_names:
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
