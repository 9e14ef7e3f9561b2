"""Version routing: unversioned paths go to ``/v1``; ``/v1`` checks the microversion."""
from __future__ import annotations

import json

from magnum_like.api import microversion

ENVIRON_KEY = 'magnum_like.api_version'


class VersionMiddleware:
    """Parse ``OpenStack-API-Version`` on ``/v1`` requests and echo the version headers.

    The chosen version is left in ``environ['magnum_like.api_version']``.
    A malformed or unsupported header is answered 406 here.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '') or '/'
        if path != '/' and not (path == '/v1' or path.startswith('/v1/')):
            path = '/v1' + path
            environ['PATH_INFO'] = path
        if path == '/':
            return self.app(environ, start_response)
        try:
            version = microversion.parse_header(
                environ.get('HTTP_OPENSTACK_API_VERSION'))
        except microversion.VersionNotAcceptable as e:
            request_id = environ.get('openstack.request_id', '')
            if e.unsupported:
                body = microversion.unsupported_body(e.message, request_id)
            else:
                body = {'errors': [{'request_id': request_id, 'code': 'notacceptable',
                                    'status': 406, 'title': e.message, 'detail': e.message,
                                    'links': []}]}
            data = json.dumps(body).encode()
            headers = list(microversion.response_headers(None).items())
            headers += [('Content-Type', 'application/json'),
                        ('Content-Length', str(len(data)))]
            start_response('406 Not Acceptable', headers)
            return [data]
        environ[ENVIRON_KEY] = version
        extra = list(microversion.response_headers(version).items())

        def start_with_version(status, headers, exc_info=None):
            names = {k.lower() for k, _ in headers}
            headers = list(headers) + [(k, v) for k, v in extra if k.lower() not in names]
            return start_response(status, headers, exc_info)

        return self.app(environ, start_with_version)
