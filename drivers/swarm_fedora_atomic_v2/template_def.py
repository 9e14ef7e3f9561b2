"""The Heat parameters and outputs of swarm-mode clusters.

The cluster stack is ``templates/swarmcluster.yaml``; the nested templates
(network, server, pool member) and the common node scripts come from
``drivers/heat/docker_fedora``, the node library and master port from the
Kubernetes drivers' shared folder. This driver's own scripts make the TLS
material (``swarm-tls.sh``) and form the swarm (``swarm-join.sh``).
"""
from __future__ import annotations

import os
from typing import Any, ClassVar

from magnum_like.drivers import base
from magnum_like.drivers.heat.docker_fedora import driver as docker_driver
from magnum_like.drivers.heat import mapping
from magnum_like.drivers.heat.mapping import Param

#: The label naming the Docker engine version (Docker's static builds, e.g. 20.10.24).
DOCKER_VERSION_LABEL = 'docker_version'


def _api_url(view, address) -> str | None:
    """``tcp://<address>:2376``: what DOCKER_HOST is set to by ``coe cluster config``."""
    if isinstance(address, list):
        address = address[0] if address else None
    return 'tcp://%s:2376' % address if address else None


PARAMETERS: list[Param] = docker_driver.common_parameters(worker='node') + [
    Param('number_of_nodes', nodegroup=('worker', 'node_count'), default=1),
    Param('swarm_strategy', label='swarm_strategy', convert=lambda value: value.lower()),
    Param('manager_docker_version', label=DOCKER_VERSION_LABEL),
    Param('node_docker_version', label=DOCKER_VERSION_LABEL),
]

OUTPUTS: list[mapping.Output] = [
    mapping.Output('api_address', cluster='api_address', convert=_api_url),
] + docker_driver.address_outputs(masters='swarm_masters', workers='swarm_nodes')


class SwarmTemplateDefinition(docker_driver.DockerFedoraDefinition):
    """Swarm mode: managers (index 0 the primary) and workers."""

    directory: ClassVar[str] = os.path.dirname(os.path.abspath(__file__))
    main_template: ClassVar[str] = 'swarmcluster.yaml'
    parameters: ClassVar[list[Param]] = PARAMETERS
    outputs: ClassVar[list[mapping.Output]] = OUTPUTS
    group_resources: ClassVar[dict[str, str]] = {'worker': 'swarm_nodes', 'master': 'swarm_masters'}
    count_param: ClassVar[str] = 'number_of_nodes'
    remove_param: ClassVar[str] = 'nodes_to_remove'
    worker_addresses_output: ClassVar[str] = 'swarm_nodes_private'
    worker_ids_output: ClassVar[str] = 'swarm_node_ids'

    def upgrade_parameters(self, view: base.ClusterView, new_template: Any, *,
                           max_batch_size: int) -> dict:
        """The workers' engine version from the new template's ``docker_version``.

        Only the workers change: new user data replaces them, at most
        ``max_batch_size`` at a time (``swarm_nodes`` rolling update).
        """
        labels = dict(getattr(new_template, 'labels', None) or {})
        version = labels.get(DOCKER_VERSION_LABEL)
        return {'node_docker_version': version} if version else {}
