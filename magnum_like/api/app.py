"""The WSGI application: pecan + WSME controllers behind the standard middleware.

``setup_app()`` builds it from the loaded configuration; ``wsgi.py`` exposes it
for any WSGI server. Outermost first: request id, access log, error bodies,
reading the whole body (bounded), microversions, body size limit,
authentication, then pecan.
"""
from __future__ import annotations

from oslo_middleware import request_id
from oslo_middleware import sizelimit
import pecan
import webob
import webob.exc

from magnum_like import conf as ml_conf
from magnum_like.api import hooks
from magnum_like.api import pecan_speedups
from magnum_like.api.middleware import access_log
from magnum_like.api.middleware import auth
from magnum_like.api.middleware import body
from magnum_like.api.middleware import errors
from magnum_like.api.middleware import version
from magnum_like.common import policy
from magnum_like.api.types import body_errors

CONF = ml_conf.CONF

#: Largest request body by default: 1 MiB (oslo.middleware's own default is smaller).
MAX_BODY = 1024 * 1024


def refuse_undecodable(app):
    """Answer 400 to a path or query string that is not UTF-8, before pecan decodes it.

    pecan's own ``Request`` wraps *every* attribute read in a Python-level
    ``__getattribute__`` only to turn a ``UnicodeDecodeError`` into a 400 (the
    largest single cost of a read in the profile); the app uses plain WebOb
    requests instead, and this check (with ``hooks.BodyShapeHook`` for bodies)
    answers those 400s once, up front.
    """
    def middleware(environ, start_response):
        for key in ('PATH_INFO', 'QUERY_STRING'):
            try:
                environ.get(key, '').encode('latin-1').decode('utf-8')
            except UnicodeError:
                error = webob.exc.HTTPBadRequest(
                    detail='The URL or the form data is not valid UTF-8.')
                return error(environ, start_response)
        return app(environ, start_response)
    return middleware


def set_defaults(conf=CONF) -> None:
    """Library option defaults the API changes."""
    conf.register_opts(sizelimit.OPTS, group='oslo_middleware')
    conf.set_default('max_request_body_size', MAX_BODY, group='oslo_middleware')


def setup_app(conf=CONF):
    """The API as a WSGI callable, from configuration already loaded."""
    from magnum_like.api.controllers import root
    set_defaults(conf)
    # Two patches of library internals, for speed; each is pinned by a test
    # (tests/unit/api/test_pecan_speedups.py, tests/unit/common/test_policy_patch.py).
    pecan_speedups.install()
    policy.install_fast_check()
    body_errors.install()
    errors.install_fault_formatter()
    app = pecan.make_app(
        root.RootController(),
        hooks=[hooks.ContextHook(), hooks.BodyShapeHook()],
        force_canonical=False,
        guess_content_type_from_ext=False,
        debug=False,
        logging=False,
        request_cls=webob.Request,   # see refuse_undecodable
    )
    app = refuse_undecodable(app)
    app = auth.wrap(app, conf)
    app = sizelimit.RequestBodySizeLimiter(app, conf)
    app = version.VersionMiddleware(app)
    app = body.RequestBodyReader(app, max_body=conf.oslo_middleware.max_request_body_size)
    app = errors.ErrorBodyMiddleware(
        app, max_body=conf.oslo_middleware.max_request_body_size)
    app = access_log.AccessLogMiddleware(app)
    app = request_id.RequestId(app)
    return app
