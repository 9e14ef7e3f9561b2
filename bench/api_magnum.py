"""``bench/api.py --keystone --magnum``: magnum_like beside OpenStack Magnum itself.

OpenStack Magnum (PyPI ``magnum``, :data:`MAGNUM_VERSION`) is installed by this
script into its own venv outside the package (``.bench-magnum/venv`` in the
repository root, git-ignored; ``--magnum-venv`` picks another), with
``magnum-capi-helm`` as its only driver: Magnum 23 ships no driver of its own,
and without one it refuses every template create. Nothing of Magnum's is
imported here: it runs as its own ``magnum-api`` console script, with one
``magnum-conductor`` (Magnum's API reads every object through it over RPC)
(``[api] workers`` left at its default, as magnum_like's is), and its rows are
written by a small script run with the venv's Python through Magnum's own
``magnum.db.api``.

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
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import requests

import api as bench_api
import api_keystone

MAGNUM_VERSION = '23.0.0'
DRIVER_PACKAGE = 'magnum-capi-helm'
# What a deployment adds: the MariaDB driver, keystonemiddleware's memcached client.
EXTRA_PACKAGES = ('PyMySQL', 'python-memcached')
VENV = os.path.join(bench_api.ROOT, '.bench-magnum', 'venv')

SEED_SCRIPT = r'''
import json, sys, uuid
from oslo_config import cfg
conf_file, spec = sys.argv[1], json.loads(sys.argv[2])
cfg.CONF(['--config-file', conf_file], project='magnum')
from magnum.db import api as dbapi
db = dbapi.get_instance()
out = {'big': [], 'bench': []}

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


def install(venv: str) -> str:
    """Make ``venv`` with Magnum and its driver (pip's cache makes a re-run quick)."""
    python = os.path.join(venv, 'bin', 'python')
    if not os.path.exists(python):
        subprocess.run([sys.executable, '-m', 'venv', venv], check=True)
    subprocess.run([python, '-m', 'pip', 'install', '-q', 'magnum==%s' % MAGNUM_VERSION,
                    DRIVER_PACKAGE, *EXTRA_PACKAGES], check=True)
    return python


class MagnumService:
    """Magnum's database, vhost, config, schema, rows and ``magnum-api``."""

    def __init__(self, stack: api_keystone.Stack, venv: str) -> None:
        self.stack, self.venv = stack, venv
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

    def start(self) -> str:
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
""")
        manage = subprocess.run([self._bin('magnum-db-manage'), '--config-file', self.conf,
                                 'upgrade'], capture_output=True, text=True, timeout=600)
        assert manage.returncode == 0, manage.stderr[-3000:]
        spec = json.dumps({who: stack.ids[who] for who in ('big', 'bench')})
        seeded = subprocess.run([self._bin('python'), '-c', SEED_SCRIPT, self.conf, spec],
                                capture_output=True, text=True, timeout=600)
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        self.seeded = json.loads(seeded.stdout.strip().splitlines()[-1])
        # Magnum's API reads its objects through the conductor (RPC object indirection):
        # a deployment runs magnum-conductor beside magnum-api.
        cond_log = open(os.path.join(stack.tmp, 'magnum-conductor.out'), 'wb')
        stack.procs.append(subprocess.Popen(
            [self._bin('magnum-conductor'), '--config-file', self.conf],
            stdout=cond_log, stderr=subprocess.STDOUT, start_new_session=True))
        log = open(os.path.join(stack.tmp, 'magnum-api.out'), 'wb')
        proc = subprocess.Popen([self._bin('magnum-api'), '--config-file', self.conf],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        stack.procs.append(proc)
        url = 'http://127.0.0.1:%d' % self.port

        def up():
            if proc.poll() is not None:
                with open(os.path.join(stack.tmp, 'magnum-api.out')) as handle:
                    raise RuntimeError('magnum-api exited: %s' % handle.read()[-3000:])
            try:
                return requests.get(url + '/', timeout=5).status_code == 200
            except requests.RequestException:
                return False
        api_keystone._wait(up, 90, 'magnum-api')
        return url

    def stop(self) -> None:
        from tests.fixtures import database
        from tests.fixtures import rabbitmq
        if self.db_url:
            database.drop_database(self.db_url)
        if self.vhost is not None:
            rabbitmq.delete_vhost(self.vhost)


def scenarios(seeded: dict, magnum: bool):
    """(name, who, op) for one service; the calls of ``api_keystone.scenarios``."""
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
        if status != 201 and not state.get('said'):
            state['said'] = True
            print('  POST template answered %d: %s' % (status, data[:300]), file=sys.stderr)
        return lambda: status == 201
    return out + [('POST template (checks on)', 'bench', post_template)]


def _fmt(r: dict) -> str:
    return '%9.1f %8.2f' % (r['rps'], r['p50'])


def main(seconds: float, venv: str = VENV) -> None:
    print('installing magnum==%s + %s into %s ...' % (MAGNUM_VERSION, DRIVER_PACKAGE, venv),
          flush=True)
    install(venv)
    stack = api_keystone.Stack()
    magnum = MagnumService(stack, venv)
    try:
        stack.start()
        magnum.register_catalog()
        seeded = stack.seed()
        ks_url = stack.api('keystone')
        bare_url = stack.api('bare')
        stack.seed_clusters(bare_url, seeded['bench'][0], 10)
        magnum_url = magnum.start()
        tokens = {who: stack.token(who) for who in ('bench', 'big')}
        for name, url, ident in (('magnum_like', ks_url, seeded['bench'][0]),
                                 ('Magnum', magnum_url, magnum.seeded['bench'][0])):
            probe = requests.get(url + '/v1/clustertemplates/' + ident, timeout=60,
                                 headers=dict(bench_api.HEADERS, **{'X-Auth-Token':
                                                                    tokens['bench']}))
            if probe.status_code != 200:   # a broken set-up measures nothing: say so
                raise RuntimeError('%s answered %d: %s' % (name, probe.status_code,
                                                           probe.text[:500]))
        ours = scenarios(seeded, False)
        theirs = scenarios(magnum.seeded, True)
        print('magnum_like vs OpenStack Magnum %s (+%s), both behind keystonemiddleware '
              '(one Keystone, one memcached token cache, same tokens), cloud checks against '
              'the same magnum-like-cloudsim, MariaDB, each API at its default [api] workers '
              '(%d CPUs here); %.1f s per figure; client: one process per connection.'
              % (MAGNUM_VERSION, DRIVER_PACKAGE, os.cpu_count() or 1, seconds))
        header = '%-32s %4s | %9s %8s | %9s %8s | %8s %6s' % (
            'call', 'conc', 'ours r/s', 'p50 ms', 'Magnum', 'p50 ms', 'ours/Mg', 'errors')
        print()
        print(header)
        print('-' * len(header))
        for (name, who, op), (_, _, their_op) in zip(ours, theirs):
            headers = dict(bench_api.HEADERS, **{'X-Auth-Token': tokens[who]})
            for c in (1, 8):
                a = bench_api.run(ks_url, api_keystone._with_headers(op, headers), c, seconds)
                m = bench_api.run(magnum_url, api_keystone._with_headers(their_op, headers),
                                  c, seconds)
                print('%-32s %4d | %s | %s | %8.2f %6s' % (
                    name, c, _fmt(a), _fmt(m), a['rps'] / m['rps'],
                    '%d/%d' % (a['errors'], m['errors'])), flush=True)
        print()
        print('ours/Mg = magnum_like requests/s over Magnum requests/s (same run, same '
              'client, same token); errors = wrong answers, magnum_like/Magnum.')
    finally:
        try:
            stack.stop()
        finally:
            magnum.stop()


if __name__ == '__main__':
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0)
