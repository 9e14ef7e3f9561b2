"""The ``k8s_fedora_ironic_v1`` driver: Kubernetes on Fedora Ironic baremetal."""
from __future__ import annotations

from magnum_like.common import exception
from magnum_like.drivers import base
from magnum_like.drivers.heat.common import params as common_params
from magnum_like.drivers.heat.k8s_fedora import driver as k8s_driver
from magnum_like.drivers.k8s_fedora_ironic_v1 import template_def


class Driver(k8s_driver.K8sFedoraDriver):
    """Kubernetes on Ironic baremetal nodes, single- or multi-master."""

    provides = [
        {'server_type': 'bm', 'os': 'fedora-atomic', 'coe': 'kubernetes'},
        {'server_type': 'bm', 'os': 'fedora', 'coe': 'kubernetes'},
    ]
    definition = template_def.IronicK8sTemplateDefinition()

    def validate_cluster(self, view: base.ClusterView) -> None:
        """Also: an existing network and subnet, and no Cinder volumes.

        :raises InvalidParameterValue:
        """
        common_params.check_baremetal(view)
        if view.label('etcd_volume_size') not in (None, '0'):
            raise exception.InvalidParameterValue(
                err='labels: etcd_volume_size is not supported on baremetal nodes.')
        super().validate_cluster(view)
