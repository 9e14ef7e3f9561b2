"""Node labels and taints (microversion 1.14) and the node group reach the nodes.

Every node's heat-params carries ``NODEGROUP_NAME``, ``NODEGROUP_ROLE``,
``NODE_LABELS`` (``key=value,...``) and ``NODE_TAINTS`` (``key=value:Effect,...``)
of its own node group, next to ``KUBE_TAG`` and ``CA_GENERATION``; the
kubelet registers with them. Checked on the rendered parameters, on the
templates that carry them to the heat-params file, and on the kubelet script.
"""
from __future__ import annotations

import os
import re

import pytest
import yaml

from magnum_like.common import exception
from magnum_like.db import models
from magnum_like.drivers.heat.k8s_fedora import DIRECTORY
from magnum_like.drivers.k8s_fedora_atomic_v1 import driver as atomic_driver
from tests.unit.drivers.k8s import fakes

DRIVER = atomic_driver.Driver()
TAINTS = [{'key': 'dedicated', 'value': 'gpu', 'effect': 'NoSchedule'},
          {'key': 'spot', 'effect': 'PreferNoSchedule'}]


def _read(*path: str) -> str:
    with open(os.path.join(DIRECTORY, *path), encoding='utf-8') as f:
        return f.read()


def test_cluster_stack_gets_each_default_groups_labels_and_taints():
    view = fakes.make_view()
    worker = view.nodegroup('worker')
    worker.node_labels = {'zone': 'b', 'disk': 'ssd'}
    worker.node_taints = TAINTS
    params = DRIVER.create_stack_body(view)['parameters']
    assert params['worker_nodegroup_name'] == 'default-worker'
    assert params['worker_nodegroup_role'] == 'worker'
    assert params['worker_node_labels'] == 'disk=ssd,zone=b'
    assert params['worker_node_taints'] == 'dedicated=gpu:NoSchedule,spot:PreferNoSchedule'
    assert params['master_nodegroup_name'] == 'default-master'
    assert params['master_nodegroup_role'] == 'master'
    # None given: empty, not left out, so a refresh clears what a PATCH removed.
    assert params['master_node_labels'] == '' and params['master_node_taints'] == ''
    worker.node_labels = None
    assert DRIVER.refresh_stack_body(view)['parameters']['worker_node_labels'] == ''


def test_nodegroup_stack_gets_its_own_group():
    view = fakes.make_view()
    view.extra['cluster_stack_outputs'] = {
        'api_address_private': '10.0.0.100', 'minion_security_groups': ['sg'],
        'fixed_network': 'net', 'fixed_subnet': 'subnet'}
    ng = models.NodeGroup(uuid='6a1f0d5e-1111-4000-8000-000000000001', name='gpu-pool',
                          cluster_id=fakes.CLUSTER_UUID, role='gpu', is_default=False,
                          node_count=1, labels={}, node_labels={'accelerator': 'a100'},
                          node_taints=TAINTS[:1])
    DRIVER.validate_nodegroup(view, ng)
    params = DRIVER.nodegroup_stack_body(view, ng)['parameters']
    assert params['worker_nodegroup_name'] == 'gpu-pool'
    assert params['worker_nodegroup_role'] == 'gpu'
    assert params['worker_node_labels'] == 'accelerator=a100'
    assert params['worker_node_taints'] == 'dedicated=gpu:NoSchedule'
    assert not [name for name in params if name.startswith('master_node')]
    template = yaml.safe_load(_read('templates', 'kubecluster.yaml'))
    assert set(params) <= set(template['parameters'])
    # A name that cannot be a single-quoted shell word is refused, naming the field.
    ng.name = "it's"
    with pytest.raises(exception.InvalidParameterValue, match='name'):
        DRIVER.validate_nodegroup(view, ng)


def test_every_heat_params_placeholder_is_filled_per_role():
    """Each role's heat-params is the shared text (``common_params``: every
    ``__X__`` of heat-params.tmpl filled) followed by its node group's lines
    (heat-params-nodegroup.tmpl, filled in ``master_params`` / ``minion_params``)."""
    shared = set(re.findall(r'__[A-Z0-9_]+__', _read('fragments', 'heat-params.tmpl')))
    group = set(re.findall(r'__[A-Z0-9_]+__', _read('fragments', 'heat-params-nodegroup.tmpl')))
    assert {'__KUBE_TAG__', '__CA_GENERATION__'} <= shared
    assert group == {'__NODEGROUP_NAME__', '__NODEGROUP_ROLE__', '__NODE_LABELS__',
                     '__NODE_TAINTS__'}
    resources = yaml.safe_load(_read('templates', 'nodeconfig.yaml'))['resources']
    common = resources['common_params']['properties']['value']['str_replace']
    assert common['template'] == {'get_file': 'fragments/heat-params.tmpl'}
    assert set(common['params']) == shared
    for role, ng, config in (('master', 'master', 'master_config'),
                             ('minion', 'worker', 'minion_config')):
        [params_file] = resources['%s_params' % role]['properties']['cloud_config'][
            'write_files']
        assert params_file['path'] == '/etc/sysconfig/heat-params'
        separator, (head, tail) = params_file['content']['list_join']
        assert separator == '' and head == {'get_attr': ['common_params', 'value']}
        assert tail['str_replace']['template'] == {
            'get_file': 'fragments/heat-params-nodegroup.tmpl'}
        assert tail['str_replace']['params'] == {
            '__NODEGROUP_NAME__': {'get_param': '%s_nodegroup_name' % ng},
            '__NODEGROUP_ROLE__': {'get_param': '%s_nodegroup_role' % ng},
            '__NODE_LABELS__': {'get_param': '%s_node_labels' % ng},
            '__NODE_TAINTS__': {'get_param': '%s_node_taints' % ng}}
        parts = resources[config]['properties']['parts']['list_concat'][0]
        assert parts[0] == {'config': {'get_resource': '%s_params' % role}}


def test_kubelet_registers_with_the_groups_labels_and_taints():
    script = _read('fragments', 'configure-kubelet.sh')
    assert 'node_labels="$node_labels,$NODE_LABELS"' in script
    assert 'node_taints="${node_taints:+$node_taints,}$NODE_TAINTS"' in script
    assert '--node-labels=$node_labels' in script
    assert '--register-with-taints=$node_taints' in script
