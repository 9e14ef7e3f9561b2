"""The ``local`` cert manager: files under ``[certificates] storage_path``.

For a single-host development setup only: the files are readable by whoever
can read the directory, and a second host does not see them. Each reference
is a uuid; ``<uuid>.crt``, ``<uuid>.key`` and (when given) ``<uuid>.pass`` are
written with mode 0600.
"""
from __future__ import annotations

import os
import threading
from typing import Any

from oslo_log import log as logging
from oslo_utils import uuidutils

from magnum_like.common import cert_manager
from magnum_like.common import exception
from magnum_like.common import x509
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)
_SUFFIXES = ('.crt', '.key', '.pass')
_warned = threading.Event()


class LocalCertManager(cert_manager.CertManager):
    """Certificates as files on this host."""

    name = 'local'

    def __init__(self) -> None:
        if not _warned.is_set():
            _warned.set()
            LOG.warning('The local cert manager keeps cluster keys in files under %s; '
                        'it is not for production (use barbican or x509keypair).',
                        CONF.certificates.storage_path)

    @staticmethod
    def _path(ref: str, suffix: str) -> str:
        if not uuidutils.is_uuid_like(ref):
            raise exception.CertificateNotFound(ref=ref)
        return os.path.join(CONF.certificates.storage_path, ref + suffix)

    @staticmethod
    def _write(path: str, text: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as handle:
            handle.write(text)

    def store_cert(self, context: Any, certificate: str, private_key: str, *, name: str,
                   passphrase: str | None = None) -> str:
        ref = uuidutils.generate_uuid()
        try:
            os.makedirs(CONF.certificates.storage_path, mode=0o700, exist_ok=True)
            self._write(self._path(ref, '.crt'), certificate)
            self._write(self._path(ref, '.key'), private_key)
            if passphrase:
                self._write(self._path(ref, '.pass'), passphrase)
        except OSError as error:
            self.delete_cert(context, ref)
            raise exception.CertificateStorageError(backend=self.name, reason=str(error))
        LOG.debug('Stored certificate %s as %s', name, ref)
        return ref

    def get_cert(self, context: Any, ref: str) -> cert_manager.Cert:
        try:
            with open(self._path(ref, '.crt')) as handle:
                certificate = handle.read()
            with open(self._path(ref, '.key')) as handle:
                key = handle.read()
            passphrase = None
            if os.path.exists(self._path(ref, '.pass')):
                with open(self._path(ref, '.pass')) as handle:
                    passphrase = handle.read()
        except FileNotFoundError:
            raise exception.CertificateNotFound(ref=ref)
        except OSError as error:
            raise exception.CertificateStorageError(backend=self.name, reason=str(error))
        return cert_manager.Cert(certificate, x509.decrypt_private_key(key, passphrase))

    def delete_cert(self, context: Any, ref: str) -> None:
        for suffix in _SUFFIXES:
            try:
                os.unlink(self._path(ref, suffix))
            except FileNotFoundError:
                pass
            except exception.CertificateNotFound:
                return
            except OSError as error:
                raise exception.CertificateStorageError(backend=self.name, reason=str(error))
