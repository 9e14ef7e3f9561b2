"""API throughput and latency: ``/v1/clustertemplates`` against a bare WSGI app.

For SQLite and MariaDB (a throw-away database, dropped afterwards) it starts
``magnum-like-api``'s server (``make_server``, cheroot, noauth, cloud checks
OFF) in a subprocess, seeds 1000 templates, and measures at concurrency 1 and 8:

* ``GET /v1/clustertemplates?limit=1000`` (1000 rows per answer)
* ``GET /v1/clustertemplates/{uuid}``
* ``POST`` + ``DELETE`` of a template (one operation = both requests)

In the same run it serves a bare WSGI app (a small JSON document) with the
same server and thread count, and prints every figure also as a ratio to the
bare app at the same concurrency. No assertions.

The client must not be the bottleneck, or the ratios flatter the API: each
concurrent client is its own process (no GIL shared with the other clients)
with one persistent ``http.client`` connection; the clock covers sending the
request and reading the whole body, and answers are checked (status, and the
1000 rows of the list) after the clock stops.

    /work/venv/bin/python bench/api.py [--seconds 3] [--backends sqlite,mysql]

``--keystone`` measures the service as operators deploy it instead (see
:func:`keystone_main`): ``magnum-like-api`` itself (``[api] workers`` left at
its default), real Keystone tokens through keystonemiddleware with a private
memcached as its token cache, cloud checks on against ``magnum-like-cloudsim``,
MariaDB. Every figure is printed beside the same call on the same database
against the same binary with noauth and checks off (the bare app), measured
in the same run:

    .venv/bin/python bench/api.py --keystone [--seconds 3] [--trustee-spares N]

Cluster creates there take spare trustee users (``[trust] trustee_spares``, the
service default unless ``--trustee-spares``; 0 makes every create make its user
while it waits): the bench runs the conductors' spare pass beside the API.
Its Keystone hashes passwords with 4 bcrypt rounds (``password_hash_rounds``
of ``magnum_like.devcloud.keystone``), so creating a user costs little more
than any other Keystone request; ``--keystone-hash-rounds 12`` is Keystone's
own default, as deployed.

``--keystone --magnum`` puts OpenStack Magnum itself (installed by the bench
into its own venv) beside magnum_like in that deployment, served by default
as operators serve it (its WSGI application under uWSGI, as many processes
and threads as magnum_like's), or with ``--magnum-server console`` by its own
``magnum-api`` console script (see ``bench/api_magnum.py``):

    .venv/bin/python bench/api.py --keystone --magnum [--magnum-server wsgi|console] [--seconds 3]
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MYSQL_SERVER = os.environ.get('MLT_MYSQL_URL', 'mysql+pymysql://root@127.0.0.1:3306/')
THREADS = 16
HEADERS = {'OpenStack-API-Version': 'container-infra latest', 'Accept': 'application/json',
           'Content-Type': 'application/json'}

SERVER_SCRIPT = r'''
import sys, json
kind, db_url, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
from magnum_like.cmd import api as api_cmd
from magnum_like import conf as ml_conf
CONF = ml_conf.CONF
CONF([], project='magnum_like', default_config_files=[])
if kind == 'api':
    CONF.set_override('auth_strategy', 'noauth', group='api')
    CONF.set_override('connection', db_url, group='database')
    CONF.set_override('validate_cloud_resources', False, group='cluster_template')
    import logging
    logging.getLogger().setLevel(logging.WARNING)   # no access-log I/O in the figures
    from magnum_like.db import api as db_api
    db_api.configure(db_url)
    from magnum_like.api import app as api_app
    app = api_app.setup_app()
else:
    BODY = json.dumps({"name": "bare", "status": "ok", "version": "1.14"}).encode()
    def app(environ, start_response):
        start_response('200 OK', [('Content-Type', 'application/json'),
                                  ('Content-Length', str(len(BODY)))])
        return [BODY]
server = api_cmd.make_server(app, '127.0.0.1', 0, threads=threads)
server.prepare()
print(server.bind_addr[1], flush=True)
import signal
signal.signal(signal.SIGTERM, lambda *a: server.stop())
server.serve()
'''


# -- databases -----------------------------------------------------------------

def provision(backend: str) -> str:
    name = 'mlbench_%s' % uuid.uuid4().hex[:12]
    if backend == 'sqlite':
        return 'sqlite:///%s' % os.path.join(tempfile.mkdtemp(prefix='mlbench_'), name)
    engine = sa.create_engine(MYSQL_SERVER, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql('CREATE DATABASE %s CHARACTER SET utf8mb4' % name)
    engine.dispose()
    url = sa.engine.make_url(MYSQL_SERVER).set(database=name)
    return url.update_query_dict({'charset': 'utf8mb4'}).render_as_string(hide_password=False)


def drop(url: str) -> None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == 'sqlite':
        if os.path.exists(parsed.database):
            os.unlink(parsed.database)
        return
    engine = sa.create_engine(MYSQL_SERVER, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql('DROP DATABASE IF EXISTS %s' % parsed.database)
    engine.dispose()


def seed(url: str, count: int) -> list[str]:
    from magnum_like.db import migration
    from magnum_like.db import models
    migration.upgrade('head', url=url)
    engine = sa.create_engine(url)
    rows = [{'uuid': str(uuid.uuid4()), 'name': 'bench-%04d' % i, 'coe': 'kubernetes',
             'image_id': 'fedora-atomic-latest', 'project_id': 'admin', 'user_id': 'admin',
             'network_driver': 'flannel', 'server_type': 'vm', 'labels': {'kube_tag': 'v1.30'},
             'public': False, 'hidden': False, 'registry_enabled': False,
             'tls_disabled': False, 'master_lb_enabled': False, 'floating_ip_enabled': True,
             'created_at': sa.func.now()} for i in range(count)]
    with engine.begin() as conn:
        for row in rows:
            conn.execute(models.ClusterTemplate.__table__.insert().values(**row))
    engine.dispose()
    return [r['uuid'] for r in rows]


# -- servers -------------------------------------------------------------------

class Server:
    def __init__(self, kind: str, db_url: str = ''):
        self.proc = subprocess.Popen(
            [sys.executable, '-c', SERVER_SCRIPT, kind, db_url, str(THREADS)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
        port = int(self.proc.stdout.readline())
        self.url = 'http://127.0.0.1:%d' % port

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# -- load ------------------------------------------------------------------------

class Client:
    """One persistent HTTP/1.1 connection (``http.client``: little client-side cost)."""

    def __init__(self, url: str):
        host, port = url.split('//', 1)[1].split(':')
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        self.conn.request(method, path, body=body, headers=HEADERS if headers is None else headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.getheader('Connection', '').lower() == 'close':
            self.conn.close()
        return resp.status, data


def _worker(url: str, op, index: int, seconds: float, out) -> None:
    client = Client(url)
    state = {'n': index * 7919}
    warm_up = op(client, state)  # connection set-up: not timed, but a wrong answer counts
    latencies, errors = [], 0 if warm_up() else 1
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        check = op(client, state)
        latencies.append(time.perf_counter() - started)
        if not check():    # outside the clock: the client's own parsing is not the server's time
            errors += 1
    out.send((latencies, errors))


def run(url: str, op, concurrency: int, seconds: float) -> dict:
    """Call ``op(client, state)`` from ``concurrency`` client processes for ``seconds``.

    ``op`` sends its request(s), reads the answers and returns a function that
    tells whether they were right. Each client's first call warms its
    connection up: it is not timed, but counts in ``errors`` if it was wrong.
    """
    ctx = multiprocessing.get_context('fork')
    pipes, procs = [], []
    for index in range(concurrency):
        receiver, sender = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=(url, op, index, seconds, sender))
        proc.start()
        pipes.append(receiver)
        procs.append(proc)
    started = time.monotonic()
    latencies: list[float] = []
    errors = 0
    for receiver in pipes:
        mine, failed = receiver.recv()
        latencies.extend(mine)
        errors += failed
    wall = time.monotonic() - started
    for proc in procs:
        proc.join()
    latencies.sort()
    return {'rps': len(latencies) / wall, 'n': len(latencies), 'errors': errors,
            'p50': statistics.median(latencies) * 1000,
            'p99': latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000}


def bare_get(client, state):
    status, _ = client.request('GET', '/', headers={})
    return lambda: status == 200


def scenarios(uuids: list[str]):
    base = '/v1/clustertemplates'

    def list_all(client, state):
        status, data = client.request('GET', base + '?limit=1000')
        if not state.get('parsed'):   # the warm-up call: parse one answer fully
            state['parsed'] = len(json.loads(data)['clustertemplates']) == 1000
        # then only count the rows: parsing 1.2 MB per answer in 8 client processes
        # would take the CPU the server is measured on
        return lambda: (status == 200 and state['parsed']
                        and data.count(b'"rel": "bookmark"') == 1000)

    def get_one(client, state):
        state['n'] += 1
        status, _ = client.request('GET', base + '/' + uuids[state['n'] % len(uuids)])
        return lambda: status == 200

    def create_delete(client, state):
        state['n'] += 1
        body = json.dumps({'coe': 'kubernetes', 'image_id': 'img', 'cluster_distro': 'fedora-atomic',
                           'name': 'cd-%d-%d' % (os.getpid(), state['n'])}).encode()
        status, data = client.request('POST', base, body)
        if status != 201:
            return lambda: False
        status, _ = client.request('DELETE', base + '/' + json.loads(data)['uuid'])
        return lambda: status == 204

    return [('GET list limit=1000 (1000 rows)', list_all), ('GET one by uuid', get_one),
            ('POST+DELETE template', create_delete)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=float, default=3.0)
    parser.add_argument('--backends', default='sqlite,mysql')
    parser.add_argument('--keystone', action='store_true',
                        help='Keystone tokens, memcached, checks on, magnum-like-api as deployed')
    parser.add_argument('--magnum', action='store_true',
                        help='with --keystone: beside OpenStack Magnum (installed into '
                             '.bench-magnum/venv) instead of the bare app')
    parser.add_argument('--magnum-server', choices=('wsgi', 'console'), default='wsgi',
                        help='with --magnum: serve Magnum\'s WSGI app under uWSGI (as '
                             'operators do) or with its magnum-api console script (werkzeug)')
    parser.add_argument('--magnum-venv', default=None,
                        help='with --magnum: the venv to install Magnum into '
                             '(default .bench-magnum/venv)')
    parser.add_argument('--trustee-spares', type=int, default=None,
                        help="with --keystone: [trust] trustee_spares of the API's "
                             'configuration (default: the service default; 0: none, every '
                             'cluster create makes its trustee user while it waits)')
    parser.add_argument('--keystone-hash-rounds', type=int, default=4, choices=range(4, 32),
                        metavar='4..31',
                        help="with --keystone: Keystone's bcrypt cost for new users' "
                             "passwords (default 4, the tests'; Keystone's own default is 12)")
    parser.add_argument('--no-keystone-cache', dest='keystone_cache', action='store_false',
                        help="with --keystone: Keystone without its own cache (by default it "
                             "caches in the bench's memcached, as its install guides set it up)")
    args = parser.parse_args()
    if args.keystone and args.magnum:
        import api_magnum  # bench/ is sys.path[0] when run as a script
        api_magnum.main(args.seconds, args.magnum_server,
                        args.magnum_venv or api_magnum.VENV, args.keystone_cache)
        return
    if args.keystone:
        import api_keystone  # bench/ is sys.path[0] when run as a script
        api_keystone.main(args.seconds, args.trustee_spares, args.keystone_hash_rounds,
                          args.keystone_cache)
        return
    print('magnum-like API bench: cheroot (%d threads), noauth, cloud-resource checks OFF; '
          'INFO logging off; %.1f s per figure; client: one process per connection '
          '(persistent http.client).'
          % (THREADS, args.seconds))
    bare = Server('bare')
    try:
        baseline = {c: run(bare.url, bare_get, c, args.seconds) for c in (1, 8)}
    finally:
        bare.stop()
    header = '%-8s %-34s %4s %9s %8s %8s %6s | %8s %8s %8s' % (
        'db', 'scenario', 'conc', 'req/s', 'p50 ms', 'p99 ms', 'errors',
        'x rps', 'x p50', 'x p99')
    print()
    print(header)
    print('-' * len(header))
    for c in (1, 8):
        b = baseline[c]
        print('%-8s %-34s %4d %9.1f %8.2f %8.2f %6d | %8s %8s %8s' % (
            '-', 'bare WSGI app (baseline)', c, b['rps'], b['p50'], b['p99'], b['errors'],
            '1.00', '1.00', '1.00'))
    for backend in [b for b in args.backends.split(',') if b]:
        try:
            url = provision(backend)
        except Exception as e:   # noqa: BLE001 - a bench reports and goes on
            print('%-8s skipped: %s' % (backend, e))
            continue
        server = None
        try:
            uuids = seed(url, 1000)
            server = Server('api', url)
            for name, op in scenarios(uuids):
                for c in (1, 8):
                    r = run(server.url, op, c, args.seconds)
                    b = baseline[c]
                    print('%-8s %-34s %4d %9.1f %8.2f %8.2f %6d | %8.4f %8.1f %8.1f' % (
                        backend, name, c, r['rps'], r['p50'], r['p99'], r['errors'],
                        r['rps'] / b['rps'], r['p50'] / b['p50'], r['p99'] / b['p99']))
        finally:
            if server:
                server.stop()
            drop(url)
    print()
    print('x rps = requests/s relative to the bare app at the same concurrency (higher is '
          'better); x p50/x p99 = latency relative to the bare app (lower is better).')


if __name__ == '__main__':
    main()
