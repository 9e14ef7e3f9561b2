"""The Kubernetes drivers are found through their stevedore entry points."""
from __future__ import annotations

from magnum_like.common import drivers


def test_vm_fedora_atomic_is_the_atomic_driver():
    assert drivers.find_by_type('vm', 'fedora-atomic', 'kubernetes') == 'k8s_fedora_atomic_v1'


def test_baremetal_is_the_ironic_driver():
    assert drivers.find_by_type('bm', 'fedora-atomic', 'kubernetes') == 'k8s_fedora_ironic_v1'
    assert drivers.find_by_type('bm', 'fedora', 'kubernetes') == 'k8s_fedora_ironic_v1'


def test_classes_load():
    cls = drivers.get_driver_class('k8s_fedora_atomic_v1')
    assert cls.container_version
    assert drivers.get_driver_class('k8s_fedora_ironic_v1').provides
