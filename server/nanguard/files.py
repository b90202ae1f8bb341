"""Finding the Python files to check, reading them as Python does, and writing fixes back safely.

Reading follows PEP 263 exactly (`tokenize.detect_encoding`), so a file decodes here if and only
if Python itself would accept its bytes; the encoding (BOM included) is remembered so a fixed
file is written back in the same encoding. Line endings are left untouched in the text.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from nanguard.settings import DEFAULT_INCLUDE, Settings

NOTEBOOK_SUFFIX = ".ipynb"
"""Notebooks are told from Python files by this suffix alone (here, so that a run without
notebooks never imports `nanguard.notebook`)."""

SKIPPED_FOLDER_NAMES = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "site-packages", "__pycache__", "node_modules"}
)
"""Folders never entered while recursing: version control, virtual environments, caches."""

VIRTUALENV_MARKER = "pyvenv.cfg"
"""A folder holding this file is a virtual environment, whatever its name."""


class FileError(Exception):
    """A file that cannot be analysed or written; the message is one line that says why.

    The message does not name the file: the caller prefixes it with the path as the user sees it.
    """


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    text: str
    encoding: str
    """Codec name as `tokenize.detect_encoding` reports it; ``utf-8-sig`` means the file has a BOM."""
    mode: int
    """Permission bits, restored on the fixed file."""
    mtime_ns: int
    size: int


# ------------------------------------------------------------------------------------------
# Discovery


@dataclass(frozen=True, slots=True)
class ExcludePattern:
    """A glob from `exclude`, relative to the folder it was given in (the pyproject's or the cwd).

    A pattern without a slash matches a file or folder name anywhere below `base` (``*_pb2.py``,
    ``migrations``); a pattern with one matches the path relative to `base` (``src/gen/*``,
    ``**/fixtures``). An excluded folder excludes everything in it.
    """

    base: Path
    pattern: str

    @classmethod
    def parse(cls, base: Path, pattern: str) -> ExcludePattern:
        pattern = pattern.strip().replace(os.sep, "/")
        while pattern.startswith("./"):
            pattern = pattern[2:]
        return cls(base, pattern.rstrip("/") or ".")

    def matches(self, path: Path) -> bool:
        """Whether `path` (absolute) itself is matched; folders above it are the caller's business."""
        if "/" not in self.pattern:
            return fnmatchcase(path.name, self.pattern) and _is_within(path, self.base)
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return False
        if fnmatchcase(relative, self.pattern):
            return True
        return self.pattern.startswith("**/") and fnmatchcase(relative, self.pattern[3:])


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


PatternsFor = Callable[[Path], Sequence[ExcludePattern]]
"""The exclude patterns that apply to the entries of a folder (from its configuration)."""


def matches_any(path: Path, patterns: Sequence[ExcludePattern]) -> bool:
    return any(pattern.matches(path) for pattern in patterns)


def is_excluded(path: Path, patterns_for: PatternsFor) -> bool:
    """Whether `path` or a folder above it is excluded by the configuration of its parent folder."""
    for candidate in (path, *path.parents):
        if candidate.parent == candidate:
            return False
        if matches_any(candidate, patterns_for(candidate.parent)):
            return True
    return False


def discover(
    paths: Iterable[Path], patterns_for: PatternsFor, includes_for: PatternsFor | None = None
) -> tuple[list[Path], list[tuple[str, str]]]:
    """Python files under `paths` (absolute, sorted, without duplicates), and (path, reason) for bad paths.

    A file named explicitly is checked whatever its suffix; folders are searched recursively for
    the files `includes_for` the folder matches (default: ``*.py`` and ``*.ipynb``), not
    following symlinked folders (no loops) and skipping the folders in `SKIPPED_FOLDER_NAMES` or
    holding a ``pyvenv.cfg``. Exclude patterns apply to named paths and to what recursion finds.
    """
    found: dict[Path, None] = {}
    errors: list[tuple[str, str]] = []
    for given in paths:
        path = given.absolute()
        try:
            status = path.stat()
        except OSError as error:
            errors.append((str(given), _unreachable(path, error)))
            continue
        if is_excluded(path, patterns_for):
            continue
        if stat.S_ISDIR(status.st_mode):
            unlisted: list[tuple[str, str]] = []
            found.update(dict.fromkeys(_walk(path, patterns_for, includes_for or default_includes, unlisted)))
            errors += [(str(given / Path(folder).relative_to(path)), reason) for folder, reason in unlisted]
        elif stat.S_ISREG(status.st_mode):
            found[path] = None
        else:
            errors.append((str(given), not_regular(status.st_mode)))
    return sorted(found), list(dict.fromkeys(errors))


def _unreachable(path: Path, error: OSError) -> str:
    """Why `path` cannot be looked at, in words: missing, a dangling link, a loop, no permission."""
    if error.errno == errno.ELOOP:
        return "a symlink loop (too many levels of symbolic links)"
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return "a symlink to a missing file" if os.path.islink(path) else "no such file or folder"
    if error.errno == errno.EACCES:
        return "permission denied (a folder on its path cannot be entered)"
    return f"cannot be read: {error.strerror or error}"


_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def not_regular(mode: int) -> str:
    """The message for a path that is not a regular file; such files are never opened."""
    kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "a special file")
    return f"{kind}, not a regular file; not checked"


def with_per_file_ignores(settings: Settings, path: Path, base: Path) -> Settings:
    """`settings` for the file `path`, with the rules its `per-file-ignores` globs (relative to
    `base`, like `exclude`'s) ignore added to `ignore`."""
    ignored = frozenset().union(
        *(codes for glob, codes in settings.per_file_ignores if _within_match(path, ExcludePattern.parse(base, glob)))
    )
    return replace(settings, ignore=settings.ignore | ignored) if ignored - settings.ignore else settings


def _within_match(path: Path, pattern: ExcludePattern) -> bool:
    """Whether `pattern` matches `path` or a folder above it."""
    return is_excluded(path, lambda folder: (pattern,))


def include_pattern(base: Path, glob: str) -> ExcludePattern:
    """An `include` glob: one without a slash matches file names anywhere, one with a slash
    matches paths relative to `base`."""
    pattern = ExcludePattern.parse(base, glob)
    return pattern if "/" in pattern.pattern else ExcludePattern(Path(base.anchor), pattern.pattern)


_DEFAULT_INCLUDES = tuple(include_pattern(Path(os.sep), glob) for glob in DEFAULT_INCLUDE)


def default_includes(folder: Path) -> tuple[ExcludePattern, ...]:
    return _DEFAULT_INCLUDES


def _included(entry: os.DirEntry[str], includes: Sequence[ExcludePattern]) -> bool:
    """Whether a file a folder search meets matches an `include` glob; name globs (the usual
    ones) are matched without building a path, which costs more than the whole match."""
    return any(
        fnmatchcase(entry.name, include.pattern) if "/" not in include.pattern else include.matches(Path(entry.path))
        for include in includes
    )


def _walk(
    folder: Path, patterns_for: PatternsFor, includes_for: PatternsFor, errors: list[tuple[str, str]]
) -> Iterator[Path]:
    """The included files below `folder`; folders that cannot be listed go to `errors`."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        errors.append((str(folder), f"cannot list folder: {error.strerror or error}"))
        return
    patterns = patterns_for(folder)
    includes = includes_for(folder)
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name in SKIPPED_FOLDER_NAMES:
                    continue
                child = Path(entry.path)
                if matches_any(child, patterns) or os.path.exists(child / VIRTUALENV_MARKER):
                    continue
                yield from _walk(child, patterns_for, includes_for, errors)
            elif _included(entry, includes) and entry.is_file():
                child = Path(entry.path)
                if not matches_any(child, patterns):
                    yield child
        except OSError:
            continue


# ------------------------------------------------------------------------------------------
# Reading


def read_file(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file `path` and its status (for `SourceFile`); raises `FileError`.

    Anything else is refused before it is opened: opening a FIFO for reading waits for a
    writer, and opening a device can do things. The open itself does not block either (the file
    may have been swapped since), and what was opened is checked again.
    """
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            raise FileError(not_regular(status.st_mode))
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with open(descriptor, "rb") as handle:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                raise FileError(not_regular(status.st_mode))
            return handle.read(), status
    except OSError as error:
        raise FileError(f"cannot read: {error.strerror or error}") from None


def read_source(path: Path, decode: Callable[[bytes], tuple[str, str]] | None = None) -> SourceFile:
    """The decoded text of `path` (by `decode`, returning text and encoding; Python's way by
    default); raises `FileError` when Python could not read it either."""
    data, status = read_file(path)
    return decoded_source(path, data, status, decode)


def decoded_source(
    path: Path, data: bytes, status: os.stat_result, decode: Callable[[bytes], tuple[str, str]] | None = None
) -> SourceFile:
    """`read_source` of bytes already read (by `read_file`), for callers that look at them first."""
    text, encoding = (decode or decode_source)(data)
    return SourceFile(path, text, encoding, stat.S_IMODE(status.st_mode), status.st_mtime_ns, status.st_size)


def decode_source(data: bytes) -> tuple[str, str]:
    """Decode `data` the way the Python interpreter would (BOM, PEP 263 coding line, else UTF-8)."""
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise FileError(f"contains a NUL byte (line {line}); not Python source (binary or UTF-16?)")
    import tokenize  # here: a warm run reads no file

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise FileError(_encoding_problem(error)) from None
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        byte = data[error.start]
        declared = "" if encoding in ("utf-8", "utf-8-sig") else " (declared by its coding line)"
        hint = "" if declared else "; add a coding line such as `# -*- coding: latin-1 -*-` or save it as UTF-8"
        raise FileError(
            f"cannot decode byte 0x{byte:02x} at line {line}, column {column} as {encoding}{declared}{hint}"
        ) from None


def _encoding_problem(error: SyntaxError) -> str:
    message = str(error.msg or error)
    if message.startswith("unknown encoding"):
        return f"{message} in its coding line"
    if message.startswith("encoding problem"):
        return "has a UTF-8 byte order mark but its coding line declares another encoding"
    return "is not valid UTF-8 and has no coding line; add one such as `# -*- coding: latin-1 -*-`"


# ------------------------------------------------------------------------------------------
# Writing


def write_source(source: SourceFile, text: str) -> bool:
    """Replace `source`'s file with `text` in its encoding; False (nothing written) when unchanged.

    The write is atomic (a temporary file in the same folder, then `os.replace`) and keeps the
    file's permissions; a file that changed on disk since it was read is left alone.
    """
    if text == source.text:
        return False
    try:
        data = text.encode(source.encoding)
    except UnicodeEncodeError as error:
        raise FileError(
            f"the fix needs {error.object[error.start:error.end]!r}, "
            f"which {source.encoding} cannot encode; not written"
        ) from None
    target = Path(os.path.realpath(source.path))
    try:
        status = os.stat(target)
    except OSError as error:
        raise FileError(f"cannot write: {error.strerror or error}") from None
    if (status.st_mtime_ns, status.st_size) != (source.mtime_ns, source.size):
        raise FileError("changed on disk while being fixed; not written")
    write_atomically(target, data, source.mode)
    return True


def write_atomically(target: Path, data: bytes, mode: int) -> None:
    """Write `data` to `target` so that readers see the old file or the new one, never a part."""
    import tempfile  # here: most runs write nothing

    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".nanguard")
    except OSError as error:
        raise FileError(f"cannot write: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise FileError(f"cannot write: {error.strerror or error}") from None
