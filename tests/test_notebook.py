"""Notebooks below the command line: masking IPython syntax, the cells as one module, findings
and fixes mapped back to cells, and .ipynb files read and written back byte for byte."""

from __future__ import annotations

from engine_helpers import STRICT
import json

import pytest
from nanguard.edits import apply_edits
from nanguard.model import Position, Span
from nanguard.notebook import NotebookError, NotebookFile, NotebookModule, NotPython
from nanguard.notebook.jsonscan import source_spans
from nanguard.notebook.magics import mask_magics

# ------------------------------------------------------------------------------------------
# Magics


@pytest.mark.parametrize(
    ("cell", "masked_text", "masked_lines"),
    [
        ("%matplotlib inline\nimport torch", "pass\nimport torch", {0}),
        ("%time x = f()", "pass", {0}),
        ("!pip install torch", "pass", {0}),
        ("!!ls", "pass", {0}),
        ("?torch.log", "pass", {0}),
        ("torch.log?", "pass", {0}),
        ("torch.log??", "pass", {0}),
        ("%%capture\ny = f()", "pass\ny = f()", {0}),
        ("\n%%time\ny = f()", "\npass\ny = f()", {1}),
        ("%%timeit -n 1\ny = f()", "pass\ny = f()", {0}),
        ("%%bash\necho hi\nls -la", "\n\n", {0, 1, 2}),
        ("%%writefile model.py\nimport torch\ntorch.log(x)\n", "\n\n\n", {0, 1, 2, 3}),
        ("%%html\n<b>x</b>", "\n", {0, 1}),
        ("files = !ls", "files = None", {0}),
        ("out = %sx ls", "out = None", {0}),
        ("pip install torch", "pass", {0}),
        ("cd ..", "pass", {0}),
        ("for i in range(3):\n    !echo $i\n", "for i in range(3):\n    pass\n", {1}),
        ("!pip install \\\n    torch\nx = 1", "pass\n\nx = 1", {0, 1}),
        ("%env A=1\r\nx = 1\r\n", "pass\r\nx = 1\r\n", {0}),
    ],
)
def test_ipython_syntax_becomes_a_no_op_line_for_line(cell, masked_text, masked_lines):
    masked = mask_magics(cell)
    assert masked.text == masked_text
    assert masked.masked == masked_lines
    assert masked.text.count("\n") == cell.count("\n")


@pytest.mark.parametrize(
    "cell",
    [
        'doc = """\n!not a shell escape\n%not a magic\n"""',
        "call(\n    %s\n)",
        "x = [1,\n!2]",
        "s = 'a \\\n%b'",
        "time.sleep(1)",
        "run = 3",
        "cat and dog",
        "ls",
        "x = 10 % 3",
        "a != b",
        "print(a ? b)",
        "# %matplotlib inline",
    ],
)
def test_python_that_looks_like_ipython_is_left_alone(cell):
    masked = mask_magics(cell)
    assert masked.text == cell
    assert masked.masked == frozenset()


# ------------------------------------------------------------------------------------------
# The cells as one module

IMPORTS = "import tensorflow as tf\n%matplotlib inline"
SOFTMAX = "y_conv = tf.nn.softmax(logits)\n"
LOSS = "!nvidia-smi\ncross_entropy = -tf.reduce_sum(y_ * tf.log(y_conv))"


def test_a_softmax_in_one_cell_explains_a_log_in_a_later_cell():
    module = NotebookModule([(0, IMPORTS), (2, SOFTMAX), (4, LOSS)])

    (item,) = module.analyze(STRICT)

    assert item.cell == 4
    assert item.finding.span == Span(Position(1, 36), Position(1, 50))
    assert LOSS.split("\n")[1][36:50] == "tf.log(y_conv)"
    assert "(cell 3, line 1)" in item.finding.message
    (related,) = item.finding.related
    assert item.related_cells == (2,)
    assert related.span == Span(Position(0, 9), Position(0, 30))
    fix = item.finding.default_fix
    assert item.fix_cells[0] == (4, 4)
    assert apply_edits(LOSS, fix.edits).endswith("tf.log(tf.clip_by_value(y_conv, 1e-10, 1.0)))")


def test_related_lines_in_the_same_cell_keep_the_line_wording():
    cell = "import torch\n\nprobs = torch.softmax(z, 1)\nloss = torch.log(probs)"
    (item,) = NotebookModule([(0, cell)]).analyze(STRICT)
    assert "(line 3)" in item.finding.message
    assert item.related_cells == (0,)


def test_cells_named_by_the_callers_scheme():
    module = NotebookModule([(0, IMPORTS), (2, SOFTMAX), (4, LOSS)])
    (item,) = module.analyze(STRICT, name_cell=lambda cell, line, _: f"line {line} of an earlier cell")
    assert "(line 1 of an earlier cell)" in item.finding.message


def test_magic_lines_are_never_reported_and_do_not_break_the_parse():
    cells = [(0, "import torch\n%load_ext autoreload\n!pip install torch\ntorch.log?"),
             (1, "%%bash\npython -c 'import torch; torch.log(x)'"),
             (2, "%%capture\nloss = torch.log(p)")]
    findings = NotebookModule(cells).analyze(STRICT)
    assert [(item.cell, item.finding.span.start) for item in findings] == [(2, Position(1, 7))]


def test_the_module_holds_the_cells_line_for_line():
    module = NotebookModule([(1, "a = 1\nb = 2"), (3, "c = 3\n"), (4, "")])
    lines = module.text.split("\n")
    assert lines[0:2] == ["a = 1", "b = 2"]
    assert lines[3] == "c = 3"


def test_an_import_a_fix_needs_goes_after_the_imports_cell():
    cells = [(0, "from torch import log, softmax"), (1, "%time x = 1\ny = log(softmax(z, 1))\n")]
    module = NotebookModule(cells)

    (item,) = module.analyze(STRICT)
    by_cell: dict[int, list] = {}
    for cell, edit in zip(item.fix_cells[0], item.finding.default_fix.edits):
        by_cell.setdefault(cell, []).append(edit)

    assert set(by_cell) == {0, 1}
    assert apply_edits(cells[0][1], by_cell[0]) == "from torch import log, softmax\nimport torch"
    changed, count = module.fix_all(STRICT)
    assert count == 1
    assert changed[0] == "from torch import log, softmax\nimport torch"
    assert changed[1] == "%time x = 1\ny = log(torch.clamp(softmax(z, 1), min=1e-10))\n"


def test_fix_all_keeps_magics_and_final_newlines_and_is_stable():
    cells = [(0, "import torch\n"), (1, "!ls\np = torch.log(torch.sigmoid(x))\n%time f()"), (2, "q = 1")]
    module = NotebookModule(cells)

    changed, count = module.fix_all(STRICT)

    assert count == 1
    assert changed == {1: "!ls\np = torch.log(torch.clamp(torch.sigmoid(x), min=1e-10))\n%time f()"}
    again = NotebookModule([(index, changed.get(index, text)) for index, text in cells])
    assert again.fix_all(STRICT) == ({}, 0)
    assert again.analyze(STRICT) == []


def test_a_cell_holding_the_separator_line_does_not_confuse_the_split():
    cells = [(0, "import torch\n# nanguard: cell boundary\n"), (1, "p = torch.log(torch.sigmoid(x))")]
    changed, _ = NotebookModule(cells).fix_all(STRICT)
    assert changed == {1: "p = torch.log(torch.clamp(torch.sigmoid(x), min=1e-10))"}


def test_a_call_left_open_across_cells_is_not_reported_in_the_wrong_cell():
    findings = NotebookModule([(0, "import torch\ny = torch.log("), (1, "p)")]).analyze(STRICT)
    assert findings == []


def test_noqa_in_a_cell_suppresses():
    assert NotebookModule([(0, "import torch\ny = torch.log(p)  # noqa: NG001")]).analyze(STRICT) == []


# ------------------------------------------------------------------------------------------
# .ipynb files


def notebook(cells: list[dict], metadata: dict | None = None, **top: object) -> dict:
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
        if metadata is None else metadata,
        "nbformat": 4,
        "nbformat_minor": 5,
        **top,
    }


def code(source: str | list[str], **fields: object) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source, **fields}


def markdown(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def test_cells_of_every_kind_are_read_and_numbered_from_one():
    document = notebook([markdown("# T"), code(["import torch\n", "x = 1"]), {"cell_type": "raw", "metadata": {}, "source": ""}, code("y = 2")])
    file = NotebookFile(json.dumps(document))
    assert [(cell.number, cell.kind, cell.text) for cell in file.cells] == [
        (1, "markdown", "# T"), (2, "code", "import torch\nx = 1"), (3, "raw", ""), (4, "code", "y = 2"),
    ]
    assert [cell.index for cell in file.code_cells()] == [1, 3]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"cells": [', "not valid JSON"),
        ("[1, 2]", "not a notebook"),
        ('{"nbformat": 3, "worksheets": []}', "nbformat 3"),
        ('{"nbformat": 4, "metadata": {}}', "no `cells`"),
        ('{"nbformat": 4, "cells": {}}', "no `cells`"),
        ('{"nbformat": 5, "cells": []}', "nbformat 5"),
        ('{"nbformat": 4, "cells": [3]}', "cell 1 is not a JSON object"),
        ('{"nbformat": 4, "cells": [{"source": ""}]}', "cell 1 has no `cell_type`"),
        ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 7}]}', "cell 1: `source`"),
    ],
)
def test_broken_notebooks_are_refused_with_one_line(text, words):
    with pytest.raises(NotebookError) as raised:
        NotebookFile(text)
    assert words in str(raised.value)
    assert "\n" not in str(raised.value)
    assert not isinstance(raised.value, NotPython)


@pytest.mark.parametrize(
    "metadata",
    [{"kernelspec": {"language": "R", "name": "ir"}}, {"language_info": {"name": "julia"}}],
)
def test_notebooks_in_other_languages_are_skipped(metadata):
    with pytest.raises(NotPython) as raised:
        NotebookFile(json.dumps(notebook([code("x <- 1")], metadata)))
    assert "not a Python notebook" in str(raised.value)


def test_a_notebook_without_language_metadata_is_python():
    assert NotebookFile(json.dumps(notebook([code("x = 1")], {}))).cells[0].text == "x = 1"


OUTPUTS = [{"name": "stdout", "output_type": "stream", "text": ["hé\n"]}]


@pytest.mark.parametrize(
    "dump",
    [
        lambda d: json.dumps(d, indent=1, sort_keys=True, ensure_ascii=False) + "\n",  # nbformat's style
        lambda d: json.dumps(d, indent=2, ensure_ascii=True),  # another writer: ASCII, no final newline
        lambda d: json.dumps(d, separators=(",", ":")),  # minified
        lambda d: json.dumps(d, indent="\t").replace("\n", "\r\n") + "\r\n",  # tabs and CRLF
    ],
)
def test_new_sources_change_nothing_else_in_the_file(dump):
    document = notebook(
        [
            markdown("Für Elise"),
            code(["import torch\n", "p = torch.log(x)\n", "# é\n", "q = 1"], execution_count=3, outputs=OUTPUTS,
                 metadata={"tags": ["train"]}),
            code("a = 1\nb = torch.log(a)", execution_count=4),
        ]
    )
    original = dump(document)
    file = NotebookFile(original)

    new_sources = {1: "import torch\np = torch.log(x + 1)\n# é\nq = 1", 2: "a = 1\nb = torch.log(a + 1)"}
    written = file.with_sources(new_sources)

    expected = json.loads(original)
    expected["cells"][1]["source"] = ["import torch\n", "p = torch.log(x + 1)\n", "# é\n", "q = 1"]
    expected["cells"][2]["source"] = "a = 1\nb = torch.log(a + 1)"
    assert json.loads(written) == expected
    # Outside the two sources the text is the same, character for character.
    spans = source_spans(original)
    outside = [original[: spans[1].start], original[spans[1].end : spans[2].start], original[spans[2].end :]]
    new_spans = source_spans(written)
    assert [written[: new_spans[1].start], written[new_spans[1].end : new_spans[2].start], written[new_spans[2].end :]] == outside
    # Unchanged lines keep their exact characters (escapes included); the style of new ones follows the file.
    old_items = [original[a:b] for a, b in spans[1].items]
    new_items = [written[a:b] for a, b in new_spans[1].items]
    assert new_items[0] == old_items[0] and new_items[2:] == old_items[2:]
    assert ("\\u00e9" in written) == ("\\u00e9" in original)
    assert written.endswith(("\r\n", "\n")) == original.endswith(("\r\n", "\n"))


def test_lines_added_to_a_list_source_use_its_separators():
    original = json.dumps(notebook([code(["import torch"])]), indent=1) + "\n"
    file = NotebookFile(original)
    written = file.with_sources({0: "import torch\nimport numpy as np"})
    assert '"source": [\n    "import torch\\n",\n    "import numpy as np"\n   ]' in written


def test_an_unchanged_source_is_not_rewritten():
    original = json.dumps(notebook([code(["x  =  1"])]), indent=1)
    assert NotebookFile(original).with_sources({0: "x  =  1"}) == original


def test_positions_in_the_file_itself_point_at_the_code():
    document = notebook([markdown("m"), code(["import torch\n", "p = torch.log(x)"]), code('s = "é"\ny = torch.log(s)')])
    text = json.dumps(document, indent=1, ensure_ascii=True)
    file = NotebookFile(text)
    lines = text.split("\n")

    at = file.file_position(1, Position(1, 4))
    assert lines[at.line][at.column:].startswith('torch.log(x)"')
    at = file.file_position(2, Position(1, 4))
    assert lines[at.line][at.column:].startswith('torch.log(s)"')


def test_the_scanner_takes_the_last_of_repeated_keys_and_skips_nested_outputs():
    nested = {"data": {"application/json": {"a": [[[["]"]]]], "b": "\\\"}"}}, "output_type": "display_data", "metadata": {}}
    text = (
        '{"cells": [], "cells": [{"cell_type": "code", "source": "old", "outputs": [' + json.dumps(nested)
        + '], "source": ["new"]}], "nbformat": 4, "metadata": {}}'
    )
    file = NotebookFile(text)
    assert file.cells[0].text == "new"
    assert file.with_sources({0: "newer"}).endswith('"source": ["newer"]}], "nbformat": 4, "metadata": {}}')
