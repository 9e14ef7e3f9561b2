"""Issue 11 item 9: after a failed upgrade and a successful retry, every node group
the upgrade touched shows the retry's outcome (no stale UPDATE_FAILED or fault).

The API (over HTTP) accepts the upgrades as a user sends them (no node group
named: the cluster's default groups); a conductor carries them out against
the simulator's Heat over HTTP.
"""
from __future__ import annotations

import pytest

from magnum_like.conductor import states
from magnum_like.db import api as db
from tests.fixtures import api as api_fixture


@pytest.fixture
def api(conductor_env, sqlite_db):
    server = api_fixture.ApiServer(sqlite_db, overrides={
        ('cluster_template', 'validate_cloud_resources'): False})
    server.start()
    yield server.client(api_fixture.MEMBER)
    server.stop()


def _template(env, name, kube_tag):
    old = db.get_cluster_template_by_uuid(env.admin, env.template_uuid)
    return db.create_cluster_template(dict(
        name=name, project_id='project-a', coe=old.coe, server_type=old.server_type,
        cluster_distro=old.cluster_distro, image_id=old.image_id, driver=old.driver,
        labels={'kube_tag': kube_tag}, public=True))


def test_retry_after_failed_upgrade_clears_every_group(conductor_env, api):
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent(node_count=2)
    env.wait_status(uuid, states.CREATE_COMPLETE)
    new = _template(env, 't-new', 'v1.1.0')

    fault = env.sim.faults.add_resource_failure('OS::Nova::Server', action='update',
                                                reason='Disk full on the hypervisor')
    fault_create = env.sim.faults.add_resource_failure(
        'OS::Nova::Server', action='create', reason='Disk full on the hypervisor')
    resp = api.post('/v1/clusters/%s/actions/upgrade' % uuid,
                    {'cluster_template': new.uuid, 'max_batch_size': 1})
    assert resp.status_code == 202, resp.text
    env.wait_status(uuid, states.UPDATE_FAILED)
    groups = env.nodegroups(uuid)
    assert groups['default-worker'].status == states.UPDATE_FAILED
    assert 'Disk full' in groups['default-worker'].status_reason

    env.sim.faults.remove(fault)
    env.sim.faults.remove(fault_create)
    resp = api.post('/v1/clusters/%s/actions/upgrade' % uuid,
                    {'cluster_template': new.uuid, 'max_batch_size': 1})
    assert resp.status_code == 202, resp.text
    assert {ng.status for ng in env.nodegroups(uuid).values()} == {states.UPDATE_IN_PROGRESS}
    cluster = env.wait_status(uuid, states.UPDATE_COMPLETE)
    assert cluster.cluster_template_id == new.uuid
    for ng in env.nodegroups(uuid).values():
        assert (ng.name, ng.status, ng.status_reason) == (ng.name, states.UPDATE_COMPLETE, None)
