"""The Heat parameters and outputs of Mesos clusters.

The cluster stack is ``templates/mesoscluster.yaml``; the nested templates and
common node scripts come from ``drivers/heat/docker_fedora``. This driver's
own scripts start ZooKeeper, the Mesos master and Marathon on the masters
(``configure-mesos-master.sh``) and the Mesos agent on the workers
(``configure-mesos-agent.sh``).
"""
from __future__ import annotations

import os
from typing import Any, ClassVar

from magnum_like.drivers import base
from magnum_like.drivers.heat.docker_fedora import driver as docker_driver
from magnum_like.drivers.heat import mapping
from magnum_like.drivers.heat.mapping import Param

#: Labels passed through as Heat parameters of the same name (template defaults apply).
LABEL_PARAMS: tuple[str, ...] = (
    'mesos_slave_isolation', 'mesos_slave_image_providers', 'mesos_slave_work_dir',
    'mesos_slave_executor_env_variables', 'mesos_tag', 'marathon_tag', 'zookeeper_tag',
)


#: Labels naming the releases an upgrade moves to, and the templates' defaults.
VERSION_LABELS: tuple[str, ...] = ('mesos_tag', 'marathon_tag', 'zookeeper_tag')
DEFAULT_TAGS: dict[str, str] = {'mesos_tag': '1.7.1', 'marathon_tag': 'v1.8.222',
                                'zookeeper_tag': '3.6'}


def _first(view, value):
    """The API address as upstream Magnum gave it for Mesos: the bare address."""
    if isinstance(value, list):
        value = value[0] if value else None
    return value or None


PARAMETERS: list[Param] = docker_driver.common_parameters(worker='slave') + [
    Param('number_of_slaves', nodegroup=('worker', 'node_count'), default=1),
    Param('cluster_name', compute=lambda view: view.cluster.name or view.cluster.uuid),
] + [Param(name, label=name) for name in LABEL_PARAMS]

OUTPUTS: list[mapping.Output] = [
    mapping.Output('api_address', cluster='api_address', convert=_first),
] + docker_driver.address_outputs(masters='mesos_master', workers='mesos_slaves')


class MesosTemplateDefinition(docker_driver.DockerFedoraDefinition):
    """Mesos: masters (ZooKeeper, Mesos master, Marathon) and agents."""

    directory: ClassVar[str] = os.path.dirname(os.path.abspath(__file__))
    main_template: ClassVar[str] = 'mesoscluster.yaml'
    parameters: ClassVar[list[Param]] = PARAMETERS
    outputs: ClassVar[list[mapping.Output]] = OUTPUTS
    group_resources: ClassVar[dict[str, str]] = {'worker': 'mesos_slaves', 'master': 'mesos_masters'}
    count_param: ClassVar[str] = 'number_of_slaves'
    remove_param: ClassVar[str] = 'slaves_to_remove'
    worker_addresses_output: ClassVar[str] = 'mesos_slaves_private'
    worker_ids_output: ClassVar[str] = 'mesos_slave_ids'

    def upgrade_parameters(self, view: base.ClusterView, new_template: Any, *,
                           max_batch_size: int) -> dict:
        """The new template's release labels: every master's and agent's
        configuration changes, so Heat replaces them (masters one at a time,
        agents ``max_batch_size`` at a time: the groups' rolling updates)."""
        labels = dict(getattr(new_template, 'labels', None) or {})
        return {name: labels[name] for name in VERSION_LABELS if labels.get(name)}
