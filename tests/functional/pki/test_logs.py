"""No private key reaches the logs, even at DEBUG with HTTP request logging on.

Every test of this package is also checked by the autouse ``log_lines``
fixture (``conftest.py``); this one drives a whole lifecycle on each cert
manager and greps what was logged.
"""
from __future__ import annotations

from magnum_like.common import context as ml_context
from magnum_like.pki import x509
from magnum_like.db import api as db
from magnum_like.pki import certificates
from tests.functional.pki import conftest as helpers


def test_lifecycle_logs_hold_no_private_key(backend, log_lines, simulator):
    ctx = ml_context.make_context(project_id='project-a', user_id='user-a')
    cluster = helpers.make_cluster()
    helpers.ensure(ctx, cluster.uuid)
    row = db.get_cluster_by_uuid(ml_context.get_admin_context(), cluster.uuid)
    ca_pem, client = certificates.get_client_cert(ctx, row)
    assert 'PRIVATE KEY' in client.private_key  # the material exists ...
    certificates.sign(ctx, row, _csr(), 'front_proxy')
    old = helpers.rotate(ctx, cluster.uuid)
    certificates.delete_refs(ctx, old)
    helpers.delete_all(ctx, cluster.uuid)
    if backend == 'barbican':
        # ... HTTP bodies were being logged at DEBUG (so the check below means something) ...
        assert any('REQ: curl' in line for line in log_lines)
        assert helpers.barbican_names(simulator) == []
    # ... and never a key.
    assert not [line for line in log_lines if 'PRIVATE KEY' in line]


def _csr() -> str:
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID
    key = x509.generate_private_key()
    return (cx509.CertificateSigningRequestBuilder()
            .subject_name(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, 'front')]))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())
