"""The conductor as a real process (RabbitMQ, SQLite) and in process (fake://).

The RabbitMQ tests keep the default exchange, topic and queue names and
isolate themselves with a vhost of their own (``rabbit_vhost``). When RabbitMQ
is unreachable they are skipped, except under ``CI=true`` where they fail.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from magnum_like.common import context
from magnum_like.common import rpc  # before oslo_messaging: picks oslo.service's threading backend
from magnum_like.conductor import api as conductor_api
from magnum_like.conductor import manager
from magnum_like.conductor import service as conductor_service
from magnum_like import conf as ml_conf
from magnum_like.db import migration
import oslo_messaging as messaging  # noqa: I100

CONF = ml_conf.CONF


def _wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = 'condition'):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f'timed out after {timeout}s waiting for {what}')


def _heartbeats(url: str) -> list[tuple[str, str, int]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(
                'SELECT host, "binary", report_count FROM magnum_service'))]
    finally:
        engine.dispose()


@pytest.fixture()
def sqlite_url(tmp_path) -> str:
    url = f'sqlite:///{tmp_path / "magnum_like.sqlite"}'
    migration.upgrade('head', url=url)
    return url


@pytest.fixture()
def parsed_conf():
    yield CONF
    rpc.cleanup()
    CONF.reset()
    CONF.clear()


def _conductor_command() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), 'magnum-like-conductor')
    if os.path.exists(script) or shutil.which('magnum-like-conductor'):
        return [script if os.path.exists(script) else shutil.which('magnum-like-conductor')]
    return [sys.executable, '-m', 'magnum_like.cmd.conductor']


def test_conductor_process_heartbeats_answers_ping_and_stops_on_sigterm(
        rabbit_vhost, tmp_path, sqlite_url, parsed_conf):
    run = uuid.uuid4().hex[:12]
    host = f'conductor-{run}'
    config = tmp_path / 'magnum_like.conf'
    config.write_text(f"""[DEFAULT]
host = {host}
state_path = {tmp_path}
transport_url = {rabbit_vhost.url}
debug = true

[api]
auth_strategy = noauth

[conductor]
heartbeat_interval = 1

[database]
connection = {sqlite_url}

[oslo_messaging_notifications]
driver = noop
""")
    log_path = tmp_path / 'conductor.log'
    with open(log_path, 'wb') as log:
        process = subprocess.Popen(_conductor_command() + ['--config-file', str(config)],
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        rows = _wait_for(lambda: [r for r in _heartbeats(sqlite_url) if r[0] == host],
                         timeout=30, what='the heartbeat row')
        assert rows[0][1] == 'magnum-conductor'  # Magnum's name, as GET /v1/mservices shows it
        first = rows[0][2]
        _wait_for(lambda: [r for r in _heartbeats(sqlite_url) if r[0] == host and r[2] > first],
                  timeout=10, what='report_count to increase')

        parsed_conf(['--config-file', str(config)], project='magnum_like', default_config_files=[])
        rpc.init(parsed_conf)
        api = conductor_api.ConductorAPI(conf=parsed_conf)
        ctx = context.make_context(user_id='u', project_id='p')
        answer = api.ping(ctx, timeout=30)
        assert answer['host'] == host
        assert answer['binary'] == manager.BINARY
        assert answer['pid'] == process.pid
        assert api.ping(ctx, host=host, timeout=10)['host'] == host

        process.send_signal(signal.SIGTERM)
        # Stops cleanly on SIGTERM; the wait's bound is generous (no timing assertion:
        # a loaded machine took 7 s where an idle one takes under 1).
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        sys.stderr.write(log_path.read_text(errors='replace')[-4000:])


class _Recorder:
    """Stands in for the DB heartbeat: counts calls, optionally fails the first ones."""

    def __init__(self, failures: int = 0) -> None:
        self.calls: list[tuple[str, str]] = []
        self.failures = failures
        self.lock = threading.Lock()

    def __call__(self, host: str, binary: str) -> None:
        with self.lock:
            self.calls.append((host, binary))
            if len(self.calls) <= self.failures:
                raise RuntimeError('database is down')


@pytest.fixture()
def fake_conductor(parsed_conf, monkeypatch):
    run = uuid.uuid4().hex[:8]
    parsed_conf([], project='magnum_like', default_config_files=[])
    parsed_conf.set_override('heartbeat_interval', 1, group='conductor')
    parsed_conf.set_override('topic', f'conductor-{run}', group='conductor')
    rpc.init(parsed_conf, url='fake://')
    recorder = _Recorder(failures=2)
    monkeypatch.setattr(conductor_service.db, 'report_magnum_service', recorder, raising=False)
    service = conductor_service.ConductorService(conf=parsed_conf, host=f'host-{run}')
    service.start()
    yield service, recorder
    service.stop()


def test_in_process_ping_over_fake_transport(fake_conductor):
    service, _ = fake_conductor
    api = conductor_api.ConductorAPI(conf=service.conf)
    answer = api.ping(context.make_context(user_id='u', project_id='p'), timeout=5)
    assert answer['host'] == service.host
    assert answer['pid'] == os.getpid()


def test_failed_heartbeats_are_retried(fake_conductor):
    service, recorder = fake_conductor
    # The first two heartbeats fail (database down); the worker keeps going.
    _wait_for(lambda: len(recorder.calls) >= 4, timeout=10, what='heartbeats after failures')
    assert set(recorder.calls) == {(service.host, manager.BINARY)}
    assert service.report_state() is True


def test_stop_is_idempotent_and_start_twice_refused(fake_conductor):
    service, _ = fake_conductor
    with pytest.raises(RuntimeError):
        service.start()
    service.stop()
    service.stop()


def test_rpc_target_version_is_1_1():
    # 1.1 added process_cluster (the PKI/trust work's cast).
    assert manager.ConductorManager.target.version == '1.2'
    assert conductor_api.RPC_API_VERSION == '1.2'
    assert isinstance(manager.ConductorManager.target, messaging.Target)


@pytest.mark.parametrize('interval', [0.5, 0.0])
def test_orphan_trustee_pass_is_scheduled_unless_disabled(parsed_conf, monkeypatch, interval):
    """``[trust] orphan_reap_interval``: a periodic pass (0: none). Here Keystone is not
    configured: each pass fails, is logged, and the next one runs anyway."""
    run = uuid.uuid4().hex[:8]
    parsed_conf([], project='magnum_like', default_config_files=[])
    parsed_conf.set_override('heartbeat_interval', 1, group='conductor')
    parsed_conf.set_override('topic', f'conductor-{run}', group='conductor')
    parsed_conf.set_override('orphan_reap_interval', interval, group='trust')
    rpc.init(parsed_conf, url='fake://')
    recorder = _Recorder()
    monkeypatch.setattr(conductor_service.db, 'report_magnum_service', recorder, raising=False)
    service = conductor_service.ConductorService(conf=parsed_conf, host=f'host-{run}')
    service.start()
    try:
        if interval:
            _wait_for(lambda: service.trustees.passes >= 3, timeout=30,
                      what='three orphan trustee passes')
        else:
            _wait_for(lambda: len(recorder.calls) >= 3, timeout=30, what='three heartbeats')
            assert service.trustees.passes == 0
    finally:
        service.stop()
