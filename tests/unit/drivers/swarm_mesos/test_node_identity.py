"""Swarm-mode and Mesos nodes learn their node group, role and CA generation
from what the stack hands them: ``CA_GENERATION`` in heat-params, and
``NODEGROUP_NAME``/``NODEGROUP_ROLE`` next to ``ROLE`` in each role's heat-role
file; a CA rotation changes the generation (so the nodes are rebuilt)."""
from __future__ import annotations

import pytest
import yaml

from magnum_like.drivers.mesos_fedora_atomic_v1 import driver as mesos_driver
from magnum_like.drivers.swarm_fedora_atomic_v2 import driver as swarm_driver
from tests.unit.drivers.swarm_mesos import fakes

CASES = {'swarm-mode': (swarm_driver.Driver(), {'role_primary': 'master',
                                                'role_secondary': 'master',
                                                'role_node': 'worker'}),
         'mesos': (mesos_driver.Driver(), {'role_master': 'master', 'role_slave': 'worker'})}


@pytest.mark.parametrize('coe', sorted(CASES))
def test_nodes_get_their_group_role_and_ca_generation(coe):
    driver, roles = CASES[coe]
    view = fakes.make_view(coe=coe, extra={'kube_ca_cert': 'CA1'})
    body = driver.create_stack_body(view)
    params = body['parameters']
    assert params['master_nodegroup_name'] == 'default-master'
    assert params['worker_nodegroup_name'] == 'default-worker'
    assert (params['master_nodegroup_role'], params['worker_nodegroup_role']) == (
        'master', 'worker')
    first = params['ca_generation']
    view.extra['kube_ca_cert'] = 'CA2'
    assert driver.refresh_stack_body(view)['parameters']['ca_generation'] not in ('', first)
    assert "CA_GENERATION='__CA_GENERATION__'" in body['files']['fragments/heat-params.tmpl']
    resources = yaml.safe_load(body['template'])['resources']
    replace = resources['node_params']['properties']['cloud_config']['write_files'][0][
        'content']['str_replace']
    assert replace['params']['__CA_GENERATION__'] == {'get_param': 'ca_generation'}
    for resource, role in roles.items():
        [role_file] = resources[resource]['properties']['cloud_config']['write_files']
        assert role_file['path'] == '/etc/sysconfig/heat-role'
        content = role_file['content']['str_replace']
        assert "NODEGROUP_NAME='__NG__'\nNODEGROUP_ROLE='__NGROLE__'\n" in content['template']
        assert content['params']['__NG__'] == {'get_param': '%s_nodegroup_name' % role}
        assert content['params']['__NGROLE__'] == {'get_param': '%s_nodegroup_role' % role}
