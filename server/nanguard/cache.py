"""The command line's cache of results, as linters keep one (``.ruff_cache``): a second run on
an unchanged tree analyses nothing.

An entry holds one file's outcome under a key made of everything the outcome is computed from:
the file's bytes, its settings, the mode, and nanguard's version and code. An outcome whose names were
settled from other files (the user's modules, jedi) also keeps the stamps of those files
(`nanguard.dependencies`) and is used only while they are unchanged. Entries are written
atomically (a temporary file, then a rename); one that cannot be read or does not make sense
is ignored, so a damaged cache costs time, never results.

Entries are pickles, which only nanguard writes: the folder is the user's own, like the code
that nanguard reads from the same tree.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from nanguard.dependencies import Stamp, Stamps
from nanguard.settings import Settings
from nanguard.version import VERSION

DEFAULT_FOLDER = ".nanguard_cache"
_FORMAT = 1
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


class ResultCache:
    """The entries in `folder`, created on the first write."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._code = _code_stamp()
        self._ready = False

    def key(self, path: Path, data: bytes, settings: Settings, mode: str) -> str:
        """The key of the file at `path` holding `data`; the path counts, as relative imports
        (and so the findings) depend on where a file is."""
        digest = hashlib.sha256()
        parts = (str(_FORMAT).encode(), self._code, mode.encode(), _settings_digest(settings), os.fsencode(path.absolute()), data)
        for part in parts:
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()

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
        """Keep `outcome`, which depends on the files of `depends` (None: not to be kept).
        Failing to write (a read-only folder) only costs the next run time."""
        if depends is None:
            return
        try:
            self._prepare()
            entry = self._entry(key)
            entry.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as file:
                    pickle.dump((depends, outcome), file, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, entry)
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

