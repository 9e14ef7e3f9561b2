"""One log line per request, as web servers write them."""
from __future__ import annotations

import time

from oslo_log import log as logging

LOG = logging.getLogger('magnum_like.api.access')


class AccessLogMiddleware:
    """Log method, path, status, size, duration and request id of every request."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.monotonic()
        state = {'status': '-', 'size': 0}

        def record(status, headers, exc_info=None):
            state['status'] = status.split(' ', 1)[0]
            for key, value in headers:
                if key.lower() == 'content-length':
                    state['size'] = value
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, record)
        finally:
            query = environ.get('QUERY_STRING')
            LOG.info('%s "%s %s%s" status: %s len: %s time: %.4f request_id: %s',
                     environ.get('REMOTE_ADDR', '-'), environ.get('REQUEST_METHOD'),
                     environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', ''),
                     '?' + query if query else '', state['status'], state['size'],
                     time.monotonic() - started, environ.get('openstack.request_id', '-'))
