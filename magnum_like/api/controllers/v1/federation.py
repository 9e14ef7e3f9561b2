"""``/v1/federations``: list, detail, show, create, JSON-PATCH join/leave, delete (spec §3.7).

A federation is conductor work, like a cluster (DESIGN §10): the API checks
the rules synchronously (``api/validation/federation.py``), writes the intent
on the row before it answers and casts ``process_federation``; a conductor
(``conductor/federations.py``) deploys it on the host cluster through a Heat
stack and tracks that stack. A lost cast costs nothing: the reconcile pass
finds the intent.

* ``POST``: ``CREATE_IN_PROGRESS``, operation ``create``: 202 ``{"uuid"}``.
* ``PATCH`` joins or leaves clusters and changes ``properties`` under a row
  lock: ``UPDATE_IN_PROGRESS``, operation ``update`` with the pending member
  changes in ``operation_args`` (``join``/``leave``): 202 ``{"uuid"}``. A
  patch that changes nothing writes nothing; a federation with an operation
  pending is busy (409). ``?rollback=`` is accepted (a boolean) and has
  nothing to do.
* ``DELETE``: ``DELETE_IN_PROGRESS``, operation ``delete``: 204; the row goes
  once its stack is gone.

Federations are project-scoped like clusters; admins whom the
``federation:*_all_projects`` rules allow (an addition to Magnum's rules,
shaped like the cluster ones) reach every project's. Host and member clusters
are stored by uuid; a cluster that hosts a federation cannot be deleted
(409, ``cluster.py``); deleting a member unjoins it first (an update of its
federation accepted with the cluster's delete). A federation created while its
host's delete is being accepted can still end up with a dangling host: the two
checks are not one transaction (the conductor then fails it in plain words).
"""
from __future__ import annotations

import datetime

from oslo_log import log as logging
from oslo_utils import strutils
from oslo_utils import timeutils
from oslo_utils import uuidutils
from pecan import rest
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like.api import pagination
from magnum_like.api.controllers import base as ctl
from magnum_like.api.types import base
from magnum_like.api.types import federation as fed_types
from magnum_like.api.validation import cluster as cluster_rules
from magnum_like.api.validation import federation as rules
from magnum_like.common import exception
from magnum_like.common import names
from magnum_like.conductor import states
from magnum_like.db import api as db
from magnum_like.db import models
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

#: Attributes a client may sort by (``member_ids`` and ``properties`` are JSON text).
SORT_KEYS = ('id', 'uuid', 'name', 'hostcluster_id', 'status', 'project_id', 'created_at',
             'updated_at')

DOC = base.Document(fed_types.Federation)
COLLECTION_DOC = base.Document(fed_types.FederationCollection)


def find_federation(ident: str) -> models.Federation:
    """The visible federation with this uuid or name.

    :raises FederationNotFound:
    :raises ConflictMultipleResources: several visible federations share the name.
    """
    ctx = ctl.context()
    if uuidutils.is_uuid_like(ident):
        return db.get_federation_by_uuid(ctx, ident)
    return db.get_federation_by_name(ctx, ident)


def deadline() -> datetime.datetime:
    """When an operation starting now must be over: ``[conductor] operation_timeout``."""
    return timeutils.utcnow().replace(tzinfo=None) + datetime.timedelta(
        minutes=CONF.conductor.operation_timeout)


def nudge_conductor(federation_uuid: str) -> None:
    """Cast ``process_federation``; a failure is logged, the reconcile pass catches up."""
    from magnum_like.conductor import api as conductor_api
    try:
        conductor_api.ConductorAPI().process_federation(ctl.context(), federation_uuid)
    except Exception as error:  # the row already holds the operation
        LOG.warning('Could not cast process_federation for federation %s (%s); a conductor '
                    'will pick it up on its next reconcile.', federation_uuid, error)


def unjoin_deleted_member(cluster_uuid: str) -> None:
    """A member cluster whose delete is being accepted leaves its federations first.

    :raises Conflict: a federation of it has an operation pending (409: retry).
    """
    for fed in db.get_federations_with_member(cluster_uuid):
        plan = rules.PatchPlan(member_ops=[('leave', cluster_uuid, cluster_uuid)])
        db.change_federation(fed.uuid, lambda r, p=plan: p.apply(r, deadline()))
        nudge_conductor(fed.uuid)


def _target(row: models.Federation) -> dict:
    return {'project_id': row.project_id}


def _check_rollback(rollback: str | None) -> None:
    if rollback is None:
        return
    try:
        strutils.bool_from_string(rollback, strict=True)
    except ValueError:
        raise cluster_rules.invalid('rollback', "must be 'true' or 'false' (got %r)." % rollback)


class FederationsController(ctl.FlatResourceRoutes, rest.RestController):
    """``/v1/federations``"""

    _custom_actions = {'detail': ['GET']}

    def _collection(self, *, limit, marker, sort_key, sort_dir, full: bool,
                    url_suffix: str = '') -> dict:
        page = pagination.make_page(limit=limit, marker=marker, sort_key=sort_key,
                                    sort_dir=sort_dir, allowed_keys=SORT_KEYS)
        rows = db.get_federation_list(ctl.context(), limit=page.limit, marker=page.marker,
                                      sort_key=page.sort_key, sort_dir=page.sort_dir)
        url = ctl.base_url()
        return base.collection_dict(
            'federations', [fed_types.Federation.to_api_dict(r, url, full=full) for r in rows],
            limit=page.limit, url=url + '/v1/federations' + url_suffix,
            marker=rows[-1].uuid if rows else None, params=page.query())

    @wsme_pecan.wsexpose(COLLECTION_DOC, wtypes.text, int, wtypes.text, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_key='id', sort_dir='asc'):
        """The caller's federations (every project's for an admin), list fields only."""
        ctl.enforce('federation:get_all')
        ctl.scope_all_projects('federation:get_all_all_projects')
        return self._collection(limit=limit, marker=marker, sort_key=sort_key,
                                sort_dir=sort_dir, full=False)

    @wsme_pecan.wsexpose(COLLECTION_DOC, wtypes.text, int, wtypes.text, wtypes.text)
    def detail(self, marker=None, limit=None, sort_key='id', sort_dir='asc'):
        """The caller's federations with every field."""
        ctl.require_detail_path()
        ctl.enforce('federation:detail')
        ctl.scope_all_projects('federation:detail_all_projects')
        return self._collection(limit=limit, marker=marker, sort_key=sort_key,
                                sort_dir=sort_dir, full=True, url_suffix='/detail')

    @wsme_pecan.wsexpose(DOC, wtypes.text)
    def get_one(self, ident):
        """One federation by uuid or name, every field."""
        ctl.scope_all_projects('federation:get_one_all_projects')
        row = find_federation(ident)
        ctl.enforce('federation:get', _target(row))
        return fed_types.Federation.to_api_dict(row, ctl.base_url(), full=True)

    @wsme_pecan.wsexpose(fed_types.FederationID, body=fed_types.Federation, status_code=202)
    def post(self, federation):
        """Accept a federation of existing clusters: CREATE_IN_PROGRESS, 202 ``{uuid}``."""
        ctx = ctl.context()
        ctl.enforce('federation:create')
        given = {k: v for k, v in federation.as_dict().items() if v is not None}
        refused = sorted(set(given) - set(fed_types.CREATE_FIELDS))
        if refused:
            raise exception.InvalidParameterValue(
                err='%s: cannot be set when creating a federation (allowed: %s).'
                    % (', '.join(refused), ', '.join(fed_types.CREATE_FIELDS)))
        if not given.get('hostcluster_id'):
            raise cluster_rules.invalid('hostcluster_id', 'this field is mandatory: the uuid or '
                                                          'name of an existing cluster.')
        if 'properties' not in given:
            raise cluster_rules.invalid('properties', "this field is mandatory: an object with "
                                                      "a non-empty '%s'." % fed_types.DNS_ZONE)
        properties = rules.check_properties(given['properties'])
        host = rules.find_cluster(ctx, 'hostcluster_id', given['hostcluster_id'])
        members = rules.resolve_members(ctx, given.get('member_ids') or [])
        rules.check_not_federated(members, None, host.uuid)
        values = {'uuid': uuidutils.generate_uuid(),
                  'name': given.get('name') or names.generate('federation'),
                  'project_id': ctx.project_id, 'hostcluster_id': host.uuid,
                  'member_ids': members, 'properties': properties,
                  'status': states.CREATE_IN_PROGRESS, 'status_reason': None,
                  'operation': 'create', 'operation_args': {'join': members, 'leave': []},
                  'deadline': deadline()}
        db.create_federation(values)
        nudge_conductor(values['uuid'])
        return fed_types.FederationID(uuid=values['uuid'])

    @wsme_pecan.wsexpose(fed_types.FederationID, wtypes.text, wtypes.text,
                         body=[base.JsonPatch], status_code=202)
    def patch(self, ident, rollback=None, patch=None):
        """Join or leave clusters, change properties: UPDATE_IN_PROGRESS, 202 ``{uuid}``."""
        _check_rollback(rollback)
        ctl.scope_all_projects('federation:update_all_projects')
        row = find_federation(ident)
        ctl.enforce('federation:update', _target(row))
        plan = rules.plan_patch(ctl.context(), [p.to_op() for p in patch or []])
        rules.check_not_federated(plan.joining(), row.uuid, row.hostcluster_id)
        changed = db.change_federation(row.uuid, lambda r: plan.apply(r, deadline()))
        if changed.operation == 'update' and changed.status == states.UPDATE_IN_PROGRESS:
            nudge_conductor(row.uuid)
        return fed_types.FederationID(uuid=row.uuid)

    @wsme_pecan.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, ident):
        """Accept a delete: DELETE_IN_PROGRESS; the conductor removes the stack, then the row.

        Its clusters are not touched. A federation being created or updated
        is busy (409); a repeated delete is accepted again (and re-cast).
        """
        ctl.scope_all_projects('federation:delete_all_projects')
        row = find_federation(ident)
        ctl.enforce('federation:delete', _target(row))
        db.change_federation(row.uuid, lambda r: rules.delete_intent(r, deadline()))
        nudge_conductor(row.uuid)
