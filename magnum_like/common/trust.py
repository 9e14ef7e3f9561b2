"""Per-cluster trustee users and trusts in Keystone (spec §7).

Each cluster gets a user ``<cluster uuid>_<project id>`` in the trustee domain
(``[trust] trustee_domain_*``), created by the trustee-domain admin, and a trust
from the cluster's owner to that user: the roles ``[trust] roles`` (or, when
empty, the owner's roles in the project), impersonation on, redelegation off,
no expiry. The nodes and the conductor use it to act for the owner after the
owner's token has expired.

The trustee password is random and kept on the cluster row only as a Fernet
token (:mod:`magnum_like.common.crypto`, key ``[trust]
trustee_password_encryption_key``, else ``[certificates]
x509keypair_encryption_key``); it never appears in a log line or an API answer.

In noauth mode (``[api] auth_strategy = noauth`` and no ``[keystone_auth]``
credentials) there is no Keystone: trusts are skipped, with one log line.
"""
from __future__ import annotations

import secrets
import threading
from typing import Any

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client
from oslo_log import log as logging

from magnum_like.common import context as ml_context
from magnum_like.common import crypto
from magnum_like.common import exception
from magnum_like import conf as ml_conf
from magnum_like.db import api as db

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

_PASSWORD_OPTION = '[trust] trustee_password_encryption_key'
_TRUST_FIELDS = ('trust_id', 'trustee_username', 'trustee_user_id', 'trustee_password')
_noauth_logged = threading.Event()


# -- configuration -------------------------------------------------------------

def trusts_enabled() -> bool:
    """Whether there is a Keystone to make trusts in (false in noauth without credentials)."""
    if CONF.api.auth_strategy == 'noauth' and not CONF.keystone_auth.auth_type:
        if not _noauth_logged.is_set():
            _noauth_logged.set()
            LOG.info('noauth mode without [keystone_auth] credentials: clusters get no '
                     'trustee user and no trust.')
        return False
    return True


def _password_keys() -> list[str]:
    return (CONF.trust.trustee_password_encryption_key
            or CONF.certificates.x509keypair_encryption_key)


def encrypt_password(password: str) -> str:
    """The stored form of a trustee password. :raises EncryptionKeyMissing:"""
    return crypto.encrypt(password, _password_keys(), option=_PASSWORD_OPTION)


def decrypt_password(stored: str) -> str:
    """A trustee password from its stored form. :raises DecryptionFailed:"""
    return crypto.decrypt(stored, _password_keys(), option=_PASSWORD_OPTION)


def _service_auth() -> Any:
    return ks_loading.load_auth_from_conf_options(CONF, 'keystone_auth')


def _session(auth: Any) -> ks_session.Session:
    return ks_loading.load_session_from_conf_options(CONF, 'keystone_auth', auth=auth)


def auth_url() -> str:
    """Keystone's URL, from the service's own ``[keystone_auth]`` plugin."""
    url = getattr(_service_auth(), 'auth_url', None)
    if not url:
        raise exception.TrusteeOrTrustToClusterFailed(
            cluster='-', reason='[keystone_auth] has no auth_url.')
    return url


def _domain_admin_client() -> Any:
    opts = CONF.trust
    kwargs: dict[str, Any] = {'auth_url': auth_url(),
                              'password': opts.trustee_domain_admin_password}
    if opts.trustee_domain_admin_id:
        kwargs['user_id'] = opts.trustee_domain_admin_id
    else:
        kwargs['username'] = opts.trustee_domain_admin_name
        if opts.trustee_domain_admin_domain_id or opts.trustee_domain_admin_domain_name:
            kwargs['user_domain_id'] = opts.trustee_domain_admin_domain_id
            kwargs['user_domain_name'] = opts.trustee_domain_admin_domain_name
        else:
            kwargs['user_domain_id'] = opts.trustee_domain_id
            kwargs['user_domain_name'] = opts.trustee_domain_name
    kwargs['domain_id'] = opts.trustee_domain_id
    kwargs['domain_name'] = None if opts.trustee_domain_id else opts.trustee_domain_name
    return ks_client.Client(session=_session(v3.Password(**kwargs)))


def _owner_client(context: Any, project_id: str) -> Any:
    """A client acting as the cluster's owner (the caller's token, rescoped to the project)."""
    token = getattr(context, 'auth_token', None)
    if not token:
        raise exception.TrusteeOrTrustToClusterFailed(
            cluster='-', reason="the owner's token is needed to create a trust.")
    auth = v3.Token(auth_url=auth_url(), token=token, project_id=project_id)
    return ks_client.Client(session=_session(auth))


def _service_client() -> Any:
    return ks_client.Client(session=_session(_service_auth()))


def _failed(cluster_uuid: str, error: Exception) -> exception.TrusteeOrTrustToClusterFailed:
    return exception.TrusteeOrTrustToClusterFailed(cluster=cluster_uuid, reason=str(error))


# -- trustee user and trust -------------------------------------------------------

def trustee_username(cluster: Any) -> str:
    """The trustee user's name: ``<cluster uuid>_<project id>``."""
    return '%s_%s' % (cluster.uuid, cluster.project_id)


def _new_password() -> str:
    return secrets.token_urlsafe(24)


def _domain_id(client: Any) -> str:
    return CONF.trust.trustee_domain_id or client.session.auth.get_access(client.session).domain_id


def _create_trustee(client: Any, cluster: Any) -> dict[str, Any]:
    name = trustee_username(cluster)
    domain = _domain_id(client)
    password = _new_password()
    existing = client.users.list(domain=domain, name=name)
    if existing:
        # Made by an attempt that died before saving it: take it over.
        user = client.users.update(existing[0].id, password=password, enabled=True)
    else:
        user = client.users.create(name=name, domain=domain, password=password,
                                   description='Trustee of cluster %s' % cluster.uuid)
    return {'trustee_user_id': user.id, 'trustee_username': name,
            'trustee_password': encrypt_password(password)}


def _create_trust(context: Any, cluster: Any, trustee_user_id: str) -> str:
    owner = _owner_client(context, cluster.project_id)
    roles = list(CONF.trust.roles) or owner.session.auth.get_access(owner.session).role_names
    trust = owner.trusts.create(trustee_user=trustee_user_id, trustor_user=cluster.user_id,
                                project=cluster.project_id, role_names=roles,
                                impersonation=True, allow_redelegation=False)
    return trust.id


def _summary(cluster: Any) -> dict[str, Any]:
    return {'trust_id': cluster.trust_id, 'trustee_user_id': cluster.trustee_user_id,
            'trustee_username': cluster.trustee_username}


def ensure_trust(context: Any, cluster_uuid: str) -> dict[str, Any]:
    """Give a cluster its trustee user and trust, unless it has them.

    Idempotent: what the row records is kept; a trustee user left by an
    interrupted attempt is taken over (new password) rather than duplicated.

    :param context: the owner's request context (its token creates the trust).
    :param cluster_uuid: the cluster.
    :returns: ``{'trust_id', 'trustee_user_id', 'trustee_username'}`` (no password),
        all ``None`` in noauth mode.
    :raises ClusterNotFound:
    :raises EncryptionKeyMissing: no key to store the password with.
    :raises TrusteeOrTrustToClusterFailed: Keystone refused or is unreachable.
    """
    cluster = db.get_cluster_by_uuid(ml_context.get_admin_context(), cluster_uuid)
    if not trusts_enabled() or (cluster.trust_id and cluster.trustee_user_id):
        return _summary(cluster)
    if not _password_keys():  # fail before touching Keystone
        raise exception.EncryptionKeyMissing(option=_PASSWORD_OPTION)
    try:
        if not cluster.trustee_user_id:
            cluster = db.update_cluster(cluster_uuid,
                                        _create_trustee(_domain_admin_client(), cluster))
        if not cluster.trust_id:
            cluster = db.update_cluster(
                cluster_uuid, {'trust_id': _create_trust(context, cluster,
                                                         cluster.trustee_user_id)})
    except (ks_exc.ClientException, exception.EncryptionKeyMissing) as error:
        LOG.warning('Cluster %s: trustee or trust failed: %s', cluster_uuid, error)
        raise _failed(cluster_uuid, error)
    LOG.info('Cluster %s: trustee user %s and trust %s in place', cluster_uuid,
             cluster.trustee_user_id, cluster.trust_id)
    return _summary(cluster)


def _delete_trust_id(context: Any, cluster: Any, trust_id: str) -> None:
    """Delete a trust as its trustor if the caller is, else as the service (an admin)."""
    own = getattr(context, 'user_id', None) == cluster.user_id and getattr(
        context, 'auth_token', None)
    clients = []
    if own:
        clients.append(lambda: _owner_client(context, cluster.project_id))
    clients.append(_service_client)
    for make in clients:
        try:
            make().trusts.delete(trust_id)
            return
        except ks_exc.NotFound:
            return
        except (ks_exc.Forbidden, ks_exc.Unauthorized, exception.MagnumLikeException) as error:
            LOG.debug('Trust %s not deletable this way: %s', trust_id, error)
    # Keystone drops a deleted trustee's trusts; say so if the user is gone too.
    LOG.warning('Trust %s of cluster %s could not be deleted directly; it goes with its '
                'trustee user.', trust_id, cluster.uuid)


def _delete_user(user_id: str) -> None:
    try:
        _domain_admin_client().users.delete(user_id)
    except ks_exc.NotFound:
        pass


def delete_trust(context: Any, cluster_uuid: str) -> None:
    """Delete a cluster's trust and trustee user (404s ignored) and clear them on the row.

    :param context: the caller's context (the owner's token deletes the trust; for
        anyone else the service's credentials do).
    :raises ClusterNotFound:
    :raises TrusteeOrTrustToClusterFailed: Keystone unreachable or refused the user delete.
    """
    cluster = db.get_cluster_by_uuid(ml_context.get_admin_context(), cluster_uuid)
    if not (cluster.trust_id or cluster.trustee_user_id) or not trusts_enabled():
        return
    try:
        if cluster.trust_id:
            _delete_trust_id(context, cluster, cluster.trust_id)
        if cluster.trustee_user_id:
            _delete_user(cluster.trustee_user_id)
    except ks_exc.ClientException as error:
        raise _failed(cluster_uuid, error)
    db.update_cluster(cluster_uuid, {field: None for field in _TRUST_FIELDS})
    LOG.info('Cluster %s: trust and trustee user deleted', cluster_uuid)


def rotate_credentials(context: Any, cluster_uuid: str) -> dict[str, Any]:
    """Give the trustee a new password and the cluster a new trust; delete the old trust.

    Without a trustee yet, this is :func:`ensure_trust`.

    :param context: the owner's request context (its token creates the new trust).
    :returns: as :func:`ensure_trust`.
    :raises ClusterNotFound:
    :raises TrusteeOrTrustToClusterFailed:
    """
    cluster = db.get_cluster_by_uuid(ml_context.get_admin_context(), cluster_uuid)
    if not trusts_enabled():
        return _summary(cluster)
    if not cluster.trustee_user_id:
        return ensure_trust(context, cluster_uuid)
    old_trust = cluster.trust_id
    password = _new_password()
    stored = encrypt_password(password)
    try:
        _domain_admin_client().users.update(cluster.trustee_user_id, password=password)
        # Saved at once: the old password no longer works.
        db.update_cluster(cluster_uuid, {'trustee_password': stored})
        trust_id = _create_trust(context, cluster, cluster.trustee_user_id)
    except ks_exc.ClientException as error:
        raise _failed(cluster_uuid, error)
    cluster = db.update_cluster(cluster_uuid, {'trust_id': trust_id})
    if old_trust and old_trust != trust_id:
        _delete_trust_id(context, cluster, old_trust)
    LOG.info('Cluster %s: trustee password and trust rotated (trust %s)', cluster_uuid,
             trust_id)
    return _summary(cluster)


def magnum_url() -> str:
    """The service's v1 URL the nodes call (certificates API): ``[api]
    public_endpoint``, else where the API listens."""
    base = CONF.api.public_endpoint or 'http://%s:%d' % (
        '[%s]' % CONF.api.host if ':' in CONF.api.host else CONF.api.host, CONF.api.port)
    return base.rstrip('/') + '/v1'


def heat_parameters(context: Any, cluster: Any) -> dict[str, str]:
    """What the nodes need to act as the trustee (the driver maps these into the stack).

    The password is decrypted here for the nodes alone; ``trust_id`` is empty unless
    ``[trust] cluster_user_trust``. Empty values in noauth mode.
    """
    enabled = trusts_enabled() and bool(cluster.trustee_user_id)
    return {
        'trustee_domain_id': (CONF.trust.trustee_domain_id or '') if enabled else '',
        'trustee_user_id': cluster.trustee_user_id or '',
        'trustee_username': cluster.trustee_username or '',
        'trustee_password': (decrypt_password(cluster.trustee_password)
                             if enabled and cluster.trustee_password else ''),
        'trust_id': (cluster.trust_id or '') if CONF.trust.cluster_user_trust else '',
        'auth_url': auth_url() if enabled else '',
        'magnum_url': magnum_url(),
    }
