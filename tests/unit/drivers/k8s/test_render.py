"""Every stack body the Kubernetes drivers render passes Heat's own validation.

The matrix covers VM and baremetal, 1 and 3 masters, load balancer on/off,
floating IPs on/off, fixed network or not, volumes or not and both network
drivers; combinations ``validate_cluster`` refuses are checked to be refused
instead. Then each label of spec §9.1 the drivers act on (``LABEL_CASES``:
boot volumes, the API load balancer's allowed CIDRs, Keystone auth off, the
CA key for cert_manager_api, every ingress and auto-healing controller, an OS
revision), on both drivers. Updates (scale down with nodes_to_remove, upgrade
of kube_tag or of the OS revision) are validated as Heat applies a PATCH: the
stored template with the merged parameters. All bodies go through
``tools/validate_hot.py`` in one process (Heat is slow to import).
"""
from __future__ import annotations

import itertools
import json
import os
import subprocess
import uuid

import pytest

from magnum_like.common import exception
from magnum_like.db import models
from magnum_like.drivers.k8s_fedora_atomic_v1 import driver as atomic_driver
from magnum_like.drivers.k8s_fedora_ironic_v1 import driver as ironic_driver
from tests.unit.drivers.k8s import conftest
from tests.unit.drivers.k8s import fakes
from tests.unit.drivers.k8s import test_labels

DRIVERS = {'vm': atomic_driver.Driver(), 'bm': ironic_driver.Driver()}
MATRIX = list(itertools.product(('vm', 'bm'), (1, 3), (True, False), (True, False),
                                (True, False), (True, False), ('flannel', 'calico')))


def _refusal(server_type, masters, lb, fixed, volumes):
    """Why validate_cluster must refuse this combination (None: it must not)."""
    if server_type == 'bm' and not fixed:
        return 'fixed_network'
    if server_type == 'bm' and volumes:
        return 'docker_volume_size'
    if masters > 1 and not lb:
        return 'master_lb_enabled'
    return None


def _merged(create_body: dict, update_body: dict) -> dict:
    """What Heat validates for a PATCH update: stored template, merged parameters."""
    body = dict(create_body)
    body['parameters'] = dict(create_body['parameters'], **update_body['parameters'])
    return body


#: Labels of spec §9.1 the drivers act on, each rendered on both drivers
#: (fixed network, load balancer: what baremetal needs and the CIDRs act on).
LABEL_CASES = {
    'boot-volume': {'boot_volume_size': '20', 'boot_volume_type': 'ssd'},
    'lb-cidrs': {'master_lb_allowed_cidrs': '192.0.2.0/24,198.51.100.7',
                 'master_lb_floating_ip_enabled': 'true'},
    'no-keystone-auth': {'keystone_auth_enabled': 'false'},
    'cert-manager-api': {'cert_manager_api': 'true'},
    'ingress-octavia': {'ingress_controller': 'octavia'},
    'ingress-nginx': {'ingress_controller': 'nginx', 'ingress_controller_role': 'edge'},
    'ingress-traefik': {'ingress_controller': 'traefik'},
    'healing-draino': {'auto_healing_enabled': 'true'},
    'healing-magnum': {'auto_healing_enabled': 'true',
                       'auto_healing_controller': 'magnum-auto-healer'},
    'os-revision': {'ostree_remote': 'fedora-atomic:fedora/29/x86_64/atomic-host',
                    'ostree_commit': 'a' * 64},
}


def _label_view(server_type: str, labels: dict):
    return fakes.make_view(server_type=server_type, fixed=True, lb=True, masters=3,
                           labels=labels, extra={
                               'kube_ca_key': test_labels.CA_KEY,
                               'cloud_resources': test_labels.FakeCloud({'load-balancer'})})


def _bodies() -> dict[str, dict]:
    bodies = {}
    for (case, labels), server_type in itertools.product(LABEL_CASES.items(), ('vm', 'bm')):
        view = _label_view(server_type, labels)
        DRIVERS[server_type].validate_cluster(view)
        bodies['%s-label-%s' % (server_type, case)] = DRIVERS[server_type].create_stack_body(view)
    for server_type, masters, lb, fip, fixed, volumes, net in MATRIX:
        name = '%s-m%d-lb%d-fip%d-fixed%d-vol%d-%s' % (
            server_type, masters, lb, fip, fixed, volumes, net)
        view = fakes.make_view(server_type=server_type, masters=masters, lb=lb, fip=fip,
                               fixed=fixed, volumes=volumes, network_driver=net)
        driver = DRIVERS[server_type]
        reason = _refusal(server_type, masters, lb, fixed, volumes)
        if reason:
            with pytest.raises(exception.InvalidParameterValue, match=reason):
                driver.validate_cluster(view)
            continue
        driver.validate_cluster(view)
        bodies[name] = driver.create_stack_body(view)

    for server_type, driver in DRIVERS.items():
        view = fakes.make_view(server_type=server_type, workers=3, fixed=True, lb=True)
        created = driver.create_stack_body(view)
        # Scale 3 workers to 1, naming one by index and one by private IP.
        view.nodegroup('worker').node_count = 1
        view.extra['stack_outputs'] = {
            'kube_minions_private': ['10.0.0.5', '10.0.0.6', '10.0.0.7'],
            'kube_minion_ids': ['srv-0', 'srv-1', 'srv-2']}
        update = driver.update_stack_body(view, nodes_to_remove=['0', '10.0.0.7'])
        assert update['parameters']['minions_to_remove'] == ['0', 'srv-2']
        # ... or by the floating address ``coe cluster show`` displays.
        view.extra['stack_outputs']['kube_minions'] = ['172.24.4.5', '172.24.4.6', '172.24.4.7']
        assert driver.update_stack_body(view, nodes_to_remove=['172.24.4.6'])[
            'parameters']['minions_to_remove'] == ['srv-1']
        assert update['parameters']['number_of_minions'] == 1
        assert update['existing'] is True
        bodies['%s-scale-down' % server_type] = _merged(created, update)
        # Upgrade to a template with a newer kube_tag, 2 nodes at a time.
        new_template = models.ClusterTemplate(labels={'kube_tag': 'v1.16.3'})
        driver.validate_upgrade(view, new_template, view.nodegroup('worker'), 2)
        update = driver.update_stack_body(view, new_template=new_template, max_batch_size=2)
        assert update['parameters']['kube_tag'] == 'v1.16.3'
        assert update['parameters']['update_max_batch_size'] == 2
        bodies['%s-upgrade' % server_type] = _merged(created, update)
        # Upgrade of the OS revision only (kube_tag unchanged).
        new_os = models.ClusterTemplate(labels={'kube_tag': 'v1.15.7', 'ostree_commit': 'b' * 64})
        driver.validate_upgrade(view, new_os, view.nodegroup('worker'), 1)
        update = driver.update_stack_body(view, new_template=new_os, max_batch_size=1)
        assert update['parameters']['ostree_commit'] == 'b' * 64
        bodies['%s-upgrade-os' % server_type] = _merged(created, update)
        # A non-default node group: its own stack, joined to the cluster stack's
        # network, security groups and API address, then resized naming a node
        # by its floating address.
        for fip in (True, False):
            view = fakes.make_view(server_type=server_type, workers=3, fixed=True, lb=True,
                                   fip=fip)
            ng_created, ng_update = _nodegroup_bodies(driver, view)
            bodies['%s-fip%d-nodegroup' % (server_type, fip)] = ng_created
            bodies['%s-fip%d-nodegroup-scale-down' % (server_type, fip)] = _merged(
                ng_created, ng_update)
        # A node group of a cluster with every node-side label on.
        labels = dict(LABEL_CASES['boot-volume'], **LABEL_CASES['os-revision'],
                      **LABEL_CASES['cert-manager-api'], **LABEL_CASES['ingress-octavia'])
        view = _label_view(server_type, labels)
        view.extra['cluster_stack_outputs'] = CLUSTER_OUTPUTS
        # The CA certificates the conductor supplies (their digest reaches the nodes).
        view.extra.update(kube_ca_cert='CA', etcd_ca_cert='ETCD CA', front_proxy_ca_cert='FP')
        ng = models.NodeGroup(uuid='6a1f0d5e-2222-4000-8000-000000000009', name='pool2',
                              cluster_id=fakes.CLUSTER_UUID, role='worker', is_default=False,
                              node_count=2, flavor_id='m1.large', image_id='fedora-gpu',
                              labels={}, node_labels={'accelerator': 'a100'},
                              node_taints=[{'key': 'gpu', 'effect': 'NoSchedule'}])
        driver.validate_nodegroup(view, ng)
        body = driver.nodegroup_stack_body(view, ng)
        assert 'ca_key' not in body['parameters']
        assert 'master_addons' not in body['parameters']
        assert body['parameters']['ca_generation']
        assert body['parameters']['worker_node_taints'] == 'gpu:NoSchedule'
        bodies['%s-label-nodegroup' % server_type] = body
    return bodies


CLUSTER_OUTPUTS = {
    'api_address_private': '10.0.0.100', 'api_address_public': '172.24.4.100',
    'minion_security_groups': ['sg-cluster', 'sg-minion'], 'fixed_network': 'private-net',
    'fixed_subnet': 'private-subnet', 'etcd_peers': '10.0.0.3,10.0.0.4,10.0.0.5'}


def _nodegroup_bodies(driver, view) -> tuple[dict, dict]:
    ng = models.NodeGroup(uuid='6a1f0d5e-1111-4000-8000-000000000009', name='gpu_pool.1',
                          cluster_id=fakes.CLUSTER_UUID, role='worker', is_default=False,
                          node_count=3, flavor_id='m1.large', image_id='fedora-gpu',
                          labels={'kube_tag': 'v1.15.7', 'kubelet_options': '--max-pods=50'})
    with pytest.raises(exception.InvalidParameterValue, match='api_address_private'):
        driver.nodegroup_stack_body(view, ng)
    view.extra['cluster_stack_outputs'] = CLUSTER_OUTPUTS
    body = driver.nodegroup_stack_body(view, ng)
    params = body['parameters']
    assert body['stack_name'] == 'my-cluster-one-gpu-pool-6a1f0d5e'
    assert params['number_of_minions'] == 3
    assert params['minion_flavor'] == 'm1.large' and params['minion_image'] == 'fedora-gpu'
    assert params['kubelet_options'] == '--max-pods=50'
    assert params['existing_master_private_ip'] == '10.0.0.100'
    assert params['existing_master_public_ip'] == '172.24.4.100'
    assert params['existing_security_group'] == ['sg-cluster', 'sg-minion']
    assert params['fixed_network'] == 'private-net' and params['fixed_subnet'] == 'private-subnet'
    assert 'kube_service_account_private_key' not in params
    # The cluster template, building only the workers (see kubecluster.yaml).
    assert params['existing_etcd_peers'] == '10.0.0.3,10.0.0.4,10.0.0.5'
    # The cluster's default workers are untouched by the node group's values.
    assert view.nodegroup('worker').flavor_id == 'm1.small'
    ng.node_count = 1
    view.extra['stack_outputs'] = {
        'kube_minions_private': ['10.0.0.21', '10.0.0.22', '10.0.0.23'],
        'kube_minions': ['172.24.4.21', '172.24.4.22', '172.24.4.23'],
        'kube_minion_ids': ['srv-a', 'srv-b', 'srv-c']}
    update = driver.nodegroup_update_body(view, ng, nodes_to_remove=['172.24.4.22', '10.0.0.23'])
    assert update['parameters'] == {'number_of_minions': 1,
                                    'minions_to_remove': ['srv-b', 'srv-c']}
    assert update['existing'] is True
    with pytest.raises(exception.InvalidParameterValue, match='10.9.9.9'):
        driver.nodegroup_update_body(view, ng, nodes_to_remove=['10.9.9.9'])
    return body, update


def _federation_bodies() -> dict[str, dict]:
    """The federation stack (conductor/federation_stack.py): no member yet, and two."""
    from magnum_like.conductor import federation_stack as federations
    fed, host = str(uuid.uuid4()), str(uuid.uuid4())
    members = [{'name': 'm%d' % i, 'uuid': str(uuid.uuid4()), 'api_address': '127.0.0.%d' % i,
                'ca': 'CA', 'cert': 'CERT', 'key': 'KEY'} for i in (2, 3)]
    bodies = {}
    for name, listed in (('federation-empty', []), ('federation-two', members)):
        body = federations.render(fed, host, {'0': str(uuid.uuid4()), '1': str(uuid.uuid4())},
                                  json.dumps(listed), 60, token='0123abcd')
        assert 'federation_uuid=' + fed in body['tags'].split(',')
        assert body['stack_name'] == 'federation-' + fed
        bodies[name] = body
    return bodies


def test_every_body_is_valid_for_heat(tmp_path, heat_python):
    bodies = _bodies()
    bodies.update(_federation_bodies())
    # 2 drivers × 64, less what validate_cluster refuses, plus 6 updates, plus
    # 2 drivers × 2 (floating IPs on/off) node group stacks and their resizes,
    # plus 2 drivers × (the label cases and a node group with labels on).
    assert len(bodies) == 48 + 12 + 6 + 8 + 2 * (len(LABEL_CASES) + 1) + 2
    paths = []
    for name, body in sorted(bodies.items()):
        path = tmp_path / ('%s.json' % name)
        path.write_text(json.dumps(body))
        paths.append(str(path))
    tool = os.path.join(conftest.ROOT, 'tools', 'validate_hot.py')
    result = subprocess.run([heat_python, tool] + paths, capture_output=True, text=True,
                            timeout=600)
    lines = [line for line in result.stdout.splitlines() if line.startswith(('VALID', 'INVALID'))]
    invalid = [line for line in lines if not line.startswith('VALID ')]
    assert not invalid, '\n'.join(invalid)
    assert len(lines) == len(paths), result.stdout + result.stderr
    assert result.returncode == 0
