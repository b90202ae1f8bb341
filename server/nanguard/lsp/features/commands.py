"""workspace/executeCommand: fix a whole document, and show a rule's page.

For clients without code-action kinds (or a key bound to a command rather than to
``source.fixAll``), as ruff offers ``ruff.applyAutofix``:

- ``nanguard.applyAutofix`` with ``[{"uri": ...}]`` (or ``["<uri>"]``) applies every default fix
  of the document (of its whole notebook, for a cell) through ``workspace/applyEdit``, and
  returns how many it applied;
- ``nanguard.showRule`` with ``["NG001"]`` returns the rule's page as Markdown
  (``{"code", "name", "url", "markdown"}``), what ``nanguard rule NG001`` prints.

Fixing reports work-done progress when the client supports ``window.workDoneProgress``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from lsprotocol import types
from nanguard.lsp.convert import workspace_edit
from nanguard.lsp.progress import work_done
from nanguard.lsp.session import Session
from nanguard.rules import RULES
from pygls.exceptions import JsonRpcInvalidParams

APPLY_AUTOFIX = "nanguard.applyAutofix"
SHOW_RULE = "nanguard.showRule"


class CommandError(JsonRpcInvalidParams):
    """Bad arguments: answered as an invalid-params error with this message."""


async def show_rule(session: Session, *arguments: Any) -> dict[str, str]:
    code = str(arguments[0]).upper() if arguments else ""
    rule = RULES.get(code)
    if rule is None:
        raise CommandError(f"{SHOW_RULE} takes a rule code ({', '.join(RULES)}), not {list(arguments)!r}")
    return {"code": rule.code, "name": rule.name, "url": rule.url, "markdown": rule.explanation()}


def _uri(arguments: Sequence[Any]) -> str:
    first = arguments[0] if arguments else None
    uri = first.get("uri") if isinstance(first, dict) else first
    if not isinstance(uri, str):
        raise CommandError(f'{APPLY_AUTOFIX} takes [{{"uri": "<document uri>"}}], not {list(arguments)!r}')
    return uri


async def apply_autofix(session: Session, *arguments: Any) -> dict[str, int]:
    uri = _uri(arguments)
    document = session.documents.get(uri)
    unit = session.units.of(uri)
    if document is None or unit is None:
        raise CommandError(f"{uri} is not open")
    if not document.python or not session.editor_settings(unit).enable:
        return {"applied": 0}
    progress = await work_done(session.client, "nanguard: fixing all")
    try:
        fixed = await session.fix_all(unit)
        if fixed is None:
            return {"applied": 0}
        edit = workspace_edit(fixed.edits, versioned=session.client.versioned_edits)
        answer = await session.server.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"nanguard: fix {fixed.count}")
        )
        return {"applied": fixed.count if answer.applied else 0}
    finally:
        progress.end()


COMMANDS: dict[str, Callable[..., Awaitable[Any]]] = {APPLY_AUTOFIX: apply_autofix, SHOW_RULE: show_rule}
"""Each awaited as ``handler(session, *arguments)``; pygls answers workspace/executeCommand with
them and lists their names in the server's capabilities."""


def bound(handler: Callable[..., Awaitable[Any]], session: Session) -> Callable[..., Awaitable[Any]]:
    """`handler` with the session bound, in the shape pygls calls: arguments only, unconverted."""

    async def run(*arguments: Any) -> Any:
        return await handler(session, *arguments)

    return run
