"""Cert managers: where cluster certificates and their private keys are kept.

A backend is a :class:`CertManager` registered under the entry-point group
``magnum_like.cert_manager.backend``; ``[certificates] cert_manager_type``
names the one :func:`get_cert_manager` loads (``barbican``, ``x509keypair``,
``local``). A backend stores a certificate with its key and returns a
reference (a string that fits the cluster's 512-character ``*_cert_ref``
columns), gives them back by reference, and deletes them, idempotently.

What is stored is also found again by its *name*: a process can die after it
stored a certificate and before any database row points at it, and the one
that takes over must adopt (or remove) it rather than leave a private key
behind. Names are therefore unique in a store (the caller derives them from
what they belong to, e.g. a cluster's uuid and CA generation), and
:meth:`CertManager.find_certs` and :meth:`CertManager.delete_named` work on
names. A ``group`` names everything stored together, so that the parts of a
certificate a backend stores one by one (Barbican's secrets, before their
container) can be swept up even when the certificate itself never got a name.
"""
from __future__ import annotations

import abc
import dataclasses
import threading
from typing import Any, Sequence
import uuid as uuidlib

from oslo_log import log as logging
from stevedore import driver as stevedore_driver

from magnum_like.common import exception
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

NAMESPACE = 'magnum_like.cert_manager.backend'
#: The namespace of name-derived references (``x509keypair``, ``local``).
NAME_NAMESPACE = uuidlib.UUID('4f0b6c1e-7a52-5d7e-9c36-2b8d1f0e6a41')


def ref_for(name: str) -> str:
    """The uuid reference of the certificate named ``name`` (uuid5 of the name), for
    backends whose references are uuids: a name is then found with one read."""
    return str(uuidlib.uuid5(NAME_NAMESPACE, name))


@dataclasses.dataclass(frozen=True)
class Cert:
    """A stored certificate and its unencrypted private key (PEM).

    The key is left out of ``repr`` so logging a ``Cert`` leaks nothing.
    """

    certificate: str
    private_key: str = dataclasses.field(repr=False)


class CertManager(abc.ABC):
    """What every cert manager backend does."""

    #: The entry-point name, used in log lines and errors.
    name = 'abstract'

    @abc.abstractmethod
    def store_cert(self, context: Any, certificate: str, private_key: str, *, name: str,
                   passphrase: str | None = None, group: str | None = None) -> str:
        """Keep a certificate and its private key under ``name``.

        :param context: the request context (backends act with the service's
            own credentials; the context is for logging and ownership).
        :param certificate: the PEM certificate.
        :param private_key: the PEM key, encrypted with ``passphrase`` if given.
        :param name: unique in the store, e.g. ``magnum-like-ca-<cluster uuid>-0-etcd-ca``;
            a name that already holds a complete certificate must not be stored
            again (find it with :meth:`find_certs` first).
        :param passphrase: the key's passphrase, if it is encrypted.
        :param group: what this certificate is stored with (see :meth:`find_certs`).
        :returns: the reference to keep.
        :raises CertificateStorageError: the store is unreachable or refused.
        """

    @abc.abstractmethod
    def get_cert(self, context: Any, ref: str) -> Cert:
        """The certificate and (decrypted) key kept under ``ref``.

        :raises CertificateNotFound: nothing under ``ref``.
        :raises CertificateStorageError: the store is unreachable.
        """

    def get_certificate(self, context: Any, ref: str) -> str:
        """The PEM certificate kept under ``ref``, without its key.

        For readers of public material only (CA certificates for the nodes and
        for users); backends may answer it more cheaply than :meth:`get_cert`.

        :raises CertificateNotFound: nothing under ``ref``.
        :raises CertificateStorageError: the store is unreachable.
        """
        return self.get_cert(context, ref).certificate

    @abc.abstractmethod
    def delete_cert(self, context: Any, ref: str) -> None:
        """Remove everything kept under ``ref``; a missing ``ref`` is not an error.

        :raises CertificateStorageError: the store is unreachable.
        """


    @abc.abstractmethod
    def find_certs(self, context: Any, names: Sequence[str], *,
                   group: str | None = None) -> dict[str, str]:
        """The complete certificates stored under ``names``, and no half-stored ones.

        What an attempt that died half-way stored under one of ``names`` or
        in ``group`` (a certificate without its key, parts without their
        certificate) is removed, except the parts of the certificates found.
        ``names`` must list every name stored in ``group``.

        :returns: ``{name: ref}`` for the names that hold a complete certificate.
        :raises CertificateStorageError: the store is unreachable.
        """

    @abc.abstractmethod
    def delete_named(self, context: Any, names: Sequence[str], *,
                     group: str | None = None) -> None:
        """Remove everything stored under ``names`` or in ``group``, complete or not.

        Nothing stored is not an error.

        :raises CertificateStorageError: the store is unreachable.
        """


_LOCK = threading.Lock()
_MANAGERS: dict[str, CertManager] = {}


def get_cert_manager(name: str | None = None) -> CertManager:
    """The configured (or named) backend, loaded once per process.

    :param name: an entry-point name; default ``[certificates] cert_manager_type``.
    :raises NotSupported: no such backend.
    """
    name = name or CONF.certificates.cert_manager_type
    with _LOCK:
        if name not in _MANAGERS:
            try:
                manager = stevedore_driver.DriverManager(NAMESPACE, name,
                                                         invoke_on_load=True).driver
            except (RuntimeError, ImportError) as error:
                LOG.error('Cannot load cert manager %s: %s', name, error)
                raise exception.NotSupported(operation='Cert manager %r' % name)
            _MANAGERS[name] = manager
        return _MANAGERS[name]


def reset() -> None:
    """Forget the loaded backends (tests, configuration reloads)."""
    with _LOCK:
        _MANAGERS.clear()
