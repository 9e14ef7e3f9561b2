"""Read a request's body in full before the app, and answer a body that fails to arrive.

Reading it here (bounded by the body limit) means a body that is shorter than
its ``Content-Length``, a malformed or endless chunked body, or one that does
not arrive in time is answered at once with a 400, 408 or 413 naming the
problem, with ``Connection: close`` (the rest of the stream is garbage),
instead of failing somewhere inside the app as a 500. How long a read may
wait is the server's business (``magnum_like.api.http_server``).
"""
from __future__ import annotations

import io

from cheroot import errors as cheroot_errors
import webob.exc


class _ShortBody(Exception):
    pass


def _answer(error: webob.exc.HTTPException, environ, start_response):
    error.headers['Connection'] = 'close'
    return error(environ, start_response)


class RequestBodyReader:
    """Replace ``wsgi.input`` with the body already read (at most ``max_body`` bytes)."""

    def __init__(self, app, *, max_body: int):
        self.app = app
        self.max_body = max_body

    def _read(self, environ) -> bytes | None:
        chunked = 'chunked' in environ.get('HTTP_TRANSFER_ENCODING', '').lower()
        length = environ.get('CONTENT_LENGTH') or ''
        stream = environ['wsgi.input']
        if chunked:
            body = stream.read(self.max_body + 1)
        elif length:
            expected = int(length)
            if expected < 0:
                raise ValueError('Content-Length is negative')
            if expected > self.max_body:
                return None
            body = stream.read(expected) if expected else b''
            if len(body) < expected:
                raise _ShortBody('The request body is shorter than its Content-Length '
                                 '(%d of %d bytes arrived).' % (len(body), expected))
        else:
            return b''
        if len(body) > self.max_body:
            return None
        return body

    def __call__(self, environ, start_response):
        try:
            body = self._read(environ)
        except TimeoutError:
            return _answer(webob.exc.HTTPRequestTimeout(
                detail='The request body did not arrive in time.'), environ, start_response)
        except _ShortBody as error:
            return _answer(webob.exc.HTTPBadRequest(detail=str(error)), environ,
                           start_response)
        except cheroot_errors.MaxSizeExceeded:   # a chunked body over a server's own limit
            body = None
        except ValueError as error:   # Content-Length not a number, a malformed chunk
            return _answer(webob.exc.HTTPBadRequest(
                detail='The request body is malformed: %s.' % str(error).rstrip('.')),
                environ, start_response)
        except OSError as error:      # the client went away, or a chunked body too large
            return _answer(webob.exc.HTTPBadRequest(
                detail='The request body could not be read: %s.' % str(error).rstrip('.')),
                environ, start_response)
        if body is None:
            return _answer(webob.exc.HTTPRequestEntityTooLarge(), environ, start_response)
        environ['wsgi.input'] = io.BytesIO(body)
        environ['CONTENT_LENGTH'] = str(len(body))
        environ.pop('HTTP_TRANSFER_ENCODING', None)
        return self.app(environ, start_response)
