"""Per-cluster trustee users and trusts in Keystone (spec §7).

Each cluster gets a user ``<cluster uuid>_<project id>`` in the trustee domain
(``[trust] trustee_domain_*``), created by the trustee-domain admin, and a trust
from the cluster's owner to that user: the roles ``[trust] roles`` (or, when
empty, the owner's roles in the project), impersonation on, redelegation off,
no expiry. The nodes and the conductor use it to act for the owner.

Only the owner's token can create a trust, and a token lives an hour or so
while an accepted request may wait longer for a conductor (every conductor
down, a lost cast picked up by the reconcile pass). So the API creates the
trustee and the trust *while it accepts the request* (:func:`create_for_request`,
before the cluster's rows are written; :func:`discard` undoes it if they cannot
be; what a killed API leaves the conductors delete later,
``conductor/trustee_reaper.py``), and conductors never see a user's token: they
check the trust still works (:func:`check_trust`, which names a vanished project
or user) and delete trusts with the service's credentials. A credential rotation follows Magnum, whose API
rotates while the user's request is open: the API makes the new trust
(:func:`rotation_for_request`), the conductor changes the password
(:func:`apply_rotation`), writes both and deletes the old trust
(:func:`delete_replaced_trust`).

With ``[trust] trustee_spares`` above 0 the trustee user is usually not made
during the request: :func:`create_for_request` takes a spare the conductors
made ahead and renames it while it makes the trust (:mod:`.spares`), and
makes one only when none is left.

This module never writes the cluster row: what changes on it is returned, and
the caller writes it (the conductor's task, under its reservation; the API
with the rows it creates).

The trustee password is random and kept on the cluster row only as a Fernet
token (:mod:`magnum_like.common.crypto`, key ``[trust]
trustee_password_encryption_key``, else ``[certificates]
x509keypair_encryption_key``); it never appears in a log line or an API answer.

In noauth mode (``[api] auth_strategy = noauth`` and no ``[keystone_auth]``
credentials) there is no Keystone: trusts are skipped, with one log line.
"""
from __future__ import annotations

import threading
from typing import Any

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from oslo_log import log as logging

from magnum_like.common import exception
from magnum_like import conf as ml_conf
from magnum_like.pki import keystone
from magnum_like.pki import passwords
from magnum_like.pki import spares
from magnum_like.pki import trustees

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

_PASSWORD_OPTION = passwords.OPTION
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


#: The stored form of a trustee password (:mod:`.passwords`).
encrypt_password = passwords.encrypt
#: A trustee password from its stored form.
decrypt_password = passwords.decrypt
_password_keys = passwords.keys
new_password = passwords.new


def failed(cluster_uuid: str, error: Exception) -> exception.TrusteeOrTrustToClusterFailed:
    return exception.TrusteeOrTrustToClusterFailed(cluster=cluster_uuid, reason=str(error))


# -- creating them, while the API accepts the request ---------------------------------

def trustee_username(cluster_uuid: str, project_id: str) -> str:
    """The trustee user's name: ``<cluster uuid>_<project id>``."""
    return '%s_%s' % (cluster_uuid, project_id)


def _create_trustee(client: Any, cluster_uuid: str, project_id: str) -> dict[str, Any]:
    name = trustee_username(cluster_uuid, project_id)
    domain = keystone.trustee_domain_id(client)
    password = new_password()
    # The creation time starts the orphan reaper's grace period (conductor/trustee_reaper.py).
    description = trustees.description(cluster_uuid)
    try:
        user = client.users.create(name=name, domain=domain, password=password,
                                   description=description)
    except ks_exc.Conflict:
        # Made by an attempt that died before saving it: take it over, and
        # restart its grace period (the reaper may be about to delete it).
        existing = client.users.list(domain=domain, name=name)
        if not existing:
            raise
        user = client.users.update(existing[0].id, password=password, enabled=True,
                                   description=description)
    return {'trustee_user_id': user.id, 'trustee_username': name,
            'trustee_password': encrypt_password(password)}


def _create_trust(owner: Any, trustee_user_id: str, user_id: str, project_id: str) -> str:
    roles = list(CONF.trust.roles) or owner.session.auth.get_access(owner.session).role_names
    trust = owner.trusts.create(trustee_user=trustee_user_id, trustor_user=user_id,
                                project=project_id, role_names=roles,
                                impersonation=True, allow_redelegation=False)
    return trust.id


def owner_trust(context: Any, cluster_uuid: str, project_id: str, user_id: str,
                trustee_user_id: str) -> str:
    """A trust from the caller to the trustee.

    :raises TrustRefused: (403) Keystone refused the caller (their roles, their token).
    :raises TrusteeOrTrustToClusterFailed: (503) Keystone unreachable or failing.
    """
    try:
        owner = keystone.owner_client(context, project_id, cluster_uuid)
        return _create_trust(owner, trustee_user_id, user_id, project_id)
    except (ks_exc.Unauthorized, ks_exc.Forbidden, ks_exc.NotFound,
            ks_exc.BadRequest) as error:
        raise exception.TrustRefused(cluster=cluster_uuid, reason=str(error))
    except ks_exc.ClientException as error:
        raise failed(cluster_uuid, error)


def create_for_request(context: Any, cluster_uuid: str, project_id: str,
                       user_id: str) -> dict[str, Any]:
    """Trustee user and trust for a cluster the API is accepting, with the caller's token.

    Nothing is left behind when it fails: a trustee user made before a refused
    trust is deleted again.

    :returns: the cluster columns to store (``trust_id``, ``trustee_user_id``,
        ``trustee_username``, ``trustee_password`` encrypted); ``{}`` in noauth mode.
    :raises TrustRefused: (403) Keystone refused the caller's trust.
    :raises TrusteeOrTrustToClusterFailed: (503) no encryption key, Keystone
        unreachable, or the trustee-domain admin refused.
    """
    if not trusts_enabled():
        return {}
    if not _password_keys():  # fail before touching Keystone
        raise exception.TrusteeOrTrustToClusterFailed(
            cluster=cluster_uuid, reason='no encryption key configured: set %s.'
                                         % _PASSWORD_OPTION)
    try:
        client = keystone.domain_admin_client()
        if CONF.trust.trustee_spares:
            made = spares.take(
                client, cluster_uuid, trustee_username(cluster_uuid, project_id),
                lambda trustee: owner_trust(context, cluster_uuid, project_id, user_id, trustee))
            if made is not None:
                return made
        values = _create_trustee(client, cluster_uuid, project_id)
    except ks_exc.ClientException as error:
        LOG.warning('Cluster %s: creating the trustee user failed: %s', cluster_uuid, error)
        raise failed(cluster_uuid, error)
    try:
        values['trust_id'] = owner_trust(context, cluster_uuid, project_id, user_id,
                                         values['trustee_user_id'])
    except exception.MagnumLikeException:
        _delete_user(values['trustee_user_id'], quiet=True)
        raise
    LOG.info('Cluster %s: trustee user %s and trust %s created', cluster_uuid,
             values['trustee_user_id'], values['trust_id'])
    return values


def discard(cluster_uuid: str, values: dict[str, Any]) -> None:
    """Undo :func:`create_for_request` when the cluster's rows could not be written.

    Best effort (logged): Keystone drops the trust with its trustee user.
    """
    if values.get('trust_id'):
        _delete_trust_id(cluster_uuid, values['trust_id'])
    if values.get('trustee_user_id'):
        _delete_user(values['trustee_user_id'], quiet=True)


def rotation_for_request(context: Any, cluster: Any) -> dict[str, Any]:
    """What a credential rotation needs the caller's token for, made now (by the API).

    :returns: ``{'trust_id': new}`` for a cluster with a trustee user, else the
        full columns of :func:`create_for_request`; ``{}`` in noauth mode.
    :raises TrustRefused:
    :raises TrusteeOrTrustToClusterFailed:
    """
    if not trusts_enabled():
        return {}
    if not cluster.trustee_user_id:
        return create_for_request(context, cluster.uuid, cluster.project_id, cluster.user_id)
    return {'trust_id': owner_trust(context, cluster.uuid, cluster.project_id,
                                    cluster.user_id, cluster.trustee_user_id)}


# -- using them, in the conductor -------------------------------------------------------

def _summary(cluster: Any) -> dict[str, Any]:
    return {'trust_id': cluster.trust_id, 'trustee_user_id': cluster.trustee_user_id,
            'trustee_username': cluster.trustee_username}


def trust_auth(cluster: Any) -> Any:
    """A keystoneauth plugin acting as the cluster's owner through its trust."""
    return v3.Password(auth_url=keystone.auth_url(cluster.uuid), user_id=cluster.trustee_user_id,
                       password=decrypt_password(cluster.trustee_password),
                       trust_id=cluster.trust_id)


def _why_refused(cluster: Any, error: Exception) -> str:
    """Why Keystone refuses the trust, in the operator's words (asked as the service)."""
    try:
        service = keystone.service_client()
    except exception.MagnumLikeException:
        service = None
    if service is not None:
        for kind, manager, ident in (('project', service.projects, cluster.project_id),
                                     ('owner (user)', service.users, cluster.user_id)):
            try:
                manager.get(ident)
            except ks_exc.NotFound:
                return 'its %s %s no longer exists in Keystone.' % (kind, ident)
            except ks_exc.ClientException:
                break  # the service may not read it: say what Keystone said
    return 'Keystone refused its trust %s (%s).' % (cluster.trust_id, error)


def check_trust(cluster: Any) -> dict[str, Any]:
    """Make sure the conductor can act for the cluster's owner: a token through its trust.

    Never uses a user's token. Keystone unreachable or failing (5xx) is left to
    the caller as transient (``ks_exc.ConnectionError``/``HttpServerError``).

    :returns: as :func:`_summary` (all ``None`` in noauth mode).
    :raises ClusterTrustInvalid: no trust on the row, or the project, the owner or
        the trust is gone; the reason names which.
    """
    if not trusts_enabled():
        return _summary(cluster)
    if not (cluster.trust_id and cluster.trustee_user_id and cluster.trustee_password):
        raise exception.ClusterTrustInvalid(
            cluster=cluster.uuid, reason='it has no trust; trusts are made when the API '
                                         "accepts a request, with the owner's token.")
    try:
        auth = trust_auth(cluster)
        auth.get_access(keystone.session(auth))
    except exception.DecryptionFailed as error:
        raise exception.ClusterTrustInvalid(cluster=cluster.uuid, reason=str(error))
    except (ks_exc.Unauthorized, ks_exc.Forbidden, ks_exc.NotFound) as error:
        reason = _why_refused(cluster, error)
        LOG.warning('Cluster %s: %s', cluster.uuid, reason)
        raise exception.ClusterTrustInvalid(cluster=cluster.uuid, reason=reason)
    return _summary(cluster)


def apply_rotation(cluster: Any, new: dict[str, Any]) -> dict[str, Any]:
    """Carry out a rotation the API prepared (:func:`rotation_for_request`).

    Gives the trustee a new password (the trustee-domain admin's credentials)
    and returns the columns that put it and the new trust on the row. The
    caller writes them (the conductor's task, under its reservation) and then
    deletes the old trust with :func:`delete_replaced_trust`. Repeating it after
    a crash is harmless: until the row holds the new trust, the password is
    changed again.

    :param cluster: the cluster row.
    :returns: the cluster columns to write (``{}``: nothing to rotate).
    :raises TrusteeOrTrustToClusterFailed: Keystone refused.
    :raises keystoneauth1.exceptions.ConnectionError, HttpServerError: Keystone is
        unreachable or failing (transient).
    """
    if not trusts_enabled() or not new:
        return {}
    if 'trustee_user_id' in new:  # a cluster that had none: the API made both
        return dict(new)
    if cluster.trust_id == new['trust_id']:
        return {}  # done before a crash; only the old trust may be left to delete
    password = new_password()
    stored = encrypt_password(password)
    try:
        keystone.domain_admin_client().users.update(cluster.trustee_user_id, password=password)
    except (ks_exc.ConnectionError, ks_exc.HttpServerError):
        raise  # Keystone away for a moment: the conductor tries again (until the deadline)
    except ks_exc.ClientException as error:
        raise failed(cluster.uuid, error)
    LOG.info('Cluster %s: trustee password changed for trust %s', cluster.uuid,
             new['trust_id'])
    # Written with the new trust at once: the old password no longer works.
    return {'trustee_password': stored, 'trust_id': new['trust_id']}


def discard_unused_rotation(cluster: Any, new: dict[str, Any]) -> None:
    """Delete what :func:`rotation_for_request` made if the row never took it (best effort).

    For a rotation that ended failed: the trust (and, for a cluster that had no
    trustee user, the user) the API made are used by nothing once the
    operation is over.
    """
    if not trusts_enabled() or not new or cluster.trust_id == new.get('trust_id'):
        return
    if 'trustee_user_id' in new and cluster.trustee_user_id != new['trustee_user_id']:
        discard(cluster.uuid, new)
        LOG.info('Cluster %s: trustee user %s and trust %s of the failed rotation deleted',
                 cluster.uuid, new['trustee_user_id'], new.get('trust_id'))
    elif new.get('trust_id') and _delete_trust_id(cluster.uuid, new['trust_id']):
        LOG.info('Cluster %s: unused trust %s of the failed rotation deleted', cluster.uuid,
                 new['trust_id'])


def delete_replaced_trust(cluster_uuid: str, trust_id: str | None) -> None:
    """Delete the trust a rotation replaced, once the row holds the new one (best effort)."""
    if trust_id and trusts_enabled():
        _delete_trust_id(cluster_uuid, trust_id)
        LOG.info('Cluster %s: old trust %s deleted', cluster_uuid, trust_id)


# -- deleting them -------------------------------------------------------------------------

def _delete_trust_id(cluster_uuid: str, trust_id: str) -> bool:
    """Delete a trust with the service's credentials (Keystone lets an admin).

    :returns: whether it is gone (False: logged, left for its trustee user's delete).
    """
    try:
        keystone.service_client().trusts.delete(trust_id)
        return True
    except ks_exc.NotFound:
        return True
    except (ks_exc.ClientException, exception.MagnumLikeException) as error:
        # Keystone drops a deleted trustee's trusts: say why, and where it goes.
        LOG.warning('Trust %s of cluster %s could not be deleted by the service (%s); it '
                    'goes with its trustee user.', trust_id, cluster_uuid, error)
        return False


def _delete_user(user_id: str, *, quiet: bool = False) -> None:
    try:
        keystone.domain_admin_client().users.delete(user_id)
    except ks_exc.NotFound:
        pass
    except ks_exc.ClientException as error:
        if not quiet:
            raise
        LOG.warning('Trustee user %s could not be deleted: %s', user_id, error)


def delete_trust(cluster: Any) -> dict[str, Any]:
    """Delete a cluster's trust and trustee user (404s ignored).

    Conductors delete with the service's and the trustee-domain admin's
    credentials, never a user's token.

    :param cluster: the cluster row.
    :returns: the cluster columns that clear them, for the caller to write
        (``{}``: there was nothing to delete).
    :raises TrusteeOrTrustToClusterFailed: Keystone unreachable or refused the user delete.
    """
    if not (cluster.trust_id or cluster.trustee_user_id) or not trusts_enabled():
        return {}
    try:
        if cluster.trust_id:
            _delete_trust_id(cluster.uuid, cluster.trust_id)
        if cluster.trustee_user_id:
            _delete_user(cluster.trustee_user_id)
    except ks_exc.ClientException as error:
        raise failed(cluster.uuid, error)
    LOG.info('Cluster %s: trust and trustee user deleted', cluster.uuid)
    return {field: None for field in _TRUST_FIELDS}


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
        'auth_url': keystone.auth_url(cluster.uuid) if enabled else '',
        'magnum_url': magnum_url(),
    }
