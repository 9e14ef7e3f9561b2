"""The ``local`` cert manager: files under ``[certificates] storage_path``.

For a single-host development setup only: the files are readable by whoever
can read the directory, and a second host does not see them. Each reference
is a uuid derived from the certificate's name (as ``x509keypair`` does);
``<uuid>.pass`` (when given), ``<uuid>.key`` and last ``<uuid>.crt`` are
written with mode 0600, each to a temporary file renamed into place, so a
certificate is complete exactly when its ``.crt`` is there.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Sequence

from oslo_log import log as logging
from oslo_utils import uuidutils

from magnum_like.common import exception
from magnum_like import conf as ml_conf
from magnum_like.pki import cert_manager
from magnum_like.pki import x509

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)
_SUFFIXES = ('.crt', '.key', '.pass')
_TMP = '.tmp'
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
        # One writer per name (the caller holds what the name belongs to), so a
        # fixed temporary name is enough, and delete_cert can find it.
        fd = os.open(path + _TMP, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as handle:
            handle.write(text)
        os.replace(path + _TMP, path)

    def store_cert(self, context: Any, certificate: str, private_key: str, *, name: str,
                   passphrase: str | None = None, group: str | None = None) -> str:
        ref = cert_manager.ref_for(name)
        try:
            os.makedirs(CONF.certificates.storage_path, mode=0o700, exist_ok=True)
            self.delete_cert(context, ref)
            if passphrase:
                self._write(self._path(ref, '.pass'), passphrase)
            self._write(self._path(ref, '.key'), private_key)
            self._write(self._path(ref, '.crt'), certificate)
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

    def find_certs(self, context: Any, names: Sequence[str], *,
                   group: str | None = None) -> dict[str, str]:
        found = {}
        for name in names:
            ref = cert_manager.ref_for(name)
            if os.path.exists(self._path(ref, '.crt')) and os.path.exists(self._path(ref, '.key')):
                found[name] = ref
            else:
                self.delete_cert(context, ref)  # whatever a dead attempt half-wrote
        return found

    def delete_named(self, context: Any, names: Sequence[str], *,
                     group: str | None = None) -> None:
        for name in names:
            self.delete_cert(context, cert_manager.ref_for(name))

    def delete_cert(self, context: Any, ref: str) -> None:
        # The .crt first: without it the rest is no certificate any more.
        for suffix in _SUFFIXES + tuple(s + _TMP for s in _SUFFIXES):
            try:
                os.unlink(self._path(ref, suffix))
            except FileNotFoundError:
                pass
            except exception.CertificateNotFound:
                return
            except OSError as error:
                raise exception.CertificateStorageError(backend=self.name, reason=str(error))
