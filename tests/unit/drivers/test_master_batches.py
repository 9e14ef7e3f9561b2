"""Masters are replaced one at a time, whatever an upgrade's batch size (issue 11).

Each master is a member of a quorum (etcd for Kubernetes, Raft for swarm-mode
managers, ZooKeeper for Mesos masters): replacing two of three at once loses
it. So the masters' ResourceGroup always rolls one member per batch, while
the workers' group follows the batch size the upgrade asks for. Checked on
the rendered stack of every driver, with a batch size of 2 in the update.
"""
from __future__ import annotations

import pytest
import yaml

from magnum_like.db import models
from magnum_like.drivers.k8s_fedora_atomic_v1 import driver as atomic_driver
from magnum_like.drivers.k8s_fedora_ironic_v1 import driver as ironic_driver
from magnum_like.drivers.mesos_fedora_atomic_v1 import driver as mesos_driver
from magnum_like.drivers.swarm_fedora_atomic_v2 import driver as swarm_driver
from tests.unit.drivers.k8s import fakes as k8s_fakes
from tests.unit.drivers.swarm_mesos import fakes as sm_fakes

#: driver, view, masters' group, workers' group, an upgrade's new labels.
CASES = {
    'k8s-vm': (atomic_driver.Driver(),
               lambda: k8s_fakes.make_view(masters=3, lb=True),
               'kube_masters', 'kube_minions', {'kube_tag': 'v1.16.3'}),
    'k8s-bm': (ironic_driver.Driver(),
               lambda: k8s_fakes.make_view(server_type='bm', masters=3, lb=True, fixed=True),
               'kube_masters', 'kube_minions', {'kube_tag': 'v1.16.3'}),
    'swarm-mode': (swarm_driver.Driver(),
                   lambda: sm_fakes.make_view(masters=3, lb=True),
                   'swarm_masters', 'swarm_nodes', {'docker_version': '20.10.24'}),
    'mesos': (mesos_driver.Driver(),
              lambda: sm_fakes.make_view(coe='mesos', masters=3, lb=True),
              'mesos_masters', 'mesos_slaves', {}),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_masters_roll_one_at_a_time_for_a_batch_size_of_2(case):
    driver, make_view, masters, workers, labels = CASES[case]
    view = make_view()
    body = driver.create_stack_body(view)
    resources = yaml.safe_load(body['template'])['resources']
    policy = resources[masters]['update_policy']['rolling_update']
    assert policy['max_batch_size'] == 1, policy
    # The workers follow the batch size the upgrade passes.
    assert resources[workers]['update_policy']['rolling_update']['max_batch_size'] == {
        'get_param': 'update_max_batch_size'}
    update = driver.update_stack_body(view, new_template=models.ClusterTemplate(labels=labels),
                                      max_batch_size=2)
    assert update['parameters']['update_max_batch_size'] == 2
