"""The Keystone clients the trust code acts with (see :mod:`.trust`).

Three identities, never a user's token stored: the service's own
``[keystone_auth]`` credentials (reading projects and users, deleting trusts),
the trustee-domain admin of ``[trust]`` (creating, changing and deleting
trustee users) and, only while the API accepts a request, the caller's token
(creating the trust from the owner).
"""
from __future__ import annotations

import threading
from typing import Any

from keystoneauth1.identity import v3
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client

from magnum_like.common import exception
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF


def service_auth() -> Any:
    """The service's own plugin (``[keystone_auth]``)."""
    return ks_loading.load_auth_from_conf_options(CONF, 'keystone_auth')


#: Keystone's version documents, fetched once per process for every session here
#: (keystoneauth otherwise asks Keystone again with each new session).
_DISCOVERY: dict = {}


def session(auth: Any) -> ks_session.Session:
    """A session for ``auth`` with ``[keystone_auth]``'s TLS and timeout options."""
    return ks_loading.load_session_from_conf_options(CONF, 'keystone_auth', auth=auth,
                                                     discovery_cache=_DISCOVERY)


class _DomainAdmin:
    """The trustee-domain admin's auth plugin, one per process and configuration:
    its token serves every cluster create until it nears expiry (keystoneauth
    then authenticates again), instead of one password authentication each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plugin: tuple[tuple, Any] | None = None

    def plugin(self, kwargs: dict) -> Any:
        key = tuple(sorted(kwargs.items()))
        with self._lock:
            if self._plugin is None or self._plugin[0] != key:
                self._plugin = (key, v3.Password(**kwargs))
            return self._plugin[1]


_DOMAIN_ADMIN = _DomainAdmin()


def auth_url(cluster: str = '-') -> str:
    """Keystone's URL, from the service's own ``[keystone_auth]`` plugin."""
    url = getattr(service_auth(), 'auth_url', None)
    if not url:
        raise exception.TrusteeOrTrustToClusterFailed(
            cluster=cluster, reason='[keystone_auth] has no auth_url.')
    return url


def domain_admin_client() -> Any:
    """A client acting as the trustee-domain admin (``[trust] trustee_domain_admin_*``)."""
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
    return ks_client.Client(session=session(_DOMAIN_ADMIN.plugin(kwargs)))


def trustee_domain_id(client: Any) -> str:
    """The trustee domain's id: ``[trust] trustee_domain_id``, else the domain
    ``client`` (the trustee-domain admin's, domain-scoped) is scoped to."""
    return CONF.trust.trustee_domain_id or client.session.auth.get_access(client.session).domain_id


def owner_client(context: Any, project_id: str, cluster_uuid: str) -> Any:
    """A client acting as the cluster's owner (the caller's token, rescoped to the project)."""
    token = getattr(context, 'auth_token', None)
    if not token:
        raise exception.TrusteeOrTrustToClusterFailed(
            cluster=cluster_uuid, reason="the owner's token is needed to create a trust "
                                         "(is [api] auth_strategy noauth while [keystone_auth] "
                                         "is configured?).")
    plugin = getattr(context, 'auth_plugin', None)
    access = getattr(plugin, 'user', None)   # keystonemiddleware's, validated already
    if access is not None and getattr(access, 'project_id', None) == project_id:
        # The caller's token is scoped to the project already: no rescoping
        # (a token issued by Keystone) is needed to make the trust.
        return ks_client.Client(session=session(plugin))
    auth = v3.Token(auth_url=auth_url(cluster_uuid), token=token, project_id=project_id)
    return ks_client.Client(session=session(auth))


def service_client() -> Any:
    """A client acting as the service itself."""
    return ks_client.Client(session=session(service_auth()))
