"""``/v1/quotas``: a project's cluster limit (spec §3.6, §9.3). Admin-only but for reading one's own."""
from __future__ import annotations

from oslo_utils import strutils
from pecan import rest
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like import conf as ml_conf
from magnum_like.api import pagination
from magnum_like.api.controllers import base as ctl
from magnum_like.api.types import quota as quota_types
from magnum_like.api.validation import cluster as rules
from magnum_like.common import exception
from magnum_like.db import api as db

CONF = ml_conf.CONF

SORT_KEYS = ('id', 'project_id', 'resource', 'hard_limit', 'created_at', 'updated_at')


def _check_resource(resource: str) -> None:
    if resource not in quota_types.RESOURCES:
        raise rules.invalid('resource', 'must be one of %s (got %r).'
                            % (', '.join(quota_types.RESOURCES), resource))


class QuotaController(rest.RestController):
    """``/v1/quotas``"""

    @wsme_pecan.wsexpose(quota_types.QuotaCollection, wtypes.text, int, wtypes.text,
                         wtypes.text, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_key='id', sort_dir='asc',
                all_tenants='false'):
        """Quotas of the caller's project, or of every project (admin, ``all_tenants``)."""
        ctl.enforce('quota:get_all')
        try:
            every = strutils.bool_from_string(all_tenants, strict=True)
        except ValueError:
            raise rules.invalid('all_tenants', "must be 'true' or 'false'.")
        ctx = ctl.context()
        ctx.all_tenants = bool(every and ctx.is_admin)
        page = pagination.make_page(limit=limit, marker=marker, sort_key=sort_key,
                                    sort_dir=sort_dir, allowed_keys=SORT_KEYS)
        rows = db.get_quota_list(ctx, limit=page.limit, marker=page.marker,
                                 sort_key=page.sort_key, sort_dir=page.sort_dir)
        result = quota_types.QuotaCollection()
        result.quotas = [quota_types.Quota.from_db(r) for r in rows]
        params = dict(page.query(), all_tenants='True' if ctx.all_tenants else None)
        result.set_next(rows, limit=page.limit, url=ctl.base_url() + '/v1/quotas',
                        marker=rows[-1].id if rows else None, params=params)
        return result

    @wsme_pecan.wsexpose(quota_types.Quota, wtypes.text, wtypes.text)
    def get_one(self, project_id, resource):
        """A project's quota, or the configured default when it has none."""
        ctl.enforce('quota:get', {'project_id': project_id})
        _check_resource(resource)
        try:
            return quota_types.Quota.from_db(
                db.get_quota_by_project_id_resource(project_id, resource))
        except exception.QuotaNotFound:
            return quota_types.Quota(project_id=project_id, resource=resource,
                                     hard_limit=CONF.quotas.max_clusters_per_project)

    @wsme_pecan.wsexpose(quota_types.Quota, body=quota_types.Quota, status_code=201)
    def post(self, quota):
        """Set a project's limit: 201, or 409 when it has one already."""
        ctl.enforce('quota:create')
        given = quota.as_dict()
        if not given.get('project_id'):
            raise rules.invalid('project_id', 'this field is mandatory.')
        if not given.get('resource'):
            raise rules.invalid('resource', 'this field is mandatory; one of %s.'
                                % ', '.join(quota_types.RESOURCES))
        hard_limit = given.get('hard_limit')
        row = db.create_quota({'project_id': given['project_id'],
                               'resource': given['resource'],
                               'hard_limit': 1 if hard_limit is None else hard_limit})
        return quota_types.Quota.from_db(row)

    @wsme_pecan.wsexpose(quota_types.Quota, wtypes.text, wtypes.text, body=quota_types.Quota,
                         status_code=202)
    def patch(self, project_id, resource, quota):
        """Change a limit; the body is a plain object (``{"hard_limit": n}``)."""
        ctl.enforce('quota:update')
        _check_resource(resource)
        hard_limit = quota.as_dict().get('hard_limit')
        if hard_limit is None:
            raise rules.invalid('hard_limit', 'an integer of at least 0 is required.')
        row = db.update_quota(project_id, resource, {'hard_limit': hard_limit})
        return quota_types.Quota.from_db(row)

    @wsme_pecan.wsexpose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, project_id, resource):
        """Remove a project's limit; the configured default applies again."""
        ctl.enforce('quota:delete')
        _check_resource(resource)
        db.delete_quota(project_id, resource)
