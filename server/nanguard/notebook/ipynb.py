"""Jupyter notebook files (nbformat 4): their cells, and new cell sources written back in place.

A fixed notebook differs from the original only inside the ``source`` values of the cells that
changed: the new value is spliced into the original text, in the original's style (a list of
lines or one string, its indentation and separators, ASCII escapes or not), and unchanged lines
keep their original characters. Metadata, outputs, key order and the final newline are never
re-serialised.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from nanguard.edits import line_offsets
from nanguard.model import Position
from nanguard.notebook.jsonscan import ScanError, SourceSpan, source_spans

SUPPORTED_NBFORMAT = 4
CODE = "code"
BOM = "\ufeff"

_NON_ASCII_ESCAPE = re.compile(r"(?:^|[^\\])(?:\\\\)*\\u(?!00[0-7][0-9a-fA-F])[0-9a-fA-F]{4}")
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


class NotebookError(Exception):
    """A file that is not a notebook nanguard can check; the message is one line saying why."""


class NotPython(NotebookError):
    """A well-formed notebook for another language (R, Julia, ...): skipped, not an error."""


@dataclass(frozen=True, slots=True)
class Cell:
    index: int
    """0-based position among all the notebook's cells, markdown and raw ones included."""
    kind: str
    text: str
    """The source, joined when it is stored as a list of lines."""

    @property
    def number(self) -> int:
        """What users are shown: ``cell 1`` is the first cell of the notebook."""
        return self.index + 1

    @property
    def is_code(self) -> bool:
        return self.kind == CODE


def split_lines(text: str) -> list[str]:
    """`text` as nbformat stores it in a list: lines keeping their ``\\n``, the last one without."""
    return _LINE.findall(text)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a notebook file and its encoding (JSON is UTF-8; a BOM is kept if present)."""
    encoding = "utf-8-sig" if data.startswith(BOM.encode()) else "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise NotebookError(f"not valid UTF-8 (byte 0x{data[error.start]:02x} on line {line}); not a notebook") from None


def kernel_language(metadata: Any) -> str | None:
    """The language the notebook's kernel runs, if the metadata says."""
    if not isinstance(metadata, Mapping):
        return None
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, Mapping) and isinstance(section.get(field), str) and section[field].strip():
            return section[field].strip()
    return None


def is_python_language(language: str) -> bool:
    return language.lower().startswith("python")


class NotebookFile:
    """One notebook's text and cells. Raises `NotebookError` for anything else."""

    def __init__(self, text: str):
        self.text = text
        document = self._load(text)
        cells = document["cells"]
        self.cells = tuple(_cell(index, cell) for index, cell in enumerate(cells))
        try:
            self._spans = source_spans(text)
        except ScanError as error:  # json accepted it, so this is our bug; lose the file, not the run
            raise NotebookError(f"could not locate the cell sources ({error})") from None
        if len(self._spans) != len(self.cells):
            raise NotebookError("could not locate the cell sources (duplicate keys?)")
        self.ensure_ascii = _NON_ASCII_ESCAPE.search(text) is not None
        self._file_lines = line_offsets(text)

    @staticmethod
    def _load(text: str) -> dict[str, Any]:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise NotebookError(f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
        except RecursionError:
            raise NotebookError("not valid JSON: nested too deeply") from None
        if not isinstance(document, dict):
            raise NotebookError("not a notebook: the JSON is not an object")
        version = document.get("nbformat")
        if ("cells" not in document and "worksheets" in document) or (
            isinstance(version, int) and not isinstance(version, bool) and version < SUPPORTED_NBFORMAT
        ):
            raise NotebookError(
                f"nbformat {version} notebook; only nbformat 4 is supported "
                "(upgrade it with `jupyter nbconvert --to notebook --nbformat 4`)"
            )
        if version is not None and version != SUPPORTED_NBFORMAT:
            raise NotebookError(f"nbformat {version!r} is not supported (only nbformat 4)")
        if not isinstance(document.get("cells"), list):
            raise NotebookError("not a notebook: no `cells` list")
        language = kernel_language(document.get("metadata"))
        if language is not None and not is_python_language(language):
            raise NotPython(f"not a Python notebook (kernel language {language!r}); skipped")
        return document

    # -- reading ----------------------------------------------------------------------------

    def code_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.is_code]

    def file_position(self, cell: int, position: Position) -> Position:
        """Where `position` of `cell` lies in the file's own text (0-based, code points), for
        tools that show the .ipynb file itself (SARIF viewers, GitHub annotations)."""
        span = self._spans[cell]
        if span is None:
            return self._file_point(0)
        offsets = line_offsets(self.cells[cell].text)
        line = min(position.line, len(offsets) - 1)
        remaining = offsets[line] + position.column
        tokens = span.items if span.items is not None else ((span.start, span.end),)
        for start, end in tokens:
            length = len(json.loads(self.text[start:end]))
            if remaining < length or (start, end) == tokens[-1]:
                return self._file_point(start + _raw_index(self.text[start:end], remaining))
            remaining -= length
        return self._file_point(span.start)

    def _file_point(self, offset: int) -> Position:
        line = bisect_right(self._file_lines, offset) - 1
        return Position(line, offset - self._file_lines[line])

    # -- writing ----------------------------------------------------------------------------

    def with_sources(self, sources: Mapping[int, str]) -> str:
        """The file's text with the given cells' sources replaced, everything else as it was."""
        pieces = []
        cursor = 0
        for index in sorted(sources):
            span = self._spans[index]
            if span is None or sources[index] == self.cells[index].text:
                continue
            pieces.append(self.text[cursor : span.start])
            pieces.append(self._source_value(span, sources[index]))
            cursor = span.end
        pieces.append(self.text[cursor:])
        return "".join(pieces)

    def _dump(self, value: str) -> str:
        return json.dumps(value, ensure_ascii=self.ensure_ascii)

    def _source_value(self, span: SourceSpan, text: str) -> str:
        if span.items is None:
            return self._dump(text)
        old_tokens = [self.text[start:end] for start, end in span.items]
        old_lines = [json.loads(token) for token in old_tokens]
        new_lines = split_lines(text)
        tokens: list[str] = []
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
            if tag == "equal":
                tokens.extend(old_tokens[i1:i2])  # unchanged lines keep their exact characters
            else:
                tokens.extend(self._dump(line) for line in new_lines[j1:j2])
        opening, separator, closing = self._list_layout(span)
        if not tokens:
            return "[]"
        return "[" + opening + separator.join(tokens) + closing + "]"

    def _list_layout(self, span: SourceSpan) -> tuple[str, str, str]:
        """The whitespace after ``[``, between items and before ``]`` of a list-valued source."""
        items = span.items or ()
        if not items:
            return "", ", ", ""
        opening = self.text[span.start + 1 : items[0][0]]
        closing = self.text[items[-1][1] : span.end - 1]
        if len(items) > 1:
            separator = self.text[items[0][1] : items[1][0]]
        else:
            separator = "," + opening if "\n" in opening else ", "
        return opening, separator, closing


def _cell(index: int, value: Any) -> Cell:
    number = index + 1
    if not isinstance(value, dict):
        raise NotebookError(f"cell {number} is not a JSON object")
    if "cell_type" not in value:
        raise NotebookError(f"cell {number} has no `cell_type`")
    kind = value["cell_type"]
    if not isinstance(kind, str):
        raise NotebookError(f"cell {number}: `cell_type` must be a string such as \"code\", not {_json_kind(kind)}")
    source = value.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        text = "".join(source)
    elif isinstance(source, str):
        text = source
    else:
        raise NotebookError(f"cell {number}: `source` must be a string or a list of strings")
    return Cell(index, kind, text)


def _json_kind(value: Any) -> str:
    """What a JSON value is, as the notebook format's documentation would call it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "an array", str: "a string"}.get(type(value), "a number")


def _raw_index(token: str, decoded: int) -> int:
    """Index in the JSON string literal `token` (quotes included) of its `decoded`-th character."""
    index, count = 1, 0
    while count < decoded and index < len(token) - 1:
        if token[index] == "\\":
            if token[index + 1] == "u":
                code = int(token[index + 2 : index + 6], 16)
                index += 6
                if 0xD800 <= code < 0xDC00 and token[index : index + 2] == "\\u":
                    index += 6  # the low half of a surrogate pair: one character
            else:
                index += 2
        else:
            index += 1
        count += 1
    return index
