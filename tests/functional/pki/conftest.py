"""Fixtures of the PKI and trust functional tests.

* ``simulator`` (module): the cloud simulator; its Barbican is what the
  ``barbican`` cert manager talks to, over HTTP.
* ``pki_config``: noauth, ``[barbican_client] endpoint_override`` at the
  simulator, a fresh Fernet key, ``storage_path`` in a temp dir; cert managers
  reloaded for the test.
* ``backend``: each cert manager in turn (barbican, x509keypair, local).
* ``log_lines`` (autouse): every log record emitted during the test, at DEBUG;
  a test fails if any of them holds ``PRIVATE KEY``.
"""
from __future__ import annotations

import logging
import shutil
import tempfile

import pytest
import requests

from magnum_like.cloudsim import Simulator
from magnum_like.pki import cert_manager
from magnum_like.pki import certificates
from magnum_like.common import crypto
from magnum_like.pki import trust
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from tests.fixtures import api as api_fixture

CONF = ml_conf.CONF
BACKENDS = ('barbican', 'x509keypair', 'local')
#: The noauth project the barbican cert manager stores under.
BARBICAN_PROJECT = 'magnum_like'


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
