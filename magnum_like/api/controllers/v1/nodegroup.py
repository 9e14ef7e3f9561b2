"""``/v1/clusters/{ident}/nodegroups`` (1.9+): list, detail, show, create, PATCH, delete.

Creating or deleting a node group is a cluster operation (``nodegroup_create``,
``nodegroup_delete``): written atomically on an idle cluster, then a conductor
is nudged. A PATCH only changes bounds, node labels or taints: it is saved.
Node counts change through ``actions/resize`` (spec §3.3).
"""
from __future__ import annotations

from oslo_utils import uuidutils
from pecan import rest
import wsme
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like import conf as ml_conf
from magnum_like.api import pagination
from magnum_like.api import patch as json_patch
from magnum_like.api.controllers import base as ctl
from magnum_like.api.controllers.v1 import cluster_operation as ops
from magnum_like.api.types import base
from magnum_like.api.types import nodegroup as ng_types
from magnum_like.api.validation import cluster as rules
from magnum_like.api.validation import nodegroup as ng_rules
from magnum_like.common import cloud
from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.conductor import states
from magnum_like.db import api as db
from magnum_like.db import models
from magnum_like.drivers import base as driver_base

CONF = ml_conf.CONF

SORT_KEYS = ('id', 'uuid', 'name', 'node_count', 'role', 'is_default', 'flavor_id', 'image_id',
             'status', 'min_node_count', 'max_node_count', 'created_at', 'updated_at')



def _find_cluster(ident: str, all_projects_rule: str):
    ctl.require_version('nodegroups', 'nodegroups')
    ctl.scope_all_projects(all_projects_rule)
    return ops.find_cluster(ident)


def _find_nodegroup(cluster_uuid: str, ident: str):
    """A node group of an already authorised cluster, by uuid or name."""
    admin = ml_context.get_admin_context()
    if uuidutils.is_uuid_like(ident):
        return db.get_nodegroup_by_uuid(admin, cluster_uuid, ident)
    return db.get_nodegroup_by_name(admin, cluster_uuid, ident)


def _check_cloud(given: dict, labels: dict) -> None:
    """The image and flavor a new node group names exist, as a cluster create checks
    its own (``[cluster_template] validate_cloud_resources``), so that a typo is a 400
    now and not a failed stack later.

    :raises ImageNotFound: or FlavorNotFound, or InvalidParameterValue for a flavor
        without a root disk and no ``boot_volume_size`` label.
    """
    if not CONF.cluster_template.validate_cloud_resources:
        return
    resources = cloud.get_cloud_resources(ctl.context())
    calls = []
    if given.get('image_id'):
        calls.append((resources.get_image, (given['image_id'],)))
    if given.get('flavor_id'):
        calls.append((resources.get_flavor, (given['flavor_id'],)))
    results = cloud.gather(calls)   # independent: at the same time
    if given.get('flavor_id'):
        flavor = results[-1]
        if flavor.get('disk') == 0 and not rules.label_int(labels, 'boot_volume_size', 0):
            raise rules.invalid('flavor_id', 'flavor %s has no root disk; use a flavor with one '
                                             'or set the label boot_volume_size.'
                                % given['flavor_id'])


def _view(row, cluster) -> ng_types.NodeGroup:
    return ng_types.build(row, base_url=ctl.base_url(), cluster_labels=cluster.labels)


class NodeGroupController(rest.RestController):
    """``/v1/clusters/{cluster_ident}/nodegroups``"""

    _custom_actions = {'detail': ['GET']}

    def _collection(self, cluster_ident, *, limit, marker, sort_key, sort_dir, role, rule,
                    all_rule, full: bool, suffix: str = ''):
        cluster = _find_cluster(cluster_ident, all_rule)
        ctl.enforce(rule, ops.owner_target(cluster))
        page = pagination.make_page(limit=limit, marker=marker, sort_key=sort_key,
                                    sort_dir=sort_dir, allowed_keys=SORT_KEYS)
        rows = db.get_nodegroup_list(ml_context.get_admin_context(), cluster.uuid,
                                     limit=page.limit, marker=page.marker,
                                     sort_key=page.sort_key, sort_dir=page.sort_dir,
                                     filters={'role': role} if role else None)
        url = ctl.base_url()
        result = ng_types.NodeGroupCollection()
        result.nodegroups = [ng_types.build(r, base_url=url, cluster_labels=cluster.labels,
                                            full=full) for r in rows]
        params = dict(page.query(), role=role)
        result.set_next(rows, limit=page.limit,
                        url='%s/v1/clusters/%s/nodegroups%s' % (url, cluster.uuid, suffix),
                        marker=rows[-1].uuid if rows else None, params=params)
        return result

    @wsme_pecan.wsexpose(ng_types.NodeGroupCollection, wtypes.text, wtypes.text, int,
                         wtypes.text, wtypes.text, wtypes.text)
    def get_all(self, cluster_ident, marker=None, limit=None, sort_key='id', sort_dir='asc',
                role=None):
        """The cluster's node groups (list fields), optionally of one role."""
        return self._collection(cluster_ident, limit=limit, marker=marker, sort_key=sort_key,
                                sort_dir=sort_dir, role=role, rule='nodegroup:get_all',
                                all_rule='nodegroup:get_all_all_projects', full=False)

    @wsme_pecan.wsexpose(ng_types.NodeGroupCollection, wtypes.text, wtypes.text, int,
                         wtypes.text, wtypes.text, wtypes.text)
    def detail(self, cluster_ident, marker=None, limit=None, sort_key='id', sort_dir='asc',
               role=None):
        """The cluster's node groups with every field."""
        ctl.require_detail_path()
        return self._collection(cluster_ident, limit=limit, marker=marker, sort_key=sort_key,
                                sort_dir=sort_dir, role=role, rule='nodegroup:get_all',
                                all_rule='nodegroup:get_all_all_projects', full=True,
                                suffix='/detail')

    @wsme_pecan.wsexpose(ng_types.NodeGroup, wtypes.text, wtypes.text)
    def get_one(self, cluster_ident, nodegroup_ident):
        """One node group, with its label differences from the cluster's."""
        cluster = _find_cluster(cluster_ident, 'nodegroup:get_one_all_projects')
        ctl.enforce('nodegroup:get', ops.owner_target(cluster))
        return _view(_find_nodegroup(cluster.uuid, nodegroup_ident), cluster)

    @wsme_pecan.wsexpose(ng_types.NodeGroup, wtypes.text, body=ng_types.NodeGroup,
                         status_code=202)
    def post(self, cluster_ident, nodegroup):
        """Accept a new node group: written CREATE_IN_PROGRESS on an idle cluster."""
        cluster = _find_cluster(cluster_ident, 'cluster:update_all_projects')
        ctl.enforce('nodegroup:create', ops.owner_target(cluster))
        given = {k: v for k, v in nodegroup.as_dict().items() if v is not None}
        if not given.get('name'):
            raise rules.invalid('name', 'this field is mandatory.')
        role = given.get('role', 'worker')
        if role == 'master':
            raise exception.CreateMasterNodeGroup()
        if not cluster.api_address:
            raise exception.ClusterAPIAddressUnavailable(cluster=cluster.name or cluster.uuid)
        ngs = ops.nodegroups_of(cluster.uuid)
        if any(ng.name == given['name'] for ng in ngs):
            raise exception.NodeGroupAlreadyExists(name=given['name'], cluster_id=cluster.uuid)
        node_count = given.get('node_count', 1)
        rules.check_node_count(node_count, ctl.version())
        min_count, max_count = given.get('min_node_count', 0), given.get('max_node_count')
        rules.check_bounds(node_count=node_count, min_count=min_count, max_count=max_count,
                           what='node group')
        rules.check_cluster_size(sum(ng.node_count or 0 for ng in ngs) + node_count)
        template = ops.template_of(cluster)
        values = {
            'uuid': uuidutils.generate_uuid(), 'name': given['name'], 'role': role,
            'project_id': cluster.project_id, 'is_default': False,
            'node_count': node_count, 'min_node_count': min_count,
            'max_node_count': max_count,
            'image_id': given.get('image_id') or template.image_id,
            'flavor_id': given.get('flavor_id') or cluster.flavor_id,
            'docker_volume_size': given.get('docker_volume_size', cluster.docker_volume_size),
            'labels': rules.merge_labels(cluster.labels, given.get('labels'),
                                         bool(given.get('merge_labels'))),
            'node_labels': ng_rules.check_node_labels(given.get('node_labels')),
            'node_taints': ng_rules.check_node_taints(given.get('node_taints')),
            'version': given.get('version'), 'status': states.CREATE_IN_PROGRESS,
        }
        _check_cloud(given, values['labels'])
        # What the driver would refuse to build (e.g. bad label values) is a 400 now.
        view = driver_base.ClusterView(cluster=cluster, template=template, nodegroups=ngs)
        ops.driver_for(template).validate_nodegroup(view, models.NodeGroup(**values))
        ops.start_operation(cluster, 'nodegroup_create', args={'nodegroup': values['uuid']},
                                 new_nodegroup=values)
        return _view(_find_nodegroup(cluster.uuid, values['uuid']), cluster)

    @wsme_pecan.wsexpose(ng_types.NodeGroup, wtypes.text, wtypes.text, body=[base.JsonPatch],
                         status_code=202)
    def patch(self, cluster_ident, nodegroup_ident, patch):
        """Change bounds, node labels or taints of a worker node group (saved)."""
        cluster = _find_cluster(cluster_ident, 'cluster:update_all_projects')
        ctl.enforce('nodegroup:update', ops.owner_target(cluster))
        row = _find_nodegroup(cluster.uuid, nodegroup_ident)
        if row.role == 'master':
            raise exception.NotSupported(operation='Updating a master node group')
        values = row.as_dict()
        document = {a.name: values[a.name] for a in ng_types.NodeGroup._wsme_attributes
                    if a.name in values}
        patched = json_patch.apply_patch(document, [p.to_op() for p in patch],
                                         map_fields=('labels', 'node_labels', 'node_taints'),
                                         non_removable=('name', 'node_count', 'role'))
        changed = sorted(f for f in document if patched.get(f) != document.get(f))
        refused = [f for f in changed if f not in ng_types.PATCHABLE]
        if refused:
            raise exception.InvalidParameterValue(
                err='cannot change nodegroup property(ies) %s.' % ', '.join(refused))
        checked = ng_types.NodeGroup()
        for field in ('min_node_count', 'max_node_count'):
            if field in changed:
                try:
                    setattr(checked, field, patched.get(field))
                except (ValueError, TypeError, wsme.exc.ClientSideError) as e:
                    raise rules.invalid(field, 'invalid value %r (%s).'
                                        % (patched.get(field), e))
        updates = {f: patched.get(f) for f in changed}
        if 'node_labels' in updates:
            updates['node_labels'] = ng_rules.check_node_labels(updates['node_labels'])
        if 'node_taints' in updates:
            updates['node_taints'] = ng_rules.check_node_taints(updates['node_taints'])
        rules.check_bounds(node_count=row.node_count or 0,
                           min_count=patched.get('min_node_count'),
                           max_count=patched.get('max_node_count'), what='node group')
        if updates:
            row = db.update_nodegroup(cluster.uuid, row.uuid, updates)
        return _view(row, cluster)

    @wsme_pecan.wsexpose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, cluster_ident, nodegroup_ident):
        """Accept a node group delete (not of a default group)."""
        cluster = _find_cluster(cluster_ident, 'cluster:update_all_projects')
        ctl.enforce('nodegroup:delete', ops.owner_target(cluster))
        row = _find_nodegroup(cluster.uuid, nodegroup_ident)
        if row.is_default:
            raise exception.DeletingDefaultNGNotSupported(nodegroup=row.name)
        ops.start_operation(cluster, 'nodegroup_delete', args={'nodegroup': row.uuid},
                                 nodegroup_updates={row.uuid: {
                                     'status': states.DELETE_IN_PROGRESS}})
