"""Noticing that the editor is gone: LSP clients pass their process id so that a server they
could not stop (a crash, a kill -9) does not linger."""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections.abc import Callable

CHECK_INTERVAL_SECONDS = 1.0


def process_alive(pid: int) -> bool:
    if os.name == "nt":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, it is just not ours
        return True
    return True


def _windows_process_alive(pid: int) -> bool:
    query_limited_information, still_active = 0x1000, 259
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def watch_process(pid: int, on_exit: Callable[[], None], interval: float = CHECK_INTERVAL_SECONDS) -> None:
    """Call `on_exit` (from a daemon thread) once process `pid` has ended."""

    def watch() -> None:
        while process_alive(pid):
            time.sleep(interval)
        on_exit()

    threading.Thread(target=watch, name="nanguard-parent-watch", daemon=True).start()
