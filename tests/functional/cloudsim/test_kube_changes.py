"""Changing objects of a simulated cluster's Kubernetes API with the users' own
tools: ``kubectl apply`` (twice), ``label``, ``annotate``, ``patch``,
``replace``, ``set image``, ``scale rc``, and the official Python client's
patch/replace/scale calls. The API app is served on loopback over plain HTTP
(as for a ``tls_disabled`` cluster); ``kubectl`` comes from the distribution's
packages (skipped where it is not installed), the client from PyPI."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time

from cheroot import wsgi
import pytest

from magnum_like.cloudsim.coe.kubeobjects import ObjectStore
from magnum_like.cloudsim.coe.kubernetes import KubernetesAPI
from tests.unit.cloudsim.test_kubeworkloads import _node

KUBECTL = shutil.which('kubectl')

POD = """apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - {name: nginx, image: "nginx:1.25", ports: [{containerPort: 80}]}
  - {name: side, image: busybox}
"""
CM = """apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: "1", b: "2"}
"""
RC = """apiVersion: v1
kind: ReplicationController
metadata: {name: front}
spec:
  replicas: 2
  selector: {app: front}
  template:
    metadata: {labels: {app: front}}
    spec: {containers: [{name: c, image: nginx}]}
"""
CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - {name: v1, served: true, storage: true}
"""
WIDGET = """apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
spec: {size: SIZE, color: red}
"""


@pytest.fixture
def cluster_api(tmp_path):
    """A simulated cluster's Kubernetes API on loopback; its kubeconfig's path."""
    nodes = [_node('m0', master=True), _node('w0'), _node('w1')]
    app = KubernetesAPI('c0', lambda: (nodes, {'KUBE_TAG': 'v1.30.2'}), ObjectStore())
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    server = wsgi.Server(('127.0.0.1', port), app, numthreads=4)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    config = tmp_path / 'config'
    config.write_text(
        'apiVersion: v1\nkind: Config\ncurrent-context: c\n'
        'clusters: [{name: c, cluster: {server: "http://127.0.0.1:%d"}}]\n'
        'contexts: [{name: c, context: {cluster: c, user: u}}]\n'
        'users: [{name: u, user: {}}]\n' % port)
    yield str(config)
    app.watches.stop_all()
    server.stop()
    thread.join(10)


def _kubectl(kubeconfig: str, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [KUBECTL, '--kubeconfig', kubeconfig, '--request-timeout=10s', '--cache-dir',
         os.path.join(os.path.dirname(kubeconfig), 'kube-cache'), *args],
        input=stdin, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, (args, result.stderr)
    return result.stdout


@pytest.mark.skipif(KUBECTL is None, reason='kubectl is not installed')
def test_kubectl_changes_objects(cluster_api):
    k = cluster_api
    assert 'created' in _kubectl(k, 'apply', '-f', '-', stdin=CM)
    assert 'unchanged' in _kubectl(k, 'apply', '-f', '-', stdin=CM)
    assert 'configured' in _kubectl(k, 'apply', '-f', '-', stdin=CM.replace('"2"', '"3"'))
    _kubectl(k, 'label', 'configmap', 'settings', 'tier=x')
    _kubectl(k, 'annotate', 'configmap', 'settings', 'note=hi')
    assert _kubectl(k, 'get', 'cm', 'settings', '-o',
                    'jsonpath={.data.b} {.metadata.labels.tier} '
                    '{.metadata.annotations.note}') == '3 x hi'
    _kubectl(k, 'patch', 'cm', 'settings', '--type=json',
             '-p', '[{"op": "remove", "path": "/data/a"}]')
    current = _kubectl(k, 'get', 'cm', 'settings', '-o', 'yaml')
    _kubectl(k, 'replace', '-f', '-', stdin=current.replace('b: "3"', 'b: "4"'))
    assert _kubectl(k, 'get', 'cm', 'settings', '-o', 'jsonpath={.data}') == '{"b":"4"}'

    # A pod: apply again with a new image (strategic merge keeps the ports), set image.
    _kubectl(k, 'apply', '-f', '-', stdin=POD)
    assert 'configured' in _kubectl(k, 'apply', '-f', '-', stdin=POD.replace('1.25', '1.26'))
    _kubectl(k, 'set', 'image', 'pod/web', 'side=busybox:1.36')
    assert _kubectl(k, 'get', 'pod', 'web', '-o',
                    'jsonpath={.spec.containers[*].image} {.spec.containers[0].ports[0]'
                    '.containerPort} {.status.phase}') == 'nginx:1.26 busybox:1.36 80 Running'

    # An RC scaled up and down through its scale subresource.
    _kubectl(k, 'apply', '-f', '-', stdin=RC)
    _kubectl(k, 'scale', 'rc', 'front', '--replicas=4')
    assert len(_kubectl(k, 'get', 'pods', '-l', 'app=front', '-o', 'name').split()) == 4
    _kubectl(k, 'scale', 'rc', 'front', '--replicas=1')
    assert len(_kubectl(k, 'get', 'pods', '-l', 'app=front', '-o', 'name').split()) == 1

    # A definition and a custom resource, applied twice.
    _kubectl(k, 'apply', '-f', '-', stdin=CRD)
    _kubectl(k, 'apply', '-f', '-', stdin=WIDGET.replace('SIZE', '1'))
    assert 'configured' in _kubectl(k, 'apply', '-f', '-', stdin=WIDGET.replace('SIZE', '2'))
    assert _kubectl(k, 'get', 'widget', 'w1', '-o', 'jsonpath={.spec.size}') == '2'

    # A server-side dry run stores nothing.
    _kubectl(k, 'apply', '--dry-run=server', '-f', '-', stdin=RC.replace('2', '3'))
    assert _kubectl(k, 'get', 'rc', 'front', '-o', 'jsonpath={.spec.replicas}') == '1'


def test_official_client_patch_replace_scale(cluster_api):
    from kubernetes import client, config
    api = client.CoreV1Api(config.new_client_from_config(cluster_api))
    api.create_namespaced_config_map('default', {'metadata': {'name': 'c'},
                                                 'data': {'a': '1'}})
    patched = api.patch_namespaced_config_map('c', 'default', {'data': {'b': '2'}})
    assert patched.data == {'a': '1', 'b': '2'}
    patched.data = {'only': 'this'}
    assert api.replace_namespaced_config_map('c', 'default', patched).data == {'only': 'this'}
    with pytest.raises(client.ApiException) as stale:
        api.replace_namespaced_config_map('c', 'default', patched)  # its version is old now
    assert stale.value.status == 409

    api.create_namespaced_replication_controller('default', {
        'metadata': {'name': 'r'}, 'spec': {'replicas': 1, 'template': {
            'metadata': {'labels': {'app': 'r'}},
            'spec': {'containers': [{'name': 'c', 'image': 'nginx'}]}}}})
    scale = api.patch_namespaced_replication_controller_scale(
        'r', 'default', {'spec': {'replicas': 3}})
    assert scale.spec.replicas == 3 and scale.status.replicas == 3
    pods = api.list_namespaced_pod('default', label_selector='app=r').items
    assert len(pods) == 3
    node = pods[0].spec.node_name
    assert node in ('w0', 'w1')


def test_official_client_watch_streams_changes(cluster_api):
    """``Watch().stream``: the existing objects ADDED, then each change as it comes;
    the stream ends at ``timeout_seconds``."""
    from kubernetes import client, config, watch
    api = client.CoreV1Api(config.new_client_from_config(cluster_api))
    api.create_namespaced_config_map('default', {'metadata': {'name': 'first'}})

    def later():
        time.sleep(0.8)
        api.create_namespaced_config_map('default', {'metadata': {'name': 'second'}})
        api.patch_namespaced_config_map('second', 'default', {'data': {'a': '1'}})
        api.delete_namespaced_config_map('first', 'default')
    threading.Thread(target=later, daemon=True).start()
    seen = [(event['type'], event['object'].metadata.name) for event in watch.Watch().stream(
        api.list_namespaced_config_map, 'default', timeout_seconds=3)]
    assert seen[0] == ('ADDED', 'first')
    assert ('ADDED', 'second') in seen and ('DELETED', 'first') in seen
    # The patch may land in the same look as the create: ADDED shows its data then.
    assert seen.index(('ADDED', 'second')) < seen.index(('DELETED', 'first'))


@pytest.mark.skipif(KUBECTL is None, reason='kubectl is not installed')
def test_kubectl_get_watch(cluster_api):
    _kubectl(cluster_api, 'apply', '-f', '-', stdin=RC)
    watcher = subprocess.Popen(
        [KUBECTL, '--kubeconfig', cluster_api, '--cache-dir',
         os.path.join(os.path.dirname(cluster_api), 'kube-cache'), 'get', 'pods', '-w',
         '--request-timeout=4s'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    _kubectl(cluster_api, 'scale', 'rc', 'front', '--replicas=3')
    out, err = watcher.communicate(timeout=30)
    rows = [line.split() for line in out.splitlines()[1:]]
    assert len({row[0] for row in rows}) == 3, (out, err)
    assert all(row[2] == 'Running' for row in rows)


@pytest.mark.skipif(KUBECTL is None, reason='kubectl is not installed')
def test_kubectl_deployments(cluster_api):
    """``kubectl create deployment``, ``rollout status``, ``scale``, ``set image`` and
    ``delete``: what a user runs first on a new cluster."""
    k = cluster_api
    _kubectl(k, 'create', 'deployment', 'nginx', '--image=nginx:1.25', '--replicas=2')
    assert 'successfully rolled out' in _kubectl(k, 'rollout', 'status', 'deployment/nginx',
                                                 '--timeout=20s')
    table = _kubectl(k, 'get', 'deployments').splitlines()
    assert table[0].split() == ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']
    assert table[1].split()[:4] == ['nginx', '2/2', '2', '2']
    _kubectl(k, 'scale', 'deployment', 'nginx', '--replicas=3')
    _kubectl(k, 'set', 'image', 'deployment/nginx', 'nginx=nginx:1.27')
    assert 'successfully rolled out' in _kubectl(k, 'rollout', 'status', 'deployment/nginx',
                                                 '--timeout=20s')
    images = _kubectl(k, 'get', 'pods', '-l', 'app=nginx', '-o',
                      'jsonpath={.items[*].spec.containers[0].image}').split()
    assert images == ['nginx:1.27'] * 3
    _kubectl(k, 'delete', 'deployment', 'nginx')
    assert _kubectl(k, 'get', 'pods', '-l', 'app=nginx', '-o', 'name') == ''
