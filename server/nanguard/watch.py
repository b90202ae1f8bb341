"""`nanguard check --watch`: wait, without a busy loop, until a watched file changes.

Polling modification times with the standard library works the same on every platform and
filesystem (network mounts and containers included, where change notifications often do not
arrive); twice a second is quick enough for a person and costs a few stat calls.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

POLL_SECONDS = 0.5

Stamps = dict[Path, tuple[int, int]]


def stamps(paths: Iterable[Path]) -> Stamps:
    """(modification time, size) of each file that exists."""
    found: Stamps = {}
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            continue
        found[path] = (status.st_mtime_ns, status.st_size)
    return found


def wait_for_change(watched: Callable[[], Iterable[Path]], sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once a file of `watched()` changes, appears or goes away; it is called again on
    every poll, so files created meanwhile count."""
    before = stamps(watched())
    while True:
        sleep(POLL_SECONDS)
        if stamps(watched()) != before:
            return
