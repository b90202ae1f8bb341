"""textDocument/codeAction: a quick fix per fix of each diagnostic, and fix-all.

The same code serves text documents and notebook cells: a cell's quick fix may edit other cells
(an import goes where the imports are), and fix-all fixes the whole unit, whichever cell asks.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from nanguard.lsp.convert import (
    FIX_ALL_KIND,
    PLAIN_FIX_ALL_KIND,
    SOURCE,
    fix_all_action,
    fixes_from_data,
    quick_fixes,
    range_data,
)
from nanguard.lsp.documents import Document
from nanguard.lsp.features import Feature
from nanguard.lsp.session import Session
from nanguard.lsp.units import NOTEBOOK_FIX_ALL_KIND, Unit


async def code_action(session: Session, params: types.CodeActionParams) -> list[types.CodeAction]:
    document = session.documents.get(params.text_document.uri)
    unit = session.units.of(params.text_document.uri)
    if document is None or unit is None or not document.python or not session.editor_settings(unit).enable:
        return []
    only = None if params.context.only is None else [str(getattr(kind, "value", kind)) for kind in params.context.only]
    actions = []
    if _wants(only, types.CodeActionKind.QuickFix.value):
        actions += _quick_fixes(session, document, params.context.diagnostics)
    kinds = _fix_all_kinds(only, params.context.trigger_kind, unit)
    if kinds:
        actions += await _fix_all(session, unit, kinds)
    return actions


def _wants(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a request limited to `only` kinds admits `kind` (kinds are dot-separated hierarchies)."""
    return only is None or any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def _fix_all_kinds(only: Sequence[str] | None, trigger: types.CodeActionTriggerKind | None, unit: Unit) -> list[str]:
    """The fix-all kinds to offer: ours when nothing is asked for (but not as a lightbulb), else
    those asked for; a unit's own kind (a notebook's, on save) only when asked for."""
    if only is None:
        return [FIX_ALL_KIND] if trigger != types.CodeActionTriggerKind.Automatic else []
    kinds = sorted({PLAIN_FIX_ALL_KIND if kind == PLAIN_FIX_ALL_KIND else FIX_ALL_KIND for kind in only if _wants([kind], FIX_ALL_KIND)})
    if unit.fix_all_kind is not None and _wants(only, unit.fix_all_kind):
        kinds.append(unit.fix_all_kind)
    return kinds


def _quick_fixes(session: Session, document: Document, diagnostics: Sequence[types.Diagnostic]) -> list[types.CodeAction]:
    actions = []
    for shown in diagnostics:
        if shown.source != SOURCE:
            continue
        fixes = fixes_from_data(shown.data if shown.data is not None else _stored_data(session, document, shown), document.uri, document.version)
        fresh = [fix for fix in fixes or [] if all(session.is_fresh(edit.uri, edit.version) for edit in fix.edits)]
        actions += quick_fixes(shown, fresh, versioned=session.client.versioned_edits)
    return actions


def _stored_data(session: Session, document: Document, shown: types.Diagnostic) -> object:
    """For a client that does not send `data` back: the data of the diagnostic it shows, found
    by its range and code among those the server made for the document's current text."""
    result = session.fresh_result(document)
    wanted = range_data(shown.range)
    matching = (known for known in result.diagnostics if known["range"] == wanted and known["code"] == shown.code) if result else ()
    return next((known["data"] for known in matching), None)


async def _fix_all(session: Session, unit: Unit, kinds: list[str]) -> list[types.CodeAction]:
    fixed = await session.fix_all(unit)
    if fixed is None:
        return []
    noun = "problem" if fixed.count == 1 else "problems"
    title = f"nanguard: fix {fixed.count} {noun}{unit.fix_all_where}"
    return [fix_all_action(kind, title, fixed.edits, versioned=session.client.versioned_edits) for kind in kinds]


FEATURES = (
    Feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        code_action,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, PLAIN_FIX_ALL_KIND, FIX_ALL_KIND, NOTEBOOK_FIX_ALL_KIND],
            resolve_provider=False,
        ),
    ),
)
