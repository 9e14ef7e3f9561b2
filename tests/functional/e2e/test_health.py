"""Issue 15: the conductors watch every cluster's API and replace broken workers.

``magnum-like-dev`` runs with a short ``[conductor] health_check_interval``;
the simulator's ``/_sim/faults`` make nodes NotReady and close a cluster's API.
What is checked is what a user sees: ``health_status`` and
``health_status_reason`` in ``openstack coe cluster show``, Nova's servers, the
node count.
"""
from __future__ import annotations

import time

import pytest

from tests.functional.e2e import helpers

#: Seconds a health change may take to show (many check intervals; polled).
WAIT = 120

CONFIG = """
[conductor]
health_check_interval = 0.5
health_check_timeout = 5
sync_interval = 0.5
"""


@pytest.fixture
def dev(tmp_path):
    running = helpers.start_dev(tmp_path, CONFIG)
    try:
        yield running
    finally:
        running.stop()


def _until(check, what: str, dev: helpers.Dev):
    deadline = time.monotonic() + WAIT
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail('%s: not within %ss (last: %r)\n%s' % (what, WAIT, value, dev.log()[-3000:]))


def _health(dev: helpers.Dev, name: str, status: str, test=lambda reason: True):
    def check():
        shown = dev.show(name)
        reason = shown.get('health_status_reason') or {}
        if isinstance(reason, str):  # the CLI's table form of a dict
            import ast
            reason = ast.literal_eval(reason)
        if shown.get('health_status') == status and test(reason):
            shown['health_status_reason'] = reason
            return shown
        return None
    return _until(check, '%s becomes %s' % (name, status), dev)


def _nodes(dev: helpers.Dev, uuid: str) -> list[dict]:
    return dev.state()['clusters'][uuid]['nodes']


def test_health_monitoring_and_auto_healing(dev):
    dev.ok('coe', 'cluster', 'template', 'create', 'k8s', '--coe', 'kubernetes',
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small', '--master-flavor', 'm1.medium',
           '--labels', 'auto_healing_enabled=true,auto_healing_controller=magnum-like,'
                       'auto_healing_grace_period=1')
    dev.ok('coe', 'cluster', 'create', 'heal', '--cluster-template', 'k8s',
           '--node-count', '4')
    cluster = dev.wait('heal')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    uuid = cluster['uuid']

    # A new cluster becomes HEALTHY: its API and every node Ready.
    shown = _health(dev, 'heal', 'HEALTHY')
    nodes = _nodes(dev, uuid)
    workers = [n for n in nodes if not n['master']]
    assert len(workers) == 4 and len(nodes) == 5
    assert shown['health_status_reason'] == dict(
        {'api': 'ok'}, **{'%s.Ready' % n['name']: 'True' for n in nodes})

    # Three of four workers NotReady: reported, nothing replaced (above the share).
    faults = [dev.sim_send('POST', '/_sim/faults', {'kind': 'node', 'server': n['name'],
                                                    'condition': 'NotReady'})
              for n in workers[:3]]
    shown = _health(dev, 'heal', 'UNHEALTHY',
                    lambda reason: 'not healing' in reason.get('auto_healing', ''))
    reason = shown['health_status_reason']
    for node in workers[:3]:
        assert reason['%s.Ready' % node['name']] != 'True'
        assert node['name'] in reason['auto_healing']
    assert reason['%s.Ready' % workers[3]['name']] == 'True'
    assert dev.show('heal')['status'] == 'CREATE_COMPLETE'
    assert {n['server_id'] for n in _nodes(dev, uuid)} == {n['server_id'] for n in nodes}

    # Back to one NotReady worker: it is replaced (new server), the count unchanged.
    for fault in faults[1:]:
        dev.sim_send('DELETE', '/_sim/faults/%s' % fault['id'])
    sick = workers[0]
    _until(lambda: sick['server_id'] not in {s['id'] for s in dev.servers()},
           'the NotReady worker\'s server is removed', dev)
    assert 'replacing node %s' % sick['name'] in dev.log()
    healed = dev.wait('heal')
    assert healed['status'] == 'UPDATE_COMPLETE', healed
    assert healed['node_count'] == 4
    dev.sim_send('DELETE', '/_sim/faults/%s' % faults[0]['id'])
    shown = _health(dev, 'heal', 'HEALTHY')
    now = _nodes(dev, uuid)
    assert len([n for n in now if not n['master']]) == 4
    new_ids = {n['server_id'] for n in now} - {n['server_id'] for n in nodes}
    assert len(new_ids) == 1 and sick['server_id'] not in {n['server_id'] for n in now}
    assert '%s.Ready' % sick['name'] not in shown['health_status_reason']

    # An API that refuses connections: UNKNOWN, with the reason; then back.
    fault = dev.sim_send('POST', '/_sim/faults', {'kind': 'coe_api', 'cluster': 'heal-*'})
    _health(dev, 'heal', 'UNKNOWN', lambda reason: reason.get('api') ==
            'unreachable from the service: connection refused')
    dev.sim_send('DELETE', '/_sim/faults/%s' % fault['id'])
    _health(dev, 'heal', 'HEALTHY')


def test_private_api_and_grace_period_label(dev):
    # No floating IP: the API is on the cluster's private network, so UNKNOWN
    # without a connection attempt, and the reason says why.
    dev.ok('coe', 'cluster', 'template', 'create', 'plain', '--coe', 'kubernetes',
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small', '--master-flavor', 'm1.medium')
    dev.ok('coe', 'cluster', 'create', 'private', '--cluster-template', 'plain',
           '--node-count', '1', '--floating-ip-disabled')
    cluster = dev.wait('private')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    assert '//10.' in cluster['api_address'], cluster['api_address']
    shown = _health(dev, 'private', 'UNKNOWN')
    assert 'private network' in shown['health_status_reason']['api']


    dev.ok('coe', 'cluster', 'template', 'create', 'k8s', '--coe', 'kubernetes',
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small', '--master-flavor', 'm1.medium',
           '--labels', 'auto_healing_enabled=true,auto_healing_controller=magnum-like,'
                       'auto_healing_grace_period=100000')
    error = dev.fails('coe', 'cluster', 'create', 'bad', '--cluster-template', 'k8s')
    assert 'auto_healing_grace_period' in error and '86400' in error


def test_a_notready_master_of_three_is_replaced(dev):
    dev.ok('coe', 'cluster', 'template', 'create', 'ha', '--coe', 'kubernetes',
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small', '--master-flavor', 'm1.medium', '--master-lb-enabled',
           '--labels', 'auto_healing_enabled=true,auto_healing_controller=magnum-like,'
                       'auto_healing_grace_period=1')
    dev.ok('coe', 'cluster', 'create', 'ha', '--cluster-template', 'ha',
           '--master-count', '3', '--node-count', '1')
    cluster = dev.wait('ha')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    _health(dev, 'ha', 'HEALTHY')
    nodes = _nodes(dev, cluster['uuid'])
    masters = [n for n in nodes if n['master']]
    assert len(masters) == 3
    # Two masters NotReady: reported, nothing replaced.
    faults = [dev.sim_send('POST', '/_sim/faults', {'kind': 'node', 'server': n['name'],
                                                    'condition': 'NotReady'})
              for n in masters[:2]]
    _health(dev, 'ha', 'UNHEALTHY',
            lambda reason: '2 masters NotReady' in reason.get('auto_healing', ''))
    assert dev.show('ha')['status'] == 'CREATE_COMPLETE'
    # One: replaced through Heat (marked unhealthy, then updated).
    dev.sim_send('DELETE', '/_sim/faults/%s' % faults[1]['id'])
    sick = masters[0]
    _until(lambda: sick['server_id'] not in {s['id'] for s in dev.servers()},
           'the NotReady master\'s server is replaced', dev)
    healed = dev.wait('ha')
    assert healed['status'] == 'UPDATE_COMPLETE', healed
    assert healed['master_count'] == 3 and healed['node_count'] == 1
    # The replacement has the same name and the fault still matches it: not
    # replaced again before it has been Ready once.
    _health(dev, 'ha', 'UNHEALTHY',
            lambda reason: 'still NotReady' in reason.get('auto_healing', ''))
    assert dev.log().count('Auto-healing: replacing master %s' % sick['name']) == 1
    assert dev.show('ha')['status'] == 'UPDATE_COMPLETE'
    dev.sim_send('DELETE', '/_sim/faults/%s' % faults[0]['id'])
    _health(dev, 'ha', 'HEALTHY')
    now = _nodes(dev, cluster['uuid'])
    assert len([n for n in now if n['master']]) == 3
    assert sick['server_id'] not in {n['server_id'] for n in now}


def test_swarm_and_mesos_health(dev):
    for name, coe, labels in (('swarm', 'swarm-mode', 'docker_version=20.10.23'),
                              ('mesos', 'mesos', 'mesos_tag=1.9.0')):
        dev.ok('coe', 'cluster', 'template', 'create', name, '--coe', coe,
               '--image', 'fedora-atomic-latest', '--external-network', 'public',
               '--flavor', 'm1.small', '--master-flavor', 'm1.medium',
               '--network-driver', 'docker', '--labels', labels)
        dev.ok('coe', 'cluster', 'create', name, '--cluster-template', name,
               '--node-count', '2')
    condition = {'swarm': 'Ready', 'mesos': 'Active'}
    for name in ('swarm', 'mesos'):
        cluster = dev.wait(name)
        assert cluster['status'] == 'CREATE_COMPLETE', cluster
        shown = _health(dev, name, 'HEALTHY')
        workers = [n for n in _nodes(dev, cluster['uuid']) if not n['master']]
        assert shown['health_status_reason']['%s.%s' % (workers[0]['name'],
                                                       condition[name])] == 'True'
        fault = dev.sim_send('POST', '/_sim/faults', {'kind': 'node',
                                                      'server': workers[0]['name'],
                                                      'condition': 'NotReady'})
        key = '%s.%s' % (workers[0]['name'], condition[name])
        shown = _health(dev, name, 'UNHEALTHY', lambda reason: reason.get(key) == 'False')
        assert shown['health_status_reason']['api'] == 'ok'
        dev.sim_send('DELETE', '/_sim/faults/%s' % fault['id'])
        _health(dev, name, 'HEALTHY')
