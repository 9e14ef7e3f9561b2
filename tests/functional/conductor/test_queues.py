"""A real conductor on RabbitMQ with the default names: every consumer has its own queue.

The RPC server and the Heat-notification listener once consumed the same queue
under the defaults (the pool was named like the topic), so about half the
casts were dropped as notifications and Heat's notifications reached the RPC
server. Tests that renamed topics per run never saw it; this one keeps every
default and isolates itself with a vhost of its own.
"""
from __future__ import annotations

import os
import subprocess
import time

from magnum_like.common import rpc  # noqa: I100 - before oslo_messaging (threading backend)
from magnum_like.conductor import states
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from tests.fixtures import api as api_fixtures
from tests.fixtures import conductor_driver
from tests.functional.conductor import test_multiprocess as mp
from tests.functional.conductor.conftest import ConductorEnv
from tests.functional.conductor.conftest import PROJECT

CONF = ml_conf.CONF
N_CASTS = 8
PRIORITIES = ('audit', 'debug', 'info', 'warn', 'error', 'critical', 'sample')


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError('timed out waiting for %s' % what)


def _kinds(vhost) -> dict[str, set[str]]:
    """Queue -> the kinds of message its bindings bring (``rpc``, ``notification``)."""
    topic = CONF.conductor.topic
    notification_keys = {'%s.%s' % (CONF.conductor.heat_notifications_topic, p)
                         for p in PRIORITIES}
    kinds: dict[str, set[str]] = {}
    for binding in vhost.bindings():
        key, source = binding['routing_key'], binding['source_name']
        if key in notification_keys:
            kind = 'notification'
        elif key == topic or key.startswith(topic + '.') or source == topic + '_fanout':
            kind = 'rpc'
        else:
            kind = 'other:%s/%s' % (source, key)
        kinds.setdefault(binding['destination_name'], set()).add(kind)
    return kinds


def test_default_names_give_rpc_and_notifications_separate_queues(
        tmp_path, sqlite_db, test_driver_path, rabbit_vhost):
    from magnum_like.cloudsim import Simulator
    api_fixtures.ensure_config_parsed()
    sim = Simulator(port=0, notify_url=rabbit_vhost.url).start()  # Heat's default names
    config = tmp_path / 'magnum_like.conf'
    mp.write_config(config, db_url=sqlite_db, sim=sim, rabbit=rabbit_vhost.url)
    # Only a cast can start an operation and only a notification can finish it:
    # the tracking pass runs once at start and then not within the test.
    host_config = tmp_path / 'host.conf'
    host_config.write_text('[DEFAULT]\nhost = queues-test\n[conductor]\nsync_interval = 3600\n'
                           'reconcile_grace = 3600\n')
    conductor = mp.start_process('magnum-like-conductor', config, host_config,
                                 tmp_path / 'conductor.log', mp.process_env(test_driver_path))
    rpc.cleanup()
    rpc.init(CONF, url=rabbit_vhost.url)
    try:
        topic, pool = CONF.conductor.topic, CONF.conductor.heat_notifications_pool
        assert (topic, pool) == ('magnum-like-conductor',
                                 'magnum-like-conductor-heat-notifications')
        _wait(lambda: all(rabbit_vhost.queues().get(q) for q in (topic, pool)), 60,
              'consumers on %s and %s' % (topic, pool))
        consumed = {c['queue_name'] for c in rabbit_vhost.consumers()}
        kinds = _kinds(rabbit_vhost)
        shared = {q: k for q, k in kinds.items() if q in consumed and len(k) > 1}
        assert not shared, 'queues consumed for more than one kind of message: %s' % shared
        assert kinds[topic] == {'rpc'} and kinds['%s.queues-test' % topic] == {'rpc'}
        assert kinds[pool] == {'notification'}

        template = db.create_cluster_template(dict(
            name='queues', project_id=PROJECT, coe='kubernetes', server_type='vm',
            cluster_distro='mlt-test-os', image_id='fedora-atomic-latest',
            driver=conductor_driver.NAME, labels={'kube_tag': 'v1.0.0'}, public=True))
        env = ConductorEnv(sim, template.uuid)
        _wait(lambda: [s for s in db.get_magnum_service_list() if s.host == 'queues-test'],
              60, 'the heartbeat')
        uuids = [env.create_intent() for _ in range(N_CASTS)]  # each one cast
        for cluster_uuid in uuids:
            cluster = env.wait_status(cluster_uuid, states.CREATE_COMPLETE,
                                      states.CREATE_FAILED, timeout=60)
            assert cluster.status == states.CREATE_COMPLETE, cluster.status_reason
        log = (tmp_path / 'conductor.log').read_text(errors='replace')
        assert 'Unknown priority' not in log and 'attribute name must be string' not in log
    finally:
        rpc.cleanup()
        conductor.terminate()
        try:
            conductor.wait(timeout=20)
        except subprocess.TimeoutExpired:
            conductor.kill()
            conductor.wait()
        sim.stop()


def test_conductor_refuses_a_pool_named_like_its_topic(tmp_path, sqlite_db):
    config = tmp_path / 'magnum_like.conf'
    config.write_text('[DEFAULT]\nhost = h1\n[database]\nconnection = %s\n'
                      '[conductor]\ntopic = work\nheat_notifications_pool = work.h1\n' % sqlite_db)
    result = subprocess.run([os.path.join(mp.BIN, 'magnum-like-conductor'),
                             '--config-file', str(config)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert '[conductor] heat_notifications_pool' in result.stderr
    assert '[conductor] topic + [DEFAULT] host' in result.stderr
