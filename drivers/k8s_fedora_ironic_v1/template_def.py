"""The Heat parameters and outputs of Kubernetes clusters on Ironic baremetal.

The cluster stack is the shared ``kubecluster.yaml``; this driver's member
templates boot Ironic flavors (from their local disk) with a config drive and
no Cinder volumes, and the shared ``configure-docker-storage.sh``
(``drivers/heat/common``) keeps Docker on the local disk, since the volume
sizes are always 0. Baremetal nodes must be on an existing
(provisioning-capable) network, so the fixed network and subnet are required.
"""
from __future__ import annotations

import os

from magnum_like.drivers.heat.k8s_fedora import driver as k8s_driver
from magnum_like.drivers.heat.k8s_fedora import params as k8s_params
from magnum_like.drivers.heat.mapping import Param

#: Parameters baremetal leaves at the template's default or sets itself: no
#: Cinder, so volume sizes are 0 and the labels boot_volume_size/_type, like
#: docker and etcd volumes, are ignored.
_NOT_ON_BAREMETAL = ('fixed_network', 'fixed_subnet', 'etcd_volume_size', 'etcd_volume_type',
                     'docker_volume_type', 'boot_volume_size', 'boot_volume_type')

PARAMETERS: list[Param] = [
    param for param in k8s_params.common_parameters() if param.heat_param not in _NOT_ON_BAREMETAL
] + [
    Param('fixed_network', cluster='fixed_network', required=True),
    Param('fixed_subnet', cluster='fixed_subnet', required=True),
    Param('docker_volume_size', compute=lambda view: 0),
    Param('etcd_volume_size', compute=lambda view: 0),
    Param('boot_volume_size', compute=lambda view: 0),
]

OUTPUTS = k8s_driver.common_outputs()


class IronicK8sTemplateDefinition(k8s_driver.K8sFedoraDefinition):
    """Ironic baremetal: fixed network required, local disks only."""

    directory = os.path.dirname(os.path.abspath(__file__))
    parameters = PARAMETERS
    outputs = OUTPUTS
