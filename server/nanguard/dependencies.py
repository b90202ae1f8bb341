"""What a file's findings depend on beyond its own text: the other files that names were
settled from (a log re-exported through the user's modules), as stamps that tell whether
those files changed.

The resolver (`nanguard.jedi_resolver`) keeps its answers while their stamps hold; the
engine's `AnalysisCache` reuses a statement whose calls were settled that way on the same
terms, and the command line's cache (`nanguard.cache`) keeps a file's results on them too.
"""

from __future__ import annotations

import os

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

Stamp = tuple[str, int, int]
"""(path, mtime in nanoseconds, size); (path, -1, -1) for a file that is not there, so
creating it changes the stamp too; (path, -2, hash of the text) for a file open in the editor,
whose text there is what counts."""


def stamp(path: Path | str) -> Stamp:
    try:
        status = Path(path).stat()
    except (OSError, ValueError):
        return (str(path), -1, -1)
    return stamp_of(path, status)


def stamp_of(path: Path | str, status: os.stat_result) -> Stamp:
    """The stamp of the file at `path` as it was when it had `status`."""
    return (str(path), status.st_mtime_ns, status.st_size)


class Stamps:
    """Stamps looked up once each, for one analysis: a file is not looked at again for every
    answer that depends on it. `open_texts` are the texts of files open in the editor, by path."""

    def __init__(self, open_texts: Mapping[str, str] | None = None) -> None:
        self._seen: dict[str, Stamp] = {}
        self.open_texts = open_texts or {}

    def of(self, path: Path | str) -> Stamp:
        key = str(path)
        found = self._seen.get(key)
        if found is None:
            text = self.open_texts.get(key)
            found = self._seen[key] = stamp(key) if text is None else (key, -2, hash(text))
        return found

    def exists(self, path: Path | str) -> bool:
        return self.of(path)[1] != -1

    def current(self, stamps: Iterable[Stamp]) -> bool:
        """Whether every file is as it was when `stamps` were taken."""
        return all(self.of(path) == (path, mtime, size) for path, mtime, size in stamps)


def _never() -> bool:
    return False


@dataclass(slots=True)
class Resolution:
    """How far one analysis goes to settle names from other files, and what came of it."""

    defer: bool = False
    """Settle names only from answers already known and still valid, leaving the rest
    `pending` for a later pass without `defer`: the editor's keystroke path, where jedi must
    not run."""
    stop: Callable[[], bool] = _never
    """Asked between names: True when the results are no longer wanted (a newer edit came),
    so the rest are left pending."""
    pending: bool = False
    """Some names were left unsettled (by `defer` or `stop`): the findings are not final."""
    complete: bool = True
    """False when a name could not be settled (jedi failed on the code): such findings are
    not kept across runs."""
    stamps: set[Stamp] = field(default_factory=set)
    """Every file the answers depended on."""
    open_texts: Mapping[str, str] = field(default_factory=dict)
    """The editor's texts of the files open in it, by path: they count instead of the disk's."""
