"""What the Swarm-mode and Mesos drivers decide besides rendering: checks, updates, outputs."""
from __future__ import annotations

import pytest

from magnum_like.common import exception
from magnum_like.db import models
from magnum_like.drivers.mesos_fedora_atomic_v1 import driver as mesos_driver
from magnum_like.drivers.swarm_fedora_atomic_v2 import driver as swarm_driver
from tests.unit.drivers.swarm_mesos import fakes

SWARM = swarm_driver.Driver()
MESOS = mesos_driver.Driver()


@pytest.mark.parametrize('labels, match', [
    ({'mesos_slave_isolation': 'posix/cpu,bogus/x'}, r'mesos_slave_isolation.*filesystem/posix'),
    ({'mesos_slave_image_providers': 'oci'}, r'mesos_slave_image_providers.*appc, docker'),
    ({'mesos_slave_image_providers': 'docker', 'mesos_slave_isolation': 'posix/cpu'},
     r'mesos_slave_image_providers.*filesystem/linux, docker/runtime'),
    ({'mesos_slave_work_dir': 'relative/dir'}, 'mesos_slave_work_dir'),
    ({'mesos_slave_executor_env_variables': '[1]'}, 'mesos_slave_executor_env_variables'),
    ({'rexray_preempt': 'maybe'}, r'rexray_preempt.*true, false'),
])
def test_mesos_labels_are_refused_naming_the_label(labels, match):
    with pytest.raises(exception.InvalidParameterValue, match=match):
        MESOS.validate_cluster(fakes.make_view(coe='mesos', labels=labels))


def test_mesos_labels_accepted_and_passed():
    labels = {'mesos_slave_isolation': 'filesystem/linux,docker/runtime',
              'mesos_slave_image_providers': 'docker', 'mesos_slave_work_dir': '/srv/mesos',
              'mesos_slave_executor_env_variables': '{"PATH": "/bin"}', 'rexray_preempt': 'true'}
    view = fakes.make_view(coe='mesos', labels=labels)
    MESOS.validate_cluster(view)
    params = MESOS.create_stack_body(view)['parameters']
    assert params['mesos_slave_image_providers'] == 'docker'
    assert params['mesos_slave_executor_env_variables'] == '{"PATH": "/bin"}'
    assert params['cluster_name'] == 'ci_runners.swarm'


@pytest.mark.parametrize('driver, coe, kwargs, match', [
    (SWARM, 'swarm-mode', {'tls_disabled': True}, 'tls_disabled'),
    (SWARM, 'swarm-mode', {'network_driver': 'flannel'}, r'network_driver.*docker'),
    (SWARM, 'swarm-mode', {'labels': {'swarm_strategy': 'fastest'}},
     r'swarm_strategy.*spread, binpack, random'),
    (SWARM, 'swarm-mode', {'labels': {'docker_version': 'latest'}}, 'docker_version'),
    (SWARM, 'swarm-mode', {'server_type': 'bm'}, 'fixed_network'),
    (SWARM, 'swarm-mode', {'server_type': 'bm', 'fixed': True, 'volume_driver': 'cinder'},
     'volume_driver'),
    (MESOS, 'mesos', {'volume_driver': 'cinder'}, r"volume_driver.*'cinder'.*rexray"),
    (MESOS, 'mesos', {'masters': 2, 'lb': True}, 'odd'),
    (MESOS, 'mesos', {'labels': {'mesos_tag': "1.7'"}}, 'quote'),
])
def test_refusals_name_the_field(driver, coe, kwargs, match):
    with pytest.raises(exception.InvalidParameterValue, match=match):
        driver.validate_cluster(fakes.make_view(coe=coe, **kwargs))


def test_swarm_accepts_cinder_and_rexray_volumes():
    for volume_driver in ('cinder', 'rexray'):
        SWARM.validate_cluster(fakes.make_view(volumes=True, volume_driver=volume_driver))


def test_swarm_upgrade_is_a_rolling_worker_replacement():
    view = fakes.make_view(labels={'docker_version': '20.10.23'})
    newer = models.ClusterTemplate(labels={'docker_version': '20.10.24'})
    SWARM.validate_upgrade(view, newer, view.nodegroup('worker'), 3)
    body = SWARM.update_stack_body(view, new_template=newer, max_batch_size=3, rollback=True)
    assert body['parameters'] == {'number_of_nodes': 2, 'nodes_to_remove': [],
                                  'update_max_batch_size': 3, 'node_docker_version': '20.10.24'}
    assert body['disable_rollback'] is False


@pytest.mark.parametrize('labels, ng, exc, match', [
    ({'docker_version': '20.10.1'}, 'worker', exception.InvalidParameterValue, 'downgrades'),
    ({}, 'worker', exception.InvalidParameterValue, 'docker_version'),
    ({'docker_version': '20.10.30'}, 'master', exception.NotSupported, 'new swarm'),
])
def test_swarm_upgrade_refusals(labels, ng, exc, match):
    view = fakes.make_view(labels={'docker_version': '20.10.23'})
    with pytest.raises(exc, match=match):
        SWARM.validate_upgrade(view, models.ClusterTemplate(labels=labels),
                               view.nodegroup(ng), 1)


def test_mesos_upgrade_moves_the_release_labels():
    view = fakes.make_view(coe='mesos', labels={'mesos_tag': '1.7.1'})
    newer = models.ClusterTemplate(labels={'mesos_tag': '1.9.1', 'zookeeper_tag': '3.7'})
    MESOS.validate_upgrade(view, newer, view.nodegroup('master'), 1)
    body = MESOS.update_stack_body(view, new_template=newer, max_batch_size=2)
    assert body['parameters']['mesos_tag'] == '1.9.1'
    assert body['parameters']['zookeeper_tag'] == '3.7'
    assert body['parameters']['update_max_batch_size'] == 2


@pytest.mark.parametrize('labels, batch, match', [
    ({}, 1, 'changes none of mesos_tag, marathon_tag, zookeeper_tag'),
    ({'mesos_tag': '1.7.1'}, 1, 'nothing to upgrade'),
    ({'mesos_tag': '1.6.0'}, 1, 'mesos_tag: 1.6.0 is older'),
    ({'marathon_tag': 'latest'}, 1, 'marathon_tag'),
    ({'mesos_tag': '1.9.1'}, 0, 'max_batch_size'),
])
def test_mesos_upgrade_refusals_say_why(labels, batch, match):
    view = fakes.make_view(coe='mesos', labels={'mesos_tag': '1.7.1'})
    with pytest.raises(exception.InvalidParameterValue, match=match):
        MESOS.validate_upgrade(view, models.ClusterTemplate(labels=labels),
                               view.nodegroup('master'), batch)


def test_unsupported_upgrade_names_the_driver():
    from magnum_like.drivers import base

    class Plain(base.Driver):
        def create_stack_body(self, view):
            return {}

        def update_stack_body(self, view, **kwargs):
            return {}

        def fields_from_stack(self, view, outputs, parameters):
            return {}, {}

    with pytest.raises(exception.NotSupported, match='Upgrading clusters of the Plain driver'):
        Plain().validate_upgrade(fakes.make_view(), None, None, 1)


def test_masters_cannot_be_resized():
    view = fakes.make_view(coe='mesos')
    with pytest.raises(exception.NotSupported):
        MESOS.validate_resize(view, view.nodegroup('master'), 3, [])


def test_nodes_to_remove_by_index_server_id_or_address():
    view = fakes.make_view(workers=1, extra={'stack_outputs': {
        'swarm_nodes_private': ['10.0.0.5', '10.0.0.9'], 'swarm_node_ids': ['a1', 'b2']}})
    body = SWARM.update_stack_body(view, nodes_to_remove=['3', 'c3', '10.0.0.9'])
    assert body['parameters']['nodes_to_remove'] == ['3', 'c3', 'b2']
    with pytest.raises(exception.InvalidParameterValue, match='10.0.0.77'):
        SWARM.update_stack_body(view, nodes_to_remove=['10.0.0.77'])


STATE = {
    'slaves': [{'id': 'S0', 'hostname': '10.0.0.5', 'pid': 'slave(1)@10.0.0.5:5051'},
               {'id': 'S1', 'hostname': '10.0.0.6', 'pid': 'slave(1)@10.0.0.6:5051'},
               {'id': 'S2', 'hostname': '10.0.0.7', 'pid': 'slave(1)@10.0.0.7:5051'}],
    'frameworks': [{'tasks': [{'slave_id': 'S0', 'state': 'TASK_RUNNING'},
                              {'slave_id': 'S2', 'state': 'TASK_RUNNING'},
                              {'slave_id': 'S2', 'state': 'TASK_RUNNING'},
                              {'slave_id': 'S1', 'state': 'TASK_FINISHED'}]}],
}


def _mesos_view(workers):
    return fakes.make_view(coe='mesos', workers=workers, extra={'stack_outputs': {
        'mesos_slaves_private': ['10.0.0.5', '10.0.0.6', '10.0.0.7'],
        'mesos_slave_ids': ['s0', 's1', 's2']}})


def test_agents_from_state_counts_running_tasks():
    agents = mesos_driver.agents_from_state(STATE)
    assert [(a['address'], a['running_tasks']) for a in agents] == [
        ('10.0.0.5', 1), ('10.0.0.6', 0), ('10.0.0.7', 2)]


def test_idle_agents_are_removed_first_and_the_reason_says_which():
    view = _mesos_view(2)
    chosen, reason = MESOS.choose_nodes_to_remove(view, view.nodegroup('worker'), 2,
                                                  mesos_driver.agents_from_state(STATE))
    assert chosen == ['10.0.0.6']
    assert reason == 'Removing Mesos agents 10.0.0.6 (no running tasks)'
    body = MESOS.update_stack_body(view, nodes_to_remove=chosen)
    assert body['parameters'] == {'number_of_slaves': 2, 'slaves_to_remove': ['s1']}


def test_busy_agents_go_last_and_are_named():
    view = _mesos_view(1)
    chosen, reason = MESOS.choose_nodes_to_remove(view, view.nodegroup('worker'), 1,
                                                  mesos_driver.agents_from_state(STATE))
    assert chosen == ['10.0.0.6', '10.0.0.5']
    assert '10.0.0.5 with 1' in reason
    assert MESOS.choose_nodes_to_remove(view, view.nodegroup('worker'), 3, []) == ([], None)


def test_base_hook_leaves_the_choice_to_heat():
    view = fakes.make_view()
    assert SWARM.choose_nodes_to_remove(view, view.nodegroup('worker'), 1, []) == ([], None)


@pytest.mark.parametrize('fip', [True, False])
def test_swarm_fields_from_stack(fip):
    view = fakes.make_view(fip=fip, lb=True, masters=3, labels={'docker_version': '20.10.24'})
    outputs = {'api_address': '172.24.4.10',
               'swarm_masters': ['172.24.4.11', '172.24.4.13'] if fip else ['10.0.0.3', '10.0.0.4'],
               'swarm_masters_private': ['10.0.0.3', '10.0.0.4'],
               'swarm_nodes': ['172.24.4.12'] if fip else ['10.0.0.5'],
               'swarm_nodes_private': ['10.0.0.5']}
    cluster, groups = SWARM.fields_from_stack(view, outputs, {})
    assert cluster['api_address'] == 'tcp://172.24.4.10:2376'
    assert cluster['coe_version'] == '20.10.24'
    assert cluster['master_addresses'] == outputs['swarm_masters' if fip else
                                                  'swarm_masters_private']
    assert groups['ng-worker']['node_addresses'] == (['172.24.4.12'] if fip else ['10.0.0.5'])


def test_mesos_fields_from_stack():
    view = fakes.make_view(coe='mesos', fip=False)
    cluster, _ = MESOS.fields_from_stack(view, {'api_address': '10.0.0.3',
                                                'mesos_master_private': ['10.0.0.3'],
                                                'mesos_slaves_private': ['10.0.0.5', '']}, {})
    assert cluster['api_address'] == '10.0.0.3'
    assert cluster['node_addresses'] == ['10.0.0.5']
    assert cluster['coe_version'] == '1.7.1'
