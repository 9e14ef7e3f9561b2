"""Behaviour shared by the Docker-based Fedora Atomic Heat drivers (Swarm mode, Mesos).

Both build the same shape of stack: the nodes' network (``network.yaml``),
pre-made master ports (``masterport.yaml``, shared with every driver) so every
node knows the masters' addresses before they boot, an optional Octavia load
balancer in front of the masters, and ResourceGroups of ``server.yaml`` for
masters and workers, VM or Ironic baremetal. ``DockerFedoraDefinition`` loads
those files and turns a resize's ``nodes_to_remove`` into what the worker
group's removal policy accepts; ``DockerFedoraDriver`` makes the checks the
API runs before accepting a cluster.
"""
from __future__ import annotations

import re
from typing import ClassVar

from magnum_like.common import exception
from magnum_like.drivers import base
from magnum_like.drivers.heat import common
from magnum_like.drivers.heat.common import params as common_params
from magnum_like.drivers.heat import docker_fedora
from magnum_like.drivers.heat import driver as heat_driver
from magnum_like.drivers.heat import mapping
from magnum_like.drivers.heat.mapping import Param
from magnum_like.drivers.heat.mapping import bool_text

#: Characters a value written into the nodes' heat-params file cannot hold
#: (values are single-quoted shell words there).
_UNSAFE = re.compile(r"['\n\r\x00]")
BOOLEAN_VALUES = ('true', 'false')


def invalid_label(name: str, message: str) -> exception.InvalidParameterValue:
    """The 400 for a label, naming it."""
    return exception.InvalidParameterValue(err='labels: %s %s' % (name, message))


def check_choice(view: base.ClusterView, name: str, allowed: tuple[str, ...]) -> None:
    """A label whose value is one of a closed set, if set.

    :raises InvalidParameterValue: naming the label and the allowed values.
    """
    value = view.label(name)
    if value is not None and str(value).strip().lower() not in allowed:
        raise invalid_label(name, 'must be one of %s (got %r).' % (', '.join(allowed), value))


def check_choices(view: base.ClusterView, name: str, allowed: tuple[str, ...]) -> list[str]:
    """A label holding a comma-separated list drawn from a closed set.

    :returns: the values given (empty when the label is unset).
    :raises InvalidParameterValue: naming the label, the value and the allowed values.
    """
    value = view.label(name)
    if value is None:
        return []
    items = [item.strip() for item in str(value).split(',') if item.strip()]
    for item in items:
        if item not in allowed:
            raise invalid_label(name, 'may only list %s (got %r).' % (', '.join(allowed), item))
    return items


def _baremetal(view) -> bool:
    return view.template.server_type == 'bm'


def _master_count(view) -> int:
    return int(view.nodegroup('master').node_count)


def common_parameters(*, worker: str) -> list[Param]:
    """The parameters both cluster templates declare.

    :param worker: the workers' name in the template (``node``, ``slave``):
        parameters ``<worker>_image``, ``<worker>_flavor``.
    """
    params = [
        Param('master_image', compute=common_params.image('master'), required=True),
        Param('%s_image' % worker, compute=common_params.image('worker'), required=True),
        Param('master_flavor', compute=common_params.flavor('master'), required=True),
        Param('%s_flavor' % worker, compute=common_params.flavor('worker'), required=True),
        Param('number_of_masters', nodegroup=('master', 'node_count'), default=1),
        Param('ssh_key_name', compute=common_params.keypair),
        Param('external_network', compute=common_params.extra_or_cluster('external_network_id'),
              default='public'),
        Param('fixed_network', cluster='fixed_network'),
        Param('fixed_subnet', cluster='fixed_subnet'),
        Param('dns_nameserver', template='dns_nameserver'),
        Param('floating_ip_enabled', cluster='floating_ip_enabled', default=True, convert=bool),
        Param('master_lb_enabled', cluster='master_lb_enabled', default=False, convert=bool),
        Param('master_lb_floating_ip_enabled', compute=common_params.lb_floating_ip),
        Param('baremetal', compute=_baremetal),
        Param('docker_volume_size', compute=common_params.docker_volume_size),
        Param('docker_storage_driver', template='docker_storage_driver'),
        Param('cluster_uuid', compute=lambda view: view.cluster.uuid),
        Param('magnum_url', extra='magnum_url'),
        Param('auth_url', extra='auth_url'),
        Param('region_name', extra='region_name'),
        Param('trustee_user_id', compute=common_params.extra_or_cluster('trustee_user_id')),
        Param('trustee_password', compute=common_params.extra_or_cluster('trustee_password')),
        Param('trust_id', extra='trust_id'),
        Param('verify_ca', extra='verify_ca', convert=bool_text),
        Param('ca_generation', compute=common_params.ca_generation),
        Param('master_nodegroup_name', compute=common_params.nodegroup_name('master'), default=''),
        Param('master_nodegroup_role', compute=common_params.nodegroup_role('master'),
              default='master'),
        Param('worker_nodegroup_name', compute=common_params.nodegroup_name('worker'), default=''),
        Param('worker_nodegroup_role', compute=common_params.nodegroup_role('worker'),
              default='worker'),
        Param('volume_driver', template='volume_driver'),
        Param('rexray_preempt', label='rexray_preempt', default=False, convert=bool_text),
        Param('insecure_registry_url', template='insecure_registry'),
        Param('http_proxy', template='http_proxy'),
        Param('https_proxy', template='https_proxy'),
        Param('no_proxy', template='no_proxy'),
        Param('master_wait_timeout',
              compute=lambda view: int(view.cluster.create_timeout or 60) * 60),
    ]
    params += [Param(name, label=name) for name in (
        'availability_zone', 'fixed_subnet_cidr', 'docker_volume_type', 'octavia_provider',
        'octavia_lb_algorithm', 'container_infra_prefix')]
    return params


def address_outputs(*, masters: str, workers: str) -> list[mapping.Output]:
    """Master and worker addresses: the floating ones (``masters``, ``workers``
    outputs), or the ``_private`` ones when floating IPs are off."""
    def fip(view):
        return bool(view.attr('floating_ip_enabled'))

    def no_fip(view):
        return not fip(view)

    result = []
    for output, field, role in ((masters, 'master_addresses', 'master'),
                                (workers, 'node_addresses', 'worker')):
        for name, when in ((output, fip), (output + '_private', no_fip)):
            result.append(mapping.Output(name, cluster=field, when=when, convert=mapping.as_list))
            result.append(mapping.Output(name, nodegroup=(role, 'node_addresses'), when=when,
                                         convert=mapping.as_list))
    return result


class DockerFedoraDefinition(heat_driver.TemplateDefinition):
    """The template data of a Docker-based driver (subclasses set ``directory``).

    :cvar worker_addresses_output: the output listing the workers' private
        addresses, in the order of ``worker_ids_output`` (server ids).
    """

    shared_directories: ClassVar[tuple[str, ...]] = (common.DIRECTORY, docker_fedora.DIRECTORY)
    batch_param: ClassVar[str | None] = 'update_max_batch_size'
    worker_addresses_output: ClassVar[str] = ''
    worker_ids_output: ClassVar[str] = ''

    @property
    def worker_address_outputs(self) -> tuple[str, ...]:  # type: ignore[override]
        """The private addresses and the ones ``coe cluster show`` displays."""
        base_name = self.worker_addresses_output
        floating = base_name[:-len('_private')] if base_name.endswith('_private') else ''
        return tuple(name for name in (base_name, floating) if name)


class DockerFedoraDriver(heat_driver.HeatDriver):
    """A Docker-based cluster on Fedora Atomic VMs or Ironic baremetal, built by Heat."""

    container_version: ClassVar[str | None] = '1.12.6'
    definition: ClassVar[DockerFedoraDefinition]
    #: Volume drivers the nodes can run (the cluster-template API checks them per COE too).
    volume_drivers: ClassVar[tuple[str, ...]] = ('rexray',)
    #: Network drivers the nodes can run.
    network_drivers: ClassVar[tuple[str, ...]] = ('docker',)

    def validate_cluster(self, view: base.ClusterView) -> None:
        """Masters odd and behind a LB when several; a network and volume driver
        the nodes run; baremetal on an existing network without Cinder; labels
        the nodes can be given; then each parameter renders.

        :raises InvalidParameterValue:
        """
        super().validate_cluster(view)
        network_driver = view.template.network_driver or 'docker'
        if network_driver not in self.network_drivers:
            raise exception.InvalidParameterValue(
                err='network_driver: %r is not supported by %s clusters; use %s.'
                    % (network_driver, view.template.coe, ', '.join(self.network_drivers)))
        volume_driver = view.template.volume_driver
        if volume_driver and volume_driver not in self.volume_drivers:
            raise exception.InvalidParameterValue(
                err='volume_driver: %r is not supported by %s clusters; use one of %s.'
                    % (volume_driver, view.template.coe, ', '.join(self.volume_drivers)))
        if _baremetal(view):
            common_params.check_baremetal(view)
            if volume_driver:
                raise exception.InvalidParameterValue(
                    err='volume_driver: Cinder volumes cannot be attached to baremetal '
                        'nodes; leave it unset.')
        if view.attr('fixed_subnet') and not view.attr('fixed_network'):
            raise exception.InvalidParameterValue(
                err='fixed_subnet: needs the fixed_network it belongs to.')
        for name, value in view.labels.items():
            if isinstance(value, str) and _UNSAFE.search(value):
                raise invalid_label(name, "may not contain a quote (') or a line break.")
        for name in ('http_proxy', 'https_proxy', 'no_proxy', 'insecure_registry'):
            value = getattr(view.template, name, None)
            if isinstance(value, str) and _UNSAFE.search(value):
                raise exception.InvalidParameterValue(
                    err="%s: may not contain a quote (') or a line break." % name)
        check_choice(view, 'rexray_preempt', BOOLEAN_VALUES)
        self.validate_labels(view)
        mapping.render_parameters(self.definition.parameters, view)

    def validate_labels(self, view: base.ClusterView) -> None:
        """The COE's own labels (default: none).

        :raises InvalidParameterValue: naming the label.
        """
