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


@pytest.mark.parametrize('coe', sorted(CASES))
def test_resize_names_are_matched_against_the_groups_members(heat, sim, coe):
    """Issue 11 item 1 with the real templates: each worker is known by index,
    server id, server name and address; masters are told apart."""
    from magnum_like.common import heat as heat_mod
    from magnum_like.common import nodes
    driver, addresses_key, ids_key, _required = CASES[coe]
    view = fakes.make_view(coe=coe, masters=3, workers=3, lb=True)
    body = driver.create_stack_body(view)
    heat.stacks.create(**body)
    assert sim.wait_stack(body['stack_name']) == 'CREATE_COMPLETE'
    stack = heat.stacks.get(body['stack_name'])
    outputs = heat_mod.outputs_of(stack)
    groups, address_outputs = driver.node_groups(view, view.nodegroup('worker'))
    resources = list(heat.resources.list(stack.id, nested_depth=nodes.DEPTH, with_detail=True))
    workers = nodes.group_members(resources, groups['worker'], outputs,
                                  address_outputs['worker'])
    masters = nodes.group_members(resources, groups['master'], outputs)
    assert [w.index for w in workers] == ['0', '1', '2'] and len(masters) == 3
    for member, server_id, address in zip(workers, outputs[ids_key], outputs[addresses_key]):
        assert {server_id, address} <= member.names
        assert any(n.startswith(body['stack_name']) for n in member.names)  # server name
    assert nodes.resolve([outputs[ids_key][2], outputs[addresses_key][0]], workers, masters,
                         'default-worker') == ['2', '0']
    master_name = sorted(masters[0].names - {'0'})[0]
    with pytest.raises(Exception, match='master'):
        nodes.resolve([master_name], workers, masters, 'default-worker')


def test_mesos_upgrade_replaces_masters_and_agents(heat, sim):
    """Issue 11 item 10: a Mesos upgrade (new mesos/marathon tags) gives every
    node the new releases; the masters keep their addresses (ZooKeeper's ensemble)."""
    from magnum_like.db import models
    driver = mesos_driver.Driver()
    view = fakes.make_view(coe='mesos', masters=3, workers=3, lb=True,
                           labels={'mesos_tag': '1.7.1'})
    body = driver.create_stack_body(view)
    heat.stacks.create(**body)
    assert sim.wait_stack(body['stack_name']) == 'CREATE_COMPLETE'
    before = _outputs(heat, body['stack_name'])
    newer = models.ClusterTemplate(labels={'mesos_tag': '1.9.1', 'marathon_tag': 'v1.9.109'})
    driver.validate_upgrade(view, newer, view.nodegroup('master'), 2)
    update = driver.update_stack_body(view, new_template=newer, max_batch_size=2)
    assert update['parameters']['mesos_tag'] == '1.9.1'
    assert update['parameters']['update_max_batch_size'] == 2
    heat.stacks.update(heat.stacks.get(body['stack_name']).id, **update)
    assert sim.wait_stack(body['stack_name']) == 'UPDATE_COMPLETE'
    after = _outputs(heat, body['stack_name'])
    assert sorted(after['mesos_master_private']) == sorted(before['mesos_master_private'])
    # What every master and agent boots with now names the new releases (the
    # simulator updates servers in place; Heat replaces them for new user data).
    stack = sim.find_stack(body['stack_name'])
    with sim.store.lock:
        configs = [r.data.get('attrs', {}).get('config', '') for r in stack.resources.values()
                   if r.impl_type == 'OS::Heat::CloudConfig']
    assert any("1.9.1" in c and 'v1.9.109' in c for c in configs)
    assert not any("1.7.1" in c for c in configs)
    cluster, _groups = driver.fields_from_stack(
        view, after, dict(heat.stacks.get(body['stack_name']).parameters))
    assert cluster['coe_version'] == '1.9.1'
