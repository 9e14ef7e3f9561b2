"""Trustee passwords: made at random, stored only as Fernet tokens.

The key is ``[trust] trustee_password_encryption_key``, else ``[certificates]
x509keypair_encryption_key`` (:mod:`magnum_like.common.crypto`). Used for the
cluster's ``trustee_password`` (:mod:`.trust`) and the spare users' rows
(:mod:`.spares`).
"""
from __future__ import annotations

import secrets

from magnum_like.common import crypto
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF

#: The option named when no key is configured.
OPTION = '[trust] trustee_password_encryption_key'


def keys() -> list[str]:
    """The configured keys (first encrypts, all decrypt)."""
    return (CONF.trust.trustee_password_encryption_key
            or CONF.certificates.x509keypair_encryption_key)


def new() -> str:
    """A fresh random password."""
    return secrets.token_urlsafe(24)


def encrypt(password: str) -> str:
    """The stored form of a trustee password. :raises EncryptionKeyMissing:"""
    return crypto.encrypt(password, keys(), option=OPTION)


def decrypt(stored: str) -> str:
    """A trustee password from its stored form. :raises DecryptionFailed:"""
    return crypto.decrypt(stored, keys(), option=OPTION)
