"""Configuration checks a process runs before it serves anything.

A setting that can only fail later (an accepted create ending ``CREATE_FAILED``
because no encryption key is set, conductor casts landing in the Heat
notification listener because both consume one RabbitMQ queue) is refused
here, when the operator starts the process, with a message naming the options.
"""
from __future__ import annotations

from typing import Any

from magnum_like.common import crypto
from magnum_like.common import exception


class ConfigurationError(Exception):
    """The configuration cannot work; the message names the options to change."""


def conductor_queues(conf: Any, host: str | None = None) -> dict[str, str]:
    """The RabbitMQ queues a conductor consumes from, each with what it is for.

    oslo.messaging's RabbitMQ driver names an RPC server's queues after the
    topic (``<topic>`` shared by all servers, ``<topic>.<host>`` for one, plus a
    fanout queue with a random suffix) and a notification listener's queue after
    its pool, whatever exchange each is bound to.

    :param host: the conductor's host (default ``[DEFAULT] host``).
    :raises ConfigurationError: two consumers of different kinds would share a queue.
    """
    topic = conf.conductor.topic
    host = host or conf.host
    queues = {topic: '[conductor] topic (RPC, shared)',
              '%s.%s' % (topic, host): '[conductor] topic + [DEFAULT] host (RPC, this host)'}
    if conf.conductor.heat_notifications:
        pool = conf.conductor.heat_notifications_pool
        if not pool:
            raise ConfigurationError(
                '[conductor] heat_notifications_pool must not be empty: without a pool the '
                'conductors would consume Heat\'s "%s.<priority>" queues and take Heat\'s '
                'notifications from every other consumer of that topic.'
                % conf.conductor.heat_notifications_topic)
        if pool in queues:
            raise ConfigurationError(
                '[conductor] heat_notifications_pool (%r) names the same RabbitMQ queue as '
                '%s: RPC casts would be dropped by the notification listener and Heat '
                'notifications would reach the RPC server. Choose a pool that differs from '
                '[conductor] topic and from "<topic>.<host>".' % (pool, queues[pool]))
        queues[pool] = '[conductor] heat_notifications_pool (Heat notifications)'
    return queues


def _check_keys(keys: list[str], option: str, why: str) -> None:
    try:
        crypto.encrypt('check', keys, option=option)
    except exception.EncryptionKeyMissing as error:
        raise ConfigurationError('%s (%s). Generate a key with: python3 -c "from '
                                 'cryptography.fernet import Fernet; '
                                 'print(Fernet.generate_key().decode())"'
                                 % (error, why)) from None


def trusts_configured(conf: Any) -> bool:
    """Whether clusters get trusts (any Keystone: keystone auth or service credentials)."""
    return conf.api.auth_strategy != 'noauth' or bool(conf.keystone_auth.auth_type)


def check_secrets(conf: Any) -> None:
    """Refuse configurations whose accepted work would fail for a missing secret.

    * trusts on (``[api] auth_strategy = keystone`` or ``[keystone_auth]``
      credentials): a trustee domain, its admin and password, and a Fernet key
      in ``[trust] trustee_password_encryption_key`` (or, as the fallback the
      service has always used, ``[certificates] x509keypair_encryption_key``);
    * ``[certificates] cert_manager_type = x509keypair``: a Fernet key in
      ``[certificates] x509keypair_encryption_key``.

    :raises ConfigurationError: naming the option to set.
    """
    if trusts_configured(conf):
        opts = conf.trust
        missing = []
        if not (opts.trustee_domain_id or opts.trustee_domain_name):
            missing.append('[trust] trustee_domain_id (or trustee_domain_name)')
        if not (opts.trustee_domain_admin_id or opts.trustee_domain_admin_name):
            missing.append('[trust] trustee_domain_admin_id (or trustee_domain_admin_name)')
        if not opts.trustee_domain_admin_password:
            missing.append('[trust] trustee_domain_admin_password')
        if not conf.keystone_auth.auth_type:
            missing.append('[keystone_auth] auth_type (and its credentials)')
        if missing:
            raise ConfigurationError(
                'Clusters get Keystone trusts (auth_strategy=%s) but %s %s not set.'
                % (conf.api.auth_strategy, ', '.join(missing),
                   'is' if len(missing) == 1 else 'are'))
        keys = (opts.trustee_password_encryption_key
                or conf.certificates.x509keypair_encryption_key)
        _check_keys(keys, '[trust] trustee_password_encryption_key',
                    'trustee passwords are stored encrypted')
    if conf.certificates.cert_manager_type == 'x509keypair':
        _check_keys(conf.certificates.x509keypair_encryption_key,
                    '[certificates] x509keypair_encryption_key',
                    'cert_manager_type = x509keypair stores private keys encrypted')


def check_api(conf: Any) -> None:
    """Everything ``magnum-like-api`` needs. :raises ConfigurationError:"""
    # oslo.config checks a value's type and bounds when it is first read: read
    # the API's own options now, so that a bad one stops the start and not a request.
    for name in ('cloud_cache_ttl', 'workers', 'threads', 'client_timeout', 'max_limit'):
        try:
            getattr(conf.api, name)
        except ValueError as error:  # oslo.config's ConfigFileValueError among them
            raise ConfigurationError('[api] %s: %s' % (name, error)) from None
    check_token_cache(conf)
    check_secrets(conf)


def check_token_cache(conf: Any) -> None:
    """keystonemiddleware's memcached token cache needs ``python-memcached``.

    Without it every authenticated request would be a 500 (keystonemiddleware
    imports the client on the first token it caches), so refuse to start.
    """
    if conf.api.auth_strategy != 'keystone':
        return
    from keystonemiddleware import auth_token
    for group, opts in auth_token.list_opts():
        conf.register_opts(opts, group=group)   # the same options again: no-op
    if not conf.keystone_authtoken.memcached_servers:
        return
    try:
        import memcache  # noqa: F401 - what keystonemiddleware's cache imports
    except ImportError:
        raise ConfigurationError(
            '[keystone_authtoken] memcached_servers is set but python-memcached is not '
            'installed: install the "memcache" extra (pip install magnum_like[memcache]) '
            'or leave memcached_servers unset to cache tokens in each process.') from None


def check_conductor(conf: Any, host: str | None = None) -> None:
    """Everything ``magnum-like-conductor`` needs. :raises ConfigurationError:"""
    conductor_queues(conf, host)
    check_secrets(conf)
