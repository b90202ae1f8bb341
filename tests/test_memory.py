"""An analysis is freed by reference counting alone, the moment nothing uses it.

Its trees are tree-sitter's native memory, which the garbage collector does not weigh: an
analysis caught in a reference cycle waits for a full collection, which a server may not run
for a long time. With 50 real files open that was 40 MB of a 135 MB server.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nanguard.dependencies import Resolution
from nanguard.engine import AnalysisCache, analyze, fix_all

EXAMPLE = (Path(__file__).resolve().parent.parent / "examples" / "torch_classifier.py").read_text(encoding="utf-8")
"""A bundled example with findings and fixes, its helper functions called from the module."""


@contextmanager
def collector_off() -> Iterator[None]:
    """The collector stopped, after one analysis has imported what the first one imports
    (making classes, which are cyclic by nature)."""
    fix_all(EXAMPLE)
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def cyclic_garbage() -> int:
    """How many unreachable objects only the collector could free."""
    return gc.collect()


def test_an_analysis_leaves_no_cycles(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    with collector_off():
        found = analyze(EXAMPLE, path=path)
        assert found, "the module has findings, so the rules' observers ran"
        assert cyclic_garbage() == 0


def test_an_incremental_analysis_leaves_no_cycles(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    cache = AnalysisCache()
    analyze(EXAMPLE, path=path, cache=cache)
    edited = EXAMPLE.replace("\n\n", "\n\n\n", 1)
    with collector_off():
        for text in (edited, EXAMPLE):
            assert analyze(text, path=path, cache=cache, resolution=Resolution(defer=True))
        assert cyclic_garbage() == 0


def test_fixing_leaves_no_cycles(tmp_path: Path) -> None:
    with collector_off():
        fixed, count = fix_all(EXAMPLE, path=tmp_path / "train.py")
        assert count and fixed != EXAMPLE
        assert cyclic_garbage() == 0


class _Cyclic:
    """An object only the collector can free: it refers to itself."""

    def __init__(self) -> None:
        self.itself = self


def test_the_server_collects_garbage_in_a_pause_not_during_analyses() -> None:
    """`IdleCollector` (the server's): automatic collection off, a collection once the analyses
    have been done for its delay; none while one is pending."""
    from nanguard.lsp.scheduler import IdleCollector

    async def scenario() -> None:
        analysing = True
        collector = IdleCollector(idle=lambda: not analysing, delay=0.05)
        assert not gc.isenabled()
        garbage = weakref.ref(_Cyclic())
        collector.rearm()
        await asyncio.sleep(0.15)
        assert garbage() is not None, "an analysis was pending: no collection"
        analysing = False
        collector.rearm()
        await asyncio.sleep(0.15)
        assert garbage() is None

    try:
        asyncio.run(scenario())
    finally:
        gc.enable()
