"""2 API processes + 3 conductor processes on the real RabbitMQ and MariaDB, with the simulator.

200 clusters created at once through the API all reach CREATE_COMPLETE with
exactly one Heat stack each, although one conductor is SIGKILLed mid-run; an
intent written straight into the database (its cast never sent) is carried
out; the quota holds under concurrent creates. Isolated by a RabbitMQ vhost
and a database of the run's own, with the default topic and queue names.
Without RabbitMQ or MariaDB the test is
skipped, except under ``CI=true`` where it fails.
"""
from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
import uuid as uuidlib

import pytest
import requests

from magnum_like.conductor import states
from magnum_like.db import api as db
from tests.fixtures import conductor_driver
from tests.fixtures import database
from tests.fixtures import processes

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))
BIN = os.path.dirname(sys.executable)
N_CLUSTERS = int(os.environ.get('MLT_MP_CLUSTERS', '200'))


_free_port = processes.free_port


def write_config(path, *, db_url: str, sim, rabbit: str, extra: str = '') -> None:
    """The configuration every API and conductor process of a run shares.

    Topics, exchanges and queues keep the service's defaults: ``rabbit`` is a
    transport URL into a vhost of the run's own.
    """
    path.write_text(f"""[DEFAULT]
transport_url = {rabbit}
debug = false

[api]
auth_strategy = noauth
threads = 16

[conductor]
heartbeat_interval = 1
service_down_time = 6
sync_interval = 1
reconcile_grace = 3
workers = 8

[database]
connection = {db_url}
max_pool_size = 10
max_overflow = 10

[heat_client]
endpoint_override = {sim.endpoints['orchestration']}

[barbican_client]
endpoint_override = {sim.endpoints['key-manager']}

[nova_client]
endpoint_override = {sim.endpoints['compute']}

[glance_client]
endpoint_override = {sim.endpoints['image']}

[neutron_client]
endpoint_override = {sim.endpoints['network']}

[quotas]
max_clusters_per_project = 100000

[oslo_messaging_notifications]
driver = noop
{extra}
""")


def process_env(driver_dir: str) -> dict:
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([driver_dir, ROOT, env.get('PYTHONPATH', '')])
    return env


def start_process(binary: str, config, host_config, log_path, env) -> subprocess.Popen:
    command = [os.path.join(BIN, binary), '--config-file', str(config)]
    if host_config is not None:
        command += ['--config-file', str(host_config)]
    with open(log_path, 'wb') as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)


def _wait(predicate, timeout, what):
    return processes.wait_for(predicate, timeout, what, interval=0.5)


@pytest.fixture
def mysql_db():
    url = database.provision_database('mysql')
    try:
        database.use_database(url)
        yield url
    finally:
        database.reset_database_config()
        database.drop_database(url)


def test_200_clusters_3_conductors_2_apis_survive_sigkill(tmp_path, mysql_db, test_driver_path,
                                                          rabbit_vhost):
    from magnum_like.cloudsim import Simulator
    from magnum_like.common import context as ml_context
    run = uuidlib.uuid4().hex[:10]
    sim = Simulator(port=0, notify_url=rabbit_vhost.url, default_delay=0.05).start()
    config = tmp_path / 'magnum_like.conf'
    write_config(config, db_url=mysql_db, sim=sim, rabbit=rabbit_vhost.url)
    env = process_env(test_driver_path)
    procs: dict[str, subprocess.Popen] = {}
    api_urls = []
    try:
        for i in range(3):
            host = tmp_path / ('cond%d.conf' % i)
            host.write_text('[DEFAULT]\nhost = mlt-%s-cond%d\n' % (run, i))
            procs['cond%d' % i] = start_process('magnum-like-conductor', config, host,
                                                tmp_path / ('cond%d.log' % i), env)
        for i in range(2):
            port = _free_port()
            host = tmp_path / ('api%d.conf' % i)
            host.write_text('[api]\nhost = 127.0.0.1\nport = %d\n' % port)
            procs['api%d' % i] = start_process('magnum-like-api', config, host,
                                               tmp_path / ('api%d.log' % i), env)
            api_urls.append('http://127.0.0.1:%d' % port)

        def apis_up():
            try:
                return all(requests.get(u + '/', timeout=2).status_code < 500 for u in api_urls)
            except (requests.ConnectionError, requests.Timeout):  # bound socket, worker not yet serving
                return False
        _wait(apis_up, 60, 'the API processes')
        _wait(lambda: len([s for s in db.get_magnum_service_list()
                           if s.host.startswith('mlt-%s' % run)]) == 3, 60, 'heartbeats')

        template = db.create_cluster_template(dict(
            name='mp', project_id='project-a', coe='kubernetes', server_type='vm',
            cluster_distro='mlt-test-os', image_id='fedora-atomic-latest',
            driver=conductor_driver.NAME, labels={'kube_tag': 'v1.0.0'}, public=True,
            master_flavor_id='m1.small', flavor_id='m1.small', floating_ip_enabled=False))
        headers = {'OpenStack-API-Version': 'container-infra latest',
                   'X-Project-Id': 'project-a', 'X-User-Id': 'user-a',
                   'X-Roles': 'member,reader', 'Content-Type': 'application/json'}

        def create(i, project='project-a'):
            h = dict(headers, **{'X-Project-Id': project})
            r = requests.post(api_urls[i % 2] + '/v1/clusters', headers=h, timeout=60,
                              json={'name': 'mp-%d' % i, 'cluster_template_id': template.uuid,
                                    'node_count': 1, 'master_count': 1})
            return r.status_code, r.json()

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            futures = [pool.submit(create, i) for i in range(N_CLUSTERS)]
            time.sleep(1.0)
            procs['cond0'].send_signal(signal.SIGKILL)  # mid-run, holding reservations
            answers = [f.result() for f in futures]
        assert all(code == 202 for code, _ in answers), [a for a in answers if a[0] != 202][:3]
        uuids = [body['uuid'] for _code, body in answers]

        # an intent whose cast never arrives
        lost = str(uuidlib.uuid4())
        db.create_cluster(dict(uuid=lost, name='lost', project_id='project-a', user_id='user-a',
                               cluster_template_id=template.uuid, status='CREATE_IN_PROGRESS',
                               operation='create', operation_args={}, labels={},
                               master_flavor_id='m1.small', flavor_id='m1.small',
                               floating_ip_enabled=False))
        for name, role in (('default-master', 'master'), ('default-worker', 'worker')):
            db.create_nodegroup(dict(cluster_id=lost, name=name, role=role, node_count=1,
                                     is_default=True, project_id='project-a',
                                     status='CREATE_IN_PROGRESS'))
        uuids.append(lost)

        admin = ml_context.get_admin_context()

        def all_done():
            rows = {c.uuid: c for c in db.get_cluster_list(admin)}
            pending = [u for u in uuids if rows[u].status != states.CREATE_COMPLETE
                       or rows[u].operation is not None]
            failed = [rows[u] for u in uuids if rows[u].status == states.CREATE_FAILED]
            assert not failed, [(c.uuid, c.status_reason) for c in failed[:3]]
            return not pending
        _wait(all_done, 240, 'every cluster to reach CREATE_COMPLETE')

        with sim.store.lock:
            tags = [t for s in sim.engine.stacks.values() if s.parent_id is None
                    for t in (s.tags or []) if t.startswith('cluster_uuid=')]
        assert sorted(tags) == sorted('cluster_uuid=%s' % u for u in uuids)  # one stack each

        # quota under concurrent creates
        db.create_quota({'project_id': 'project-q', 'resource': 'Cluster', 'hard_limit': 5})
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            codes = [f.result()[0] for f in
                     [pool.submit(create, 1000 + i, 'project-q') for i in range(20)]]
        assert codes.count(202) == 5 and codes.count(403) == 15, codes
        assert db.get_cluster_count(ml_context.make_context(project_id='project-q')) == 5
    finally:
        processes.stop_all(procs.values(), tmp_path, tail=1500)
        sim.stop()
