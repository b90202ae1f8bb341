"""The engine's entry points: text in, findings (with their fixes) out.

``analyze`` is what the command line and the language server call. It costs nothing for files
that never mention a log, runs tree-sitter queries (in C) to find candidate calls, and
interprets only the scopes that hold one.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property
from pathlib import Path

from tree_sitter import Node, Parser

from nanguard.edits import apply_edits
from nanguard import frameworks as fw
from nanguard import suppression
from nanguard.fixes import bound_fix, clip_fix, epsilon_fix, format_epsilon, import_point, noqa_fix, stable_fix
from nanguard.flow import Candidate, Judgement, ModuleAnalysis
from nanguard.model import Finding, Position, Related, Span, TextEdit
from nanguard.prefilter import MAYBE_LOG, call_sites
from nanguard.settings import Settings
from nanguard.source import Source, Trees
from nanguard.values import Value, describe

CODE = "NG001"
MAX_FIX_PASSES = 8

def find_candidates(source: Source, sites: list[tuple[int, int]]) -> list[Candidate]:
    """The call nodes at the call `sites`, skipping sites inside strings and comments."""
    candidates = []
    for start, end in sites:
        name = source.node_for_bytes(start, end)
        if name is None or name.type != "identifier":
            continue
        callee = name
        parent = name.parent
        if parent is not None and parent.type == "attribute" and parent.child_by_field_name("attribute") == name:
            callee, parent = parent, parent.parent
        if parent is not None and parent.type == "call" and parent.child_by_field_name("function") == callee:
            candidates.append(Candidate(parent, callee))
    return candidates


class AnalysisCache:
    """Findings of the functions and classes of one document, for reuse in its next analysis.

    The language server keeps one per open document: after an edit inside one function, the
    others are not interpreted again. An entry is reused when the top-level statement's text,
    the module's values (imports, constants) and the settings are all unchanged; its findings
    move with the statement when lines are added or removed above it.
    """

    def __init__(self) -> None:
        self.entries: dict[tuple, tuple[int, list[Finding]]] = {}
        """(statement text, context) -> (the line it started on, its findings there)."""


_REUSABLE = frozenset({"function_definition", "class_definition", "decorated_definition"})


def analyze(
    text: str,
    settings: Settings = Settings(),
    *,
    path: Path | None = None,
    trees: Trees | None = None,
    parser: Parser | None = None,
    cache: AnalysisCache | None = None,
) -> list[Finding]:
    """Findings for `text`, sorted by position. Never raises for any input text.

    `trees` may be a tree-sitter parse of ``source.encode(text)`` kept up to date by the caller
    (the language server reparses incrementally, see `nanguard.incremental`); `path` lets jedi resolve the user's modules;
    `cache` carries unchanged functions' findings over from the previous version of the text.
    """
    source = Source(text, trees, parser)
    return suppression.apply(source, _judged(source, settings, path, trees, cache), settings)


def _judged(source: Source, settings: Settings, path: Path | None, trees: Trees | None, cache: AnalysisCache | None) -> list[Finding]:
    """`analyze` before suppression comments are applied."""
    if not settings.enabled(CODE) or not MAYBE_LOG.search(source.text):
        return []
    sites = call_sites(source.data, screen=trees is None)
    if not sites:
        return []  # mentions a log but calls none: no parse needed
    candidates = find_candidates(source, sites)
    if not candidates:
        return []
    reuse = _Reuse(source, cache, settings) if cache is not None else None
    analysis = ModuleAnalysis(source, candidates, settings.frameworks, reuse.known if reuse else lambda top: False)
    if reuse is not None:
        reuse.analysis = analysis
    analysis.run()
    if settings.jedi and analysis.unresolved:
        from nanguard.jedi_resolver import resolve_unresolved

        resolve_unresolved(analysis, path, settings)
    epsilon = format_epsilon(settings.epsilon)
    fresh = []
    for judgement in analysis.judgements.values():
        if not reportable(judgement.value, settings.strict):
            continue
        fresh.append((judgement.call.start_byte, _finding(judgement, source, epsilon, settings.fix)))
    findings = reuse.combine(analysis, fresh) if reuse is not None else [finding for _, finding in fresh]
    findings.sort(key=lambda f: (f.span.start, f.span.end))
    return findings


def reportable(value: Value, strict: bool) -> bool:
    """Whether a log of `value` is a finding: the code shows it can reach zero or go below it;
    with `strict`, also when nothing keeps it away from zero."""
    return not value.positive and (value.evidence or strict)


class _Reuse:
    """One analysis' use of an `AnalysisCache`."""

    def __init__(self, source: Source, cache: AnalysisCache, settings: Settings):
        self.source = source
        self.cache = cache
        self.settings = settings
        self.analysis: ModuleAnalysis | None = None
        self.reused: dict[int, tuple[int, list[Finding]]] = {}
        """By statement start byte: the line it started on and its findings there."""
        self._keys: dict[int, tuple] = {}

    @cached_property
    def context(self) -> tuple:
        """What every entry also depends on; known once the module's own statements have run."""
        assert self.analysis is not None
        return (self.analysis.fingerprint(), import_point(self.source), self.settings)

    def known(self, top: Node) -> bool:
        if top.type not in _REUSABLE:
            return False
        entry = self.cache.entries.get(self._key(top))
        if entry is None:
            return False
        self.reused[top.start_byte] = entry
        return True

    def _key(self, top: Node) -> tuple:
        """The cache key of a top-level statement: its text and the context."""
        key = self._keys.get(top.start_byte)
        if key is None:
            key = self._keys[top.start_byte] = (self.source.data[top.start_byte : top.end_byte], self.context)
        return key

    def combine(self, analysis: ModuleAnalysis, fresh: list[tuple[int, Finding]]) -> list[Finding]:
        """This version's findings: fresh ones outside reused statements, and the reused ones
        moved to where their statements are now; the cache keeps exactly these entries."""
        tops = self.source.statements
        top_of = self.source.statement_at
        by_top: dict[int, list[Finding]] = {}
        for byte, finding in fresh:
            by_top.setdefault(top_of(byte), []).append(finding)
        unresolved = {top_of(u.call.start_byte) for u in analysis.unresolved.values()}
        entries: dict[tuple, tuple[int, list[Finding]]] = {}
        findings: list[Finding] = []
        for index in analysis.statements_with_candidates:  # elsewhere there is nothing to find
            top = tops[index]
            line = top.start_point[0]
            if top.start_byte in self.reused:
                old_line, old = self.reused[top.start_byte]
                own = [_moved(f, old_line, line, top.end_point[0] - line) for f in old]
            else:
                own = by_top.get(index, [])
            findings.extend(own)
            if top.type in _REUSABLE and index not in unresolved:  # jedi's answers depend on other files
                entries[self._key(top)] = (line, own)
        findings.extend(by_top.get(-1, []))
        self.cache.entries = entries
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


def _excerpt(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(judgement: Judgement, source: Source) -> tuple[str, tuple[Related, ...]]:
    call = _excerpt(source.node_text(judgement.call))
    argument = _excerpt(source.node_text(judgement.argument))
    value = judgement.value
    if not value.evidence:
        return f"`{call}`: `{argument}` is not bounded away from zero; log(0) gives -inf and NaN gradients", ()
    cause = _main_cause(value)
    what, why = describe(cause, value.dtype or fw.FRAMEWORK_DTYPES.get(judgement.log.framework, fw.DEFAULT_DTYPE))
    outcome = "giving NaN" if value.lo < 0 else "giving -inf and NaN gradients"
    if cause.span == source.span(judgement.argument):
        return f"`{call}`: the argument is {what}; {why}, {outcome}", ()
    line = cause.span.start.line + 1
    text = _excerpt(cause.text)
    related = Related(cause.span, f"`{text}` is {what} here")
    if judgement.argument.type in _NAMES and len(value.causes) == 1:
        return f"`{call}`: `{argument}` is {what} {cause_reference(line)}; {why}, {outcome}", (related,)
    reach = "can be negative" if value.lo < 0 else "can be 0"
    return f"`{call}`: `{argument}` {reach}: `{text}` is {what} {cause_reference(line)}; {why}, {outcome}", (related,)


_NAMES = frozenset({"identifier", "attribute", "subscript"})
_PREFERRED_CAUSES = ("rounding", "signed", "complement")
"""Causes that explain more than the others when a value has several."""


def _main_cause(value: Value):
    for kind in _PREFERRED_CAUSES:
        for cause in value.causes:
            if cause.kind == kind:
                return cause
    return value.causes[0]


def _finding(judgement: Judgement, source: Source, epsilon: str, preferred: str) -> Finding:
    """The finding of an unsafe log call; its fixes of the `preferred` kind come first."""
    message, related = _message(judgement, source)
    row = judgement.call.start_point[0]
    candidates = (
        bound_fix(judgement, source, epsilon) or clip_fix(judgement, source, epsilon),
        epsilon_fix(judgement, source, epsilon),
        stable_fix(judgement, source),
        noqa_fix(source, row, CODE),
    )
    fixes = sorted((fix for fix in candidates if fix is not None), key=lambda fix: fix.kind.value != preferred)
    return Finding(CODE, source.span(judgement.call), message, judgement.function, related, tuple(fixes))


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
    that reports them need not analyse the text again."""
    applied = 0
    for _ in range(MAX_FIX_PASSES):
        accepted: list[TextEdit] = []
        count = 0
        findings = analyze(text, settings, path=path, parser=parser)
        for finding in findings:
            fix = finding.default_fix
            if fix is None or not (finding.fixable or fix.kind.value == settings.fix):  # `--add-noqa` prefers noqa
                continue
            if any(_collide(edit, other) for edit in fix.edits for other in accepted):
                continue
            accepted.extend(fix.edits)
            count += 1
        if not count:
            return text, applied, findings
        text = apply_edits(text, accepted)
        applied += count
    return text, applied, analyze(text, settings, path=path, parser=parser)


def _collide(a: TextEdit, b: TextEdit) -> bool:
    """Whether two edits cannot both be applied in a well-defined way."""
    if a == b:
        return False  # the same import, added by two fixes
    (a_start, a_end), (b_start, b_end) = (a.span.start, a.span.end), (b.span.start, b.span.end)
    if a_start == a_end and b_start == b_end:
        return a_start == b_start  # two insertions at one point: their order would be arbitrary
    return a_start < b_end and b_start < a_end  # overlapping, or an insertion inside a replacement
