"""In-process conductor fixtures: SQLite, ``fake:/`` RPC, the simulator over HTTP.

``conductor_env`` gives a :class:`ConductorEnv`: one migrated SQLite database,
the simulator (Heat over HTTP, noauth ``endpoint_override``), the test-only
driver registered through a test-only ``*.dist-info``, a cluster template,
and helpers to record intents the way the API does and to start conductors.
Heat's notifications reach the conductors through a bridge on the
simulator's notifier (separate ``fake:/`` transports do not share messages).
"""
from __future__ import annotations

import datetime
import sys
import time
import uuid as uuidlib

import pytest

from magnum_like.common import rpc  # noqa: I100 - picks oslo.service's threading backend first
from magnum_like.pki import cert_manager
from magnum_like.common import context as ml_context
from magnum_like.common import drivers as driver_registry
from magnum_like.conductor import api as conductor_api
from magnum_like.conductor import notifications
from magnum_like.conductor import service as conductor_service
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from tests.fixtures import api as api_fixtures
from tests.fixtures import conductor_driver

CONF = ml_conf.CONF
PROJECT = 'project-a'

OVERRIDES = {
    ('conductor', 'sync_interval'): 0.3,
    ('conductor', 'reconcile_grace'): 1.0,
    ('conductor', 'heartbeat_interval'): 1,
    ('conductor', 'service_down_time'): 4,
    ('conductor', 'heat_retry_delay'): 0.05,
    ('conductor', 'heat_notifications'): False,
    ('conductor', 'workers'): 4,
    ('api', 'auth_strategy'): 'noauth',
    ('oslo_messaging_notifications', 'driver'): ['test'],
}


class ConductorEnv:
    """What a conductor test works with (see module docstring)."""

    def __init__(self, sim, template_uuid: str) -> None:
        self.sim = sim
        self.template_uuid = template_uuid
        self.conductors: list = []
        self.ctx = ml_context.make_context(user_id='user-a', project_id=PROJECT)
        self.admin = ml_context.get_admin_context()
        self.api = conductor_api.ConductorAPI()

    # -- conductors ----------------------------------------------------------
    def start_conductor(self, host: str | None = None, *, bridge: bool = True):
        service = conductor_service.ConductorService(host=host or 'cond-%s' % uuidlib.uuid4().hex[:6])
        service.start()
        self.conductors.append(service)
        if bridge:
            self._bridge(service)
        return service

    def _bridge(self, service) -> None:
        notifier = self.sim.notifier
        original = notifier.emit

        def emit(event_type, payload, level='info'):
            original(event_type, payload, level)
            if service in self.conductors and CONF.conductor.heat_notifications:
                service.engine.handle_heat_event(event_type, payload)

        notifier.emit = emit

    def stop_all(self) -> None:
        for service in self.conductors:
            service.stop()
        self.conductors = []

    # -- intents, written as the API writes them -----------------------------
    def create_intent(self, *, name: str | None = None, node_count: int = 1,
                      cast: bool = True, deadline_s: float | None = None,
                      create_timeout: int | None = None, **values) -> str:
        cluster_uuid = str(uuidlib.uuid4())
        deadline = (datetime.datetime.utcnow() + datetime.timedelta(seconds=deadline_s)
                    if deadline_s is not None else None)
        row = dict(uuid=cluster_uuid, name=name or 'c-%s' % cluster_uuid[:6],
                   project_id=PROJECT, user_id='user-a', cluster_template_id=self.template_uuid,
                   status='CREATE_IN_PROGRESS', operation='create', operation_args={},
                   deadline=deadline, create_timeout=create_timeout, labels={},
                   master_flavor_id='m1.small', flavor_id='m1.small', floating_ip_enabled=False)
        row.update(values)
        db.create_cluster(row)
        for ng_name, role, count in (('default-master', 'master', 1),
                                     ('default-worker', 'worker', node_count)):
            db.create_nodegroup(dict(cluster_id=cluster_uuid, name=ng_name, role=role,
                                     node_count=count, is_default=True, project_id=PROJECT,
                                     status='CREATE_IN_PROGRESS', flavor_id='m1.small',
                                     min_node_count=0))
        if cast:
            self.api.process_cluster(self.ctx, cluster_uuid)
        return cluster_uuid

    def intent(self, cluster_uuid: str, operation: str, args: dict | None = None, *,
               status: str = 'UPDATE_IN_PROGRESS', ng_status: dict | None = None,
               cast: bool = True, **values) -> None:
        row = dict(status=status, status_reason=None, operation=operation,
                   operation_args=args or {}, deadline=None)
        row.update(values)
        db.update_cluster(cluster_uuid, row)
        for ng_uuid, ng_values in (ng_status or {}).items():
            db.update_nodegroup(cluster_uuid, ng_uuid, ng_values)
        if cast:
            self.api.process_cluster(self.ctx, cluster_uuid)

    # -- reading ---------------------------------------------------------------
    def cluster(self, cluster_uuid: str):
        return db.get_cluster_by_uuid(self.admin, cluster_uuid)

    def nodegroups(self, cluster_uuid: str) -> dict:
        return {ng.name: ng for ng in db.get_nodegroup_list(self.admin, cluster_uuid)}

    def wait_status(self, cluster_uuid: str, *wanted: str, timeout: float = 20):
        deadline = time.monotonic() + timeout
        cluster = None
        while time.monotonic() < deadline:
            cluster = self.cluster(cluster_uuid)
            if cluster.status in wanted and cluster.operation is None and not cluster.reservation:
                return cluster
            time.sleep(0.05)
        raise AssertionError('cluster %s: %s/%s (%s), wanted %s' % (
            cluster_uuid, cluster.status, cluster.operation, cluster.status_reason, wanted))

    def wait_gone(self, cluster_uuid: str, timeout: float = 20) -> None:
        from magnum_like.common import exception
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.cluster(cluster_uuid)
            except exception.ClusterNotFound:
                return
            time.sleep(0.05)
        raise AssertionError('cluster %s was not deleted' % cluster_uuid)

    def stacks_of(self, cluster_uuid: str) -> list:
        tag = 'cluster_uuid=%s' % cluster_uuid
        with self.sim.store.lock:
            return [s for s in self.sim.engine.stacks.values()
                    if s.parent_id is None and tag in (s.tags or [])]


@pytest.fixture(scope='session')
def test_driver_path(tmp_path_factory):
    """The test-only driver distribution, on ``sys.path`` for the session."""
    directory = conductor_driver.install_entry_point(str(tmp_path_factory.mktemp('drivers')))
    sys.path.insert(0, directory)
    driver_registry.reset()
    yield directory
    sys.path.remove(directory)
    driver_registry.reset()


@pytest.fixture
def conductor_env(sqlite_db, test_driver_path):
    from magnum_like.cloudsim import Simulator
    from oslo_messaging.notify import _impl_test
    api_fixtures.ensure_config_parsed()
    sim = Simulator(port=0).start()
    overrides = dict(OVERRIDES)
    overrides[('heat_client', 'endpoint_override')] = sim.endpoints['orchestration']
    overrides[('barbican_client', 'endpoint_override')] = sim.endpoints['key-manager']
    overrides[('DEFAULT', 'transport_url')] = 'fake:/'
    rpc.cleanup()
    rpc.init(CONF, url='fake:/')  # registers the oslo.messaging options first
    for (group, name), value in overrides.items():
        CONF.set_override(name, value, group=None if group == 'DEFAULT' else group)
    notifications.reset()
    _impl_test.reset()
    cert_manager.reset()  # barbican clients remember the previous simulator's endpoint
    template = db.create_cluster_template(dict(
        name='t-%s' % uuidlib.uuid4().hex[:6], project_id=PROJECT, coe='kubernetes',
        server_type='vm', cluster_distro='mlt-test-os', image_id='fedora-atomic-latest',
        driver=conductor_driver.NAME, labels={'kube_tag': 'v1.0.0'}, public=True))
    env = ConductorEnv(sim, template.uuid)
    try:
        yield env
    finally:
        env.stop_all()
        rpc.cleanup()
        notifications.reset()
        sim.stop()
        for (group, name), _value in overrides.items():
            CONF.clear_override(name, group=None if group == 'DEFAULT' else group)


def sent_notifications(event_type_prefix: str = 'magnum.cluster') -> list[tuple]:
    """``(event_type, payload, priority)`` the conductors sent through the ``test`` driver."""
    from oslo_messaging.notify import _impl_test
    return [(m['event_type'], m['payload'], p) for _c, m, p, _r in _impl_test.NOTIFICATIONS
            if m['event_type'].startswith(event_type_prefix)]
