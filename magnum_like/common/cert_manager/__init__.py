"""Cert managers: where cluster certificates and their private keys are kept.

A backend is a :class:`CertManager` registered under the entry-point group
``magnum_like.cert_manager.backend``; ``[certificates] cert_manager_type``
names the one :func:`get_cert_manager` loads (``barbican``, ``x509keypair``,
``local``). A backend stores a certificate with its key and returns a
reference (a string that fits the cluster's 512-character ``*_cert_ref``
columns), gives them back by reference, and deletes them, idempotently.
"""
from __future__ import annotations

import abc
import dataclasses
import threading
from typing import Any

from oslo_log import log as logging
from stevedore import driver as stevedore_driver

from magnum_like.common import exception
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

NAMESPACE = 'magnum_like.cert_manager.backend'


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
                   passphrase: str | None = None) -> str:
        """Keep a certificate and its private key.

        :param context: the request context (backends act with the service's
            own credentials; the context is for logging and ownership).
        :param certificate: the PEM certificate.
        :param private_key: the PEM key, encrypted with ``passphrase`` if given.
        :param name: a label, e.g. ``<cluster uuid>-ca``.
        :param passphrase: the key's passphrase, if it is encrypted.
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
