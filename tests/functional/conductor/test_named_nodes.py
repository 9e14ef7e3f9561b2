"""Issue 11 item 1: a resize's ``nodes_to_remove`` removes exactly the nodes it names.

The API (over HTTP) and a conductor on one SQLite database, the simulator's
Heat and Nova over HTTP: an entry naming no current worker, or a master, is a
400 naming it and nothing is removed; a worker named by server id, server
name or address is the one removed; Heat down is a 503; the conductor refuses
an entry that no longer names a node (the API checked earlier).
"""
from __future__ import annotations

import pytest

from magnum_like.conductor import states
from tests.fixtures import api as api_fixture

BOGUS = '11111111-2222-3333-4444-555555555555'


@pytest.fixture
def api(conductor_env, sqlite_db):
    server = api_fixture.ApiServer(sqlite_db, overrides={
        ('cluster_template', 'validate_cloud_resources'): False})
    server.start()
    yield server.client(api_fixture.MEMBER)
    server.stop()


def _servers(env, uuid, role):
    """``{server id: (name, address)}`` of the cluster's ``role`` servers in Nova."""
    stack = env.stacks_of(uuid)[0]
    with env.sim.store.lock:
        result = {}
        for server in env.sim.store.servers.values():
            if server['name'].startswith('%s-%s-' % (stack.name, role)):
                ports = [env.sim.store.ports[p] for p in server.get('port_ids', [])]
                address = ports[0]['fixed_ips'][0]['ip_address'] if ports else None
                result[server['id']] = (server['name'], address)
        return result


def _resize(api, uuid, count, names):
    return api.post('/v1/clusters/%s/actions/resize' % uuid,
                    {'node_count': count, 'nodes_to_remove': names})


def _title(resp):
    return api_fixture.error_title(resp)


def test_only_named_workers_are_removed(conductor_env, api):
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent(node_count=4)
    env.wait_status(uuid, states.CREATE_COMPLETE)
    workers = _servers(env, uuid, 'node')
    (master_id,) = _servers(env, uuid, 'master')
    assert len(workers) == 4

    resp = _resize(api, uuid, 3, [BOGUS])
    assert resp.status_code == 400, resp.text
    assert BOGUS in _title(resp) and 'default-worker' in _title(resp)
    resp = _resize(api, uuid, 3, [master_id])
    assert resp.status_code == 400, resp.text
    assert master_id in _title(resp) and 'master' in _title(resp)
    resp = _resize(api, uuid, 2, [list(workers)[0]])
    assert resp.status_code == 400 and 'removes 2' in _title(resp), resp.text
    assert env.cluster(uuid).status == states.CREATE_COMPLETE
    assert _servers(env, uuid, 'node') == workers  # nothing touched

    by_id, by_name, by_address = list(workers)[1:]
    resp = _resize(api, uuid, 1, [by_id, workers[by_name][0], workers[by_address][1]])
    assert resp.status_code == 202, resp.text
    env.wait_status(uuid, states.UPDATE_COMPLETE)
    assert set(_servers(env, uuid, 'node')) == {list(workers)[0]}


def test_heat_down_is_503(conductor_env, api):
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent(node_count=2)
    env.wait_status(uuid, states.CREATE_COMPLETE)
    env.sim.faults.add_api_fault(503, count=50, service='orchestration')
    resp = _resize(api, uuid, 1, ['0'])
    assert resp.status_code == 503, resp.text
    assert 'Heat' in _title(resp)
    assert env.cluster(uuid).operation is None


def test_conductor_refuses_names_gone_since(conductor_env):
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent(node_count=2)
    env.wait_status(uuid, states.CREATE_COMPLETE)
    workers = _servers(env, uuid, 'node')
    worker = env.nodegroups(uuid)['default-worker']
    env.intent(uuid, 'resize', {'nodegroup': worker.uuid, 'node_count': 1, 'old_node_count': 2,
                                'nodes_to_remove': ['7']},
               ng_status={worker.uuid: {'node_count': 1}})
    cluster = env.wait_status(uuid, states.UPDATE_FAILED)
    assert "7 name no current node" in cluster.status_reason
    assert _servers(env, uuid, 'node') == workers
    assert env.nodegroups(uuid)['default-worker'].node_count == 2
