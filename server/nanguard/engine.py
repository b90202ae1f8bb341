"""The engine's entry points: text in, findings (with their fixes) out.

``analyze`` is what the command line and the language server call. It costs nothing for files
that never mention a log, runs tree-sitter queries (in C) to find candidate calls, and
interprets only the scopes that hold one.
"""

from __future__ import annotations

import re
from pathlib import Path

from tree_sitter import Parser, Tree

from nanguard.edits import apply_edits
from nanguard.fixes import clip_fix, epsilon_fix, format_epsilon, noqa_fix, stable_fix, suppressed
from nanguard.flow import Candidate, Judgement, ModuleAnalysis
from nanguard.model import Finding, Fix, FixKind, Related, TextEdit
from nanguard.prefilter import MAYBE_LOG, call_sites
from nanguard.settings import Settings
from nanguard.source import Source
from nanguard.values import CAUSE_DESCRIPTIONS

CODE = "NG001"
MAX_FIX_PASSES = 8

def find_candidates(source: Source, sites: list[tuple[int, int]]) -> list[Candidate]:
    """The call nodes at the call `sites`, skipping sites inside strings and comments."""
    root = source.tree.root_node
    candidates = []
    for start, end in sites:
        name = root.descendant_for_byte_range(start, end)
        if name is None or name.type != "identifier":
            continue
        callee = name
        parent = name.parent
        if parent is not None and parent.type == "attribute" and parent.child_by_field_name("attribute") == name:
            callee, parent = parent, parent.parent
        if parent is not None and parent.type == "call" and parent.child_by_field_name("function") == callee:
            candidates.append(Candidate(parent, callee))
    return candidates


def analyze(
    text: str,
    settings: Settings = Settings(),
    *,
    path: Path | None = None,
    tree: Tree | None = None,
    parser: Parser | None = None,
) -> list[Finding]:
    """Findings for `text`, sorted by position. Never raises for any input text.

    `tree` may be a tree-sitter parse of ``source.encode(text)`` kept up to date by the caller
    (the language server reparses incrementally); `path` lets jedi resolve the user's modules.
    """
    if not settings.enabled(CODE) or not MAYBE_LOG.search(text):
        return []
    source = Source(text, tree, parser)
    sites = call_sites(source.data, screen=tree is None)
    if not sites:
        return []  # mentions a log but calls none: no parse needed
    candidates = find_candidates(source, sites)
    if not candidates:
        return []
    analysis = ModuleAnalysis(source, candidates, settings.frameworks)
    analysis.run()
    if settings.jedi and analysis.unresolved:
        from nanguard.jedi_resolver import resolve_unresolved

        resolve_unresolved(analysis, path, settings)
    judgements = analysis.judgements.values()
    epsilon = format_epsilon(settings.epsilon)
    findings = [
        _finding(judgement, source, epsilon)
        for judgement in judgements
        if not judgement.value.positive and not suppressed(source, judgement.call.start_point[0], CODE)
    ]
    findings.sort(key=lambda f: (f.span.start, f.span.end))
    return findings


def _excerpt(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(judgement: Judgement, source: Source) -> tuple[str, tuple[Related, ...]]:
    call = _excerpt(source.node_text(judgement.call))
    argument = _excerpt(source.node_text(judgement.argument))
    cause = judgement.value.cause
    if cause is None:
        return f"`{call}`: `{argument}` is not bounded away from zero; log(0) gives -inf and NaN gradients", ()
    what, why = CAUSE_DESCRIPTIONS[cause.kind]
    if cause.span == source.span(judgement.argument):
        return f"`{call}`: the argument is {what}; {why}, giving -inf and NaN gradients", ()
    line = cause.span.start.line + 1
    related = Related(cause.span, f"`{argument}` is {what} here")
    return f"`{call}`: `{argument}` is {what} (line {line}); {why}, giving -inf and NaN gradients", (related,)


def _finding(judgement: Judgement, source: Source, epsilon: str) -> Finding:
    message, related = _message(judgement, source)
    row = judgement.call.start_point[0]
    candidates = (
        clip_fix(judgement, source, epsilon),
        epsilon_fix(judgement, source, epsilon),
        stable_fix(judgement, source),
        noqa_fix(source, row, CODE),
    )
    fixes: tuple[Fix, ...] = tuple(fix for fix in candidates if fix is not None)
    return Finding(CODE, source.span(judgement.call), message, judgement.function, related, fixes)


def fix_all(text: str, settings: Settings = Settings(), *, path: Path | None = None) -> tuple[str, int]:
    """`text` with the default fix of every finding applied, and how many were applied.

    Fixes whose edits collide wait for the next pass (clips of nested logs are insertions at
    different points, so they all go in at once); passes repeat until nothing is left to fix,
    so the result is stable: fixing it again changes nothing.
    """
    applied = 0
    for _ in range(MAX_FIX_PASSES):
        accepted: list[TextEdit] = []
        count = 0
        for finding in analyze(text, settings, path=path):
            fix = finding.default_fix
            if fix is None or fix.kind is FixKind.NOQA:
                continue
            if any(_collide(edit, other) for edit in fix.edits for other in accepted):
                continue
            accepted.extend(fix.edits)
            count += 1
        if not count:
            break
        text = apply_edits(text, accepted)
        applied += count
    return text, applied


def _collide(a: TextEdit, b: TextEdit) -> bool:
    """Whether two edits cannot both be applied in a well-defined way."""
    if a == b:
        return False  # the same import, added by two fixes
    (a_start, a_end), (b_start, b_end) = (a.span.start, a.span.end), (b.span.start, b.span.end)
    if a_start == a_end and b_start == b_end:
        return a_start == b_start  # two insertions at one point: their order would be arbitrary
    return a_start < b_end and b_start < a_end  # overlapping, or an insertion inside a replacement
