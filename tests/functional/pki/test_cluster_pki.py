"""The cluster PKI service (``magnum_like.pki.certificates``) on every cert manager."""
from __future__ import annotations

import os

from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import pytest

from magnum_like.pki import cert_manager
from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.pki import x509
from magnum_like.pki import certificates
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from tests.functional.pki import conftest as helpers

CONF = ml_conf.CONF


def _ctx():
    return ml_context.make_context(project_id='project-a', user_id='user-a')


def _row(uuid):
    return db.get_cluster_by_uuid(ml_context.get_admin_context(), uuid)


def _stored_count(backend, simulator) -> int:
    if backend == 'barbican':
        return len(helpers.barbican_list(simulator, 'containers'))
    if backend == 'x509keypair':
        return len(helpers.x509keypair_rows())
    return len([n for n in os.listdir(CONF.certificates.storage_path) if n.endswith('.crt')])


def _assert_nothing_stored(backend, simulator):
    assert _stored_count(backend, simulator) == 0
    if backend == 'barbican':
        assert helpers.barbican_list(simulator, 'secrets') == []
    if backend == 'local':
        assert os.listdir(CONF.certificates.storage_path) == []


def _csr(cn='node-0'):
    key = ec.generate_private_key(ec.SECP256R1())
    return (cx509.CertificateSigningRequestBuilder()
            .subject_name(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())


def test_lifecycle(backend, simulator):
    cluster = helpers.make_cluster(name='prod')
    refs = helpers.ensure(_ctx(), cluster.uuid)
    assert set(refs) == set(certificates.REF_FIELDS) and all(refs.values())
    assert len(set(refs.values())) == 4
    assert _stored_count(backend, simulator) == 4
    row = _row(cluster.uuid)
    assert {f: getattr(row, f) for f in certificates.REF_FIELDS} == refs

    # Idempotent: nothing new.
    assert helpers.ensure(_ctx(), cluster.uuid) == refs
    assert _stored_count(backend, simulator) == 4

    # Three distinct CAs named after the cluster; the client cert is signed by the k8s one.
    cas = {t: certificates.get_ca(_ctx(), row, t) for t in (None, 'etcd', 'front-proxy')}
    assert len(set(cas.values())) == 3
    for pem in cas.values():
        cert = x509.load_certificate(pem)
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == 'prod'
    ca_pem, client = certificates.get_client_cert(_ctx(), row)
    client_cert = x509.load_certificate(client.certificate)
    client_cert.verify_directly_issued_by(x509.load_certificate(ca_pem))
    assert client_cert.subject.rfc4514_string() == 'O=system:masters,CN=admin'

    params = certificates.heat_parameters(_ctx(), row)
    assert set(params) == {'kube_ca_cert', 'etcd_ca_cert', 'front_proxy_ca_cert'}
    assert params['kube_ca_cert'] == cas[None]
    assert not any('PRIVATE KEY' in v for v in params.values())

    signed = x509.load_certificate(certificates.sign(_ctx(), row, _csr(), 'etcd'))
    signed.verify_directly_issued_by(x509.load_certificate(cas['etcd']))

    helpers.delete_all(_ctx(), cluster.uuid)
    row = _row(cluster.uuid)
    assert all(getattr(row, f) is None for f in certificates.REF_FIELDS)
    _assert_nothing_stored(backend, simulator)
    # Again: nothing to do, no error.
    helpers.delete_all(_ctx(), cluster.uuid)


def test_rotate(backend, simulator):
    cluster = helpers.make_cluster()
    refs = helpers.ensure(_ctx(), cluster.uuid)
    old_ca = certificates.get_ca(_ctx(), _row(cluster.uuid))
    old = helpers.rotate(_ctx(), cluster.uuid,
                         values={'status': 'UPDATE_IN_PROGRESS', 'operation': 'rotate_ca',
                                 'operation_args': {}})
    assert old == refs
    row = _row(cluster.uuid)
    assert row.status == 'UPDATE_IN_PROGRESS' and row.operation == 'rotate_ca'
    assert row.operation_args == {'old_refs': refs}
    new = {f: getattr(row, f) for f in certificates.REF_FIELDS}
    assert not set(new.values()) & set(refs.values())
    assert certificates.get_ca(_ctx(), row) != old_ca
    assert _stored_count(backend, simulator) == 8
    # The conductor deletes the old ones once the nodes have the new CAs.
    certificates.delete_refs(_ctx(), row.operation_args['old_refs'])
    assert _stored_count(backend, simulator) == 4
    certificates.delete_refs(_ctx(), row.operation_args['old_refs'])  # idempotent
    helpers.delete_all(_ctx(), cluster.uuid)
    _assert_nothing_stored(backend, simulator)


def test_partial_refs_are_completed(pki_config, simulator):
    pki_config.set('certificates', 'cert_manager_type', 'x509keypair')
    cert_manager.reset()
    cluster = helpers.make_cluster()
    refs = helpers.ensure(_ctx(), cluster.uuid)
    manager = cert_manager.get_cert_manager()
    old_client = manager.get_cert(_ctx(), refs['magnum_cert_ref'])
    # As if an earlier attempt died after the CAs: only the client cert is made.
    manager.delete_cert(_ctx(), refs['magnum_cert_ref'])
    db.update_cluster(cluster.uuid, {'magnum_cert_ref': None})
    again = helpers.ensure(_ctx(), cluster.uuid)
    assert {f: again[f] for f in certificates.CA_REF_FIELDS.values()} == {
        f: refs[f] for f in certificates.CA_REF_FIELDS.values()}
    # A new client certificate (under the same name-derived reference).
    assert manager.get_cert(_ctx(), again['magnum_cert_ref']) != old_client
    assert len(helpers.x509keypair_rows()) == 4
    helpers.delete_all(_ctx(), cluster.uuid)
    assert helpers.x509keypair_rows() == []


def test_failure_leaves_nothing(pki_config, simulator, monkeypatch):
    pki_config.set('certificates', 'cert_manager_type', 'barbican')
    cert_manager.reset()
    cluster = helpers.make_cluster()
    manager = cert_manager.get_cert_manager()
    real_store = manager.store_cert
    calls = []

    def flaky_store(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise exception.CertificateStorageError(backend='barbican', reason='boom')
        return real_store(*args, **kwargs)

    monkeypatch.setattr(manager, 'store_cert', flaky_store)
    with pytest.raises(exception.CertificateStorageError):
        helpers.ensure(_ctx(), cluster.uuid)
    assert helpers.barbican_list(simulator, 'containers') == []
    assert helpers.barbican_list(simulator, 'secrets') == []
    assert all(getattr(_row(cluster.uuid), f) is None for f in certificates.REF_FIELDS)


def test_unnamed_cluster_ca_uses_uuid(pki_config):
    pki_config.set('certificates', 'cert_manager_type', 'x509keypair')
    cert_manager.reset()
    cluster = helpers.make_cluster(name=None)
    helpers.ensure(_ctx(), cluster.uuid)
    cert = x509.load_certificate(certificates.get_ca(_ctx(), _row(cluster.uuid)))
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == cluster.uuid
    helpers.delete_all(_ctx(), cluster.uuid)


def test_ca_types(pki_config):
    assert certificates.normalize_ca_type(None) == 'kubernetes'
    assert certificates.normalize_ca_type('front-proxy') == 'front_proxy'
    with pytest.raises(exception.InvalidParameterValue):
        certificates.normalize_ca_type('admin')
    cluster = helpers.make_cluster()
    with pytest.raises(exception.CertificateNotFound):
        certificates.get_ca(_ctx(), cluster)


def test_ca_key_only_for_cert_manager_api(pki_config):
    """Label cert_manager_api: the Kubernetes CA's key joins the Heat parameters
    (for the masters to sign CSRs); never otherwise, and never logged (the
    autouse ``log_lines`` fixture checks)."""
    pki_config.set('certificates', 'cert_manager_type', 'x509keypair')
    cert_manager.reset()
    plain = helpers.make_cluster(labels={'cert_manager_api': 'false'})
    signing = helpers.make_cluster(name='k8s-2', labels={'cert_manager_api': 'true'})
    for cluster in (plain, signing):
        helpers.ensure(_ctx(), cluster.uuid)
    assert certificates.CA_KEY_PARAMETER not in certificates.heat_parameters(_ctx(), _row(plain.uuid))
    params = certificates.heat_parameters(_ctx(), _row(signing.uuid))
    key = serialization.load_pem_private_key(params[certificates.CA_KEY_PARAMETER].encode(), None)
    ca = x509.load_certificate(params['kube_ca_cert'])
    assert key.public_key().public_numbers() == ca.public_key().public_numbers()
    for cluster in (plain, signing):
        helpers.delete_all(_ctx(), cluster.uuid)


def test_a_ca_gone_from_the_store_is_named_by_the_cluster(backend, simulator):
    """A cluster deleted while a node still asks for its CA: the 404 names the
    cluster's CA, never the store's reference (a Barbican URL is the service's)."""
    cluster = helpers.make_cluster(name='going')
    refs = helpers.ensure(_ctx(), cluster.uuid)
    ref = refs[certificates.CA_REF_FIELDS['kubernetes']]
    cert_manager.get_cert_manager().delete_cert(_ctx(), ref)
    row = _row(cluster.uuid)
    for call in (lambda: certificates.get_ca(_ctx(), row),
                 lambda: certificates.sign(_ctx(), row, _csr())):
        with pytest.raises(exception.CertificateNotFound) as caught:
            call()
        message = str(caught.value)
        assert 'kubernetes CA of cluster %s' % cluster.uuid in message
        assert ref not in message
    helpers.delete_all(_ctx(), cluster.uuid)
    _assert_nothing_stored(backend, simulator)
