"""``/v1/clustertemplates``: list, detail, show, create, JSON-PATCH update, delete (spec §3.1)."""
from __future__ import annotations

from oslo_utils import uuidutils
import pecan
from pecan import rest
import wsme
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like import conf as ml_conf
from magnum_like.api import pagination
from magnum_like.api import patch as json_patch
from magnum_like.api.controllers import base as ctl
from magnum_like.api.types import base
from magnum_like.api.types import cluster_template as ct_types
from magnum_like.api.validation import cluster_template as rules
from magnum_like.common import cloud
from magnum_like.common import exception
from magnum_like.common import names
from magnum_like.db import api as db

CONF = ml_conf.CONF

#: Attributes a client may sort by.
SORT_KEYS = ('id', 'uuid', 'name', 'coe', 'image_id', 'created_at', 'updated_at',
             'server_type', 'cluster_distro', 'network_driver', 'public', 'hidden',
             'project_id', 'flavor_id', 'master_flavor_id', 'keypair_id', 'tags', 'driver')

#: What the routes return: documents built by ``ClusterTemplate.to_api_dict``, not
#: WSME objects (WSME's per-attribute serialisation dominated the read profile).
DOC = base.Document(ct_types.ClusterTemplate)
COLLECTION_DOC = base.Document(ct_types.ClusterTemplateCollection)


def _document(row) -> dict:
    return ct_types.ClusterTemplate.to_api_dict(row, ctl.base_url())


def _writable_fields() -> list[str]:
    """What the API stores; the type's other attributes are read-only."""
    return [a.name for a in ct_types.ClusterTemplate._wsme_attributes
            if a.name not in ct_types.READ_ONLY]


def find_template(ident: str, *, read_only: bool = False):
    """The visible template with this uuid or name.

    :param read_only: a read-only row of the columns is enough (by uuid, no
        model object is built: the read route's fast path).
    :raises ClusterTemplateNotFound: ConflictMultipleResources for a shared name.
    """
    ctx = ctl.context()
    if uuidutils.is_uuid_like(ident):
        if read_only:
            return db.get_cluster_template_row(ctx, ident)
        return db.get_cluster_template_by_uuid(ctx, ident)
    return db.get_cluster_template_by_name(ctx, ident)


def _target(row) -> dict:
    return {'project_id': row.project_id, 'user_id': row.user_id}


def _check_publish(values: dict, before: dict | None = None) -> None:
    """Setting ``public`` or ``hidden`` needs ``clustertemplate:publish``."""
    for flag in ('public', 'hidden'):
        old = (before or {}).get(flag, False)
        if bool(values.get(flag)) != bool(old):
            try:
                ctl.enforce('clustertemplate:publish')
            except exception.PolicyNotAuthorized:
                raise exception.ClusterTemplatePublishDenied()


def _check_cloud(values: dict, *, fields: set | None) -> dict:
    if not CONF.cluster_template.validate_cloud_resources:
        return {}
    return rules.check_cloud_resources(values, cloud.get_cloud_resources(ctl.context()),
                                       fields=fields)


class ClusterTemplatesController(ctl.FlatResourceRoutes, rest.RestController):
    """``/v1/clustertemplates``"""

    _custom_actions = {'detail': ['GET']}

    def _collection(self, *, limit, marker, sort_key, sort_dir, url_suffix=''):
        page = pagination.make_page(limit=limit, marker=marker, sort_key=sort_key,
                                    sort_dir=sort_dir, allowed_keys=SORT_KEYS)
        rows = db.get_cluster_template_list(ctl.context(), limit=page.limit,
                                            marker=page.marker, sort_key=page.sort_key,
                                            sort_dir=page.sort_dir, as_rows=True)
        url = ctl.base_url()
        return base.collection_dict(
            'clustertemplates', ct_types.ClusterTemplate.rows_to_api_dicts(rows, url),
            limit=page.limit,
            url=url + '/v1/clustertemplates' + url_suffix,
            marker=rows[-1].uuid if rows else None, params=page.query())

    @wsme_pecan.wsexpose(COLLECTION_DOC, wtypes.text, int, wtypes.text, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_key='id', sort_dir='asc'):
        """Every template the caller may see (list shows every field)."""
        ctl.enforce('clustertemplate:get_all')
        ctl.scope_all_projects('clustertemplate:get_all_all_projects')
        return self._collection(limit=limit, marker=marker, sort_key=sort_key,
                                sort_dir=sort_dir)

    @wsme_pecan.wsexpose(COLLECTION_DOC, wtypes.text, int, wtypes.text, wtypes.text)
    def detail(self, marker=None, limit=None, sort_key='id', sort_dir='asc'):
        """Same content as the list, under its own policy."""
        ctl.require_detail_path()
        ctl.enforce('clustertemplate:detail')
        ctl.scope_all_projects('clustertemplate:detail_all_projects')
        return self._collection(limit=limit, marker=marker, sort_key=sort_key,
                                sort_dir=sort_dir, url_suffix='/detail')

    @wsme_pecan.wsexpose(DOC, wtypes.text)
    def get_one(self, ident):
        """One template by uuid or name; public ones need no policy check."""
        ctl.scope_all_projects('clustertemplate:get_one_all_projects')
        row = find_template(ident, read_only=True)
        if not row.public:
            ctl.enforce('clustertemplate:get', _target(row))
        return _document(row)

    @wsme_pecan.wsexpose(DOC, body=ct_types.ClusterTemplate, status_code=201)
    def post(self, cluster_template):
        """Create a template: 201, its document, and ``Location``."""
        ctx = ctl.context()
        ctl.enforce('clustertemplate:create')
        given = cluster_template.as_dict()
        read_only = sorted(set(given) & set(ct_types.READ_ONLY) - {'uuid'})
        if read_only:
            raise exception.InvalidParameterValue(
                err='%s: read-only attribute(s), set by the service.' % ', '.join(read_only))
        values = rules.apply_defaults(given)
        rules.check_rules(values)
        _check_publish(values)
        derived = _check_cloud(values, fields=None)
        if 'cluster_distro' in derived:
            values['cluster_distro'] = derived['cluster_distro']
        values['driver'] = rules.resolve_driver(values, derived.get('image_driver'))
        values.setdefault('name', names.generate('template'))
        values['project_id'] = ctx.project_id
        values['user_id'] = ctx.user_id
        row = db.create_cluster_template(values)
        result = _document(row)
        pecan.response.location = result['links'][0]['href']
        return result

    @wsme_pecan.wsexpose(DOC, wtypes.text, body=[base.JsonPatch])
    def patch(self, ident, patch):
        """Apply a JSON-PATCH; a template in use only takes the changes spec §4.1 allows."""
        ctl.scope_all_projects('clustertemplate:update_all_projects')
        row = find_template(ident)
        ctl.enforce('clustertemplate:update', _target(row))
        fields = _writable_fields()
        current = {f: v for f, v in row.as_dict().items() if f in fields}
        ops = [p.to_op() for p in patch]
        patched = json_patch.apply_patch(current, ops, map_fields=('labels',),
                                         non_removable=rules.NON_REMOVABLE)
        checked = ct_types.ClusterTemplate()
        for field in fields:
            try:
                setattr(checked, field, patched.get(field))
            except (ValueError, TypeError, exception.Invalid) as e:
                raise exception.InvalidParameterValue(
                    err='%s: invalid value %r (%s).' % (field, patched.get(field), e))
        values = rules.apply_defaults(
            {f: getattr(checked, f) for f in fields
             if getattr(checked, f) is not wsme.Unset})
        rules.check_rules(values)
        changed = {f for f in fields if values.get(f) != current.get(f)}
        if not changed:
            return _document(row)
        _check_publish(values, current)
        derived = _check_cloud(values, fields=changed)
        if 'cluster_distro' in derived:
            values['cluster_distro'] = derived['cluster_distro']
            changed.add('cluster_distro')
        if changed & {'driver', 'server_type', 'coe', 'cluster_distro', 'image_id'}:
            # A driver the patch names (even its current one) is kept; otherwise the
            # driver follows the new (server_type, cluster_distro, coe).
            named = 'driver' in changed or any(op['path'] == '/driver' for op in ops)
            values['driver'] = rules.resolve_driver(
                values if named else dict(values, driver=None),
                derived.get('image_driver'))
            changed.add('driver')
        updates = {f: values.get(f) for f in changed if values.get(f) != current.get(f)}
        if not updates:
            return _document(row)
        row = db.update_cluster_template(row.uuid, updates)
        return _document(row)

    @wsme_pecan.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, ident):
        """Delete a template no cluster uses."""
        ctl.scope_all_projects('clustertemplate:delete_all_projects')
        row = find_template(ident)
        ctl.enforce('clustertemplate:delete', _target(row))
        db.destroy_cluster_template(row.uuid)
