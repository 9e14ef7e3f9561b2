"""The ``barbican`` cert manager: one Barbican certificate container per certificate.

The container holds the secrets ``certificate``, ``private_key`` and, when the
key is encrypted, ``private_key_passphrase``; the reference is the container's
URL. The service always acts with its own ``[keystone_auth]`` credentials (a
user's token may have expired by the time a cluster is deleted), through a
keystoneauth session from :mod:`magnum_like.common.clients`;
``[barbican_client] endpoint_override`` skips the catalog (the simulator in
noauth mode). Deleting a certificate deletes its container and its secrets.

The container is named after the certificate and its secrets after its group
(:meth:`BarbicanCertManager.store_cert`): the secrets are stored before the
container that holds them, so a process that dies in between leaves secrets
no container names; they are found (and removed) by the group's name. Barbican
filters lists by exact name only, which is all this needs.
"""
from __future__ import annotations

import collections
import logging as logging_std
import threading
from typing import Any, Sequence

from barbicanclient import client as barbican_client
from barbicanclient import exceptions as barbican_exc
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from oslo_log import log as logging

from magnum_like.common import clients
from magnum_like.common import exception
from magnum_like import conf as ml_conf
from magnum_like.pki import cert_manager
from magnum_like.pki import x509

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

#: Project sent as ``X-Project-Id`` when there is no Keystone (noauth + simulator).
NOAUTH_PROJECT = 'magnum_like'
_ERRORS = (barbican_exc.HTTPError, barbican_exc.BarbicanException,
           ks_exc.ClientException, LookupError, ValueError)


def _http_logger() -> logging_std.Logger:
    logger = logging_std.getLogger(__name__ + '.http')
    logger.setLevel(logging_std.INFO)
    return logger


def _status(error: Exception) -> int | None:
    return getattr(error, 'status_code', None) or getattr(error, 'http_status', None)


#: Certificates :meth:`BarbicanCertManager.get_certificate` remembers per process.
CERTIFICATE_CACHE_SIZE = 4096
#: Page size of the by-name lists, and how many pages are read at most (a name
#: holds a handful of objects; more than this is not ours to sweep in one go).
LIST_PAGE = 100
LIST_PAGES = 10


class BarbicanCertManager(cert_manager.CertManager):
    """Certificates as Barbican certificate containers."""

    name = 'barbican'

    def __init__(self) -> None:
        self._client = None
        self._lock = threading.Lock()
        #: container ref -> its PEM certificate (see :meth:`get_certificate`).
        self._certificates: collections.OrderedDict[str, str] = collections.OrderedDict()
        self._cache_lock = threading.Lock()

    def _barbican(self) -> Any:
        with self._lock:
            if self._client is None:
                opts = CONF.barbican_client
                # The service's own auth (or none in noauth mode), as clients decides;
                # split_loggers off so the quiet logger below is the only one used.
                session = ks_loading.load_session_from_conf_options(
                    CONF, 'keystone_auth', auth=clients.make_session().auth,
                    split_loggers=False)
                session.verify = False if opts.insecure else (opts.ca_file or True)
                kwargs: dict[str, Any] = {
                    'session': session,
                    # keystoneauth logs request bodies (our keys) at DEBUG on the
                    # logger it is given: give it one that never logs below INFO.
                    'logger': _http_logger(),
                    'interface': opts.endpoint_type.replace('URL', ''),
                    'region_name': opts.region_name,
                }
                if opts.endpoint_override:
                    kwargs['endpoint'] = opts.endpoint_override
                if session.auth is None or type(session.auth).__name__ == 'NoAuth':
                    kwargs['project_id'] = NOAUTH_PROJECT
                    if session.auth is not None:
                        # barbicanclient wants "no auth" to be spelled None.
                        session.auth = None
                try:
                    self._client = barbican_client.Client(version='v1', **kwargs)
                except _ERRORS as error:
                    raise self._storage_error(error)
            return self._client

    def _storage_error(self, error: Exception) -> exception.CertificateStorageError:
        LOG.warning('Barbican request failed: %s', error)
        return exception.CertificateStorageError(backend=self.name, reason=str(error))

    def store_cert(self, context: Any, certificate: str, private_key: str, *, name: str,
                   passphrase: str | None = None, group: str | None = None) -> str:
        """A certificate container named ``name`` over secrets named ``group``
        (or ``name`` when there is no group)."""
        api = self._barbican()
        stored = []
        try:
            secrets = {'certificate': certificate, 'private_key': private_key}
            if passphrase:
                secrets['private_key_passphrase'] = passphrase
            objects = {}
            for kind, payload in secrets.items():
                secret = api.secrets.create(name=group or name, payload=payload)
                secret.store()
                stored.append(secret.secret_ref)
                objects[kind] = secret
            container = api.containers.create_certificate(name=name, **objects)
            ref = container.store()
        except _ERRORS as error:
            for secret_ref in stored:
                self._delete_secret(api, secret_ref)
            raise self._storage_error(error)
        LOG.debug('Stored certificate %s in Barbican container %s', name, ref)
        self._remember(ref, certificate)
        return ref

    def _container(self, api: Any, ref: str) -> Any:
        try:
            container = api.containers.get(ref)
            # Containers load lazily: touch it so a 404 surfaces here.
            container.secret_refs
            return container
        except _ERRORS as error:
            if _status(error) == 404:
                raise exception.CertificateNotFound(ref=ref)
            raise self._storage_error(error)

    def get_cert(self, context: Any, ref: str) -> cert_manager.Cert:
        api = self._barbican()
        refs = self._container(api, ref).secret_refs
        try:
            payloads = {kind: api.secrets.get(secret_ref).payload
                        for kind, secret_ref in refs.items()}
        except _ERRORS as error:
            if _status(error) == 404:
                raise exception.CertificateNotFound(ref=ref)
            raise self._storage_error(error)
        text = {k: v.decode('utf-8') if isinstance(v, bytes) else v for k, v in payloads.items()}
        if 'certificate' not in text or 'private_key' not in text:
            raise exception.CertificateNotFound(ref=ref)
        key = x509.decrypt_private_key(text['private_key'], text.get('private_key_passphrase'))
        return cert_manager.Cert(text['certificate'], key)

    def get_certificate(self, context: Any, ref: str) -> str:
        """The certificate alone: the container and one secret, and remembered.

        A container's content never changes (a rotated CA is a new container),
        so a certificate read once is kept (up to ``CERTIFICATE_CACHE_SIZE``):
        every stack rendering needs the cluster's three CA certificates, and
        reading them from Barbican each time cost several requests each.
        """
        with self._cache_lock:
            cached = self._certificates.get(ref)
            if cached is not None:
                self._certificates.move_to_end(ref)
                return cached
        api = self._barbican()
        secret_ref = self._container(api, ref).secret_refs.get('certificate')
        if secret_ref is None:
            raise exception.CertificateNotFound(ref=ref)
        try:
            payload = api.secrets.get(secret_ref).payload
        except _ERRORS as error:
            if _status(error) == 404:
                raise exception.CertificateNotFound(ref=ref)
            raise self._storage_error(error)
        certificate = payload.decode('utf-8') if isinstance(payload, bytes) else payload
        self._remember(ref, certificate)
        return certificate

    def _remember(self, ref: str, certificate: str) -> None:
        with self._cache_lock:
            self._certificates[ref] = certificate
            while len(self._certificates) > CERTIFICATE_CACHE_SIZE:
                self._certificates.popitem(last=False)

    def _delete_secret(self, api: Any, secret_ref: str) -> None:
        try:
            api.secrets.delete(secret_ref)
        except _ERRORS as error:
            if _status(error) != 404:
                raise self._storage_error(error)

    def delete_cert(self, context: Any, ref: str) -> None:
        with self._cache_lock:
            self._certificates.pop(ref, None)
        api = self._barbican()
        try:
            container = self._container(api, ref)
        except exception.CertificateNotFound:
            LOG.debug('Barbican container %s already gone', ref)
            return
        # Container first: secrets referenced by a container may not be deletable.
        self._delete_container(api, container)

    def _named(self, api: Any, what: str, name: str) -> list[Any]:
        """The containers or secrets (``what``) named ``name``, page by page."""
        lister = getattr(api, what).list
        found: list[Any] = []
        try:
            for page in range(LIST_PAGES):
                items = lister(limit=LIST_PAGE, offset=page * LIST_PAGE, name=name)
                found.extend(items)
                if len(items) < LIST_PAGE:
                    break
        except _ERRORS as error:
            raise self._storage_error(error)
        return found

    def _delete_container(self, api: Any, container: Any) -> None:
        ref = container.container_ref
        with self._cache_lock:
            self._certificates.pop(ref, None)
        try:
            api.containers.delete(ref)
        except _ERRORS as error:
            if _status(error) != 404:
                raise self._storage_error(error)
        for secret_ref in container.secret_refs.values():
            self._delete_secret(api, secret_ref)

    def find_certs(self, context: Any, names: Sequence[str], *,
                   group: str | None = None) -> dict[str, str]:
        """One container list per name and one secret list for the group.

        A container without its certificate or key, a second container of a
        name, and secrets of the group (or, without a group, of each name)
        that no kept container holds are deleted.
        """
        api = self._barbican()
        found: dict[str, str] = {}
        kept: set[str] = set()
        for name in names:
            for container in self._named(api, 'containers', name):
                refs = container.secret_refs
                if name in found or not {'certificate', 'private_key'} <= set(refs):
                    LOG.info('Removing Barbican container %s (%s): left by an '
                             'unfinished attempt', container.container_ref, name)
                    self._delete_container(api, container)
                    continue
                found[name] = container.container_ref
                kept.update(refs.values())
        for secret_name in [group] if group else names:
            for secret in self._named(api, 'secrets', secret_name):
                if secret.secret_ref not in kept:
                    LOG.info('Removing Barbican secret %s (%s): no container holds it',
                             secret.secret_ref, secret_name)
                    self._delete_secret(api, secret.secret_ref)
        return found

    def delete_named(self, context: Any, names: Sequence[str], *,
                     group: str | None = None) -> None:
        api = self._barbican()
        for name in names:
            for container in self._named(api, 'containers', name):
                self._delete_container(api, container)
        for secret_name in [group] if group else names:
            for secret in self._named(api, 'secrets', secret_name):
                self._delete_secret(api, secret.secret_ref)
