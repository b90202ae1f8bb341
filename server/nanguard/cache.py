"""The command line's cache of results, as linters keep one (``.ruff_cache``): a second run on
an unchanged tree analyses nothing.

An entry holds one file's outcome under a key made of everything the outcome is computed from:
the file's bytes, its settings, the mode, and nanguard's version and code. An outcome whose names were
settled from other files (the user's modules, jedi) also keeps the stamps of those files
(`nanguard.dependencies`) and is used only while they are unchanged. Entries are written
atomically (a temporary file, then a rename); one that cannot be read or does not make sense
is ignored, so a damaged cache costs time, never results.

Beside the entries, an index holds the last outcome of every file checked, by path, with the
file's status (modification and change times, size, inode) when it was read: while that status
holds, a warm run takes the outcome without reading the file, as ruff trusts modification times.
A file changed less than `_SETTLED_NS` before it was read is left out of the index (the clock
may not have moved between two writes), so it is read and looked up by content next time.

Entries are pickles, which only nanguard writes: the folder is the user's own, like the code
that nanguard reads from the same tree.
"""

from __future__ import annotations

import os
import pickle
import time
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from nanguard.dependencies import Stamp, Stamps
from nanguard.settings import Settings
from nanguard.version import VERSION

DEFAULT_FOLDER = ".nanguard_cache"
_INDEX = "index"
_SETTLED_NS = 1_000_000_000
"""How long before a read a file must have last changed for its status to vouch for its bytes:
a second covers coarse file-system clocks, and a file being edited is read either way."""
_FORMAT = 2
"""Changes when what an entry holds changes."""
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by nanguard.\n"
"""https://bford.info/cachedir/: backup tools skip the folder."""


def _code_stamp() -> bytes:
    """nanguard's version and the stamps of its own files: an edited checkout (an editable
    install keeps its version) never takes results computed by other code."""
    parts = [VERSION]
    package = Path(__file__).resolve().parent
    for file in sorted(package.rglob("*.py")):
        info = file.stat()
        parts.append(f"{file.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(parts).encode()


@lru_cache(maxsize=64)
def _settings_digest(settings: Settings) -> bytes:
    """The settings as bytes that do not depend on the process (sets are unordered)."""
    parts = []
    for item in fields(settings):
        if item.name == "cache_dir":
            continue  # where results are kept does not change them
        value = getattr(settings, item.name)
        parts.append(f"{item.name}={sorted(map(repr, value)) if isinstance(value, frozenset) else repr(value)}")
    return "\n".join(parts).encode()


Signature = tuple[int, int, int, int, int]
"""What tells that a file's bytes are those read before: (mtime, ctime, size, inode, device).
The change time moves with every write and cannot be set back, unlike the modification time."""


def signature(status: os.stat_result) -> Signature:
    return (status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino, status.st_dev)


UNKNOWN: Any = object()
"""What `ResultCache.known` says of a file the index cannot vouch for (None is an outcome)."""

IndexEntry = tuple[Signature, bytes, frozenset[Stamp], Any]
"""(the file's signature, its settings' digest, the files its outcome depends on, the outcome)."""


class ResultCache:
    """The entries and the index in `folder`, created on the first write."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._code = _code_stamp()
        self._ready = False
        self._index: dict[str, IndexEntry] | None = None
        self._index_changed = False
        self._settled_before = time.time_ns() - _SETTLED_NS

    def key(self, path: Path, data: bytes, settings: Settings, mode: str) -> str:
        """The key of the file at `path` holding `data`; the path counts, as relative imports
        (and so the findings) depend on where a file is."""
        import hashlib  # here: a warm run that its index answers hashes nothing

        digest = hashlib.sha256()
        parts = (str(_FORMAT).encode(), self._code, mode.encode(), _settings_digest(settings), os.fsencode(path.absolute()), data)
        for part in parts:
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()

    def known(self, path: str, settings: Settings, stamps: Stamps) -> Any:
        """The outcome the index holds for the file at `path` if the file, its settings and the
        files the outcome depends on are as they were; `UNKNOWN` otherwise."""
        entry = self._entries().get(path)
        if entry is None:
            return UNKNOWN
        kept_signature, kept_settings, depends, outcome = entry
        try:
            status = os.stat(path)
        except OSError:
            return UNKNOWN
        if signature(status) != kept_signature or kept_settings != _settings_digest(settings) or not stamps.current(depends):
            return UNKNOWN
        return outcome

    def remember(self, path: str, status: os.stat_result, settings: Settings, outcome: Any, depends: frozenset[Stamp] | None) -> None:
        """Index `outcome` of the file at `path`, read when it had `status`, unless the file had
        changed too shortly before or the outcome is not to be kept (`depends` None)."""
        if depends is None or max(status.st_mtime_ns, status.st_ctime_ns) >= self._settled_before:
            return
        entry = (signature(status), _settings_digest(settings), depends, outcome)
        entries = self._entries()
        if entries.get(path) != entry:
            entries[path] = entry
            self._index_changed = True

    def save(self) -> None:
        """Write the index if the run changed it, without the files that are gone."""
        if not self._index_changed or self._index is None:
            return
        entries = {path: entry for path, entry in self._index.items() if os.path.exists(path)}
        self._write(self.folder / _INDEX, (self._code, entries))
        self._index_changed = False

    def _entries(self) -> dict[str, IndexEntry]:
        """The index, read on first use; empty when missing, damaged or written by other code."""
        if self._index is None:
            self._index = {}
            try:
                code, entries = pickle.loads((self.folder / _INDEX).read_bytes())
                if code == self._code and isinstance(entries, dict):
                    self._index = entries
            except Exception:  # a missing, truncated or foreign index: read the files instead
                pass
        return self._index

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str, stamps: Stamps) -> Any | None:
        """The outcome kept under `key` if the files it depends on are unchanged; None for none,
        and for an entry that cannot be read."""
        try:
            kept_stamps, outcome = pickle.loads(self._entry(key).read_bytes())
            if stamps.current(kept_stamps):
                return outcome
        except Exception:  # a missing, truncated or foreign entry: analyse the file instead
            pass
        return None

    def put(self, key: str, outcome: Any, depends: frozenset[Stamp] | None) -> None:
        """Keep `outcome`, which depends on the files of `depends` (None: not to be kept)."""
        if depends is not None:
            self._write(self._entry(key), (depends, outcome), make_parent=True)

    def _write(self, target: Path, content: Any, make_parent: bool = False) -> None:
        """Pickle `content` to `target` atomically; failing to (a read-only folder) only costs
        the next run time."""
        import tempfile  # here: a run that writes nothing never needs it

        try:
            self._prepare()
            if make_parent:
                target.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as file:
                    pickle.dump(content, file, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, target)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass

    def _prepare(self) -> None:
        if self._ready:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "# Created by nanguard.\n*\n")):
            if not (self.folder / name).exists():
                (self.folder / name).write_text(text, encoding="utf-8")
        self._ready = True

