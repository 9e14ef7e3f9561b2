"""Finishing before starting: which cluster work a conductor lets run.

Two kinds of work share one conductor process (and one interpreter lock):

* **starting** an operation (the RPC cast, or the reconcile pass): reserve the
  cluster, make its certificates, render and create its stack. Longer, and a
  burst may bring a thousand at once.
* **finishing** one (a Heat notification, or the tracking pass saw the stack
  end): write the status and the outputs. Short, and the cluster's owner waits
  for it.

Left alone, a burst of creates fills every thread and database connection, and
each finish waits in line behind them. :class:`Admission` keeps them apart:

* finishing work runs on its own pool (``[conductor] event_workers``);
* at most ``[conductor] workers`` operations start at once in this process;
  the others wait here, in the threads that delivered them, without CPU;
* no start begins while finishing work is queued or running, so finishing
  never waits behind starting. This cannot starve the starts: every finish
  follows a start, and waiting on another conductor (a retry's sleep) does not
  count as running (:meth:`Admission.paused`).

A start waiting here holds no reservation: if the process dies, the intent is
in the database and the reconcile pass starts it.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator

import futurist
from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class Admission:
    """The gate between starting and finishing work (see module docstring).

    :param starts: operations that may start at once.
    :param finishers: threads of the finishing pool.
    """

    def __init__(self, starts: int, finishers: int) -> None:
        self.limit = starts
        self._cond = threading.Condition()
        self._starting = 0
        self._finishing = 0
        self._pool = futurist.ThreadPoolExecutor(max_workers=finishers)
        #: Counters for tests and logs: starts that had to wait, finishes run.
        self.waited = 0
        self.finished = 0

    @property
    def finishing(self) -> int:
        """Finishing jobs queued or running (not paused)."""
        return self._finishing

    @property
    def starting(self) -> int:
        """Starts running now."""
        return self._starting

    @contextlib.contextmanager
    def start(self) -> Iterator[None]:
        """Hold a start slot for the ``with`` block; wait while finishing work is pending."""
        with self._cond:
            if self._finishing or self._starting >= self.limit:
                self.waited += 1
            self._cond.wait_for(lambda: not self._finishing and self._starting < self.limit)
            self._starting += 1
        try:
            yield
        finally:
            with self._cond:
                self._starting -= 1
                self._cond.notify_all()

    def finish(self, func: Callable[..., Any], *args: Any) -> None:
        """Run ``func(*args)`` on the finishing pool; starts wait until it is done."""
        with self._cond:
            self._finishing += 1

        def run() -> None:
            try:
                func(*args)
            except Exception:
                LOG.exception('Finishing work %s failed', getattr(func, '__name__', func))
            finally:
                self.finished += 1
                self._done()

        try:
            self._pool.submit(run)
        except Exception:
            self._done()  # shut down: nothing will run it
            raise

    def _done(self) -> None:
        with self._cond:
            self._finishing -= 1
            if not self._finishing:
                self._cond.notify_all()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Inside a finishing job: not counted as pending for the ``with`` block (a wait)."""
        with self._cond:
            self._finishing -= 1
            if not self._finishing:
                self._cond.notify_all()
        try:
            yield
        finally:
            with self._cond:
                self._finishing += 1

    def stop(self) -> None:
        """Stop taking finishing work; wait for what runs."""
        self._pool.shutdown(wait=True)
