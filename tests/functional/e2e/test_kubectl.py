"""Issue 13: ``kubectl`` against a cluster of the dev cloud, as the README's
quick start has it: ``openstack coe cluster config``, then ``kubectl get nodes``.
Skipped where no ``kubectl`` is installed (it comes from the distribution's
packages, not from PyPI).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

KUBECTL = shutil.which('kubectl')
pytestmark = pytest.mark.skipif(KUBECTL is None, reason='kubectl is not installed')

#: Seconds the cluster API may take to open after the stack settles.
API_WAIT = 60


def _kubectl(kubeconfig: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, KUBECONFIG=kubeconfig)
    # Discovery is cached next to the kubeconfig, not in the user's ~/.kube.
    cache = os.path.join(os.path.dirname(kubeconfig), 'kube-cache')
    return subprocess.run([KUBECTL, '--request-timeout=10s', '--cache-dir', cache, *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_kubectl_get_nodes_after_cluster_config(dev, tmp_path):
    dev.ok('coe', 'cluster', 'template', 'create', 'k8s', '--coe', 'kubernetes',
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small', '--master-flavor', 'm1.medium',
           '--labels', 'kube_tag=v1.27.3')
    dev.ok('coe', 'cluster', 'create', 'demo', '--cluster-template', 'k8s',
           '--node-count', '2')
    assert dev.wait('demo')['status'] == 'CREATE_COMPLETE'
    dev.ok('coe', 'cluster', 'config', 'demo', '--dir', str(tmp_path))
    kubeconfig = str(tmp_path / 'config')

    deadline = time.monotonic() + API_WAIT
    result = _kubectl(kubeconfig, 'get', 'nodes', '-o', 'wide')
    while result.returncode != 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        result = _kubectl(kubeconfig, 'get', 'nodes', '-o', 'wide')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:5] == ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']
    rows = [line.split() for line in lines[1:]]
    assert len(rows) == 3
    assert all(row[1] == 'Ready' and row[4] == 'v1.27.3' for row in rows)
    assert sorted(row[2] for row in rows) == ['master', 'node', 'node']

    assert _kubectl(kubeconfig, 'create', 'namespace', 'team').returncode == 0
    created = _kubectl(kubeconfig, 'create', 'configmap', 'settings', '-n', 'team',
                       '--from-literal=a=1')
    assert created.returncode == 0, created.stderr
    shown = _kubectl(kubeconfig, 'get', 'configmap', 'settings', '-n', 'team', '-o',
                     'jsonpath={.data.a}')
    assert shown.stdout == '1', shown.stderr
    missing = _kubectl(kubeconfig, 'get', 'secret', 'nope', '-n', 'team')
    assert missing.returncode != 0 and 'NotFound' in missing.stderr
