"""Fixtures of the cluster API tests: the API over HTTP, a test driver, captured casts.

* ``api_server`` (module): ``setup_app()`` served by cheroot on ``db_backend``
  (sqlite, mysql, postgresql), noauth, cloud checks off; a ``fake://``
  oslo.messaging transport whose RPC server (``casts``) records every
  ``process_cluster`` cast; the ``fake`` driver (``FakeDriver``) installed.
* ``clean_db``: empties the cluster tables before a test.
* ``admin``/``member``/``other``/``reader`` come from ``tests/functional/conftest.py``.
* ``template``: a public template of project-a that the ``fake`` driver builds.
"""
from __future__ import annotations

import threading
import time

from magnum_like.common import rpc  # before oslo_messaging: oslo.service's threading backend
import oslo_messaging as messaging  # noqa: I100
import pytest
import sqlalchemy as sa

from magnum_like.common import drivers
from magnum_like.common import exception
from magnum_like import conf as ml_conf
from magnum_like.db import api as db_api
from magnum_like.drivers import base as driver_base
from tests.fixtures import api as api_fixture
from tests.fixtures import cloud as cloud_fixture

CONF = ml_conf.CONF
TABLES = ('nodegroup', 'cluster', 'cluster_template', 'quotas', 'quota_usages',
          'magnum_service')
CL = '/v1/clusters'


class FakeDriver(driver_base.Driver):
    """Builds nothing; checks like a driver. Upgrades refuse ``kube_tag`` downgrades."""

    provides = [{'server_type': 'vm', 'os': 'fedora-coreos', 'coe': 'kubernetes'}]

    def create_stack_body(self, view):
        return {}

    def update_stack_body(self, view, **kwargs):
        return {}

    def fields_from_stack(self, view, outputs, parameters):
        return {}, {}

    def validate_upgrade(self, view, new_template, nodegroup, max_batch_size):
        old = (view.template.labels or {}).get('kube_tag')
        new = (new_template.labels or {}).get('kube_tag')
        if not new:
            raise exception.NotSupported(operation='Upgrading to a template without kube_tag')
        if old and new < old:
            raise exception.InvalidParameterValue(
                err='kube_tag: downgrade from %s to %s is not supported.' % (old, new))


class CastRecorder:
    """The conductor's RPC endpoint as far as these tests care: it records casts."""

    target = messaging.Target(version='1.2')

    def __init__(self):
        self.casts: list[str] = []
        self.lock = threading.Lock()

    def process_cluster(self, context, cluster_uuid):
        with self.lock:
            self.casts.append(cluster_uuid)

    def process_federation(self, context, federation_uuid):
        with self.lock:
            self.casts.append(federation_uuid)

    def wait_for(self, uuid: str, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if uuid in self.casts:
                    return True
            time.sleep(0.02)
        return False

    def clear(self):
        with self.lock:
            self.casts.clear()


@pytest.fixture(scope='module')
def fake_driver():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(drivers, '_extensions', lambda: {'fake': FakeDriver})
        yield FakeDriver


@pytest.fixture(scope='module')
def casts():
    """A ``fake://`` transport and an RPC server on the conductor topic recording casts."""
    api_fixture.ensure_config_parsed()
    rpc.cleanup()
    rpc.init(CONF, url='fake://')
    recorder = CastRecorder()
    server = rpc.get_rpc_server(messaging.Target(topic=CONF.conductor.topic, server='test'),
                                [recorder])
    server.start()
    yield recorder
    server.stop()
    server.wait()
    rpc.cleanup()


@pytest.fixture(scope='module')
def api_server(db_backend, fake_driver, casts):
    server = api_fixture.ApiServer(
        db_backend, overrides={('cluster_template', 'validate_cloud_resources'): False},
        threads=24)
    server.start()
    yield server
    server.stop()


def clear_tables() -> None:
    with db_api.get_engine().begin() as connection:
        for table in TABLES:
            connection.execute(sa.text('DELETE FROM %s' % table))


@pytest.fixture
def clean_db(api_server, casts):
    clear_tables()
    casts.clear()
    yield


def make_template(**values):
    """A cluster template row the ``fake`` driver builds (project-a, public)."""
    row = dict(name='k8s', coe='kubernetes', image_id='fedora-coreos-latest',
               cluster_distro='fedora-coreos', server_type='vm', driver='fake',
               flavor_id='m1.small', master_flavor_id='m1.medium', keypair_id='default',
               labels={'kube_tag': 'v1.30.1', 'min_node_count': '0'},
               docker_volume_size=10, master_lb_enabled=False, floating_ip_enabled=True,
               public=True, hidden=False, project_id='project-a', user_id='user-a')
    row.update(values)
    return db_api.create_cluster_template(row)


@pytest.fixture
def template(clean_db):
    return make_template()


@pytest.fixture(scope='module')
def cloud():
    sim = cloud_fixture.start_cloud()
    yield sim
    sim.stop()


@pytest.fixture
def cloud_checks(api_server, cloud):
    """Cloud-resource checks on, against the simulator, for one test."""
    overrides = cloud_fixture.endpoint_overrides(cloud.url)
    for (group, name), value in overrides.items():
        CONF.set_override(name, value, group=group)
    yield cloud
    for (group, name) in overrides:
        CONF.clear_override(name, group=group)
    CONF.set_override('validate_cloud_resources', False, group='cluster_template')
