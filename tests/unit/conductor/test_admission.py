"""The conductor's admission: finishing work goes before starting work (ordering, not timing)."""
from __future__ import annotations

import threading
import time

import pytest

from magnum_like.conductor import admission


def _until(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for %s' % what)
        time.sleep(0.005)


@pytest.fixture
def gate():
    gate = admission.Admission(starts=2, finishers=2)
    yield gate
    gate.stop()


def _start_in_thread(gate, entered: threading.Event, leave: threading.Event) -> threading.Thread:
    def run():
        with gate.start():
            entered.set()
            leave.wait(10)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_start_waits_while_finishing_work_is_pending(gate):
    finishing, leave_finish = threading.Event(), threading.Event()
    gate.finish(lambda: (finishing.set(), leave_finish.wait(10)))
    _until(finishing.is_set, 'the finish to run')
    entered, leave = threading.Event(), threading.Event()
    thread = _start_in_thread(gate, entered, leave)
    _until(lambda: gate.waited == 1, 'the start to wait')
    assert not entered.is_set() and gate.finishing == 1  # held back by the finish alone
    leave_finish.set()
    _until(entered.is_set, 'the start to run after the finish')
    assert gate.finished == 1
    leave.set()
    thread.join(10)


def test_queued_finishing_work_holds_starts_back_too(gate):
    # Both finishing threads busy, a third finish queued behind them: still pending.
    leave = threading.Event()
    running = []
    for _ in range(3):
        gate.finish(lambda: (running.append(1), leave.wait(10)))
    _until(lambda: len(running) == 2, 'two finishes to run')
    entered, leave_start = threading.Event(), threading.Event()
    thread = _start_in_thread(gate, entered, leave_start)
    _until(lambda: gate.waited == 1, 'the start to wait')
    assert gate.finishing == 3 and not entered.is_set()
    leave.set()
    _until(entered.is_set, 'the start after all three finishes')
    assert gate.finished == 3 and len(running) == 3
    leave_start.set()
    thread.join(10)


def test_finishing_never_waits_for_starts(gate):
    leave = threading.Event()
    entered = [threading.Event() for _ in range(2)]
    threads = [_start_in_thread(gate, e, leave) for e in entered]
    for event in entered:
        _until(event.is_set, 'the starts to run')
    assert gate.starting == gate.limit  # every start slot taken
    done = threading.Event()
    gate.finish(done.set)
    _until(done.is_set, 'the finish while the starts still run')
    assert gate.starting == gate.limit
    leave.set()
    for thread in threads:
        thread.join(10)


def test_at_most_limit_starts_at_once(gate):
    leave = threading.Event()
    entered = [threading.Event() for _ in range(3)]
    threads = [_start_in_thread(gate, e, leave) for e in entered]
    _until(lambda: sum(e.is_set() for e in entered) == 2 and gate.waited == 1,
           'two starts in, one waiting')
    assert gate.starting == 2
    leave.set()
    _until(lambda: all(e.is_set() for e in entered), 'the third start')
    for thread in threads:
        thread.join(10)
    assert gate.starting == 0


def test_a_paused_finish_lets_starts_run(gate):
    paused, leave_pause = threading.Event(), threading.Event()

    def waits_on_another_conductor():
        with gate.paused():
            paused.set()
            leave_pause.wait(10)
    gate.finish(waits_on_another_conductor)
    _until(paused.is_set, 'the finish to pause')
    assert gate.finishing == 0
    entered, leave = threading.Event(), threading.Event()
    thread = _start_in_thread(gate, entered, leave)
    _until(entered.is_set, 'the start while the finish sleeps')
    leave.set()
    leave_pause.set()
    thread.join(10)
    _until(lambda: gate.finished == 1, 'the finish to end')
    assert gate.finishing == 0


def test_a_failing_finish_still_releases_the_starts(gate):
    def boom():
        raise RuntimeError('boom')
    gate.finish(boom)
    _until(lambda: gate.finished == 1, 'the finish')
    with gate.start():
        assert gate.starting == 1
