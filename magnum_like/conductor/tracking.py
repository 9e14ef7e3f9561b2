"""Driving accepted operations to their end, whatever process dies.

:class:`ClusterEngine` is what the RPC endpoint and the periodic worker call:

* :meth:`~ClusterEngine.process_cluster` (the RPC cast, or the reconcile
  pass): claim the cluster and carry out its intent (``operations.start``).
* :meth:`~ClusterEngine.sync` (every ``[conductor] sync_interval``): over the
  clusters with an operation that this conductor owns on the hash ring of
  live conductors — reconcile intents whose cast was lost (no live
  reservation, older than ``reconcile_grace``), fail those past their
  ``deadline``, and track started ones with **one** Heat stack list per pass
  across projects (``global_tenant=True``, tag ``SERVICE_TAG``, status
  ``IN_PROGRESS``; per project when ``[conductor] heat_global_list`` is false
  or Heat refuses the global list). The list holds only the stacks still
  working, however many clusters are complete; a watched stack missing from it
  ended (or vanished) and costs one GET, then what ``operations.finish`` reads
  (outputs or failed resources). A listed stack costs no further work.
* :meth:`~ClusterEngine.handle_heat_event`: Heat's ``orchestration.stack.*``
  notification for a stack of ours ends its operation at once
  (:mod:`~magnum_like.conductor.heat_events`).

Which conductor owns which cluster: :mod:`~magnum_like.conductor.ring`.
Threads: new operations start on the RPC server's threads (or, reconciled, on
the engine's pool), at most ``[conductor] workers`` at once; completions (Heat
notifications, and stacks the pass saw end) are finishing work on their own
pool (``event_workers``), and no start begins while one is pending
(:mod:`~magnum_like.conductor.admission`): a burst of creates never queues a
status behind it.

Anything that changes a cluster runs under its reservation (``ClusterTask``),
so the ring only divides the work; it never has to be exact.
"""
from __future__ import annotations

import collections
import contextlib
import datetime
import threading
from typing import Any, Callable, Iterator

import futurist
from oslo_log import log as logging

from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.conductor import admission
from magnum_like.conductor import db_watch
from magnum_like.conductor import deadlines
from magnum_like.conductor import federations
from magnum_like.conductor import heat_events
from magnum_like.conductor import manager
from magnum_like.conductor import operations
from magnum_like.conductor import ring as ring_mod
from magnum_like.conductor import states
from magnum_like.conductor import task as task_mod
from magnum_like import conf as ml_conf
from magnum_like.db import api as db

LOG = logging.getLogger(__name__)
BINARY = manager.BINARY
#: Heat's stack list filter ``status`` (the state without the action): stacks
#: still working on any action.
WORKING = 'IN_PROGRESS'
#: The ring moved to :mod:`magnum_like.conductor.ring`; the name stays for callers.
Ring = ring_mod.Ring


class ClusterEngine:
    """The conductor's cluster work (see module docstring).

    :param host: this conductor's name.
    :param conf: the configuration.
    """

    def __init__(self, host: str, *, conf: Any = None) -> None:
        self.host = host
        self.conf = conf or ml_conf.CONF
        self.ring = ring_mod.Ring(host, self.conf)
        opts = self.conf.conductor
        self._executor = futurist.ThreadPoolExecutor(max_workers=opts.workers)
        self.admission = admission.Admission(opts.workers, opts.event_workers)
        self.events = heat_events.HeatEvents(host, lambda uuid: self._task(None, uuid),
                                             self.admission)
        self._inflight: set[str] = set()
        #: uuid -> casts of it waiting for a start slot here (not reconciled meanwhile).
        self._waiting: collections.Counter = collections.Counter()
        self._lock = threading.Lock()
        self._global_refused = False
        self.stats: collections.Counter = collections.Counter()
        self.sync_passes = 0
        #: Federations ride on this engine's ring, pools and passes.
        self.federations = federations.FederationEngine(self)

    # -- RPC --------------------------------------------------------------------
    def process_cluster(self, context: Any, uuid: str) -> None:
        """Carry out the cluster's recorded intent, if no live conductor holds it.

        Waits (holding nothing) while this process finishes operations or
        starts its ``[conductor] workers`` others (``admission``).
        """
        with self._lock:
            self._waiting[uuid] += 1
        try:
            with self._admitted(uuid), self._task(context, uuid) as task:
                if task.cluster.operation is None:
                    return
                if task.cluster.deadline is not None and task.cluster.deadline < task_mod.utcnow():
                    deadlines.deadline_passed(task)
                    return
                operations.start(task)
        except task_mod.ClusterLocked:
            LOG.debug('Cluster %s is held by a live conductor; it does the work', uuid)
        except exception.ClusterNotFound:
            LOG.debug('Cluster %s is gone', uuid)
        except Exception as error:
            if not db_watch.WATCH.failed(error, 'cluster %s' % uuid):
                raise
            # The intent is in the database: the pass after it is back carries it out.

    @contextlib.contextmanager
    def _admitted(self, uuid: str) -> Iterator[None]:
        """A start slot for ``uuid``, counted as waiting here until it has one."""
        waiting = True
        try:
            with self.admission.start():
                self._unwait(uuid)
                waiting = False
                yield
        finally:
            if waiting:
                self._unwait(uuid)

    def _unwait(self, uuid: str) -> None:
        with self._lock:
            if self._waiting.get(uuid):
                self._waiting[uuid] -= 1
                if not self._waiting[uuid]:
                    del self._waiting[uuid]

    def _task(self, context: Any, uuid: str) -> task_mod.ClusterTask:
        # Live conductors read now, not the last pass's: a conductor heartbeats
        # before it reserves anything, so a claim made since that pass (two
        # conductors restarting together) is never taken over as a dead one's.
        return task_mod.ClusterTask(context, uuid, host=self.host,
                                    live_hosts=self.ring.refresh(), on_release=self._released)

    def _released(self, uuid: str) -> None:
        self.events.released(uuid)

    # -- periodic ---------------------------------------------------------------
    def sync(self) -> None:
        """One tracking pass over this conductor's share (never raises)."""
        try:
            self._sync()
        except Exception as error:
            if not db_watch.WATCH.failed(error, 'tracking pass'):
                LOG.exception('Tracking pass of %s failed', self.host)
            return
        self.federations.sync()
        db_watch.WATCH.succeeded()

    def _sync(self) -> None:
        self.sync_passes += 1
        live = set(self.ring.refresh())
        now = task_mod.utcnow()
        grace = datetime.timedelta(seconds=self.conf.conductor.reconcile_grace)
        admin = ml_context.get_admin_context()
        watched: dict[str | None, list[Any]] = collections.defaultdict(list)
        for cluster in db.get_cluster_work_list(statuses=list(states.IN_PROGRESS)):
            if (cluster.reservation == self.host
                    and (self.host, cluster.uuid) not in task_mod.HELD):
                # Ours, but nothing here works on it: a release that failed.
                db.write_reserved_cluster(cluster.uuid, self.host, {}, release=True)
                cluster.reservation = None
            if cluster.operation is None or not self.ring.owns(cluster.uuid):
                continue
            if cluster.reservation and cluster.reservation in live:
                continue  # a live conductor is on it right now
            args = cluster.operation_args or {}
            if cluster.deadline is not None and cluster.deadline < now:
                self._submit(cluster.uuid, self._deadline, cluster.uuid, finishing=True)
            elif operations.STARTED not in args:
                if cluster.uuid in self._waiting or cluster.uuid in self._inflight:
                    continue  # its cast (or an earlier reconcile) waits for a slot here
                age = now - (cluster.updated_at or cluster.created_at or now)
                if cluster.reservation or age >= grace:
                    LOG.info('Reconciling cluster %s: %s was accepted %ds ago and not '
                             'started', cluster.uuid, cluster.operation, age.total_seconds())
                    self.stats['reconciled'] += 1
                    self._submit(cluster.uuid, self.process_cluster, admin, cluster.uuid)
            else:
                watched[cluster.project_id].append(cluster)
        if not watched:
            return
        if self.conf.conductor.heat_global_list and not self._global_refused:
            clusters = [c for group in watched.values() for c in group]
            try:
                self._track(None, clusters)
                return
            except heat.Forbidden as error:
                # Not allowed by Heat's policy: say so once, then list per project.
                LOG.error('Heat refused the global stack list (%s); tracking with one list '
                          'per project. Give the service user Heat\'s stacks:global_index '
                          'or set [conductor] heat_global_list = false.',
                          heat.reason_of(error))
                self._global_refused = True
            except Exception as error:
                LOG.warning('Listing the stacks of every project failed: %s', error)
                return
        for project_id, clusters in watched.items():
            try:
                self._track(project_id, clusters)
            except Exception as error:
                LOG.warning('Listing the stacks of project %s failed: %s', project_id, error)

    def _track(self, project_id: str | None, clusters: list[Any]) -> None:
        """One stack list (``project_id`` None: every project's) against ``clusters``.

        :raises: the list's error (Forbidden when a global list is refused).
        """
        # Only the stacks still working: a complete cluster's stack is never in
        # the answer, so the list's size follows the work, not the clusters.
        if project_id is None:
            stacks = heat.HeatClient.service().list_stacks(
                tags=heat.SERVICE_TAG, global_tenant=True, status=WORKING)
        else:
            stacks = heat.HeatClient(project_id).list_stacks(tags=heat.SERVICE_TAG,
                                                             status=WORKING)
        self.stats['stack_lists'] += 1
        by_id = {stack.id: stack for stack in stacks}
        for cluster in clusters:
            args = cluster.operation_args or {}
            stack_id = args.get(operations.STACK)
            stack = by_id.get(stack_id)
            if stack is None:
                # Not working any more: ended, gone or never made. One GET tells.
                self._submit(cluster.uuid, self._confirm_gone, cluster.uuid, stack_id,
                             finishing=True)
                continue
            outcome = operations.outcome_of(cluster.operation, args, stack.stack_status,
                                            getattr(stack, 'updated_time', None))
            if outcome is not None:
                self._submit(cluster.uuid, self._finish, cluster.uuid, stack_id, outcome,
                             finishing=True)

    # -- Heat notifications ---------------------------------------------------------
    def handle_heat_event(self, event_type: str, payload: dict) -> None:
        """React to ``orchestration.stack.<action>.end/error`` for one of our stacks."""
        if not event_type.endswith(('.end', '.error')):
            return
        if self.federations.on_event(payload):
            return
        uuid = heat_events.cluster_of(payload)
        if uuid is None:
            return
        self.stats['heat_events'] += 1
        self.events.submit(uuid, payload.get('stack_identity'), payload.get('state'),
                           payload.get('updated_at'))

    # -- units of work (under the reservation) ------------------------------------
    def _finish(self, uuid: str, stack_id: str, outcome: str) -> None:
        with self._task(None, uuid) as task:
            if task.args.get(operations.STACK) == stack_id and operations.STARTED in task.args:
                operations.finish(task, outcome, stack_id=stack_id)

    def _confirm_gone(self, uuid: str, stack_id: str | None) -> None:
        with self._task(None, uuid) as task:
            args = task.args
            if operations.STARTED not in args or args.get(operations.STACK) != stack_id:
                return
            if stack_id and stack_id != 'none':
                try:
                    stack = operations.heat_for(task.cluster).get_stack(
                        stack_id, resolve_outputs=False)
                except heat.NotFound:
                    stack = None
                if stack is not None:
                    outcome = operations.outcome_of(task.cluster.operation, args,
                                                    stack.stack_status,
                                                    getattr(stack, 'updated_time', None))
                    if outcome is not None:
                        operations.finish(task, outcome, stack_id=stack_id)
                    return
            operations.finish(task, operations.GONE, stack_id=stack_id)

    def _deadline(self, uuid: str) -> None:
        with self._task(None, uuid) as task:
            deadline = task.cluster.deadline
            if task.cluster.operation and deadline is not None and deadline < task_mod.utcnow():
                deadlines.deadline_passed(task)

    def _submit(self, uuid: str, func: Callable, *args: Any, finishing: bool = False) -> None:
        """Run ``func`` unless work on ``uuid`` is already queued here.

        :param finishing: it ends an operation: run it as the admission's
            finishing work (starts wait for it); else on the engine's pool.
        """
        with self._lock:
            if uuid in self._inflight:
                return
            self._inflight.add(uuid)

        def run() -> None:
            try:
                func(*args)
            except (task_mod.ClusterLocked, exception.ClusterNotFound,
                    exception.FederationNotFound):
                pass
            except Exception as error:
                if not db_watch.WATCH.failed(error, 'work on cluster %s' % uuid):
                    LOG.exception('Work on cluster %s failed; the next pass retries', uuid)
            finally:
                with self._lock:
                    self._inflight.discard(uuid)

        if finishing:
            self.admission.finish(run)
        else:
            self._executor.submit(run)

    def stop(self) -> None:
        """Stop taking work; wait for what runs."""
        self._executor.shutdown(wait=True)
        self.admission.stop()

