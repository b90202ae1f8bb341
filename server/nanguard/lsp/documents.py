"""Open documents: their text, kept in step with the editor's incremental changes, and their
parse, edited in step with the text so the next parse is incremental (`nanguard.incremental`).

The event loop applies changes; the analysis worker parses. The parse is the one thing both
touch, so it is guarded by a lock, and the worker analyses copies of the trees (tree-sitter
trees are cheap to copy and not safe to share between threads).
"""

from __future__ import annotations

import ctypes
import gc
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import tree_sitter
from lsprotocol import types
from nanguard.edits import line_offsets
from nanguard.incremental import IncrementalParse
from nanguard.lsp.convert import column_from_units, strip_line_ending
from nanguard.source import encode
from pygls.uris import to_fs_path

PYTHON_SUFFIXES = (".py", ".pyi")


def uri_path(uri: str) -> Path | None:
    """The file behind a ``file:`` URI; None for ``untitled:`` and other in-memory documents."""
    if urlparse(uri).scheme != "file":
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def is_python(uri: str, language_id: str) -> bool:
    if language_id == "python":
        return True
    return urlparse(uri).path.endswith(PYTHON_SUFFIXES)


def _byte_length(text: str, ascii_text: bool) -> int:
    return len(text) if ascii_text else len(encode(text))


def _joins_or_splits_crlf(text: str, start: int, end: int, new_text: str) -> bool:
    """Whether replacing `start`..`end` of `text` with `new_text` changes which line breaks the
    text around it has: a CR before the change or an LF after it may pair up (or no longer)."""
    before = text[start - 1 : start] == "\r"
    after = text[end : end + 1] == "\n"
    return before or (after and (new_text or text[start - 1 : start]).endswith("\r")) or (after and text[end - 1 : end] == "\r")


class Document:
    """One open document. `version` and `text` change only on the event loop."""

    def __init__(self, uri: str, language_id: str, version: int, text: str, encoding: str, last_read: LastRead):
        self.uri = uri
        self._last_read = last_read
        self.language_id = language_id
        self.path = uri_path(uri)
        self.python = is_python(uri, language_id)
        self.encoding = encoding
        self.version = version
        self._lock = threading.Lock()
        self._edited = False
        """Changed since it was opened: only then, or while it is the last document read, are its
        trees kept for the next parse. Most open documents are only read, and their trees were 40%
        of the memory of 50 open files; but the one just opened is the one about to be typed into,
        and parsing a 6,000-line file again made its first keystroke cost 120 ms."""
        self._reset(text)

    # -- lines and positions ----------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line(self, number: int) -> str:
        """Line `number` without its line ending."""
        start = self._starts[number]
        end = self._starts[number + 1] - 1 if number + 1 < len(self._starts) else len(self.text)
        return strip_line_ending(self.text[start:end])

    def offset(self, position: types.Position) -> int:
        """Code-point offset of an LSP position; positions past a line's or the text's end clamp."""
        if position.line >= len(self._starts):
            return len(self.text)
        column = column_from_units(self.line(position.line), position.character, self.encoding)
        return self._starts[position.line] + column

    def _point(self, offset: int) -> tuple[int, int]:
        """(row, byte column) of a code-point offset, as tree-sitter counts."""
        row = self._row(offset)
        start = self._starts[row]
        return row, _byte_length(self.text[start:offset], self._ascii)

    def _row(self, offset: int) -> int:
        return bisect_right(self._starts, offset) - 1

    def _byte_offset(self, offset: int) -> int:
        return offset if self._ascii else len(encode(self.text[:offset]))

    # -- changes ----------------------------------------------------------------------------

    def apply(self, version: int, changes: Iterable[types.TextDocumentContentChangeEvent]) -> None:
        """Apply the changes of one ``didChange``, in order, editing the tree alongside."""
        with self._lock:
            for change in changes:
                if isinstance(change, types.TextDocumentContentChangePartial):
                    self._replace(self.offset(change.range.start), self.offset(change.range.end), change.text)
                else:
                    self._reset(change.text)
            self.version = version
            self._edited = True

    def _reset(self, text: str) -> None:
        self.text = text
        self._ascii = text.isascii()
        self._starts = line_offsets(text)
        self._forget_parse()

    def _forget_parse(self) -> None:
        self._parse = IncrementalParse()
        self._parsed = False
        """Whether `_trees` are those of `text`: not after an edit, until the next parse."""
        self._trees: list[tree_sitter.Tree] = []

    def _replace(self, start: int, end: int, new_text: str) -> None:
        if end < start:
            start, end = end, start
        old_text = self.text
        start_row, end_row = self._row(start), self._row(end)
        start_byte, old_end_byte = self._byte_offset(start), self._byte_offset(end)
        start_point, old_end_point = self._point(start), self._point(end)

        self.text = old_text[:start] + new_text + old_text[end:]
        self._ascii = new_text.isascii() if self._ascii else self.text.isascii()
        delta = len(new_text) - (end - start)
        if _joins_or_splits_crlf(old_text, start, end, new_text):
            self._starts = line_offsets(self.text)
        else:
            self._starts = [
                *self._starts[: start_row + 1],
                *(start + offset for offset in line_offsets(new_text)[1:]),
                *(offset + delta for offset in self._starts[end_row + 1 :]),
            ]

        self._parse.edit(
            start_byte,
            old_end_byte,
            start_byte + _byte_length(new_text, new_text.isascii()),
            start_point,
            old_end_point,
            self._point(start + len(new_text)),
        )
        self._parsed = False

    # -- parsing (analysis worker) ------------------------------------------------------------

    def parse(self, version: int, parser: tree_sitter.Parser, exact: bool) -> tuple[str, list[tree_sitter.Tree], bool] | None:
        """Text and private trees of `version`, reparsed incrementally, and whether they read the
        text as a fresh parse does (see `IncrementalParse.exact`; with `exact`, always); None if
        the document has moved on (the analysis of `version` is stale)."""
        with self._lock:
            if self.version != version:
                return None
            if not self._parsed or exact:
                data = encode(self.text)
                if not self._parsed:
                    self._trees = self._parse.parse(data, parser)
                    self._parsed = True
                if exact:
                    self._trees = self._parse.settle(data, parser) or self._trees
            parsed = self.text, [tree.copy() for tree in self._trees], self._parse.exact
        if not self._edited:
            self._last_read.read(self)
        return parsed

    def _forget_unedited_parse(self) -> None:
        with self._lock:
            if not self._edited:
                self._forget_parse()


class LastRead:
    """The unedited document parsed last, whose trees are kept; the one read before it forgets
    its own. Only the worker thread parses; the event loop forgets a document it closes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._document: Document | None = None

    def read(self, document: Document) -> None:
        with self._lock:
            previous, self._document = self._document, document
        if previous is not None and previous is not document:
            previous._forget_unedited_parse()

    def forget(self, document: Document) -> None:
        with self._lock:
            if self._document is document:
                self._document = None


RELEASE_AFTER_CHARACTERS = 100_000
"""Closing a document this big hands the memory it used back to the system (`release_memory`)."""


def release_memory() -> None:
    """Free what closed documents left (their trees and findings are cycles of many small
    objects) and give the freed heap back to the system: glibc keeps it otherwise, and a server
    that once opened a 5 MB file stayed 130 MB bigger for good."""
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


class Documents:
    """The open documents by URI."""

    def __init__(self) -> None:
        self._documents: dict[str, Document] = {}
        self._last_read = LastRead()

    def open(self, item: types.TextDocumentItem, encoding: str) -> Document:
        document = Document(item.uri, item.language_id, item.version, item.text, encoding, self._last_read)
        self._documents[item.uri] = document
        return document

    def get(self, uri: str) -> Document | None:
        return self._documents.get(uri)

    def close(self, uri: str) -> Document | None:
        document = self._documents.pop(uri, None)
        if document is not None:
            self._last_read.forget(document)
        return document

    def __iter__(self) -> Iterator[Document]:
        return iter(list(self._documents.values()))
