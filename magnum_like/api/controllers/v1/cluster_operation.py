"""How controllers find a cluster and start an operation on it (one way for all).

An operation on an existing cluster (update, resize, upgrade, delete, node
group changes, CA and credential rotation) is written onto the cluster row by
one conditional update (``db.start_cluster_operation``: the cluster must be
idle and in a status the operation may start from), and only then cast to a
conductor: the row is the truth, the cast a nudge (DESIGN §2).
"""
from __future__ import annotations

import datetime
from typing import Any

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils

from magnum_like import conf as ml_conf
from magnum_like.api.controllers import base as ctl
from magnum_like.api.validation import cluster as rules
from magnum_like.common import context as ml_context
from magnum_like.common import drivers
from magnum_like.common import exception
from magnum_like.conductor import states
from magnum_like.db import api as db
from magnum_like.db import models

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)


def find_cluster(ident: str, *, all_projects_rule: str | None = None) -> Any:
    """The visible cluster with this uuid or name.

    :param all_projects_rule: a ``*_all_projects`` rule that, when it allows an
        admin, widens the lookup to every project.
    :raises ClusterNotFound:
    :raises ConflictMultipleResources: several visible clusters share the name.
    """
    if all_projects_rule:
        ctl.scope_all_projects(all_projects_rule)
    ctx = ctl.context()
    if uuidutils.is_uuid_like(ident):
        return db.get_cluster_by_uuid(ctx, ident)
    return db.get_cluster_by_name(ctx, ident)


def owner_target(cluster: Any) -> dict:
    """Policy target of a cluster (or node group): its project, its creator and
    (when it has one) its trustee, for ``rule:is_cluster_user``."""
    target = {'project_id': cluster.project_id, 'user_id': getattr(cluster, 'user_id', None)}
    trustee = getattr(cluster, 'trustee_user_id', None)
    if trustee:  # absent, not None: oslo.policy would compare the text 'None'
        target['trustee_user_id'] = trustee
    return target


# -- shared by the cluster, action and node group controllers --

def nodegroups_of(cluster_uuid: str) -> list[models.NodeGroup]:
    """Every node group of a cluster the caller already may see."""
    return db.get_nodegroups_by_cluster([cluster_uuid])[cluster_uuid]


def default_nodegroup(nodegroups: list, role: str) -> models.NodeGroup:
    """The default master or worker node group. :raises NodeGroupNotFound:"""
    for ng in nodegroups:
        if ng.is_default and (ng.role == 'master') == (role == 'master'):
            return ng
    raise exception.NodeGroupNotFound(nodegroup='default-%s' % role)


def template_of(cluster: Any) -> models.ClusterTemplate:
    """A cluster's template, whoever owns it (clusters keep using hidden templates)."""
    return db.get_cluster_template_by_uuid(ml_context.get_admin_context(),
                                           cluster.cluster_template_id)


#: The driver of a template (one function for the API and the conductor).
driver_for = drivers.driver_for


def deadline(minutes: int | None) -> datetime.datetime:
    """When an operation starting now must be over (UTC): ``minutes`` from now (a
    create's ``create_timeout``), else ``[conductor] operation_timeout``."""
    return timeutils.utcnow() + datetime.timedelta(
        minutes=minutes or CONF.conductor.operation_timeout)


def start_operation(cluster: Any, operation: str, *, nudge: bool = True,
                    **kwargs: Any) -> None:
    """Write an operation's intent atomically, then (by default) nudge a conductor.

    :param nudge: cast ``process_cluster`` now; callers with more to write
        first cast with :func:`nudge_conductor` themselves.
    :param kwargs: passed to ``db.start_cluster_operation`` (``args``,
        ``status``, node-group changes ...).
    :raises ClusterBusy: (409) the cluster is doing something else.
    :raises ClusterNotStable: (409) its status does not allow ``operation``.
    """
    # Every operation on an existing cluster (update, resize, upgrade, rotations,
    # node groups, delete) gets the operator's operation_timeout; only a cluster
    # create has its own create_timeout (set by the create itself).
    kwargs.setdefault('deadline', deadline(CONF.conductor.operation_timeout))
    rule = states.OPERATIONS[operation]
    kwargs.setdefault('status', rule.in_progress_status)
    kwargs.setdefault('args', {})
    started = db.start_cluster_operation(
        cluster.uuid, operation=operation, allowed_statuses=rules.ALLOWED_STATUSES[operation],
        preempts=rule.preempts, **kwargs)
    if not started:
        current = db.get_cluster_by_uuid(ml_context.get_admin_context(), cluster.uuid)
        raise rules.refuse_busy(current, operation)
    if nudge:
        nudge_conductor(cluster.uuid)


def abandon_operation(cluster: Any) -> None:
    """Undo :func:`start_operation` when the API itself fails before the cast."""
    db.update_cluster(cluster.uuid, {'operation': None, 'operation_args': None,
                                     'deadline': None, 'status': cluster.status,
                                     'status_reason': cluster.status_reason})


def nudge_conductor(cluster_uuid: str) -> None:
    """Cast ``process_cluster``; a failure is logged, the periodic reconcile catches up."""
    from magnum_like.conductor import api as conductor_api
    try:
        conductor_api.ConductorAPI().process_cluster(ctl.context(), cluster_uuid)
    except Exception as error:  # the row already holds the operation
        LOG.warning('Could not cast process_cluster for cluster %s (%s); a conductor will '
                    'pick it up on its next reconcile.', cluster_uuid, error)
