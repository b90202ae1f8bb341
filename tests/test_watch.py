"""--watch's wait: it returns on a change, and sleeps between looks in proportion to their cost."""

from __future__ import annotations

from pathlib import Path

from engine_helpers import write

from nanguard.watch import IDLE_PER_BUSY, POLL_SECONDS, wait_for_change


def test_it_returns_once_a_file_changes_or_appears_and_sleeps_between_looks(tmp_path: Path) -> None:
    first = write(tmp_path / "a.py", "x = 1\n")
    files = [first]
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 3:
            files.append(write(tmp_path / "b.py", "y = 2\n"))

    wait_for_change(lambda: list(files), sleep=sleep)
    assert naps == [POLL_SECONDS] * 3


def test_a_slow_look_makes_a_longer_nap(tmp_path: Path) -> None:
    path = write(tmp_path / "a.py", "x = 1\n")
    ticks = iter(range(0, 1000, 1))  # each clock reading one second later: each look takes 1 s
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        write(path, "x = 2  # longer\n")

    wait_for_change(lambda: [path], sleep=sleep, clock=lambda: float(next(ticks)))
    assert naps == [IDLE_PER_BUSY * 1.0]
