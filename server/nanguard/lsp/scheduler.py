"""Where analyses run: one worker thread, fed in order, a per-document debounce in front of it,
and the garbage collector run when they are done.

One thread because jedi is not thread-safe and a tree-sitter parser serves one thread; off the
event loop so that hovers and code actions answer while an analysis runs. The thread is a daemon:
an analysis in progress never holds up the server's exit.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import queue
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)


class Worker:
    """Runs submitted functions one at a time on a single thread, results as asyncio futures."""

    def __init__(self, name: str = "nanguard-analysis"):
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], asyncio.AbstractEventLoop, asyncio.Future[Any]]]
        self._jobs = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], T]) -> asyncio.Future[T]:
        """Queue `job`; cancelling the returned future before the job starts skips it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((job, loop, future))
        return future

    def _run(self) -> None:
        while self._run_one(*self._jobs.get()):
            pass

    @staticmethod
    def _run_one(job: Callable[[], Any], loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any]) -> bool:
        """Run one job and hand its outcome to the loop; False once the loop is closed. A function
        of its own so that nothing of the job (a document's text, its findings) outlives it while
        the thread waits for the next one: memory is given back when a document closes."""
        if future.cancelled():
            return True
        try:
            result = job()
        except BaseException as error:  # handed to the awaiting coroutine, which reports it
            outcome: Callable[[], None] = lambda future=future, error=error: _settle(future, error=error)
        else:
            outcome = lambda future=future, result=result: _settle(future, result=result)
        try:
            loop.call_soon_threadsafe(outcome)
        except RuntimeError:  # the loop is closed: the server is exiting
            return False
        return True


def _settle(future: asyncio.Future[Any], *, result: Any = None, error: BaseException | None = None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


IDLE_COLLECT_SECONDS = 1.0
"""How long the analyses stay done before the garbage collector runs."""
COLLECT_ANYWAY_OBJECTS = 1_000_000
"""Objects allocated since the last collection past which one runs without waiting for a pause."""


class IdleCollector:
    """Runs the garbage collector once the analyses have been done for `delay` seconds, instead
    of at whatever allocation crosses its threshold: mid-keystroke, a full collection over a
    heap holding jedi's trees took 20 to 110 ms, against a keystroke budget of 15.

    Turns automatic collection off for the process. Little waits for it: an analysis is freed
    by reference counting alone (tests/test_memory.py), so what is left is jedi's cycles and the
    protocol's, collected at the next pause in typing."""

    def __init__(self, idle: Callable[[], bool], delay: float = IDLE_COLLECT_SECONDS) -> None:
        self._idle = idle
        self._delay = delay
        self._timer: asyncio.TimerHandle | None = None
        gc.disable()

    def rearm(self) -> None:
        """The analyses are done for now: collect after `delay` seconds more of that."""
        if self._timer is not None:
            self._timer.cancel()
        if gc.get_count()[0] > COLLECT_ANYWAY_OBJECTS:
            gc.collect()
        self._timer = asyncio.get_running_loop().call_later(self._delay, self._collect)

    def _collect(self) -> None:
        self._timer = None
        if self._idle():
            gc.collect()


class Debouncer:
    """Runs a coroutine per key once the key has been quiet for a while.

    Calling again for a key cancels what is pending for it, whether still waiting or already
    awaiting the worker: a newer version of a document supersedes the analysis of an older one.
    `settled` is called whenever the last pending coroutine ends.
    """

    def __init__(self, settled: Callable[[], None] = lambda: None) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._settled = settled

    def call(self, key: str, delay: float, action: Callable[[], Awaitable[None]]) -> None:
        self.cancel(key)
        self._tasks[key] = task = asyncio.get_running_loop().create_task(self._later(delay, action))
        task.add_done_callback(lambda done, key=key: self._forget(key, done))

    def cancel(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()

    def pending(self, key: str) -> bool:
        return key in self._tasks

    @property
    def idle(self) -> bool:
        return not self._tasks

    @staticmethod
    async def _later(delay: float, action: Callable[[], Awaitable[None]]) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        await action()

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
            if not self._tasks:
                self._settled()
        if not task.cancelled() and task.exception() is not None:
            logger.error("analysis task failed", exc_info=task.exception())
