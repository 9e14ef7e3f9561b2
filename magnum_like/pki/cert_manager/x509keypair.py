"""The ``x509keypair`` cert manager: the service's own database.

The private key is stored as a Fernet token made with
``[certificates] x509keypair_encryption_key``; a key given with a passphrase
is decrypted first, so no row ever holds a key next to its passphrase.
The reference is the row's uuid, derived from the certificate's name
(:func:`cert_manager.ref_for`), so the certificate is found by name with one
primary-key read; a row is written in one statement, so nothing is ever half-stored.
"""
from __future__ import annotations

from typing import Any, Sequence

from oslo_log import log as logging

from magnum_like.common import context as ml_context
from magnum_like.common import crypto
from magnum_like.common import exception
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from magnum_like.pki import cert_manager
from magnum_like.pki import x509

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)
_OPTION = '[certificates] x509keypair_encryption_key'


def _keys() -> list[str]:
    return CONF.certificates.x509keypair_encryption_key


class X509KeyPairCertManager(cert_manager.CertManager):
    """Certificates in the ``x509keypair`` table, keys encrypted at rest.

    :raises EncryptionKeyMissing: (on load) no encryption key is configured.
    """

    name = 'x509keypair'

    def __init__(self) -> None:
        # Refuse at load time rather than at the first cluster create.
        crypto.encrypt('check', _keys(), option=_OPTION)

    def store_cert(self, context: Any, certificate: str, private_key: str, *, name: str,
                   passphrase: str | None = None, group: str | None = None) -> str:
        """One row, uuid :func:`ref_for` ``name`` (a row already there is replaced)."""
        key = x509.decrypt_private_key(private_key, passphrase)
        values = {
            'uuid': cert_manager.ref_for(name),
            'certificate': certificate,
            'private_key': crypto.encrypt(key, _keys(), option=_OPTION),
            'private_key_passphrase': None,
            'project_id': getattr(context, 'project_id', None),
            'user_id': getattr(context, 'user_id', None),
        }
        try:
            row = db.create_x509keypair(values)
        except exception.X509KeyPairAlreadyExists:
            self.delete_cert(context, values['uuid'])
            row = db.create_x509keypair(values)
        LOG.debug('Stored certificate %s as x509keypair %s', name, row.uuid)
        return row.uuid

    def get_cert(self, context: Any, ref: str) -> cert_manager.Cert:
        try:
            row = db.get_x509keypair_by_uuid(ml_context.get_admin_context(), ref)
        except exception.X509KeyPairNotFound:
            raise exception.CertificateNotFound(ref=ref)
        return cert_manager.Cert(row.certificate,
                                 crypto.decrypt(row.private_key, _keys(), option=_OPTION))

    def delete_cert(self, context: Any, ref: str) -> None:
        try:
            db.destroy_x509keypair(ref)
        except exception.X509KeyPairNotFound:
            LOG.debug('x509keypair %s already gone', ref)

    def find_certs(self, context: Any, names: Sequence[str], *,
                   group: str | None = None) -> dict[str, str]:
        admin = ml_context.get_admin_context()
        found = {}
        for name in names:
            try:
                ref = cert_manager.ref_for(name)
                found[name] = db.get_x509keypair_by_uuid(admin, ref).uuid
            except exception.X509KeyPairNotFound:
                pass
        return found

    def delete_named(self, context: Any, names: Sequence[str], *,
                     group: str | None = None) -> None:
        for name in names:
            self.delete_cert(context, cert_manager.ref_for(name))
