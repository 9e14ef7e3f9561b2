"""No private key reaches the logs, even at DEBUG with HTTP request logging on.

Every test of this package is also checked by the autouse ``log_lines``
fixture (``conftest.py``); this one drives a whole lifecycle on each cert
manager and greps what was logged.
"""
from __future__ import annotations

from magnum_like.common import context as ml_context
from magnum_like.common import x509
from magnum_like.conductor import pki
from tests.functional.pki import conftest as helpers


def test_lifecycle_logs_hold_no_private_key(backend, log_lines, simulator):
    ctx = ml_context.make_context(project_id='project-a', user_id='user-a')
    cluster = helpers.make_cluster()
    pki.ensure_cluster_certificates(ctx, cluster.uuid)
    row = pki._cluster(cluster.uuid)
    ca_pem, client = pki.get_client_cert(ctx, row)
    assert 'PRIVATE KEY' in client.private_key  # the material exists ...
    pki.sign(ctx, row, _csr(), 'front_proxy')
    old = pki.rotate_cluster_ca(ctx, cluster.uuid)
    pki.delete_refs(ctx, old)
    pki.delete_cluster_certificates(ctx, cluster.uuid)
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
