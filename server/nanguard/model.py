"""Plain data the engine produces and every shell (CLI, language server) renders.

Positions are 0-based; columns count Unicode code points of the decoded line, so
they match Python string indexing. Shells convert to what they need (1-based for
humans, UTF-16 for most LSP clients).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True, slots=True, order=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Span:
    start: Position
    end: Position


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace the text in `span` with `new_text` (an insertion when the span is empty)."""

    span: Span
    new_text: str


class FixKind(str, Enum):
    CLIP = "clip"
    EPSILON = "epsilon"
    STABLE = "stable"
    NOQA = "noqa"
    UNUSED_NOQA = "unused-noqa"


@dataclass(frozen=True, slots=True)
class Fix:
    kind: FixKind
    title: str
    edits: tuple[TextEdit, ...]


@dataclass(frozen=True, slots=True)
class Related:
    """A place that explains a finding, such as the softmax whose output reaches the log."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    span: Span
    message: str
    function: str
    """Canonical name of the log that is called, e.g. ``torch.log`` or ``torch.Tensor.log``."""
    related: tuple[Related, ...] = ()
    fixes: tuple[Fix, ...] = field(default=())
    """Fixes in order of preference: ``fixes[0]`` is what ``--fix`` and fix-all apply."""
    _hash: int = field(init=False, repr=False, compare=False, default=0)
    """Computed once: findings are cache keys, hashed on every edit, and deep to hash."""

    def __post_init__(self) -> None:
        fields = (self.code, self.span, self.message, self.function, self.related, self.fixes)
        object.__setattr__(self, "_hash", hash(fields))

    def __hash__(self) -> int:
        return self._hash

    @property
    def default_fix(self) -> Fix | None:
        return self.fixes[0] if self.fixes else None

    @property
    def fixable(self) -> bool:
        """What `--fix` and fix-all change: a default fix that is more than a `# noqa` comment."""
        fix = self.default_fix
        return fix is not None and fix.kind is not FixKind.NOQA
