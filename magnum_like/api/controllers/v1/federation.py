"""``/v1/federations``: list, detail, show, create, JSON-PATCH join/leave, delete (spec §3.7).

Magnum defines this API but its conductor never implemented federations: a
federation created there stays in ``CREATE_IN_PROGRESS`` for ever. There is
nothing outside the database to drive (Kubernetes Federation v1 is long
gone), so here the API does the whole operation in the database before it
answers, keeping Magnum's status codes and bodies:

* ``POST`` stores the federation in ``CREATE_COMPLETE``: 202 ``{"uuid"}``.
* ``PATCH`` joins or leaves clusters and changes ``properties`` under a row
  lock, then the federation is ``UPDATE_COMPLETE``: 202 ``{"uuid"}``. A patch
  that changes nothing writes nothing. ``?rollback=`` is accepted (a boolean)
  and has nothing to do: a change is applied whole or not at all.
* ``DELETE`` removes the row: 204.

Federations are project-scoped like clusters; admins whom the
``federation:*_all_projects`` rules allow (an addition to Magnum's rules,
shaped like the cluster ones) reach every project's. Host and member clusters
are stored by uuid; a cluster that hosts a federation cannot be deleted
(409, ``cluster.py``), and a deleted cluster leaves every federation it was a
member of (``db.destroy_cluster``). A federation created while its host's
delete is being accepted can still end up with a dangling host: the two
checks are not one transaction.
"""
from __future__ import annotations

from oslo_utils import strutils
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
        """Create a federation of existing clusters: stored CREATE_COMPLETE, 202 ``{uuid}``."""
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
        host = rules.find_cluster(ctx, 'hostcluster_id', given['hostcluster_id'])
        values = {'uuid': uuidutils.generate_uuid(),
                  'name': given.get('name') or names.generate('federation'),
                  'project_id': ctx.project_id, 'hostcluster_id': host.uuid,
                  'member_ids': rules.resolve_members(ctx, given.get('member_ids') or []),
                  'properties': rules.check_properties(given['properties']),
                  'status': states.CREATE_COMPLETE, 'status_reason': None}
        db.create_federation(values)
        return fed_types.FederationID(uuid=values['uuid'])

    @wsme_pecan.wsexpose(fed_types.FederationID, wtypes.text, wtypes.text,
                         body=[base.JsonPatch], status_code=202)
    def patch(self, ident, rollback=None, patch=None):
        """Join or leave clusters, change properties: UPDATE_COMPLETE, 202 ``{uuid}``."""
        _check_rollback(rollback)
        ctl.scope_all_projects('federation:update_all_projects')
        row = find_federation(ident)
        ctl.enforce('federation:update', _target(row))
        plan = rules.plan_patch(ctl.context(), [p.to_op() for p in patch or []])
        db.change_federation(row.uuid, plan.apply)
        return fed_types.FederationID(uuid=row.uuid)

    @wsme_pecan.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, ident):
        """Delete a federation (its clusters are not touched)."""
        ctl.scope_all_projects('federation:delete_all_projects')
        row = find_federation(ident)
        ctl.enforce('federation:delete', _target(row))
        db.destroy_federation(row.uuid)
