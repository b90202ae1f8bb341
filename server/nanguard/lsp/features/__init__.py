"""The LSP methods, one module per method or group of closely related methods. Each module lists
its handlers in `FEATURES`; a handler takes the `Session` and the request's params, and is a few
lines that call the session. `nanguard.lsp.server` registers them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Feature:
    method: str
    handler: Callable[..., Any]
    """Called as ``handler(session, params)``; a coroutine function when it awaits."""
    options: Any = None
    """The method's registration options, advertised in the server's capabilities."""
