"""A cluster held under this conductor's reservation, and the one function that moves its state.

``with ClusterTask(...) as task:`` claims the cluster with a conditional UPDATE
(``magnum_like.db.api.reserve_cluster``: free, or held by a conductor whose
heartbeat expired) and releases it on exit. Only :meth:`ClusterTask.process_event`
changes ``status``: it asks the state table (``states.next_status``) where the
event leads, writes status, reason, the operation's end and any field updates
in one conditional UPDATE (the row must still show the status and operation
it was read with, so an intent the API wrote meanwhile is never overwritten),
then the node groups, and sends the CADF notification.
"""
from __future__ import annotations

import datetime
import functools
from typing import Any

from oslo_log import log as logging
from oslo_utils import timeutils

from magnum_like.common import context as ml_context
from magnum_like.common import drivers
from magnum_like.common import exception
from magnum_like.conductor import db_watch
from magnum_like.conductor import notifications
from magnum_like.conductor import states
from magnum_like.db import api as db

LOG = logging.getLogger(__name__)

#: Key of ``operation_args`` the conductor sets once the operation's Heat
#: action was issued (UTC ISO time); absent means the intent still waits.
STARTED = '_started'
#: Key of ``operation_args`` naming the stack the operation watches.
STACK = '_stack'


class ClusterLocked(exception.MagnumLikeException):
    """Another live conductor holds the cluster."""

    msg_fmt = 'Cluster %(cluster)s is reserved by another conductor.'


#: (host, cluster uuid) of every ClusterTask open in this process: a
#: reservation of ours not in here is stale (its release failed) and the
#: tracking pass drops it.
HELD: set[tuple[str, str]] = set()


class ClusterTask:
    """A cluster reserved by ``host`` for the duration of a ``with`` block.

    :param context: the context of the work (an admin context for periodics).
    :param uuid: the cluster.
    :param host: this conductor.
    :param live_hosts: the conductors whose heartbeat is current; a
        reservation held by anyone else is taken over.
    :param on_release: called with ``uuid`` after the reservation was dropped
        (the engine hands the cluster events that arrived meanwhile).
    :raises ClusterLocked: on enter, when a live conductor holds it.
    :raises ClusterNotFound: on enter, when the cluster is gone.
    """

    def __init__(self, context: Any, uuid: str, *, host: str, live_hosts: list[str],
                 on_release: Any = None) -> None:
        self.context = context
        self.on_release = on_release
        self.uuid = uuid
        self.host = host
        self.live_hosts = live_hosts
        # Rows are read across projects; ``context`` is the initiator of notifications.
        self.db_context = ml_context.get_admin_context()
        self.cluster: Any = None
        self.nodegroups: list[Any] = []
        self.destroyed = False
        self._held = False

    def __enter__(self) -> 'ClusterTask':
        if not db.reserve_cluster(self.uuid, self.host, self.live_hosts):
            db.get_cluster_by_uuid(self.db_context, self.uuid)  # ClusterNotFound when gone
            raise ClusterLocked(cluster=self.uuid)
        self._held = True
        HELD.add((self.host, self.uuid))
        try:
            self.reload()
        except Exception:
            self.release()
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.release()

    def reload(self) -> None:
        """Read the cluster and its node groups again."""
        self.cluster = db.get_cluster_by_uuid(self.db_context, self.uuid)
        self.nodegroups = db.get_nodegroup_list(self.db_context, self.uuid)

    def release(self) -> None:
        """Drop the reservation (idempotent)."""
        if self._held and not self.destroyed:
            try:
                db.write_reserved_cluster(self.uuid, self.host, {}, release=True)
            except Exception as error:
                if not db_watch.WATCH.failed(error, 'releasing cluster %s' % self.uuid):
                    LOG.exception('Releasing cluster %s failed; the next tracking pass of %s '
                                  'drops it', self.uuid, self.host)
        was_held, self._held = self._held, False
        if was_held:
            HELD.discard((self.host, self.uuid))
            if self.on_release is not None:
                try:
                    self.on_release(self.uuid)
                except Exception:
                    LOG.exception('Release hook of cluster %s failed', self.uuid)

    @functools.cached_property
    def template(self) -> Any:
        """The cluster's template, read once per task (the create, its view and
        its ending all use it). :raises ClusterTemplateNotFound:"""
        return db.get_cluster_template_by_uuid(self.db_context, self.cluster.cluster_template_id)

    @functools.cached_property
    def driver(self) -> Any:
        """The template's driver (:func:`magnum_like.common.drivers.driver_for`),
        made once per task. :raises ClusterTypeNotSupported: :raises ClusterDriverNotSupported:"""
        return drivers.driver_for(self.template)

    @property
    def args(self) -> dict:
        """The operation's arguments (a copy)."""
        return dict(self.cluster.operation_args or {})

    def nodegroup(self, ident: str | None) -> Any | None:
        """A node group of the cluster by uuid or name."""
        for ng in self.nodegroups:
            if ident in (ng.uuid, ng.name):
                return ng
        return None

    def save(self, values: dict) -> None:
        """Write fields (not ``status``) while the row is as read.

        :raises ClusterLocked: the row changed under us (a new intent).
        """
        if 'status' in values:
            raise ValueError('status changes go through process_event')
        expect = {'status': self.cluster.status, 'operation': self.cluster.operation}
        if not db.write_reserved_cluster(self.uuid, self.host, values, expect=expect):
            raise ClusterLocked(cluster=self.uuid)
        for key, value in values.items():
            setattr(self.cluster, key, value)

    def process_event(self, event: str, *, reason: str | None = None,
                      values: dict | None = None, nodegroups: dict | None = None,
                      end_operation: bool = False, notify: bool = True) -> str:
        """Move the cluster's status by ``event`` (the only writer of ``status``).

        :param event: one of the events of :mod:`states`.
        :param reason: the new ``status_reason`` (None clears it).
        :param values: other cluster fields to write in the same UPDATE.
        :param nodegroups: ``{nodegroup uuid: fields}`` written after the cluster.
        :param end_operation: clear ``operation``, its args and its deadline.
        :param notify: send the CADF notification for this step.
        :returns: the new status.
        :raises InvalidTransition: the table has no such transition.
        :raises ClusterLocked: the row changed under us (a new intent).
        """
        source = self.cluster.status
        target = states.next_status(source, event)
        updates = dict(values or {})
        updates.update(status=target, status_reason=reason)
        if end_operation:
            updates.update(operation=None, operation_args=None, deadline=None)
        expect = {'status': source, 'operation': self.cluster.operation}
        if not db.write_reserved_cluster(self.uuid, self.host, updates, expect=expect):
            raise ClusterLocked(cluster=self.uuid)
        for key, value in updates.items():
            setattr(self.cluster, key, value)
        for ng_uuid, ng_values in (nodegroups or {}).items():
            try:
                db.update_nodegroup(self.uuid, ng_uuid, ng_values)
            except exception.NodeGroupNotFound:
                pass
        LOG.info('Cluster %s: %s --%s--> %s%s', self.uuid, source, event, target,
                 ' (%s)' % reason if reason else '')
        if notify:
            self._notify(source, event, target)
        return target

    def _notify(self, source: str, event: str, target: str) -> None:
        if event in (states.CREATE, states.UPDATE, states.DELETE):
            action, outcome = event, notifications.PENDING
        else:
            action = states.action_of(source)
            outcome = notifications.SUCCESS if event == states.DONE else notifications.FAILURE
        counts = db.get_cluster_node_counts([self.uuid]).get(self.uuid, {})
        data = notifications.cluster_data(self.cluster, counts.get('node_count'),
                                          counts.get('master_count'))
        notifications.emit(self.context, self.cluster, action, outcome, host=self.host,
                           data=data)

    def destroy(self) -> None:
        """Destroy the cluster and node-group rows (the end of a delete)."""
        try:
            db.destroy_cluster(self.uuid)
        except exception.ClusterNotFound:
            pass
        self.destroyed = True


def utcnow() -> datetime.datetime:
    """Naive UTC now, as the ``deadline`` column stores it."""
    return timeutils.utcnow().replace(tzinfo=None)
