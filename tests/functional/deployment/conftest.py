"""The service deployed as an operator deploys it, shared by the tier's tests.

One :class:`Deployment` per test session (``deployment`` fixture), as real
processes on loopback:

* a real Keystone (``tests/fixtures/keystone.py``, on MariaDB) set up as the
  README's operator section does (the service user ``magnum`` in project
  ``service``, the trustee domain ``magnum`` and its admin, the service and the
  simulator's Nova in the catalog), plus projects and users for the tests;
* MariaDB (a database of its own) and RabbitMQ (a **vhost** of its own, made
  and removed with ``rabbitmqctl``): the service's default topics, exchanges
  and queue names, as an operator leaves them;
* ``magnum-like-cloudsim`` as Heat, Barbican, Nova, Glance, Neutron and
  Octavia, emitting Heat's notifications into the same vhost;
* ``magnum-like-api`` with ``[api] workers = 2`` and keystonemiddleware;
* two ``magnum-like-conductor`` with distinct ``[DEFAULT] host``;
* trusts on with the default ``[trust] cluster_user_trust = false`` (the nodes
  authenticate as their trustee without a trust), Barbican certificate
  storage, Heat notifications on, health checks every second.

Users act through the real ``openstack coe`` with Keystone passwords. Every
process logs at DEBUG into its own file; :meth:`Deployment.log_lines` reads
them (the API logs one line per cast sent, a conductor one per cast handled).

Without Keystone, MariaDB, RabbitMQ or ``rabbitmqctl`` the tier is skipped,
except under ``CI=true`` where it fails.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid as uuidlib

import pytest
import requests

from tests.fixtures import database
from tests.fixtures import keystone as keystone_fixture
from tests.fixtures import rabbitmq
from tests.fixtures.cli import openstack_env

BIN = os.path.dirname(sys.executable)
PASSWORD = 'user-secret'
DOMAIN_ADMIN_PASSWORD = 'domain-secret'
SERVICE_PASSWORD = 'magnum-secret'
#: (user, project) of the tests' users; each user is a member of its project.
USERS = (('demo', 'demo'), ('doomed', 'doomed'), ('neighbour', 'neighbour'))


def unavailable(message: str) -> None:
    """Skip, or fail under ``CI=true`` (the deployment tier never skips in CI)."""
    if os.environ.get('CI', '').lower() == 'true':
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.5):
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %ss waiting for %s' % (timeout, what))
        time.sleep(interval)


def rabbitmqctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(['rabbitmqctl', *args], capture_output=True, text=True, timeout=60)


class Deployment:
    """See the module docstring. ``tmp`` holds config and logs."""

    def __init__(self, tmp) -> None:
        self.tmp = tmp
        self.run = uuidlib.uuid4().hex[:10]
        self.vhost: rabbitmq.VHost | None = None
        self.keystone: keystone_fixture.KeystoneServer | None = None
        self.db_url: str | None = None
        self.keystone_db_url: str | None = None
        self.sim: subprocess.Popen | None = None
        self.sim_url = ''
        self.endpoints: dict = {}
        self.api: subprocess.Popen | None = None
        self.api_url = ''
        self.conductors: dict[str, subprocess.Popen] = {}
        self.hosts = ['mlt-%s-cond%d' % (self.run, i) for i in range(2)]
        self.ids: dict = {}
        self.config = tmp / 'magnum_like.conf'
        self._sessions: dict = {}
        #: ``[trust] trustee_password_encryption_key`` (tests read trustee passwords).
        self.trustee_key = ''

    # -- the services it needs ----------------------------------------------------------
    def _rabbit(self) -> str:
        try:
            socket.create_connection((rabbitmq.HOST, rabbitmq.PORT), timeout=3).close()
        except OSError as error:
            unavailable('RabbitMQ unreachable at %s:%s: %s' % (rabbitmq.HOST, rabbitmq.PORT,
                                                               error))
        if shutil.which('rabbitmqctl') is None:
            unavailable('rabbitmqctl is not installed: the vhost cannot be made')
        try:
            self.vhost = rabbitmq.create_vhost()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
            unavailable('cannot create a RabbitMQ vhost: %s' % error)
        return self.vhost.url

    def _keystone(self) -> None:
        # Keystone on MariaDB too: on SQLite its concurrent user deletes fail
        # ("database is locked"), which no operator's Keystone does.
        self.keystone_db_url = database.provision_database('mysql')
        try:
            self.keystone = keystone_fixture.KeystoneServer(self.keystone_db_url).start()
        except RuntimeError as error:
            unavailable('Keystone could not be started: %s' % error)
        from keystoneclient.v3 import client as ks_client
        admin = ks_client.Client(session=self.keystone.admin_session())
        roles = {r.name: r for r in admin.roles.list()}
        # As the README's operator section: the service's user, the trustee domain
        # and its admin.
        service_project = admin.projects.create('service', domain='default')
        service_user = admin.users.create('magnum', domain='default',
                                          password=SERVICE_PASSWORD)
        admin.roles.grant(roles['admin'], user=service_user, project=service_project)
        domain = admin.domains.create('magnum')
        domain_admin = admin.users.create('magnum_domain_admin', domain=domain,
                                          password=DOMAIN_ADMIN_PASSWORD)
        admin.roles.grant(roles['admin'], user=domain_admin, domain=domain)
        self.ids = {'domain': domain.id, 'domain_admin': domain_admin.id}
        for user_name, project_name in USERS:
            project = admin.projects.create(project_name, domain='default')
            user = admin.users.create(user_name, domain='default', password=PASSWORD)
            admin.roles.grant(roles['member'], user=user, project=project)
            admin.roles.grant(roles['reader'], user=user, project=project)
            self.ids[project_name] = project.id
            self.ids[user_name + '_user'] = user.id

    def keystone_admin(self):
        from keystoneclient.v3 import client as ks_client
        return ks_client.Client(session=self.keystone.admin_session())

    def _simulator(self, rabbit: str) -> None:
        log = open(self.tmp / 'cloudsim.log', 'wb')
        self.sim = subprocess.Popen(
            [os.path.join(BIN, 'magnum-like-cloudsim'), '--port', '0', '--notify-url', rabbit,
             '--keystone-url', self.keystone.url],
            stdout=subprocess.PIPE, stderr=log, cwd=str(self.tmp))
        line = self.sim.stdout.readline().decode()
        if not line:
            raise AssertionError('magnum-like-cloudsim did not start: %s'
                                 % (self.tmp / 'cloudsim.log').read_text()[-2000:])
        ready = json.loads(line)
        self.sim_url, self.endpoints = ready['url'], ready['endpoints']

    # -- configuration, as the README's operator section writes it ------------------------
    def _write_config(self, rabbit: str, api_port: int) -> None:
        from magnum_like.common import crypto
        ks = self.keystone.url
        e = self.endpoints
        self.trustee_key = crypto.generate_key()
        self.config.write_text(f"""[DEFAULT]
transport_url = {rabbit}
debug = true
state_path = {self.tmp}

[api]
host = 127.0.0.1
port = {api_port}
auth_strategy = keystone
workers = 2

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
trustee_password_encryption_key = {self.trustee_key}

[certificates]
cert_manager_type = barbican
x509keypair_encryption_key = {crypto.generate_key()}

[conductor]
heartbeat_interval = 1
service_down_time = 6
sync_interval = 1
reconcile_grace = 2
health_check_interval = 1
health_check_timeout = 5

[database]
connection = {self.db_url}

[heat_client]
endpoint_override = {e['orchestration']}

[barbican_client]
endpoint_override = {e['key-manager']}

[nova_client]
endpoint_override = {e['compute']}

[glance_client]
endpoint_override = {e['image']}

[neutron_client]
endpoint_override = {e['network']}

[octavia_client]
endpoint_override = {e['load-balancer']}

[oslo_messaging_notifications]
driver = messagingv2
""")

    # -- processes -------------------------------------------------------------------------
    def _spawn(self, binary: str, name: str, *extra_config) -> subprocess.Popen:
        command = [os.path.join(BIN, binary), '--config-file', str(self.config)]
        for path in extra_config:
            command += ['--config-file', str(path)]
        with open(self.tmp / ('%s.log' % name), 'ab') as log:
            return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                    cwd=str(self.tmp), start_new_session=True)

    def start(self) -> 'Deployment':
        rabbit = self._rabbit()
        self.db_url = database.provision_database('mysql')
        self._keystone()
        self._simulator(rabbit)
        port = free_port()
        self.api_url = 'http://127.0.0.1:%d' % port
        self._write_config(rabbit, port)
        manage = subprocess.run([os.path.join(BIN, 'magnum-like-db-manage'), '--config-file',
                                 str(self.config), 'upgrade'], capture_output=True, text=True,
                                timeout=300)
        assert manage.returncode == 0, manage.stderr[-2000:]
        self._register_in_catalog()
        self.api = self._spawn('magnum-like-api', 'api')
        self.start_conductors()

        def api_up():
            if self.api.poll() is not None:
                raise AssertionError('magnum-like-api exited: %s' % self.log('api')[-3000:])
            try:
                return requests.get(self.api_url + '/', timeout=10).status_code == 200
            except (requests.ConnectionError, requests.Timeout):  # workers still starting
                return False
        wait_for(api_up, timeout=90, what='the API')
        return self

    def _register_in_catalog(self) -> None:
        admin = self.keystone.admin_session()
        ks = self.keystone.url
        service = admin.post(ks + '/services', json={'service': {
            'type': 'container-infra', 'name': 'magnum'}}).json()['service']
        admin.post(ks + '/endpoints', json={'endpoint': {
            'service_id': service['id'], 'interface': 'public', 'region_id': 'RegionOne',
            'url': 'http://127.0.0.1:%s/v1' % self.config_port()}})
        # The simulator's Nova, for users' keypairs (``openstack keypair create``).
        nova = admin.post(ks + '/services', json={'service': {
            'type': 'compute', 'name': 'nova'}}).json()['service']
        admin.post(ks + '/endpoints', json={'endpoint': {
            'service_id': nova['id'], 'interface': 'public', 'region_id': 'RegionOne',
            'url': self.endpoints['compute']}})

    def config_port(self) -> str:
        return self.api_url.rsplit(':', 1)[1]

    def start_conductors(self) -> None:
        for host in self.hosts:
            if host in self.conductors and self.conductors[host].poll() is None:
                continue
            host_config = self.tmp / ('%s.conf' % host)
            host_config.write_text('[DEFAULT]\nhost = %s\n' % host)
            self.conductors[host] = self._spawn('magnum-like-conductor', host, host_config)

    def stop_conductors(self) -> None:
        for proc in self.conductors.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.conductors.values():
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def stop(self) -> None:
        procs = list(self.conductors.values()) + [self.api, self.sim]
        for proc in procs:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in procs:
            if proc is None:
                continue
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        if self.keystone is not None:
            self.keystone.stop()
        for url in (self.db_url, self.keystone_db_url):
            if url:
                database.drop_database(url)
        if self.vhost is not None:
            rabbitmq.delete_vhost(self.vhost)

    # -- reading what happened -------------------------------------------------------------
    def log(self, name: str) -> str:
        path = self.tmp / ('%s.log' % name)
        return path.read_text(errors='replace') if path.exists() else ''

    def log_names(self) -> list[str]:
        return ['api'] + self.hosts + ['cloudsim']

    def sim_get(self, path: str):
        resp = requests.get(self.sim_url + path, timeout=30)
        resp.raise_for_status()
        return resp.json()

    def sim_state(self) -> dict:
        return self.sim_get('/_sim/state')

    # -- the CLI ---------------------------------------------------------------------------
    def openstack(self, *args: str, user: str = 'demo', project: str | None = None,
                  password: str = PASSWORD, expect_ok: bool = True,
                  auth_env: dict | None = None) -> subprocess.CompletedProcess:
        """``openstack <args>`` as ``user`` (password auth against Keystone), or with
        the ``OS_*`` authentication variables ``auth_env``."""
        auth = auth_env or dict(OS_USERNAME=user, OS_PASSWORD=password,
                                OS_PROJECT_NAME=project or user, OS_USER_DOMAIN_ID='default',
                                OS_PROJECT_DOMAIN_ID='default')
        env = openstack_env(OS_AUTH_URL=self.keystone.url, OS_IDENTITY_API_VERSION='3',
                            OS_REGION_NAME='RegionOne', OS_INTERFACE='public', **auth)
        result = subprocess.run([os.path.join(BIN, 'openstack'), *args], env=env,
                                capture_output=True, text=True, timeout=180)
        if expect_ok:
            assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-2000:])
        return result

    def coe_json(self, *args: str, **kwargs):
        return json.loads(self.openstack('coe', *args, '-f', 'json', **kwargs).stdout)

    def session(self, user: str = 'demo', project: str | None = None,
                password: str = PASSWORD):
        """A keystoneauth session as ``user`` (cached): cheaper than a CLI for polling."""
        key = (user, project or user)
        if key not in self._sessions:
            from keystoneauth1.identity import v3
            from keystoneauth1 import session as ks_session
            self._sessions[key] = ks_session.Session(auth=v3.Password(
                auth_url=self.keystone.url, username=user, password=password,
                user_domain_id='default', project_name=project or user,
                project_domain_id='default'))
        return self._sessions[key]

    def clusters(self, user: str = 'demo', **kwargs) -> dict[str, dict]:
        """``GET /v1/clusters/detail`` as ``user``: ``{uuid: cluster}`` (polled, so no CLI)."""
        resp = self.session(user, **kwargs).get(
            self.api_url + '/v1/clusters/detail', raise_exc=False,
            headers={'OpenStack-API-Version': 'container-infra latest'})
        assert resp.status_code == 200, resp.text
        return {c['uuid']: c for c in resp.json()['clusters']}


@contextlib.contextmanager
def started(running):
    """Start a deployment, hand it out, stop it; the end of any log with a
    traceback goes to stderr (the tests that read the logs say why they failed)."""
    try:
        running.start()
        yield running
    finally:
        running.stop()
        for name in running.log_names():
            text = running.log(name)
            if 'Traceback' in text:
                sys.stderr.write('--- %s.log (last lines)\n%s\n' % (name, text[-3000:]))


@pytest.fixture(scope='session')
def deployment(tmp_path_factory):
    with started(Deployment(tmp_path_factory.mktemp('deployment'))) as running:
        yield running


def keypair_and_template(deployment, keypair: str, template: str, *extra: str) -> str:
    """As the ``demo`` user with ``openstack``: a new ed25519 keypair ``keypair`` in the
    simulator's Nova and a Kubernetes template ``template`` naming it (cloud resources
    checked), with ``extra`` arguments to ``coe cluster template create``."""
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives import serialization
    public = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    path = deployment.tmp / ('%s.pub' % keypair)
    path.write_bytes(public + b' demo@deployment\n')
    deployment.openstack('keypair', 'create', '--public-key', str(path), keypair)
    deployment.openstack('coe', 'cluster', 'template', 'create', template, '--coe',
                         'kubernetes', '--image', 'fedora-atomic-latest', '--external-network',
                         'public', '--flavor', 'm1.small', '--master-flavor', 'm1.small',
                         '--keypair', keypair, *extra)
    return template
