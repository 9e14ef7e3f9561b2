"""Every operation and status transition, in process (SQLite, fake:/ RPC, simulator over HTTP)."""
from __future__ import annotations


from magnum_like.conductor import states
from tests.functional.conductor.conftest import sent_notifications


def test_create_complete_reads_outputs_and_notifies(conductor_env):
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent(node_count=2)
    cluster = env.wait_status(uuid, states.CREATE_COMPLETE)
    assert cluster.api_address.startswith('https://10.0.0.')
    assert cluster.stack_id and cluster.reservation is None and cluster.deadline is None
    assert len(cluster.node_addresses) == 2 and len(cluster.master_addresses) == 1
    ngs = env.nodegroups(uuid)
    assert {ng.status for ng in ngs.values()} == {states.CREATE_COMPLETE}
    assert all(ng.stack_id == cluster.stack_id for ng in ngs.values())
    assert len(ngs['default-worker'].node_addresses) == 2
    assert len(env.stacks_of(uuid)) == 1
    events = [(n[0], n[1]['outcome'], n[2]) for n in sent_notifications()]
    assert ('magnum.cluster.create', 'pending', 'INFO') in events
    assert ('magnum.cluster.create', 'success', 'INFO') in events
    payload = sent_notifications()[-1][1]
    assert payload['target']['id'] == uuid
    assert payload['target']['typeURI'] == 'service/magnum/cluster'
    data = payload['target']['attachments'][0]
    assert data['name'] == 'cluster_data' and data['content']['status'] == 'CREATE_COMPLETE'
    assert payload['initiator']['project_id'] == 'project-a'


def _worker(env, uuid):
    return env.nodegroups(uuid)['default-worker']


def test_update_resize_and_failure_restores_count(conductor_env):
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent(node_count=1)
    env.wait_status(uuid, states.CREATE_COMPLETE)
    worker = _worker(env, uuid)
    # update: the API already set the node group's count
    env.intent(uuid, 'update', {'nodegroup': worker.uuid, 'old_node_count': 1, 'rollback': False},
               ng_status={worker.uuid: {'node_count': 3}})
    cluster = env.wait_status(uuid, states.UPDATE_COMPLETE)
    assert len(cluster.node_addresses) == 3
    assert _worker(env, uuid).status == states.UPDATE_COMPLETE
    # resize down removing a named member
    env.intent(uuid, 'resize', {'nodegroup': worker.uuid, 'node_count': 2, 'old_node_count': 3,
                                'nodes_to_remove': ['0']},
               ng_status={worker.uuid: {'node_count': 2}})
    cluster = env.wait_status(uuid, states.UPDATE_COMPLETE)
    assert len(cluster.node_addresses) == 2
    # a failing scale-up: UPDATE_FAILED, the count restored, the fault on the node group
    env.sim.faults.add_resource_failure('OS::Nova::Server', action='create',
                                        reason='Quota exceeded for instances')
    env.intent(uuid, 'resize', {'nodegroup': worker.uuid, 'node_count': 4, 'old_node_count': 2,
                                'nodes_to_remove': []},
               ng_status={worker.uuid: {'node_count': 4}})
    cluster = env.wait_status(uuid, states.UPDATE_FAILED)
    assert 'Quota exceeded for instances' in cluster.status_reason
    assert 'OS::Nova::Server' in cluster.status_reason
    worker = _worker(env, uuid)
    assert worker.node_count == 2 and worker.status == states.UPDATE_FAILED
    assert 'Quota exceeded' in worker.status_reason
    events = [(n[0], n[1]['outcome']) for n in sent_notifications()]
    assert ('magnum.cluster.update', 'failure') in events
    assert events.count(('magnum.cluster.update', 'success')) == 2
    assert len(env.stacks_of(uuid)) == 1


def test_upgrade_switches_template(conductor_env):
    from magnum_like.db import api as db
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent()
    env.wait_status(uuid, states.CREATE_COMPLETE)
    old = db.get_cluster_template_by_uuid(env.admin, env.template_uuid)
    new = db.create_cluster_template(dict(
        name='t2', project_id='project-a', coe=old.coe, server_type=old.server_type,
        cluster_distro=old.cluster_distro, image_id=old.image_id, driver=old.driver,
        labels={'kube_tag': 'v1.1.0'}))
    env.intent(uuid, 'upgrade', {'cluster_template': new.uuid, 'max_batch_size': 1,
                                 'nodegroup': None})
    cluster = env.wait_status(uuid, states.UPDATE_COMPLETE)
    assert cluster.cluster_template_id == new.uuid
    stack = env.sim.find_stack(cluster.stack_id)
    assert stack.params['kube_tag'] == 'v1.1.0'


def test_delete_removes_stack_rows_and_certificates(conductor_env):
    from magnum_like.db import api as db
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent()
    cluster = env.wait_status(uuid, states.CREATE_COMPLETE)
    assert cluster.ca_cert_ref  # the PKI made the cluster's CA
    secrets_before = len(env.sim.store.secrets) if hasattr(env.sim.store, 'secrets') else None
    env.intent(uuid, 'delete', {}, status=states.DELETE_IN_PROGRESS)
    env.wait_gone(uuid)
    assert env.stacks_of(uuid) == []
    assert db.get_nodegroup_list(env.admin, uuid) == []
    if secrets_before is not None:
        assert len(env.sim.store.secrets) < secrets_before
    events = [(n[0], n[1]['outcome']) for n in sent_notifications()]
    assert ('magnum.cluster.delete', 'pending') in events
    assert ('magnum.cluster.delete', 'success') in events


def test_nodegroup_create_and_delete_use_their_own_stack(conductor_env):
    from magnum_like.db import api as db
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent()
    cluster = env.wait_status(uuid, states.CREATE_COMPLETE)
    ng = db.create_nodegroup(dict(cluster_id=uuid, name='extra', role='worker', node_count=2,
                                  is_default=False, project_id='project-a',
                                  status='CREATE_IN_PROGRESS', flavor_id='m1.small'))
    env.intent(uuid, 'nodegroup_create', {'nodegroup': ng.uuid})
    env.wait_status(uuid, states.UPDATE_COMPLETE)
    ng = env.nodegroups(uuid)['extra']
    assert ng.status == states.CREATE_COMPLETE or ng.status == states.UPDATE_COMPLETE
    assert ng.stack_id and ng.stack_id != cluster.stack_id
    assert len(env.stacks_of(uuid)) == 2
    env.intent(uuid, 'nodegroup_delete', {'nodegroup': ng.uuid},
               ng_status={ng.uuid: {'status': states.DELETE_IN_PROGRESS}})
    env.wait_status(uuid, states.UPDATE_COMPLETE)
    assert 'extra' not in env.nodegroups(uuid)
    assert len(env.stacks_of(uuid)) == 1


def test_rotate_ca_and_credential(conductor_env):
    from magnum_like.db import api as db
    from magnum_like.pki import certificates
    env = conductor_env
    env.start_conductor()
    uuid = env.create_intent()
    env.wait_status(uuid, states.CREATE_COMPLETE)
    old_refs = certificates.rotate_cluster_ca(
        env.admin, uuid, save=lambda values: db.update_cluster(uuid, values))
    before = env.sim.find_stack(env.cluster(uuid).stack_id).params['kube_ca_cert']
    env.intent(uuid, 'rotate_ca', {'old_refs': old_refs})
    env.wait_status(uuid, states.UPDATE_COMPLETE)
    after = env.sim.find_stack(env.cluster(uuid).stack_id).params['kube_ca_cert']
    assert after.startswith('-----BEGIN CERTIFICATE') and after != before
    env.intent(uuid, 'rotate_credential', {})
    env.wait_status(uuid, states.UPDATE_COMPLETE)
