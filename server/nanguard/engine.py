"""The engine's entry points: text in, findings (with their fixes) out.

``analyze`` is what the command line and the language server call. Each enabled rule's check
screens the text first (a file that never mentions a log costs NG001 a regular expression) and
names the nodes it wants to see; the interpreter runs only the scopes that hold one, calling the
rules back there; each rule then makes its findings.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import replace
from functools import cached_property
from pathlib import Path

from tree_sitter import Node, Parser

from nanguard import suppression
from nanguard.dependencies import Resolution, Stamp, Stamps
from nanguard.edits import apply_edits, line_offsets, offset_of, split_lines
from nanguard.fixes import import_point
from nanguard.jedi_resolver import imported_values
from nanguard.flow import ModuleAnalysis, Watch, names_read
from nanguard.model import Finding, Position, Span, TextEdit
from nanguard.rules import RULES
from nanguard.rules.rule import FileCheck
from nanguard.settings import Settings
from nanguard.source import Source, Trees, encode

MAX_FIX_PASSES = 8


class AnalysisCache:
    """Findings of the functions and classes of one document, for reuse in its next analysis.

    The language server keeps one per open document: after an edit inside one function, the
    others are not interpreted again. An entry is reused when the top-level statement's text,
    the module's imports and the settings are all unchanged, and so are the module's values
    under the names it spells (a function renamed elsewhere leaves it alone), the files its
    calls were settled from (jedi, the user's modules), and the other top-level statements whose
    functions it called (their summaries); its findings move with the statement when lines are
    added or removed above it. The entries of the analysis before the last are kept too: a
    character typed and deleted again brings back a text the last analysis did not see.
    """

    def __init__(self) -> None:
        self.entries: dict[tuple, Entry] = {}
        """(statement text, context) -> its `Entry`, as of the last analysis."""
        self.module_names: dict[str, int] = {}
        """`ModuleAnalysis.module_names` of the last analysis, which its entries held under."""
        self.earlier: dict[tuple, Entry] = {}
        """The same as `entries`, of the analysis before: those the last one did not keep."""

    def keep(self, entries: dict[tuple, Entry], module_names: dict[str, int]) -> None:
        """The entries of a new analysis; the last ones become the earlier ones."""
        self.earlier = {key: entry for key, entry in self.entries.items() if key not in entries}
        self.entries, self.module_names = entries, module_names


Entry = tuple[int, list[Finding], frozenset[Stamp], frozenset[tuple[int, bytes]], dict[str, int | None]]
"""The line a statement started on, its findings there, the stamps of the other files they
depend on, the (line, text) of the other top-level statements whose functions they used, and
the names those texts and its own spell, each with the module's values under it then (its
`ModuleAnalysis.module_names`)."""


_REUSABLE = frozenset({"function_definition", "class_definition", "decorated_definition"})


def analyze(
    text: str,
    settings: Settings = Settings(),
    *,
    path: Path | None = None,
    trees: Trees | None = None,
    parser: Parser | None = None,
    cache: AnalysisCache | None = None,
    resolution: Resolution | None = None,
    screen: bool | None = None,
) -> list[Finding]:
    """Findings for `text`, sorted by position. Never raises for any input text.

    `trees` may be a tree-sitter parse of ``source.encode(text)`` kept up to date by the caller
    (the language server reparses incrementally, see `nanguard.incremental`); `path` lets jedi resolve the user's modules;
    `cache` carries unchanged functions' findings over from the previous version of the text;
    `resolution` says how far names are settled from other files, and gathers what that read;
    `screen` lets the rules screen the text before looking at the trees, as they do when there
    are none: a text with a syntax error can read differently with and without, so a caller
    passing trees of such a text asks for it.
    """
    source = Source(text, trees, parser)
    screened = trees is None if screen is None else screen
    found = _judged(source, settings, path, screened, cache, resolution if resolution is not None else Resolution())
    return suppression.apply(source, found, settings)


def _judged(
    source: Source, settings: Settings, path: Path | None, screen: bool, cache: AnalysisCache | None, resolution: Resolution
) -> list[Finding]:
    """`analyze` before suppression comments are applied."""
    checks: list[FileCheck] = []
    for rule in RULES.values():
        if rule.checked and settings.enabled(rule.code):
            check = rule.check()(source, settings, screen)
            if check is not None:
                checks.append(check)
    if not checks:
        return []
    reuse = _Reuse(source, cache, settings, Stamps(resolution.open_texts)) if cache is not None else None
    watches = [Watch(node, check.observer) for check in checks for node in check.watched]
    imported = imported_values(path, settings, resolution) if path is not None else None
    analysis = ModuleAnalysis(source, watches, reuse.known if reuse else lambda top: False, imported)
    if reuse is not None:
        reuse.analysis = analysis
    analysis.run()
    fresh: list[tuple[int, Finding]] = []
    for check in checks:
        check.finish(analysis, path, resolution)
        fresh.extend(check.findings())
    if reuse is not None:
        findings = reuse.combine(analysis, fresh, [item for check in checks for item in check.unsettled()])
        for _, _, stamps, _, _ in reuse.reused.values():
            resolution.stamps.update(stamps)
    else:
        findings = [finding for _, finding in fresh]
    analysis.close()
    findings.sort(key=lambda f: (f.span.start, f.span.end))
    return findings


class _Reuse:
    """One analysis' use of an `AnalysisCache`."""

    def __init__(self, source: Source, cache: AnalysisCache, settings: Settings, stamps: Stamps):
        self.source = source
        self.cache = cache
        self.settings = settings
        self.analysis: ModuleAnalysis | None = None
        self.reused: dict[int, Entry] = {}
        """By statement start byte: its entry."""
        self._keys: dict[int, tuple] = {}
        self._stamps = stamps

    @cached_property
    def context(self) -> tuple:
        """What every entry also depends on; known once the module's own statements have run."""
        assert self.analysis is not None
        return (self.analysis.module_shape(), import_point(self.source), self.settings)

    @cached_property
    def _changed_names(self) -> set[str]:
        """The names under which the module's values differ from the last analysis'."""
        assert self.analysis is not None
        before, now = self.cache.module_names, self.analysis.module_names
        return {name for name in before.keys() | now.keys() if before.get(name) != now.get(name)}

    def known(self, top: Node) -> bool:
        if top.type not in _REUSABLE:
            return False
        key = self._key(top)
        entry = self.cache.entries.get(key)
        if entry is not None:
            held = self._changed_names.isdisjoint(entry[4])
        else:
            entry = self.cache.earlier.get(key)
            held = entry is not None and self._same_module_names(entry[4])
        if (
            not held
            or not self._stamps.current(entry[2])
            or not all(self._still_there(line, text) for line, text in entry[3])
        ):
            return False
        self.reused[top.start_byte] = entry
        return True

    def _same_module_names(self, names: dict[str, int | None]) -> bool:
        assert self.analysis is not None
        now = self.analysis.module_names
        return all(now.get(name) == value for name, value in names.items())

    @cached_property
    def _statement_lines(self) -> dict[int, Node]:
        """The top-level statements by the line they start on."""
        return {top.start_point[0]: top for top in self.source.statements}

    def _still_there(self, line: int, text: bytes) -> bool:
        """Whether a top-level statement of `text` starts on `line`: what a summary an entry
        used was made of (only those are cut out of the text, not every statement)."""
        top = self._statement_lines.get(line)
        return top is not None and top.end_byte - top.start_byte == len(text) and self._located(top)[1] == text

    def _located(self, top: Node) -> tuple[int, bytes]:
        return (top.start_point[0], self.source.data[top.start_byte : top.end_byte])

    def _key(self, top: Node) -> tuple:
        """The cache key of a top-level statement: its text and the context."""
        key = self._keys.get(top.start_byte)
        if key is None:
            key = self._keys[top.start_byte] = (self.source.data[top.start_byte : top.end_byte], self.context)
        return key

    def _names_read(self, analysis: ModuleAnalysis, index: int) -> frozenset[str]:
        """The module names the findings of statement `index` hold under: those its own code
        reads and those of the functions it called (summaries run in the module's values)."""
        tops, data = self.source.statements, self.source.data
        local = analysis.local_names
        others = (names_read(tops[i], data, local) for i in analysis.dependencies.get(index, ()) if i not in (index, -1))
        return names_read(tops[index], data, local, index not in analysis.observed_in_module_values).union(*others)

    def combine(
        self, analysis: ModuleAnalysis, fresh: list[tuple[int, Finding]], unsettled: list[tuple[Node, frozenset[Stamp] | None]]
    ) -> list[Finding]:
        """This version's findings: fresh ones outside reused statements, and the reused ones
        moved to where their statements are now; the cache keeps exactly these entries, each
        with the stamps of the other files its `unsettled` nodes were settled from, except
        statements holding a node not settled yet."""
        tops = self.source.statements
        top_of = self.source.statement_at
        by_top: dict[int, list[Finding]] = {}
        for byte, finding in fresh:
            by_top.setdefault(top_of(byte), []).append(finding)
        depends: dict[int, set[Stamp] | None] = {}
        for node, stamps in unsettled:
            index = top_of(node.start_byte)
            known = depends.setdefault(index, set())
            if stamps is None or known is None:
                depends[index] = None
            else:
                known.update(stamps)
        entries: dict[tuple, Entry] = {}
        findings: list[Finding] = []
        for index in analysis.statements_with_watches:  # elsewhere there is nothing to find
            top = tops[index]
            line = top.start_point[0]
            stamps: frozenset[Stamp] | set[Stamp] | None
            if top.start_byte in self.reused:
                old_line, old, stamps, used, names = self.reused[top.start_byte]
                own = [_moved(f, old_line, line, top.end_point[0] - line) for f in old]
            else:
                own, stamps = by_top.get(index, []), depends.get(index, set())
                used = frozenset(self._located(tops[i]) for i in analysis.dependencies.get(index, ()) if i not in (index, -1))
                names = None
            findings.extend(own)
            if top.type in _REUSABLE and stamps is not None:  # None: an answer from another file is still to come
                if names is None:
                    values = analysis.module_names
                    names = {name: values.get(name) for name in self._names_read(analysis, index)}
                entries[self._key(top)] = (line, own, frozenset(stamps), used, names)
        findings.extend(by_top.get(-1, []))
        self.cache.keep(entries, analysis.module_names)
        return findings


def _moved(finding: Finding, old_line: int, new_line: int, height: int) -> Finding:
    """`finding` of a statement that moved from `old_line` to `new_line`; positions outside the
    statement (an import a fix adds, a cause at module level) stay where they are."""
    delta = new_line - old_line
    if delta == 0:
        return finding

    def position(p: Position) -> Position:
        return Position(p.line + delta, p.column) if old_line <= p.line <= old_line + height else p

    def span(s: Span) -> Span:
        return Span(position(s.start), position(s.end))

    message = finding.message
    for related in finding.related:  # the message names the cause's line
        old, new = related.span.start.line + 1, position(related.span.start).line + 1
        message = message.replace(cause_reference(old), cause_reference(new), 1)
    return replace(
        finding,
        span=span(finding.span),
        message=message,
        related=tuple(replace(r, span=span(r.span)) for r in finding.related),
        fixes=tuple(
            replace(fix, edits=tuple(replace(e, span=span(e.span)) for e in fix.edits)) for fix in finding.fixes
        ),
    )


def cause_reference(line: int) -> str:
    """How a message points at the 1-based `line` of its cause; shells that show the code
    elsewhere (notebook cells) replace exactly this text."""
    return f"(line {line})"


def fix_all(
    text: str, settings: Settings = Settings(), *, path: Path | None = None, parser: Parser | None = None
) -> tuple[str, int]:
    """`text` with the default fix of every finding applied, and how many were applied.

    Fixes whose edits collide wait for the next pass (clips of nested logs are insertions at
    different points, so they all go in at once); passes repeat until nothing is left to fix,
    so the result is stable: fixing it again changes nothing.
    """
    fixed, applied, _ = fix_all_with_findings(text, settings, path=path, parser=parser)
    return fixed, applied


def fix_all_with_findings(
    text: str, settings: Settings = Settings(), *, path: Path | None = None, parser: Parser | None = None
) -> tuple[str, int, list[Finding]]:
    """`fix_all`, and the findings left in the fixed text: its last pass found them, so a caller
    that reports them need not analyse the text again.

    A fix that leaves its finding in place (``np.clip`` reassigned by the user, a call that a
    syntax error runs on) would be applied again on every run: fixing starts over without it, so
    that fixing the result again changes nothing."""
    ineffective: set[int] = set()
    for _ in range(MAX_FIX_PASSES):
        fixed, applied, findings, failed = _fix_passes(text, ineffective, settings, path, parser)
        if not failed:
            return fixed, applied, findings
        ineffective |= failed
    return text, 0, analyze(text, settings, path=path, parser=parser)


def _fix_passes(
    original: str, skipped: set[int], settings: Settings, path: Path | None, parser: Parser | None
) -> tuple[str, int, list[Finding], set[int]]:
    """Fix passes over `original`, leaving the calls at the offsets `skipped` alone. Returns the
    text, the fixes applied, the findings left, and the offsets (in `original`) of the calls
    whose fix did not make them go away: the result is only good when there are none."""
    text, applied, shifts = original, 0, []
    fixed: set[int] = set()
    for _ in range(MAX_FIX_PASSES):
        accepted = _AcceptedEdits()
        count = 0
        findings = analyze(text, settings, path=path, parser=parser)
        offsets = line_offsets(text)
        broken = _BrokenCalls(text, parser) if findings else None
        failed = set()
        for finding in findings:
            origin = offset_of(finding.span.start, offsets, len(text))
            for shift in reversed(shifts):
                origin = shift.back(origin)
            if origin in fixed:
                failed.add(origin)
            fix = finding.default_fix
            if fix is None or not (finding.fixable or fix.kind.value == settings.fix) or origin in skipped or origin in fixed or accepted.collides(fix.edits):  # `--add-noqa` prefers noqa
                continue
            if broken is not None and broken.holds_error(finding.span):
                continue
            accepted.add(fix.edits)
            fixed.add(origin)
            count += 1
        if failed or not count:
            return text, applied, findings, failed
        shifts.append(_Shift(text, offsets, accepted.edits))
        text = apply_edits(text, accepted.edits)
        applied += count
    return text, applied, analyze(text, settings, path=path, parser=parser), set()


class _Shift:
    """How one pass's edits moved offsets: maps an offset of the edited text back to the text
    before (for calls, which start outside what fixes insert)."""

    def __init__(self, text: str, offsets: list[int], edits: list[TextEdit]):
        self._ends: list[int] = []
        """Per edit, in document order: where it ends in the edited text."""
        self._deltas: list[int] = []
        """Per edit: how far everything after it moved, it included."""
        delta = 0
        for edit in edits:
            start, end = offset_of(edit.span.start, offsets, len(text)), offset_of(edit.span.end, offsets, len(text))
            delta += len(edit.new_text) - (end - start)
            self._ends.append(end + delta)
            self._deltas.append(delta)

    def back(self, offset: int) -> int:
        index = bisect_right(self._ends, offset)
        return offset - self._deltas[index - 1] if index else offset


class _BrokenCalls:
    """Where a text has syntax errors. A call with one inside is left unfixed: tree-sitter's
    recovery may have given it an argument running into later lines (``np.log('''`` left
    unterminated), and wrapping that wraps it again on every run, and edits far from the call."""

    def __init__(self, text: str, parser: Parser | None):
        root = Source(text, parser=parser).trees[0].root_node
        self._root = root if root.has_error else None
        self._lines = split_lines(text) if root.has_error else []

    def holds_error(self, span: Span) -> bool:
        if self._root is None:
            return False
        node = self._root.descendant_for_point_range(self._point(span.start), self._point(span.end))
        return node is None or node.has_error

    def _point(self, position: Position) -> tuple[int, int]:
        """The tree-sitter point (row, byte column) of a position in code points."""
        line = self._lines[position.line] if position.line < len(self._lines) else ""
        return position.line, len(encode(line[: position.column]))


class _AcceptedEdits:
    """The edits of the fixes one pass takes, sorted by position. They never overlap one
    another (`_collide`), so their ends rise with their starts and a new edit need only be
    compared with the few it touches: a pass costs n log n, not n² (thousands of logs in one
    function took minutes)."""

    def __init__(self) -> None:
        self.edits: list[TextEdit] = []
        self._keys: list[tuple[Position, Position]] = []

    def collides(self, edits: tuple[TextEdit, ...]) -> bool:
        return any(self._collides(edit) for edit in edits)

    def _collides(self, edit: TextEdit) -> bool:
        index = bisect_right(self._keys, (edit.span.end, edit.span.end))
        while index > 0:  # back from the last edit starting at or before this one's end
            index -= 1
            other = self.edits[index]
            if other.span.end < edit.span.start:
                return False
            if _collide(edit, other):
                return True
        return False

    def add(self, edits: tuple[TextEdit, ...]) -> None:
        for edit in edits:
            key = (edit.span.start, edit.span.end)
            index = bisect_left(self._keys, key)
            while index < len(self._keys) and self._keys[index] == key:
                if self.edits[index] == edit:
                    break  # the same import, added by two fixes
                index += 1
            else:
                self._keys.insert(index, key)
                self.edits.insert(index, edit)


def _collide(a: TextEdit, b: TextEdit) -> bool:
    """Whether two edits cannot both be applied in a well-defined way."""
    if a == b:
        return False  # the same import, added by two fixes
    (a_start, a_end), (b_start, b_end) = (a.span.start, a.span.end), (b.span.start, b.span.end)
    if a_start == a_end and b_start == b_end:
        return a_start == b_start  # two insertions at one point: their order would be arbitrary
    return a_start < b_end and b_start < a_end  # overlapping, or an insertion inside a replacement
