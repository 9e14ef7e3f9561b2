"""Issue 11 item 11: ``[conductor] operation_timeout`` bounds every operation but a
create, and a delete its deadline overtakes is not left to Heat forever.

In process: the API (over HTTP) and a conductor on one SQLite database, the
simulator's Heat over HTTP.
"""
from __future__ import annotations

import datetime

import pytest

from magnum_like.conductor import states
from magnum_like import conf as ml_conf
from tests.fixtures import api as api_fixture

CONF = ml_conf.CONF


@pytest.fixture
def api(conductor_env, sqlite_db):
    server = api_fixture.ApiServer(sqlite_db, overrides={
        ('cluster_template', 'validate_cloud_resources'): False,
        ('conductor', 'operation_timeout'): 7})
    server.start()
    yield server.client(api_fixture.MEMBER)
    server.stop()


def _minutes_left(env, uuid):
    deadline = env.cluster(uuid).deadline
    return (deadline - datetime.datetime.utcnow()).total_seconds() / 60


def test_operations_get_the_operation_timeout(conductor_env, api):
    """Resize, credential rotation and delete: 7 minutes ([conductor]
    operation_timeout), not the cluster's create_timeout of 300."""
    env = conductor_env
    uuid = env.create_intent(node_count=1, create_timeout=300, cast=False)
    env.intent(uuid, None, status=states.CREATE_COMPLETE, cast=False)
    resp = api.post('/v1/clusters/%s/actions/resize' % uuid, {'node_count': 2})
    assert resp.status_code == 202, resp.text
    assert 6 < _minutes_left(env, uuid) <= 7
    for request in (lambda: api.patch('/v1/credentials/%s' % uuid, None),
                    lambda: api.delete('/v1/clusters/%s' % uuid)):
        env.intent(uuid, None, status=states.UPDATE_COMPLETE, cast=False)
        resp = request()
        assert resp.status_code in (202, 204), resp.text
        assert env.cluster(uuid).operation is not None
        assert 6 < _minutes_left(env, uuid) <= 7


def test_stack_updates_carry_the_operation_timeout(conductor_env):
    env = conductor_env
    CONF.set_override('operation_timeout', 9, group='conductor')
    try:
        env.start_conductor()
        uuid = env.create_intent(node_count=1, create_timeout=120)
        env.wait_status(uuid, states.CREATE_COMPLETE)
        worker = env.nodegroups(uuid)['default-worker']
        env.intent(uuid, 'resize', {'nodegroup': worker.uuid, 'node_count': 2,
                                    'old_node_count': 1, 'nodes_to_remove': []},
                   ng_status={worker.uuid: {'node_count': 2}})
        env.wait_status(uuid, states.UPDATE_COMPLETE)
        assert env.stacks_of(uuid)[0].timeout_mins == 9
    finally:
        CONF.clear_override('operation_timeout', group='conductor')


def test_delete_past_its_deadline_asks_heat_again_and_says_so(conductor_env):
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent(node_count=1)
    env.wait_status(uuid, states.CREATE_COMPLETE)
    (stack,) = env.stacks_of(uuid)
    generation = stack.generation
    hang = env.sim.faults.add_hang('*')
    env.intent(uuid, 'delete', {}, status=states.DELETE_IN_PROGRESS,
               deadline=datetime.datetime.utcnow() + datetime.timedelta(seconds=2))
    cluster = env.wait_status(uuid, states.DELETE_FAILED)
    assert 'Delete (delete) timed out' in cluster.status_reason
    assert 'DELETE_IN_PROGRESS' in cluster.status_reason
    assert 'requested again' in cluster.status_reason
    assert 'Delete the cluster again' in cluster.status_reason
    assert stack.generation > generation + 1  # the first delete and the one asked again
    # Heat unstuck: a new delete finishes.
    env.sim.faults.remove(hang)
    env.intent(uuid, 'delete', {}, status=states.DELETE_IN_PROGRESS)
    env.wait_gone(uuid)
    assert not env.stacks_of(uuid)
