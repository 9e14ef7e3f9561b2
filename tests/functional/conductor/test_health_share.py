"""The health pass divides the clusters on the tracking ring and writes only changes.

Two monitors (two conductor hosts with heartbeats) over the real database: each
checks its own share, together every cluster once; the status and reason are
written with one ``magnum.cluster.update`` notification each, and a second pass
that finds the same writes and sends nothing. When one host is forced down, the
other takes its share. The clusters' API addresses are private ones (no floating
IP), which the service reports UNKNOWN without a connection attempt.
"""
from __future__ import annotations

import uuid as uuidlib

from magnum_like.conductor import health
from magnum_like.conductor import ring as ring_mod
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from tests.functional.conductor.conftest import PROJECT
from tests.functional.conductor.conftest import sent_notifications

CONF = ml_conf.CONF
N = 24


def _clusters(env) -> list[str]:
    uuids = []
    for i in range(N):
        uuid = str(uuidlib.uuid4())
        db.create_cluster(dict(uuid=uuid, name='h-%d' % i, project_id=PROJECT,
                               user_id='user-a', cluster_template_id=env.template_uuid,
                               status='CREATE_COMPLETE', labels={},
                               api_address='https://10.0.%d.5:6443' % i))
        uuids.append(uuid)
    return uuids


def _updates() -> list[dict]:
    return [payload for event, payload, _p in sent_notifications('magnum.cluster.update')]


def test_health_pass_shares_the_ring_and_writes_only_changes(conductor_env):
    uuids = _clusters(conductor_env)
    hosts = ['health-a', 'health-b']
    for host in hosts:
        db.report_magnum_service(host, ring_mod.BINARY)
    monitors = [health.HealthMonitor(h, ring_mod.Ring(h, CONF), conf=CONF) for h in hosts]
    try:
        for monitor in monitors:
            monitor.run()
        assert all(m.checked > 0 for m in monitors), [m.checked for m in monitors]
        assert sum(m.checked for m in monitors) == N
        for uuid in uuids:
            cluster = conductor_env.cluster(uuid)
            assert cluster.health_status == health.UNKNOWN
            assert 'private network' in cluster.health_status_reason['api']
        sent = _updates()
        assert len(sent) == N
        data = [p['target']['attachments'][0]['content'] for p in sent]
        assert {d['health_status'] for d in data} == {health.UNKNOWN}

        # The same again: nothing written, nothing sent.
        for monitor in monitors:
            monitor.run()
        assert sum(m.checked for m in monitors) == 2 * N
        assert len(_updates()) == N

        # health-b is forced down: health-a checks every cluster.
        service = db.get_magnum_service_by_host_and_binary('health-b', ring_mod.BINARY)
        db.update_magnum_service(service.id, {'forced_down': True})
        for uuid in uuids:
            db.update_cluster(uuid, {'api_address': None})
        before = monitors[0].checked
        monitors[0].run()
        assert monitors[0].checked - before == N
        for uuid in uuids:
            assert conductor_env.cluster(uuid).health_status_reason == {
                'api': 'the cluster has no API address'}
        assert len(_updates()) == 2 * N
    finally:
        for monitor in monitors:
            monitor.stop()
