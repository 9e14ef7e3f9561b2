"""Bounds on what one HTTP client can hold in the API's cheroot server.

cheroot gives each request a worker thread and reads it with a per-read
socket timeout (10 s by default): a client that sends a body shorter than its
``Content-Length``, a chunked body that never ends, or a byte every few
seconds, holds that thread for as long as it likes, and enough of them stall
every other request. Here a request (line, headers and body) must arrive
within ``[api] client_timeout`` of its first byte: every read waits at most
until that deadline, then fails as a timeout (408, connection closed).
Headers are capped at :data:`MAX_HEADER_BYTES`. ``RequestBodyReader`` (in
``middleware/body.py``) bounds the body's size and turns a body that fails to
arrive into a 408/400 (with the OpenStack error body, which cheroot's own
413/408 pages lack).
"""
from __future__ import annotations

import socket
import time

from cheroot import server as cheroot_server

#: Largest request line plus headers accepted (Keystone tokens fit many times over).
MAX_HEADER_BYTES = 64 * 1024

_CHUNK = 64 * 1024


class DeadlineReader:
    """The connection's buffered reader, with every read bounded by ``deadline``.

    Each read waits for at most one socket read (``read1``/``peek``) at a
    time, with the socket timeout set to what is left until the deadline, so a
    client trickling bytes cannot extend it. The socket's own timeout is put
    back after each read (responses are written with it).
    """

    def __init__(self, rfile, sock, *, deadline: float, idle_timeout: float):
        self.rfile = rfile
        self.sock = sock
        self.deadline = deadline
        self.idle_timeout = idle_timeout

    def _bounded(self, method, size: int) -> bytes:
        has_data = getattr(self.rfile, 'has_data', None)
        if has_data is not None and has_data():
            return method(size)          # already buffered: no wait
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout('timed out')
        self.sock.settimeout(left)
        try:
            return method(size)
        finally:
            self.sock.settimeout(self.idle_timeout)

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all until EOF when negative or None)."""
        chunks, got = [], 0
        while size is None or size < 0 or got < size:
            want = _CHUNK if size is None or size < 0 else size - got
            data = self._bounded(self.rfile.read1, want)
            if not data:
                break
            chunks.append(data)
            got += len(data)
        return b''.join(chunks)

    def readline(self, size: int | None = -1) -> bytes:
        """One line, at most ``size`` bytes."""
        chunks, got = [], 0
        while size is None or size < 0 or got < size:
            ahead = self._bounded(self.rfile.peek, 1)
            if not ahead:
                break
            limit = len(ahead) if size is None or size < 0 else min(len(ahead), size - got)
            end = ahead.find(b'\n', 0, limit)
            data = self.rfile.read(end + 1 if end >= 0 else limit)   # buffered: no wait
            chunks.append(data)
            got += len(data)
            if end >= 0:
                break
        return b''.join(chunks)

    def __getattr__(self, name):
        return getattr(self.rfile, name)


class BoundedRequest(cheroot_server.HTTPRequest):
    """A request read under a deadline; ``Connection: close`` from the app is honoured.

    cheroot keeps a connection open (and first drains the unread body) unless
    it decided to close it itself; after a body that failed to arrive the app
    answers with ``Connection: close`` and the connection must go.
    """

    def parse_request(self):
        self._plain_rfile = self.conn.rfile
        self.conn.rfile = DeadlineReader(
            self._plain_rfile, self.conn.socket, idle_timeout=self.server.timeout,
            deadline=time.monotonic() + self.server.client_timeout)
        try:
            super().parse_request()
        finally:
            if not self.ready:
                self.conn.rfile = self._plain_rfile

    def respond(self):
        try:
            super().respond()
        finally:
            self.conn.rfile = self._plain_rfile

    def send_headers(self):
        if any(k.lower() == b'connection' and v.lower() == b'close'
               for k, v in self.outheaders):
            self.close_connection = True
        super().send_headers()


class BoundedConnection(cheroot_server.HTTPConnection):
    """An HTTP connection whose requests are :class:`BoundedRequest`."""

    RequestHandlerClass = BoundedRequest


def bound_clients(server, *, client_timeout: int) -> None:
    """Apply the bounds to a cheroot ``server`` before it starts.

    :param client_timeout: seconds a request may take to arrive; also how long
        an idle keep-alive connection is kept.
    """
    server.timeout = client_timeout
    server.client_timeout = client_timeout
    server.max_request_header_size = MAX_HEADER_BYTES
    server.ConnectionClass = BoundedConnection
