"""keystoneauth sessions and adapters for the OpenStack services the service calls.

One place decides how the service reaches another service: with the caller's
token plugin (keystonemiddleware's ``keystone.token_auth``) when there is one,
with the service's own ``[keystone_auth]`` credentials for background work,
or with no authentication at all in noauth mode, where every endpoint must be
given by ``endpoint_override``.
"""
from __future__ import annotations

from keystoneauth1 import adapter
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session

from magnum_like import conf as ml_conf

CONF = ml_conf.CONF


#: Version documents keystoneauth fetched (see ``make_session``'s ``http``).
DISCOVERY: dict = {}


def make_session(context=None, *, http=None) -> ks_session.Session:
    """A session authenticated as the caller, the service, or nobody (noauth).

    :param context: the request context; its ``auth_plugin`` is used if set.
    :param http: a ``requests.Session`` to send through (its pooled connections
        outlive this session); default: a new one. With it, version documents
        are remembered for the process too (:data:`DISCOVERY`).
    """
    auth = getattr(context, 'auth_plugin', None) if context is not None else None
    if auth is None:
        if CONF.api.auth_strategy == 'noauth' or not CONF.keystone_auth.auth_type:
            auth = noauth.NoAuth()
        else:
            auth = ks_loading.load_auth_from_conf_options(CONF, 'keystone_auth')
    extra = {'session': http, 'discovery_cache': DISCOVERY} if http is not None else {}
    return ks_loading.load_session_from_conf_options(CONF, 'keystone_auth', auth=auth, **extra)


def make_adapter(group: str, context=None, *, session=None) -> adapter.Adapter:
    """An adapter for the service configured by ``[<group>]`` (e.g. ``glance_client``).

    :param group: one of the ``[*_client]`` option groups.
    """
    from magnum_like.conf import clients as client_conf
    opts = CONF[group]
    service_type = client_conf.SERVICES[group][0]
    interface = opts.endpoint_type.replace('URL', '')
    verify = False if opts.insecure else (opts.ca_file or True)
    sess = session or make_session(context)
    sess.verify = verify
    return adapter.Adapter(sess, service_type=service_type, interface=interface,
                           region_name=opts.region_name,
                           endpoint_override=opts.endpoint_override,
                           connect_retries=1, status_code_retries=0)
