"""Behaviour shared by the Fedora Kubernetes Heat drivers.

``K8sFedoraDefinition`` turns a resize's ``nodes_to_remove`` into what the
``kube_minions`` ResourceGroup's removal policy accepts, and an upgrade into
parameter changes; ``K8sFedoraDriver`` adds the checks the API makes and reads
a finished stack back into cluster fields.
"""
from __future__ import annotations

import re
from typing import Any, ClassVar

from oslo_context import context as oslo_context

from magnum_like.common import cloud
from magnum_like.common import exception
from magnum_like import conf as ml_conf
from magnum_like.drivers import base
from magnum_like.drivers.heat import common
from magnum_like.drivers.heat import driver as heat_driver
from magnum_like.drivers.heat import k8s_fedora
from magnum_like.drivers.heat import mapping
from magnum_like.drivers.heat.k8s_fedora import params as k8s_params

CONF = ml_conf.CONF

#: Network drivers the node scripts set up.
NETWORK_DRIVERS = ('flannel', 'calico')
#: Characters a value written into the nodes' heat-params file cannot hold
#: (values are single-quoted shell words there).
_UNSAFE = re.compile(r"['\n\r\x00]")


def _addresses(view, value) -> list:
    return mapping.as_list(view, value)


def _floating(view) -> bool:
    return bool(view.attr('floating_ip_enabled'))


def _api_url(view, address) -> str | None:
    if isinstance(address, list):
        address = address[0] if address else None
    if not address:
        return None
    if view.template.tls_disabled:
        return 'http://%s:8080' % address
    return 'https://%s:6443' % address


def common_outputs() -> list[mapping.Output]:
    """Stack outputs every Fedora k8s driver reads (addresses by floating IP setting)."""
    def fip(view):
        return _floating(view)

    def no_fip(view):
        return not _floating(view)

    return [
        mapping.Output('api_address', cluster='api_address', convert=_api_url),
        mapping.Output('kube_masters', cluster='master_addresses', when=fip, convert=_addresses),
        mapping.Output('kube_masters_private', cluster='master_addresses', when=no_fip,
                       convert=_addresses),
        mapping.Output('kube_minions', cluster='node_addresses', when=fip, convert=_addresses),
        mapping.Output('kube_minions_private', cluster='node_addresses', when=no_fip,
                       convert=_addresses),
        mapping.Output('kube_masters', nodegroup=('master', 'node_addresses'), when=fip,
                       convert=_addresses),
        mapping.Output('kube_masters_private', nodegroup=('master', 'node_addresses'),
                       when=no_fip, convert=_addresses),
        mapping.Output('kube_minions', nodegroup=('worker', 'node_addresses'), when=fip,
                       convert=_addresses),
        mapping.Output('kube_minions_private', nodegroup=('worker', 'node_addresses'),
                       when=no_fip, convert=_addresses),
    ]


def _version_key(tag: str) -> tuple | None:
    """A comparable form of a tag such as ``v1.15.7`` or ``v1.23.3-rancher1``."""
    found = re.match(r'^v?(\d+(?:\.\d+)*)', str(tag))
    if not found:
        return None
    return tuple(int(part) for part in found.group(1).split('.'))


class K8sFedoraDefinition(heat_driver.TemplateDefinition):
    """The template data of a Fedora k8s driver (subclasses set ``directory``)."""

    shared_directories: ClassVar[tuple[str, ...]] = (common.DIRECTORY, k8s_fedora.DIRECTORY)
    main_template: ClassVar[str] = 'kubecluster.yaml'
    batch_param: ClassVar[str | None] = 'update_max_batch_size'
    #: The masters sign service-account tokens with this key pair: a new one
    #: would invalidate every token and replace every master.
    kept_parameters: ClassVar[tuple[str, ...]] = ('kube_service_account_key',
                                                  'kube_service_account_private_key')

    #: Workers by private and by displayed address (``node_addresses``), see
    #: ``TemplateDefinition.nodes_to_remove``.
    worker_address_outputs: ClassVar[tuple[str, ...]] = (
        'kube_minions_private', 'kube_minions')
    worker_ids_output: ClassVar[str] = 'kube_minion_ids'
    nodegroup_address_outputs: ClassVar[tuple[str, ...]] = (
        'nodegroup_minions_private', 'nodegroup_minions')

    def upgrade_parameters(self, view: base.ClusterView, new_template: Any, *,
                           max_batch_size: int) -> dict:
        """The new template's version labels (``kube_tag`` ...) as parameters, and
        the OS revision it names: ``ostree_commit``, else ``ostree_remote`` (which
        then clears a commit the cluster had, so the rebase takes effect). Each
        is a property of the group members, so a change replaces the nodes in
        rolling batches; the new nodes boot into the revision (upgrade-os.sh)."""
        labels = dict(getattr(new_template, 'labels', None) or {})
        parameters = {name: labels[name] for name in k8s_params.VERSION_LABELS
                      if labels.get(name) not in (None, '')}
        if labels.get('ostree_commit'):
            parameters['ostree_commit'] = labels['ostree_commit']
        elif labels.get('ostree_remote'):
            parameters.update(ostree_remote=labels['ostree_remote'], ostree_commit='')
        return parameters


#: Cluster stack output → node-group stack parameter (spec §8.4: node group
#: stacks join the cluster's network, security groups and API address).
NODEGROUP_JOIN = (
    ('api_address_private', 'existing_master_private_ip', True),
    ('api_address_public', 'existing_master_public_ip', False),
    ('minion_security_groups', 'existing_security_group', True),
    ('fixed_network', 'fixed_network', True),
    ('fixed_subnet', 'fixed_subnet', True),
    ('etcd_peers', 'existing_etcd_peers', False),
)
#: Node-group stack outputs (the cluster template's workers' outputs): addresses
#: (private, floating) and server ids, same order.
NODEGROUP_ADDRESS_OUTPUTS = ('kube_minions_private', 'kube_minions')
NODEGROUP_IDS_OUTPUT = 'kube_minion_ids'
#: Secrets and files only masters use: not given to a node group's stack.
_MASTER_ONLY = ('kube_service_account_key', 'kube_service_account_private_key', 'ca_key',
                'keystone_auth_default_policy', 'master_addons', 'master_nodegroup_name',
                'master_nodegroup_role', 'master_node_labels', 'master_node_taints')


class _AsDefault:
    """A node group seen as the default worker group (so the cluster's parameter
    mapping renders a node group stack from it)."""

    is_default = True
    role = 'worker'

    def __init__(self, nodegroup: Any) -> None:
        self._nodegroup = nodegroup
        #: The node group's role as its nodes are told it (NODEGROUP_ROLE).
        self.own_role = nodegroup.role

    def __getattr__(self, name: str) -> Any:
        return getattr(self._nodegroup, name)


class _WithLabels:
    """A cluster whose labels are a node group's."""

    def __init__(self, cluster: Any, labels: dict) -> None:
        self._cluster = cluster
        self.labels = labels

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cluster, name)


def nodegroup_view(view: base.ClusterView, nodegroup: Any) -> base.ClusterView:
    """``view`` with ``nodegroup`` as its worker group and its labels as the cluster's."""
    masters = [ng for ng in view.nodegroups if ng.is_default and ng.role == 'master']
    labels = dict(view.cluster.labels or {})
    labels.update(getattr(nodegroup, 'labels', None) or {})
    return base.ClusterView(cluster=_WithLabels(view.cluster, labels), template=view.template,
                            nodegroups=masters + [_AsDefault(nodegroup)], extra=view.extra)


def nodegroup_stack_name(cluster: Any, nodegroup: Any) -> str:
    """``<cluster name, 20>-<node group name, 9>-<node group uuid prefix>``, valid for
    Heat and the same every time (an interrupted create adopts its stack)."""
    def clean(name: str, length: int) -> str:
        name = re.sub(r'[_.]', '-', (name or '').lower())
        return re.sub(r'[^a-z0-9-]', '', name)[:length].strip('-')
    name = '-'.join(part for part in (clean(cluster.name, 20), clean(nodegroup.name, 9)) if part)
    if not name or not name[0].isalpha():
        name = 'ng' + name
    return '%s-%s' % (name, nodegroup.uuid.split('-')[0])


class K8sFedoraDriver(heat_driver.HeatDriver):
    """A Fedora Kubernetes cluster built by Heat."""

    container_version: ClassVar[str | None] = '1.12.6'
    definition: ClassVar[K8sFedoraDefinition]

    def validate_cluster(self, view: base.ClusterView) -> None:
        """Masters odd and behind a LB when several; a known network driver;
        a fixed subnet only with its network; values the nodes can be given;
        labels of spec §9.1 with values they allow (checked by rendering every
        parameter, see ``labels.py``); Octavia in the cloud for the octavia
        ingress controller.

        :raises InvalidParameterValue:
        :raises ServiceUnavailable: the cloud's catalog could not be read.
        """
        super().validate_cluster(view)
        network_driver = view.template.network_driver or 'flannel'
        if network_driver not in NETWORK_DRIVERS:
            raise exception.InvalidParameterValue(
                err='network_driver: %r is not supported by %s; use one of %s.'
                    % (network_driver, type(self).__name__, ', '.join(NETWORK_DRIVERS)))
        if view.attr('fixed_subnet') and not view.attr('fixed_network'):
            raise exception.InvalidParameterValue(
                err='fixed_subnet: needs the fixed_network it belongs to.')
        for name, value in view.labels.items():
            if isinstance(value, str) and _UNSAFE.search(value):
                raise exception.InvalidParameterValue(
                    err="labels: the value of %s may not contain a quote (') or a line break."
                        % name)
        for name in ('http_proxy', 'https_proxy', 'no_proxy', 'insecure_registry'):
            value = getattr(view.template, name, None)
            if isinstance(value, str) and _UNSAFE.search(value):
                raise exception.InvalidParameterValue(
                    err="%s: may not contain a quote (') or a line break." % name)
        parameters = mapping.render_parameters(self.definition.parameters, view)
        if parameters.get('ingress_controller') == 'octavia':
            self._check_service(view, 'load-balancer', 'ingress_controller',
                                'octavia needs the Octavia (load-balancer) service, which this '
                                'cloud does not offer; use nginx or traefik')

    def validate_nodegroup(self, view: base.ClusterView, nodegroup: Any) -> None:
        """A new worker node group's labels (over the cluster's) have values its
        stack can be built with (see :meth:`validate_cluster`).

        The name reaches the nodes' heat-params (``NODEGROUP_NAME``), a file of
        single-quoted shell words, so it may hold no quote or line break.

        :raises InvalidParameterValue:
        """
        if _UNSAFE.search(nodegroup.name or ''):
            raise exception.InvalidParameterValue(
                err="name: a node group's name may not contain a quote (') or a line break.")
        mapping.render_parameters(self.definition.parameters, nodegroup_view(view, nodegroup))

    @staticmethod
    def _check_service(view: base.ClusterView, service_type: str, field: str,
                       message: str) -> None:
        """Refuse ``field`` unless the cloud offers ``service_type``.

        Asked through the cloud interface the API checks images and flavors
        with (``view.extra['cloud_resources']`` if the caller gives one, else
        one for the current request), unless ``[cluster_template]
        validate_cloud_resources`` is off.
        """
        if not CONF.cluster_template.validate_cloud_resources:
            return
        resources = view.extra.get('cloud_resources')
        if resources is None:
            resources = cloud.get_cloud_resources(oslo_context.get_current())
        if not resources.has_service(service_type):
            raise exception.InvalidParameterValue(err='labels: %s %s.' % (field, message))

    def validate_upgrade(self, view: base.ClusterView, new_template: Any, nodegroup: Any,
                         max_batch_size: int) -> None:
        """A new template naming what to upgrade to (``kube_tag``, ``ostree_commit``
        or ``ostree_remote``, spec §8.6), no version label lowered.

        :raises InvalidParameterValue: a downgrade (naming the label) or a batch
            size below 1.
        :raises InvalidClusterTemplateForUpgrade: (409) the template sets none of
            those labels.
        """
        if max_batch_size < 1:
            raise exception.InvalidParameterValue(
                err='max_batch_size: must be at least 1 (got %s).' % max_batch_size)
        new_labels = dict(getattr(new_template, 'labels', None) or {})
        if not any(new_labels.get(name) for name in ('kube_tag',) + k8s_params.OS_REVISION_LABELS):
            raise exception.InvalidClusterTemplateForUpgrade(
                reason='it sets none of the labels kube_tag, ostree_commit, ostree_remote.')
        for name in k8s_params.VERSION_LABELS:
            old, new = view.label(name), new_labels.get(name)
            if not old or not new:
                continue
            old_key, new_key = _version_key(old), _version_key(new)
            if old_key is not None and new_key is not None and new_key < old_key:
                raise exception.InvalidParameterValue(
                    err='%s: %s is older than the cluster\'s %s; downgrades are not supported.'
                        % (name, new, old))

    def fields_from_stack(self, view: base.ClusterView, outputs: dict,
                          parameters: dict) -> tuple[dict, dict]:
        """Addresses from the outputs; ``coe_version`` from the stack's ``kube_tag``."""
        cluster_updates, ng_updates = super().fields_from_stack(view, outputs, parameters)
        kube_tag = (parameters or {}).get('kube_tag') or view.label('kube_tag') or 'v1.15.7'
        cluster_updates['coe_version'] = kube_tag
        cluster_updates['container_version'] = self.container_version
        return cluster_updates, ng_updates

    def nodegroup_stack_body(self, view: base.ClusterView, nodegroup: Any) -> dict:
        """A non-default worker node group's own stack: the cluster template
        (``kubecluster.yaml``) given ``existing_master_private_ip``, which then
        builds only its workers (``kube_minions``, a ResourceGroup of the
        driver's ``kubeminion.yaml``), rendered with the
        cluster's parameter mapping from the node group (count, flavor, image,
        labels over the cluster's), joined to the cluster through the cluster
        stack's outputs the conductor supplies as
        ``view.extra['cluster_stack_outputs']``.

        :raises NotSupported: a master node group.
        :raises InvalidParameterValue: the cluster stack lacks an output it needs.
        """
        if nodegroup.role == 'master':
            raise exception.NotSupported(operation='Creating a master node group')
        outputs = view.extra.get('cluster_stack_outputs') or {}
        parameters = mapping.render_parameters(self.definition.parameters,
                                               nodegroup_view(view, nodegroup))
        for name in _MASTER_ONLY:
            parameters.pop(name, None)
        for output, param, required in NODEGROUP_JOIN:
            value = outputs.get(output)
            if value in (None, '', []):
                if required:
                    raise exception.InvalidParameterValue(
                        err='The stack of cluster %s has no output %s to join node group '
                            '%s to.' % (view.cluster.uuid, output, nodegroup.name))
                continue
            parameters[param] = value
        files = dict(self.definition.files(view))
        return {
            'stack_name': nodegroup_stack_name(view.cluster, nodegroup),
            'template': self.definition.template(view),
            'files': files,
            'environment': {},
            'parameters': parameters,
            'tags': ','.join([heat_driver.SERVICE_TAG, heat_driver.cluster_tag(view.cluster.uuid)]),
            'timeout_mins': view.cluster.create_timeout or 60,
            'disable_rollback': True,
        }

    def nodegroup_update_body(self, view: base.ClusterView, nodegroup: Any, *,
                              nodes_to_remove: list[str] | None = None,
                              new_template: Any = None, max_batch_size: int = 1,
                              rollback: bool = False) -> dict:
        """The PATCH (``existing=true``) of a node group's stack after a resize
        (``nodes_to_remove``: indexes, server ids, or addresses as ``coe nodegroup
        show`` / ``coe cluster show`` display them, resolved with the node group
        stack's outputs in ``view.extra['stack_outputs']``) or an upgrade."""
        parameters = {'number_of_minions': nodegroup.node_count,
                      'minions_to_remove': heat_driver.resolve_nodes(
                          view.extra.get('stack_outputs') or {}, list(nodes_to_remove or []),
                          NODEGROUP_ADDRESS_OUTPUTS, NODEGROUP_IDS_OUTPUT)}
        if new_template is not None:
            parameters['update_max_batch_size'] = max_batch_size
            parameters.update(self.definition.upgrade_parameters(
                view, new_template, max_batch_size=max_batch_size))
        return {
            'existing': True,
            'parameters': parameters,
            'disable_rollback': not rollback,
            'tags': ','.join([heat_driver.SERVICE_TAG, heat_driver.cluster_tag(view.cluster.uuid)]),
        }

    def resources_to_clean(self, view: base.ClusterView) -> dict:
        """The Octavia load balancers the cloud provider made for Services.

        The cloud-controller-manager runs with ``--cluster-name=<cluster uuid>``
        and names each Service's load balancer ``kube_service_<uuid>_<ns>_<svc>``
        (description ``Kubernetes external service ... from cluster <uuid>``);
        the conductor deletes, cascading, every load balancer of the cluster's
        project matching either, before deleting the stack (whose network they
        would otherwise keep busy).

        :returns: ``{'loadbalancers_name_prefix': [...],
            'loadbalancers_description_contains': [...]}``.
        """
        uuid = view.cluster.uuid
        return {
            'loadbalancers_name_prefix': ['kube_service_%s_' % uuid],
            'loadbalancers_description_contains': ['from cluster %s' % uuid],
        }
