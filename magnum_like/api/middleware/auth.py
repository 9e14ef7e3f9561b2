"""Authentication: keystonemiddleware's auth_token, or noauth for local development.

The version documents (``/`` and ``/v1``) are public. In noauth mode the
identity headers a client sends are trusted and missing ones get an admin
identity, so the unmodified clients work with ``--os-auth-type none``.
"""
from __future__ import annotations

from keystoneauth1 import exceptions as ksa_exceptions
from keystonemiddleware import auth_token
from oslo_log import log as logging

from magnum_like.common import exception

LOG = logging.getLogger(__name__)

PUBLIC_PATHS = ('/', '/v1', '/v1/')

#: Set in the WSGI environ once keystonemiddleware has let the request through.
PASSED = 'magnum_like.auth_passed'

NOAUTH_DEFAULTS = {
    'HTTP_X_USER_ID': 'admin',
    'HTTP_X_USER_NAME': 'admin',
    'HTTP_X_PROJECT_ID': 'admin',
    'HTTP_X_PROJECT_NAME': 'admin',
    'HTTP_X_USER_DOMAIN_ID': 'default',
    'HTTP_X_PROJECT_DOMAIN_ID': 'default',
    'HTTP_X_ROLES': 'admin,member,reader',
    'HTTP_X_IDENTITY_STATUS': 'Confirmed',
}


class PublicRoutesAuth:
    """Run ``auth`` except for the public version documents."""

    def __init__(self, app, auth):
        self.app = app
        self.auth = auth

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO', '/') in PUBLIC_PATHS:
            return self.app(environ, start_response)
        try:
            return self.auth(environ, start_response)
        except ksa_exceptions.ClientException as error:
            if environ.get(PASSED):
                raise                   # raised by the service behind, not by the token check
            # keystonemiddleware lets keystoneauth's own errors out (no identity endpoint
            # for its region/interface in the catalog, discovery failing): Keystone, as
            # this service reaches it, cannot check tokens now.
            raise exception.ServiceUnavailable(
                service='Keystone',
                reason='tokens cannot be validated (%s); check [keystone_authtoken] '
                       'interface, region_name and auth_url' % error) from None


class _MarkPassed:
    """Record in the environ that authentication let the request through."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ[PASSED] = True
        return self.app(environ, start_response)


class NoAuthMiddleware:
    """Fill the identity headers keystonemiddleware would have set."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        for key, value in NOAUTH_DEFAULTS.items():
            environ.setdefault(key, value)
        return self.app(environ, start_response)


def wrap(app, conf):
    """``app`` behind the configured authentication."""
    if conf.api.auth_strategy == 'noauth':
        LOG.warning('API authentication is disabled (auth_strategy = noauth): '
                    'for local development only.')
        return NoAuthMiddleware(app)
    protected = auth_token.AuthProtocol(_MarkPassed(app), {'oslo_config_config': conf})
    return PublicRoutesAuth(app, protected)
