"""Symmetric encryption of secrets the service keeps in its database.

Private keys (``x509keypair`` cert manager) and trustee passwords are stored as
Fernet tokens made with a key from the configuration, never next to what would
decrypt them. A key option holds a list: the first key encrypts, every key
decrypts, so an operator rotates by putting a new key first.
"""
from __future__ import annotations

from collections.abc import Sequence

from cryptography import fernet

from magnum_like.common import exception


def _fernet(keys: Sequence[str], option: str) -> fernet.MultiFernet:
    keys = [k.strip() for k in keys or () if k and k.strip()]
    if not keys:
        raise exception.EncryptionKeyMissing(option=option)
    try:
        return fernet.MultiFernet([fernet.Fernet(k.encode('ascii')) for k in keys])
    except (ValueError, UnicodeError):
        # Never echo the key itself.
        raise exception.EncryptionKeyMissing(
            'A key in %s is not a Fernet key (urlsafe base64 of 32 bytes).' % option)


def encrypt(plaintext: str, keys: Sequence[str], *, option: str) -> str:
    """Encrypt ``plaintext`` with the first of ``keys``.

    :param plaintext: the secret.
    :param keys: Fernet keys from the configuration.
    :param option: the option the keys come from, named in errors.
    :returns: a Fernet token (ASCII).
    :raises EncryptionKeyMissing: no usable key.
    """
    return _fernet(keys, option).encrypt(plaintext.encode('utf-8')).decode('ascii')


def decrypt(token: str, keys: Sequence[str], *, option: str) -> str:
    """Decrypt a token made by :func:`encrypt` with any of ``keys``.

    :raises EncryptionKeyMissing: no usable key.
    :raises DecryptionFailed: no key opens the token (or it was altered).
    """
    try:
        return _fernet(keys, option).decrypt(token.encode('ascii')).decode('utf-8')
    except (fernet.InvalidToken, UnicodeError):
        raise exception.DecryptionFailed()


def generate_key() -> str:
    """A new random Fernet key, for configuration or tests."""
    return fernet.Fernet.generate_key().decode('ascii')
