"""A one-line progress bar on stderr, for long runs on a terminal only.

It redraws at most ten times a second and erases itself at the end, so the terminal shows
the same thing as a run without it; output that is piped or captured never contains it.
"""

from __future__ import annotations

import time
from typing import TextIO

REDRAW_INTERVAL = 0.1


class ProgressBar:
    def __init__(self, total: int, stream: TextIO, *, enabled: bool):
        self.total = total
        self.stream = stream
        self.enabled = enabled and total > 0
        self.done = 0
        self._drawn_at = 0.0
        self._visible = False

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn_at >= REDRAW_INTERVAL or self.done == self.total:
            self._drawn_at = now
            self._draw()

    def _draw(self) -> None:
        import shutil  # here: a run with no progress bar (most) never needs it

        label = f" {self.done}/{self.total} files"
        width = max(10, min(50, shutil.get_terminal_size((80, 24)).columns - len(label) - 3))
        filled = width * self.done // self.total
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}]{label}")
        self.stream.flush()
        self._visible = True

    def close(self) -> None:
        if self._visible:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._visible = False
