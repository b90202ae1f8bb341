"""The server and `nanguard check` agree on notebooks: for the same cells, the same findings at
the same places, related locations in the same cells, and default fixes that give the same text.

Notebooks here are the bundled example notebook and each example module cut into a cell per
top-level statement, so a softmax and its log can land in different cells."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lsp_client import apply_text_edits, session
from lsprotocol import types
from nanguard.edits import apply_edits
from nanguard.notebook import NotebookFile
from nanguard.notebook.check import check_notebook
from nanguard.settings import Settings
from test_notebook import Notebook, notebook_capabilities

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
CELL_REFERENCE = re.compile(r"\((?:line \d+(?: of (?:an earlier|a later) cell)?|cell \d+, line \d+)\)")
"""How messages point at a related line: the server says which way to look, the command line
names the cell's number; both are replaced by one placeholder for comparing."""


def cut_into_cells(text: str) -> list[str]:
    """A cell per top-level statement (with its indented body and any lines closing its brackets)."""
    return [cell for cell in re.split(r"\n(?=(?!(?:else|elif|except|finally)\b)[A-Za-z_])", text) if cell.strip()]


def as_ipynb(cells: list[tuple[str, str]]) -> dict:
    return {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": text, **({"outputs": [], "execution_count": None} if kind == "code" else {})}
            for kind, text in cells
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def notebooks() -> list[tuple[str, list[tuple[str, str]]]]:
    bundled = json.loads((EXAMPLES / "mnist_notebook.ipynb").read_text())
    cells = [(cell["cell_type"], "".join(cell["source"])) for cell in bundled["cells"] if cell["cell_type"] in ("code", "markdown")]
    made = [(path.stem, [("code", cell) for cell in cut_into_cells(path.read_text())]) for path in sorted(EXAMPLES.glob("*.py"))]
    return [("mnist_notebook", cells), *made]


def span(value: types.Range) -> tuple[int, int, int, int]:
    return (value.start.line, value.start.character, value.end.line, value.end.character)


def default_fix_result(edits: list[dict], texts: dict[str, str], own: str) -> dict[str, str]:
    """Each edited cell's text once the fix's edits are applied."""
    by_cell: dict[str, list[types.TextEdit]] = {}
    for edit in edits:
        start, end = edit["range"]["start"], edit["range"]["end"]
        text_edit = types.TextEdit(
            range=types.Range(
                start=types.Position(line=start["line"], character=start["character"]),
                end=types.Position(line=end["line"], character=end["character"]),
            ),
            new_text=edit["newText"],
        )
        by_cell.setdefault(edit.get("uri", own), []).append(text_edit)
    return {uri: apply_text_edits(texts[uri], cell_edits, "utf-32") for uri, cell_edits in by_cell.items()}


@pytest.mark.parametrize(("name", "cells"), notebooks(), ids=[name for name, _ in notebooks()])
async def test_the_server_and_the_command_line_agree_on_a_notebook(tmp_path, name, cells):
    path = tmp_path / f"{name}.ipynb"
    path.write_text(json.dumps(as_ipynb(cells), indent=1))
    code_cells = [index for index, (kind, _) in enumerate(cells) if kind == "code"]
    texts_by_index = dict(enumerate(text for _, text in cells))

    checked = check_notebook(path, path.name, Settings())
    assert checked.problem is None and checked.skipped is None
    expected = set()
    for found in checked.findings:
        fix = found.finding.default_fix
        fixed = {}
        if fix is not None:
            edits = {}
            for edit, cell in zip(fix.edits, found.cell.fix_cells):
                edits.setdefault(cell - 1, []).append(edit)
            fixed = {cell: apply_edits(texts_by_index[cell], cell_edits) for cell, cell_edits in edits.items()}
        expected.add(
            (
                found.cell.cell - 1,
                (found.finding.span.start.line, found.finding.span.start.column, found.finding.span.end.line, found.finding.span.end.column),
                found.finding.code,
                CELL_REFERENCE.sub("(…)", found.finding.message),
                tuple(cell - 1 for cell in found.cell.related_cells),
                tuple(sorted(fixed.items())),
            )
        )
    assert NotebookFile(path.read_text()).code_cells(), "the notebook has code to check"

    async with session(client_capabilities=notebook_capabilities(encodings=["utf-32"])) as client:
        notebook = Notebook(client, path, [("code" if kind == "code" else "markdown", text) for kind, text in cells])
        notebook.open()
        uris = [notebook.uri_of(number) for number in range(len(code_cells))]
        cell_of = {uri: code_cells[number] for number, uri in enumerate(uris)}
        texts = {uri: texts_by_index[cell_of[uri]] for uri in uris}
        reported = set()
        for uri in uris:
            for diagnostic in await client.wait_diagnostics(uri, 1):
                fix = diagnostic.data["fixes"][0] if diagnostic.data["fixes"] else None
                fixed = default_fix_result(fix["edits"], texts, uri) if fix else {}
                reported.add(
                    (
                        cell_of[uri],
                        span(diagnostic.range),
                        diagnostic.code,
                        CELL_REFERENCE.sub("(…)", diagnostic.message),
                        tuple(cell_of[item.location.uri] for item in diagnostic.related_information or []),
                        tuple(sorted((cell_of[cell], text) for cell, text in fixed.items())),
                    )
                )
    assert reported == expected
