"""DB API for node groups, quotas, x509 key pairs and federations.

Clusters (and their operations, reservations and quota usage) live in
``magnum_like.db.clusters``. Both are re-exported by ``magnum_like.db.api``;
import that module, not this one. The module docstring of ``api`` states the
visibility and listing rules used here.
"""
from __future__ import annotations

from typing import Any, Callable

import sqlalchemy as sa

from magnum_like.common import exception
from magnum_like.db import models
from magnum_like.db import sqlalchemy_utils as utils

__all__ = [
    'create_nodegroup', 'get_nodegroup_list', 'get_nodegroup_by_uuid', 'get_nodegroup_by_name',
    'update_nodegroup', 'destroy_nodegroup',
    'create_quota', 'get_quota_by_project_id_resource', 'update_quota', 'delete_quota',
    'get_quota_list',
    'create_x509keypair', 'get_x509keypair_by_uuid', 'destroy_x509keypair',
    'create_federation', 'get_federation_by_uuid', 'get_federation_by_name',
    'get_federation_list', 'update_federation', 'change_federation', 'destroy_federation',
    'get_federations_by_hostcluster', 'get_federations_with_member',
    'get_federation_work_list', 'reserve_federation', 'write_reserved_federation',
]

_NG = models.NodeGroup


# -- node groups ---------------------------------------------------------------

def _nodegroup_not_found(ident: Any) -> Any:
    return lambda: exception.NodeGroupNotFound(nodegroup=ident)


def _nodegroup_query(session: Any, context: Any, cluster_uuid: str) -> Any:
    query = session.query(_NG).filter(_NG.cluster_id == cluster_uuid)
    return utils.project_filter(query, _NG, context)


def create_nodegroup(values: dict[str, Any]) -> models.NodeGroup:
    """Store a node group (``uuid`` generated when missing).

    :raises NodeGroupAlreadyExists: the name (or uuid) is taken in the cluster.
    """
    return utils.create(_NG, values, already_exists=lambda v: exception.NodeGroupAlreadyExists(
        name=v.get('name'), cluster_id=v.get('cluster_id')))


def get_nodegroup_list(context: Any, cluster_uuid: str, *, limit: int | None = None,
                       marker: str | None = None, sort_key: str | None = None,
                       sort_dir: str | None = None, filters: dict | None = None,
                       ) -> list[models.NodeGroup]:
    """The visible node groups of a cluster, one page.

    :raises InvalidSortKey:
    :raises InvalidParameterValue:
    """
    with utils.reader() as session:
        query = utils.apply_filters(_nodegroup_query(session, context, cluster_uuid), _NG, filters)
        return utils.paginate(query, _NG, limit=limit, marker=marker, sort_key=sort_key,
                              sort_dir=sort_dir)


def get_nodegroup_by_uuid(context: Any, cluster_uuid: str, uuid: str) -> models.NodeGroup:
    """A node group of the cluster by uuid.

    :raises NodeGroupNotFound:
    """
    with utils.reader() as session:
        query = _nodegroup_query(session, context, cluster_uuid).filter(_NG.uuid == uuid)
        return utils.one_or_raise(query, _nodegroup_not_found(uuid))


def get_nodegroup_by_name(context: Any, cluster_uuid: str, name: str) -> models.NodeGroup:
    """A node group of the cluster by name (names are unique per cluster).

    :raises NodeGroupNotFound:
    """
    with utils.reader() as session:
        query = _nodegroup_query(session, context, cluster_uuid).filter(_NG.name == name)
        return utils.one_or_raise(query, _nodegroup_not_found(name))


def update_nodegroup(cluster_uuid: str, uuid: str, values: dict[str, Any]) -> models.NodeGroup:
    """Change a node group.

    :raises NodeGroupNotFound:
    """
    return utils.update(_NG, {'cluster_id': cluster_uuid, 'uuid': uuid}, values,
                        not_found=_nodegroup_not_found(uuid))


def destroy_nodegroup(cluster_uuid: str, uuid: str) -> None:
    """Delete a node group.

    :raises NodeGroupNotFound:
    """
    utils.destroy(_NG, {'cluster_id': cluster_uuid, 'uuid': uuid},
                  not_found=_nodegroup_not_found(uuid))


# -- quotas --------------------------------------------------------------------

_QUOTA = models.Quota


def _quota_not_found(project_id: str, resource: str) -> Any:
    return lambda: exception.QuotaNotFound(
        msg='for project %s and resource %s' % (project_id, resource))


def create_quota(values: dict[str, Any]) -> models.Quota:
    """Store a project's limit for a resource.

    :raises QuotaAlreadyExists:
    """
    return utils.create(_QUOTA, values, with_uuid=False,
                        already_exists=lambda v: exception.QuotaAlreadyExists(
                            project_id=v.get('project_id'), resource=v.get('resource')))


def get_quota_by_project_id_resource(project_id: str, resource: str) -> models.Quota:
    """The quota row of (project, resource).

    :raises QuotaNotFound:
    """
    with utils.reader() as session:
        query = session.query(_QUOTA).filter_by(project_id=project_id, resource=resource)
        return utils.one_or_raise(query, _quota_not_found(project_id, resource))


def update_quota(project_id: str, resource: str, values: dict[str, Any]) -> models.Quota:
    """Change a quota (normally its ``hard_limit``).

    :raises QuotaNotFound:
    """
    return utils.update(_QUOTA, {'project_id': project_id, 'resource': resource}, values,
                        not_found=_quota_not_found(project_id, resource))


def delete_quota(project_id: str, resource: str) -> None:
    """Delete a quota; the configured default applies again.

    :raises QuotaNotFound:
    """
    utils.destroy(_QUOTA, {'project_id': project_id, 'resource': resource},
                  not_found=_quota_not_found(project_id, resource))


def get_quota_list(context: Any, *, limit: int | None = None, marker: int | None = None,
                   sort_key: str | None = None, sort_dir: str | None = None,
                   filters: dict | None = None) -> list[models.Quota]:
    """Visible quotas, one page; ``marker`` is the last row's integer id."""
    with utils.reader() as session:
        query = utils.project_filter(session.query(_QUOTA), _QUOTA, context)
        query = utils.apply_filters(query, _QUOTA, filters)
        return utils.paginate(query, _QUOTA, limit=limit, marker=marker, sort_key=sort_key,
                              sort_dir=sort_dir, marker_column='id')


# -- x509 key pairs ------------------------------------------------------------

_KEYPAIR = models.X509KeyPair


def create_x509keypair(values: dict[str, Any]) -> models.X509KeyPair:
    """Store a certificate and key.

    :raises X509KeyPairAlreadyExists:
    """
    return utils.create(_KEYPAIR, values, already_exists=lambda v: (
        exception.X509KeyPairAlreadyExists(uuid=v['uuid'])))


def get_x509keypair_by_uuid(context: Any, uuid: str) -> models.X509KeyPair:
    """A visible key pair.

    :raises X509KeyPairNotFound:
    """
    with utils.reader() as session:
        query = utils.project_filter(session.query(_KEYPAIR), _KEYPAIR, context)
        return utils.one_or_raise(query.filter(_KEYPAIR.uuid == uuid),
                                  lambda: exception.X509KeyPairNotFound(x509keypair=uuid))


def destroy_x509keypair(uuid: str) -> None:
    """Delete a key pair.

    :raises X509KeyPairNotFound:
    """
    utils.destroy(_KEYPAIR, {'uuid': uuid},
                  not_found=lambda: exception.X509KeyPairNotFound(x509keypair=uuid))


# -- federations ---------------------------------------------------------------

_FED = models.Federation


def _federation_not_found(ident: Any) -> Any:
    return lambda: exception.FederationNotFound(federation=ident)


def create_federation(values: dict[str, Any]) -> models.Federation:
    """Store a federation.

    :raises FederationAlreadyExists:
    """
    return utils.create(_FED, values,
                        already_exists=lambda v: exception.FederationAlreadyExists(uuid=v['uuid']))


def get_federation_by_uuid(context: Any, uuid: str) -> models.Federation:
    """A visible federation by uuid.

    :raises FederationNotFound:
    """
    with utils.reader() as session:
        query = utils.project_filter(session.query(_FED), _FED, context)
        return utils.one_or_raise(query.filter(_FED.uuid == uuid), _federation_not_found(uuid))


def get_federation_by_name(context: Any, name: str) -> models.Federation:
    """The one visible federation named ``name``.

    :raises FederationNotFound:
    :raises ConflictMultipleResources:
    """
    with utils.reader() as session:
        query = utils.project_filter(session.query(_FED), _FED, context)
        return utils.one_by_name(query, _FED, name, resource='federations',
                                 not_found=_federation_not_found(name))


def get_federation_list(context: Any, *, limit: int | None = None, marker: str | None = None,
                        sort_key: str | None = None, sort_dir: str | None = None,
                        filters: dict | None = None) -> list[models.Federation]:
    """Visible federations, one page."""
    with utils.reader() as session:
        query = utils.project_filter(session.query(_FED), _FED, context)
        return utils.paginate(utils.apply_filters(query, _FED, filters), _FED, limit=limit,
                              marker=marker, sort_key=sort_key, sort_dir=sort_dir)


def update_federation(uuid: str, values: dict[str, Any]) -> models.Federation:
    """Change a federation.

    :raises FederationNotFound:
    """
    return utils.update(_FED, {'uuid': uuid}, values, not_found=_federation_not_found(uuid))


def change_federation(uuid: str,
                      change: Callable[[models.Federation], dict[str, Any]]) -> models.Federation:
    """Read, decide and write a federation in one transaction, the row locked.

    Two concurrent joins (or a join and a leave) therefore never lose one
    another's change to ``member_ids``.

    :param change: called with the locked row; returns the columns to set
        (empty: nothing changes). It must not use the database. Whatever it
        raises propagates and nothing is written.
    :raises FederationNotFound:
    """
    with utils.writer() as session:
        federation = utils.one_or_raise(
            session.query(_FED).filter(_FED.uuid == uuid).with_for_update(),
            _federation_not_found(uuid))
        values = change(federation)
        if values:
            utils.set_values(federation, values)
            session.flush()
    return federation


def get_federations_by_hostcluster(cluster_uuid: str) -> list[models.Federation]:
    """The federations of any project that ``cluster_uuid`` hosts."""
    with utils.reader() as session:
        return (session.query(_FED).filter(_FED.hostcluster_id == cluster_uuid)
                .order_by(_FED.id).all())


def get_federation_work_list() -> list[models.Federation]:
    """Federations of any project with an operation pending (the conductors' reconcile)."""
    with utils.reader() as session:
        return session.query(_FED).filter(_FED.operation.isnot(None)).order_by(_FED.id).all()


def reserve_federation(uuid: str, host: str, live_hosts: list[str]) -> models.Federation | None:
    """Take the federation for ``host`` unless a live conductor holds it.

    One locked read and write: two conductors never both hold it.

    :returns: the row (now held by ``host``), or None when another live conductor holds it.
    :raises FederationNotFound:
    """
    with utils.writer() as session:
        row = utils.one_or_raise(session.query(_FED).filter(_FED.uuid == uuid)
                                 .with_for_update(), _federation_not_found(uuid))
        if row.reservation and row.reservation != host and row.reservation in live_hosts:
            return None
        row.reservation = host
        session.flush()
    return row


def write_reserved_federation(uuid: str, host: str, values: dict[str, Any], *,
                              release: bool = False) -> bool:
    """Write ``values`` on a federation ``host`` holds (a conditional UPDATE).

    :param release: also drop the reservation.
    :returns: whether the row was written (False: someone else holds it, or it is gone).
    """
    updates: dict[Any, Any] = {getattr(_FED, k): v for k, v in values.items()}
    if release:
        updates[_FED.reservation] = None
    with utils.writer() as session:
        changed = (session.query(_FED).filter(_FED.uuid == uuid, _FED.reservation == host)
                   .update(updates, synchronize_session=False))
    return bool(changed)


def get_federations_with_member(cluster_uuid: str) -> list[models.Federation]:
    """The federations of any project that ``cluster_uuid`` is a member of."""
    text = sa.type_coerce(_FED.member_ids, sa.Text)
    with utils.reader() as session:
        rows = (session.query(_FED)
                .filter(text.contains('"%s"' % cluster_uuid, autoescape=True))
                .order_by(_FED.id).all())
    return [row for row in rows if cluster_uuid in (row.member_ids or [])]


def leave_federations(session: Any, cluster_uuid: str) -> None:
    """Take a cluster out of every federation's ``member_ids``, in ``session``'s transaction.

    Called by ``destroy_cluster``: a deleted cluster is no longer a member.
    """
    # member_ids is JSON text: a LIKE finds the candidates, the list decides.
    text = sa.type_coerce(_FED.member_ids, sa.Text)
    query = (session.query(_FED).filter(text.contains('"%s"' % cluster_uuid, autoescape=True))
             .with_for_update())
    for federation in query:
        members = list(federation.member_ids or [])
        if cluster_uuid in members:
            federation.member_ids = [m for m in members if m != cluster_uuid]
    session.flush()


def destroy_federation(uuid: str) -> None:
    """Delete a federation.

    :raises FederationNotFound:
    """
    utils.destroy(_FED, {'uuid': uuid}, not_found=_federation_not_found(uuid))
