"""Issue 13: a swarm-mode cluster's Docker Engine API (with the Docker SDK fed the
environment ``openstack coe cluster config`` writes) and a Mesos cluster's
master and Marathon (plain HTTP), served by the simulator on the clusters'
loopback addresses.
"""
from __future__ import annotations

import json
import re
import time
import urllib.request
from urllib.parse import urlparse

import pytest

docker = pytest.importorskip('docker')

from tests.functional.e2e.helpers import Dev  # noqa: E402

#: Seconds a cluster API may take to open or close after its stack settles.
API_WAIT = 60


def _until(check, what: str):
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


def _template(dev: Dev, name: str, coe: str, *extra: str) -> None:
    dev.ok('coe', 'cluster', 'template', 'create', name, '--coe', coe,
           '--image', 'fedora-atomic-latest', '--external-network', 'public',
           '--flavor', 'm1.small', '--master-flavor', 'm1.medium',
           '--network-driver', 'docker', *extra)


def _docker_env(output: str) -> dict[str, str]:
    """The ``export NAME=value`` lines ``coe cluster config`` prints."""
    return dict(re.findall(r'^export (\w+)=(\S*)$', output, re.M))


def _config(dev: Dev, cluster: str, directory) -> dict[str, str]:
    """Run the real ``coe cluster config --output-certs``; the variables it sets."""
    directory.mkdir()
    return _docker_env(dev.ok('coe', 'cluster', 'config', cluster, '--dir', str(directory),
                              '--output-certs'))


def test_swarm_mode_docker_api_with_the_docker_sdk(dev, tmp_path, monkeypatch):
    # requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override the CA the Docker
    # SDK sets on its session (docker-py trusts DOCKER_CERT_PATH/ca.pem only
    # without them), so a machine-wide bundle must not be in the environment.
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    _template(dev, 'swarm', 'swarm-mode', '--labels', 'docker_version=20.10.23')
    dev.ok('coe', 'cluster', 'create', 'sw', '--cluster-template', 'swarm',
           '--master-count', '1', '--node-count', '2')
    dev.ok('coe', 'cluster', 'create', 'sw2', '--cluster-template', 'swarm',
           '--master-count', '1', '--node-count', '1')
    cluster = dev.wait('sw')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    assert dev.wait('sw2')['status'] == 'CREATE_COMPLETE'
    assert urlparse(cluster['api_address']).hostname.startswith('127.')

    env = _config(dev, 'sw', tmp_path / 'sw')
    assert env['DOCKER_HOST'] == cluster['api_address'] and env['DOCKER_TLS_VERIFY'] == 'True'
    client = docker.from_env(environment=env)
    info = _until(client.info, 'the Docker API answers')
    assert info['Swarm']['Nodes'] == 3 and info['Swarm']['Managers'] == 1
    assert info['ServerVersion'] == '20.10.23'
    assert client.version()['Version'] == '20.10.23'
    nodes = client.nodes.list()
    roles = sorted(n.attrs['Spec']['Role'] for n in nodes)
    assert roles == ['manager', 'worker', 'worker']
    servers = {s['id'] for s in dev.servers() if s['name'].startswith('sw-')}
    assert {n.id for n in nodes} <= servers

    # A client certificate of another swarm's CA is refused.
    other = _config(dev, 'sw2', tmp_path / 'sw2')
    tls = docker.tls.TLSConfig(
        client_cert=(other['DOCKER_CERT_PATH'] + '/cert.pem',
                     other['DOCKER_CERT_PATH'] + '/key.pem'),
        ca_cert=env['DOCKER_CERT_PATH'] + '/ca.pem', verify=True)
    foreign = docker.DockerClient(base_url=env['DOCKER_HOST'].replace('tcp://', 'https://'),
                                  tls=tls, version='1.43', timeout=10)
    with pytest.raises(Exception) as exc:  # noqa: B017 - requests' SSLError/ConnectionError
        foreign.info()
    assert 'SSL' in repr(exc.value) or 'Connection' in repr(exc.value)

    dev.ok('coe', 'cluster', 'delete', 'sw')
    assert dev.wait('sw')['status'] == 'NOT_FOUND'

    def closed() -> bool:
        try:
            client.ping()
        except Exception:  # noqa: BLE001 - refused is what we wait for
            return True
        return False
    _until(closed, 'the Docker API closes with the cluster')


def test_mesos_master_and_marathon(dev):
    _template(dev, 'mesos', 'mesos', '--labels', 'mesos_tag=1.9.0')
    dev.ok('coe', 'cluster', 'create', 'ms', '--cluster-template', 'mesos',
           '--node-count', '2')
    cluster = dev.wait('ms')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    host = urlparse('//' + cluster['api_address'].split('://')[-1]).hostname or \
        cluster['api_address']

    def get(port: int, path: str):
        with urllib.request.urlopen('http://%s:%d%s' % (host, port, path), timeout=10) as r:
            return json.loads(r.read())

    state = _until(lambda: get(5050, '/state'), 'the Mesos master answers')
    assert state['version'] == '1.9.0'
    assert state['activated_slaves'] == 2 and len(state['slaves']) == 2
    assert get(8080, '/v2/info')['name'] == 'marathon'
    assert get(8080, '/v2/apps') == {'apps': []}
