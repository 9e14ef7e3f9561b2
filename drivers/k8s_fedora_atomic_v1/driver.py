"""The ``k8s_fedora_atomic_v1`` driver: Kubernetes on Fedora Atomic Nova VMs."""
from __future__ import annotations

from magnum_like.drivers.heat.k8s_fedora import driver as k8s_driver
from magnum_like.drivers.k8s_fedora_atomic_v1 import template_def


class Driver(k8s_driver.K8sFedoraDriver):
    """Kubernetes on Fedora Atomic VMs, single- or multi-master."""

    provides = [
        {'server_type': 'vm', 'os': 'fedora-atomic', 'coe': 'kubernetes'},
    ]
    definition = template_def.AtomicK8sTemplateDefinition()
