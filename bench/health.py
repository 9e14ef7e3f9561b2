"""CPU cost of the conductors' health check per conductor at N clusters.

Passes of ``magnum_like.conductor.health`` against N clusters: for each, a
mutual-TLS connection to the cluster's API (its own client context, as each
cluster has its own CA), ``/healthz``, ``/api/v1/nodes`` with ``--nodes`` nodes,
and the verdict. As in the conductor, the connection is kept per cluster: the
first pass makes them (a TLS handshake each), later passes reuse them;
``--fresh`` makes a new one for every check. The clusters' APIs are one TLS server in another process (its
CPU is not counted), so the figure is this process's CPU per pass
(``time.process_time``) with ``--workers`` threads, and what it is as a share of
one core at a ``--interval``. The one-time cost of making the monitoring
certificates (per cluster and CA generation) is printed apart. The database
listing of a pass (one query) is not included. Figures are printed, never
asserted::

    python bench/health.py --clusters 1000 --nodes 5 --workers 8 --interval 60
"""
from __future__ import annotations

import argparse
import datetime
import http.server
import ipaddress
import json
import multiprocessing
import os
import socket
import ssl
import sys
import tempfile
import time
from typing import Any

from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import futurist
from futurist import waiters
import urllib3

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from magnum_like.pki import x509  # noqa: E402
from magnum_like.conductor import health  # noqa: E402
from magnum_like.conductor import health_probes  # noqa: E402
from magnum_like import conf as ml_conf  # noqa: E402


def _server_pair(ca: x509.KeyPair) -> tuple[str, str]:
    """A server certificate for 127.0.0.1 signed by ``ca`` (PEM cert, PEM key)."""
    ca_cert = x509.load_certificate(ca.certificate)
    ca_key = x509.load_private_key(ca.private_key)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (cx509.CertificateBuilder()
            .subject_name(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, 'apiserver')]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(cx509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(cx509.SubjectAlternativeName(
                [cx509.IPAddress(ipaddress.ip_address('127.0.0.1'))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    from cryptography.hazmat.primitives import serialization
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())


def _serve(port_queue, ca_pem: str, cert_pem: str, key_pem: str, nodes: int) -> None:
    body = json.dumps({'items': [
        {'metadata': {'name': 'node-%d' % i, 'labels': {}},
         'spec': {'providerID': 'openstack:///server-%d' % i},
         'status': {'conditions': [{'type': 'Ready', 'status': 'True'}]}}
        for i in range(nodes)]}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def do_GET(self):  # noqa: N802 - http.server's name
            data = b'ok' if self.path == '/healthz' else body
            self.send_response(200)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    with tempfile.TemporaryDirectory() as directory:
        paths = {}
        for name, text in (('ca', ca_pem), ('cert', cert_pem), ('key', key_pem)):
            paths[name] = os.path.join(directory, name)
            with open(paths[name], 'w') as f:
                f.write(text)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=paths['ca'])
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_cert_chain(paths['cert'], paths['key'])
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def _probe_once(base: str, context, pools: dict | None, index: int) -> Any:
    """One check as the conductor makes it: through the cluster's kept pool
    (``health.Credentials.pool_for``), or a new pool and handshake each time
    when ``pools`` is None (``--fresh``, as checks were made before)."""
    pool = pools.get(index) if pools is not None else None
    if pool is None:
        pool = urllib3.PoolManager(ssl_context=context, num_pools=1, maxsize=1)
        if pools is not None:
            pools[index] = pool
    try:
        return health_probes.probe_kubernetes(base, pool, 5.0)
    finally:
        if pools is None:
            pool.clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clusters', type=int, default=1000)
    parser.add_argument('--nodes', type=int, default=5)
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--interval', type=float, default=60.0)
    parser.add_argument('--passes', type=int, default=3)
    parser.add_argument('--fresh', action='store_true',
                        help='a new connection (TLS handshake) for every check')
    args = parser.parse_args()
    ml_conf.CONF([], project='magnum_like')
    ca = x509.generate_ca('bench-cluster')
    cert_pem, key_pem = _server_pair(ca)
    queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, daemon=True,
                                     args=(queue, ca.certificate, cert_pem, key_pem, args.nodes))
    server.start()
    port = queue.get(timeout=30)
    with socket.create_connection(('127.0.0.1', port), timeout=10):
        pass
    base = 'https://127.0.0.1:%d' % port

    # One-time: a monitoring certificate and TLS context per cluster.
    started_cpu, started = time.process_time(), time.monotonic()
    contexts = []
    for _ in range(args.clusters):
        pair = x509.generate_client_cert(ca, common_name=health.MONITOR_CN,
                                         organization=health.MONITOR_GROUP)
        contexts.append(health._ssl_context(ca.certificate, pair))
    cert_cpu = time.process_time() - started_cpu
    cert_wall = time.monotonic() - started

    executor = futurist.ThreadPoolExecutor(max_workers=args.workers)
    pools: dict | None = None if args.fresh else {}
    print('clusters=%d nodes=%d workers=%d interval=%.0fs connections=%s' % (
        args.clusters, args.nodes, args.workers, args.interval,
        'new per check' if args.fresh else 'kept per cluster'))
    print('monitoring certificates (once per cluster and CA generation): %.2f s CPU, '
          '%.2f s wall, %.2f ms CPU each' % (cert_cpu, cert_wall,
                                             1000 * cert_cpu / args.clusters))
    for number in range(1, args.passes + 1):
        cpu0, wall0 = time.process_time(), time.monotonic()
        futures = [executor.submit(_probe_once, base, context, pools, index)
                   for index, context in enumerate(contexts)]
        waiters.wait_for_all(futures)
        results = [f.result() for f in futures]
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        healthy = sum(1 for r in results if r.status == health.HEALTHY)
        print('pass %d: %.2f s CPU, %.2f s wall, %.2f ms CPU per cluster, %d/%d HEALTHY; '
              'at one pass per %.0f s: %.1f%% of one core' % (
                  number, cpu, wall, 1000 * cpu / args.clusters, healthy, args.clusters,
                  args.interval, 100 * cpu / args.interval))
    executor.shutdown()
    server.terminate()
    return 0


if __name__ == '__main__':
    sys.exit(main())
