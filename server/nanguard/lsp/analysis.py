"""The jobs the analysis worker runs: one document version in, LSP-ready results out.

Everything here runs on the worker thread (see `scheduler`), which owns the parser; results are
converted to the client's position encoding here too, against the very text they describe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from lsprotocol import types
from tree_sitter import Tree
from nanguard import engine
from nanguard.lsp.config import EditorSettings, Resolved, resolve
from nanguard.lsp.convert import PositionEncoder, diagnostic, diagnostic_json, text_edits
from nanguard.lsp.documents import Document
from nanguard.lsp.textdiff import minimal_edits
from nanguard.model import Finding
from nanguard.source import new_parser


@dataclass(frozen=True, slots=True)
class Analysis:
    """The results for one version of a document."""

    version: int
    findings: tuple[Finding, ...]
    """Empty when the analysis failed: positions of older findings would not fit this version."""
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    """In their JSON form, as they are sent."""
    problem: str | None = None
    """Why the nearest pyproject.toml could not be used."""


@dataclass(frozen=True, slots=True)
class FixAll:
    edits: list[types.TextEdit]
    count: int


DiagnosticKey = tuple[Finding, types.DiagnosticSeverity, tuple[tuple[int, str], ...]]


@dataclass(slots=True)
class _Memory:
    """What one open document's previous analysis leaves for its next."""

    findings: engine.AnalysisCache = field(default_factory=engine.AnalysisCache)
    """Findings of its unchanged functions."""
    diagnostics: dict[DiagnosticKey, dict[str, Any]] = field(default_factory=dict)
    """The JSON form of its findings' diagnostics: most survive an edit unchanged."""


class Analyzer:
    """Owns the worker's parser; its methods run on the worker thread only."""

    def __init__(self) -> None:
        self._parser = new_parser()
        self._memories: WeakKeyDictionary[Document, _Memory] = WeakKeyDictionary()

    def analyse(self, document: Document, version: int, editor: EditorSettings, folder: Path | None) -> Analysis | None:
        """Findings and diagnostics for `version`; None when the document has moved past it."""
        prepared = self._prepare(document, version, editor, folder)
        if prepared is None:
            return None
        text, trees, resolved = prepared
        if resolved.excluded:
            return Analysis(version, (), [], resolved.problem)
        memory = self._memories.setdefault(document, _Memory())
        findings = engine.analyze(text, resolved.settings, path=document.path, trees=trees, cache=memory.findings)
        encoder = PositionEncoder(text, document.encoding)
        known, memory.diagnostics = memory.diagnostics, {}
        diagnostics = []
        for finding in findings:
            key = (finding, editor.severity, encoder.dependencies(finding))
            if key in known:  # the same but for the version its fixes are for
                shown = {**known[key], "data": {**known[key]["data"], "version": version}}
            else:
                shown = diagnostic_json(diagnostic(finding, encoder, uri=document.uri, version=version, severity=editor.severity))
            memory.diagnostics[key] = shown
            diagnostics.append(shown)
        return Analysis(version, tuple(findings), diagnostics, resolved.problem)

    def fix_all(self, document: Document, version: int, editor: EditorSettings, folder: Path | None) -> FixAll | None:
        """Minimal edits applying every finding's default fix; None when the document moved on."""
        prepared = self._prepare(document, version, editor, folder)
        if prepared is None:
            return None
        text, _, resolved = prepared
        if resolved.excluded:
            return FixAll([], 0)
        fixed, count = engine.fix_all(text, resolved.settings, path=document.path, parser=self._parser)
        return FixAll(text_edits(minimal_edits(text, fixed), PositionEncoder(text, document.encoding)), count)

    def _prepare(
        self, document: Document, version: int, editor: EditorSettings, folder: Path | None
    ) -> tuple[str, list[Tree], Resolved] | None:
        """Text, trees and settings of `version`; None when the document has moved past it."""
        parsed = document.parse(version, self._parser)
        if parsed is None:
            return None
        text, trees = parsed
        return text, trees, resolve(editor, document.path, folder)
