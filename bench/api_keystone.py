"""``bench/api.py --keystone``: the API as operators deploy it, beside the bare app.

Started here, all on loopback and torn down afterwards:

* a private ``memcached`` on a free port, keystonemiddleware's token cache
  (``[keystone_authtoken] memcached_servers``) and, as Keystone's install
  guides configure it, Keystone's own cache (``[cache] backend =
  oslo_cache.memcache_pool``; ``--no-keystone-cache`` leaves Keystone without);
* Keystone (``magnum_like.devcloud.keystone``, the tests' fixture) with a
  service user ``magnum`` and two projects, each with a member user;
* ``magnum-like-cloudsim`` as Glance, Nova and Neutron (zero delay), asking
  Keystone who a token belongs to;
* a MariaDB database and a RabbitMQ vhost of their own (cluster creates are
  cast to a conductor that is not running: the API's answer is what is timed);
* two ``magnum-like-api`` processes on that database, as deployed
  (``[api] workers`` left at its default): **keystone** (keystonemiddleware,
  ``validate_cloud_resources`` on) and **bare** (noauth, checks off; the
  client sends the same project and user ids as headers, so both see the same
  rows).

Seeded: 1000 templates in project ``big``; 10 templates and 10 clusters (with
their node groups) in project ``bench``. Each client process gets its token
once (as a CLI caches it), and sends it on a persistent connection. Trusts are
on (keystone mode needs them): a cluster create makes its trustee user and
trust in Keystone (MariaDB) before it answers. It takes a spare trustee user
(``[trust] trustee_spares``, its default unless ``--trustee-spares``) when
there is one: a process of its own runs the conductors' spare pass
(``conductor/trustee_spares.py``) every ``[trust] spare_refill_interval`` on
the service's configuration, and each ``POST cluster`` figure starts with the
pool full, as after a quiet spell (the pool is printed before and after).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import requests

import api as bench_api

ROOT = bench_api.ROOT
sys.path.insert(0, ROOT)
BIN = os.path.dirname(sys.executable)
SERVICE_PASSWORD = 'magnum-secret'
USER_PASSWORD = 'user-secret'
DOMAIN_ADMIN_PASSWORD = 'domain-secret'


#: The spare pass of a conductor, alone (``python -c _REFILL <config file>``).
_REFILL = """
import sys, time
from magnum_like.common import service
from magnum_like.conductor import ring, trustee_spares
from magnum_like import conf
service.prepare_service(['bench-spares', '--config-file', sys.argv[1]])
refiller = trustee_spares.SpareRefiller('bench-spares', ring.Ring('bench-spares', conf.CONF))
while True:
    refiller.run()
    time.sleep(conf.CONF.trust.spare_refill_interval)
"""


def _free_port() -> int:
    from magnum_like.devcloud.keystone import free_port
    return free_port()


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError('timed out waiting for %s' % what)
        time.sleep(0.2)


class Stack:
    """Everything the Keystone mode runs on (see the module docstring)."""

    def __init__(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix='mlbench_ks_')
        self.procs: list[subprocess.Popen] = []
        self.keystone = None
        self.vhost = None
        self.db_url = ''
        self.keystone_db_url = ''
        self.ids: dict = {}
        #: ``[trust] trustee_spares`` line of the keystone config ('' : the default).
        self.spares_line = ''
        #: Keystone's ``[identity] password_hash_rounds``.
        self.hash_rounds = 4
        #: Keystone caches in the bench's memcached (``[cache]``).
        self.keystone_cache = True

    # -- services --------------------------------------------------------------------
    def start(self) -> None:
        from magnum_like.devcloud import keystone as devcloud_keystone
        from tests.fixtures import database
        from tests.fixtures import rabbitmq
        self.vhost = rabbitmq.create_vhost()
        self.db_url = database.provision_database('mysql')
        # Keystone on MariaDB, as deployed (cluster creates make trustee users at once).
        self.keystone_db_url = database.provision_database('mysql')
        self.memcached_port = _free_port()
        self.procs.append(subprocess.Popen(
            ['memcached', '-l', '127.0.0.1', '-p', str(self.memcached_port), '-U', '0',
             '-u', 'root', '-m', '64'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.keystone = devcloud_keystone.KeystoneServer(
            os.path.join(self.tmp, 'keystone'), admin_password='admin-secret',
            db_url=self.keystone_db_url, password_hash_rounds=self.hash_rounds,
            cache_servers=(('127.0.0.1:%d' % self.memcached_port,)
                           if self.keystone_cache else ())).start()
        self._identities()
        sim = subprocess.Popen(
            [os.path.join(BIN, 'magnum-like-cloudsim'), '--port', '0',
             '--keystone-url', self.keystone.url],
            stdout=subprocess.PIPE, stderr=open(os.path.join(self.tmp, 'sim.log'), 'wb'))
        self.procs.append(sim)
        ready = json.loads(sim.stdout.readline().decode())
        self.endpoints = ready['endpoints']
        for name in ('bench', 'big'):
            # The user's own keypair, for its cluster creates (Nova's keypairs are per user).
            resp = requests.post(self.endpoints['compute'].rstrip('/') + '/os-keypairs',
                                 headers={'X-Auth-Token': self.token(name)},
                                 json={'keypair': {'name': 'benchkey'}}, timeout=30)
            assert resp.status_code in (200, 201), resp.text
        self._write_config()
        manage = subprocess.run([os.path.join(BIN, 'magnum-like-db-manage'), '--config-file',
                                 self.config('keystone'), 'upgrade'],
                                capture_output=True, text=True, timeout=300)
        assert manage.returncode == 0, manage.stderr[-2000:]

    def _identities(self) -> None:
        from keystoneclient.v3 import client as ks_client
        admin = ks_client.Client(session=self.keystone.admin_session())
        roles = {r.name: r for r in admin.roles.list()}
        service_project = admin.projects.create('service', domain='default')
        service_user = admin.users.create('magnum', domain='default', password=SERVICE_PASSWORD)
        admin.roles.grant(roles['admin'], user=service_user, project=service_project)
        domain = admin.domains.create('magnum')
        domain_admin = admin.users.create('magnum_domain_admin', domain=domain,
                                          password=DOMAIN_ADMIN_PASSWORD)
        admin.roles.grant(roles['admin'], user=domain_admin, domain=domain)
        for name in ('bench', 'big'):
            project = admin.projects.create(name, domain='default')
            user = admin.users.create(name, domain='default', password=USER_PASSWORD)
            admin.roles.grant(roles['member'], user=user, project=project)
            admin.roles.grant(roles['reader'], user=user, project=project)
            self.ids[name] = (project.id, user.id)

    def spare_refiller(self) -> None:
        """Run the conductors' spare pass alone, on the keystone API's configuration."""
        log = open(os.path.join(self.tmp, 'spares.log'), 'wb')
        self.procs.append(subprocess.Popen(
            [sys.executable, '-c', _REFILL, self.config('keystone')],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    def spare_count(self) -> int:
        import sqlalchemy as sa
        engine = sa.create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text('SELECT COUNT(*) FROM trustee_spares')).scalar()
        finally:
            engine.dispose()

    def token(self, name: str) -> str:
        return self.keystone.session(name, USER_PASSWORD, name).get_token()

    def config(self, kind: str) -> str:
        return os.path.join(self.tmp, '%s.conf' % kind)

    def _write_config(self) -> None:
        from magnum_like.common import crypto
        ks, e = self.keystone.url, self.endpoints
        common = f"""[DEFAULT]
transport_url = {self.vhost.url}

[database]
connection = {self.db_url}

[quotas]
max_clusters_per_project = 1000000

[nova_client]
endpoint_override = {e['compute']}

[glance_client]
endpoint_override = {e['image']}

[neutron_client]
endpoint_override = {e['network']}

[octavia_client]
endpoint_override = {e['load-balancer']}

[heat_client]
endpoint_override = {e['orchestration']}
"""
        with open(self.config('keystone'), 'w') as handle:
            handle.write(common + f"""
[api]
host = 127.0.0.1
auth_strategy = keystone

[cluster_template]
validate_cloud_resources = true

[keystone_authtoken]
www_authenticate_uri = {ks}
auth_url = {ks}
auth_type = password
username = magnum
password = {SERVICE_PASSWORD}
project_name = service
user_domain_id = default
project_domain_id = default
service_token_roles_required = false
memcached_servers = 127.0.0.1:{self.memcached_port}

[keystone_auth]
auth_type = password
auth_url = {ks}
username = magnum
password = {SERVICE_PASSWORD}
project_name = service
user_domain_id = default
project_domain_id = default

[trust]
trustee_domain_name = magnum
trustee_domain_admin_name = magnum_domain_admin
trustee_domain_admin_password = {DOMAIN_ADMIN_PASSWORD}
trustee_password_encryption_key = {crypto.generate_key()}
{self.spares_line}""")
        with open(self.config('bare'), 'w') as handle:
            handle.write(common + """
[api]
host = 127.0.0.1
auth_strategy = noauth

[cluster_template]
validate_cloud_resources = false
""")

    def api(self, kind: str) -> str:
        """Start ``magnum-like-api`` with config ``kind``; its URL."""
        port = _free_port()
        with open(self.config(kind) + '.port', 'w') as handle:
            handle.write('[api]\nport = %d\n' % port)
        log = open(os.path.join(self.tmp, '%s-api.log' % kind), 'wb')
        proc = subprocess.Popen([os.path.join(BIN, 'magnum-like-api'), '--config-file',
                                 self.config(kind), '--config-file',
                                 self.config(kind) + '.port'],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        url = 'http://127.0.0.1:%d' % port

        def up():
            if proc.poll() is not None:
                with open(os.path.join(self.tmp, '%s-api.log' % kind)) as handle:
                    raise RuntimeError('%s API exited: %s' % (kind, handle.read()[-3000:]))
            try:
                return requests.get(url + '/', timeout=5).status_code == 200
            except requests.RequestException:
                return False
        _wait(up, 90, 'the %s API' % kind)
        return url

    def stop(self) -> None:
        from tests.fixtures import database
        from tests.fixtures import rabbitmq
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.keystone is not None:
            self.keystone.stop()
        for url in (self.db_url, self.keystone_db_url):
            if url:
                database.drop_database(url)
        if self.vhost is not None:
            rabbitmq.delete_vhost(self.vhost)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- rows ------------------------------------------------------------------------
    def seed(self) -> dict:
        """Templates and clusters; returns the uuids the scenarios use."""
        import sqlalchemy as sa
        from magnum_like.db import models
        engine = sa.create_engine(self.db_url)
        out = {'big': [], 'bench': [], 'clusters': []}

        def template(project, user, i):
            return {'uuid': str(uuid.uuid4()), 'name': 'bench-%s-%04d' % (project[:6], i),
                    'coe': 'kubernetes', 'image_id': 'fedora-atomic-latest',
                    'cluster_distro': 'fedora-atomic', 'flavor_id': 'm1.small',
                    'master_flavor_id': 'm1.small', 'external_network_id': 'public',
                    'keypair_id': 'benchkey', 'project_id': project, 'user_id': user,
                    'network_driver': 'flannel', 'server_type': 'vm',
                    'labels': {'kube_tag': 'v1.30'}, 'public': False, 'hidden': False,
                    'registry_enabled': False, 'tls_disabled': False,
                    'master_lb_enabled': False, 'floating_ip_enabled': True,
                    'created_at': sa.func.now()}
        with engine.begin() as conn:
            for name, count in (('big', 1000), ('bench', 10)):
                project, user = self.ids[name]
                for i in range(count):
                    row = template(project, user, i)
                    conn.execute(models.ClusterTemplate.__table__.insert().values(**row))
                    out[name].append(row['uuid'])
        engine.dispose()
        return out

    def seed_clusters(self, url: str, template_uuid: str, count: int) -> None:
        """Clusters through the bare API (rows exactly as a create writes them)."""
        project, user = self.ids['bench']
        headers = dict(bench_api.HEADERS, **{'X-Project-Id': project, 'X-User-Id': user,
                                             'X-Roles': 'member,reader'})
        for i in range(count):
            resp = requests.post(url + '/v1/clusters', headers=headers, timeout=30, json={
                'name': 'seed-%d' % i, 'cluster_template_id': template_uuid,
                'node_count': 3, 'keypair': 'benchkey'})
            assert resp.status_code == 202, resp.text


def _headers(kind: str, stack: Stack, who: str, token: str | None) -> dict:
    if kind == 'keystone':
        return dict(bench_api.HEADERS, **{'X-Auth-Token': token})
    project, user = stack.ids[who]
    return dict(bench_api.HEADERS, **{'X-Project-Id': project, 'X-User-Id': user,
                                      'X-Roles': 'member,reader'})


def scenarios(seeded: dict, bench_template: str):
    """(name, who, op, keep-p50-only) ; ``op(client, state)`` as ``bench/api.py``'s."""
    base = '/v1/clustertemplates'

    def get(path, count=None):
        def op(client, state):
            status, data = client.request('GET', path, headers=state['headers'])
            if count is None:
                return lambda: status == 200
            return lambda: status == 200 and data.count(b'"rel": "bookmark"') >= count
        return op

    def get_one(client, state):
        state['n'] += 1
        ident = seeded['bench'][state['n'] % len(seeded['bench'])]
        status, _ = client.request('GET', base + '/' + ident, headers=state['headers'])
        return lambda: status == 200

    def post_template(client, state):
        state['n'] += 1
        body = json.dumps({'coe': 'kubernetes', 'image_id': 'fedora-atomic-latest',
                           'flavor_id': 'm1.small', 'master_flavor_id': 'm1.medium',
                           'external_network_id': 'public', 'fixed_network': 'private',
                           'fixed_subnet': 'private-subnet', 'keypair_id': 'benchkey',
                           'driver': 'k8s_fedora_atomic_v1',  # the bare app cannot derive it
                           'name': 'post-%d-%d' % (os.getpid(), state['n'])}).encode()
        status, _ = client.request('POST', base, body, headers=state['headers'])
        return lambda: status == 201

    def post_cluster(client, state):
        state['n'] += 1
        body = json.dumps({'cluster_template_id': bench_template, 'node_count': 1,
                           'keypair': 'benchkey', 'flavor_id': 'm1.medium',
                           'name': 'c-%d-%d' % (os.getpid(), state['n'])}).encode()
        status, _ = client.request('POST', '/v1/clusters', body, headers=state['headers'])
        return lambda: status == 202

    return [('GET one template', 'bench', get_one),
            ('GET templates (10)', 'bench', get(base, 10)),
            ('GET clusters (10)', 'bench', get('/v1/clusters', 10)),
            ('GET 1000 templates (limit=1000)', 'big', get(base + '?limit=1000', 1000)),
            ('POST template', 'bench', post_template),
            ('POST cluster', 'bench', post_cluster)]


def _with_headers(op, headers: dict):
    def wrapped(client, state):
        state['headers'] = headers
        return op(client, state)
    return wrapped


def main(seconds: float, trustee_spares: int | None = None, hash_rounds: int = 4,
         keystone_cache: bool = True) -> None:
    from magnum_like.conf import api as api_conf  # noqa: F401 - the default below
    from magnum_like.conf import trust as trust_conf
    stack = Stack()
    stack.hash_rounds = hash_rounds
    stack.keystone_cache = keystone_cache
    spares = trustee_spares
    if spares is None:
        spares = next(o.default for o in trust_conf.opts if o.name == 'trustee_spares')
    else:
        stack.spares_line = 'trustee_spares = %d\n' % spares
    try:
        stack.start()
        seeded = stack.seed()
        bare_url = stack.api('bare')
        ks_url = stack.api('keystone')
        stack.spare_refiller()
        stack.seed_clusters(bare_url, seeded['bench'][0], 10)
        tokens = {who: stack.token(who) for who in ('bench', 'big')}
        print('magnum-like API bench, Keystone mode: magnum-like-api ([api] workers default = '
              '%d on this machine, %d threads each), MariaDB; "keystone" = keystonemiddleware '
              '+ memcached token cache + cloud checks on (cloudsim, zero delay); "bare" = '
              'noauth, checks off; %.1f s per figure; client: one process per connection.'
              % (min(os.cpu_count() or 1, 64), 16, seconds))
        header = '%-32s %4s | %9s %8s %8s | %9s %8s %8s | %6s %6s' % (
            'scenario', 'conc', 'bare r/s', 'p50 ms', 'p99 ms', 'ks r/s', 'p50 ms', 'p99 ms',
            'ks/bare', 'errors')
        print()
        print(header)
        print('-' * len(header))
        for name, who, op in scenarios(seeded, seeded['bench'][0]):
            for c in (1, 8):
                pool = ''
                if name == 'POST cluster' and spares:
                    _wait(lambda: stack.spare_count() >= spares, 300, 'a full spare pool')
                    pool = ' [spare trustee users: %d before' % stack.spare_count()
                result = {}
                for kind, url in (('bare', bare_url), ('keystone', ks_url)):
                    headers = _headers(kind, stack, who, tokens[who])
                    result[kind] = bench_api.run(url, _with_headers(op, headers), c, seconds)
                b, k = result['bare'], result['keystone']
                print('%-32s %4d | %9.1f %8.2f %8.2f | %9.1f %8.2f %8.2f | %6.2f %6d' % (
                    name, c, b['rps'], b['p50'], b['p99'], k['rps'], k['p50'], k['p99'],
                    k['rps'] / b['rps'], b['errors'] + k['errors'])
                    + (pool and pool + ', %d after]' % stack.spare_count()), flush=True)
        print()
        print('ks/bare = requests/s with Keystone and checks on relative to the bare app '
              '(same binary, database and run). [trust] trustee_spares = %d; Keystone '
              'password_hash_rounds = %d, Keystone cache %s.'
              % (spares, hash_rounds, 'in memcached' if keystone_cache else 'off'))
    finally:
        stack.stop()
