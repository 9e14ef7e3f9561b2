"""Pods and replication controllers in a cluster's own Kubernetes API, as users
make them with the official ``kubernetes`` client and ``kubectl``: scheduled on a
Ready worker and running; an RC's pods made, replaced and deleted with it;
409/422/404 and the per-cluster caps answered as the real API server answers
them; a ``tls_disabled`` cluster served over plain HTTP on port 8080, where
``kubectl run/apply/get/delete`` work.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from urllib.parse import urlparse

import pytest

kubernetes = pytest.importorskip('kubernetes')
from kubernetes import client as k8s  # noqa: E402

from magnum_like.cloudsim.coe import kubeworkloads  # noqa: E402
from tests.functional.e2e.helpers import Dev, kube_apis, until  # noqa: E402

KUBECTL = shutil.which('kubectl')
NGINX = {'apiVersion': 'v1', 'kind': 'Pod',
         'metadata': {'name': 'nginx', 'labels': {'app': 'nginx'}},
         'spec': {'containers': [{'name': 'nginx', 'image': 'nginx:1.25',
                                  'ports': [{'containerPort': 80}]}]}}


def _rc(name: str, replicas: int) -> dict:
    return {'apiVersion': 'v1', 'kind': 'ReplicationController',
            'metadata': {'name': name},
            'spec': {'replicas': replicas, 'selector': {'app': name},
                     'template': {'metadata': {'labels': {'app': name}},
                                  'spec': {'containers': [{'name': 'web', 'image': 'nginx'}]}}}}


def _cluster(dev: Dev, name: str, *extra: str, workers: int = 2) -> dict:
    dev.ok('coe', 'cluster', 'template', 'create', name + '-t', '--coe', 'kubernetes',
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small', '--master-flavor', 'm1.medium', *extra)
    dev.ok('coe', 'cluster', 'create', name, '--cluster-template', name + '-t',
           '--node-count', str(workers))
    cluster = dev.wait(name)
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    return cluster


def _ready(pod) -> str:
    return [c.status for c in pod.status.conditions or [] if c.type == 'Ready'][0] \
        if pod.status.conditions else ''


def _error(call) -> k8s.ApiException:
    with pytest.raises(k8s.ApiException) as exc:
        call()
    return exc.value


def test_pods_and_replication_controllers_with_the_official_client(dev, tmp_path):
    _cluster(dev, 'apps')
    api, _ = kube_apis(dev, 'apps', tmp_path / 'apps')
    nodes = until(lambda: api.list_node().items, 'the cluster API answers', 60)
    workers = {n.metadata.name for n in nodes
               if 'node-role.kubernetes.io/master' not in n.metadata.labels}
    assert len(workers) == 2
    addons = {p.metadata.name for p in api.list_namespaced_pod('kube-system').items}

    # A pod: created (201 with the server's fields), scheduled on a worker, Ready.
    created = api.create_namespaced_pod('default', NGINX)
    assert created.metadata.uid and created.metadata.resource_version
    assert created.metadata.creation_timestamp and created.metadata.namespace == 'default'
    assert created.spec.node_name in workers and created.spec.restart_policy == 'Always'
    pod = api.read_namespaced_pod('nginx', 'default')
    assert pod.status.phase == 'Running' and _ready(pod) == 'True'
    assert pod.status.container_statuses[0].ready and pod.status.pod_ip
    assert [p.metadata.name for p in api.list_namespaced_pod('default').items] == ['nginx']
    assert [p.metadata.name for p in api.list_namespaced_pod(
        'default', label_selector='app=nginx').items] == ['nginx']
    assert not api.list_namespaced_pod('default', label_selector='app in (db,cache)').items
    assert [p.metadata.name for p in api.list_pod_for_all_namespaces(
        field_selector='spec.nodeName=%s' % created.spec.node_name).items if
            p.metadata.namespace == 'default'] == ['nginx']
    # Errors: a duplicate, no name, no containers, no image, a missing namespace.
    assert _error(lambda: api.create_namespaced_pod('default', NGINX)).status == 409
    nameless = dict(NGINX, metadata={'labels': {'app': 'x'}})
    error = _error(lambda: api.create_namespaced_pod('default', nameless))
    assert error.status == 422 and 'metadata.name' in error.body
    error = _error(lambda: api.create_namespaced_pod('default', {
        'metadata': {'name': 'empty'}, 'spec': {'containers': []}}))
    assert error.status == 422 and 'spec.containers' in error.body
    error = _error(lambda: api.create_namespaced_pod('default', {
        'metadata': {'name': 'noimage'}, 'spec': {'containers': [{'name': 'c'}]}}))
    assert error.status == 422 and 'spec.containers[0].image' in error.body
    assert _error(lambda: api.create_namespaced_pod('nowhere', NGINX)).status == 404
    assert _error(lambda: api.list_namespaced_pod(
        'default', field_selector='spec.color=blue')).status == 400
    api.delete_namespaced_pod('nginx', 'default')
    assert _error(lambda: api.read_namespaced_pod('nginx', 'default')).status == 404
    assert _error(lambda: api.delete_namespaced_pod('nginx', 'default')).status == 404

    # A replication controller of 2: 2 Ready pods it owns; one deleted is replaced;
    # deleting the RC deletes its pods.
    rc = api.create_namespaced_replication_controller('default', _rc('web', 2))
    assert rc.metadata.uid and rc.spec.replicas == 2
    rc = api.read_namespaced_replication_controller('web', 'default')
    assert (rc.status.replicas, rc.status.ready_replicas) == (2, 2)
    pods = api.list_namespaced_pod('default', label_selector='app=web').items
    assert len(pods) == 2 and all(_ready(p) == 'True' for p in pods)
    for pod in pods:
        assert pod.metadata.name.startswith('web-') and len(pod.metadata.name) == 9
        assert [(r.kind, r.name, r.uid) for r in pod.metadata.owner_references] == \
            [('ReplicationController', 'web', rc.metadata.uid)]
        assert pod.spec.node_name in workers
    assert {p.spec.node_name for p in pods} == workers  # spread over both workers
    api.delete_namespaced_pod(pods[0].metadata.name, 'default')
    again = api.list_namespaced_pod('default', label_selector='app=web').items
    assert len(again) == 2 and pods[0].metadata.name not in {p.metadata.name for p in again}
    assert [r.metadata.name for r in api.list_namespaced_replication_controller(
        'default').items] == ['web']
    assert _error(lambda: api.create_namespaced_replication_controller(
        'default', _rc('web', 1))).status == 409
    mismatched = _rc('odd', 1)
    mismatched['spec']['selector'] = {'app': 'other'}
    error = _error(lambda: api.create_namespaced_replication_controller('default', mismatched))
    assert error.status == 422 and 'spec.template.metadata.labels' in error.body
    api.delete_namespaced_replication_controller('web', 'default')
    assert not api.list_namespaced_pod('default').items
    assert _error(lambda: api.read_namespaced_replication_controller(
        'web', 'default')).status == 404

    # No Ready worker: a new pod is Pending, unschedulable; it runs once one is back.
    faults = [dev.sim_send('POST', '/_sim/faults', {'kind': 'node', 'server': worker,
                                                    'condition': 'NotReady'})
              for worker in sorted(workers)]
    waiting = api.create_namespaced_pod('default', dict(NGINX, metadata={'name': 'later'}))
    assert waiting.status.phase == 'Pending' and not waiting.spec.node_name
    [scheduled] = waiting.status.conditions
    assert (scheduled.type, scheduled.status, scheduled.reason) == \
        ('PodScheduled', 'False', 'Unschedulable')
    assert '2 node(s) were not ready' in scheduled.message
    for fault in faults:
        dev.sim_send('DELETE', '/_sim/faults/%s' % fault['id'])
    pod = api.read_namespaced_pod('later', 'default')
    assert pod.status.phase == 'Running' and pod.spec.node_name in workers
    api.delete_namespaced_pod('later', 'default')

    # Bounds: replicas, then the cluster's pod cap (403, like a quota).
    error = _error(lambda: api.create_namespaced_replication_controller(
        'default', _rc('huge', kubeworkloads.MAX_REPLICAS + 1)))
    assert error.status == 422 and 'spec.replicas' in error.body
    fill = kubeworkloads.MAX_PODS // kubeworkloads.MAX_REPLICAS
    for number in range(fill):
        api.create_namespaced_replication_controller(
            'default', _rc('fill-%d' % number, kubeworkloads.MAX_REPLICAS))
    assert len(api.list_namespaced_pod('default').items) == kubeworkloads.MAX_PODS
    error = _error(lambda: api.create_namespaced_pod('default', NGINX))
    assert error.status == 403 and 'exceeded quota' in error.body
    error = _error(lambda: api.create_namespaced_replication_controller(
        'default', _rc('more', 1)))
    assert error.status == 403 and 'exceeded quota' in error.body
    api.delete_namespaced_replication_controller('fill-0', 'default')
    assert api.create_namespaced_pod('default', NGINX).metadata.name == 'nginx'

    # The add-ons' pods are as before: listed in kube-system, not deletable.
    assert {p.metadata.name for p in api.list_namespaced_pod('kube-system').items} == addons
    coredns = next(name for name in addons if name.startswith('coredns-'))
    assert _error(lambda: api.delete_namespaced_pod(coredns, 'kube-system')).status == 405


def _kubectl(server: str, cache: str, *args: str, stdin: str | None = None):
    return subprocess.run([KUBECTL, '--server', server, '--request-timeout=10s',
                           '--cache-dir', cache, *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, KUBECONFIG=os.devnull))


def test_tls_disabled_cluster_over_http_with_kubectl(dev, tmp_path):
    # kubectl 1.28 and later (``apply`` asks the server to validate, from the OpenAPI v3
    # index); the distribution's kubectl dispatcher runs the release of the server's.
    cluster = _cluster(dev, 'plain', '--tls-disabled', '--labels', 'kube_tag=v1.30.2',
                       workers=1)
    address = urlparse(cluster['api_address'])
    assert (address.scheme, address.port) == ('http', 8080), cluster['api_address']
    configuration = k8s.Configuration()
    configuration.host = cluster['api_address']
    configuration.retries = 0
    api = k8s.CoreV1Api(k8s.ApiClient(configuration))
    until(lambda: api.list_node().items, 'the cluster API answers over HTTP', 60)
    rc = api.create_namespaced_replication_controller('default', _rc('nginx-controller', 2))
    assert api.read_namespaced_replication_controller(
        rc.metadata.name, 'default').status.replicas == 2
    if KUBECTL is None:
        pytest.skip('kubectl is not installed: the official client part passed')

    server, cache = cluster['api_address'], str(tmp_path / 'kube-cache')
    run = _kubectl(server, cache, 'run', 'web', '--image=nginx', '--labels=tier=front')
    assert run.returncode == 0 and 'pod/web created' in run.stdout, run.stderr
    applied = _kubectl(server, cache, 'apply', '-f', '-', stdin=(
        '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "applied"}, '
        '"spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}'))
    assert applied.returncode == 0 and 'pod/applied created' in applied.stdout, applied.stderr
    shown = _kubectl(server, cache, 'get', 'pods', '-l', 'tier=front')
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split('\n')[1].split()[:3] == ['web', '1/1', 'Running'], shown.stdout
    rcs = _kubectl(server, cache, 'get', 'rc')
    assert rcs.stdout.split('\n')[1].split()[:4] == ['nginx-controller', '2', '2', '2'], \
        rcs.stdout + rcs.stderr
    for args in (('pod', 'web'), ('pod', 'applied'), ('rc', 'nginx-controller')):
        gone = _kubectl(server, cache, 'delete', *args)
        assert gone.returncode == 0 and 'deleted' in gone.stdout, gone.stderr
    left = _kubectl(server, cache, 'get', 'pods', '-o', 'name')
    assert left.returncode == 0 and left.stdout == '', left.stdout + left.stderr
