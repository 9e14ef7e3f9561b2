"""Issue 5: the Kubernetes driver, multi-master behind an Octavia load balancer.

3 masters + 5 workers reach CREATE_COMPLETE with ``api_address`` the load
balancer's VIP on 6443 (checked in the simulator's Octavia); a resize naming a
server id (as the cluster autoscaler does) removes exactly that server
(checked in Nova); an upgrade with ``--max-batch-size 2`` replaces nodes in
batches of at most 2 and the masters one at a time (the simulator's
``rolling_batches``); delete leaves no
stack, server, volume, port or load balancer behind.
"""
from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import urlparse

from tests.functional.e2e.helpers import Dev


def _template(dev: Dev, name: str, kube_tag: str) -> None:
    dev.ok('coe', 'cluster', 'template', 'create', name, '--coe', 'kubernetes',
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small', '--master-flavor', 'm1.medium', '--keypair', 'default',
           '--docker-volume-size', '5', '--master-lb-enabled',
           '--labels', 'kube_tag=%s,master_lb_floating_ip_enabled=false' % kube_tag)


def _workers(dev: Dev, prefix: str) -> dict[str, str]:
    """Worker server id → name, from the simulator's Nova."""
    return {s['id']: s['name'] for s in dev.servers() if s['name'].startswith(prefix + '-node-')}


def test_multi_master_cluster_with_load_balancer(dev):
    _template(dev, 'k8s-ha', 'v1.15.7')
    _template(dev, 'k8s-ha-1.16', 'v1.16.3')
    err = dev.fails('coe', 'cluster', 'create', 'bad', '--cluster-template', 'k8s-ha',
                    '--master-count', '2', '--node-count', '1')
    assert '400' in err and 'master_count' in err

    dev.ok('coe', 'cluster', 'create', 'ha', '--cluster-template', 'k8s-ha',
           '--master-count', '3', '--node-count', '5')
    cluster = dev.wait('ha')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    assert len(cluster['master_addresses']) == 3 and len(cluster['node_addresses']) == 5
    prefix = '%s-%s' % (cluster['name'], cluster['uuid'].split('-')[0])

    # The API address is the load balancer's VIP.
    [lb] = dev.loadbalancers()
    assert lb['name'] == prefix + '-api' and lb['provisioning_status'] == 'ACTIVE'
    assert cluster['api_address'] == 'https://%s:6443' % lb['vip_address']
    assert len(lb['listeners']) == 1 and len(lb['pools']) == 1
    masters = [s for s in dev.servers() if s['name'].startswith(prefix + '-master-')]
    assert len(masters) == 3
    workers = _workers(dev, prefix)
    assert len(workers) == 5
    assert dev.state()['counts']['volumes'] == 3 + 5  # docker volumes of every node

    # The autoscaler's way: name the server to remove by its id.
    victim = sorted(workers, key=workers.get)[2]
    dev.ok('coe', 'cluster', 'resize', 'ha', '4', '--nodes-to-remove', victim)
    cluster = dev.wait('ha')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    after = _workers(dev, prefix)
    assert set(after) == set(workers) - {victim}
    assert len(cluster['node_addresses']) == 4

    # Down to 2 naming only one: refused, an unnamed node would go too (issue 11).
    victims = sorted(after, key=after.get)[:2]
    err = dev.fails('coe', 'cluster', 'resize', 'ha', '2', '--nodes-to-remove', victims[0])
    assert 'removes 2' in err, err
    # Naming both, by server id and by server name: exactly those go.
    dev.ok('coe', 'cluster', 'resize', 'ha', '2', '--nodes-to-remove', victims[0],
           '--nodes-to-remove', after[victims[1]])
    cluster = dev.wait('ha')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    remaining = _workers(dev, prefix)
    assert set(remaining) == set(after) - set(victims)
    assert cluster['node_count'] == 2 and len(cluster['node_addresses']) == 2

    # A node that is not in the cluster, or a master, is refused at once (400);
    # the stack is untouched.
    for wrong in ('10.99.99.99', masters[0]['id']):
        err = dev.fails('coe', 'cluster', 'resize', 'ha', '1', '--nodes-to-remove', wrong)
        assert wrong in err, err
    cluster = dev.wait('ha')
    assert cluster['status'] == 'UPDATE_COMPLETE'
    assert set(_workers(dev, prefix)) == set(remaining)
    assert cluster['node_count'] == 2

    # Upgrade, two nodes at a time.
    dev.ok('coe', 'cluster', 'upgrade', 'ha', 'k8s-ha-1.16', '--max-batch-size', '2')
    cluster = dev.wait('ha')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    assert cluster['coe_version'] == 'v1.16.3'
    batches = dev.sim_get('/_sim/rolling_batches')['batches']
    assert batches, 'the upgrade replaced no node'
    assert max(b['size'] for b in batches) <= 2, batches
    assert {b['resource'] for b in batches} <= {'kube_masters', 'kube_minions'}
    assert sum(b['size'] for b in batches if b['resource'] == 'kube_minions') == 2
    # The masters (etcd members) go one per batch whatever --max-batch-size says.
    assert [b['size'] for b in batches if b['resource'] == 'kube_masters'] == [1, 1, 1], batches
    assert urlparse(cluster['api_address']).hostname == dev.loadbalancers()[0]['vip_address']

    dev.ok('coe', 'cluster', 'delete', 'ha')
    assert dev.wait('ha')['status'] == 'NOT_FOUND'
    state = dev.state()
    assert state['stack_total'] == 0 and state['nested_stacks'] == 0, state
    counts = state['counts']
    for kind in ('servers', 'volumes', 'loadbalancers', 'ports', 'floatingips',
                 'security_groups', 'routers'):
        assert counts[kind] == 0, (kind, counts)
    assert dev.servers() == [] and dev.loadbalancers() == []


def _heat(dev: Dev, cluster: dict, path: str):
    return dev.heat_get(cluster, path)


def _resource(dev: Dev, cluster: dict, name: str) -> dict:
    """The first resource ``name`` of the cluster stack or of a stack nested in it,
    shown (properties too)."""
    found = [r for r in _heat(dev, cluster, '/resources?nested_depth=3')['resources']
             if r['resource_name'] == name][0]
    [link] = [link['href'] for link in found['links'] if link['rel'] == 'self']
    return dev.sim_get(link)['resource']


def _heat_params(dev: Dev, stack_path: str, resource: str) -> dict[str, str]:
    """The heat-params file the CloudConfig ``resource`` (in the stack at
    ``stack_path`` or nested in it) writes, as the simulator resolved it."""
    found = [r for r in dev.sim_get(stack_path + '/resources?nested_depth=3')['resources']
             if r['resource_name'] == resource][0]
    [link] = [link['href'] for link in found['links'] if link['rel'] == 'self']
    files = dev.sim_get(link)['resource']['properties']['cloud_config']['write_files']
    [text] = [f['content'] for f in files if f['path'] == '/etc/sysconfig/heat-params']
    return dict(re.findall(r"^([A-Z0-9_]+)='([^']*)'$", text, re.M))


def test_node_groups_labels_and_taints_reach_each_nodes_heat_params(dev):
    """Microversion 1.14's node labels and taints, the node group's name and
    role, the version and the CA generation are in every node's heat-params
    (what the kubelet registers with), masters and workers alike."""
    _template(dev, 'k8s-ng', 'v1.15.7')
    dev.ok('coe', 'cluster', 'create', 'ngl', '--cluster-template', 'k8s-ng',
           '--node-count', '1')
    cluster = dev.wait('ngl')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    base = dev.endpoints['orchestration'].replace('%(project_id)s', cluster['project_id'])
    stack = '%s/stacks/%s-%s' % (base.rstrip('/'), cluster['name'], cluster['uuid'][:8])
    master = _heat_params(dev, stack, 'master_params')
    worker = _heat_params(dev, stack, 'minion_params')
    assert (master['NODEGROUP_NAME'], master['NODEGROUP_ROLE']) == ('default-master', 'master')
    assert (worker['NODEGROUP_NAME'], worker['NODEGROUP_ROLE']) == ('default-worker', 'worker')
    for params in (master, worker):
        assert params['KUBE_TAG'] == 'v1.15.7' and params['CA_GENERATION'], params
        assert params['NODE_LABELS'] == '' and params['NODE_TAINTS'] == ''
        assert params['CLUSTER_UUID'] == cluster['uuid']

    # The client has no --node-labels: the API, as a 1.14 client sends it.
    body = {'name': 'gpu', 'node_count': 1, 'role': 'gpu',
            'node_labels': {'accelerator': 'a100', 'node.kubernetes.io/pool': 'gpu'},
            'node_taints': [{'key': 'dedicated', 'value': 'gpu', 'effect': 'NoSchedule'},
                            {'key': 'spot', 'effect': 'PreferNoSchedule'}]}
    request = urllib.request.Request(
        'http://127.0.0.1:%d/v1/clusters/%s/nodegroups' % (dev.port, cluster['uuid']),
        data=json.dumps(body).encode(), method='POST',
        headers={'Content-Type': 'application/json',
                 'OpenStack-API-Version': 'container-infra 1.14'})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202
    ng = dev.wait_nodegroup('ngl', 'gpu')
    assert ng['status'] == 'CREATE_COMPLETE', ng.get('status_reason')
    params = _heat_params(dev, '%s/stacks/%s' % (base.rstrip('/'), ng['stack_id']),
                          'minion_params')
    assert (params['NODEGROUP_NAME'], params['NODEGROUP_ROLE']) == ('gpu', 'gpu')
    assert params['NODE_LABELS'] == 'accelerator=a100,node.kubernetes.io/pool=gpu'
    assert params['NODE_TAINTS'] == 'dedicated=gpu:NoSchedule,spot:PreferNoSchedule'
    assert params['KUBE_TAG'] == 'v1.15.7' and params['CA_GENERATION'] == worker['CA_GENERATION']


def test_labels_of_spec_9_1_reach_the_cloud(dev):
    """Boot volumes, the API load balancer's allowed CIDRs, the CA key for
    cert_manager_api, Keystone auth, the Octavia ingress and auto-healing
    controllers render into a stack the simulated cloud builds; bad values are
    a 400 naming the label; an upgrade of the OS revision rolls the nodes."""
    labels = ('kube_tag=v1.15.7,boot_volume_size=12,boot_volume_type=ssd,'
              'master_lb_allowed_cidrs=192.0.2.0/24,cert_manager_api=true,'
              'ingress_controller=octavia,auto_healing_enabled=true,'
              'auto_healing_controller=magnum-auto-healer')
    for name, template_labels in (('k8s-labels', labels),
                                  ('k8s-labels-os', labels + ',ostree_commit=' + 'c' * 64)):
        dev.ok('coe', 'cluster', 'template', 'create', name, '--coe', 'kubernetes',
               '--image', 'fedora-atomic-latest', '--external-network', 'public',
               '--flavor', 'm1.small', '--master-flavor', 'm1.medium', '--keypair', 'default',
               '--master-lb-enabled', '--labels', template_labels)
    for bad, named in (('boot_volume_size=-3', 'boot_volume_size'),
                       ('master_lb_allowed_cidrs=10.0.0.0/40', 'master_lb_allowed_cidrs'),
                       ('ingress_controller=haproxy', 'ingress_controller'),
                       ('auto_healing_controller=kured', 'auto_healing_controller')):
        err = dev.fails('coe', 'cluster', 'create', 'bad', '--cluster-template', 'k8s-labels',
                        '--labels', bad, '--merge-labels')
        assert '400' in err and named in err, err

    dev.ok('coe', 'cluster', 'create', 'lbl', '--cluster-template', 'k8s-labels',
           '--master-count', '1', '--node-count', '2')
    cluster = dev.wait('lbl')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    # A new node group's labels are checked by the driver before it is accepted.
    err = dev.fails('coe', 'nodegroup', 'create', 'lbl', 'bad-ng', '--labels',
                    'boot_volume_size=-1', '--merge-labels')
    assert '400' in err and 'boot_volume_size' in err, err
    prefix = '%s-%s' % (cluster['name'], cluster['uuid'].split('-')[0])
    servers = [s for s in dev.servers() if s['name'].startswith(prefix)]
    assert len(servers) == 3 and all(s['image'] == '' for s in servers)  # booted from volumes
    volumes = dev.state()['counts']['volumes']
    assert volumes == 3, volumes

    listener = _resource(dev, cluster, 'listener')
    assert listener['properties']['allowed_cidrs'] == ['192.0.2.0/24', '10.0.0.0/24']
    boot_volume = _resource(dev, cluster, 'boot_volume')
    assert boot_volume['properties']['size'] == 12
    assert boot_volume['properties']['volume_type'] == 'ssd'
    stack = _heat(dev, cluster, '')['stack']
    assert stack['parameters']['ca_key'] == '******'  # hidden
    files = _resource(dev, cluster, 'master_files')['properties']['cloud_config']['write_files']
    [ca_key] = [f['content'] for f in files if f['path'] == '/etc/kubernetes/keys/ca.key']
    assert ca_key.startswith('-----BEGIN')  # the conductor handed the CA key over
    assert stack['parameters']['ingress_controller'] == 'octavia'
    # The template names the external network; the nodes (the Octavia ingress
    # controller's floating-network-id) get its id, as Magnum resolves it.
    public = [n for n in dev.sim_get('/network/v2.0/networks?name=public')['networks']]
    assert stack['parameters']['external_network'] == public[0]['id']
    assert '"projects": ["%s"]' % cluster['project_id'] in \
        stack['parameters']['keystone_auth_default_policy']
    assert 'PRIVATE KEY' not in dev.log()

    dev.ok('coe', 'cluster', 'upgrade', 'lbl', 'k8s-labels-os', '--max-batch-size', '1')
    cluster = dev.wait('lbl')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    assert _heat(dev, cluster, '')['stack']['parameters']['ostree_commit'] == 'c' * 64
    batches = dev.sim_get('/_sim/rolling_batches')['batches']
    assert max(b['size'] for b in batches) == 1, batches
    assert sum(b['size'] for b in batches if b['resource'] == 'kube_minions') == 2

    dev.ok('coe', 'cluster', 'delete', 'lbl')
    assert dev.wait('lbl')['status'] == 'NOT_FOUND'
    counts = dev.state()['counts']
    assert counts['volumes'] == 0 and counts['servers'] == 0, counts
