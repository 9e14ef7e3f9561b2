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


def _roles(client) -> list[str]:
    """``docker node ls``'s ROLE column, sorted."""
    return sorted(n.attrs['Spec']['Role'] for n in client.nodes.list())


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

    # Resize: workers appear and go.
    dev.ok('coe', 'cluster', 'resize', 'sw', '3')
    assert dev.wait('sw')['status'] == 'UPDATE_COMPLETE'
    assert _roles(client) == ['manager', 'worker', 'worker', 'worker']
    dev.ok('coe', 'cluster', 'resize', 'sw', '1')
    assert dev.wait('sw')['status'] == 'UPDATE_COMPLETE'
    assert _roles(client) == ['manager', 'worker']

    # Upgrade (README "Drivers"): the workers are replaced on the new engine,
    # the managers are kept (a new first manager would start a new swarm).
    before = {n.id: n.attrs['Spec']['Role'] for n in client.nodes.list()}
    _template(dev, 'swarm-new', 'swarm-mode', '--labels', 'docker_version=24.0.7')
    dev.ok('coe', 'cluster', 'upgrade', 'sw', 'swarm-new')
    assert dev.wait('sw')['status'] == 'UPDATE_COMPLETE'
    after = client.nodes.list()
    managers = {n.id for n in after if n.attrs['Spec']['Role'] == 'manager'}
    workers = [n for n in after if n.attrs['Spec']['Role'] == 'worker']
    assert managers == {i for i, role in before.items() if role == 'manager'}
    assert len(workers) == 1 and workers[0].id not in before
    assert workers[0].attrs['Description']['Engine']['EngineVersion'] == '24.0.7'
    assert workers[0].id in {s['id'] for s in dev.servers()}
    assert dev.wait('sw')['cluster_template_id'] == dev.json(
        'coe', 'cluster', 'template', 'show', 'swarm-new')['uuid']

    # CA rotation: the old client certificate is refused, a new config works.
    dev.ok('coe', 'ca', 'rotate', 'sw')
    assert dev.wait('sw')['status'] == 'UPDATE_COMPLETE'
    fresh = docker.from_env(environment=_config(dev, 'sw', tmp_path / 'rotated'))
    assert _until(lambda: _roles(fresh), 'the Docker API with the new CA') == \
        ['manager', 'worker']
    # The nodes were rebuilt against the new CA: new servers.
    assert not {n.id for n in after} & {n.id for n in fresh.nodes.list()}
    stale = docker.DockerClient(
        base_url=env['DOCKER_HOST'].replace('tcp://', 'https://'), version='1.43',
        timeout=10, tls=docker.tls.TLSConfig(
            client_cert=(env['DOCKER_CERT_PATH'] + '/cert.pem',
                         env['DOCKER_CERT_PATH'] + '/key.pem'),
            ca_cert=str(tmp_path / 'rotated' / 'ca.pem'), verify=True))
    with pytest.raises(Exception) as exc:  # noqa: B017 - requests' SSLError/ConnectionError
        stale.info()
    assert 'SSL' in repr(exc.value) or 'Connection' in repr(exc.value)
    client = fresh

    dev.ok('coe', 'cluster', 'delete', 'sw')
    assert dev.wait('sw')['status'] == 'NOT_FOUND'

    def closed() -> bool:
        try:
            client.ping()
        except Exception:  # noqa: BLE001 - refused is what we wait for
            return True
        return False
    _until(closed, 'the Docker API closes with the cluster')
    assert cluster['uuid'] not in dev.state()['clusters']


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

    # Resize: the master's agents follow.
    dev.ok('coe', 'cluster', 'resize', 'ms', '3')
    assert dev.wait('ms')['status'] == 'UPDATE_COMPLETE'
    assert len(get(5050, '/state')['slaves']) == 3
    dev.ok('coe', 'cluster', 'resize', 'ms', '1')
    assert dev.wait('ms')['status'] == 'UPDATE_COMPLETE'
    state = get(5050, '/state')
    assert state['activated_slaves'] == 1 and len(state['slaves']) == 1

    # Upgrade: the master reports the new MESOS_TAG, the agent is a new server.
    agents = {a['id'] for a in state['slaves']}
    _template(dev, 'mesos-new', 'mesos', '--labels', 'mesos_tag=1.10.0')
    dev.ok('coe', 'cluster', 'upgrade', 'ms', 'mesos-new')
    assert dev.wait('ms')['status'] == 'UPDATE_COMPLETE'
    state = _until(lambda: get(5050, '/state'), 'the Mesos master after the upgrade')
    assert state['version'] == '1.10.0'
    assert len(state['slaves']) == 1 and not agents & {a['id'] for a in state['slaves']}

    dev.ok('coe', 'cluster', 'delete', 'ms')
    assert dev.wait('ms')['status'] == 'NOT_FOUND'

    def closed() -> bool:
        try:
            get(5050, '/state')
        except OSError:  # refused is what we wait for
            return True
        return False
    _until(closed, 'the Mesos master closes with the cluster')
    assert cluster['uuid'] not in dev.state()['clusters']
