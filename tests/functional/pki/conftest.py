"""Fixtures of the PKI and trust functional tests.

* ``simulator`` (module): the cloud simulator; its Barbican is what the
  ``barbican`` cert manager talks to, over HTTP.
* ``pki_config``: noauth, ``[barbican_client] endpoint_override`` at the
  simulator, a fresh Fernet key, ``storage_path`` in a temp dir; cert managers
  reloaded for the test.
* ``backend``: each cert manager in turn (barbican, x509keypair, local).
* ``log_lines`` (autouse): every log record emitted during the test, at DEBUG;
  a test fails if any of them holds ``PRIVATE KEY``.
* ``keystone`` (module): a real Keystone with a trustee domain (its admin user
  ``trustee-admin`` has ``admin`` on it) and a project ``demo`` whose user
  ``demo`` (``member``, ``reader``) owns the clusters; ``keystone.info`` holds
  their ids. ``admin``: a client as Keystone's admin.
* ``trust_config``: Keystone mode for :mod:`magnum_like.pki.trust` (a private
  configuration, see the fixture); :func:`owner_context` is the owner's request
  context with a real token.
"""
from __future__ import annotations

import logging
import shutil
import tempfile

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client
from oslo_config import cfg
import pytest
import requests

from magnum_like.cloudsim import Simulator
from magnum_like.common import context as ml_context
from magnum_like.pki import cert_manager
from magnum_like.pki import certificates
from magnum_like.common import crypto
from magnum_like.pki import keystone as keystone_clients
from magnum_like.pki import trust
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from tests.fixtures import api as api_fixture
from tests.fixtures import keystone as keystone_fixture

CONF = ml_conf.CONF
BACKENDS = ('barbican', 'x509keypair', 'local')
#: The noauth project the barbican cert manager stores under.
BARBICAN_PROJECT = 'magnum_like'
DOMAIN_ADMIN_PASSWORD = 'domain-admin-secret'
DEMO_PASSWORD = 'demo-secret'


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        try:
            self.lines.append(record.getMessage())
        except Exception:  # a malformed record is not this test's business
            self.lines.append(str(record.msg))


@pytest.fixture(autouse=True)
def log_lines():
    """Collect the test's log lines at DEBUG; fail the test if a private key shows."""
    collector = _Collector()
    root = logging.getLogger()
    # oslo.log's setup (run by other tests in this process) quiets some libraries,
    # keystoneauth among them: its request bodies are what this check reads.
    quieted = [logging.getLogger(name) for name in ('keystoneauth',)]
    old_levels = [(logger, logger.level, logger.disabled) for logger in [root] + quieted]
    root.addHandler(collector)
    for logger in [root] + quieted:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    try:
        yield collector.lines
    finally:
        root.removeHandler(collector)
        for logger, level, disabled in old_levels:
            logger.setLevel(level)
            logger.disabled = disabled
    leaked = [line for line in collector.lines if 'PRIVATE KEY' in line]
    assert not leaked, 'private key material in the logs: %r' % leaked[:1]


@pytest.fixture(scope='module')
def simulator():
    sim = Simulator(port=0).start()
    yield sim
    sim.stop()


class Overrides:
    """``CONF.set_override`` undone at the end of the test."""

    def __init__(self):
        self.applied = []

    def set(self, group, name, value):
        CONF.set_override(name, value, group=group)
        self.applied.append((group, name))

    def clear(self):
        for group, name in reversed(self.applied):
            CONF.clear_override(name, group=group)


@pytest.fixture
def pki_config(simulator, sqlite_db):
    api_fixture.ensure_config_parsed()
    overrides = Overrides()
    storage = tempfile.mkdtemp(prefix='mlt_certs_')
    overrides.set('api', 'auth_strategy', 'noauth')
    overrides.set('barbican_client', 'endpoint_override', simulator.url + '/key-manager')
    overrides.set('certificates', 'x509keypair_encryption_key', [crypto.generate_key()])
    overrides.set('certificates', 'storage_path', storage)
    cert_manager.reset()
    trust._noauth_logged.clear()
    yield overrides
    cert_manager.reset()
    overrides.clear()
    shutil.rmtree(storage, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def backend(request, pki_config):
    pki_config.set('certificates', 'cert_manager_type', request.param)
    cert_manager.reset()
    return request.param


def barbican_list(simulator, kind: str) -> list[dict]:
    """Every secret or container in the simulator's Barbican (over HTTP)."""
    url = '%s/key-manager/v1/%s' % (simulator.url, kind)
    resp = requests.get(url, params={'limit': 1000},
                        headers={'X-Project-Id': BARBICAN_PROJECT}, timeout=10)
    resp.raise_for_status()
    return resp.json()[kind]


def barbican_names(simulator) -> list[str]:
    """Names of everything the simulator's Barbican holds."""
    return ([s.get('name') or '' for s in barbican_list(simulator, 'secrets')]
            + [c.get('name') or '' for c in barbican_list(simulator, 'containers')])


def x509keypair_rows() -> list[dict]:
    import sqlalchemy as sa
    with db.get_engine().connect() as connection:
        return [dict(r._mapping) for r in connection.execute(
            sa.text('SELECT * FROM x509keypair'))]


def saver(cluster_uuid: str):
    """A writer of cluster columns, for calling the PKI outside a conductor's
    task (which passes its own ``ClusterTask.save``)."""
    return lambda values: db.update_cluster(cluster_uuid, values)


def ensure(context, cluster_uuid: str) -> dict:
    return certificates.ensure_cluster_certificates(context, cluster_uuid,
                                                    save=saver(cluster_uuid))


def delete_all(context, cluster_uuid: str) -> None:
    certificates.delete_cluster_certificates(context, cluster_uuid, save=saver(cluster_uuid))


def rotate(context, cluster_uuid: str, **values) -> dict:
    return certificates.rotate_cluster_ca(context, cluster_uuid, save=saver(cluster_uuid),
                                          **values)


def make_cluster(**values) -> object:
    """A cluster row inserted directly (and its template unless given)."""
    from oslo_utils import uuidutils
    template_uuid = values.pop('cluster_template_id', None)
    if template_uuid is None:
        template = db.create_cluster_template({
            'uuid': uuidutils.generate_uuid(), 'name': 'tmpl', 'coe': 'kubernetes',
            'project_id': values.get('project_id', 'project-a'),
            'user_id': values.get('user_id', 'user-a'),
            'tls_disabled': values.pop('tls_disabled', False)})
        template_uuid = template.uuid
    row = {'uuid': uuidutils.generate_uuid(), 'name': 'k8s-1', 'project_id': 'project-a',
           'user_id': 'user-a', 'status': 'CREATE_COMPLETE',
           'cluster_template_id': template_uuid}
    row.update(values)
    return db.create_cluster(row)


@pytest.fixture(scope='module')
def keystone():
    server = keystone_fixture.KeystoneServer().start()
    admin = ks_client.Client(session=server.admin_session())
    domain = admin.domains.create('magnum-trustees')
    domain_admin = admin.users.create('trustee-admin', domain=domain,
                                      password=DOMAIN_ADMIN_PASSWORD)
    roles = {r.name: r for r in admin.roles.list()}
    admin.roles.grant(roles['admin'], user=domain_admin, domain=domain)
    project = admin.projects.create('demo', domain='default')
    demo = admin.users.create('demo', domain='default', password=DEMO_PASSWORD)
    admin.roles.grant(roles['member'], user=demo, project=project)
    admin.roles.grant(roles['reader'], user=demo, project=project)
    server.info = {'domain': domain.id, 'domain_admin': domain_admin.id,
                   'project': project.id, 'demo': demo.id}
    yield server
    server.stop()


@pytest.fixture
def admin(keystone):
    return ks_client.Client(session=keystone.admin_session())


@pytest.fixture
def trust_config(keystone, pki_config, monkeypatch):
    """Keystone mode: service credentials in [keystone_auth], the trustee domain in [trust].

    ``trust`` and its ``keystone`` clients get a private ConfigOpts: keystoneauth registers its password
    plugin's options (``auth_url`` required) on the configuration it loads from,
    and on the global ``CONF`` they would outlive the test and fail any later
    ``CONF()`` in this process.
    """
    conf = cfg.ConfigOpts()
    for module in ml_conf.MODULES:
        module.register_opts(conf)
    conf([], project='magnum_like', default_config_files=[])
    conf.register_opts(ks_loading.get_auth_plugin_conf_options('password'),
                       group='keystone_auth')
    settings = {
        'api': {'auth_strategy': 'keystone'},
        'keystone_auth': {'auth_type': 'password', 'auth_url': keystone.url,
                          'username': 'admin', 'password': keystone_fixture.ADMIN_PASSWORD,
                          'project_name': 'admin', 'user_domain_id': 'default',
                          'project_domain_id': 'default'},
        'trust': {'trustee_domain_id': keystone.info['domain'],
                  'trustee_domain_admin_id': keystone.info['domain_admin'],
                  'trustee_domain_admin_password': DOMAIN_ADMIN_PASSWORD,
                  'trustee_password_encryption_key': [crypto.generate_key()]},
    }
    for group, values in settings.items():
        for name, value in values.items():
            conf.set_override(name, value, group=group)
    monkeypatch.setattr(trust, 'CONF', conf)
    monkeypatch.setattr(keystone_clients, 'CONF', conf)
    yield dict(keystone.info, conf=conf)
    # Nothing a test made in the trustee domain is left for the next test's passes
    # (each test has its own database, so those users would have no row).
    admin = ks_client.Client(session=keystone.admin_session())
    for user in admin.users.list(domain=keystone.info['domain']):
        if user.id != keystone.info['domain_admin']:
            try:
                admin.users.delete(user.id)
            except ks_exc.NotFound:
                pass


def gone(admin, user_id) -> bool:
    """Whether Keystone no longer has the user."""
    try:
        admin.users.get(user_id)
    except ks_exc.NotFound:
        return True
    return False


def owner_context(keystone, info):
    """The owner's (``demo``'s) request context, with a token scoped to its project."""
    auth = v3.Password(auth_url=keystone.url, user_id=info['demo'], password=DEMO_PASSWORD,
                       project_id=info['project'])
    sess = ks_session.Session(auth=auth)
    return ml_context.make_context(auth_token=sess.get_token(), user_id=info['demo'],
                                   project_id=info['project'], roles=['member', 'reader'])
