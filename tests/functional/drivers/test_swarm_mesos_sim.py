"""The Swarm-mode and Mesos stacks run on the cloud simulator through python-heatclient.

Created to CREATE_COMPLETE with every output resolved; scaled down naming a
worker by its private address, which removes exactly that worker.
"""
from __future__ import annotations

import pytest
from heatclient import client as heat_client
from keystoneauth1 import session, token_endpoint

from magnum_like.cloudsim import Simulator
from magnum_like.drivers.mesos_fedora_atomic_v1 import driver as mesos_driver
from magnum_like.drivers.swarm_fedora_atomic_v2 import driver as swarm_driver
from tests.unit.drivers.swarm_mesos import fakes

PROJECT = '9d3c1b7e5a2f4c6e8b0a1d2c3e4f5a6b'
CASES = {
    'swarm-mode': (swarm_driver.Driver(), 'swarm_nodes_private', 'swarm_node_ids',
                   ('api_address', 'swarm_primary_master', 'swarm_primary_master_private',
                    'swarm_secondary_masters', 'swarm_masters', 'swarm_nodes')),
    'mesos': (mesos_driver.Driver(), 'mesos_slaves_private', 'mesos_slave_ids',
              ('api_address', 'mesos_master', 'mesos_master_private', 'mesos_slaves')),
}


@pytest.fixture
def sim():
    simulator = Simulator(port=0).start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def heat(sim):
    sess = session.Session(auth=token_endpoint.Token(sim.url, 'any-token'))
    return heat_client.Client('1', session=sess, endpoint=sim.heat_endpoint(PROJECT))


def _outputs(heat, name: str) -> dict:
    stack = heat.stacks.get(name)
    return {o['output_key']: o['output_value'] for o in stack.outputs}


@pytest.mark.parametrize('coe', sorted(CASES))
@pytest.mark.parametrize('lb, volumes', [(True, True), (False, False)])
def test_create_outputs_and_scale_down_named_node(heat, sim, coe, lb, volumes):
    driver, addresses_key, ids_key, required = CASES[coe]
    view = fakes.make_view(coe=coe, masters=3 if lb else 1, workers=3, lb=lb, volumes=volumes)
    driver.validate_cluster(view)
    body = driver.create_stack_body(view)
    heat.stacks.create(**body)
    assert sim.wait_stack(body['stack_name']) == 'CREATE_COMPLETE'
    outputs = _outputs(heat, body['stack_name'])
    for key in required:
        assert key in outputs and outputs[key] is not None, (key, outputs)
        assert outputs[key] not in ('', []) or key == 'swarm_secondary_masters', key
    cluster, groups = driver.fields_from_stack(view, outputs, {})
    if coe == 'swarm-mode':
        assert cluster['api_address'].startswith('tcp://')
        assert cluster['api_address'].endswith(':2376')
        assert len(outputs['swarm_masters']) == (3 if lb else 1)
        assert len([a for a in outputs['swarm_secondary_masters'] if a]) == (2 if lb else 0)
    assert len(cluster['master_addresses']) == (3 if lb else 1)
    assert len(groups['ng-worker']['node_addresses']) == 3

    addresses, ids = outputs[addresses_key], outputs[ids_key]
    assert len(addresses) == len(ids) == 3
    victim = addresses[1]
    view.nodegroup('worker').node_count = 2
    view.extra['stack_outputs'] = outputs
    update = driver.update_stack_body(view, nodes_to_remove=[victim])
    stack_id = heat.stacks.get(body['stack_name']).id
    heat.stacks.update(stack_id, **update)
    assert sim.wait_stack(body['stack_name']) == 'UPDATE_COMPLETE'
    after = _outputs(heat, body['stack_name'])
    assert sorted(after[addresses_key]) == sorted(a for a in addresses if a != victim)
    assert sorted(after[ids_key]) == sorted(i for i in ids if i != ids[1])

    heat.stacks.delete(stack_id)
    assert sim.wait_stack(body['stack_name']) == 'NOT_FOUND'
