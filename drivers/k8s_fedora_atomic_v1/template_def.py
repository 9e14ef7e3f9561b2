"""The Heat parameters and outputs of Kubernetes clusters on Fedora Atomic VMs.

The cluster stack is the shared ``kubecluster.yaml``
(``drivers/heat/k8s_fedora/templates``); this driver brings the VM member
templates (``templates/kubemaster.yaml``, ``kubeminion.yaml``: Nova servers
with optional Cinder volumes for Docker and etcd) and the fragment that puts
Docker's storage on that volume.
"""
from __future__ import annotations

import os

from magnum_like.drivers.heat.common import params as common_params
from magnum_like.drivers.heat.k8s_fedora import driver as k8s_driver
from magnum_like.drivers.heat.k8s_fedora import params as k8s_params
from magnum_like.drivers.heat.mapping import Param

PARAMETERS: list[Param] = k8s_params.common_parameters() + [
    Param('docker_volume_size', compute=common_params.docker_volume_size),
]

OUTPUTS = k8s_driver.common_outputs()


class AtomicK8sTemplateDefinition(k8s_driver.K8sFedoraDefinition):
    """Fedora Atomic VMs: the private network is made unless a fixed one is given."""

    directory = os.path.dirname(os.path.abspath(__file__))
    parameters = PARAMETERS
    outputs = OUTPUTS
