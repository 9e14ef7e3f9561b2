"""``magnum-like-api``: serve the API with a threaded WSGI server (cheroot, no eventlet)."""
from __future__ import annotations

import signal
import sys
import threading

from cheroot import wsgi
from oslo_log import log as logging

from magnum_like import conf as ml_conf
from magnum_like.api import app as api_app
from magnum_like.common import config_check
from magnum_like.common import rpc
from magnum_like.common import service

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)


def make_server(app, host: str, port: int, *, threads: int) -> wsgi.Server:
    """A cheroot server for ``app``, with TLS when ``[api] enabled_ssl`` says so."""
    server = wsgi.Server((host, port), app, numthreads=threads,
                         server_name='magnum-like-api', request_queue_size=128)
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


def main(argv: list[str] | None = None) -> int:
    """Load configuration, build the app and serve until SIGTERM/SIGINT."""
    service.prepare_service(argv if argv is not None else sys.argv)
    try:
        config_check.check_api(CONF)
    except config_check.ConfigurationError as error:
        return service.refuse_to_start('magnum-like-api', error)
    # Casts nudge the conductors; the transport connects on first use.
    rpc.init(CONF)
    app = api_app.setup_app()
    server = make_server(app, CONF.api.host, CONF.api.port, threads=CONF.api.threads)
    scheme = 'https' if CONF.api.enabled_ssl else 'http'

    def ready(host, port):
        LOG.info('magnum-like-api serving on %s://%s:%s (auth_strategy=%s)', scheme, host,
                 port, CONF.api.auth_strategy)

    serve_until_signalled(server, ready)
    rpc.cleanup()
    return 0


if __name__ == '__main__':
    sys.exit(main())
