"""What the bytes of a file tell before any parse: where logs may be called.

Most files of an ML code base never call a log, and most of those that do call a logging API
(``self.log("loss", x)``, ``wandb.log({...})``, ``run.log(...)``). Those files need no parse;
everything here is a regular expression over the raw bytes, which costs microseconds.
"""

from __future__ import annotations

import re
from typing import Callable

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
_IMPORT = re.compile(rb"\n[ \t]*(?:from[ \t]+([\w.]+)[ \t]+)?import[ \t]+(\([^)]*\)|[^\n#;]+)", re.MULTILINE)
_KEYWORD_LINE = rb"(?!(?:def|class|async|if|elif|while|return|assert|lambda|print|del|yield|raise)\b)"
_ASSIGNMENT = re.compile(
    rb"\n[ \t]*" + _KEYWORD_LINE + rb"(\*?\w+(?:[ \t]*,[ \t]*\*?\w+)*)[ \t]*,?[ \t]*(?::[^=\n]*)?=(?!=)[ \t]*(\w*)"
)
_BRACKETED_ASSIGNMENT = re.compile(rb"\n[ \t]*([(\[][^=\n]*)=(?!=)")
_OTHER_BINDING = re.compile(rb"(?:for|as|global|nonlocal)[ \t]+(\w+)")
_WALRUS = re.compile(rb":=")
_WORD_BEFORE = re.compile(rb"(\w+)[ \t]*$")
_NAME = re.compile(rb"\w+")
_LOGGING_ROOTS = frozenset(module.encode() for module in fw.LOGGING_MODULES)


def _non_tensor_names(data: bytes) -> Callable[[bytes], bool]:
    """Names that can hold neither a tensor nor a module: bound only to logging modules or to
    what their calls return (``import wandb``, ``logger = logging.getLogger()``,
    ``run = wandb.init()``), or bound nowhere in the file (parameters, whose values nanguard
    never takes for tensors)."""
    roots: dict[bytes, set[bytes]] = {}
    data = b"\n" + data  # every line, the first included, starts after a newline
    for match in _IMPORT.finditer(data):
        module = match.group(1)
        for part in match.group(2).strip(b"()").split(b","):
            words = part.split()
            if not words:
                continue
            name = words[-1] if len(words) == 3 and words[1] == b"as" else words[0]
            origin = module or words[0]
            root = b"." if origin.startswith(b".") else origin.split(b".")[0]
            roots.setdefault(name.split(b".")[0], set()).add(root)
    for match in _ASSIGNMENT.finditer(data):
        targets = _NAME.findall(match.group(1))
        root = match.group(2) if len(targets) == 1 else b""
        for target in targets:
            roots.setdefault(target, set()).add(root)
    for match in _BRACKETED_ASSIGNMENT.finditer(data):
        for target in _NAME.findall(match.group(1)):
            roots.setdefault(target, set()).add(b"")
    for match in _OTHER_BINDING.finditer(data):
        roots.setdefault(match.group(1), set()).add(b"")
    for match in _WALRUS.finditer(data):
        target = _WORD_BEFORE.search(data, max(match.start() - 64, 0), match.start())
        if target is not None:
            roots.setdefault(target.group(1), set()).add(b"")
    logging_names: set[bytes] = set()
    for _ in range(3):  # logger = logging.getLogger(); child = logger.getChild()
        logging_names |= {name for name, sources in roots.items() if sources <= (_LOGGING_ROOTS | logging_names)}
    return lambda name: name not in roots or name in logging_names


def call_sites(data: bytes, screen: bool = True) -> list[tuple[int, int]]:
    """Byte ranges of names called like a log: ``log(``, ``x.log(``, and calls of aliases such as
    ``L = torch.log`` or ``from torch import log as L``; minus ``self.log(...)``, and with
    `screen`, calls on names that cannot hold a tensor (worth it only to spare a parse)."""
    sites: list[tuple[int, int]] = []
    aliases: set[bytes] = set()
    never_tensor: Callable[[bytes], bool] | None = None
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
                    if never_tensor is None:
                        never_tensor = _non_tensor_names(data)
                    if never_tensor(name):
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
