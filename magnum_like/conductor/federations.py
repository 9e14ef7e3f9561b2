"""Federations as conductor work (DESIGN §10): a Heat stack on the host cluster, tracked.

The API writes the intent on the federation row (``operation`` create,
update or delete; the pending ``join``/``leave`` in ``operation_args``; a
``deadline``) and casts ``process_federation``. :class:`FederationEngine`:

* :meth:`~FederationEngine.process` (the cast, or the reconcile pass): take
  the row's reservation (a live conductor holding it does the work) and let
  the operation's handler (``operations/federation.py``, found through the
  registry from ``states.OPERATIONS``) make its one Heat call, idempotently:
  what a conductor that died had already sent is found in Heat, not sent again.
  What is watched is then written in ``operation_args`` (``started``, UTC;
  ``stack``; ``project``: the host's). The stack itself is described in
  :mod:`~magnum_like.conductor.federation_stack`.
* :meth:`~FederationEngine.sync` (every tracking pass, on the same hash ring
  as clusters): reconcile intents whose cast was lost, fail those past their
  deadline, and read the started ones' stacks with **one** stack list per
  pass (the service tag, every project); a stack not listed costs one GET.
* :meth:`~FederationEngine.on_event`: Heat's notification for a federation
  stack ends its operation at once. One arriving while this process holds
  the federation (e.g. the ``update.start`` sent while the update call is
  being answered) waits for the release, then runs.

A reservation is held by one piece of work of this process at a time; the
database's reservation keeps other conductors out (a dead one's is taken
over), and every write under it is conditional on still holding it.
"""
from __future__ import annotations

import contextlib
import datetime
import threading
from typing import Any, Iterator

from heatclient import exc as heat_exc
from oslo_log import log as logging

from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.conductor import db_watch
from magnum_like.conductor import federation_stack as fstack
from magnum_like.conductor.operations import federation as fed_ops
from magnum_like.conductor import states
from magnum_like.conductor import task as task_mod
from magnum_like.db import api as db

LOG = logging.getLogger(__name__)

FEDERATION_TAG_PREFIX = fstack.FEDERATION_TAG_PREFIX
STARTED = fed_ops.STARTED
STACK = fed_ops.STACK
stack_name = fstack.stack_name
federation_tag = fstack.federation_tag


class LostReservation(Exception):
    """A write under the reservation found it held by someone else (or the row gone)."""


class FederationEngine:
    """The conductor's federation work (see module docstring).

    :param clusters: the ``ClusterEngine`` whose host name, ring and pools it shares.
    """

    def __init__(self, clusters: Any) -> None:
        self.clusters = clusters
        self._lock = threading.Lock()
        #: Federations a piece of work of this process holds.
        self._mine: set[str] = set()
        #: uuid -> the Heat notification waiting for this process to release it.
        self._parked: dict[str, dict] = {}

    @property
    def host(self) -> str:
        return self.clusters.host

    @contextlib.contextmanager
    def _held(self, uuid: str, *, park: dict | None = None) -> Iterator[Any | None]:
        """The federation row, reserved by this conductor (None: someone holds it).

        :param park: a notification to run once this process releases the
            federation, if another piece of its work holds it now.
        """
        with self._lock:
            if uuid in self._mine:
                if park is not None:
                    self._parked[uuid] = park
                busy = True
            else:
                self._mine.add(uuid)
                busy = False
        if busy:
            yield None
            return
        try:
            row = db.reserve_federation(uuid, self.host, self.clusters.ring.hosts)
            try:
                yield row
            except LostReservation as error:
                LOG.warning('Federation %s: %s; its new holder carries on', uuid, error)
            finally:
                if row is not None:
                    db.write_reserved_federation(uuid, self.host, {}, release=True)
        finally:
            with self._lock:
                self._mine.discard(uuid)
                parked = self._parked.pop(uuid, None)
            if parked is not None:
                self.clusters._events.submit(self._event, uuid, parked)

    def record(self, uuid: str, values: dict) -> None:
        """Write ``values`` on the federation this conductor holds.

        :raises LostReservation: it no longer holds it (nothing was written).
        """
        if not db.write_reserved_federation(uuid, self.host, values):
            raise LostReservation('federation %s is no longer held by %s' % (uuid, self.host))

    # -- RPC --------------------------------------------------------------------
    def process(self, context: Any, uuid: str) -> None:
        """Carry out the federation's recorded intent, if no live conductor holds it."""
        try:
            with self._held(uuid) as fed:
                if fed is None or fed.operation is None:
                    return
                if fed.deadline is not None and fed.deadline < task_mod.utcnow():
                    self._end(fed, states.FAIL, reason=self._late(fed))
                    return
                if STARTED in (fed.operation_args or {}):
                    return  # issued already: tracking watches it
                self._start(context, fed)
        except exception.FederationNotFound:
            LOG.debug('Federation %s is gone', uuid)
        except Exception as error:
            if not db_watch.WATCH.failed(error, 'federation %s' % uuid):
                raise

    def _start(self, context: Any, fed: Any) -> None:
        handler = fed_ops.handler_of(fed.operation)
        if handler is None:
            self._end(fed, states.FAIL, reason='Unknown operation %r.' % fed.operation)
            return
        try:
            args = handler.start(self, context, fed)
        except fed_ops.Failed as error:
            self._end(fed, states.FAIL, reason=str(error))
            return
        except fed_ops.Busy as error:
            LOG.info('Federation %s: %s waits (%s); the reconcile pass retries it',
                     fed.uuid, fed.operation, error)
            return
        except heat_exc.HTTPException as error:
            if (getattr(error, 'code', 500) or 500) >= 500:
                raise  # Heat is down or broken: the reconcile pass retries
            self._end(fed, states.FAIL, reason='Heat refused the federation stack: %s'
                                               % heat.reason_of(error))
            return
        if args is None:
            self._end(fed, states.DONE)
            return
        args[STARTED] = task_mod.utcnow().strftime('%Y-%m-%dT%H:%M:%S')
        self.record(fed.uuid, {'operation_args': args})
        LOG.info('Federation %s: %s under way on stack %s', fed.uuid, fed.operation,
                 args[STACK])

    @staticmethod
    def _late(fed: Any) -> str:
        return ('The federation %s did not finish in time (its deadline %s UTC passed); '
                'retry it.' % (fed.operation, fed.deadline.strftime('%Y-%m-%d %H:%M:%S')))

    def _end(self, fed: Any, outcome: str, *, reason: str | None = None) -> None:
        """Write the operation's end (a delete that succeeded removes the row)."""
        rule = states.FEDERATION_OPERATIONS.get(fed.operation or '')
        done, failed = rule.ends if rule is not None else (fed.status, fed.status)
        if outcome == states.DONE and done == states.DELETE_COMPLETE:
            db.destroy_federation(fed.uuid)
            LOG.info('Federation %s deleted', fed.uuid)
            return
        status = done if outcome == states.DONE else failed
        self.record(fed.uuid, {'status': status, 'status_reason': reason, 'operation': None,
                               'operation_args': None, 'deadline': None})
        LOG.log(20 if outcome == states.DONE else 30, 'Federation %s: %s%s', fed.uuid, status,
                ' (%s)' % reason if reason else '')

    def _finish(self, uuid: str, stack_id: str | None, status: str | None,
                updated: str | None, *, gone: bool = False, park: dict | None = None) -> None:
        """End the operation if the stack says it ended (under the reservation)."""
        with self._held(uuid, park=park) as fed:
            if fed is None or fed.operation is None:
                return
            args = fed.operation_args or {}
            handler = fed_ops.handler_of(fed.operation)
            if (handler is None or STARTED not in args
                    or (stack_id and args.get(STACK) != stack_id)):
                return
            if gone:
                outcome, reason = handler.when_gone(args)
                self._end(fed, outcome, reason=reason)
                return
            if handler.outcome(args, status, updated) is None:
                return
            # A summary (list, notification) said it ended: Heat itself confirms
            # that this operation's call ended, and how.
            client = heat.HeatClient(args.get(fed_ops.PROJECT))
            stack = fstack.find_stack(client, args[STACK])
            if stack is None:
                outcome, reason = handler.when_gone(args)
                self._end(fed, outcome, reason=reason)
                return
            outcome = handler.outcome(args, stack.stack_status,
                                      getattr(stack, 'updated_time', None))
            if outcome is None or not handler.ours(stack, args):
                return
            reason = None
            if outcome == states.FAIL:
                reason = heat.failure_reason(stack, client.failed_resources(args[STACK]))
            self._end(fed, outcome, reason=reason)

    # -- periodic ---------------------------------------------------------------
    def sync(self) -> None:
        """One pass over this conductor's share of the federations (never raises)."""
        try:
            self._sync()
        except Exception as error:
            if not db_watch.WATCH.failed(error, 'federation pass'):
                LOG.exception('Federation pass of %s failed', self.host)

    def _sync(self) -> None:
        engine = self.clusters
        live = set(engine.ring.hosts)
        now = task_mod.utcnow()
        grace = datetime.timedelta(seconds=engine.conf.conductor.reconcile_grace)
        admin = ml_context.get_admin_context()
        watched = []
        for fed in db.get_federation_work_list():
            if not engine.ring.owns(fed.uuid):
                continue
            if fed.reservation and fed.reservation in live and fed.reservation != self.host:
                continue
            with self._lock:
                if fed.uuid in self._mine:
                    continue  # this process works on it right now
            args = fed.operation_args or {}
            if fed.deadline is not None and fed.deadline < now:
                engine._submit(fed.uuid, self._deadline, fed.uuid)
            elif STARTED not in args:
                age = now - (fed.updated_at or fed.created_at or now)
                if fed.reservation or age >= grace:
                    LOG.info('Reconciling federation %s: %s was accepted %ds ago and not '
                             'started', fed.uuid, fed.operation, age.total_seconds())
                    engine._submit(fed.uuid, self.process, admin, fed.uuid)
            else:
                watched.append(fed)
        if not watched:
            return
        stacks = heat.HeatClient.service().list_stacks(tags=fstack.service_tag(),
                                                       global_tenant=True)
        by_id = {stack.id: stack for stack in stacks}
        for fed in watched:
            stack_id = (fed.operation_args or {}).get(STACK)
            stack = by_id.get(stack_id)
            if stack is None:
                engine._submit(fed.uuid, self._confirm_gone, fed.uuid, stack_id,
                               (fed.operation_args or {}).get(fed_ops.PROJECT))
            else:
                engine._submit(fed.uuid, self._finish, fed.uuid, stack_id, stack.stack_status,
                               getattr(stack, 'updated_time', None))

    def _confirm_gone(self, uuid: str, stack_id: str, project: str | None) -> None:
        stack = fstack.find_stack(heat.HeatClient(project), stack_id)
        if stack is None:
            self._finish(uuid, stack_id, None, None, gone=True)
            return
        self._finish(uuid, stack_id, stack.stack_status, getattr(stack, 'updated_time', None))

    def _deadline(self, uuid: str) -> None:
        with self._held(uuid) as fed:
            if (fed is not None and fed.operation and fed.deadline is not None
                    and fed.deadline < task_mod.utcnow()):
                self._end(fed, states.FAIL, reason=self._late(fed))

    # -- Heat notifications -----------------------------------------------------
    def on_event(self, payload: dict) -> bool:
        """Handle a notification if it is about a federation stack; says whether it was."""
        uuid = next((tag[len(FEDERATION_TAG_PREFIX):] for tag in payload.get('tags') or []
                     if isinstance(tag, str) and tag.startswith(FEDERATION_TAG_PREFIX)), None)
        if uuid is None:
            return False
        self.clusters._events.submit(self._event, uuid, payload)
        return True

    def _event(self, uuid: str, payload: dict) -> None:
        stack_id = payload.get('stack_identity')
        try:
            self._finish(uuid, stack_id, payload.get('state'), payload.get('updated_at'),
                         park=payload)
        except exception.FederationNotFound:
            pass
        except Exception as error:
            # Dropped: the tracking pass reads the stack again.
            if not db_watch.WATCH.failed(error, 'Heat event of federation %s' % uuid):
                LOG.exception('Handling Heat event for federation %s failed', uuid)
