"""``[api] auth_strategy = keystone``: keystonemiddleware against a real Keystone.

A Keystone from PyPI runs on loopback (``tests/fixtures/keystone.py``) with the
service registered in its catalog as ``container-infra``. ``magnum-like-api``
runs as a process validating tokens with keystonemiddleware, and the unmodified
``openstack coe`` client authenticates with a password and finds the API in
the catalog, as users do.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import pytest
import requests

from magnum_like.common import crypto
from tests.fixtures import keystone as keystone_fixture
from tests.fixtures import processes
from tests.fixtures.cli import openstack_env

BIN = os.path.dirname(sys.executable)
PASSWORD = 'member-secret'


@pytest.fixture(scope='module')
def keystone():
    server = keystone_fixture.KeystoneServer().start()
    yield server
    server.stop()


@pytest.fixture(scope='module')
def api(tmp_path_factory, keystone):
    """The API in keystone mode, in the catalog, plus a member of another project."""
    tmp = tmp_path_factory.mktemp('ks')
    port = processes.free_port()
    url = 'http://127.0.0.1:%d' % port
    admin = keystone.admin_session()
    ks = keystone.url

    def post(path, body):
        resp = admin.post(ks + path, json=body, raise_exc=False)
        assert resp.status_code in (200, 201), resp.text
        return resp.json()

    service = post('/services', {'service': {'type': 'container-infra', 'name': 'magnum'}})
    post('/endpoints', {'endpoint': {'service_id': service['service']['id'],
                                     'interface': 'public', 'region_id': 'RegionOne',
                                     'url': url + '/v1'}})
    project = post('/projects', {'project': {'name': 'tenant-b', 'domain_id': 'default'}})
    user = post('/users', {'user': {'name': 'bob', 'password': PASSWORD,
                                    'domain_id': 'default'}})
    roles = admin.get(ks + '/roles?name=member').json()['roles']
    resp = admin.put(ks + '/projects/%s/users/%s/roles/%s' % (
        project['project']['id'], user['user']['id'], roles[0]['id']), raise_exc=False)
    assert resp.status_code in (200, 204), resp.text
    # The trustee domain and its admin, as the README's operator section makes
    # them (its users are clusters' nodes, whom the API restricts to their cluster).
    domain = post('/domains', {'domain': {'name': 'magnum'}})['domain']
    domain_admin = post('/users', {'user': {'name': 'magnum_domain_admin',
                                            'password': PASSWORD,
                                            'domain_id': domain['id']}})['user']
    admin_role = admin.get(ks + '/roles?name=admin').json()['roles'][0]
    resp = admin.put(ks + '/domains/%s/users/%s/roles/%s' % (
        domain['id'], domain_admin['id'], admin_role['id']), raise_exc=False)
    assert resp.status_code in (200, 204), resp.text
    with _serve(tmp, port, ks) as facts:
        yield facts


@contextlib.contextmanager
def _serve(tmp, port, ks, authtoken_extra=()):
    """``magnum-like-api`` in keystone mode on ``port`` until the block ends."""
    url = 'http://127.0.0.1:%d' % port
    config = tmp / 'magnum_like.conf'
    config.write_text('\n'.join([
        '[DEFAULT]', 'state_path = %s' % tmp, 'log_file = %s' % (tmp / 'api.log'),
        '[api]', 'host = 127.0.0.1', 'port = %d' % port, 'auth_strategy = keystone',
        '[database]', 'connection = sqlite:///%s' % (tmp / 'api.sqlite'),
        # No cloud to read the image's os_distro from: the default driver builds templates.
        '[cluster_template]', 'validate_cloud_resources = false',
        '[drivers]', 'default_driver = k8s_fedora_atomic_v1',
        '[keystone_authtoken]', 'www_authenticate_uri = %s' % ks, 'auth_url = %s' % ks,
        'auth_type = password', 'username = admin',
        'password = %s' % keystone_fixture.ADMIN_PASSWORD, 'project_name = admin',
        'user_domain_id = default', 'project_domain_id = default',
        'service_token_roles_required = false', *authtoken_extra,
        # Trusts are on with Keystone: the API refuses to start without these.
        '[keystone_auth]', 'auth_type = password', 'auth_url = %s' % ks, 'username = admin',
        'password = %s' % keystone_fixture.ADMIN_PASSWORD, 'project_name = admin',
        'user_domain_id = default', 'project_domain_id = default',
        '[trust]', 'trustee_domain_name = magnum',
        'trustee_domain_admin_name = magnum_domain_admin',
        'trustee_domain_admin_password = %s' % PASSWORD,
        'trustee_password_encryption_key = %s' % crypto.generate_key(),
    ]) + '\n')
    processes.db_upgrade(config)
    proc = processes.start_api(config, url, timeout=30)
    try:
        yield {'url': url, 'keystone': ks, 'log': tmp / 'api.log'}
    finally:
        processes.stop(proc)


def _token(keystone_url: str, user: str, password: str, project: str) -> str:
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': user, 'password': password, 'domain': {'id': 'default'}}}},
        'scope': {'project': {'name': project, 'domain': {'id': 'default'}}}}}
    resp = requests.post(keystone_url + '/auth/tokens', json=body, timeout=30)
    assert resp.status_code == 201, resp.text
    return resp.headers['X-Subject-Token']


def _openstack(api, user, password, project, *args):
    env = openstack_env(OS_AUTH_URL=api['keystone'], OS_USERNAME=user,
                        OS_PASSWORD=password, OS_PROJECT_NAME=project,
                        OS_USER_DOMAIN_ID='default', OS_PROJECT_DOMAIN_ID='default',
                        OS_IDENTITY_API_VERSION='3', OS_REGION_NAME='RegionOne')
    return subprocess.run([os.path.join(BIN, 'openstack'), *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_public_documents_need_no_token(api):
    assert requests.get(api['url'] + '/', timeout=10).status_code == 200
    assert requests.get(api['url'] + '/v1', timeout=10).status_code == 200


def test_missing_or_bad_token_is_401_with_the_error_body(api):
    for headers in ({}, {'X-Auth-Token': 'not-a-token'}):
        resp = requests.get(api['url'] + '/v1/clustertemplates', headers=headers, timeout=30)
        assert resp.status_code == 401
        error = resp.json()['errors'][0]
        assert error['status'] == 401 and error['title']


def test_token_scopes_the_request_to_its_project(api):
    admin = {'X-Auth-Token': _token(api['keystone'], 'admin',
                                    keystone_fixture.ADMIN_PASSWORD, 'admin')}
    bob = {'X-Auth-Token': _token(api['keystone'], 'bob', PASSWORD, 'tenant-b')}
    body = {'name': 'bobs', 'coe': 'kubernetes', 'image_id': 'fedora-atomic-latest',
            'cluster_distro': 'fedora-atomic'}
    created = requests.post(api['url'] + '/v1/clustertemplates', json=body, headers=bob,
                            timeout=30)
    assert created.status_code == 201, created.text
    assert created.json()['project_id'] != 'admin'
    # bob may not publish (clustertemplate:publish is admin only)
    public = requests.post(api['url'] + '/v1/clustertemplates', headers=bob, timeout=30,
                           json=dict(body, name='pub', public=True))
    assert public.status_code == 403
    # the admin sees bob's template across projects
    listed = requests.get(api['url'] + '/v1/clustertemplates', headers=admin, timeout=30)
    assert 'bobs' in [t['name'] for t in listed.json()['clustertemplates']]


def test_openstack_client_with_password_and_catalog(api):
    created = _openstack(api, 'bob', PASSWORD, 'tenant-b', 'coe', 'cluster', 'template',
                         'create', 'via-osc', '--coe', 'kubernetes', '--image',
                         'fedora-atomic-latest', '--external-network', 'public')
    assert created.returncode == 0, created.stderr
    listed = _openstack(api, 'bob', PASSWORD, 'tenant-b', 'coe', 'cluster', 'template',
                        'list', '-f', 'json')
    assert listed.returncode == 0, listed.stderr
    assert 'via-osc' in [t['name'] for t in json.loads(listed.stdout)]


def test_identity_endpoint_missing_from_the_catalog_is_503(tmp_path, keystone, api):
    """keystonemiddleware finds no identity endpoint for its region: the API answers
    503 naming Keystone and the options to check, not a 500."""
    with _serve(tmp_path, processes.free_port(), keystone.url, ('region_name = Nowhere',)) as other:
        token = _token(api['keystone'], 'bob', PASSWORD, 'tenant-b')
        resp = requests.get(other['url'] + '/v1/clustertemplates', timeout=30,
                            headers={'X-Auth-Token': token})
        assert resp.status_code == 503, resp.text
        error = resp.json()['errors'][0]
        assert error['status'] == 503 and 'Keystone' in error['detail'], error
        assert resp.headers.get('Retry-After')
