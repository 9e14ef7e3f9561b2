"""Issue 13: a cluster's own Kubernetes API, talked to with the official client.

``openstack coe cluster config`` writes the kubeconfig; the ``kubernetes``
Python client lists the nodes the simulated servers booted as (labels, taints,
version, Ready), reaches the add-ons' pods and keeps namespaces, secrets,
configmaps and custom resources.  A client certificate from another cluster's
CA, or from before ``ca rotate``, is refused; resize and upgrade show as nodes
that come, go and are rebuilt; faults make a node NotReady and close the API;
delete closes the address.
"""
from __future__ import annotations

import base64
import json
import os
import time
import urllib.request
from urllib.parse import urlparse

import pytest
import yaml

kubernetes = pytest.importorskip('kubernetes')
from kubernetes import client as k8s  # noqa: E402
from kubernetes import config as k8s_config  # noqa: E402
from urllib3 import exceptions as urllib3_exc  # noqa: E402

from tests.functional.e2e.helpers import Dev  # noqa: E402

#: Seconds a cluster API may take to open or close after its stack settles.
API_WAIT = 60


def _template(dev: Dev, name: str, kube_tag: str) -> None:
    dev.ok('coe', 'cluster', 'template', 'create', name, '--coe', 'kubernetes',
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small', '--master-flavor', 'm1.medium',
           '--labels', 'kube_tag=%s' % kube_tag)


def _kubeconfig(dev: Dev, cluster: str, directory) -> str:
    """Run the real ``coe cluster config``; the kubeconfig's path."""
    os.makedirs(directory, exist_ok=True)
    dev.ok('coe', 'cluster', 'config', cluster, '--dir', str(directory), '--force')
    return os.path.join(str(directory), 'config')


def _api(path: str) -> k8s.CoreV1Api:
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(config_file=path, client_configuration=configuration)
    configuration.retries = 0
    return k8s.CoreV1Api(k8s.ApiClient(configuration))


def _until(check, what: str):
    """Poll ``check`` (returning a truthy value, or raising) for up to API_WAIT s."""
    deadline = time.monotonic() + API_WAIT
    error = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - the API may not be open yet
            error = exc
        time.sleep(0.2)
    pytest.fail('%s: not within %ss (last error: %r)' % (what, API_WAIT, error))


def _refused(api: k8s.CoreV1Api) -> bool:
    try:
        api.list_node(_request_timeout=10)
    except (urllib3_exc.HTTPError, OSError):
        return True
    return False


def _swap_user(path: str, donor: str, out: str) -> str:
    """A copy of kubeconfig ``path`` whose client certificate and key are ``donor``'s."""
    with open(path) as f:
        config = yaml.safe_load(f)
    with open(donor) as f:
        other = yaml.safe_load(f)
    config['users'][0]['user'] = other['users'][0]['user']
    with open(out, 'w') as f:
        yaml.safe_dump(config, f)
    return out


def _nodes(api: k8s.CoreV1Api) -> dict[str, k8s.V1Node]:
    return {n.metadata.name: n for n in api.list_node().items}


def _ready(node: k8s.V1Node) -> str:
    return [c.status for c in node.status.conditions if c.type == 'Ready'][0]


def test_kubernetes_cluster_api_with_the_official_client(dev, tmp_path):
    _template(dev, 'k8s-127', 'v1.27.3')
    _template(dev, 'k8s-128', 'v1.28.2')
    dev.ok('coe', 'cluster', 'create', 'demo', '--cluster-template', 'k8s-127',
           '--node-count', '2')
    dev.ok('coe', 'cluster', 'create', 'other', '--cluster-template', 'k8s-127',
           '--node-count', '1')
    cluster = dev.wait('demo')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    assert dev.wait('other')['status'] == 'CREATE_COMPLETE'
    address = urlparse(cluster['api_address'])
    assert address.scheme == 'https' and address.port == 6443
    assert address.hostname.startswith('127.'), cluster['api_address']

    path = _kubeconfig(dev, 'demo', tmp_path / 'demo')
    api = _api(path)
    nodes = _until(lambda: _nodes(api), 'the cluster API answers')
    servers = {s['id']: s for s in dev.servers()
               if s['name'].startswith('demo-%s' % cluster['uuid'][:8])}
    assert {n.spec.provider_id.rsplit('/', 1)[1] for n in nodes.values()} == set(servers)
    masters = [n for n in nodes.values() if 'node-role.kubernetes.io/master' in
               n.metadata.labels]
    workers = [n for n in nodes.values() if n not in masters]
    assert len(masters) == 1 and len(workers) == 2
    for node in nodes.values():
        assert node.status.node_info.kubelet_version == 'v1.27.3'
        assert _ready(node) == 'True'
        assert node.metadata.labels['kubernetes.io/hostname'] == node.metadata.name
        assert {a.type for a in node.status.addresses} >= {'InternalIP', 'Hostname'}
    assert [t.key for t in masters[0].spec.taints] == ['node-role.kubernetes.io/master']
    assert not workers[0].spec.taints
    state = dev.state()['clusters'][cluster['uuid']]
    assert {n['server_id'] for n in state['nodes']} == set(servers)
    assert state['api']['addresses'] == [address.hostname]

    # Discovery, the version, the add-ons' pods.
    assert k8s.VersionApi(api.api_client).get_code().git_version == 'v1.27.3'
    groups = k8s.ApisApi(api.api_client).get_api_versions()
    assert 'apiextensions.k8s.io' in [g.name for g in groups.groups]
    pods = api.list_namespaced_pod('kube-system').items
    assert any(p.metadata.name.startswith('coredns-') for p in pods)
    assert all(p.status.phase == 'Running' for p in pods)

    # Objects: namespaces, secrets, configmaps, a CRD and its custom resources.
    api.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name='team')))
    api.create_namespaced_secret('team', k8s.V1Secret(
        metadata=k8s.V1ObjectMeta(name='creds'), string_data={'token': 's3cret'}))
    assert base64.b64decode(api.read_namespaced_secret('creds', 'team').data['token']) \
        == b's3cret'
    api.create_namespaced_config_map('team', k8s.V1ConfigMap(
        metadata=k8s.V1ObjectMeta(name='settings'), data={'a': '1'}))
    assert [c.metadata.name for c in api.list_namespaced_config_map('team').items] == \
        ['settings']
    with pytest.raises(k8s.ApiException) as exc:
        api.create_namespaced_config_map('team', k8s.V1ConfigMap(
            metadata=k8s.V1ObjectMeta(name='settings')))
    assert exc.value.status == 409
    with pytest.raises(k8s.ApiException) as exc:
        api.create_namespaced_secret('team', k8s.V1Secret(metadata=k8s.V1ObjectMeta(
            name='Bad_Name')))
    assert exc.value.status == 422 and 'metadata.name' in exc.value.body
    ext = k8s.ApiextensionsV1Api(api.api_client)
    ext.create_custom_resource_definition(k8s.V1CustomResourceDefinition(
        metadata=k8s.V1ObjectMeta(name='widgets.example.com'),
        spec=k8s.V1CustomResourceDefinitionSpec(
            group='example.com', scope='Namespaced',
            names=k8s.V1CustomResourceDefinitionNames(plural='widgets', kind='Widget'),
            versions=[k8s.V1CustomResourceDefinitionVersion(name='v1', served=True,
                                                            storage=True)])))
    custom = k8s.CustomObjectsApi(api.api_client)
    custom.create_namespaced_custom_object('example.com', 'v1', 'team', 'widgets', {
        'apiVersion': 'example.com/v1', 'kind': 'Widget', 'metadata': {'name': 'w1'},
        'spec': {'size': 3}})
    widget = custom.get_namespaced_custom_object('example.com', 'v1', 'team', 'widgets', 'w1')
    assert widget['spec'] == {'size': 3}
    api.delete_namespace('team')
    with pytest.raises(k8s.ApiException) as exc:
        api.read_namespaced_secret('creds', 'team')
    assert exc.value.status == 404

    # Another cluster's client certificate is refused (the CA is this cluster's).
    other = _kubeconfig(dev, 'other', tmp_path / 'other')
    assert _refused(_api(_swap_user(path, other, str(tmp_path / 'foreign'))))

    # Faults: a NotReady node, an API that refuses connections.
    worker = workers[0].metadata.name
    fault = dev.sim_send('POST', '/_sim/faults', {'kind': 'node', 'server': worker,
                                                  'condition': 'NotReady'})
    assert _ready(_nodes(api)[worker]) == 'Unknown'
    dev.sim_send('DELETE', '/_sim/faults/%s' % fault['id'])
    assert _ready(_nodes(api)[worker]) == 'True'
    fault = dev.sim_send('POST', '/_sim/faults', {'kind': 'coe_api', 'cluster': 'demo-*'})
    _until(lambda: _refused(api), 'the coe_api fault closes the port')
    dev.sim_send('DELETE', '/_sim/faults/%s' % fault['id'])
    _until(lambda: _nodes(api), 'the API reopens')

    # Resize: workers come and go.
    dev.ok('coe', 'cluster', 'resize', 'demo', '3')
    assert dev.wait('demo')['status'] == 'UPDATE_COMPLETE'
    assert len(_nodes(api)) == 4
    dev.ok('coe', 'cluster', 'resize', 'demo', '1')
    assert dev.wait('demo')['status'] == 'UPDATE_COMPLETE'
    assert len(_nodes(api)) == 2

    # Upgrade: every node rebuilt (new server ids) on the new version.
    before = {n.spec.provider_id for n in _nodes(api).values()}
    dev.ok('coe', 'cluster', 'upgrade', 'demo', 'k8s-128')
    assert dev.wait('demo')['status'] == 'UPDATE_COMPLETE'
    upgraded = _until(lambda: _nodes(api), 'the API after the upgrade')
    assert {n.status.node_info.kubelet_version for n in upgraded.values()} == {'v1.28.2'}
    assert not before & {n.spec.provider_id for n in upgraded.values()}

    # CA rotation: the old admin certificate is refused, a new config works.
    dev.ok('coe', 'ca', 'rotate', 'demo')
    assert dev.wait('demo')['status'] == 'UPDATE_COMPLETE'
    fresh = _kubeconfig(dev, 'demo', tmp_path / 'rotated')
    nodes = _until(lambda: _nodes(_api(fresh)), 'the API with the new CA')
    assert len(nodes) == 2
    assert not {n.spec.provider_id for n in upgraded.values()} & \
        {n.spec.provider_id for n in nodes.values()}
    stale = _swap_user(fresh, path, str(tmp_path / 'stale'))
    assert _refused(_api(stale))

    # A node group's labels and taints (microversion 1.14; the client has no
    # option for them) reach its nodes through their heat-params.
    body = {'name': 'gpu', 'node_count': 1, 'role': 'gpu',
            'node_labels': {'accelerator': 'a100'},
            'node_taints': [{'key': 'dedicated', 'value': 'gpu', 'effect': 'NoSchedule'}]}
    request = urllib.request.Request(
        'http://127.0.0.1:%d/v1/clusters/%s/nodegroups' % (dev.port, cluster['uuid']),
        data=json.dumps(body).encode(), method='POST',
        headers={'Content-Type': 'application/json',
                 'OpenStack-API-Version': 'container-infra 1.14'})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202
    assert dev.wait_nodegroup('demo', 'gpu')['status'] == 'CREATE_COMPLETE'
    nodes = _nodes(_api(fresh))
    [gpu] = [n for n in nodes.values()
             if n.metadata.labels.get('magnum.openstack.org/nodegroup') == 'gpu']
    assert gpu.metadata.labels['accelerator'] == 'a100'
    assert gpu.metadata.labels['magnum.openstack.org/role'] == 'gpu'
    assert [(t.key, t.value, t.effect) for t in gpu.spec.taints] == \
        [('dedicated', 'gpu', 'NoSchedule')]
    others = [n for n in nodes.values() if n is not gpu]
    assert all('accelerator' not in n.metadata.labels for n in others)
    assert {n.metadata.labels['magnum.openstack.org/nodegroup'] for n in others} == \
        {'default-master', 'default-worker'}

    # Delete: the address stops answering.
    dev.ok('coe', 'cluster', 'delete', 'demo')
    assert dev.wait('demo')['status'] == 'NOT_FOUND'
    _until(lambda: _refused(_api(fresh)), 'the API closes with the cluster')
    assert cluster['uuid'] not in dev.state()['clusters']
