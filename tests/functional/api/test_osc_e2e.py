"""``openstack coe cluster template ...`` (the real CLI) against ``magnum-like-api`` as a process.

The API runs from a config file: noauth, SQLite in a temporary directory
migrated with ``magnum-like-db-manage upgrade``, cloud-resource checks pointed
at the built-in simulator (``tests/fixtures/cloud.py``). The CLI talks to it with
``--os-auth-type none --os-endpoint http://127.0.0.1:PORT/v1``. At the end the
server must stop cleanly on SIGTERM.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest
import requests

from tests.fixtures import cloud as cloud_fixture
from tests.fixtures import processes
from tests.fixtures.cli import openstack_env

BIN = processes.BIN
OPENSTACK = os.path.join(BIN, 'openstack')


@pytest.fixture(scope='module')
def cloud():
    sim = cloud_fixture.start_cloud()
    yield sim
    sim.stop()


@pytest.fixture(scope='module')
def api_process(tmp_path_factory, cloud):
    tmp = tmp_path_factory.mktemp('osc')
    port = processes.free_port()
    config = tmp / 'magnum_like.conf'
    config.write_text('\n'.join([
        '[DEFAULT]', 'state_path = %s' % tmp, 'log_file = %s' % (tmp / 'api.log'),
        '[api]', 'host = 127.0.0.1', 'port = %d' % port, 'auth_strategy = noauth',
        '[database]', 'connection = sqlite:///%s' % (tmp / 'api.sqlite'),
        '[cluster_template]', 'validate_cloud_resources = true',
        '[glance_client]', 'endpoint_override = %s/image' % cloud.url,
        '[nova_client]', 'endpoint_override = %s/compute/v2.1' % cloud.url,
        '[neutron_client]', 'endpoint_override = %s/network' % cloud.url,
    ]) + '\n')
    url = 'http://127.0.0.1:%d' % port
    processes.db_upgrade(config)
    proc = processes.start_api(config, url, timeout=30)
    proc.url = url
    proc.log = tmp / 'api.log'
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def coe(api_process, *args, fmt_json=True, expect_ok=True):
    cmd = [OPENSTACK, '--os-auth-type', 'none', '--os-endpoint', api_process.url + '/v1',
           'coe', 'cluster', 'template', *args]
    if fmt_json:
        cmd += ['-f', 'json']
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=openstack_env(),
                            cwd='/')
    if expect_ok:
        assert result.returncode == 0, (cmd, result.stdout, result.stderr)
        if not fmt_json:
            return result
        # 'create' prints "Request to create ... accepted" before the document;
        # the client shows null fields as '-'.
        out = result.stdout
        start = min(i for i in (out.find('{'), out.find('[')) if i >= 0)
        return _nulls(json.loads(out[start:]))
    assert result.returncode != 0, (cmd, result.stdout)
    return result


def _nulls(doc):
    if isinstance(doc, list):
        return [_nulls(d) for d in doc]
    return {k: (None if v == '-' else v) for k, v in doc.items()}


def test_template_lifecycle_with_openstack_cli(api_process):
    created = coe(api_process, 'create', 'k8s-e2e', '--coe', 'kubernetes',
                  '--image', 'fedora-atomic-latest', '--external-network', 'public',
                  '--flavor', 'm1.small', '--labels', 'kube_tag=v1.30,auto_healing_enabled=true',
                  '--docker-volume-size', '5', '--dns-nameserver', '8.8.8.8')
    # python-magnumclient sends null for every option not given (clients.md §3.9)
    assert created['name'] == 'k8s-e2e'
    assert created['coe'] == 'kubernetes'
    assert created['cluster_distro'] == 'fedora-atomic'
    assert created['network_driver'] == 'flannel'
    assert created['server_type'] == 'vm'
    assert created['master_flavor_id'] is None
    assert created['floating_ip_enabled'] is True
    assert created['labels'] == {'kube_tag': 'v1.30', 'auto_healing_enabled': 'true'}
    assert created['docker_volume_size'] == 5
    uuid = created['uuid']

    listed = coe(api_process, 'list')
    assert [t['uuid'] for t in listed] == [uuid]
    assert listed[0]['name'] == 'k8s-e2e'

    shown = coe(api_process, 'show', 'k8s-e2e')
    assert shown['uuid'] == uuid and shown['external_network_id'] == 'public'

    updated = coe(api_process, 'update', 'k8s-e2e', 'replace', 'flavor_id=m1.large',
                  'name=k8s-renamed')
    assert updated['flavor_id'] == 'm1.large' and updated['name'] == 'k8s-renamed'
    updated = coe(api_process, 'update', uuid, 'add', 'tags=e2e,cli')
    assert updated['tags'] == 'e2e,cli'
    updated = coe(api_process, 'update', uuid, 'remove', 'tags')
    assert updated['tags'] is None

    # No driver builds ubuntu (the image's os_distro): refused, naming the drivers.
    ubuntu = coe(api_process, 'create', 'second', '--coe', 'kubernetes',
                 '--image', 'ubuntu-22.04', '--external-network', 'public', expect_ok=False)
    assert 'cluster_distro=ubuntu' in ubuntu.stderr
    assert 'k8s_fedora_atomic_v1' in ubuntu.stderr
    second = coe(api_process, 'create', 'second', '--coe', 'swarm-mode',
                 '--image', 'fedora-atomic-latest', '--external-network', 'public',
                 '--public', '--hidden')
    assert second['public'] is True and second['hidden'] is True
    assert (second['cluster_distro'], second['coe']) == ('fedora-atomic', 'swarm-mode')
    assert sorted(t['name'] for t in coe(api_process, 'list')) == ['k8s-renamed', 'second']

    coe(api_process, 'delete', 'k8s-renamed', fmt_json=False)
    assert [t['name'] for t in coe(api_process, 'list')] == ['second']


def test_cli_shows_api_errors(api_process):
    bad = coe(api_process, 'create', 'bad', '--coe', 'kubernetes', '--image', 'no-such-image',
              '--external-network', 'public',
              expect_ok=False)
    assert 'no-such-image' in bad.stderr
    missing = coe(api_process, 'show', 'no-such-template', expect_ok=False)
    assert 'no-such-template' in missing.stderr
    bad_patch = coe(api_process, 'update', 'second', 'remove', 'coe', expect_ok=False)
    assert 'coe' in bad_patch.stderr
    bad_flavor = coe(api_process, 'create', 'bad2', '--coe', 'kubernetes',
                     '--image', 'fedora-atomic-latest', '--master-flavor', 'm9.huge',
                     '--external-network', 'public',
                     expect_ok=False)
    assert 'm9.huge' in bad_flavor.stderr


def test_zz_stops_cleanly_on_sigterm(api_process):
    api_process.send_signal(signal.SIGTERM)
    try:
        code = api_process.wait(20)
    except subprocess.TimeoutExpired:
        api_process.kill()
        pytest.fail('magnum-like-api did not stop within 20 s of SIGTERM')
    assert code == 0, processes.output(api_process)
    log = api_process.log.read_text()
    assert 'Traceback' not in log, log[-3000:]
    with pytest.raises(requests.ConnectionError):
        requests.get(api_process.url + '/', timeout=2)
