"""``/v1/clusters``: list, detail, show, create, PATCH, delete (spec §3.2).

Every change is written to the database as an *intent* first (status,
``operation``, ``operation_args``, ``deadline``) in one transaction, then a
conductor is nudged with a ``process_cluster`` cast; the 202 does not depend
on the cast (DESIGN §2). Operations on a busy cluster are refused here with a
409 instead of failing silently later in a conductor.
"""
from __future__ import annotations

from typing import Any

from oslo_utils import strutils
from oslo_utils import uuidutils
from pecan import rest
import wsme
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like import conf as ml_conf
from magnum_like.api import microversion
from magnum_like.api import pagination
from magnum_like.api import patch as json_patch
from magnum_like.api.controllers import base as ctl
from magnum_like.api.controllers.v1 import cluster_actions
from magnum_like.api.controllers.v1 import cluster_operation
from magnum_like.api.controllers.v1 import federation as federation_ctl
from magnum_like.api.controllers.v1 import cluster_template as ct_ctl
from magnum_like.api.controllers.v1 import nodegroup as ng_ctl
from magnum_like.api.types import base
from magnum_like.api.types import cluster as cluster_types
from magnum_like.api.validation import cluster as rules
from magnum_like.common import cloud
from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.common import names
from magnum_like.conductor import states
from magnum_like.db import api as db
from magnum_like.db import models
from magnum_like.drivers import base as driver_base
from magnum_like.pki import trust

CONF = ml_conf.CONF

#: Attributes a client may sort by (the node counts live on node groups).
SORT_KEYS = ('id', 'uuid', 'name', 'cluster_template_id', 'keypair', 'docker_volume_size',
             'master_flavor_id', 'flavor_id', 'create_timeout', 'status', 'health_status',
             'project_id', 'user_id', 'created_at', 'updated_at', 'stack_id')

#: Cluster attributes copied from the template when the request leaves them out.
#: What the list route returns: a page already rendered as JSON values.
LIST_DOC = base.Document(cluster_types.ClusterCollection)

TEMPLATE_DEFAULTS = {'keypair': 'keypair_id', 'docker_volume_size': 'docker_volume_size',
                     'master_flavor_id': 'master_flavor_id', 'flavor_id': 'flavor_id',
                     'fixed_network': 'fixed_network', 'fixed_subnet': 'fixed_subnet',
                     'floating_ip_enabled': 'floating_ip_enabled',
                     'master_lb_enabled': 'master_lb_enabled'}

#: What a PATCH document holds: the writable attributes.
_PATCH_DOCUMENT = ('name', 'cluster_template_id', 'keypair', 'node_count', 'master_count',
                   'docker_volume_size', 'labels', 'master_flavor_id', 'flavor_id',
                   'create_timeout', 'discovery_url', 'fixed_network', 'fixed_subnet',
                   'floating_ip_enabled', 'master_lb_enabled', 'health_status',
                   'health_status_reason')


# -- helpers shared by the cluster, action and node-group controllers ----------------

# Shared with cluster_actions.py and nodegroup.py (they live below, in cluster_operation.py).
nodegroups_of = cluster_operation.nodegroups_of
default_nodegroup = cluster_operation.default_nodegroup
template_of = cluster_operation.template_of
driver_for = cluster_operation.driver_for


def _check_cloud(values: dict, given: dict) -> None:
    """Flavors, networks and keypair exist (flavors have a root disk without a boot volume).

    When several are missing the error is Magnum's first, in Magnum's order: flavors,
    then the fixed network and subnet, the keypair last (so a cluster naming a missing
    flavor and a missing keypair is a 400 for the flavor, not a 404 for the keypair).
    """
    if not CONF.cluster_template.validate_cloud_resources:
        return
    resources = cloud.get_cloud_resources(ctl.context())
    flavor_fields = [f for f in ('flavor_id', 'master_flavor_id') if values.get(f)]
    calls = [(resources.get_flavor, (values[f],)) for f in flavor_fields]
    if 'fixed_network' in given:
        calls.append((resources.get_network, (values['fixed_network'],)))
    if 'fixed_subnet' in given:
        calls.append((resources.get_subnet, (values['fixed_subnet'],)))
    if values.get('keypair'):
        calls.append((resources.get_keypair, (values['keypair'],)))
    # independent: at the same time; gather raises the first failure in this order
    flavors = cloud.gather(calls)[:len(flavor_fields)]
    boot_volume = rules.label_int(values['labels'], 'boot_volume_size', 0)
    for field, flavor in zip(flavor_fields, flavors):
        if not boot_volume and flavor.get('disk') == 0:
            raise rules.invalid(field, 'flavor %s has no root disk; use a flavor with one '
                                       'or set the label boot_volume_size.' % values[field])


def _template_for_create(ident: str) -> models.ClusterTemplate:
    try:
        template = ct_ctl.find_template(ident)
    except exception.ClusterTemplateNotFound as error:
        # Clients before 1.10 were told 400 here (spec §1).
        if ctl.version() < microversion.HISTORY['zero_node_count']:
            raise exception.InvalidParameterValue(err=str(error))
        raise
    if template.hidden and not ctl.context().is_admin:
        raise exception.ClusterTemplateHidden(clustertemplate=ident)
    return template


def _new_cluster_values(given: dict, template: Any) -> tuple[dict, list[dict]]:
    """The rows of a new cluster: the request, the template's defaults, and the intent."""
    ctx = ctl.context()
    values = {field: given.get(field, getattr(template, attr))
              for field, attr in TEMPLATE_DEFAULTS.items()}
    labels = rules.merge_labels(template.labels, given.get('labels'),
                                bool(given.get('merge_labels')))
    timeout = given.get('create_timeout') or CONF.cluster.create_timeout
    values.update(uuid=uuidutils.generate_uuid(),
                  name=given.get('name') or names.generate('cluster'),
                  cluster_template_id=template.uuid, labels=labels, create_timeout=timeout,
                  discovery_url=given.get('discovery_url') or None, project_id=ctx.project_id,
                  user_id=ctx.user_id, status=states.CREATE_IN_PROGRESS, operation='create',
                  operation_args={}, deadline=cluster_operation.deadline(timeout))
    size = values['docker_volume_size']
    if size is not None and template.docker_storage_driver == 'devicemapper' and size < 3:
        raise rules.invalid('docker_volume_size', 'must be at least 3 (GB) with the '
                                                  "template's docker_storage_driver devicemapper.")
    if given.get('master_count', 1) < 1:
        raise rules.invalid('master_count', 'must be at least 1 (got %d).' % given['master_count'])
    node_count = given.get('node_count', 1)
    rules.check_node_count(node_count, ctl.version())
    rules.check_cluster_size(node_count + given.get('master_count', 1))
    min_count = rules.label_int(labels, 'min_node_count', 0)
    max_count = rules.label_int(labels, 'max_node_count', None)
    rules.check_bounds(node_count=node_count, min_count=min_count, max_count=max_count,
                       what='default worker node group (labels min/max_node_count)')
    common = {'project_id': ctx.project_id, 'labels': dict(labels), 'is_default': True,
              'image_id': template.image_id, 'docker_volume_size': size,
              'status': states.CREATE_IN_PROGRESS}
    nodegroups = [
        dict(common, uuid=uuidutils.generate_uuid(), name='default-master', role='master',
             node_count=given.get('master_count', 1), min_node_count=0,
             flavor_id=values['master_flavor_id']),
        dict(common, uuid=uuidutils.generate_uuid(), name='default-worker', role='worker',
             node_count=node_count, min_node_count=min_count, max_node_count=max_count,
             flavor_id=values['flavor_id']),
    ]
    return values, nodegroups


def _create_with_trust(values: dict, nodegroups: list[dict]) -> None:
    """Write the new cluster's rows together with its trust, or neither.

    The trust needs the caller's token, which a conductor acting later may not
    have (DESIGN §12): it is made now, before the rows, and undone if the rows
    cannot be written (quota, database down).

    :raises TrustRefused: (403) Keystone refused the caller's trust.
    :raises TrusteeOrTrustToClusterFailed: (503) Keystone unavailable.
    """
    made = trust.create_for_request(ctl.context(), values['uuid'], values['project_id'],
                                    values['user_id'])
    values.update(made)
    try:
        db.create_cluster_with_nodegroups(
            values, nodegroups, default_limit=CONF.quotas.max_clusters_per_project)
    except BaseException:
        if made:
            trust.discard(values['uuid'], made)
        raise


def build_view(cluster_values: dict, template: Any, nodegroups: list[dict]) -> Any:
    """A driver's ``ClusterView`` of rows not saved yet."""
    return driver_base.ClusterView(
        cluster=models.Cluster(**cluster_values), template=template,
        nodegroups=[models.NodeGroup(**ng) for ng in nodegroups])


def _counts(row: Any, nodegroups: list) -> dict:
    """Worker and master totals of a cluster.

    A listed row carries them from its own statement (``db.get_cluster_list``):
    node groups read afterwards may already be gone with a delete that committed
    in between. A row read alone sums ``nodegroups``.
    """
    if row.listed_master_count is not None:
        # int(): MariaDB's SUM is a DECIMAL.
        return {'node_count': int(row.listed_node_count or 0),
                'master_count': int(row.listed_master_count)}
    return {'node_count': sum(ng.node_count or 0 for ng in nodegroups if ng.role != 'master'),
            'master_count': sum(ng.node_count or 0 for ng in nodegroups if ng.role == 'master')}


def _render(rows: list, *, full: bool, with_faults: bool = False) -> list:
    """API views of a page of clusters: a fixed number of queries, not one per row."""
    uuids = [r.uuid for r in rows]
    url, version = ctl.base_url(), ctl.version()
    # A live cluster always has masters. One without (its node groups went with a
    # delete, seen by the detail list's second read) is gone: it is left out, in
    # both lists alike, rather than shown with zero masters.
    if not full:
        counted = [(r, _counts(r, [])) for r in rows]
        return [cluster_types.list_dict(r, base_url=url, version=version, counts=counts)
                for r, counts in counted if counts['master_count']]
    groups = db.get_nodegroups_by_cluster(uuids)
    rows = [r for r in rows if any(ng.role == 'master' and ng.node_count
                                   for ng in groups[r.uuid])]
    template_ids = sorted({r.cluster_template_id for r in rows if r.cluster_template_id})
    templates = {t.uuid: t for t in db.get_cluster_template_list(
        ml_context.get_admin_context(), filters={'uuid': template_ids})} if template_ids else {}
    result = []
    for row in rows:
        ngs = groups[row.uuid]
        counts = _counts(row, ngs)
        template = templates.get(row.cluster_template_id)
        result.append(cluster_types.build(
            row, base_url=url, version=version, counts=counts, nodegroups=ngs,
            template_labels=template.labels if template is not None else None,
            with_faults=with_faults and row.status in states.FAILED))
    return result


def _parse_rollback(rollback: str | None) -> bool:
    if rollback is None:
        return False
    if ctl.version() < microversion.HISTORY['rollback']:
        raise exception.InvalidParameterValue(
            err='rollback: supported from API version %s (requested %s).'
                % (microversion.HISTORY['rollback'], ctl.version()))
    try:
        return strutils.bool_from_string(rollback, strict=True)
    except ValueError:
        raise rules.invalid('rollback', "must be 'true' or 'false' (got %r)." % rollback)


class ClustersController(rest.RestController):
    """``/v1/clusters``"""

    _custom_actions = {'detail': ['GET']}

    actions = cluster_actions.ClusterActionsController()
    nodegroups = ng_ctl.NodeGroupController()

    def _collection(self, *, limit, marker, sort_key, sort_dir, full: bool,
                    url_suffix: str = ''):
        """The page: a ``ClusterCollection`` (detail) or its JSON as a dict (list)."""
        page = pagination.make_page(limit=limit, marker=marker, sort_key=sort_key,
                                    sort_dir=sort_dir, allowed_keys=SORT_KEYS)
        rows = db.get_cluster_list(ctl.context(), limit=page.limit, marker=page.marker,
                                   sort_key=page.sort_key, sort_dir=page.sort_dir,
                                   columns=None if full else cluster_types.LIST_ROW_COLUMNS)
        if not full:
            return base.collection_dict(
                'clusters', _render(rows, full=False), limit=page.limit,
                url=ctl.base_url() + '/v1/clusters' + url_suffix,
                marker=rows[-1].uuid if rows else None, params=page.query())
        result = cluster_types.ClusterCollection()
        result.clusters = _render(rows, full=full)
        result.set_next(rows, limit=page.limit,
                        url=ctl.base_url() + '/v1/clusters' + url_suffix,
                        marker=rows[-1].uuid if rows else None, params=page.query())
        return result

    @wsme_pecan.wsexpose(LIST_DOC, wtypes.text, int, wtypes.text, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_key='id', sort_dir='asc'):
        """The caller's clusters (every project's for an admin), list fields only."""
        ctl.enforce('cluster:get_all')
        ctl.scope_all_projects('cluster:get_all_all_projects')
        return self._collection(limit=limit, marker=marker, sort_key=sort_key,
                                sort_dir=sort_dir, full=False)

    @wsme_pecan.wsexpose(cluster_types.ClusterCollection, wtypes.text, int, wtypes.text,
                         wtypes.text)
    def detail(self, marker=None, limit=None, sort_key='id', sort_dir='asc'):
        """The caller's clusters with every field."""
        ctl.require_detail_path()
        ctl.enforce('cluster:detail')
        ctl.scope_all_projects('cluster:detail_all_projects')
        return self._collection(limit=limit, marker=marker, sort_key=sort_key,
                                sort_dir=sort_dir, full=True, url_suffix='/detail')

    @wsme_pecan.wsexpose(cluster_types.Cluster, wtypes.text)
    def get_one(self, ident):
        """One cluster by uuid or name, with ``faults`` when it failed."""
        ctl.scope_all_projects('cluster:get_one_all_projects')
        row = cluster_operation.find_cluster(ident)
        ctl.enforce('cluster:get', cluster_operation.owner_target(row))
        return _render([row], full=True, with_faults=True)[0]

    @wsme_pecan.wsexpose(cluster_types.ClusterID, body=cluster_types.Cluster,
                         status_code=202)
    def post(self, cluster):
        """Accept a new cluster: its rows are written in CREATE_IN_PROGRESS, 202 ``{uuid}``."""
        ctl.enforce('cluster:create')
        given = {k: v for k, v in cluster.as_dict().items() if v is not None}
        refused = sorted(set(given) - set(cluster_types.CREATE_FIELDS))
        if refused:
            raise exception.InvalidParameterValue(
                err='%s: cannot be set when creating a cluster.' % ', '.join(refused))
        if not given.get('cluster_template_id'):
            raise rules.invalid('cluster_template_id', 'this field is mandatory.')
        template = _template_for_create(given['cluster_template_id'])
        driver = driver_for(template)
        values, nodegroups = _new_cluster_values(given, template)
        _check_cloud(values, given)
        driver.validate_cluster(build_view(values, template, nodegroups))
        _create_with_trust(values, nodegroups)
        cluster_operation.nudge_conductor(values['uuid'])
        return cluster_types.ClusterID(uuid=values['uuid'])

    @wsme_pecan.wsexpose(cluster_types.ClusterID, wtypes.text, wtypes.text,
                         body=[base.JsonPatch], status_code=202)
    def patch(self, ident, rollback=None, patch=None):
        """Change ``node_count`` (an update operation) or the health fields (saved)."""
        do_rollback = _parse_rollback(rollback)
        ctl.scope_all_projects('cluster:update_all_projects')
        row = cluster_operation.find_cluster(ident)
        ngs = nodegroups_of(row.uuid)
        counts = {'node_count': sum(n.node_count or 0 for n in ngs if n.role != 'master'),
                  'master_count': sum(n.node_count or 0 for n in ngs if n.role == 'master')}
        current = {f: row.as_dict().get(f) for f in _PATCH_DOCUMENT}
        current.update(counts)
        patched = json_patch.apply_patch(
            current, [p.to_op() for p in patch or []],
            map_fields=('labels', 'health_status_reason'),
            non_removable=('cluster_template_id', 'node_count', 'master_count'))
        changed = sorted(f for f in _PATCH_DOCUMENT if patched.get(f) != current.get(f))
        refused = [f for f in changed if f not in cluster_types.PATCHABLE]
        if refused:
            raise exception.InvalidParameterValue(
                err='cannot change cluster property(ies) %s.' % ', '.join(refused))
        checked = cluster_types.Cluster()
        for field in changed:
            try:
                setattr(checked, field, patched.get(field))
            except (ValueError, TypeError, exception.Invalid, wsme.exc.ClientSideError) as e:
                raise rules.invalid(field, 'invalid value %r (%s).' % (patched.get(field), e))
        health = {f: getattr(checked, f) for f in changed if f in cluster_types.HEALTH_FIELDS}
        if 'node_count' not in changed:
            ctl.enforce('cluster:update_health_status' if health else 'cluster:update',
                        cluster_operation.owner_target(row))
            if health:
                db.update_cluster(row.uuid, health)
            return cluster_types.ClusterID(uuid=row.uuid)
        ctl.enforce('cluster:update', cluster_operation.owner_target(row))
        worker = default_nodegroup(ngs, 'worker')
        new_count = checked.node_count
        rules.check_node_count(new_count, ctl.version())
        rules.check_bounds(node_count=new_count, min_count=worker.min_node_count,
                           max_count=worker.max_node_count, what='default worker node group')
        rules.check_cluster_size(sum(n.node_count or 0 for n in ngs if n.uuid != worker.uuid)
                                 + new_count)
        cluster_operation.start_operation(row, 'update',
                        args={'nodegroup': worker.uuid, 'old_node_count': worker.node_count,
                              'rollback': do_rollback},
                        cluster_updates=health,
                        nodegroup_updates={worker.uuid: {'node_count': new_count}})
        return cluster_types.ClusterID(uuid=row.uuid)

    @wsme_pecan.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, ident):
        """Accept a delete: the cluster and its node groups go DELETE_IN_PROGRESS.

        A cluster hosting a federation is refused (409) until the federation is gone;
        a member first leaves its federation (an update of the federation,
        accepted here and carried out by a conductor like any unjoin).
        """
        ctl.scope_all_projects('cluster:delete_all_projects')
        row = cluster_operation.find_cluster(ident)
        ctl.enforce('cluster:delete', cluster_operation.owner_target(row))
        hosted = db.get_federations_by_hostcluster(row.uuid)
        if hosted:
            raise exception.ClusterHostsFederation(
                cluster=row.name or row.uuid,
                federations=', '.join('%s (%s)' % (f.name, f.uuid) for f in hosted))
        federation_ctl.unjoin_deleted_member(row.uuid)
        cluster_operation.start_operation(row, 'delete', args={}, status=states.DELETE_IN_PROGRESS,
                        all_nodegroups={'status': states.DELETE_IN_PROGRESS})
