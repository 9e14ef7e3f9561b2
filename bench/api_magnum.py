"""``bench/api.py --keystone --magnum``: magnum_like beside OpenStack Magnum itself.

OpenStack Magnum (PyPI ``magnum``, :data:`MAGNUM_VERSION`) is installed by this
script into its own venv outside the package (``.bench-magnum/venv`` in the
repository root, git-ignored; ``--magnum-venv`` picks another), with
``magnum-capi-helm`` as its only driver: Magnum 23 ships no driver of its own,
and without one it refuses every template create. Nothing of Magnum's is
imported here: its rows are written by a small script run with the venv's
Python through Magnum's own ``magnum.db.api``, and its API is served in one of
two ways (``--magnum-server``):

* ``wsgi`` (the default), as operators run it: Magnum's WSGI application
  (``magnum.wsgi.api:application``, which reads its config files from
  ``sys.argv``) under uWSGI (built into the same venv), with as many worker
  processes as magnum_like's ``[api] workers`` and as many threads per
  process as its ``[api] threads``, HTTP/1.1 keep-alive, lazy apps (each
  worker opens its own connections after the fork), no request log (ours
  writes none). Loaded this way Magnum's objects read the database directly.
* ``console``: Magnum's ``magnum-api`` console script, which serves with
  werkzeug's development server (a forked process per request, at most
  ``[api] workers`` at once) and reads every object through the conductor
  over RPC.

Either way one ``magnum-conductor`` runs beside it, as in a deployment.

Both services run in one :class:`api_keystone.Stack`: the same Keystone
fixture (Magnum's keystonemiddleware also uses the same memcached token
cache), the same ``magnum-like-cloudsim`` as Glance/Nova/Neutron (Magnum finds
it through the Keystone catalog, which this bench fills; magnum_like through
its ``endpoint_override`` options), a MariaDB database and a RabbitMQ vhost of
each one's own. The same client processes with the same tokens send the same
calls to both, one after the other, at concurrency 1 and 8.

The template POST differs in one thing: Magnum's body names image
``ubuntu-22.04`` and driver ``k8s_capi_helm_v1`` (the only driver installed
there), magnum_like's names ``fedora-atomic-latest`` and
``k8s_fedora_atomic_v1``; the flavors, networks, subnet and keypair are the
same, and both look them up in the same simulator.

The cluster POST has the same body for both (the project's first seeded
template, keypair, one master, one node) and times the API's answer (202)
only; both quotas are raised so none is refused. magnum_like makes the
cluster's row and its trust before it answers, and casts to a conductor that
is not running; Magnum makes no trust and casts to its conductor, which then
makes the row and node groups and fails the cluster (no Barbican for its
certificates, and capi-helm has no management cluster). So that this work
does not run during the next figure, the bench waits after each Magnum cluster
figure until its conductor has settled every accepted create. The clusters
stay until the teardown drops both databases, Keystone's and the vhosts.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
import time

import requests

import api as bench_api
import api_keystone

MAGNUM_VERSION = '23.0.0'
DRIVER_PACKAGE = 'magnum-capi-helm'
DRIVER_VERSION = '1.4.0'
# What a deployment adds: the MariaDB driver, keystonemiddleware's memcached client.
EXTRA_PACKAGES = ('PyMySQL', 'python-memcached')
# The production WSGI server of ``--magnum-server wsgi`` (built from source: needs a C compiler).
UWSGI = 'uwsgi==2.0.31'
VENV = os.path.join(bench_api.ROOT, '.bench-magnum', 'venv')
SERVERS = ('wsgi', 'console')
#: Seconds Magnum's conductor gets to settle the creates of one cluster figure.
SETTLE_TIMEOUT = 600

SEED_SCRIPT = r'''
import json, sys, uuid
from oslo_config import cfg
conf_file, spec = sys.argv[1], json.loads(sys.argv[2])
cfg.CONF(['--config-file', conf_file], project='magnum')
from magnum.db import api as dbapi
db = dbapi.get_instance()
out = {'big': [], 'bench': [], 'clusters': []}

def template(project, user, name):
    return {'uuid': str(uuid.uuid4()), 'name': name, 'coe': 'kubernetes',
            'image_id': 'ubuntu-22.04', 'cluster_distro': 'ubuntu',
            'driver': 'k8s_capi_helm_v1', 'flavor_id': 'm1.small',
            'master_flavor_id': 'm1.small', 'external_network_id': 'public',
            'keypair_id': 'benchkey', 'project_id': project, 'user_id': user,
            'network_driver': 'calico', 'server_type': 'vm',
            'labels': {'kube_tag': 'v1.30'}, 'public': False, 'hidden': False,
            'registry_enabled': False, 'tls_disabled': False,
            'master_lb_enabled': False, 'floating_ip_enabled': True}

for who, count in (('big', 1000), ('bench', 10)):
    project, user = spec[who]
    for i in range(count):
        row = template(project, user, 'bench-%s-%04d' % (who, i))
        db.create_cluster_template(row)
        out[who].append(row['uuid'])
project, user = spec['bench']
for i in range(10):
    cluster = str(uuid.uuid4())
    out['clusters'].append(cluster)
    db.create_cluster({'uuid': cluster, 'name': 'seed-%d' % i, 'project_id': project,
                       'user_id': user, 'cluster_template_id': out['bench'][0],
                       'keypair': 'benchkey', 'status': 'CREATE_COMPLETE',
                       'master_flavor_id': 'm1.small', 'flavor_id': 'm1.small',
                       'stack_id': str(uuid.uuid4()), 'discovery_url': None,
                       'create_timeout': 60, 'master_lb_enabled': False,
                       'floating_ip_enabled': True, 'labels': {}})
    for role, name, count in (('master', 'default-master', 1),
                              ('worker', 'default-worker', 3)):
        db.create_nodegroup({'uuid': str(uuid.uuid4()), 'name': name, 'cluster_id': cluster,
                             'project_id': project, 'role': role, 'is_default': True,
                             'node_count': count, 'min_node_count': 1,
                             'flavor_id': 'm1.small', 'image_id': 'ubuntu-22.04',
                             'labels': {}, 'status': 'CREATE_COMPLETE'})
print(json.dumps(out))
'''


def install(venv: str, server: str) -> str:
    """Make ``venv`` with Magnum, its driver and (``wsgi``) uWSGI; pip skips what is there."""
    python = os.path.join(venv, 'bin', 'python')
    if not os.path.exists(python):
        subprocess.run([sys.executable, '-m', 'venv', venv], check=True)
    packages = ['magnum==%s' % MAGNUM_VERSION, '%s==%s' % (DRIVER_PACKAGE, DRIVER_VERSION),
                *EXTRA_PACKAGES] + ([UWSGI] if server == 'wsgi' else [])
    subprocess.run([python, '-m', 'pip', 'install', '-q', *packages], check=True)
    return python


def our_workers_threads() -> tuple[int, int]:
    """magnum-like-api's ``[api] workers`` and ``threads`` here (the bench sets neither)."""
    from magnum_like.cmd import api as ml_api
    from magnum_like.conf import CONF
    return ml_api.worker_count(), CONF.api.threads


class MagnumService:
    """Magnum's database, vhost, config, schema, rows, conductor and API server."""

    def __init__(self, stack: api_keystone.Stack, venv: str) -> None:
        self.stack, self.venv = stack, venv
        self.api_log = os.path.join(stack.tmp, 'magnum-api.out')
        self.expected_clusters = 0   # rows the conductor has to have made (see settle)
        self.statuses: dict[str, int] = {}
        self.db_url = ''
        self.vhost = None
        self.conf = os.path.join(stack.tmp, 'magnum.conf')

    def _bin(self, name: str) -> str:
        return os.path.join(self.venv, 'bin', name)

    def register_catalog(self) -> None:
        """Image, compute and network in Keystone's catalog: Magnum finds its clouds there."""
        from keystoneclient.v3 import client as ks_client
        admin = ks_client.Client(session=self.stack.keystone.admin_session())
        for kind, name in (('image', 'glance'), ('compute', 'nova'), ('network', 'neutron'),
                           ('load-balancer', 'octavia'), ('orchestration', 'heat')):
            service = admin.services.create(name, type=kind)
            for interface in ('public', 'internal', 'admin'):
                admin.endpoints.create(service, self.stack.endpoints[kind],
                                       interface=interface, region='RegionOne')

    def start(self, server: str, workers: int, threads: int) -> str:
        """Set Magnum up and serve its API with ``server`` (see the module docstring)."""
        from tests.fixtures import database
        from tests.fixtures import rabbitmq
        stack = self.stack
        self.vhost = rabbitmq.create_vhost()
        self.db_url = database.provision_database('mysql')
        self.port = api_keystone._free_port()
        ks = stack.keystone.url
        paste = os.path.join(self.venv, 'etc', 'magnum', 'api-paste.ini')
        auth = textwrap.dedent(f"""\
            auth_url = {ks}
            auth_type = password
            username = magnum
            password = {api_keystone.SERVICE_PASSWORD}
            project_name = service
            user_domain_id = default
            project_domain_id = default
            """)
        with open(self.conf, 'w') as handle:
            handle.write(f"""[DEFAULT]
transport_url = {self.vhost.url}
log_dir = {stack.tmp}

[database]
connection = {self.db_url}

[api]
host = 127.0.0.1
port = {self.port}
api_paste_config = {paste}

[oslo_policy]
enforce_new_defaults = true
enforce_scope = false

[keystone_authtoken]
www_authenticate_uri = {ks}
{auth}service_token_roles_required = false
memcached_servers = 127.0.0.1:{stack.memcached_port}

[keystone_auth]
{auth}
[trust]
trustee_domain_name = magnum
trustee_domain_admin_name = magnum_domain_admin
trustee_domain_admin_password = {api_keystone.DOMAIN_ADMIN_PASSWORD}

[drivers]
default_driver = k8s_capi_helm_v1

[quotas]
max_clusters_per_project = 1000000
""")
        manage = subprocess.run([self._bin('magnum-db-manage'), '--config-file', self.conf,
                                 'upgrade'], capture_output=True, text=True, timeout=600)
        assert manage.returncode == 0, manage.stderr[-3000:]
        spec = json.dumps({who: stack.ids[who] for who in ('big', 'bench')})
        seeded = subprocess.run([self._bin('python'), '-c', SEED_SCRIPT, self.conf, spec],
                                capture_output=True, text=True, timeout=600)
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        self.seeded = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.expected_clusters = len(self.seeded['clusters'])
        # Magnum's API reads its objects through the conductor (RPC object indirection):
        # a deployment runs magnum-conductor beside magnum-api.
        cond_log = open(os.path.join(stack.tmp, 'magnum-conductor.out'), 'wb')
        stack.procs.append(subprocess.Popen(
            [self._bin('magnum-conductor'), '--config-file', self.conf],
            stdout=cond_log, stderr=subprocess.STDOUT, start_new_session=True))
        command = (self._uwsgi(workers, threads) if server == 'wsgi'
                   else [self._bin('magnum-api'), '--config-file', self.conf])
        proc = subprocess.Popen(command, stdout=open(self.api_log, 'wb'),
                                stderr=subprocess.STDOUT, start_new_session=True)
        stack.procs.append(proc)
        url = 'http://127.0.0.1:%d' % self.port

        def up():
            if proc.poll() is not None:
                with open(self.api_log) as handle:
                    raise RuntimeError('Magnum API (%s) exited: %s'
                                       % (server, handle.read()[-3000:]))
            try:
                return requests.get(url + '/', timeout=5).status_code == 200
            except requests.RequestException:
                return False
        api_keystone._wait(up, 90, 'the Magnum API')
        return url

    def _uwsgi(self, workers: int, threads: int) -> list[str]:
        """uWSGI serving ``magnum.wsgi.api``, which parses ``sys.argv`` (``--pyargv``)."""
        return [self._bin('uwsgi'), '--home', self.venv,
                '--http11-socket', '127.0.0.1:%d' % self.port,
                '--module', 'magnum.wsgi.api:application',
                '--pyargv', '--config-file %s' % self.conf,
                '--master', '--processes', str(workers), '--threads', str(threads),
                '--lazy-apps', '--thunder-lock', '--need-app', '--die-on-term',
                '--buffer-size', '65535', '--disable-logging']

    def settle(self, accepted: int, timeout: float = SETTLE_TIMEOUT) -> float:
        """Wait until the conductor has made and settled ``accepted`` more clusters.

        It makes a cluster's row when it takes the create and moves it out of
        ``CREATE_IN_PROGRESS`` when it is done with it. Returns the seconds
        waited; :attr:`statuses` holds the clusters per status then.
        """
        import sqlalchemy as sa
        engine = sa.create_engine(self.db_url, poolclass=sa.pool.NullPool)
        self.expected_clusters += accepted
        started = time.monotonic()

        def done():
            with engine.connect() as conn:
                rows = dict(conn.execute(sa.text(
                    'SELECT status, COUNT(*) FROM cluster GROUP BY status')).all())
            self.statuses = rows
            return (sum(rows.values()) >= self.expected_clusters
                    and not rows.get('CREATE_IN_PROGRESS'))
        try:
            api_keystone._wait(done, timeout, "Magnum's conductor to settle its creates")
        finally:
            engine.dispose()
        return time.monotonic() - started

    def stop(self) -> None:
        from tests.fixtures import database
        from tests.fixtures import rabbitmq
        if self.db_url:
            database.drop_database(self.db_url)
        if self.vhost is not None:
            rabbitmq.delete_vhost(self.vhost)


def _say_first_wrong(state: dict, call: str, status: int, data: bytes) -> None:
    """Print a client's first wrong answer (a row with errors says so, this says why)."""
    if not state.get('said'):
        state['said'] = True
        print('  %s answered %d: %s' % (call, status, data[:300]), file=sys.stderr)


def scenarios(seeded: dict, magnum: bool, accepted):
    """(name, who, op) for one service; the calls of ``api_keystone.scenarios``.

    ``accepted`` (a ``multiprocessing.Value``, shared with the forked clients)
    counts the cluster creates answered 202, warm-up calls included.
    """
    names = dict((n, (who, op)) for n, who, op in api_keystone.scenarios(seeded, ''))
    out = [(n, names[n][0], names[n][1]) for n in (
        'GET one template', 'GET templates (10)', 'GET clusters (10)',
        'GET 1000 templates (limit=1000)')]
    image, driver = (('ubuntu-22.04', 'k8s_capi_helm_v1') if magnum
                     else ('fedora-atomic-latest', 'k8s_fedora_atomic_v1'))

    def post_template(client, state):
        state['n'] += 1
        body = json.dumps({'coe': 'kubernetes', 'image_id': image,
                           'flavor_id': 'm1.small', 'master_flavor_id': 'm1.medium',
                           'external_network_id': 'public', 'fixed_network': 'private',
                           'fixed_subnet': 'private-subnet', 'keypair_id': 'benchkey',
                           'driver': driver,
                           'name': 'post-%d-%d' % (os.getpid(), state['n'])}).encode()
        status, data = client.request('POST', '/v1/clustertemplates', body,
                                      headers=state['headers'])
        if status != 201:
            _say_first_wrong(state, 'POST template', status, data)
        return lambda: status == 201

    def post_cluster(client, state):
        state['n'] += 1
        body = json.dumps({'cluster_template_id': seeded['bench'][0], 'keypair': 'benchkey',
                           'node_count': 1, 'master_count': 1,
                           'name': 'c-%d-%d' % (os.getpid(), state['n'])}).encode()
        status, data = client.request('POST', '/v1/clusters', body, headers=state['headers'])
        if status == 202:
            with accepted.get_lock():
                accepted.value += 1
        else:
            _say_first_wrong(state, 'POST cluster', status, data)
        return lambda: status == 202
    return out + [('POST template (checks on)', 'bench', post_template),
                  ('POST cluster', 'bench', post_cluster)]


def _fmt(r: dict) -> str:
    return '%9.1f %8.2f' % (r['rps'], r['p50'])


def _probe(name: str, url: str, template: str, token: str) -> None:
    """Both services must answer before anything is measured: a broken set-up measures nothing."""
    probe = requests.get(url + '/v1/clustertemplates/' + template, timeout=60,
                         headers=dict(bench_api.HEADERS, **{'X-Auth-Token': token}))
    if probe.status_code != 200:
        raise RuntimeError('%s answered %d: %s' % (name, probe.status_code, probe.text[:500]))


def main(seconds: float, server: str = 'wsgi', venv: str = VENV,
         keystone_cache: bool = True) -> None:
    """Measure both services (``server``: how Magnum's API is served, one of :data:`SERVERS`)."""
    if server not in SERVERS:
        raise ValueError('--magnum-server must be one of %s' % ', '.join(SERVERS))
    print('installing magnum==%s + %s==%s%s into %s ...'
          % (MAGNUM_VERSION, DRIVER_PACKAGE, DRIVER_VERSION,
             ' + ' + UWSGI if server == 'wsgi' else '', venv), flush=True)
    install(venv, server)
    workers, threads = our_workers_threads()
    from magnum_like.conf import trust as trust_conf
    spares = next(o.default for o in trust_conf.opts if o.name == 'trustee_spares')
    stack = api_keystone.Stack()
    stack.keystone_cache = keystone_cache
    magnum = MagnumService(stack, venv)
    try:
        stack.start()
        magnum.register_catalog()
        seeded = stack.seed()
        ks_url = stack.api('keystone')
        bare_url = stack.api('bare')
        stack.spare_refiller()  # the conductors' spare pass ([trust] trustee_spares)
        stack.seed_clusters(bare_url, seeded['bench'][0], 10)
        magnum_url = magnum.start(server, workers, threads)
        tokens = {who: stack.token(who) for who in ('bench', 'big')}
        _probe('magnum_like', ks_url, seeded['bench'][0], tokens['bench'])
        _probe('Magnum', magnum_url, magnum.seeded['bench'][0], tokens['bench'])
        ctx = multiprocessing.get_context('fork')
        ours_accepted, theirs_accepted = ctx.Value('i', 0), ctx.Value('i', 0)
        ours = scenarios(seeded, False, ours_accepted)
        theirs = scenarios(magnum.seeded, True, theirs_accepted)
        how = ({'wsgi': 'Magnum\'s WSGI app under uWSGI (%d processes x %d threads)'
                        % (workers, threads),
                'console': 'Magnum\'s magnum-api console script (werkzeug, a process per '
                           'request, at most %d at once)' % (os.cpu_count() or 1)})[server]
        print('magnum_like vs OpenStack Magnum %s (+%s %s), both behind keystonemiddleware '
              '(one Keystone%s, one memcached token cache, same tokens), cloud checks against '
              'the same magnum-like-cloudsim, MariaDB; magnum-like-api with %d workers x %d '
              'threads; %s, one magnum-conductor; %.1f s per figure; client: one process '
              'per connection.' % (MAGNUM_VERSION, DRIVER_PACKAGE, DRIVER_VERSION,
                                   ' caching in memcached' if keystone_cache else
                                   ' without a cache', workers, threads, how, seconds))
        header = '%-32s %4s | %9s %8s | %9s %8s | %8s %6s' % (
            'call', 'conc', 'ours r/s', 'p50 ms', 'Magnum', 'p50 ms', 'ours/Mg', 'errors')
        print()
        print(header)
        print('-' * len(header))
        settled = []
        for (name, who, op), (_, _, their_op) in zip(ours, theirs):
            headers = dict(bench_api.HEADERS, **{'X-Auth-Token': tokens[who]})
            for c in (1, 8):
                if name == 'POST cluster' and spares:
                    api_keystone._wait(lambda: stack.spare_count() >= spares, 300,
                                       'a full spare pool')
                a = bench_api.run(ks_url, api_keystone._with_headers(op, headers), c, seconds)
                before = theirs_accepted.value
                m = bench_api.run(magnum_url, api_keystone._with_headers(their_op, headers),
                                  c, seconds)
                if name == 'POST cluster':
                    settled.append(magnum.settle(theirs_accepted.value - before))
                errors = a['errors'] + m['errors']
                print('%-32s %4d | %s | %s | %8.2f %6s%s' % (
                    name, c, _fmt(a), _fmt(m), a['rps'] / m['rps'],
                    '%d/%d' % (a['errors'], m['errors']),
                    '  <- %d wrong answers' % errors if errors else ''), flush=True)
        print()
        print('ours/Mg = magnum_like requests/s over Magnum requests/s (same run, same '
              'client, same token); errors = wrong answers (warm-up calls included), '
              'magnum_like/Magnum. POST cluster: %d and %d creates accepted (202), warm-up '
              'calls included; each magnum_like figure starts with %d spare trustee users '
              'ready; Magnum\'s conductor settled its creates %s s after each '
              'figure (its clusters then: %s).'
              % (ours_accepted.value, theirs_accepted.value, spares,
                 ' and '.join('%.1f' % t for t in settled),
                 ', '.join('%d %s' % (n, st) for st, n in sorted(magnum.statuses.items()))))
    finally:
        try:
            stack.stop()
        finally:
            magnum.stop()


if __name__ == '__main__':
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0)
