"""DB API for clusters: creation under quota, operations, reservations, usage.

Re-exported by ``magnum_like.db.api``; import that module, not this one. The
module docstring of ``api`` states the visibility and listing rules used here.
"""
from __future__ import annotations

import datetime
from typing import Any

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy import orm

from magnum_like.common import exception
from magnum_like.db import models
from magnum_like.db import resources
from magnum_like.db import sqlalchemy_utils as utils

__all__ = [
    'create_cluster', 'get_cluster_by_id', 'get_cluster_by_uuid', 'get_cluster_by_name',
    'get_cluster_list', 'get_cluster_count', 'get_cluster_node_counts', 'update_cluster',
    'destroy_cluster', 'reserve_cluster', 'write_reserved_cluster', 'release_cluster_reservations',
    'get_cluster_work_list', 'create_cluster_with_nodegroups', 'start_cluster_operation',
    'get_nodegroups_by_cluster', 'get_cluster_stats', 'get_quota_usage',
    'get_existing_cluster_uuids', 'get_cluster_trust_ids',
]

_CLUSTER = models.Cluster
_NG = models.NodeGroup
_USAGE = models.QuotaUsage
MASTER_ROLE = 'master'
#: The quota resource clusters count against.
CLUSTER_RESOURCE = 'Cluster'


# -- clusters ----------------------------------------------------------------

def _cluster_not_found(ident: Any) -> Any:
    return lambda: exception.ClusterNotFound(cluster=ident)


def _node_sum(*, master: bool) -> Any:
    """Correlated sum of the cluster's node-group sizes (masters or workers)."""
    role = _NG.role == MASTER_ROLE if master else sa.or_(_NG.role != MASTER_ROLE,
                                                         _NG.role.is_(None))
    return (sa.select(sa.func.coalesce(sa.func.sum(_NG.node_count), 0))
            .where(_NG.cluster_id == _CLUSTER.uuid, role).scalar_subquery())


def _cluster_query(session: Any, context: Any, filters: dict | None = None) -> Any:
    """Visible clusters; ``node_count``/``master_count`` filters use the node groups."""
    filters = dict(filters or {})
    query = utils.project_filter(session.query(_CLUSTER), _CLUSTER, context)
    for key, master in (('node_count', False), ('master_count', True)):
        if key in filters:
            query = query.filter(_node_sum(master=master) == filters.pop(key))
    return utils.apply_filters(query, _CLUSTER, filters)


def _bump_usage(session: Any, project_id: str | None, delta: int) -> int:
    """Add ``delta`` to the project's cluster counter, if it has one yet (rows changed)."""
    query = session.query(_USAGE).filter(_USAGE.project_id == project_id,
                                         _USAGE.resource == CLUSTER_RESOURCE)
    if delta < 0:
        query = query.filter(_USAGE.in_use > 0)
    return query.update({_USAGE.in_use: _USAGE.in_use + delta,
                         _USAGE.updated_at: timeutils.utcnow()}, synchronize_session=False)


def _new_cluster(values: dict[str, Any]) -> models.Cluster:
    values = dict(values)
    if not values.get('uuid'):
        values['uuid'] = uuidutils.generate_uuid()
    cluster = _CLUSTER()
    utils.set_values(cluster, values, allow_id=True)
    return cluster


def create_cluster(values: dict[str, Any]) -> models.Cluster:
    """Store a new cluster (``uuid`` generated when missing), without a quota check.

    The project's usage counter, when it exists, counts the new cluster.

    :raises ClusterAlreadyExists: the uuid is taken.
    """
    cluster = _new_cluster(values)
    try:
        with utils.writer() as session:
            session.add(cluster)
            session.flush()
            _bump_usage(session, cluster.project_id, 1)
    except db_exc.DBDuplicateEntry:
        raise exception.ClusterAlreadyExists(uuid=cluster.uuid)
    return cluster


@oslo_db_api.wrap_db_retry(max_retries=5, retry_on_deadlock=True)
def _ensure_usage(project_id: str) -> None:
    """Create the project's cluster counter from its actual count, once."""
    try:
        with utils.writer() as session:
            found = session.query(_USAGE.id).filter(
                _USAGE.project_id == project_id,
                _USAGE.resource == CLUSTER_RESOURCE).first()
            if found is not None:
                return
            count = session.query(sa.func.count(_CLUSTER.id)).filter(
                _CLUSTER.project_id == project_id).scalar()
            session.add(_USAGE(project_id=project_id, resource=CLUSTER_RESOURCE,
                               in_use=int(count or 0)))
            session.flush()
    except db_exc.DBDuplicateEntry:
        pass  # another request created it first: the same count


@oslo_db_api.wrap_db_retry(max_retries=5, retry_on_deadlock=True)
def create_cluster_with_nodegroups(values: dict[str, Any], nodegroups: list[dict[str, Any]], *,
                                   default_limit: int) -> models.Cluster:
    """Store a new cluster and its node groups if the project's quota allows it.

    One transaction: the project's usage counter is incremented by a
    conditional ``UPDATE ... WHERE in_use < limit`` (which also locks it until
    commit), then the rows are inserted. Concurrent creates therefore never
    pass the limit: the project's ``Cluster`` quota row, else ``default_limit``.

    :param values: the cluster's columns (``project_id`` required).
    :param nodegroups: the node groups' columns; ``cluster_id`` is filled in.
    :raises ResourceLimitExceeded: the project has reached its limit.
    :raises ClusterAlreadyExists: the uuid is taken.
    """
    project_id = values['project_id']
    _ensure_usage(project_id)
    cluster = _new_cluster(values)
    try:
        with utils.writer() as session:
            hard_limit = session.query(models.Quota.hard_limit).filter(
                models.Quota.project_id == project_id,
                models.Quota.resource == CLUSTER_RESOURCE).first()
            limit = default_limit if hard_limit is None or hard_limit[0] is None \
                else hard_limit[0]
            taken = session.query(_USAGE).filter(
                _USAGE.project_id == project_id, _USAGE.resource == CLUSTER_RESOURCE,
                _USAGE.in_use < limit).update(
                    {_USAGE.in_use: _USAGE.in_use + 1, _USAGE.updated_at: timeutils.utcnow()},
                    synchronize_session=False)
            if not taken:
                raise exception.ResourceLimitExceeded(
                    message='You have reached the maximum clusters per project, %d. You may '
                            'delete a cluster to make room for a new one.' % limit)
            session.add(cluster)
            for ng_values in nodegroups:
                ng = _NG()
                utils.set_values(ng, dict(ng_values, cluster_id=cluster.uuid,
                                          uuid=ng_values.get('uuid')
                                          or uuidutils.generate_uuid()))
                session.add(ng)
            session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.ClusterAlreadyExists(uuid=cluster.uuid)
    return cluster


def start_cluster_operation(uuid: str, *, operation: str, args: dict[str, Any] | None,
                            status: str, deadline: datetime.datetime | None,
                            allowed_statuses: tuple | list,
                            preempts: bool = False,
                            cluster_updates: dict[str, Any] | None = None,
                            nodegroup_updates: dict[str, dict[str, Any]] | None = None,
                            all_nodegroups: dict[str, Any] | None = None,
                            new_nodegroup: dict[str, Any] | None = None) -> bool:
    """Write an operation's intent onto an idle cluster, atomically.

    The cluster row is changed by one conditional ``UPDATE``: its status must
    be one of ``allowed_statuses`` and it must have no ``operation`` (nor, as a
    guard, a status ending in ``_IN_PROGRESS``). A preempting operation (a
    ``delete``) is the exception: it replaces whatever other operation was
    pending, busy or stuck, but not one of its own kind. Both rules come from
    the caller, which reads ``magnum_like.conductor.states.OPERATIONS`` (the
    one table; this layer does not import the conductor). ``reservation`` is
    never touched. Node group changes happen in the same transaction.

    :param operation: e.g. ``update``, ``resize``, ``delete``, ``nodegroup_create``.
    :param allowed_statuses: the operation's ``start_from``.
    :param preempts: the operation's ``preempts``.
    :param args: ``operation_args`` (JSON).
    :param status: the cluster's new status.
    :param deadline: when the operation must be finished (UTC).
    :param cluster_updates: other cluster columns to set.
    :param nodegroup_updates: ``{nodegroup uuid: columns}``.
    :param all_nodegroups: columns set on every node group of the cluster.
    :param new_nodegroup: a node group to insert (``cluster_id`` filled in).
    :returns: False when the cluster is missing or busy (nothing written).
    :raises NodeGroupAlreadyExists: ``new_nodegroup``'s name is taken.
    """
    now = timeutils.utcnow()
    try:
        with utils.writer() as session:
            query = session.query(_CLUSTER).filter(
                _CLUSTER.uuid == uuid, _CLUSTER.status.in_(list(allowed_statuses)))
            if preempts:
                query = query.filter(
                    sa.or_(_CLUSTER.operation.is_(None), _CLUSTER.operation != operation))
            else:
                query = query.filter(
                    _CLUSTER.operation.is_(None),
                    sa.not_(_CLUSTER.status.endswith('_IN_PROGRESS', autoescape=True)))
            values = dict(cluster_updates or {})
            values.update(operation=operation, operation_args=args, status=status,
                          status_reason=None, deadline=deadline, updated_at=now)
            if not query.update({getattr(_CLUSTER, k): v for k, v in values.items()},
                                synchronize_session=False):
                return False
            ng_query = session.query(_NG).filter(_NG.cluster_id == uuid)
            if all_nodegroups:
                ng_query.update({getattr(_NG, k): v for k, v in
                                 dict(all_nodegroups, updated_at=now).items()},
                                synchronize_session=False)
            for ng_uuid, ng_values in (nodegroup_updates or {}).items():
                ng_query.filter(_NG.uuid == ng_uuid).update(
                    {getattr(_NG, k): v for k, v in dict(ng_values, updated_at=now).items()},
                    synchronize_session=False)
            if new_nodegroup is not None:
                ng = _NG()
                utils.set_values(ng, dict(new_nodegroup, cluster_id=uuid), allow_id=False)
                session.add(ng)
                session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.NodeGroupAlreadyExists(name=(new_nodegroup or {}).get('name'),
                                               cluster_id=uuid)
    return True


def get_cluster_by_id(context: Any, cluster_id: int) -> models.Cluster:
    """A visible cluster by integer id.

    :raises ClusterNotFound:
    """
    with utils.reader() as session:
        return utils.one_or_raise(_cluster_query(session, context).filter(_CLUSTER.id == cluster_id),
                                  _cluster_not_found(cluster_id))


def get_cluster_by_uuid(context: Any, uuid: str) -> models.Cluster:
    """A visible cluster by uuid.

    :raises ClusterNotFound:
    """
    with utils.reader() as session:
        return utils.one_or_raise(_cluster_query(session, context).filter(_CLUSTER.uuid == uuid),
                                  _cluster_not_found(uuid))


def get_cluster_by_name(context: Any, name: str) -> models.Cluster:
    """The one visible cluster named ``name``.

    :raises ClusterNotFound:
    :raises ConflictMultipleResources:
    """
    with utils.reader() as session:
        return utils.one_by_name(_cluster_query(session, context), _CLUSTER, name,
                                 resource='clusters', not_found=_cluster_not_found(name))


def _listed_columns(columns: tuple[str, ...]) -> list:
    """``columns`` of a cluster, then its node counts as ``listed_node_count`` and
    ``listed_master_count``: what a listed row carries."""
    return [getattr(_CLUSTER, name) for name in columns] + [
        _node_sum(master=False).label('listed_node_count'),
        _node_sum(master=True).label('listed_master_count')]


#: First-page statements of :func:`get_cluster_list`, by (columns, all tenants).
_FIRST_PAGES: dict[tuple, sa.Select] = {}


def _first_page(columns: tuple[str, ...], all_tenants: bool) -> sa.Select:
    """``SELECT`` of ``columns`` and the node counts of the first ``:limit``
    clusters in id order (the project's, or every project's)."""
    key = (columns, all_tenants)
    statement = _FIRST_PAGES.get(key)
    if statement is None:
        statement = sa.select(*_listed_columns(columns)).order_by(_CLUSTER.id.asc()).limit(
            sa.bindparam('limit', type_=sa.Integer))
        if not all_tenants:
            statement = statement.where(_CLUSTER.project_id == sa.bindparam('project_id'))
        _FIRST_PAGES[key] = statement
    return statement


def get_cluster_list(context: Any, *, limit: int | None = None, marker: str | None = None,
                     sort_key: str | None = None, sort_dir: str | None = None,
                     filters: dict | None = None,
                     columns: tuple[str, ...] | None = None) -> list[models.Cluster]:
    """Visible clusters, one page. ``filters`` may also hold ``node_count``/``master_count``.

    Each row comes with ``listed_node_count``/``listed_master_count`` read in the
    same statement.

    :param columns: read only these columns, as read-only rows (``row.uuid``)
        instead of model objects: a list that shows a few fields neither fetches
        nor decodes the others.
    :raises InvalidSortKey:
    :raises InvalidParameterValue:
    """
    if (columns is not None and not getattr(context, 'cluster_user', None)
            and utils.is_first_page(limit=limit, marker=marker, filters=filters,
                                    sort_key=sort_key, sort_dir=sort_dir)):
        # A first page in id order (what clients ask for): a statement built once.
        statement = _first_page(tuple(columns), bool(getattr(context, 'all_tenants', False)))
        with utils.reader() as session:
            return session.connection().execute(
                statement, {'project_id': context.project_id, 'limit': limit}).all()
    with utils.reader() as session:
        query = _cluster_query(session, context, filters)
        if columns is not None:
            return utils.paginate(
                query, _CLUSTER, limit=limit, marker=marker, sort_key=sort_key,
                sort_dir=sort_dir, as_rows=_listed_columns(columns))
        query = query.options(
            orm.with_expression(_CLUSTER.listed_node_count, _node_sum(master=False)),
            orm.with_expression(_CLUSTER.listed_master_count, _node_sum(master=True)))
        return utils.paginate(query, _CLUSTER, limit=limit, marker=marker, sort_key=sort_key,
                              sort_dir=sort_dir)


def get_cluster_count(context: Any, *, filters: dict | None = None) -> int:
    """How many visible clusters match ``filters`` (quota checks, stats)."""
    with utils.reader() as session:
        return _cluster_query(session, context, filters).count()


def get_cluster_node_counts(cluster_uuids: list[str]) -> dict[str, dict[str, int]]:
    """``{uuid: {'node_count': workers, 'master_count': masters}}`` in one query.

    Clusters without node groups map to zeros.
    """
    counts = {uuid: {'node_count': 0, 'master_count': 0} for uuid in cluster_uuids}
    if not counts:
        return counts
    with utils.reader() as session:
        rows = (session.query(_NG.cluster_id, _NG.role, sa.func.sum(_NG.node_count))
                .filter(_NG.cluster_id.in_(list(counts))).group_by(_NG.cluster_id, _NG.role))
        for cluster_id, role, total in rows:
            key = 'master_count' if role == MASTER_ROLE else 'node_count'
            counts[cluster_id][key] += int(total or 0)
    return counts


def update_cluster(uuid: str, values: dict[str, Any]) -> models.Cluster:
    """Change a cluster.

    :raises ClusterNotFound:
    """
    return utils.update(_CLUSTER, {'uuid': uuid}, values, not_found=_cluster_not_found(uuid))


def destroy_cluster(uuid: str) -> None:
    """Delete a cluster and its node groups; the project's quota usage drops by one.

    The cluster also leaves every federation it was a member of.

    :raises ClusterNotFound:
    """
    with utils.writer() as session:
        found = session.query(_CLUSTER.project_id).filter(_CLUSTER.uuid == uuid).first()
        if found is None or not session.query(_CLUSTER).filter(_CLUSTER.uuid == uuid).delete(
                synchronize_session=False):
            raise exception.ClusterNotFound(cluster=uuid)
        session.query(_NG).filter(_NG.cluster_id == uuid).delete(synchronize_session=False)
        _bump_usage(session, found[0], -1)
        resources.leave_federations(session, uuid)


def get_nodegroups_by_cluster(cluster_uuids: list[str]) -> dict[str, list[models.NodeGroup]]:
    """``{cluster uuid: [node groups, ordered by id]}`` for a page of clusters, in one query."""
    result: dict[str, list[models.NodeGroup]] = {uuid: [] for uuid in cluster_uuids}
    if not result:
        return result
    with utils.reader() as session:
        for ng in session.query(_NG).filter(_NG.cluster_id.in_(list(result))).order_by(_NG.id):
            result[ng.cluster_id].append(ng)
    return result


def get_cluster_stats(project_id: str | None = None) -> dict[str, int]:
    """``{'clusters': n, 'nodes': n}`` of a project (every project when None).

    ``nodes`` sums ``node_count`` over all node groups, masters included.
    """
    with utils.reader() as session:
        clusters = session.query(sa.func.count(_CLUSTER.id))
        nodes = session.query(sa.func.coalesce(sa.func.sum(_NG.node_count), 0)).join(
            _CLUSTER, _CLUSTER.uuid == _NG.cluster_id)
        if project_id is not None:
            clusters = clusters.filter(_CLUSTER.project_id == project_id)
            nodes = nodes.filter(_CLUSTER.project_id == project_id)
        return {'clusters': int(clusters.scalar() or 0), 'nodes': int(nodes.scalar() or 0)}


def get_quota_usage(project_id: str, resource: str = CLUSTER_RESOURCE) -> int | None:
    """The project's usage counter, or None before its first quota-checked create."""
    with utils.reader() as session:
        found = session.query(_USAGE.in_use).filter(_USAGE.project_id == project_id,
                                                    _USAGE.resource == resource).first()
        return None if found is None else int(found[0])


def reserve_cluster(uuid: str, host: str, live_hosts: list[str]) -> bool:
    """Claim a cluster for ``host`` with one conditional UPDATE.

    The claim succeeds when nobody holds the cluster, or its holder is not
    among ``live_hosts`` (its heartbeat expired): ``UPDATE cluster SET
    reservation=:host WHERE uuid=:uuid AND (reservation IS NULL OR
    reservation NOT IN (:live))``. A host never re-claims its own reservation.

    :returns: whether ``host`` now holds the cluster.
    """
    live = [h for h in live_hosts if h != host] + [host]
    with utils.writer() as session:
        held = _CLUSTER.reservation
        changed = (session.query(_CLUSTER)
                   .filter(_CLUSTER.uuid == uuid,
                           sa.or_(held.is_(None), held.notin_(live)))
                   .update({held: host}, synchronize_session=False))
    return bool(changed)


def write_reserved_cluster(uuid: str, host: str, values: dict[str, Any], *,
                           expect: dict[str, Any] | None = None, release: bool = False) -> bool:
    """Write ``values`` on a cluster ``host`` holds, if it still looks as ``expect``-ed.

    One conditional UPDATE (``WHERE uuid=:uuid AND reservation=:host AND
    <column>=<value> ...``), so a conductor never overwrites an intent the
    API wrote meanwhile (e.g. a delete arriving while a create finishes).

    :param release: also drop the reservation.
    :returns: whether the row was written.
    """
    updates: dict[Any, Any] = {getattr(_CLUSTER, k): v for k, v in values.items()}
    if release:
        updates[_CLUSTER.reservation] = None
    if not updates:
        return True
    with utils.writer() as session:
        query = session.query(_CLUSTER).filter(_CLUSTER.uuid == uuid,
                                               _CLUSTER.reservation == host)
        for key, value in (expect or {}).items():
            column = getattr(_CLUSTER, key)
            query = query.filter(column.is_(None) if value is None else column == value)
        changed = query.update(updates, synchronize_session=False)
    return bool(changed)


def release_cluster_reservations(host: str) -> int:
    """Drop every reservation ``host`` holds (a conductor starting again).

    :returns: how many were dropped.
    """
    with utils.writer() as session:
        return (session.query(_CLUSTER).filter(_CLUSTER.reservation == host)
                .update({_CLUSTER.reservation: None}, synchronize_session=False))


def get_existing_cluster_uuids(uuids: list[str]) -> set[str]:
    """Which of ``uuids`` have a cluster row (any project, any status).

    A cluster's row stays until its delete has removed everything else (its
    trust among it), so a uuid missing here has no cluster left.
    """
    found: set[str] = set()
    wanted = sorted(set(uuids))
    with utils.reader() as session:
        for start in range(0, len(wanted), 500):
            found.update(uuid for (uuid,) in session.query(_CLUSTER.uuid).filter(
                _CLUSTER.uuid.in_(wanted[start:start + 500])))
    return found


def get_cluster_trust_ids(uuids: list[str]) -> dict[str, set[str]]:
    """The trusts each cluster of ``uuids`` (that has a row) still needs: its own, and the
    new one a credential rotation in progress carries (``operation_args``)."""
    held: dict[str, set[str]] = {}
    wanted = sorted(set(uuids))
    with utils.reader() as session:
        for start in range(0, len(wanted), 500):
            rows = session.query(_CLUSTER.uuid, _CLUSTER.trust_id,
                                 _CLUSTER.operation_args).filter(
                _CLUSTER.uuid.in_(wanted[start:start + 500]))
            for uuid, trust_id, args in rows:
                ids = held.setdefault(uuid, set())
                if trust_id:
                    ids.add(trust_id)
                new = (args or {}).get('new_trust') if isinstance(args, dict) else None
                if isinstance(new, dict) and new.get('trust_id'):
                    ids.add(new['trust_id'])
    return held


def get_cluster_work_list(*, statuses: list[str]) -> list[models.Cluster]:
    """Every cluster (all projects) with a pending operation or in one of ``statuses``."""
    with utils.reader() as session:
        return (session.query(_CLUSTER)
                .filter(sa.or_(_CLUSTER.operation.isnot(None), _CLUSTER.status.in_(statuses)))
                .order_by(_CLUSTER.id).all())
