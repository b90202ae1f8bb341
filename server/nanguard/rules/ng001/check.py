"""NG001's check of one file: screen the text for log calls, watch them while the interpreter
runs, settle the names it could not with jedi, and make a finding (with its fixes) of each call
whose argument the code shows can reach zero."""

from __future__ import annotations

from collections.abc import Iterator
from bisect import bisect_right
from pathlib import Path

from tree_sitter import Node

from nanguard.dependencies import Resolution, Stamp
from nanguard.fixes import format_epsilon, noqa_fix
from nanguard.flow import ModuleAnalysis, returned_by
from nanguard.model import Finding
from nanguard.rules.ng001 import RULE
from nanguard.rules.ng001.fixes import bound_fix, clip_fix, epsilon_fix, stable_fix
from nanguard.rules.ng001.judge import Judgement, LogObserver
from nanguard.engine import cause_reference
from nanguard.model import Related
from nanguard.rules.ng001.message import EXCERPT_BYTES, excerpt, message, reportable
from nanguard.rules.ng001.prefilter import MAYBE_LOG, call_sites
from nanguard.settings import Settings
from nanguard.source import Source


class LogCheck:
    """NG001 on one file."""

    def __init__(self, source: Source, settings: Settings, calls: list[Node]):
        self.source = source
        self.settings = settings
        self.watched = calls
        self.observer = LogObserver(settings.frameworks)
        self._settled: dict[int, frozenset[Stamp]] = {}

    def finish(self, analysis: ModuleAnalysis, path: Path | None, resolution: Resolution) -> None:
        if self.settings.jedi and self.observer.unresolved:
            from nanguard.jedi_resolver import resolve_unresolved

            self._settled = resolve_unresolved(self.observer, path, self.settings, resolution)

    def findings(self) -> list[tuple[int, Finding]]:
        epsilon = format_epsilon(self.settings.epsilon)
        own = [
            (judgement.call.start_byte, self._finding(judgement, epsilon))
            for judgement in self.observer.judgements.values()
            if reportable(judgement.value, self.settings.strict)
        ]
        return own + [
            (judgement.site.start_byte, self._relayed_finding(judgement))
            for judgement in self.observer.relayed.values()
            if judgement.site is not None and self._relayed(judgement)
        ]

    def _relayed(self, judgement: Judgement) -> bool:
        """Whether a log reached through a call is that call's finding: the log is what a thin
        wrapper returns (``return jnp.log(x)``), the call's argument shows it reaches zero, and
        the log is not a finding in its own function already."""
        own = self.observer.judgements.get(judgement.call.id)
        if own is not None and reportable(own.value, self.settings.strict):
            return False
        return judgement.value.evidence and not judgement.value.positive and returned_by(judgement.call)

    def _relayed_finding(self, judgement: Judgement) -> Finding:
        """The finding at the call of a wrapper whose log its argument reaches: the log's
        message, and the log as a related location; a fix belongs to the wrapper or the caller."""
        source, site = self.source, judgement.site
        assert site is not None
        text, related = message(judgement, source)
        where = source.span(judgement.call)
        log = Related(where, "the log is taken here")
        lead = f"`{excerpt(source.node_text(site, EXCERPT_BYTES))}` takes a log {cause_reference(where.start.line + 1)}"
        fixes = tuple(fix for fix in (noqa_fix(source, site.start_point[0], RULE.code),) if fix is not None)
        return Finding(RULE.code, source.span(site), f"{lead}: {text}", judgement.function, (log, *related), fixes)

    def unsettled(self) -> list[tuple[Node, frozenset[Stamp] | None]]:
        if not self.settings.jedi:
            return []  # nothing outside the file was asked
        return [(unresolved.call, self._settled.get(call)) for call, unresolved in self.observer.unresolved.items()]

    def _finding(self, judgement: Judgement, epsilon: str) -> Finding:
        """The finding of an unsafe log call; its fixes of the preferred kind come first."""
        source = self.source
        text, related = message(judgement, source)
        row = judgement.call.start_point[0]
        candidates = (
            bound_fix(judgement, source, epsilon) or clip_fix(judgement, source, epsilon),
            epsilon_fix(judgement, source, epsilon),
            stable_fix(judgement, source),
            noqa_fix(source, row, RULE.code),
        )
        preferred = self.settings.fix
        fixes = sorted((fix for fix in candidates if fix is not None), key=lambda fix: fix.kind.value != preferred)
        return Finding(RULE.code, source.span(judgement.call), text, judgement.function, related, tuple(fixes))


def check(source: Source, settings: Settings, screen: bool) -> LogCheck | None:
    """NG001's check of `source`; None for a file that calls no log, which then needs no parse."""
    if not MAYBE_LOG.search(source.data):
        return None
    sites = call_sites(source.data, screen=screen)
    if not sites:
        return None  # mentions a log but calls none
    calls = find_calls(source, sites)
    return LogCheck(source, settings, calls) if calls else None


def find_calls(source: Source, sites: list[tuple[int, int]]) -> list[Node]:
    """The call nodes at the call `sites`, skipping sites inside strings and comments.

    tree-sitter's ``parent`` walks down from the root on every call, so looking up each site
    and its parents on its own costs the nesting depth per site: quadratic in ``log(log(...))``
    nested thousands deep. One cursor moves from site to site instead, keeping the path."""
    calls = []
    for name, parent, grandparent in _sites_with_parents(source, sites):
        if name.type != "identifier":
            continue
        callee = name
        if parent is not None and parent.type == "attribute" and parent.child_by_field_name("attribute") == name:
            callee, parent = parent, grandparent
        if parent is not None and parent.type == "call" and parent.child_by_field_name("function") == callee:
            calls.append(parent)
    return calls


def _sites_with_parents(source: Source, sites: list[tuple[int, int]]) -> Iterator[tuple[Node, Node | None, Node | None]]:
    """For each of the sorted byte ranges `sites`: the smallest node spanning it, its parent and
    grandparent (None above the root). The cursor climbs only as far as the next site needs."""
    roots = [tree.root_node for tree in source.trees]
    starts = [root.start_byte for root in roots]
    current = -1
    cursor, path = None, []
    for start, end in sites:
        index = max(bisect_right(starts, start) - 1, 0)
        if index != current:
            current, cursor, path = index, roots[index].walk(), [roots[index]]
        while len(path) > 1 and not (path[-1].start_byte <= start and end <= path[-1].end_byte):
            cursor.goto_parent()
            path.pop()
        while cursor.goto_first_child_for_byte(start) is not None:
            child = cursor.node
            if not (child.start_byte <= start and end <= child.end_byte):
                cursor.goto_parent()
                break
            path.append(child)
        node = path[-1]
        yield node, path[-2] if len(path) > 1 else None, path[-3] if len(path) > 2 else None
