"""`nanguard check --watch`: wait, without a busy loop, until a watched file changes.

Polling modification times with the standard library works the same on every platform and
filesystem (network mounts and containers included, where change notifications often do not
arrive). Each poll looks for the files again, so new files count; it waits twice a second, or
four times as long as looking took, whichever is longer, so a big tree costs at most a fifth of
one core while waiting.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

POLL_SECONDS = 0.5
IDLE_PER_BUSY = 4

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


def wait_for_change(
    watched: Callable[[], Iterable[Path]],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Return once a file of `watched()` changes, appears or goes away."""

    def look() -> tuple[Stamps, float]:
        started = clock()
        return stamps(watched()), clock() - started

    before, took = look()
    while True:
        sleep(max(POLL_SECONDS, IDLE_PER_BUSY * took))
        now, took = look()
        if now != before:
            return
