"""A database outage under a running conductor: two log lines, no flood, nothing lost.

A private MariaDB (its own port and datadir, :mod:`tests.fixtures.private_mariadb`;
the shared server is never touched), a real conductor and API process on the
real RabbitMQ (a vhost of the test's own), the simulator's Heat slow enough
that a create accepted before the outage is still building during it. The
test stops the database, waits until the conductor has said so, lets the
stack finish meanwhile (Heat's notification finds no database), starts the
database again and waits for the conductor to say it is back. The log has
exactly one line for each, no traceback, no ERROR; the create completes.
"""
from __future__ import annotations

import subprocess

import requests

from magnum_like.conductor import states
from magnum_like.db import migration
from tests.fixtures import conductor_driver
from tests.fixtures import processes
from tests.fixtures.private_mariadb import private_mariadb  # noqa: F401 (fixture)
from tests.functional.conductor import test_multiprocess as mp
from tests.functional.conductor.test_multiprocess_certs import _config
from tests.functional.conductor.test_multiprocess_certs import vhost_url  # noqa: F401

WENT_AWAY = 'The database is unreachable'
BACK = 'The database is reachable again'


def _cluster(engine, uuid):
    with engine.connect() as connection:
        return connection.exec_driver_sql(
            'SELECT status, stack_id, operation FROM cluster WHERE uuid = %s', (uuid,)).first()


def test_outage_logs_two_lines_and_loses_nothing(tmp_path, private_mariadb,  # noqa: F811
                                                 vhost_url, test_driver_path):  # noqa: F811
    import sqlalchemy as sa
    from magnum_like.cloudsim import Simulator
    url = private_mariadb.create_database('mlt_outage')
    migration.upgrade(url=url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    # Slow enough that the stack is still building when the database goes.
    sim = Simulator(port=0, notify_url=vhost_url, default_delay=1.0).start()
    config = tmp_path / 'magnum_like.conf'
    # Under the default names the Heat notification pool's queue is the RPC
    # topic's queue, and the RPC server gets (and tracebacks on) Heat's
    # notifications; fixed separately, kept apart here so this test's "no
    # traceback" is about the database only.
    _config(config, db_url=url, sim=sim, rabbit=vhost_url,
            conductor_extra='heat_notifications_pool = mlt-heat-events')
    env = mp.process_env(test_driver_path)
    log = tmp_path / 'cond.log'
    procs: dict[str, subprocess.Popen] = {}

    def log_text():
        return log.read_text(errors='replace')
    try:
        host = tmp_path / 'cond.conf'
        host.write_text('[DEFAULT]\nhost = mlt-outage\n')
        procs['cond'] = mp.start_process('magnum-like-conductor', config, host, log, env)
        port = mp._free_port()
        api_host = tmp_path / 'api.conf'
        api_host.write_text('[api]\nhost = 127.0.0.1\nport = %d\n' % port)
        procs['api'] = mp.start_process('magnum-like-api', config, api_host,
                                        tmp_path / 'api.log', env)
        api = 'http://127.0.0.1:%d' % port

        def api_up():
            try:
                return requests.get(api + '/', timeout=2).status_code < 500
            except (requests.ConnectionError, requests.Timeout):  # bound socket, worker not yet serving
                return False
        mp._wait(api_up, 60, 'the API process')
        mp._wait(lambda: 'started on host mlt-outage' in log_text(), 60, 'the conductor')

        with engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO cluster_template (uuid, name, project_id, coe, server_type, "
                "cluster_distro, image_id, driver, labels, public, master_flavor_id, flavor_id, "
                "floating_ip_enabled) VALUES ('11111111-2222-3333-4444-555555555555', 'outage', "
                "'project-a', 'kubernetes', 'vm', 'mlt-test-os', 'fedora-atomic-latest', "
                ":driver, '{\"kube_tag\": \"v1.0.0\"}', 1, 'm1.small', 'm1.small', 0)"),
                {'driver': conductor_driver.NAME})
        headers = {'OpenStack-API-Version': 'container-infra latest',
                   'X-Project-Id': 'project-a', 'X-User-Id': 'user-a',
                   'X-Roles': 'member,reader', 'Content-Type': 'application/json'}
        r = requests.post(api + '/v1/clusters', headers=headers, timeout=60, json={
            'name': 'before-outage', 'node_count': 1, 'master_count': 1,
            'cluster_template_id': '11111111-2222-3333-4444-555555555555'})
        assert r.status_code == 202, r.text
        uuid = r.json()['uuid']
        stack_id = mp._wait(lambda: (_cluster(engine, uuid) or (None, None))[1], 60,
                            'the conductor to start the stack')

        private_mariadb.stop()
        mp._wait(lambda: WENT_AWAY in log_text(), 60, 'the conductor to notice the outage')

        def stack_done():
            with sim.store.lock:
                stack = sim.engine.stacks.get(stack_id)
                return stack is not None and (stack.action, stack.status) == ('CREATE', 'COMPLETE')
        mp._wait(stack_done, 120, 'the stack to complete during the outage')
        assert not private_mariadb.answers()  # it completed while the database was down

        private_mariadb.start()
        mp._wait(lambda: BACK in log_text(), 60, 'the conductor to see the database back')
        mp._wait(lambda: (_cluster(engine, uuid) or ('',))[0] == states.CREATE_COMPLETE, 120,
                 'the create accepted before the outage to complete')
        assert _cluster(engine, uuid)[2] is None  # the operation is over

        text = log_text()
        assert text.count(WENT_AWAY) == 1, text[-3000:]
        assert text.count(BACK) == 1, text[-3000:]
        assert 'Traceback' not in text, text[-3000:]
        assert ' ERROR ' not in text, text[-3000:]
    finally:
        processes.stop_all(procs.values(), tmp_path, tail=2000)
        engine.dispose()
        sim.stop()
