"""Error bodies: every 4xx/5xx leaves the API as the OpenStack error document.

WSME, pecan, webob and keystonemiddleware each answer errors in their own
shape (a WSME fault, an HTML page, a Keystone error). Clients parse one:
``{"errors": [{"request_id", "code", "status", "title", "detail", "links"}]}``,
and print ``title``. A 500 never shows what went wrong inside; it is logged.
"""
from __future__ import annotations

import html
import http.client
import json
import re
import threading

from oslo_log import log as logging
import wsme.api

from magnum_like.common import exception

LOG = logging.getLogger(__name__)

_TAGS = re.compile(r'<[^>]+>')


#: Longest error message returned; longer ones (echoing a huge input) are cut in the middle.
MAX_MESSAGE = 1000

#: Seconds a 503 asks the client to wait (``Retry-After``) before trying again.
RETRY_AFTER = 5

_WSME_FORMAT = wsme.api.format_exception
_LOCK = threading.Lock()


def _format_fault(excinfo, debug=False):
    """WSME's fault for an exception, without a traceback for a dependency that is down.

    WSME logs every 5xx with its traceback; a 503 (database, Keystone, a cloud
    service unreachable) is not a bug in the service. It is logged as one line,
    or not at all when the outage was already reported once (``reported``).
    """
    error = excinfo[1]
    if not isinstance(error, exception.ServiceUnavailable):
        return _WSME_FORMAT(excinfo, debug)
    if not getattr(error, 'reported', False):
        LOG.warning('%s', error)
    return {'faultcode': 'Server', 'faultstring': str(error), 'debuginfo': None}


def install_fault_formatter() -> None:
    """Route WSME's exception formatting through :func:`_format_fault` (idempotent)."""
    with _LOCK:
        wsme.api.format_exception = _format_fault


def shorten(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message`` cut in the middle to ``limit`` characters (the field name
    comes first and the reason last in the messages we produce)."""
    if len(message) <= limit:
        return message
    keep = (limit - 5) // 2
    return message[:keep] + ' ... ' + message[-keep:]


def error_document(status: int, message: str, request_id: str = '',
                   code: str | None = None) -> dict:
    """The OpenStack error body for one error."""
    message = shorten(message)
    return {'errors': [{
        'request_id': request_id,
        'code': code or ('client' if status < 500 else 'server'),
        'status': status,
        'title': message,
        'detail': message,
        'links': [],
    }]}


def _message_from(body: bytes, status: int) -> str:
    text = body.decode('utf-8', 'replace').strip()
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        if 'faultstring' in doc:
            return str(doc['faultstring'])
        error = doc.get('error')
        if isinstance(error, dict):
            return str(error.get('message') or error.get('title') or '')
        if 'title' in doc or 'description' in doc:
            # pecan's own JSON error page: {"code", "title", "description"}.
            description = str(doc.get('description') or '').strip()
            return description or str(doc.get('title') or
                                      http.client.responses.get(status, 'Error'))
    if text.startswith('<'):
        # webob's HTML pages: keep the explanation line, drop the markup.
        lines = [html.unescape(_TAGS.sub('', line)).strip() for line in text.splitlines()]
        lines = [line for line in lines if line]
        title = http.client.responses.get(status, '')
        lines = [line for line in lines if not line.startswith(str(status))]
        return ' '.join(lines) or title
    # webob's plain-text pages start with the status line; keep the explanation.
    reason = http.client.responses.get(status, 'Error')
    prefix = '%d %s' % (status, reason)
    if text.startswith(prefix):
        text = text[len(prefix):].strip()
    return ' '.join(text.split()) or reason


class ErrorBodyMiddleware:
    """Rewrite error responses into the OpenStack error body."""

    def __init__(self, app, *, max_body: int | None = None):
        self.app = app
        self.max_body = max_body

    def __call__(self, environ, start_response):
        captured: dict = {}
        written: list = []

        def capture(status, headers, exc_info=None):
            captured['status'] = status
            captured['headers'] = headers
            return written.append

        try:
            chunks = self.app(environ, capture)
            try:
                body = b''.join(written) + b''.join(chunks)
            finally:
                if hasattr(chunks, 'close'):
                    chunks.close()
        except exception.ServiceUnavailable as error:
            if not getattr(error, 'reported', False):
                LOG.warning('%s', error)
            captured = {'status': '503 Service Unavailable', 'headers': []}
            body = json.dumps({'faultstring': str(error)}).encode()
        except Exception:
            LOG.exception('Unhandled error serving %s %s', environ.get('REQUEST_METHOD'),
                          environ.get('PATH_INFO'))
            captured = {'status': '500 Internal Server Error', 'headers': []}
            body = b''
        status = int(captured['status'].split(' ', 1)[0])
        headers = captured['headers']
        if status == 503 and not any(k.lower() == 'retry-after' for k, _ in headers):
            headers = list(headers) + [('Retry-After', str(RETRY_AFTER))]
        if status < 400 or self._already_formatted(body, headers):
            start_response(captured['status'], headers)
            return [body]
        if status >= 500 and status != 503:   # a 503 was logged where it was raised
            LOG.error('%s %s answered %d: %s', environ.get('REQUEST_METHOD'),
                      environ.get('PATH_INFO'), status, body[:2000])
            message = ('The service could not complete the request (%d %s).'
                       % (status, http.client.responses.get(status, 'Error')))
            if status in (503, 501):
                message = _message_from(body, status) or message
        elif status == 413 and self.max_body:
            message = ('Request body is too large: the limit is %d bytes.' % self.max_body)
        else:
            message = _message_from(body, status)
        request_id = environ.get('openstack.request_id', '')
        new_body = json.dumps(error_document(status, message, request_id)).encode()
        headers = [(k, v) for k, v in headers
                   if k.lower() not in ('content-type', 'content-length')]
        headers += [('Content-Type', 'application/json'),
                    ('Content-Length', str(len(new_body)))]
        start_response(captured['status'], headers)
        return [new_body]

    @staticmethod
    def _already_formatted(body: bytes, headers) -> bool:
        if not body.startswith(b'{"errors"'):
            return False
        return any(k.lower() == 'content-type' and v.startswith('application/json')
                   for k, v in headers)
