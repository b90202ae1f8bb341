"""What .gitignore files ignore, read with the standard library alone, for folder searches.

Reading the files ourselves works without git installed and outside a checkout's own tooling
(a tarball of a repository, a container without git), where asking ``git check-ignore`` could
not; it follows gitignore(5): ``#`` comments, ``!`` re-includes, a trailing ``/`` for folders
only, a leading or inner ``/`` anchoring to the file's folder, ``*``/``?``/``[...]`` within one
path part and ``**`` across parts, the last matching line winning. The files read are each
folder's ``.gitignore`` from the repository's top (the folder holding ``.git``) down, and
``.git/info/exclude``; git's global excludes file is not, as it is one person's setting.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class _Rule:
    base: Path
    pattern: re.Pattern[str]
    negated: bool
    folders_only: bool


def _translate(glob: str) -> str:
    """A gitignore glob (without its anchoring slash) as a regular expression over a path
    relative to the rule's folder."""
    parts = []
    index = 0
    while index < len(glob):
        char = glob[index]
        if glob.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
            continue
        if glob.startswith("/**", index) and index + 3 == len(glob):
            parts.append("/.*")
            break
        if glob.startswith("**", index):
            parts.append(".*")
            index += 2
            continue
        if char == "*":
            parts.append("[^/]*")
        elif char == "?":
            parts.append("[^/]")
        elif char == "[":
            end = glob.find("]", index + 2)
            if end == -1:
                parts.append(re.escape(char))
            else:
                body = glob[index + 1 : end]
                parts.append("[" + ("^" + body[1:] if body[:1] in "!^" else body).replace("\\", "\\\\") + "]")
                index = end
        elif char == "\\" and index + 1 < len(glob):
            index += 1
            parts.append(re.escape(glob[index]))
        else:
            parts.append(re.escape(char))
        index += 1
    return "".join(parts)


def parse_rules(base: Path, text: str) -> list[_Rule]:
    """The rules of one ignore file whose patterns are relative to `base`."""
    rules = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        line = re.sub(r"(?<!\\)\s+$", "", line)
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        if line.startswith(("\\#", "\\!")):
            line = line[1:]
        folders_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        glob = line.lstrip("/")
        prefix = "" if anchored else "(?:.*/)?"
        rules.append(_Rule(base, re.compile(prefix + _translate(glob) + r"\Z", re.DOTALL), negated, folders_only))
    return rules


def _read_rules(base: Path, file: Path) -> list[_Rule]:
    try:
        return parse_rules(base, file.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


class GitIgnore:
    """The ignore rules of the folders one run meets, each file read once (a new run, as
    ``--watch`` makes, reads them again)."""

    def __init__(self) -> None:
        self._rules: dict[Path, tuple[_Rule, ...]] = {}

    def rules_for(self, folder: Path) -> tuple[_Rule, ...]:
        """Every rule that applies to the entries of `folder` (absolute), in the order git reads them."""
        rules = self._rules.get(folder)
        if rules is None:
            if (folder / ".git").exists():
                rules = (*_read_rules(folder, folder / ".git" / "info" / "exclude"), *_read_rules(folder, folder / ".gitignore"))
            elif folder.parent == folder:
                rules = ()  # not in a git checkout
            else:
                above = self.rules_for(folder.parent)
                rules = (*above, *_read_rules(folder, folder / ".gitignore")) if above or _in_checkout(folder) else ()
            self._rules[folder] = rules
        return rules

    def matcher(self, folder: Path) -> GitIgnored:
        return GitIgnored(self.rules_for(folder))


def _in_checkout(folder: Path) -> bool:
    return any((candidate / ".git").exists() for candidate in folder.parents)


class GitIgnored:
    """Matches what the .gitignore files of a folder's checkout ignore, like an `exclude` pattern.

    A folder search asks about every entry, so matching works on strings, not `Path` objects,
    and without re-includes (``!``, rare) the rules of each folder are one regular expression
    for files and folders and one for folders only, since then any matching rule decides."""

    def __init__(self, rules: tuple[_Rule, ...]):
        self.rules = rules
        self._last_first = [(os.path.join(rule.base, ""), rule) for rule in reversed(rules)]
        self._combined: list[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None]] | None = None
        if not any(rule.negated for rule in rules):
            by_base: dict[str, tuple[list[str], list[str]]] = {}
            for prefix, rule in self._last_first:
                either, folders = by_base.setdefault(prefix, ([], []))
                (folders if rule.folders_only else either).append(rule.pattern.pattern)
            self._combined = [(prefix, _joined(either), _joined(folders)) for prefix, (either, folders) in by_base.items()]

    def matches(self, path: Path) -> bool:
        """Whether `path` (absolute, an entry of the folder) is ignored; the last matching rule decides."""
        name = os.fspath(path)
        if self._combined is not None:
            return any(
                name.startswith(prefix)
                and (
                    (either is not None and either.match(name, len(prefix)) is not None)
                    or (folders is not None and folders.match(name, len(prefix)) is not None and path.is_dir())
                )
                for prefix, either, folders in self._combined
            )
        is_folder: bool | None = None
        for prefix, rule in self._last_first:
            if not name.startswith(prefix) or not rule.pattern.match(name, len(prefix)):
                continue
            if rule.folders_only:
                if is_folder is None:
                    is_folder = path.is_dir()
                if not is_folder:
                    continue
            return not rule.negated
        return False


def _joined(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.DOTALL) if patterns else None
