"""One thread drives every stack: a run queue plus a timer heap.

Steps run under the store lock in small batches, so API requests interleave
with a large stack's progress instead of waiting for all of it.  Zero-delay
steps skip the heap entirely, which keeps a 1000-member group linear and cheap.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import logging
import threading
import time
from typing import Any, Callable

LOG = logging.getLogger(__name__)

_BATCH = 256


class Scheduler:
    """Run callables soon or after a delay on a single worker thread."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._cond = threading.Condition()
        self._ready: collections.deque[tuple[Callable[..., Any], tuple[Any, ...]]] = \
            collections.deque()
        self._timers: list[tuple[float, int, Callable[..., Any], tuple[Any, ...]]] = []
        self._seq = itertools.count()
        self._running = False
        self._thread: threading.Thread | None = None
        self.steps = 0

    def call_soon(self, func: Callable[..., Any], *args: Any) -> None:
        """Run ``func(*args)`` as soon as possible."""
        with self._cond:
            self._ready.append((func, args))
            self._cond.notify()

    def call_later(self, delay: float, func: Callable[..., Any], *args: Any) -> None:
        """Run ``func(*args)`` after ``delay`` seconds (immediately if <= 0)."""
        if delay <= 0:
            self.call_soon(func, *args)
            return
        with self._cond:
            heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), func, args))
            self._cond.notify()

    def start(self) -> None:
        """Start the worker thread."""
        self._running = True
        self._thread = threading.Thread(target=self._run, name="cloudsim-heat-engine",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the worker thread (pending steps are dropped)."""
        with self._cond:
            self._running = False
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def idle(self) -> bool:
        """Whether nothing is queued to run now (timers may be pending)."""
        with self._cond:
            return not self._ready

    def _take_batch(self) -> list[tuple[Callable[..., Any], tuple[Any, ...]]]:
        with self._cond:
            while self._running:
                now = time.monotonic()
                while self._timers and self._timers[0][0] <= now:
                    _, _, func, args = heapq.heappop(self._timers)
                    self._ready.append((func, args))
                if self._ready:
                    count = min(_BATCH, len(self._ready))
                    return [self._ready.popleft() for _ in range(count)]
                timeout = (self._timers[0][0] - now) if self._timers else None
                self._cond.wait(timeout)
            return []

    def _run(self) -> None:
        while self._running:
            batch = self._take_batch()
            if not batch:
                continue
            with self._lock:
                for func, args in batch:
                    self.steps += 1
                    try:
                        func(*args)
                    except Exception:  # noqa: BLE001 - the engine must never die
                        LOG.exception("cloudsim engine step %s failed", func)
