"""Driving ``magnum-like-dev`` the way a user does: the real ``openstack coe`` CLI.

:class:`Dev` starts ``magnum-like-dev`` in a temporary state directory (its
output goes to a log file, so a chatty conductor can never block on a full
pipe), runs ``openstack --os-auth-type none --os-endpoint ... coe ...`` in a
subprocess, and reads the simulator's admin API (``/_sim/...``) and its
Nova/Octavia/Cinder/Barbican views to check what exists in the cloud.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.fixtures.cli import openstack_env

BIN = os.path.dirname(sys.executable)
STABLE = ('CREATE_COMPLETE', 'UPDATE_COMPLETE', 'CREATE_FAILED', 'UPDATE_FAILED',
          'DELETE_FAILED', 'ROLLBACK_COMPLETE', 'ROLLBACK_FAILED')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Dev:
    """One running ``magnum-like-dev``."""

    def __init__(self, state_dir: str, log_path: str, args: tuple[str, ...] = ()) -> None:
        self.state_dir = state_dir
        self.args = tuple(args)
        self.log_path = log_path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.sim_url = ''
        self.endpoints: dict[str, str] = {}

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> 'Dev':
        log = open(self.log_path, 'ab')
        self.proc = subprocess.Popen(
            [os.path.join(BIN, 'magnum-like-dev'), '--state-dir', self.state_dir,
             '--port', str(self.port), '--sim-port', '0', *self.args],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            text = self.log()
            if 'Press Ctrl-C to stop.' in text:
                found = re.findall(r'Simulator:\s+(\S+)', text)
                self.sim_url = found[-1].rstrip('/')
                self.endpoints = self.sim_get('/')
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.kill()
        pytest.fail('magnum-like-dev did not start:\n' + self.log()[-4000:])

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def log(self) -> str:
        try:
            with open(self.log_path, encoding='utf-8', errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    # -- the CLI ---------------------------------------------------------------
    def run(self, *args: str, microversion: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        """``openstack coe ...`` (``args`` start after ``openstack``)."""
        cmd = [os.path.join(BIN, 'openstack'), '--os-auth-type', 'none',
               '--os-endpoint', 'http://127.0.0.1:%d/v1' % self.port]
        if microversion:
            cmd += ['--os-container-infra-api-version', microversion]
        return subprocess.run(cmd + list(args), capture_output=True, text=True,
                              timeout=timeout, env=openstack_env())

    def ok(self, *args: str, **kwargs) -> str:
        result = self.run(*args, **kwargs)
        assert result.returncode == 0, '%s\n%s\n%s' % (' '.join(args), result.stdout,
                                                       result.stderr)
        return result.stdout

    def json(self, *args: str, **kwargs):
        out = self.ok(*args, '-f', 'json', **kwargs)
        start = min(i for i in (out.find('{'), out.find('[')) if i >= 0)
        return json.loads(out[start:])

    def table(self, *args: str, **kwargs) -> list[dict]:
        """The rows of a command that prints a table (no ``-f`` there); a
        Property/Value table comes back as one dict."""
        lines = [line for line in self.ok(*args, **kwargs).splitlines()
                 if line.startswith('|')]
        rows = [[cell.strip() for cell in line.strip('|').split('|')] for line in lines]
        if not rows:
            return []
        header, body = rows[0], rows[1:]
        if header == ['Property', 'Value']:
            return [{key: value for key, value in body}]
        return [dict(zip(header, row)) for row in body]

    def fails(self, *args: str, **kwargs) -> str:
        """Run a command that must fail; its stderr."""
        result = self.run(*args, **kwargs)
        assert result.returncode != 0, '%s unexpectedly succeeded:\n%s' % (
            ' '.join(args), result.stdout)
        return result.stderr

    def show(self, cluster: str) -> dict | None:
        result = self.run('coe', 'cluster', 'show', cluster, '-f', 'json')
        if result.returncode != 0:
            assert '404' in result.stderr or 'not found' in result.stderr.lower(), result.stderr
            return None
        return json.loads(result.stdout)

    def wait(self, cluster: str, timeout: float = 300) -> dict:
        """Poll ``coe cluster show`` until the cluster settles; ``{'status': 'NOT_FOUND'}``
        once it is gone."""
        deadline = time.monotonic() + timeout
        shown = None
        while time.monotonic() < deadline:
            shown = self.show(cluster)
            if shown is None:
                return {'status': 'NOT_FOUND'}
            if shown['status'] in STABLE:
                return shown
            time.sleep(1)
        pytest.fail('cluster %s did not settle: %s\n%s' % (cluster, shown, self.log()[-3000:]))

    def wait_nodegroup(self, cluster: str, ng: str, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        shown = None
        while time.monotonic() < deadline:
            result = self.run('coe', 'nodegroup', 'show', cluster, ng, '-f', 'json')
            if result.returncode != 0:
                return {'status': 'NOT_FOUND'}
            shown = json.loads(result.stdout)
            if shown['status'] in STABLE:
                return shown
            time.sleep(1)
        pytest.fail('node group %s did not settle: %s' % (ng, shown))

    # -- the simulated cloud ---------------------------------------------------
    def sim_get(self, path: str):
        url = path if path.startswith('http') else self.sim_url + path
        request = urllib.request.Request(url, headers={'X-Auth-Token': 'e2e',
                                                       'Accept': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b'null')

    def heat_get(self, cluster: dict, path: str = ''):
        """GET ``path`` under the cluster's stack (named after the cluster) in the
        simulator's Heat."""
        base = self.endpoints['orchestration'].replace('%(project_id)s', cluster['project_id'])
        name = '%s-%s' % (cluster['name'], cluster['uuid'].split('-')[0])
        return self.sim_get('%s/stacks/%s%s' % (base.rstrip('/'), name, path))

    def sim_send(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.sim_url + path, data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else None

    def server_delay(self, seconds: float) -> None:
        """Make every Nova server take ``seconds`` to build (0: instant again)."""
        self.sim_send('PUT', '/_sim/delays', {'delays': {'OS::Nova::Server': seconds}})

    def service(self, service_type: str, path: str):
        """GET ``path`` under a simulated service's base URL (``compute``, ...)."""
        base = self.endpoints[service_type].replace('%(project_id)s', 'admin')
        return self.sim_get(base.rstrip('/') + path)

    def servers(self) -> list[dict]:
        return self.service('compute', '/servers/detail?all_tenants=1')['servers']

    def loadbalancers(self) -> list[dict]:
        return self.service('load-balancer', '/v2/lbaas/loadbalancers')['loadbalancers']

    def state(self) -> dict:
        return self.sim_get('/_sim/state')


def start_dev(tmp_path, config: str | None = None) -> Dev:
    """Start ``magnum-like-dev``; ``config``: an oslo.config file's text to add."""
    state = tmp_path / 'state'
    args: tuple[str, ...] = ()
    if config:
        path = tmp_path / 'extra.conf'
        path.write_text(config)
        args = ('--config-file', str(path))
    return Dev(str(state), str(tmp_path / 'magnum-like-dev.log'), args).start()


# -- federations: what the host cluster's Kubernetes API shows ---------------------
KUBEFED_NS, KUBEFED_GROUP, KUBEFED_VERSION, KUBEFED_PLURAL = (
    'kube-federation-system', 'core.kubefed.io', 'v1beta1', 'kubefedclusters')


def until(check, what: str, timeout: float = 120):
    """Poll ``check()`` until it returns something true (errors: not there yet)."""
    deadline = time.monotonic() + timeout
    error = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - not there yet
            error = exc
        time.sleep(0.3)
    pytest.fail('%s: not within %ss (last error: %r)' % (what, timeout, error))


def kube_apis(dev: Dev, cluster: str, directory) -> tuple:
    """``(CoreV1Api, CustomObjectsApi)`` of the official ``kubernetes`` client for a
    cluster, configured by ``openstack coe cluster config``."""
    from kubernetes import client as k8s
    from kubernetes import config as k8s_config
    os.makedirs(directory, exist_ok=True)
    dev.ok('coe', 'cluster', 'config', cluster, '--dir', str(directory), '--force')
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(config_file=os.path.join(str(directory), 'config'),
                                client_configuration=configuration)
    configuration.retries = 0
    api = k8s.ApiClient(configuration)
    return k8s.CoreV1Api(api), k8s.CustomObjectsApi(api)


def kubefed_clusters(custom) -> dict:
    """The ``KubeFedCluster`` objects of a host cluster, by name."""
    items = custom.list_namespaced_custom_object(KUBEFED_GROUP, KUBEFED_VERSION, KUBEFED_NS,
                                                 KUBEFED_PLURAL)['items']
    return {item['metadata']['name']: item for item in items}


def ready_of(item: dict) -> str | None:
    """A ``KubeFedCluster``'s ``Ready`` condition (``True``/``False``), None before any."""
    for condition in (item.get('status') or {}).get('conditions') or []:
        if condition['type'] == 'Ready':
            return condition['status']
    return None
