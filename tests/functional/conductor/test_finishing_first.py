"""Finishing never waits behind starting, and tracking costs one stack list per pass.

In process (SQLite, ``fake:/`` RPC, the simulator over HTTP). The simulator's
Heat API is wrapped to hold chosen stack creates until the test lets them go
(so a conductor's start slots stay taken for as long as the test needs) and
to count the requests it serves: the counts are Heat's, not the conductor's.
"""
from __future__ import annotations

import datetime
import json
import re
import threading
import time

from magnum_like.conductor import states
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF
_LIST = re.compile(r'^/v1/[^/]+/stacks/?$')
_ONE = re.compile(r'^/v1/[^/]+/stacks/[^/]+(/[^/]+)?/?$')


class HeatTap:
    """Wraps the simulator's Heat API: holds creates of stacks named ``hold*``, counts calls."""

    def __init__(self, sim) -> None:
        self.release = threading.Event()
        self.held = 0
        self.lists: list[int] = []  # stacks in each list answer
        self.gets = 0
        self._lock = threading.Lock()
        inner = sim._services['orchestration']

        def tap(req, path):
            if req.method == 'POST' and _LIST.match(path):
                if json.loads(req.body or b'{}').get('stack_name', '').startswith('hold'):
                    with self._lock:
                        self.held += 1
                    self.release.wait(30)
            response = inner(req, path)
            if req.method == 'GET' and _LIST.match(path):
                with self._lock:
                    self.lists.append(len(json.loads(response.body)['stacks']))
            elif req.method == 'GET' and _ONE.match(path):
                with self._lock:
                    self.gets += 1
            return response
        sim._services['orchestration'] = tap


def _until(predicate, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('timed out waiting for %s' % what)


def _started(env, uuid: str) -> bool:
    cluster = env.cluster(uuid)
    return '_started' in (cluster.operation_args or {}) and not cluster.reservation


def test_a_stack_end_is_handled_while_every_start_slot_is_taken(conductor_env):
    env = conductor_env
    tap = HeatTap(env.sim)
    CONF.set_override('workers', 1, group='conductor')
    CONF.set_override('heat_notifications', True, group='conductor')
    try:
        service = env.start_conductor()
        gate = service.engine.admission
        # A: started, its stack working until the test lets it end.
        hang = env.sim.faults.add_hang('finisher*')
        first = env.create_intent(name='finisher')
        _until(lambda: _started(env, first), 'the first create to start')
        # B takes the one start slot (its stack create is held); C and D wait for one.
        blocker = env.create_intent(name='hold')
        _until(lambda: tap.held == 1, 'the held stack create')
        waiting = [env.create_intent(name='later-%d' % i) for i in range(2)]
        _until(lambda: gate.waited >= 2, 'two creates waiting for a start slot')
        assert gate.starting == 1
        # Their casts wait here: the reconcile pass leaves them alone past the grace
        # (a cast slower than the grace on a loaded machine may have been reconciled
        # before it arrived: only what happens from now on counts).
        reconciled = service.engine.stats['reconciled']
        grace = datetime.timedelta(seconds=CONF.conductor.reconcile_grace)
        def aged(uuid):
            cluster = env.cluster(uuid)
            return datetime.datetime.utcnow() - (cluster.updated_at or cluster.created_at) > grace
        _until(lambda: all(aged(u) for u in waiting), 'the waiting creates to pass the grace')
        passes = service.engine.sync_passes
        _until(lambda: service.engine.sync_passes >= passes + 2, 'two tracking passes')
        assert service.engine.stats['reconciled'] == reconciled
        # A's stack ends: its status is written while B still holds the slot.
        env.sim.faults.remove(hang)
        with env.sim.store.lock:
            env.sim.engine.resume()
        env.wait_status(first, states.CREATE_COMPLETE)
        assert gate.finished >= 1
        assert tap.held == 1 and gate.starting == 1
        assert not any(_started(env, uuid) for uuid in [blocker] + waiting)
        # Let B's create through: every accepted create still ends.
        tap.release.set()
        for uuid in [blocker] + waiting:
            env.wait_status(uuid, states.CREATE_COMPLETE)
    finally:
        tap.release.set()
        CONF.clear_override('workers', group='conductor')
        CONF.clear_override('heat_notifications', group='conductor')


def test_one_heat_list_per_pass_per_conductor_counted_at_heat(conductor_env):
    env = conductor_env
    tap = HeatTap(env.sim)
    services = [env.start_conductor('count-a'), env.start_conductor('count-b')]
    done = [env.create_intent() for _ in range(2)]
    for uuid in done:
        env.wait_status(uuid, states.CREATE_COMPLETE)
    env.sim.faults.add_hang('*')
    working = [env.create_intent() for _ in range(4)]
    _until(lambda: all(_started(env, uuid) for uuid in working), 'the creates to start')
    # A conductor lists only when its share of the ring holds a working cluster.
    listing = [s for s in services if any(s.engine.ring.owns(u) for u in working)]
    assert listing
    passes = [s.engine.sync_passes for s in listing]
    lists, gets = len(tap.lists), tap.gets
    _until(lambda: all(s.engine.sync_passes - p >= 4 for s, p in zip(listing, passes)),
           'four tracking passes of each conductor')
    passes = sum(s.engine.sync_passes - p for s, p in zip(listing, passes))
    answers = tap.lists[lists:]
    # one list per pass of each conductor (a pass may straddle the window's edges)
    assert passes - 2 <= len(answers) <= passes + 2, (passes, answers)
    assert tap.gets == gets  # no stack read one by one while nothing changes
    # only the working stacks are listed, not the complete clusters' ones
    assert answers and set(answers) == {len(working)}, answers
