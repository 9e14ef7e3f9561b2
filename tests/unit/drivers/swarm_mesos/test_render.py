"""Every stack body the Swarm-mode and Mesos drivers render passes Heat's own validation.

The matrix: both drivers × VM and baremetal × 1 and 3 masters × load balancer
on/off × floating IPs on/off × volumes on/off; combinations ``validate_cluster``
refuses are checked to be refused instead. Scale-downs naming nodes (and a
swarm-mode upgrade) are validated as Heat applies a PATCH: the stored
template with the merged parameters. All bodies go through
``tools/validate_hot.py`` in one process.
"""
from __future__ import annotations

import itertools

import pytest

from magnum_like.common import exception
from magnum_like.db import models
from magnum_like.drivers.mesos_fedora_atomic_v1 import driver as mesos_driver
from magnum_like.drivers.swarm_fedora_atomic_v2 import driver as swarm_driver
from tests.unit.drivers import conftest
from tests.unit.drivers.swarm_mesos import fakes

DRIVERS = {'swarm-mode': swarm_driver.Driver(), 'mesos': mesos_driver.Driver()}
REMOVE = {'swarm-mode': ('nodes_to_remove', 'number_of_nodes', 'swarm_nodes_private',
                         'swarm_node_ids'),
          'mesos': ('slaves_to_remove', 'number_of_slaves', 'mesos_slaves_private',
                    'mesos_slave_ids')}
MATRIX = list(itertools.product(DRIVERS, ('vm', 'bm'), (1, 3), (True, False), (True, False),
                                (True, False)))


def _refusal(server_type, masters, lb, volumes):
    """Why validate_cluster must refuse this combination (None: it must not)."""
    if masters > 1 and not lb:
        return 'master_lb_enabled'
    if server_type == 'bm' and volumes:
        return 'docker_volume_size'
    return None


def _merged(create_body: dict, update_body: dict) -> dict:
    body = dict(create_body)
    body['parameters'] = dict(create_body['parameters'], **update_body['parameters'])
    return body


def _bodies() -> dict[str, dict]:
    bodies = {}
    for coe, server_type, masters, lb, fip, volumes in MATRIX:
        name = '%s-%s-m%d-lb%d-fip%d-vol%d' % (coe, server_type, masters, lb, fip, volumes)
        # Baremetal needs an existing network; a VM variant gets one too below.
        view = fakes.make_view(coe=coe, server_type=server_type, masters=masters, lb=lb,
                               fip=fip, fixed=server_type == 'bm', volumes=volumes)
        driver = DRIVERS[coe]
        reason = _refusal(server_type, masters, lb, volumes)
        if reason:
            with pytest.raises(exception.InvalidParameterValue, match=reason):
                driver.validate_cluster(view)
            continue
        driver.validate_cluster(view)
        bodies[name] = driver.create_stack_body(view)

    for (coe, driver), server_type in itertools.product(DRIVERS.items(), ('vm', 'bm')):
        view = fakes.make_view(coe=coe, server_type=server_type, workers=3, fixed=True,
                               lb=True, masters=3)
        created = driver.create_stack_body(view)
        remove_param, count_param, addresses, ids = REMOVE[coe]
        view.nodegroup('worker').node_count = 1
        view.extra['stack_outputs'] = {addresses: ['10.0.0.5', '10.0.0.6', '10.0.0.7'],
                                       ids: ['srv-0', 'srv-1', 'srv-2']}
        update = driver.update_stack_body(view, nodes_to_remove=['0', '10.0.0.7'])
        assert update['parameters'][remove_param] == ['0', 'srv-2']
        assert update['parameters'][count_param] == 1
        bodies['%s-%s-fixed-scale-down' % (coe, server_type)] = _merged(created, update)
    view = fakes.make_view(labels={'docker_version': '20.10.23'})
    created = DRIVERS['swarm-mode'].create_stack_body(view)
    newer = models.ClusterTemplate(labels={'docker_version': '20.10.24'})
    DRIVERS['swarm-mode'].validate_upgrade(view, newer, view.nodegroup('worker'), 2)
    update = DRIVERS['swarm-mode'].update_stack_body(view, new_template=newer, max_batch_size=2)
    assert update['parameters']['node_docker_version'] == '20.10.24'
    bodies['swarm-mode-upgrade'] = _merged(created, update)
    return bodies


def test_every_body_is_valid_for_heat(tmp_path, heat_python):
    bodies = _bodies()
    # Per driver: 32 VM/baremetal combinations, less 8 (3 masters, no LB) and
    # 6 more (baremetal with volumes); 2 scale-downs each, 1 upgrade.
    assert len(bodies) == 2 * (32 - 8 - 6) + 4 + 1
    conftest.validate_bodies(heat_python, tmp_path, bodies)
