"""Swarm-mode and Mesos clusters end to end: ``openstack coe`` against ``magnum-like-dev``.

Template create (and its 400s), cluster create to CREATE_COMPLETE on the
built-in simulator, ``coe cluster config`` on swarm-mode (DOCKER_* variables;
the client certificate verifies against the cluster CA), resize naming a
node, delete. Needs the conductors and the cluster API.
"""
from __future__ import annotations

import json
import time

import pytest
from cryptography import x509

from tests.functional.dev import test_magnum_like_dev as dev

state_dir = dev.state_dir  # the fixture, for this module

STABLE = ('CREATE_COMPLETE', 'UPDATE_COMPLETE', 'CREATE_FAILED', 'UPDATE_FAILED',
          'DELETE_FAILED')


@pytest.fixture
def api(state_dir):
    port = dev._free_port()
    proc = dev._start(state_dir, port)
    try:
        yield port
    finally:
        dev._stop(proc)


def _ok(port: int, *args: str) -> str:
    result = dev._openstack(port, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _wait(port: int, name: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = dev._openstack(port, 'coe', 'cluster', 'show', name, '-f', 'json')
        if result.returncode != 0:
            return {'status': 'NOT_FOUND'}
        cluster = json.loads(result.stdout)
        if cluster['status'] in STABLE:
            return cluster
        time.sleep(1)
    pytest.fail('cluster %s did not settle' % name)


def _template(port: int, name: str, coe: str, *extra: str) -> None:
    _ok(port, 'coe', 'cluster', 'template', 'create', name, '--coe', coe,
        '--image', 'fedora-atomic-latest', '--external-network', 'public',
        '--flavor', 'm1.small', '--master-flavor', 'm1.medium', '--keypair', 'default',
        '--network-driver', 'docker', *extra)


def test_swarm_mode_cluster(api, tmp_path):
    port = api
    refused = dev._openstack(port, 'coe', 'cluster', 'template', 'create', 'bad', '--coe',
                             'swarm-mode', '--image', 'fedora-atomic-latest',
                             '--external-network', 'public', '--volume-driver', 'flocker')
    assert refused.returncode != 0 and 'cinder, rexray' in refused.stderr
    _template(port, 'swarm', 'swarm-mode', '--volume-driver', 'cinder',
              '--docker-volume-size', '5', '--labels', 'docker_version=20.10.23')
    _ok(port, 'coe', 'cluster', 'create', 'sw', '--cluster-template', 'swarm',
        '--master-count', '1', '--node-count', '3')
    cluster = _wait(port, 'sw')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    assert cluster['api_address'].startswith('tcp://') and cluster['api_address'].endswith(':2376')
    assert len(cluster['node_addresses']) == 3

    out = _ok(port, 'coe', 'cluster', 'config', 'sw', '--dir', str(tmp_path),
              '--output-certs')
    assert 'DOCKER_HOST=%s' % cluster['api_address'] in out
    assert 'DOCKER_CERT_PATH=%s' % tmp_path in out and 'DOCKER_TLS_VERIFY' in out
    ca = x509.load_pem_x509_certificate((tmp_path / 'ca.pem').read_bytes())
    cert = x509.load_pem_x509_certificate((tmp_path / 'cert.pem').read_bytes())
    cert.verify_directly_issued_by(ca)

    # Issue 11 item 1: a name that is no worker (a master's address, an unknown
    # id) is refused and nothing is removed.
    for wrong in (cluster['master_addresses'][0], '11111111-2222-3333-4444-555555555555'):
        refused = dev._openstack(port, 'coe', 'cluster', 'resize', 'sw', '2',
                                 '--nodes-to-remove', wrong)
        assert refused.returncode != 0 and wrong in refused.stderr, refused.stderr
    victim = sorted(cluster['node_addresses'])[0]
    _ok(port, 'coe', 'cluster', 'resize', 'sw', '2', '--nodes-to-remove', victim)
    cluster = _wait(port, 'sw')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    assert len(cluster['node_addresses']) == 2
    # exactly the named node went (named as ``coe cluster show`` displays it)
    assert victim not in cluster['node_addresses']

    # Issue 11 item 10: a cluster upgrade needs no --nodegroup (workers in rolling
    # batches; the managers keep their engine, asking for them says why).
    _template(port, 'swarm-new', 'swarm-mode', '--volume-driver', 'cinder',
              '--docker-volume-size', '5', '--labels', 'docker_version=20.10.24')
    refused = dev._openstack(port, 'coe',
                             'cluster', 'upgrade', 'sw', 'swarm-new', '--nodegroup',
                             'default-master')
    assert refused.returncode != 0 and 'new swarm' in refused.stderr, refused.stderr
    _ok(port, 'coe', 'cluster', 'upgrade', 'sw',
        'swarm-new', '--max-batch-size', '2')
    cluster = _wait(port, 'sw')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    assert cluster['coe_version'] == '20.10.24'

    _ok(port, 'coe', 'cluster', 'delete', 'sw')
    assert _wait(port, 'sw')['status'] == 'NOT_FOUND'


def test_mesos_cluster(api):
    port = api
    _template(port, 'mesos', 'mesos', '--volume-driver', 'rexray',
              '--labels', 'mesos_slave_isolation=bogus')
    refused = dev._openstack(port, 'coe', 'cluster', 'create', 'bad', '--cluster-template',
                             'mesos')
    assert refused.returncode != 0 and 'mesos_slave_isolation' in refused.stderr
    _template(port, 'mesos-ok', 'mesos', '--labels',
              'mesos_slave_isolation=filesystem/linux,mesos_slave_work_dir=/srv/mesos')
    _ok(port, 'coe', 'cluster', 'create', 'ms', '--cluster-template', 'mesos-ok',
        '--node-count', '3')
    cluster = _wait(port, 'ms')
    assert cluster['status'] == 'CREATE_COMPLETE', cluster
    assert cluster['api_address'] and len(cluster['node_addresses']) == 3
    _ok(port, 'coe', 'cluster', 'resize', 'ms', '2')
    assert _wait(port, 'ms')['status'] == 'UPDATE_COMPLETE'
    # Issue 11 item 10: Mesos upgrades to new releases (no placeholder refusal).
    _template(port, 'mesos-new', 'mesos', '--labels',
              'mesos_slave_isolation=filesystem/linux,mesos_slave_work_dir=/srv/mesos,'
              'mesos_tag=1.9.1')
    _ok(port, 'coe', 'cluster', 'upgrade', 'ms',
        'mesos-new')
    cluster = _wait(port, 'ms')
    assert cluster['status'] == 'UPDATE_COMPLETE', cluster
    assert cluster['coe_version'] == '1.9.1'
    _ok(port, 'coe', 'cluster', 'delete', 'ms')
    assert _wait(port, 'ms')['status'] == 'NOT_FOUND'
