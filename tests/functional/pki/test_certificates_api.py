"""``/v1/certificates`` and ``/v1/credentials`` over HTTP (the real app, in-process).

Clusters are inserted directly in the database; certificates live in the
simulator's Barbican (the default cert manager). Identities (noauth headers):
``MEMBER`` owns the clusters (project-a/user-a), ``READER`` is a reader of the
same project, ``OTHER_MEMBER`` is in another project, ``ADMIN`` is admin.
"""
from __future__ import annotations

import os
import subprocess
import tempfile

from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
import pytest

from magnum_like.pki import cert_manager
from magnum_like.common import context as ml_context
from magnum_like.common import crypto
from magnum_like.conductor import api as conductor_api
from magnum_like.pki import certificates
from magnum_like.db import api as db
from tests.fixtures import api as api_fixture
from tests.fixtures import database
from tests.functional.pki import conftest as helpers

CERTS = '/v1/certificates'
SAME_PROJECT_OTHER_USER = ('project-a', 'user-a2', 'member,reader')
OWNER_READER = ('project-a', 'reader-a', 'reader')
#: Every response body seen in this module; none may hold a private key.
BODIES: list[str] = []


@pytest.fixture(scope='module')
def api_server(simulator):
    url = database.provision_database('sqlite')
    database.use_database(url)
    server = api_fixture.ApiServer(url, overrides={
        ('barbican_client', 'endpoint_override'): simulator.url + '/key-manager',
        ('certificates', 'cert_manager_type'): 'barbican',
        ('certificates', 'x509keypair_encryption_key'): [crypto.generate_key()],
    })
    cert_manager.reset()
    server.start()
    yield server
    server.stop()
    cert_manager.reset()
    database.reset_database_config()
    database.drop_database(url)
    assert not [b for b in BODIES if 'PRIVATE KEY' in b]


@pytest.fixture
def casts(monkeypatch):
    calls = []
    monkeypatch.setattr(conductor_api.ConductorAPI, '__init__', lambda self, **kw: None)
    monkeypatch.setattr(conductor_api.ConductorAPI, 'process_cluster',
                        lambda self, ctx, uuid: calls.append(uuid))
    return calls


class Client:
    """An API client that records every body it receives."""

    def __init__(self, server, identity, version='latest'):
        self._client = server.client(identity, version=version)

    def __getattr__(self, name):
        method = getattr(self._client, name)

        def call(*args, **kwargs):
            resp = method(*args, **kwargs)
            BODIES.append(resp.text)
            return resp
        return call


@pytest.fixture
def client(api_server):
    return lambda identity=api_fixture.MEMBER, **kw: Client(api_server, identity, **kw)


@pytest.fixture
def cluster(api_server):
    row = helpers.make_cluster(name='web-%s' % os.urandom(3).hex())
    helpers.ensure(ml_context.get_admin_context(), row.uuid)
    yield db.get_cluster_by_uuid(ml_context.get_admin_context(), row.uuid)
    helpers.delete_all(ml_context.get_admin_context(), row.uuid)


def _csr(cn='admin', org='system:masters'):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (cx509.CertificateSigningRequestBuilder()
           .subject_name(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, cn),
                                     cx509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]))
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def _status(resp, expected):
    assert resp.status_code == expected, (resp.status_code, resp.text)
    if expected >= 400:
        api_fixture.error_title(resp)
    return resp


# -- GET -----------------------------------------------------------------------------

def test_owner_gets_each_ca(client, cluster):
    owner = client()
    body = _status(owner.get('%s/%s' % (CERTS, cluster.uuid)), 200).json()
    assert set(body) == {'cluster_uuid', 'pem', 'links'}
    assert body['cluster_uuid'] == cluster.uuid
    assert body['pem'] == certificates.get_ca(ml_context.get_admin_context(), cluster)
    assert body['links'][0]['href'].endswith('/v1/certificates/' + cluster.uuid)
    pems = {body['pem']}
    for ca_type in ('kubernetes', 'etcd', 'front_proxy', 'front-proxy'):
        resp = _status(owner.get('%s/%s?ca_cert_type=%s' % (CERTS, cluster.name, ca_type)), 200)
        pems.add(resp.json()['pem'])
    assert len(pems) == 3
    _status(owner.get('%s/%s?ca_cert_type=admin' % (CERTS, cluster.uuid)), 400)


def test_get_policy(client, cluster):
    path = '%s/%s' % (CERTS, cluster.uuid)
    _status(client(api_fixture.OTHER_MEMBER).get(path), 404)
    _status(client(SAME_PROJECT_OTHER_USER).get(path), 403)
    _status(client(api_fixture.READER).get(path), 403)
    _status(client(api_fixture.ADMIN).get(path), 200)
    _status(client().get('%s/%s' % (CERTS, 'no-such-cluster')), 404)


# -- POST ----------------------------------------------------------------------------

def test_owner_signs_and_openssl_verifies(client, cluster):
    csr = _csr()
    resp = _status(client().post(CERTS, {'cluster_uuid': cluster.name, 'csr': csr}), 201)
    body = resp.json()
    assert set(body) == {'cluster_uuid', 'csr', 'pem', 'links'}
    assert body['cluster_uuid'] == cluster.uuid and body['csr'] == csr
    ca = client().get('%s/%s' % (CERTS, cluster.uuid)).json()['pem']
    with tempfile.TemporaryDirectory() as tmp:
        ca_path, cert_path = os.path.join(tmp, 'ca.pem'), os.path.join(tmp, 'cert.pem')
        with open(ca_path, 'w') as handle:
            handle.write(ca)
        with open(cert_path, 'w') as handle:
            handle.write(body['pem'])
        result = subprocess.run(['openssl', 'verify', '-purpose', 'sslclient', '-CAfile',
                                 ca_path, cert_path], capture_output=True, text=True,
                                check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    cert = cx509.load_pem_x509_certificate(body['pem'].encode())
    assert cert.subject.rfc4514_string() == 'O=system:masters,CN=admin'


def test_sign_with_etcd_ca(client, cluster):
    body = _status(client().post(CERTS, {'cluster_uuid': cluster.uuid, 'csr': _csr('etcd'),
                                         'ca_cert_type': 'etcd'}), 201).json()
    etcd_ca = client().get('%s/%s?ca_cert_type=etcd' % (CERTS, cluster.uuid)).json()['pem']
    cx509.load_pem_x509_certificate(body['pem'].encode()).verify_directly_issued_by(
        cx509.load_pem_x509_certificate(etcd_ca.encode()))


def test_sign_policy_and_errors(client, cluster, api_server):
    body = {'cluster_uuid': cluster.uuid, 'csr': _csr()}
    _status(client(api_fixture.OTHER_MEMBER).post(CERTS, body), 400)  # not visible
    _status(client(SAME_PROJECT_OTHER_USER).post(CERTS, body), 403)
    _status(client(api_fixture.READER).post(CERTS, body), 403)
    _status(client(api_fixture.ADMIN).post(CERTS, body), 201)
    _status(client().post(CERTS, {'cluster_uuid': 'no-such', 'csr': _csr()}), 400)
    _status(client().post(CERTS, {'cluster_uuid': cluster.uuid, 'csr': 'garbage'}), 400)
    _status(client().post(CERTS, {'cluster_uuid': cluster.uuid}), 400)
    _status(client().post(CERTS, dict(body, ca_cert_type='nope')), 400)


def test_reader_owner_can_read_but_not_sign(client, api_server):
    row = helpers.make_cluster(user_id='reader-a')
    helpers.ensure(ml_context.get_admin_context(), row.uuid)
    reader = client(OWNER_READER)
    _status(reader.get('%s/%s' % (CERTS, row.uuid)), 200)
    _status(reader.post(CERTS, {'cluster_uuid': row.uuid, 'csr': _csr()}), 403)
    helpers.delete_all(ml_context.get_admin_context(), row.uuid)


# -- PATCH (CA rotation) ---------------------------------------------------------------

def test_rotate_ca(client, cluster, casts, simulator):
    old_ca = client().get('%s/%s' % (CERTS, cluster.uuid)).json()['pem']
    resp = _status(client().patch('%s/%s' % (CERTS, cluster.name)), 202)
    assert resp.json() == {'uuid': cluster.uuid}
    assert casts == [cluster.uuid]
    row = db.get_cluster_by_uuid(ml_context.get_admin_context(), cluster.uuid)
    assert row.status == 'UPDATE_IN_PROGRESS' and row.operation == 'rotate_ca'
    old_refs = row.operation_args['old_refs']
    assert old_refs == {f: getattr(cluster, f) for f in certificates.REF_FIELDS}
    new_ca = client().get('%s/%s' % (CERTS, cluster.uuid)).json()['pem']
    assert new_ca != old_ca
    # Busy now: 409 naming the status.
    resp = _status(client().patch('%s/%s' % (CERTS, cluster.uuid)), 409)
    assert 'UPDATE_IN_PROGRESS' in resp.text
    # What the conductor does when the stack update completes.
    certificates.delete_refs(ml_context.get_admin_context(), old_refs)
    names = helpers.barbican_names(simulator)
    # 4 containers + 8 secrets, all of generation 1
    assert sum(n.startswith('magnum-like-ca-%s-1' % cluster.uuid) for n in names) == 4 * 3


def test_rotate_ca_refusals(client, cluster, casts):
    path = '%s/%s' % (CERTS, cluster.uuid)
    _status(client(api_fixture.OTHER_MEMBER).patch(path), 404)
    _status(client(api_fixture.READER).patch(path), 403)
    db.update_cluster(cluster.uuid, {'status': 'CREATE_IN_PROGRESS'})
    assert 'CREATE_IN_PROGRESS' in _status(client().patch(path), 409).text
    tls_off = helpers.make_cluster(tls_disabled=True)
    _status(client().patch('%s/%s' % (CERTS, tls_off.uuid)), 400)
    assert casts == []


# -- /v1/credentials -----------------------------------------------------------------------

def test_rotate_credential(client, cluster, casts):
    path = '/v1/credentials/%s' % cluster.uuid
    _status(client(version='1.11').patch(path), 406)
    _status(client(api_fixture.READER).patch(path), 403)
    _status(client(api_fixture.OTHER_MEMBER).patch(path), 404)
    assert _status(client().patch(path), 202).json() == {'uuid': cluster.uuid}
    row = db.get_cluster_by_uuid(ml_context.get_admin_context(), cluster.uuid)
    assert (row.status, row.operation) == ('UPDATE_IN_PROGRESS', 'rotate_credential')
    # While that rotation is in progress the cluster is busy: 409, nothing written.
    busy = _status(client().patch(path), 409)
    assert 'busy' in busy.json()['errors'][0]['title']
    # Once it ends (even failed), another rotation may start; not from CREATE_FAILED.
    db.update_cluster(cluster.uuid, {'status': 'UPDATE_FAILED', 'operation': None})
    _status(client().patch(path), 202)
    db.update_cluster(cluster.uuid, {'status': 'CREATE_FAILED', 'operation': None})
    _status(client().patch(path), 409)
    assert casts == [cluster.uuid] * 2


def test_no_private_key_in_any_response():
    assert BODIES, 'the tests above made requests'
    assert not [b for b in BODIES if 'PRIVATE KEY' in b]
