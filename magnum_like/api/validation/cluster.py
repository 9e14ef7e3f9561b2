"""The rules clusters and their operations obey (spec §4.2, §5.2).

Plain functions over values, so create, PATCH and the actions check a node
count, labels or a cluster's state the same way.
"""
from __future__ import annotations

from typing import Any

from magnum_like.api import microversion
from magnum_like.api.types import fields
from magnum_like.common import exception
from magnum_like.conductor import states

#: Where each cluster operation may start (spec §5.2): a view of the one table,
#: ``states.OPERATIONS`` (its docstring says why UPDATE_IN_PROGRESS is a 409).
ALLOWED_STATUSES: dict[str, tuple[str, ...]] = {
    name: op.start_from for name, op in states.CLUSTER_OPERATIONS.items()}


def invalid(field: str, message: str) -> exception.InvalidParameterValue:
    """A 400 naming the field and what is allowed."""
    return exception.InvalidParameterValue(err='%s: %s' % (field, message))


def check_node_count(count: int | None, version: microversion.Version) -> None:
    """Zero nodes only from 1.10. :raises ZeroNodeCountNotSupported:"""
    if count == 0 and version < microversion.HISTORY['zero_node_count']:
        raise exception.ZeroNodeCountNotSupported(version=version)


def check_bounds(*, node_count: int, min_count: int | None, max_count: int | None,
                 what: str = 'node group') -> None:
    """``min ≤ node_count ≤ max`` and ``min ≤ max`` (max only when set).

    :raises InvalidParameterValue:
    """
    min_count = min_count or 0
    if max_count is not None and min_count > max_count:
        raise invalid('min_node_count', 'must not exceed max_node_count (%d > %d) of the %s.'
                      % (min_count, max_count, what))
    if node_count < min_count:
        raise invalid('node_count', 'must be at least min_node_count (%d < %d) of the %s.'
                      % (node_count, min_count, what))
    if max_count is not None and node_count > max_count:
        raise invalid('node_count', 'must not exceed max_node_count (%d > %d) of the %s.'
                      % (node_count, max_count, what))


def merge_labels(parent: dict | None, given: dict | None, merge: bool) -> dict:
    """Labels of a new child: a copy of the parent's, the given ones, or both merged."""
    if given is None:
        return dict(parent or {})
    if merge:
        return dict(parent or {}, **given)
    return dict(given)


def label_int(labels: dict, name: str, default: int | None) -> int | None:
    """An integer label (``min_node_count``...). :raises InvalidParameterValue:"""
    value = labels.get(name)
    if value in (None, ''):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid('labels', '%s must be an integer (got %r).' % (name, value))
    if number < 0:
        raise invalid('labels', '%s must not be negative (got %d).' % (name, number))
    limit = fields.max_nodes() if name in NODE_COUNT_LABELS else fields.INT_MAX
    if number > limit:
        raise invalid('labels', '%s must be at most %d%s (got %d).' % (
            name, limit, ' (%s)' % fields.MAX_NODES_OPTION if name in NODE_COUNT_LABELS
            else '', number))
    return number


#: Integer labels that count nodes (bounded like node_count).
NODE_COUNT_LABELS = ('min_node_count', 'max_node_count')


def check_cluster_size(total: int) -> None:
    """A cluster's nodes, masters and every node group together, within the
    operator's ``[cluster] max_nodes_per_cluster``.

    :raises InvalidParameterValue: naming node_count and the limit.
    """
    limit = fields.max_nodes()
    if total > limit:
        raise invalid('node_count', 'the cluster would have %d nodes (masters and workers of '
                                    'every node group); at most %d (%s).'
                      % (total, limit, fields.MAX_NODES_OPTION))


def refuse_busy(cluster: Any, operation: str) -> exception.MagnumLikeException:
    """The 409 for an operation ``db.start_cluster_operation`` refused on ``cluster``."""
    name = cluster.name or cluster.uuid
    if cluster.operation or (cluster.status or '').endswith('_IN_PROGRESS'):
        return exception.ClusterBusy(cluster=name, status=cluster.status,
                                     operation=cluster.operation or 'no pending operation')
    allowed = ALLOWED_STATUSES.get(operation) or ()
    return exception.ClusterNotStable(cluster=name, status=cluster.status, operation=operation,
                                      allowed=', '.join(allowed))
