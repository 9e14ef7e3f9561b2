"""Tracking with one global Heat list, and the load-balancer cleanup before a delete.

In process (SQLite, fake:/ RPC, the simulator over HTTP). Call counts come from
``magnum_like.common.heat.CALLS`` (every Heat call the conductor makes, by kind).
"""
from __future__ import annotations

import time

import pytest
import requests

from magnum_like.common import heat
from magnum_like.conductor import states
from magnum_like import conf as ml_conf
from tests.fixtures import conductor_driver

CONF = ml_conf.CONF
PROJECTS = ('project-a', 'project-b', 'project-c')


def _in_progress(env, per_project: int = 2) -> list[str]:
    """Clusters of three projects whose stacks hang in CREATE_IN_PROGRESS, all started."""
    env.sim.faults.add_hang('*')
    uuids = [env.create_intent(project_id=project)
             for project in PROJECTS for _ in range(per_project)]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        clusters = [env.cluster(u) for u in uuids]
        if all('_started' in (c.operation_args or {}) and not c.reservation for c in clusters):
            return uuids
        time.sleep(0.05)
    raise AssertionError('creates did not start')


def _calls_over_passes(engine, seconds: float) -> tuple[dict, int]:
    before, passes = heat.CALLS.snapshot(), engine.sync_passes
    time.sleep(seconds)
    after = heat.CALLS.snapshot()
    return ({k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)},
            engine.sync_passes - passes)


def test_simulator_global_tenant_lists_every_project(conductor_env):
    env = conductor_env
    env.start_conductor()
    uuids = [env.create_intent(project_id=project) for project in PROJECTS]
    for uuid in uuids:
        env.wait_status(uuid, states.CREATE_COMPLETE)
    base = env.sim.url + '/orchestration/v1/%s/stacks'
    own = requests.get(base % 'project-b', params={'tags': 'magnum_like'}).json()['stacks']
    every = requests.get(base % 'service', params={'tags': 'magnum_like', 'global_tenant': 'True'}
                         ).json()['stacks']
    assert {s['project'] for s in own} == {'project-b'}
    assert {s['project'] for s in every} == set(PROJECTS)
    assert len(every) == 3


def test_one_global_list_per_pass_whatever_the_projects(conductor_env):
    env = conductor_env
    service = env.start_conductor()
    _in_progress(env)
    calls, passes = _calls_over_passes(service.engine, 1.5)
    assert passes >= 3
    # one list per pass (a pass may straddle the window's edges), none per project
    assert passes - 1 <= calls.get('list_global', 0) <= passes + 1
    assert calls.get('list', 0) == 0
    assert calls.get('get', 0) == 0


def test_global_list_finishes_clusters_of_every_project(conductor_env):
    env = conductor_env  # notifications off: polling alone
    env.start_conductor()
    uuids = [env.create_intent(project_id=project) for project in PROJECTS]
    for uuid in uuids:
        assert env.wait_status(uuid, states.CREATE_COMPLETE).api_address
    assert env.conductors[0].engine.stats['stack_lists'] >= 1


def test_per_project_lists_when_global_list_is_off(conductor_env):
    env = conductor_env
    CONF.set_override('heat_global_list', False, group='conductor')
    try:
        service = env.start_conductor()
        _in_progress(env, per_project=1)
        calls, passes = _calls_over_passes(service.engine, 1.5)
    finally:
        CONF.clear_override('heat_global_list', group='conductor')
    assert calls.get('list_global', 0) == 0
    assert 3 * (passes - 1) <= calls.get('list', 0) <= 3 * (passes + 1)


def test_refused_global_list_falls_back_to_per_project(conductor_env, monkeypatch):
    env = conductor_env
    original = heat.HeatClient.list_stacks

    def refuse_global(self, *, tags, global_tenant=False, **filters):
        if global_tenant:
            heat.CALLS.add('list_global')
            raise heat.Forbidden()
        return original(self, tags=tags, **filters)

    monkeypatch.setattr(heat.HeatClient, 'list_stacks', refuse_global)
    service = env.start_conductor()
    uuids = [env.create_intent(project_id=project) for project in PROJECTS]
    for uuid in uuids:
        env.wait_status(uuid, states.CREATE_COMPLETE)
    before = heat.CALLS.snapshot().get('list_global', 0)
    _calls_over_passes(service.engine, 1.0)
    assert service.engine._global_refused
    assert heat.CALLS.snapshot().get('list_global', 0) == before  # asked once, not every pass


# -- load balancers of the cloud provider -----------------------------------------------

@pytest.fixture
def octavia(conductor_env, monkeypatch):
    """The simulator's Octavia for the conductor, and the k8s driver's cleanup spec."""
    env = conductor_env
    CONF.set_override('endpoint_override', env.sim.endpoints['load-balancer'],
                      group='octavia_client')

    def resources_to_clean(self, view):
        uuid = view.cluster.uuid
        return {'loadbalancers_name_prefix': ['kube_service_%s_' % uuid],
                'loadbalancers_description_contains': ['from cluster %s' % uuid]}

    driver_class = __import__(conductor_driver.__name__, fromlist=['SimpleHeatDriver'])
    monkeypatch.setattr(driver_class.SimpleHeatDriver, 'resources_to_clean', resources_to_clean)
    url = env.sim.endpoints['load-balancer'] + '/v2/lbaas/loadbalancers'
    with env.sim.store.lock:
        subnet = next(s['id'] for s in env.sim.store.subnets.values()
                      if s['name'] == 'private-subnet')

    def create(name, description='', project='project-a'):
        answer = requests.post(url, json={'loadbalancer': {
            'name': name, 'description': description, 'vip_subnet_id': subnet,
            'project_id': project}})
        assert answer.status_code == 201, answer.text
        return answer.json()['loadbalancer']['id']

    try:
        yield create
    finally:
        CONF.clear_override('endpoint_override', group='octavia_client')


def _lbs(env) -> dict:
    with env.sim.store.lock:
        return {lid: dict(lb) for lid, lb in env.sim.store.loadbalancers.items()}


def test_delete_removes_the_cloud_providers_load_balancers_first(conductor_env, octavia,
                                                                 monkeypatch):
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent()
    other = env.create_intent()
    env.wait_status(uuid, states.CREATE_COMPLETE)
    env.wait_status(other, states.CREATE_COMPLETE)
    by_name = octavia('kube_service_%s_default_web' % uuid)
    by_description = octavia('a1b2c3', 'Kubernetes external service default/db from cluster %s'
                             % uuid)
    unrelated = octavia('kube_service_%s_default_web' % other)
    seen_at_stack_delete: list[set] = []
    original = heat.HeatClient.delete_stack

    def delete_stack(self, stack_id):
        seen_at_stack_delete.append(set(_lbs(env)))
        return original(self, stack_id)

    monkeypatch.setattr(heat.HeatClient, 'delete_stack', delete_stack)
    env.intent(uuid, 'delete', status=states.DELETE_IN_PROGRESS)
    env.wait_gone(uuid)
    assert seen_at_stack_delete, 'the stack was not deleted'
    assert not {by_name, by_description} & seen_at_stack_delete[0]
    lbs = _lbs(env)
    assert by_name not in lbs and by_description not in lbs
    assert unrelated in lbs
    assert not env.stacks_of(uuid)


def test_busy_load_balancer_holds_the_stack_delete_until_it_can_go(conductor_env, octavia):
    env = conductor_env
    CONF.set_override('lb_cleanup_timeout', 0.3, group='conductor')
    try:
        env.start_conductor()
        uuid = env.create_intent()
        env.wait_status(uuid, states.CREATE_COMPLETE)
        busy = octavia('kube_service_%s_default_web' % uuid)
        with env.sim.store.lock:
            env.sim.store.loadbalancers[busy]['provisioning_status'] = 'PENDING_UPDATE'
        env.intent(uuid, 'delete', status=states.DELETE_IN_PROGRESS)
        time.sleep(1.0)
        cluster = env.cluster(uuid)
        assert cluster.status == states.DELETE_IN_PROGRESS
        assert '_started' not in (cluster.operation_args or {})
        assert len(env.stacks_of(uuid)) == 1 and busy in _lbs(env)
        with env.sim.store.lock:
            env.sim.store.loadbalancers[busy]['provisioning_status'] = 'ACTIVE'
        env.wait_gone(uuid)  # the reconcile pass starts the delete again
        assert busy not in _lbs(env)
        assert not env.stacks_of(uuid)
    finally:
        CONF.clear_override('lb_cleanup_timeout', group='conductor')
