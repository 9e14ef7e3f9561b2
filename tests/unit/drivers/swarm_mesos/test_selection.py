"""The Swarm-mode and Mesos drivers are found through their stevedore entry points."""
from __future__ import annotations

import pytest

from magnum_like.common import drivers


@pytest.mark.parametrize('server_type', ['vm', 'bm'])
@pytest.mark.parametrize('coe', ['swarm-mode', 'swarm'])
def test_swarm_tuples(server_type, coe):
    assert drivers.find_by_type(server_type, 'fedora-atomic', coe) == 'swarm_fedora_atomic_v2'


@pytest.mark.parametrize('server_type', ['vm', 'bm'])
def test_mesos_tuples(server_type):
    assert drivers.find_by_type(server_type, 'fedora-atomic', 'mesos') == 'mesos_fedora_atomic_v1'


def test_other_distros_have_no_driver():
    assert drivers.find_by_type('vm', 'ubuntu', 'mesos') is None
    assert drivers.find_by_type('vm', 'fedora-coreos', 'swarm-mode') is None


def test_classes_load():
    assert drivers.get_driver_class('swarm_fedora_atomic_v2').provides
    assert drivers.get_driver_class('mesos_fedora_atomic_v1').container_version == '1.9.1'
