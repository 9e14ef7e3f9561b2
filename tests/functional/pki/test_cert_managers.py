"""Each cert manager stores, returns and deletes a certificate and its key.

``barbican`` talks to the simulator's Barbican over HTTP, ``x509keypair`` to a
migrated SQLite database, ``local`` to a temp directory.
"""
from __future__ import annotations

import os
import stat

from cryptography.hazmat.primitives import serialization
import pytest

from magnum_like.pki import cert_manager
from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.pki import x509
from magnum_like import conf as ml_conf
from tests.functional.pki import conftest as pki

CONF = ml_conf.CONF


@pytest.fixture(scope='module')
def pair():
    return x509.generate_ca('store-me')


def _ctx():
    return ml_context.make_context(project_id='project-a', user_id='user-a')


def test_store_get_delete(backend, pair, simulator):
    manager = cert_manager.get_cert_manager()
    assert manager.name == backend
    ref = manager.store_cert(_ctx(), pair.certificate, pair.private_key, name='c1-ca')
    assert ref and len(ref) <= 512
    got = manager.get_cert(_ctx(), ref)
    assert got == cert_manager.Cert(pair.certificate, pair.private_key)
    assert 'PRIVATE KEY' not in repr(got)
    manager.delete_cert(_ctx(), ref)
    with pytest.raises(exception.CertificateNotFound):
        manager.get_cert(_ctx(), ref)
    # Idempotent.
    manager.delete_cert(_ctx(), ref)
    _assert_empty(backend, simulator)


def test_passphrase(backend, simulator):
    key = x509.generate_private_key()
    encrypted = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b'pass-phrase')).decode()
    manager = cert_manager.get_cert_manager()
    ref = manager.store_cert(_ctx(), 'CERT', encrypted, name='c2', passphrase='pass-phrase')
    got = manager.get_cert(_ctx(), ref)
    assert 'ENCRYPTED' not in got.private_key
    assert x509.load_private_key(got.private_key).private_numbers() == key.private_numbers()
    manager.delete_cert(_ctx(), ref)
    _assert_empty(backend, simulator)


def _assert_empty(backend, simulator):
    if backend == 'barbican':
        assert pki.barbican_list(simulator, 'secrets') == []
        assert pki.barbican_list(simulator, 'containers') == []
    elif backend == 'x509keypair':
        assert pki.x509keypair_rows() == []
    else:
        assert os.listdir(CONF.certificates.storage_path) == []


def test_barbican_container_layout(pki_config, pair, simulator):
    pki_config.set('certificates', 'cert_manager_type', 'barbican')
    cert_manager.reset()
    manager = cert_manager.get_cert_manager()
    ref = manager.store_cert(_ctx(), pair.certificate, pair.private_key, name='c3-ca')
    assert ref.startswith(simulator.url + '/key-manager/v1/containers/')
    containers = pki.barbican_list(simulator, 'containers')
    assert [c['type'] for c in containers] == ['certificate']
    assert sorted(s['name'] for s in containers[0]['secret_refs']) == ['certificate',
                                                                       'private_key']
    assert len(pki.barbican_list(simulator, 'secrets')) == 2
    manager.delete_cert(_ctx(), ref)
    assert pki.barbican_list(simulator, 'secrets') == []


def test_barbican_unreachable(pki_config):
    pki_config.set('certificates', 'cert_manager_type', 'barbican')
    pki_config.set('barbican_client', 'endpoint_override', 'http://127.0.0.1:9/key-manager')
    cert_manager.reset()
    with pytest.raises(exception.CertificateStorageError) as info:
        cert_manager.get_cert_manager().store_cert(_ctx(), 'C', 'K', name='x')
    assert info.value.code == 503


def test_x509keypair_encrypts_at_rest(pki_config, pair):
    pki_config.set('certificates', 'cert_manager_type', 'x509keypair')
    cert_manager.reset()
    manager = cert_manager.get_cert_manager()
    ref = manager.store_cert(_ctx(), pair.certificate, pair.private_key, name='c4')
    [row] = pki.x509keypair_rows()
    assert row['uuid'] == ref
    assert 'PRIVATE KEY' not in row['private_key']
    assert row['private_key_passphrase'] is None
    # A different key cannot read it.
    from magnum_like.common import crypto
    pki_config.set('certificates', 'x509keypair_encryption_key', [crypto.generate_key()])
    with pytest.raises(exception.DecryptionFailed):
        manager.get_cert(_ctx(), ref)
    manager.delete_cert(_ctx(), ref)


def test_x509keypair_needs_a_key(pki_config):
    pki_config.set('certificates', 'cert_manager_type', 'x509keypair')
    pki_config.set('certificates', 'x509keypair_encryption_key', [])
    cert_manager.reset()
    with pytest.raises(exception.EncryptionKeyMissing):
        cert_manager.get_cert_manager()


def test_local_file_modes_and_warning(pki_config, pair, log_lines):
    from magnum_like.pki.cert_manager import local
    local._warned.clear()
    pki_config.set('certificates', 'cert_manager_type', 'local')
    cert_manager.reset()
    manager = cert_manager.get_cert_manager()
    cert_manager.reset()
    cert_manager.get_cert_manager()
    assert sum('not for production' in line for line in log_lines) == 1
    ref = manager.store_cert(_ctx(), pair.certificate, pair.private_key, name='c5')
    for name in os.listdir(CONF.certificates.storage_path):
        mode = os.stat(os.path.join(CONF.certificates.storage_path, name)).st_mode
        assert stat.S_IMODE(mode) == 0o600
    manager.delete_cert(_ctx(), ref)
    with pytest.raises(exception.CertificateNotFound):
        manager.get_cert(_ctx(), '../../etc/passwd')


def test_unknown_backend(pki_config):
    with pytest.raises(exception.NotSupported):
        cert_manager.get_cert_manager('nope')


def test_barbican_certificate_alone_is_remembered(pki_config, pair, simulator):
    """``get_certificate`` never needs the key: a certificate this process stored or
    read once is answered without Barbican; a deleted one is forgotten."""
    pki_config.set('certificates', 'cert_manager_type', 'barbican')
    cert_manager.reset()
    manager = cert_manager.get_cert_manager()
    ref = manager.store_cert(_ctx(), pair.certificate, pair.private_key, name='c4-ca')
    before = sum(simulator.request_counts().values())
    assert manager.get_certificate(_ctx(), ref) == pair.certificate
    assert sum(simulator.request_counts().values()) == before

    # Another process (a fresh manager) asks Barbican once, then remembers.
    cert_manager.reset()
    fresh = cert_manager.get_cert_manager()
    before = sum(simulator.request_counts().values())
    assert fresh.get_certificate(_ctx(), ref) == pair.certificate
    asked = sum(simulator.request_counts().values()) - before
    assert asked > 0
    assert fresh.get_certificate(_ctx(), ref) == pair.certificate
    assert sum(simulator.request_counts().values()) - before == asked

    fresh.delete_cert(_ctx(), ref)
    with pytest.raises(exception.CertificateNotFound):
        fresh.get_certificate(_ctx(), ref)
    assert pki.barbican_list(simulator, 'secrets') == []
