"""IncrementalParse: a document gets exactly the findings of a fresh parse of its whole text,
whatever the edits that led to it, with or without syntax errors.

The chunks here are a few lines long, so that edits meet chunk boundaries all the time."""

import random

import pytest

from nanguard.engine import analyze
from nanguard.incremental import IncrementalParse
from nanguard.source import encode, new_parser

MODULE = """import torch
import numpy as np

EPS = 1e-8


def nll(logits, targets):
    probs = torch.softmax(logits, dim=-1)
    return -torch.log(probs).mean()


def safe(p):
    return np.log(p + EPS)


class Loss:
    eps = 1e-6

    def __call__(self, p):
        q = torch.sigmoid(p)
        return torch.log(q) + torch.log(p + self.eps)


@torch.no_grad()
def metric(p):
    s = torch.softmax(p, 1)
    return np.log2(s)  # the last one
"""

FRAGMENTS = ["x", "(", ")", "[", "]", '"', '"""', ":", "\n", "\n    ", "    ", "def g(", "torch.log(p)", "#", "\\", " ", "if p:\n"]


class Editor:
    """A text and its IncrementalParse, edited the way a language server receives changes."""

    def __init__(self, text: str, chunk_lines: int = 4):
        self.text = text
        self.parse = IncrementalParse(chunk_lines)
        self.parser = new_parser()
        self.trees = self.parse.parse(encode(text), self.parser)

    def replace(self, start: int, end: int, new: str) -> None:
        data = encode(self.text)
        start_byte, old_end_byte = len(encode(self.text[:start])), len(encode(self.text[:end]))
        self.text = self.text[:start] + new + self.text[end:]
        new_end_byte = start_byte + len(encode(new))
        point = lambda source, byte: (source.count(b"\n", 0, byte), byte - (source.rfind(b"\n", 0, byte) + 1))
        after = encode(self.text)
        self.parse.edit(
            start_byte, old_end_byte, new_end_byte, point(data, start_byte), point(data, old_end_byte), point(after, new_end_byte)
        )
        self.trees = self.parse.parse(after, self.parser)

    def insert(self, line: int, column: int, new: str) -> None:
        offset = sum(len(text) + 1 for text in self.text.split("\n")[:line]) + column
        self.replace(offset, offset, new)

    def findings(self):
        """What the server publishes last: from an incremental parse that is exact, else from
        the fresh parse that settles it."""
        settled = self.parse.settle(encode(self.text), self.parser)
        if settled is not None:
            self.trees = settled
        return analyze(self.text, trees=self.trees, screen=any(tree.root_node.has_error for tree in self.trees))

    def provisional_findings(self):
        """What the server publishes first for this version."""
        return analyze(self.text, trees=self.trees, screen=any(tree.root_node.has_error for tree in self.trees))


def parses(text: str) -> bool:
    return not new_parser().parse(encode(text)).root_node.has_error


def random_edit(editor: Editor, rnd: random.Random) -> tuple[int, int, str]:
    """Delete a few characters or insert a fragment somewhere; returns the edit that undoes it."""
    start = rnd.randrange(len(editor.text) + 1)
    if rnd.random() < 0.35:
        end = min(len(editor.text), start + rnd.randrange(1, 6))
        removed = editor.text[start:end]
        editor.replace(start, end, "")
        return start, start, removed
    fragment = rnd.choice(FRAGMENTS)
    editor.replace(start, start, fragment)
    return start, start + len(fragment), ""


@pytest.mark.parametrize("seed", [*range(12), 48, 106, 148, 182, 253, 390])
def test_a_document_that_parses_gets_the_findings_of_a_fresh_parse(seed):
    """Random edits, as while typing: one that breaks the text is followed by another edit
    elsewhere half the time, then both are undone. The findings always equal a fresh analysis,
    whether the text parses or not."""
    rnd = random.Random(seed)
    editor = Editor(MODULE)
    compared = broken = 0

    def check() -> None:
        nonlocal compared, broken
        fresh = analyze(editor.text)
        if editor.parse.exact:
            assert editor.provisional_findings() == fresh
        assert editor.findings() == fresh
        if parses(editor.text):
            compared += 1
        else:
            broken += 1

    for _ in range(60):
        undo = [random_edit(editor, rnd)]
        check()
        if parses(editor.text):
            continue
        if rnd.random() < 0.5:
            undo.append(random_edit(editor, rnd))
            check()
        for edit in reversed(undo):
            editor.replace(*edit)
            check()
    assert compared >= 40 and broken >= 10


def test_an_unclosed_bracket_gives_what_the_command_line_gives_and_closing_it_heals():
    """The editor shows what `nanguard check` says of the broken text (one truth), not a reading
    of its own; once the bracket is closed, every function's findings are back."""
    editor = Editor(MODULE)
    clean = editor.findings()
    line = MODULE.split("\n").index("def safe(p):") + 1
    editor.insert(line, 0, "broken = compute(")  # the start of `return np.log(p + EPS)`
    assert editor.findings() == analyze(editor.text)
    editor.insert(line, len("broken = compute("), ")")
    editor.replace(editor.text.index("broken = compute()"), editor.text.index("broken = compute()") + len("broken = compute()"), "")
    assert editor.findings() == analyze(editor.text) == clean


def test_while_a_call_is_typed_the_first_findings_keep_the_rest_of_the_file():
    """The keystroke's findings come from the chunks, the error kept to the statement being
    typed: an unclosed bracket above them leaves every later function's findings in place (a
    parse of the whole text per keystroke cost 15 to 80 ms). The pass that settles them reads
    the whole text, as the command line does."""
    editor = Editor(MODULE)
    clean = editor.findings()
    line = MODULE.split("\n").index("def safe(p):")
    editor.insert(line, 0, "weights = torch.log(torch.softmax(\n")
    assert not editor.parse.exact
    later = [(f.span.start.line - 1, f.span.start.column, f.message.split(":")[0]) for f in editor.provisional_findings()]
    assert [finding for finding in later if finding[0] >= line] == [
        (f.span.start.line, f.span.start.column, f.message.split(":")[0]) for f in clean if f.span.start.line >= line
    ]
    assert len(later) > len([f for f in clean if f.span.start.line >= line]) > 0
    assert editor.findings() == analyze(editor.text)


def test_typing_a_call_keeps_the_rest_and_closing_it_heals():
    editor = Editor(MODULE)
    before = editor.findings()
    line = MODULE.split("\n").index("EPS = 1e-8") + 1
    editor.insert(line, 0, "\nweights = torch.log(torch.softmax(")
    assert editor.findings() == analyze(editor.text)  # the half-typed text, as the command line reads it
    for character in "logits, 1))":
        editor.insert(line + 1, len(editor.text.split("\n")[line + 1]), character)
    assert editor.findings() == analyze(editor.text)
    assert len(editor.findings()) == len(before) + 1


def test_an_indented_line_after_a_function_continues_it():
    editor = Editor(MODULE)
    line = MODULE.split("\n").index("    return np.log(p + EPS)") + 1
    editor.insert(line, 0, "\n    q = torch.log(torch.sigmoid(p))")
    assert editor.findings() == analyze(editor.text)


def test_edits_at_the_very_ends_of_the_text():
    editor = Editor(MODULE)
    editor.insert(0, 0, "(")
    editor.replace(len(editor.text), len(editor.text), "\nloss = torch.log(torch.softmax(x, 1))  (")
    editor.findings()
    editor.replace(0, 1, "")
    editor.replace(len(editor.text) - 3, len(editor.text), "")
    assert parses(editor.text)
    assert editor.findings() == analyze(editor.text)
    editor.replace(0, len(editor.text), "")
    assert editor.findings() == []


def test_typing_a_line_at_the_end_of_the_last_function_character_by_character():
    editor = Editor(MODULE)
    for character in "    penalty = torch.log(torch.sigmoid(score))\n":
        editor.replace(len(editor.text), len(editor.text), character)
        editor.findings()
    assert editor.findings() == analyze(editor.text)
    assert editor.findings()[-1].span.start.line == MODULE.count("\n")


def test_a_long_document_is_parsed_in_chunks_with_the_findings_of_one_tree():
    text = MODULE * 3
    editor = Editor(text, chunk_lines=10)
    assert len(editor.trees) > 3
    assert editor.findings() == analyze(text)


def test_errors_typed_and_deleted_again_leave_as_few_chunks_as_before():
    """Each error typed cuts its chunk into statements; once the errors are gone, neighbours
    are joined again, so a long session does not end with hundreds of chunks to reparse."""
    text = MODULE * 12
    editor = Editor(text, chunk_lines=10)
    lines = text.count("\n")
    rnd = random.Random(5)
    for _ in range(300):
        line = rnd.randrange(lines)
        column = len(editor.text.split("\n")[line])
        editor.insert(line, column, "(")  # an unclosed bracket: the chunk is cut
        offset = sum(len(row) + 1 for row in editor.text.split("\n")[:line]) + column
        editor.replace(offset, offset + 1, "")
    assert editor.text == text
    assert len(editor.trees) <= 2 * (lines // 10) + 8
    assert editor.findings() == analyze(text)


@pytest.mark.parametrize("chunk_lines", [1, 2, 3])
def test_cuts_inside_strings_and_compound_statements_are_undone(chunk_lines):
    text = '''import torch
"""Notes, at the left margin:
probs = torch.softmax(x, 1)
torch.log(probs)
"""
if torch.cuda.is_available():
    device = "cuda"
else:
    q = torch.log(torch.softmax(x, 1))
try:
    r = 1
except ValueError:
    r = torch.log(torch.sigmoid(x))
@torch.no_grad()
def f(p):
    return torch.log(torch.softmax(p, 1))
'''
    editor = Editor(text, chunk_lines)
    assert editor.findings() == analyze(text)
    assert len(editor.findings()) == 3, "nothing in the string"
    editor.insert(2, 0, "#")  # an edit in the string moves nothing out of it
    assert editor.findings() == analyze(editor.text)


def test_a_document_opened_with_a_syntax_error_reads_as_a_whole_parse_and_heals():
    line = MODULE.split("\n").index("def safe(p):") + 1
    lines = MODULE.split("\n")
    lines[line] = "broken = compute(" + lines[line]
    editor = Editor("\n".join(lines) * 2, chunk_lines=50)  # not long enough to be cut for its length
    assert editor.findings() == analyze(editor.text)
    editor.insert(line, 0, "#")  # comment the broken line out: the text parses again
    editor.insert(line + MODULE.count("\n"), 0, "#")
    assert parses(editor.text)
    assert editor.findings() == analyze(editor.text)


def test_indenting_the_function_after_a_cut_nests_it_in_the_one_before():
    text = "import torch\n\ndef outer(logits):\n    probs = torch.softmax(logits, -1)\n\ndef inner():\n    return torch.log(probs)\n"
    editor = Editor(text, chunk_lines=1)
    assert len(editor.trees) > 2, "a cut before `def inner`"
    editor.insert(6, 0, "    ")
    editor.insert(5, 0, "    ")  # tree-sitter reads an indented first line alone without complaint
    assert editor.findings() == analyze(editor.text)
    assert "softmax output" in editor.findings()[0].message


@pytest.mark.parametrize("closing_first", [True, False])
def test_code_wrapped_in_triple_quotes_across_chunks_is_a_string(closing_first):
    editor = Editor(MODULE, chunk_lines=2)
    anchors = ["class Loss:", "def nll(logits, targets):"]  # the closing quotes go above the class
    for anchor in anchors if closing_first else reversed(anchors):
        line = editor.text.split("\n").index(anchor)
        for column, character in enumerate('"""\n'):  # typed one at a time
            editor.insert(line, column, character)
    assert parses(editor.text)
    assert editor.findings() == analyze(editor.text)
    lines = editor.text.split("\n")
    quoted = range(lines.index('"""'), len(lines) - lines[::-1].index('"""'))
    assert not any(f.span.start.line in quoted for f in editor.findings()), "nothing in the string"
