"""Auto-healing by the conductors (label ``auto_healing_controller=magnum-like``).

Called by the health pass (:mod:`magnum_like.conductor.health`) with what a
cluster's API showed. For a cluster labelled ``auto_healing_enabled=true`` and
``auto_healing_controller=magnum-like``, a worker that has been NotReady for
longer than the label ``auto_healing_grace_period`` (seconds, default 60, at
most 86400) is replaced through Heat: the intent is written as a ``resize`` of
its node group to the same ``node_count`` naming that server in
``nodes_to_remove`` (``db.start_cluster_operation``, as the API writes every
operation), so Heat removes that member and adds a new one, and a conductor
carries it out and tracks it like any other ``UPDATE``; the cluster's
``status_reason`` names the node, and the operation's own notifications say it.

Bounds, so that a broken network is never "healed" by replacing the cluster:
at most ``[conductor] max_unhealthy_share`` of a node group's workers may be
NotReady (at least one may always be healed when the share is above 0); with
more, the reason says so and nothing is changed. Masters are healed one at a
time and only when there are several (the only master's etcd holds the
cluster's state): the NotReady master's server is marked unhealthy in Heat and
a tracked ``resize`` of the master group to the same count makes Heat replace
it (Heat's own path, the one magnum-auto-healer takes). Two or more NotReady
masters: reported, nothing changed.

Since when a node is NotReady is kept in memory by the conductor checking it: a
conductor that takes over a share starts the grace period anew, which only
delays a replacement.
"""
from __future__ import annotations

import datetime
import math
import threading
import time
from typing import Any

from oslo_log import log as logging
from oslo_utils import strutils
from oslo_utils import timeutils

from magnum_like.common import context as ml_context
from magnum_like.conductor import states
from magnum_like import conf as ml_conf
from magnum_like.db import api as db

LOG = logging.getLogger(__name__)

CONTROLLER = 'magnum-like'
#: Where a resize may start from (as the API allows it).
HEALABLE_STATUSES = states.STABLE + (states.UPDATE_FAILED,)


def enabled(cluster: Any) -> bool:
    """Whether the conductors heal this cluster."""
    labels = cluster.labels or {}
    return (strutils.bool_from_string(labels.get('auto_healing_enabled'))
            and labels.get('auto_healing_controller') == CONTROLLER)


def grace_period(cluster: Any) -> int:
    """The cluster's grace period (an invalid label, refused by the API, reads as the default)."""
    from magnum_like.drivers.heat.k8s_fedora import labels as k8s_labels
    value = (cluster.labels or {}).get('auto_healing_grace_period')
    try:
        seconds = int(str(value).strip()) if value not in (None, '') else None
    except ValueError:
        seconds = None
    if seconds is None or not 0 <= seconds <= k8s_labels.MAX_GRACE_PERIOD:
        return k8s_labels.DEFAULT_GRACE_PERIOD
    return seconds


def allowed_unhealthy(workers: int, share: float) -> int:
    """How many NotReady workers of ``workers`` may be replaced at once."""
    if share <= 0 or workers <= 0:
        return 0
    return max(1, math.floor(share * workers + 1e-9))


class Healer:
    """Decides and starts replacements (see module docstring).

    :param engine: the conductor's :class:`ClusterEngine` (carries out the
        operation at once; the reconcile pass would otherwise).
    """

    def __init__(self, host: str, engine: Any, *, conf: Any = None) -> None:
        self.host = host
        self.engine = engine
        self.conf = conf or ml_conf.CONF
        self._lock = threading.Lock()
        #: (cluster uuid, node name) -> monotonic time it was first seen NotReady.
        self._since: dict[tuple[str, str], float] = {}
        #: Nodes replaced by this conductor and not seen Ready since.
        self._replaced: dict[tuple[str, str], float] = {}
        self.started = 0

    def __call__(self, cluster: Any, template: Any, result: Any) -> dict:
        """Look at one check's result; start a replacement when due.

        :returns: entries to add to ``health_status_reason`` (``auto_healing``).
        """
        now = time.monotonic()
        bad = {n.name: n for n in result.nodes if n.ready != 'True'}
        with self._lock:
            for key in [k for k in self._since if k[0] == cluster.uuid and k[1] not in bad]:
                del self._since[key]
            for key in [k for k in self._replaced if k[0] == cluster.uuid and k[1] not in bad]:
                del self._replaced[key]  # Ready again (or gone): may be healed again
            for name in bad:
                self._since.setdefault((cluster.uuid, name), now)
            since = {name: self._since[(cluster.uuid, name)] for name in bad}
            again = sorted(name for name in bad if (cluster.uuid, name) in self._replaced)
        if not bad or not enabled(cluster):
            return {}
        if again:
            # A replacement that is NotReady too: the cause is not the server.
            # Never replace a node twice before it has been Ready once.
            for name in again:
                since[name] = float('inf')
        masters = [n for n in bad.values() if n.master]
        if len(masters) > 1:
            return {'auto_healing': '%d masters NotReady (%s): not healing' % (
                len(masters), ', '.join(sorted(n.name for n in masters)))}
        note = {'auto_healing': '%s replaced and still NotReady: not replaced again before '
                                'it has been Ready' % ', '.join(again)} if again else {}
        grace = grace_period(cluster)
        groups = db.get_nodegroups_by_cluster([cluster.uuid]).get(cluster.uuid, [])
        if masters:
            master_ng = next((g for g in groups if g.is_default and g.role == 'master'), None)
            node = masters[0]
            count = len([n for n in result.nodes if n.master])
            if count < 2 or master_ng is None:
                note['auto_healing'] = ('master %s NotReady: the only master is not replaced '
                                        '(its etcd holds the cluster\'s state)' % node.name)
            elif (now - since[node.name] >= grace and node.server_id
                  and cluster.status in HEALABLE_STATUSES and cluster.operation is None):
                if self.replace_master(cluster, master_ng, node, grace):
                    return {'auto_healing': 'replacing master %s' % node.name}
            if len(bad) == 1:
                return note
        workers_by_group: dict[str, list] = {}
        default = next((ng for ng in groups if ng.is_default and ng.role != 'master'), None)
        for node in result.nodes:
            if node.master:
                continue
            ng = next((g for g in groups if g.name == node.nodegroup), default)
            if ng is not None:
                workers_by_group.setdefault(ng.uuid, []).append(node)
        share = self.conf.conductor.max_unhealthy_share
        for ng in groups:
            members = workers_by_group.get(ng.uuid, [])
            not_ready = [n for n in members if n.name in bad]
            if not not_ready:
                continue
            bound = allowed_unhealthy(len(members), share)
            if len(not_ready) > bound:
                note['auto_healing'] = (
                    '%d of %d workers of node group %s NotReady (%s), more than '
                    'max_unhealthy_share %.2f allows (%d): not healing' % (
                        len(not_ready), len(members), ng.name,
                        ', '.join(sorted(n.name for n in not_ready)), share, bound))
                return note
            due = [n for n in not_ready if now - since[n.name] >= grace and n.server_id]
            if due and cluster.status in HEALABLE_STATUSES and cluster.operation is None:
                self.replace(cluster, ng, due, grace)
                note['auto_healing'] = 'replacing %s' % ', '.join(sorted(n.name for n in due))
                return note
        return note

    def forget(self, keep: set[str]) -> None:
        """Drop what is remembered of clusters no longer checked here."""
        with self._lock:
            for table in (self._since, self._replaced):
                for key in [k for k in table if k[0] not in keep]:
                    del table[key]

    def replace_master(self, cluster: Any, ng: Any, node: Any, grace: int) -> bool:
        """Replace one master: its server is marked unhealthy in Heat, then a tracked
        update of the master group at the same count makes Heat replace it."""
        from magnum_like.common import heat
        from magnum_like.common import nodes as nodes_mod
        reason = ('Auto-healing: replacing master %s (NotReady for more than %ds)'
                  % (node.name, grace))
        client = heat.HeatClient(cluster.project_id)
        found = next((r for r in client.node_resources(cluster.stack_id)
                      if 'Nova::Server' in (r.resource_type or '')
                      and r.physical_resource_id == node.server_id), None)
        if found is None:
            LOG.warning('Cluster %s: master %s (server %s) not found in its stack; not '
                        'healing it', cluster.uuid, node.name, node.server_id)
            return False
        stack_id = nodes_mod._stack_id_of(found)
        client.mark_unhealthy(stack_id, found.resource_name, reason)
        if not self._start(cluster, ng, [], [node.name], reason):
            client.mark_unhealthy(stack_id, found.resource_name, 'not healed now', False)
            return False
        return True

    def _start(self, cluster: Any, ng: Any, remove: list, names: list, reason: str) -> bool:
        """Write the resize intent (same count) and carry it out; whether it started."""
        deadline = timeutils.utcnow() + datetime.timedelta(
            minutes=self.conf.conductor.operation_timeout)
        args = {'nodegroup': ng.uuid, 'node_count': ng.node_count,
                'old_node_count': ng.node_count, 'auto_healing': names}
        if remove:
            args['nodes_to_remove'] = remove
        started = db.start_cluster_operation(
            cluster.uuid, operation='resize', args=args,
            status=states.UPDATE_IN_PROGRESS, deadline=deadline,
            allowed_statuses=HEALABLE_STATUSES,
            cluster_updates={'status_reason': reason},
            nodegroup_updates={ng.uuid: {'status': states.UPDATE_IN_PROGRESS}})
        if not started:
            LOG.info('Cluster %s is busy; auto-healing %s waits for the next pass',
                     cluster.uuid, ', '.join(names))
            return False
        self.started += 1
        LOG.warning('Cluster %s: %s', cluster.uuid, reason)
        with self._lock:
            for name in names:
                self._since.pop((cluster.uuid, name), None)
                self._replaced[(cluster.uuid, name)] = time.monotonic()
        self.engine.process_cluster(ml_context.get_admin_context(), cluster.uuid)
        return True

    def replace(self, cluster: Any, ng: Any, nodes: list, grace: int) -> bool:
        """Write the resize that replaces workers ``nodes`` and carry it out."""
        names = sorted(n.name for n in nodes)
        reason = ('Auto-healing: replacing node %s of node group %s (NotReady for more than '
                  '%ds)' % (', '.join(names), ng.name, grace))
        return self._start(cluster, ng, [n.server_id for n in nodes], names, reason)
