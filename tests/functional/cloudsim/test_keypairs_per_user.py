"""The simulator's Nova keypairs belong to users, as Nova's do.

The user is the ``X-User-Id`` header's (noauth callers), the token's when the
simulator validates tokens with a real Keystone, else the default user that
owns the catalog's keypairs (``magnum-like-dev``).
"""
from __future__ import annotations

import pytest
import requests

from magnum_like.cloudsim import Simulator
from tests.fixtures import keystone as keystone_fixture


def _nova(sim: Simulator, method: str, path: str, headers: dict, **kwargs) -> requests.Response:
    return requests.request(method, sim.endpoints['compute'] + path, headers=headers,
                            timeout=10, **kwargs)


def _names(resp: requests.Response) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [k['keypair']['name'] for k in resp.json()['keypairs']]


@pytest.fixture
def sim():
    simulator = Simulator(port=0).start()
    yield simulator
    simulator.stop()


def test_keypairs_belong_to_the_user_of_the_headers(sim):
    alice, bob = {'X-User-Id': 'alice'}, {'X-User-Id': 'bob'}
    admin = {'X-User-Id': 'root', 'X-Roles': 'admin,member'}
    resp = _nova(sim, 'POST', '/os-keypairs', alice, json={'keypair': {'name': 'k1'}})
    assert resp.status_code == 200 and resp.json()['keypair']['user_id'] == 'alice'
    assert _nova(sim, 'GET', '/os-keypairs/k1', alice).status_code == 200
    missing = _nova(sim, 'GET', '/os-keypairs/k1', bob)
    assert missing.status_code == 404 and 'bob' in missing.json()['itemNotFound']['message']
    assert _names(_nova(sim, 'GET', '/os-keypairs', bob)) == []
    # the same name for another user is another keypair
    assert _nova(sim, 'POST', '/os-keypairs', bob,
                 json={'keypair': {'name': 'k1'}}).status_code == 200
    assert _nova(sim, 'POST', '/os-keypairs', alice,
                 json={'keypair': {'name': 'k1'}}).status_code == 409
    # an admin may name the user; others may not
    shown = _nova(sim, 'GET', '/os-keypairs/k1', admin, params={'user_id': 'alice'})
    assert shown.status_code == 200 and shown.json()['keypair']['user_id'] == 'alice'
    assert _nova(sim, 'GET', '/os-keypairs/k1', bob,
                 params={'user_id': 'alice'}).status_code == 403
    assert _nova(sim, 'POST', '/os-keypairs', admin,
                 json={'keypair': {'name': 'k2', 'user_id': 'bob'}}).status_code == 200
    assert _names(_nova(sim, 'GET', '/os-keypairs', bob)) == ['k1', 'k2']
    assert _nova(sim, 'DELETE', '/os-keypairs/k1', bob).status_code == 202
    assert _nova(sim, 'GET', '/os-keypairs/k1', alice).status_code == 200
    # no identity at all: the default user, who owns the catalog's keypair
    assert _names(_nova(sim, 'GET', '/os-keypairs', {})) == ['default']
    assert _nova(sim, 'GET', '/os-keypairs/default', alice).status_code == 404


def test_keypairs_survive_a_restart_per_user(tmp_path):
    state = str(tmp_path / 'sim.sqlite')
    first = Simulator(port=0, state_file=state).start()
    try:
        assert _nova(first, 'POST', '/os-keypairs', {'X-User-Id': 'alice'},
                     json={'keypair': {'name': 'k1'}}).status_code == 200
    finally:
        first.stop()
    second = Simulator(port=0, state_file=state).start()
    try:
        assert _nova(second, 'GET', '/os-keypairs/k1', {'X-User-Id': 'alice'}).status_code == 200
        assert _nova(second, 'GET', '/os-keypairs/k1', {'X-User-Id': 'bob'}).status_code == 404
    finally:
        second.stop()


@pytest.fixture(scope='module')
def keystone():
    server = keystone_fixture.KeystoneServer().start()
    yield server
    server.stop()


def test_keypairs_belong_to_the_user_of_a_keystone_token(keystone):
    from keystoneauth1.identity import v3
    from keystoneauth1 import session
    admin = keystone.admin_session()
    ks = keystone.url
    project = admin.get(ks + '/projects?name=admin').json()['projects'][0]['id']
    member = admin.get(ks + '/roles?name=member').json()['roles'][0]['id']
    tokens = {}
    for name in ('carol', 'dave'):
        user = admin.post(ks + '/users', json={'user': {
            'name': name, 'password': 'pw-' + name, 'domain_id': 'default'}}).json()['user']
        admin.put(ks + '/projects/%s/users/%s/roles/%s' % (project, user['id'], member))
        auth = v3.Password(auth_url=ks, username=name, password='pw-' + name,
                           user_domain_id='default', project_id=project,
                           project_domain_id='default')
        tokens[name] = (user['id'], session.Session(auth=auth).get_token())
    sim = Simulator(port=0, keystone_url=ks).start()
    try:
        carol_id, carol = tokens['carol']
        created = _nova(sim, 'POST', '/os-keypairs', {'X-Auth-Token': carol},
                        json={'keypair': {'name': 'ck'}})
        assert created.status_code == 200 and created.json()['keypair']['user_id'] == carol_id
        assert _nova(sim, 'GET', '/os-keypairs/ck', {'X-Auth-Token': carol}).status_code == 200
        _dave_id, dave = tokens['dave']
        assert _nova(sim, 'GET', '/os-keypairs/ck', {'X-Auth-Token': dave}).status_code == 404
        # a token wins over a header claiming to be someone else
        assert _nova(sim, 'GET', '/os-keypairs/ck',
                     {'X-Auth-Token': dave, 'X-User-Id': carol_id}).status_code == 404
        assert _nova(sim, 'GET', '/os-keypairs', {'X-Auth-Token': 'bogus'}).status_code == 401
    finally:
        sim.stop()


def test_keypairs_answer_at_the_requested_microversion(sim):
    # Without a microversion Nova answers as 2.1: tempest's keypair client validates
    # those bodies strictly (no ``type``, no database columns on a create).
    alice = {'X-User-Id': 'alice'}
    resp = _nova(sim, 'POST', '/os-keypairs', alice,
                 json={'keypair': {'name': 'k1', 'public_key': 'ssh-ed25519 AAAA alice'}})
    assert resp.status_code == 200, resp.text
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.1'
    assert set(resp.json()['keypair']) == {'name', 'public_key', 'fingerprint', 'user_id'}
    shown = _nova(sim, 'GET', '/os-keypairs/k1', alice).json()['keypair']
    assert set(shown) == {'name', 'public_key', 'fingerprint', 'user_id', 'created_at', 'id',
                          'deleted', 'updated_at', 'deleted_at'}
    assert shown['deleted'] is False and isinstance(shown['id'], int)
    listed = _nova(sim, 'GET', '/os-keypairs', alice).json()['keypairs'][0]['keypair']
    assert set(listed) == {'name', 'public_key', 'fingerprint'}
    assert _nova(sim, 'DELETE', '/os-keypairs/k1', alice).status_code == 202
    # From 2.2 keypairs have a type, and create/delete answer 201/204.
    typed = dict(alice, **{'OpenStack-API-Version': 'compute 2.2'})
    resp = _nova(sim, 'POST', '/os-keypairs', typed, json={'keypair': {'name': 'k2'}})
    assert resp.status_code == 201, resp.text
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.2'
    assert set(resp.json()['keypair']) == {'name', 'public_key', 'fingerprint', 'user_id',
                                           'type', 'private_key'}
    legacy = dict(alice, **{'X-OpenStack-Nova-API-Version': '2.10'})
    assert _nova(sim, 'GET', '/os-keypairs/k2', legacy).json()['keypair']['type'] == 'ssh'
    latest = dict(alice, **{'OpenStack-API-Version': 'volume 3.1, compute latest'})
    resp = _nova(sim, 'GET', '/os-keypairs', latest)
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.90'
    assert resp.json()['keypairs'][0]['keypair']['type'] == 'ssh'
    assert _nova(sim, 'DELETE', '/os-keypairs/k2', typed).status_code == 204
    # A version out of range is a 406, a malformed one a 400, as in Nova.
    too_new = _nova(sim, 'GET', '/os-keypairs', dict(alice, **{
        'OpenStack-API-Version': 'compute 3.0'}))
    assert too_new.status_code == 406 and 'maximum is 2.90' in too_new.text
    bad = _nova(sim, 'GET', '/os-keypairs', dict(alice, **{
        'OpenStack-API-Version': 'compute two'}))
    assert bad.status_code == 400
