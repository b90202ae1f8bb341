"""Work-done progress (``$/progress``) for work that takes longer than a moment: fixing a whole
document on command, the first analysis of a big one. Only for clients that say they can show it
(``window.workDoneProgress``); for others, and when the client refuses a token, nothing is sent."""

from __future__ import annotations

import uuid

from lsprotocol import types
from nanguard.lsp.client import Client
from pygls.lsp.server import LanguageServer


class WorkDone:
    """One progress shown by the client, or nothing."""

    def __init__(self, server: LanguageServer, token: str | None):
        self.server = server
        self.token = token

    def end(self) -> None:
        if self.token is not None:
            self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd())
            self.token = None


async def work_done(client: Client, title: str) -> WorkDone:
    """Begin a progress titled `title` on `client`; end it with `end`."""
    server = client.server
    if not client.capability("window", "work_done_progress"):
        return WorkDone(server, None)
    token = f"nanguard-{uuid.uuid4()}"
    try:
        await server.work_done_progress.create_async(token)
    except Exception as error:  # the client refused: work on without progress
        client.log(f"nanguard: window/workDoneProgress/create failed: {error!r}", types.MessageType.Warning)
        return WorkDone(server, None)
    server.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=False))
    return WorkDone(server, token)
