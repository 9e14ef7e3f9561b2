"""The ``swarm_fedora_atomic_v2`` driver: Docker swarm mode on Fedora Atomic.

It serves coe ``swarm-mode`` and coe ``swarm``: Docker's integrated swarm
mode is the successor of standalone Swarm, and clusters of either are built
the same way, on VMs (Nova) or Ironic baremetal.
"""
from __future__ import annotations

import re
from typing import Any, ClassVar

from magnum_like.common import exception
from magnum_like.drivers import base
from magnum_like.drivers.heat.docker_fedora import driver as docker_driver
from magnum_like.drivers.swarm_fedora_atomic_v2 import template_def

SWARM_STRATEGIES = ('spread', 'binpack', 'random')
_VERSION = re.compile(r'^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$')


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split('-')[0].split('.'))


class Driver(docker_driver.DockerFedoraDriver):
    """Docker swarm mode, one or more (odd) managers, TLS Docker API on 2376."""

    provides = [
        {'server_type': 'vm', 'os': 'fedora-atomic', 'coe': 'swarm-mode'},
        {'server_type': 'bm', 'os': 'fedora-atomic', 'coe': 'swarm-mode'},
        {'server_type': 'vm', 'os': 'fedora-atomic', 'coe': 'swarm'},
        {'server_type': 'bm', 'os': 'fedora-atomic', 'coe': 'swarm'},
    ]
    definition = template_def.SwarmTemplateDefinition()
    volume_drivers: ClassVar[tuple[str, ...]] = ('cinder', 'rexray')

    def validate_cluster(self, view: base.ClusterView) -> None:
        """Also: TLS on (join tokens are fetched over it).

        :raises InvalidParameterValue:
        """
        if view.template.tls_disabled:
            raise exception.InvalidParameterValue(
                err='tls_disabled: swarm-mode clusters always protect the Docker API with '
                    'TLS (nodes fetch their join tokens over it); set tls_disabled to false.')
        super().validate_cluster(view)

    def validate_labels(self, view: base.ClusterView) -> None:
        """``swarm_strategy`` from a closed set; ``docker_version`` a release number.

        :raises InvalidParameterValue: naming the label.
        """
        docker_driver.check_choice(view, 'swarm_strategy', SWARM_STRATEGIES)
        version = view.label(template_def.DOCKER_VERSION_LABEL)
        if version is not None and not _VERSION.match(str(version)):
            raise docker_driver.invalid_label(
                template_def.DOCKER_VERSION_LABEL,
                'must be a Docker release such as 20.10.24 (got %r).' % version)

    #: An upgrade naming no node group upgrades the workers (the cluster stack).
    upgrade_default_role: ClassVar[str] = 'worker'

    def validate_upgrade(self, view: base.ClusterView, new_template: Any, nodegroup: Any,
                         max_batch_size: int) -> None:
        """A newer ``docker_version`` for the workers, replaced in rolling batches
        of ``max_batch_size``; the managers keep their engine.

        A cluster upgrade (no node group named) upgrades the workers. The managers
        are not replaced: the first one initialised the swarm, and a replacement
        would initialise a new, empty swarm instead of rejoining (it runs
        ``docker swarm init``), losing the raft state the others hold.

        :raises NotSupported: naming the managers' node group, with that reason.
        :raises InvalidParameterValue: no ``docker_version`` label, a malformed
            one, a downgrade, or a batch size below 1.
        """
        if nodegroup is not None and nodegroup.role == 'master':
            raise exception.NotSupported(
                operation="Upgrading the swarm managers' Docker engine (a replaced first "
                          'manager would initialise a new swarm and lose the raft state the '
                          'others hold; upgrade the cluster, which replaces the workers in '
                          'rolling batches, and keep the managers)')
        if max_batch_size < 1:
            raise exception.InvalidParameterValue(
                err='max_batch_size: must be at least 1 (got %s).' % max_batch_size)
        label = template_def.DOCKER_VERSION_LABEL
        new = (getattr(new_template, 'labels', None) or {}).get(label)
        if not new:
            raise exception.InvalidParameterValue(
                err='%s: the new cluster template must set the label %s.' % (label, label))
        if not _VERSION.match(str(new)):
            raise exception.InvalidParameterValue(
                err='%s: must be a Docker release such as 20.10.24 (got %r).' % (label, new))
        old = view.label(label)
        if old and _VERSION.match(str(old)) and _version_key(new) < _version_key(old):
            raise exception.InvalidParameterValue(
                err="%s: %s is older than the cluster's %s; downgrades are not supported."
                    % (label, new, old))

    def fields_from_stack(self, view: base.ClusterView, outputs: dict,
                          parameters: dict) -> tuple[dict, dict]:
        """Addresses from the outputs; ``coe_version`` the workers' engine version."""
        cluster_updates, ng_updates = super().fields_from_stack(view, outputs, parameters)
        version = ((parameters or {}).get('node_docker_version')
                   or view.label(template_def.DOCKER_VERSION_LABEL) or self.container_version)
        cluster_updates['coe_version'] = version
        cluster_updates['container_version'] = version
        return cluster_updates, ng_updates
