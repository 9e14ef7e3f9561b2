"""``/v1/clusters/{ident}/actions``: resize (1.7+) and upgrade (1.8+) (spec §3.2).

Both check what the driver can do synchronously, so a refusal is a 400 now
and not a silent failure in a conductor later; then the intent is written
and a conductor nudged, as for every cluster operation.
"""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes
from wsmeext import pecan as wsme_pecan

from magnum_like.api import microversion
from magnum_like.api.controllers import base as ctl
from magnum_like.api.controllers.v1 import cluster_operation as ops
from magnum_like.api.controllers.v1 import cluster_template as ct_ctl
from magnum_like.api.types import cluster as cluster_types
from magnum_like.api.types import fields
from magnum_like.api.validation import cluster as rules
from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.common import nodes
from magnum_like.conductor import states
from magnum_like.drivers import base as driver_base



def find_nodegroup(nodegroups: list, ident: str | None, *, default_role: str):
    """A node group of the cluster by uuid or name, or its default one of ``default_role``.

    :raises NodeGroupNotFound:
    """
    if ident is None:
        return ops.default_nodegroup(nodegroups, default_role)
    for ng in nodegroups:
        if ident in (ng.uuid, ng.name):
            return ng
    raise exception.NodeGroupNotFound(nodegroup=ident)


def named_nodes(cluster, driver, view, nodegroup, entries: list, node_count: int) -> list:
    """The member indexes of the nodes a resize names, checked against Heat now.

    :raises InvalidParameterValue: (400) an entry that is a master or no current
        node of the node group; more nodes removed than named.
    :raises ServiceUnavailable: (503) Heat cannot be asked.
    """
    if not entries:
        return []
    groups = driver.node_groups(view, nodegroup)
    if groups is None:
        raise rules.invalid('nodes_to_remove', 'the %s driver cannot remove named nodes; '
                                               'give node_count only.'
                            % driver_base.driver_name(driver))
    stack_id = nodegroup.stack_id if not nodegroup.is_default else (
        cluster.stack_id or nodegroup.stack_id)
    if not stack_id:
        raise rules.invalid('nodes_to_remove', 'node group %s has no nodes in Heat yet.'
                            % nodegroup.name)
    try:
        members = nodes.members_of(heat.HeatClient(cluster.project_id), stack_id, *groups)
    except heat.NotFound:
        raise rules.invalid('nodes_to_remove', 'the stack of node group %s is gone from '
                                               'Heat.' % nodegroup.name) from None
    except (heat.heat_exc.HTTPException, heat.heat_exc.CommunicationError,
            heat.ks_exc.ClientException) as error:
        raise exception.ServiceUnavailable(service='Heat', reason=heat.reason_of(error)) from None
    chosen = nodes.resolve(entries, members.get('worker', []), members.get('master', []),
                           nodegroup.name)
    nodes.check_count(chosen, nodegroup.node_count or 0, node_count)
    return chosen


class ClusterActionsController(rest.RestController):
    """``/v1/clusters/{ident}/actions``"""

    _custom_actions = {'resize': ['POST'], 'upgrade': ['POST']}

    @wsme_pecan.wsexpose(cluster_types.ClusterID, wtypes.text,
                         body=cluster_types.ClusterResizeRequest, status_code=202)
    def resize(self, cluster_ident, request):
        """Set a node group's size (default: the default worker group)."""
        ctl.require_version('resize', 'resize')
        ctl.scope_all_projects('cluster:update_all_projects')
        cluster = ops.find_cluster(cluster_ident)
        ctl.enforce('cluster:resize', ops.owner_target(cluster))
        nodes_to_remove = request.nodes_to_remove
        if nodes_to_remove is None or nodes_to_remove is wtypes.Unset:
            nodes_to_remove = []
        if (not isinstance(nodes_to_remove, list)
                or not all(isinstance(n, str) and n for n in nodes_to_remove)):
            raise rules.invalid('nodes_to_remove', 'must be a list of node ids (strings).')
        if len(nodes_to_remove) > fields.max_nodes():
            raise rules.invalid('nodes_to_remove', 'at most %d entries (%s).'
                                % (fields.max_nodes(), fields.MAX_NODES_OPTION))
        node_count = request.node_count
        rules.check_node_count(node_count, ctl.version())
        ngs = ops.nodegroups_of(cluster.uuid)
        nodegroup = find_nodegroup(ngs, request.nodegroup or None, default_role='worker')
        template = ops.template_of(cluster)
        driver = ops.driver_for(template)
        view = driver_base.ClusterView(cluster=cluster, template=template, nodegroups=ngs)
        if nodegroup.role == 'master':
            driver.validate_resize(view, nodegroup, node_count, nodes_to_remove)
        else:
            min_count = nodegroup.min_node_count or 0
            max_count = nodegroup.max_node_count
            if node_count < min_count or (max_count is not None and node_count > max_count):
                raise exception.NGResizeOutBounds(nodegroup=nodegroup.name,
                                                  node_count=node_count, min_nc=min_count,
                                                  max_nc=max_count)
            driver.validate_resize(view, nodegroup, node_count, nodes_to_remove)
        rules.check_cluster_size(sum(ng.node_count or 0 for ng in ngs
                                     if ng.uuid != nodegroup.uuid) + node_count)
        nodes_to_remove = named_nodes(cluster, driver, view, nodegroup, nodes_to_remove,
                                      node_count)
        ops.start_operation(
            cluster, 'resize',
            args={'nodegroup': nodegroup.uuid, 'node_count': node_count,
                  'old_node_count': nodegroup.node_count, 'nodes_to_remove': nodes_to_remove},
            nodegroup_updates={nodegroup.uuid: {'node_count': node_count,
                                                'status': states.UPDATE_IN_PROGRESS}})
        return cluster_types.ClusterID(uuid=cluster.uuid)

    @wsme_pecan.wsexpose(cluster_types.ClusterID, wtypes.text,
                         body=cluster_types.ClusterUpgradeRequest, status_code=202)
    def upgrade(self, cluster_ident, request):
        """Move a cluster (or one node group) to another template."""
        ctl.require_version('resize', 'upgrade')
        if ctl.version() < microversion.HISTORY['upgrade']:
            raise exception.NotSupported(operation='Upgrading a cluster at API version %s (it '
                                                   'needs %s)' % (ctl.version(),
                                                                  microversion.HISTORY['upgrade']))
        ctl.scope_all_projects('cluster:upgrade_all_projects')
        cluster = ops.find_cluster(cluster_ident)
        ctl.enforce('cluster:upgrade', ops.owner_target(cluster))
        new_template = ct_ctl.find_template(request.cluster_template)
        if new_template.hidden and not ctl.context().is_admin:
            raise exception.ClusterTemplateHidden(clustertemplate=request.cluster_template)
        max_batch_size = request.max_batch_size
        if max_batch_size is None or max_batch_size is wtypes.Unset:
            max_batch_size = 1
        ngs = ops.nodegroups_of(cluster.uuid)
        template = ops.template_of(cluster)
        driver = ops.driver_for(template)
        nodegroup = find_nodegroup(ngs, request.nodegroup or None,
                                   default_role=driver.upgrade_default_role)
        if not nodegroup.is_default and new_template.uuid != cluster.cluster_template_id:
            raise exception.InvalidClusterTemplateForUpgrade(
                reason='node group %s can only be upgraded to the cluster\'s current template '
                       '(%s).' % (nodegroup.name, cluster.cluster_template_id))
        view = driver_base.ClusterView(cluster=cluster, template=template, nodegroups=ngs)
        driver.validate_upgrade(view, new_template, nodegroup, max_batch_size)
        ops.start_operation(
            cluster, 'upgrade',
            args={'cluster_template': new_template.uuid, 'max_batch_size': max_batch_size,
                  'nodegroup': nodegroup.uuid},
            nodegroup_updates={ng.uuid: {'status': states.UPDATE_IN_PROGRESS}
                               for ng in ngs if ng.uuid == nodegroup.uuid
                               or nodegroup.is_default and ng.is_default})
        return cluster_types.ClusterID(uuid=cluster.uuid)
