"""``magnum-like-api``: serve the API with cheroot (threads, no eventlet) in one or more processes.

With ``[api] workers`` above 1 the parent binds the listening socket, forks
that many workers and only supervises them: each worker builds the WSGI app
and opens its own database and RPC connections after the fork (nothing of the
kind is shared across ``fork``), and the kernel hands each new connection to
one of the workers waiting in ``accept``. A worker that dies is replaced; on
SIGTERM/SIGINT the parent stops the workers and waits for them.
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time

from cheroot import wsgi
from oslo_log import log as logging

from magnum_like import conf as ml_conf
from magnum_like.api import app as api_app
from magnum_like.api import http_server
from magnum_like.common import config_check
from magnum_like.common import rpc
from magnum_like.common import service

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

#: Seconds the parent gives its workers to finish after SIGTERM before SIGKILL.
STOP_TIMEOUT = 30
#: A worker that dies within this many seconds of its start is replaced only
#: after this delay, so a worker that cannot start does not fork in a loop.
RESPAWN_DELAY = 1.0


class _InheritedSocketServer(wsgi.Server):
    """A cheroot server on a socket bound (and listening) before the fork."""

    def __init__(self, sock: socket.socket, *args, **kwargs) -> None:
        self._inherited = sock
        super().__init__(*args, **kwargs)

    def bind(self, family, type, proto=0):  # noqa: A002 - cheroot's signature
        self.socket = self._inherited
        self.bind_addr = self.resolve_real_bind_addr(self._inherited)
        return self.socket


def make_server(app, host: str, port: int, *, threads: int,
                sock: socket.socket | None = None, name_pid: bool = False) -> wsgi.Server:
    """A cheroot server for ``app``, with TLS when ``[api] enabled_ssl`` says so.

    :param sock: a listening socket to serve on instead of binding ``host:port``.
    :param name_pid: put this process's pid in the ``Server`` header, so one can
        see (and tests check) which worker answered.
    """
    name = 'magnum-like-api (pid %d)' % os.getpid() if name_pid else 'magnum-like-api'
    kwargs = dict(numthreads=threads, server_name=name, request_queue_size=128)
    if sock is not None:
        server = _InheritedSocketServer(sock, (host, port), app, **kwargs)
    else:
        server = wsgi.Server((host, port), app, **kwargs)
    http_server.bound_clients(server, client_timeout=CONF.api.client_timeout)
    if CONF.api.enabled_ssl:
        from cheroot.ssl.builtin import BuiltinSSLAdapter
        server.ssl_adapter = BuiltinSSLAdapter(CONF.api.ssl_cert_file, CONF.api.ssl_key_file)
    return server


def serve_until_signalled(server: wsgi.Server, on_ready=None) -> None:
    """Serve on a thread until SIGTERM or SIGINT, then stop the server cleanly.

    The signal handler only sets an event: stopping cheroot from inside a handler
    that interrupted its own serve loop can deadlock.

    :param on_ready: called with ``(host, port)`` once the socket is bound.
    """
    stopping = threading.Event()

    def handle(signum, frame):
        LOG.info('Signal %d received, stopping.', signum)
        stopping.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    server.prepare()
    if on_ready is not None:
        on_ready(*server.bind_addr[:2])
    thread = threading.Thread(target=server.serve, name='wsgi-server', daemon=True)
    thread.start()
    while not stopping.wait(0.5):
        if not thread.is_alive():
            break
    server.stop()
    thread.join(timeout=30)


def worker_count() -> int:
    """``[api] workers``, or the number of CPUs (1 to 64) when unset."""
    return CONF.api.workers or max(1, min(os.cpu_count() or 1, 64))


def _listen(host: str, port: int) -> socket.socket:
    """The workers' shared listening socket, set up as cheroot sets up its own.

    TCP_NODELAY above all (connections accepted from it inherit it): cheroot
    writes an answer's headers and body separately, and without it the kernel
    held the body back until the client acknowledged the headers, which a
    client delays by up to 40 ms: every answer of a multi-worker API took
    40 ms more.
    """
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=128)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _run_worker(sock: socket.socket | None) -> None:
    """One serving process: its own RPC transport and app (DB engine on first use)."""
    rpc.init(CONF)  # casts nudge the conductors; the transport connects on first use
    app = api_app.setup_app()
    server = make_server(app, CONF.api.host, CONF.api.port, threads=CONF.api.threads,
                         sock=sock, name_pid=CONF.debug)
    scheme = 'https' if CONF.api.enabled_ssl else 'http'

    def ready(host, port):
        LOG.info('magnum-like-api (pid %d) serving on %s://%s:%s (auth_strategy=%s)',
                 os.getpid(), scheme, host, port, CONF.api.auth_strategy)

    try:
        serve_until_signalled(server, ready)
    finally:
        rpc.cleanup()


def _die_with_parent(parent: int) -> None:
    """Have the kernel SIGTERM this worker when the parent dies (even by SIGKILL)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass  # elsewhere a worker outlives a killed parent until stopped itself
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)


def _fork_worker(sock: socket.socket) -> int:
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    # The child: default signal handling until serve_until_signalled installs its own.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _die_with_parent(parent)
    code = 0
    try:
        _run_worker(sock)
    except BaseException:
        LOG.exception('magnum-like-api worker %d failed', os.getpid())
        code = 1
    finally:
        os._exit(code)


def supervise(sock: socket.socket, workers: int) -> None:
    """Keep ``workers`` forked workers serving on ``sock`` until SIGTERM/SIGINT."""
    stopping = threading.Event()

    def handle(signum, frame):
        stopping.set()  # first: a failing log handler must not keep the workers running
        LOG.info('Signal %d received, stopping the workers.', signum)

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    started: dict[int, float] = {}
    for _ in range(workers):
        started[_fork_worker(sock)] = time.monotonic()
    LOG.info('magnum-like-api serving on %s:%s with %d workers: %s', CONF.api.host,
             CONF.api.port, workers, sorted(started))
    try:
        while not stopping.wait(0.2):
            _replace_dead_workers(sock, started, stopping)
    finally:  # whatever ends the loop, no worker is left serving
        _stop_workers(started)


def _replace_dead_workers(sock: socket.socket, started: dict[int, float],
                          stopping: threading.Event) -> None:
    while started:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            return
        began = started.pop(pid, None)
        if began is None or stopping.is_set():
            continue
        LOG.error('magnum-like-api worker %d exited (status %d); starting another',
                  pid, status)
        if time.monotonic() - began < RESPAWN_DELAY:
            stopping.wait(RESPAWN_DELAY)
        if not stopping.is_set():
            started[_fork_worker(sock)] = time.monotonic()


def _stop_workers(started: dict[int, float]) -> None:
    for pid in started:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while started and time.monotonic() < deadline:
        pid, _status = os.waitpid(-1, os.WNOHANG)
        if pid:
            started.pop(pid, None)
        else:
            time.sleep(0.1)
    for pid in started:
        LOG.warning('magnum-like-api worker %d did not stop; killing it', pid)
        _signal(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    """Load and check configuration, then serve until SIGTERM/SIGINT.

    :returns: the exit code (2: the configuration cannot work, see
        :mod:`magnum_like.common.config_check`).
    """
    service.prepare_service(argv if argv is not None else sys.argv)
    try:
        config_check.check_api(CONF)
    except config_check.ConfigurationError as error:
        return service.refuse_to_start('magnum-like-api', error)
    workers = worker_count()
    if workers == 1:
        _run_worker(None)
        return 0
    try:
        sock = _listen(CONF.api.host, CONF.api.port)
    except OSError as error:
        return service.refuse_to_start(
            'magnum-like-api', 'cannot listen on %s:%s: %s' % (CONF.api.host, CONF.api.port,
                                                              error))
    try:
        supervise(sock, workers)
    finally:
        sock.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
