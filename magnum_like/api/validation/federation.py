"""The rules federations obey (spec §3.7, §9.4): which clusters, which properties, which patches.

A host or member cluster is named by uuid or name and must be visible to the
caller as ``GET /v1/clusters/{ident}`` would show it (own project; every
project for an admin whom ``cluster:get_one_all_projects`` allows; 404
otherwise), run Kubernetes (a swarm cluster has no federation control plane
to run or join: 400 naming ``coe``) and be in a final complete state with no
operation pending (409 otherwise: the federation stack talks to its API and
masters). The host is never its own member (400) and a cluster is a member of
one federation at most (409). Clusters are stored by uuid. A PATCH may only join or leave clusters
(``add``/``remove`` on ``/member_ids`` with a cluster as ``value``, or a
``replace`` of the whole list) and change ``/properties``; the plan is
checked before the row is locked and applied to the locked row, so it never
touches the database itself.
"""
from __future__ import annotations

import copy
import dataclasses
from typing import Any

from oslo_utils import uuidutils

from magnum_like.api import patch as json_patch
from magnum_like.api.types import federation as fed_types
from magnum_like.api.validation import cluster as cluster_rules
from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.common import policy
from magnum_like.conductor import states
from magnum_like.db import api as db
from magnum_like.db import models

#: How to join and leave, for error messages.
_MEMBER_USAGE = ('join with {"op": "add", "path": "/member_ids", "value": "<cluster>"}, leave '
                 'with {"op": "remove", "path": "/member_ids", "value": "<cluster>"}, or '
                 'replace the whole list with {"op": "replace", "path": "/member_ids", '
                 '"value": [<clusters>]}')


def _allowed(context: Any, rule: str, target: dict | None = None) -> bool:
    try:
        return policy.enforce(context, rule, target, do_raise=False)
    except exception.PolicyNotAuthorized:
        return False


def _lookup_cluster(context: Any, field: str, ident: Any) -> models.Cluster:
    """The cluster ``ident`` as ``GET /v1/clusters/{ident}`` would show it to the caller."""
    if not isinstance(ident, str) or not ident or len(ident) > 255:
        raise cluster_rules.invalid(field, 'expected a cluster uuid or name (a string of 1 '
                                           'to 255 characters), got %r.' % (ident,))
    view = copy.copy(context)
    view.all_tenants = bool(context.is_admin) and _allowed(context,
                                                           'cluster:get_one_all_projects')
    try:
        if uuidutils.is_uuid_like(ident):
            cluster = db.get_cluster_by_uuid(view, ident)
        else:
            cluster = db.get_cluster_by_name(view, ident)
    except exception.ClusterNotFound:
        cluster = None
    except exception.ConflictMultipleResources as error:
        raise exception.Conflict('%s: %s' % (field, error))
    if cluster is None or not _allowed(context, 'cluster:get',
                                       {'project_id': cluster.project_id,
                                        'user_id': cluster.user_id}):
        raise exception.ClusterNotFound(
            cluster='%r (%s: give the uuid or name of a cluster visible to you)'
                    % (ident, field))
    return cluster


def coe_of(cluster: models.Cluster) -> str | None:
    """The COE of the cluster's template (None: the template is gone)."""
    admin = ml_context.get_admin_context()
    try:
        return db.get_cluster_template_by_uuid(admin, cluster.cluster_template_id).coe
    except exception.ClusterTemplateNotFound:
        return None


def find_cluster(context: Any, field: str, ident: Any) -> models.Cluster:
    """The visible, complete Kubernetes cluster ``ident`` (uuid or name) ``field`` refers to.

    :raises ClusterNotFound: no such visible cluster (404 naming ``field``).
    :raises InvalidParameterValue: not a Kubernetes cluster (400 naming ``coe``).
    :raises Conflict: several visible clusters share the name; it is busy or failed.
    """
    cluster = _lookup_cluster(context, field, ident)
    coe = coe_of(cluster)
    if coe != 'kubernetes':
        raise cluster_rules.invalid(field, "cluster %s has coe %r: only clusters whose coe is "
                                           "'kubernetes' can be federated." % (ident, coe))
    if cluster.status not in states.STABLE or cluster.operation is not None:
        raise exception.Conflict('%s: cluster %s is %s%s; a federation needs a cluster in a '
                                 'complete state with no operation pending: retry when it is.'
                                 % (field, ident, cluster.status,
                                    ' (%s pending)' % cluster.operation
                                    if cluster.operation else ''))
    return cluster


def check_not_federated(members: list[str], federation_uuid: str | None,
                        host_uuid: str) -> None:
    """Members are not the host and not a member of another federation.

    :raises InvalidParameterValue: the host is among the members (400).
    :raises Conflict: a member belongs to another federation (409 naming it).
    """
    if host_uuid in members:
        raise cluster_rules.invalid('member_ids', 'the host cluster %s cannot be a member of '
                                                  'its own federation.' % host_uuid)
    for uuid in members:
        for other in db.get_federations_with_member(uuid):
            if other.uuid != federation_uuid:
                raise exception.Conflict('member_ids: cluster %s is already a member of '
                                         'federation %s (%s); a cluster is a member of one '
                                         'federation at most.'
                                         % (uuid, other.name, other.uuid))


def resolve_members(context: Any, idents: list[str], field: str = 'member_ids') -> list[str]:
    """The uuids of the listed clusters, each visible, none twice.

    :raises InvalidParameterValue: see :func:`find_cluster`; a cluster listed twice.
    """
    uuids = [find_cluster(context, field, ident).uuid for ident in idents]
    if len(set(uuids)) != len(uuids):
        raise cluster_rules.invalid(field, 'a cluster is listed twice (by uuid and by name?).')
    return uuids


def check_properties(value: Any) -> dict:
    """Validated ``properties``. :raises InvalidParameterValue: naming ``properties``."""
    try:
        return fed_types.check_properties(value)
    except ValueError as error:
        raise cluster_rules.invalid('properties', str(error))


@dataclasses.dataclass
class PatchPlan:
    """A checked federation PATCH, applied to the locked row by :meth:`apply`.

    :param member_ops: ``('join', uuid, ident)``, ``('leave', uuid or None, ident)``
        or ``('set', [uuids], None)``, in request order.
    :param property_ops: the JSON-patch operations on ``/properties``.
    """

    member_ops: list[tuple] = dataclasses.field(default_factory=list)
    property_ops: list[dict] = dataclasses.field(default_factory=list)

    def joining(self) -> list[str]:
        """The uuids this patch may add to the members (for the one-federation rule)."""
        found: list[str] = []
        for kind, uuid, _ident in self.member_ops:
            if kind == 'set':
                found.extend(uuid)
            elif kind == 'join':
                found.append(uuid)
        return found

    def apply(self, row: models.Federation, deadline: Any = None) -> dict[str, Any]:
        """The columns to write (empty when nothing changes): the new members and the intent.

        :raises Conflict: the federation has an operation pending (409).
        :raises MemberAlreadyExists: a join of a member (409).
        :raises MemberNotFound: a leave of a cluster that is not a member (404).
        :raises InvalidParameterValue: the properties end up invalid; too many members.
        """
        busy(row)
        updates: dict[str, Any] = {}
        members = list(row.member_ids or [])
        for kind, uuid, ident in self.member_ops:
            if kind == 'set':
                members = list(uuid)
            elif kind == 'join':
                if uuid in members:
                    raise exception.MemberAlreadyExists(member=ident, federation=row.uuid)
                members.append(uuid)
            elif ident in members or uuid in members:
                members.remove(ident if ident in members else uuid)
            else:
                raise exception.MemberNotFound(member=ident, federation=row.uuid)
        if len(members) > fed_types.MAX_MEMBERS:
            raise cluster_rules.invalid('member_ids', 'at most %d clusters (would be %d).'
                                        % (fed_types.MAX_MEMBERS, len(members)))
        if members != list(row.member_ids or []):
            updates['member_ids'] = members
        if self.property_ops:
            current = dict(row.properties or {})
            patched = json_patch.apply_patch({'properties': current}, self.property_ops,
                                             map_fields=('properties',))
            properties = check_properties(patched.get('properties'))
            if properties != current:
                updates['properties'] = properties
        if updates:
            before = list(row.member_ids or [])
            updates.update(status=states.UPDATE_IN_PROGRESS, status_reason=None,
                           operation='update', deadline=deadline,
                           operation_args={'join': [m for m in members if m not in before],
                                           'leave': [m for m in before if m not in members]})
        return updates


def busy(row: models.Federation, intent: str = 'update') -> None:
    """Whether the federation may start ``intent`` (``states.FEDERATION_OPERATIONS``).

    :raises Conflict: the federation has an operation pending (409).
    """
    if row.operation is not None or (
            row.status not in states.FEDERATION_OPERATIONS[intent].start_from):
        raise exception.Conflict('federation %s is %s; retry once it is complete or failed.'
                                 % (row.name or row.uuid, row.status))


def delete_intent(row: models.Federation, deadline: Any) -> dict[str, Any]:
    """The columns of an accepted delete (a repeated delete writes nothing new).

    :raises Conflict: a create or update is pending (409).
    """
    if row.operation == 'delete':
        return {}
    busy(row, 'delete')
    return {'status': states.DELETE_IN_PROGRESS, 'status_reason': None, 'operation': 'delete',
            'operation_args': {}, 'deadline': deadline}


def _member_op(context: Any, op: dict) -> tuple:
    if op['path'] != '/member_ids':
        raise exception.PatchError(patch=op, reason="'%s' cannot be patched: %s"
                                                    % (op['path'], _MEMBER_USAGE))
    if 'value' not in op:
        action = 'leave' if op['op'] == 'remove' else 'join'
        raise cluster_rules.invalid('member_ids', "'value' is required: the cluster to %s (%s)."
                                    % (action, _MEMBER_USAGE))
    value = op['value']
    if op['op'] == 'replace':
        try:
            idents = fed_types.check_cluster_idents(value)
        except ValueError as error:
            raise cluster_rules.invalid('member_ids', str(error))
        return ('set', resolve_members(context, idents), None)
    if not isinstance(value, str) or not value or len(value) > 255:
        raise cluster_rules.invalid('member_ids', 'the value of %s must be one cluster uuid or '
                                                  'name, got %r (%s).'
                                    % (op['op'], value, _MEMBER_USAGE))
    if op['op'] == 'add':
        return ('join', find_cluster(context, 'member_ids', value).uuid, value)
    if uuidutils.is_uuid_like(value):
        # The member list decides, whether the cluster is still visible or not.
        return ('leave', value.lower(), value)
    try:
        uuid = _lookup_cluster(context, 'member_ids', value).uuid
    except exception.ClusterNotFound:
        uuid = None
    return ('leave', uuid, value)


def plan_patch(context: Any, ops: list[dict]) -> PatchPlan:
    """Check a federation PATCH and resolve the clusters it names.

    :raises PatchError: an empty patch; a path other than ``/member_ids`` or
        ``/properties[/...]`` (400 naming the path).
    :raises InvalidParameterValue: a bad value (400 naming the field).
    :raises Conflict: a cluster name several visible clusters share; a joining
        cluster is being deleted.
    """
    if not ops:
        raise exception.PatchError(patch=ops, reason='the body must be a non-empty list of '
                                                     'JSON-patch operations')
    plan = PatchPlan()
    for op in ops:
        # WSME lets an explicit null through for its mandatory attributes.
        path = op.get('path')
        if op.get('op') not in ('add', 'replace', 'remove') or not isinstance(path, str):
            raise exception.PatchError(patch=op, reason="every operation needs an 'op' (add, "
                                                        "replace or remove) and a 'path'")
        attr = path.lstrip('/').split('/')[0]
        if attr == 'member_ids':
            plan.member_ops.append(_member_op(context, op))
        elif attr == 'properties':
            if path == '/properties' and op['op'] == 'remove':
                raise cluster_rules.invalid('properties', "is mandatory and cannot be removed "
                                                          "(it holds '%s')." % fed_types.DNS_ZONE)
            plan.property_ops.append(op)
        else:
            raise exception.PatchError(
                patch=op, reason="'%s' cannot be changed: a federation PATCH may only change "
                                 "/member_ids and /properties" % path)
    return plan
