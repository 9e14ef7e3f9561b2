"""``magnum_like.devcloud``: the Keystone of ``magnum-like-dev --dashboard``, set up twice.

A real Keystone in a temp state dir: the users log in with the generated
passwords, the catalog maps each service to one URL, a second setup (a restart)
changes nothing but moved URLs, and the service's configuration turns to
Keystone with trusts.
"""
from __future__ import annotations

import os
import stat

from keystoneclient.v3 import client as ks_client
from oslo_config import cfg
import pytest

from magnum_like.common import config_check
from magnum_like import conf as ml_conf
from magnum_like.devcloud import cloud
from tests.fixtures import keystone as keystone_fixture

SIM = {'orchestration': 'http://127.0.0.1:1/orchestration/v1/%(project_id)s',
       'compute': 'http://127.0.0.1:1/compute/v2.1', 'image': 'http://127.0.0.1:1/image'}


@pytest.fixture(scope='module')
def keystone():
    server = keystone_fixture.KeystoneServer().start()
    yield server
    server.stop()


def _catalog(ks):
    services = {s.id: s.type for s in ks.services.list()}
    result = {}
    for endpoint in ks.endpoints.list():
        result.setdefault(services[endpoint.service_id], set()).add(
            (endpoint.interface, endpoint.url))
    return result


def test_secrets_are_generated_once_and_private(tmp_path):
    first = cloud.load_secrets(str(tmp_path))
    assert first == cloud.load_secrets(str(tmp_path))
    mode = stat.S_IMODE(os.stat(tmp_path / 'devcloud-secrets.json').st_mode)
    assert mode == 0o600
    assert len({first['admin_password'], first['demo_password']}) == 2


def test_provision_is_idempotent(keystone, tmp_path):
    secret = cloud.load_secrets(str(tmp_path))
    ids = cloud.provision(keystone, secret, api_url='http://127.0.0.1:2', sim_endpoints=SIM)
    again = cloud.provision(keystone, secret, api_url='http://127.0.0.1:3', sim_endpoints=SIM)
    assert ids == again
    ks = ks_client.Client(session=keystone.admin_session())
    catalog = _catalog(ks)
    assert catalog['container-infra'] == {(i, 'http://127.0.0.1:3/v1')
                                          for i in ('public', 'internal', 'admin')}
    assert {url for _, url in catalog['orchestration']} == {SIM['orchestration']}
    assert {url for _, url in catalog['identity']} == {keystone.url}
    assert len(ks.users.list(name='demo')) == 1

    # The demo user logs in to project demo with the generated password, and its
    # catalog resolves the simulator's Heat URL for the project.
    demo = keystone.session('demo', secret['demo_password'], project_name='demo')
    heat = demo.get_endpoint(service_type='orchestration', interface='public')
    assert heat == SIM['orchestration'] % {'project_id': demo.get_project_id()}
    roles = {r.name for r in ks.roles.list(user=demo.get_user_id(),
                                           project=demo.get_project_id())}
    assert {'member', 'reader'} <= roles

    domain = ks.domains.get(ids['trustee_domain_id'])
    assert domain.name == cloud.TRUSTEE_DOMAIN
    assert ks.users.get(ids['trustee_domain_admin_id']).domain_id == domain.id


def test_configure_service(keystone, tmp_path):
    conf = cfg.ConfigOpts()
    for module in ml_conf.MODULES:
        module.register_opts(conf)
    conf([], project='magnum_like', default_config_files=[])
    secret = cloud.load_secrets(str(tmp_path))
    ids = cloud.provision(keystone, secret, api_url='http://127.0.0.1:2', sim_endpoints=SIM)
    cloud.configure_service(conf, keystone, secret, ids)
    config_check.check_secrets(conf)  # trusts are fully configured: no ConfigurationError
    assert conf.api.auth_strategy == 'keystone'
    assert conf.keystone_authtoken.auth_url == keystone.url
    assert conf.keystone_auth.username == cloud.SERVICE_USER
    assert conf.trust.trustee_domain_id == ids['trustee_domain_id']
    assert conf.trust.trustee_password_encryption_key == [secret['encryption_key']]
    assert conf.certificates.x509keypair_encryption_key == [secret['encryption_key']]
    # The service user's credentials work.
    service = keystone.session(cloud.SERVICE_USER, secret['service_password'],
                               project_name='service')
    assert service.get_token()


def _churn(server, rounds: int = 6, workers: int = 4) -> list[int]:
    """What tempest's dynamic credentials do at ``--concurrency 2`` and more: at the
    same time, make a project and user, log in as the user, delete both; returns
    every unexpected (5xx) status met."""
    import concurrent.futures
    import uuid

    import requests
    admin = server.admin_session()
    token = admin.get_token()

    def one(_):
        statuses = []
        headers = {'X-Auth-Token': token}
        name = 'churn-' + uuid.uuid4().hex[:8]
        project = requests.post(server.url + '/projects', headers=headers, timeout=60,
                                json={'project': {'name': name, 'domain_id': 'default'}})
        user = requests.post(server.url + '/users', headers=headers, timeout=60, json={
            'user': {'name': name, 'password': 'pw-' + name, 'domain_id': 'default',
                     'default_project_id': project.json()['project']['id']}})
        statuses += [project.status_code, user.status_code]
        login = requests.post(server.url + '/auth/tokens', timeout=60, json={'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': name, 'domain': {'id': 'default'}, 'password': 'pw-' + name}}}}})
        statuses.append(login.status_code)
        for path in ('/users/' + user.json()['user']['id'],
                     '/projects/' + project.json()['project']['id']):
            statuses.append(requests.delete(server.url + path, headers=headers,
                                            timeout=60).status_code)
        return statuses

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return [s for batch in pool.map(one, range(rounds * workers)) for s in batch
                if s >= 500]


def test_sqlite_keystone_takes_concurrent_writes(keystone):
    # On SQLite (the dev cloud's database) Keystone is served by one process: from
    # several, concurrent writes failed "database is locked" (500s to tempest).
    assert keystone.db_url is None and keystone.processes == 1
    assert _churn(keystone) == []
    assert keystone_fixture.KeystoneServer('mysql+pymysql://x/y').processes == 4
