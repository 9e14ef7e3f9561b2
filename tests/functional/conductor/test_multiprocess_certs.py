"""No CA private key outlives its cluster when a conductor is SIGKILLed mid-create.

An API process and conductor processes on the real RabbitMQ (a vhost of this
test's own, every name the service's default) and MariaDB, the cert manager
``barbican`` on the simulator over HTTP. The first conductor is killed right
after it stored certificates (the test polls the simulator's Barbican), while
rows do not point at them yet; a second conductor takes the clusters over and
finishes them, adopting what the dead one stored (one set of four per cluster,
not two). Then every cluster is deleted through the API, and the simulator's
Barbican holds nothing at all.
"""
from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import time

import pytest
import requests

from magnum_like.pki import certificates
from magnum_like.conductor import states
from magnum_like.db import api as db
from tests.fixtures import conductor_driver
from tests.fixtures import processes
from tests.functional.conductor import test_multiprocess as mp

N_CLUSTERS = int(os.environ.get('MLT_MP_CERT_CLUSTERS', '30'))
mysql_db = mp.mysql_db


@pytest.fixture
def vhost_url(rabbit_vhost):
    """The transport URL of a RabbitMQ vhost of the test's own (default names)."""
    return rabbit_vhost.url


def _config(path, *, db_url, sim, rabbit, conductor_extra: str = '') -> None:
    path.write_text(f"""[DEFAULT]
transport_url = {rabbit}
debug = false

[api]
auth_strategy = noauth

[conductor]
heartbeat_interval = 1
service_down_time = 6
sync_interval = 1
reconcile_grace = 3
workers = 8
{conductor_extra}

[certificates]
cert_manager_type = barbican

[database]
connection = {db_url}

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
""")


def _barbican(sim) -> tuple[dict, dict]:
    with sim.store.lock:
        return dict(sim.store.secrets), dict(sim.store.containers)


def _unreferenced(sim, uuids) -> list[str]:
    """Clusters with something in Barbican that their row does not point at."""
    secrets, containers = _barbican(sim)
    names = {s['name'] for s in secrets.values()} | {c['name'] for c in containers.values()}
    rows = {c.uuid: c for c in db.get_cluster_list(_admin()) if c.uuid in uuids}
    return [u for u in uuids if any(n.startswith(certificates.group_name(u, 0)) for n in names)
            and not rows[u].ca_cert_ref]


def _admin():
    from magnum_like.common import context as ml_context
    return ml_context.get_admin_context()


def test_sigkill_after_storing_ca_leaves_nothing_in_barbican(tmp_path, mysql_db, vhost_url,
                                                             test_driver_path):
    from magnum_like.cloudsim import Simulator
    sim = Simulator(port=0, notify_url=vhost_url, default_delay=0.05).start()
    config = tmp_path / 'magnum_like.conf'
    _config(config, db_url=mysql_db, sim=sim, rabbit=vhost_url)
    env = mp.process_env(test_driver_path)
    procs: dict[str, subprocess.Popen] = {}

    def start_conductor(name):
        host = tmp_path / ('%s.conf' % name)
        host.write_text('[DEFAULT]\nhost = mlt-%s\n' % name)
        procs[name] = mp.start_process('magnum-like-conductor', config, host,
                                       tmp_path / ('%s.log' % name), env)
    try:
        port = mp._free_port()
        api_host = tmp_path / 'api.conf'
        api_host.write_text('[api]\nhost = 127.0.0.1\nport = %d\n' % port)
        procs['api'] = mp.start_process('magnum-like-api', config, api_host,
                                        tmp_path / 'api.log', env)
        api = 'http://127.0.0.1:%d' % port
        start_conductor('cond0')

        def api_up():
            try:
                return requests.get(api + '/', timeout=2).status_code < 500
            except (requests.ConnectionError, requests.Timeout):  # bound socket, worker not yet serving
                return False
        mp._wait(api_up, 60, 'the API process')
        mp._wait(lambda: any(s.host == 'mlt-cond0' for s in db.get_magnum_service_list()),
                 60, 'the first conductor')

        template = db.create_cluster_template(dict(
            name='certs', project_id='project-a', coe='kubernetes', server_type='vm',
            cluster_distro='mlt-test-os', image_id='fedora-atomic-latest',
            driver=conductor_driver.NAME, labels={'kube_tag': 'v1.0.0'}, public=True,
            master_flavor_id='m1.small', flavor_id='m1.small', floating_ip_enabled=False))
        headers = {'OpenStack-API-Version': 'container-infra latest',
                   'X-Project-Id': 'project-a', 'X-User-Id': 'user-a',
                   'X-Roles': 'member,reader', 'Content-Type': 'application/json'}

        def create(i):
            r = requests.post(api + '/v1/clusters', headers=headers, timeout=60,
                              json={'name': 'certs-%d' % i, 'cluster_template_id': template.uuid,
                                    'node_count': 1, 'master_count': 1})
            assert r.status_code == 202, r.text
            return r.json()['uuid']

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(create, i) for i in range(N_CLUSTERS)]
            # Kill the only conductor as soon as it has stored a certificate.
            deadline = time.monotonic() + 120
            while not _barbican(sim)[0]:
                assert time.monotonic() < deadline, 'no certificate stored in 120 s'
                time.sleep(0.02)
            procs['cond0'].send_signal(signal.SIGKILL)
            procs['cond0'].wait()
            uuids = [f.result() for f in futures]
        # What the dead conductor left: certificates no row points at.
        orphaned = _unreferenced(sim, uuids)
        assert orphaned, 'the conductor died with no certificate half-way (test is void)'

        start_conductor('cond1')
        rows = {}

        def all_done():
            nonlocal rows
            rows = {c.uuid: c for c in db.get_cluster_list(_admin()) if c.uuid in uuids}
            failed = [c for c in rows.values() if c.status == states.CREATE_FAILED]
            assert not failed, [(c.uuid, c.status_reason) for c in failed[:3]]
            return all(c.status == states.CREATE_COMPLETE and c.operation is None
                       for c in rows.values())
        mp._wait(all_done, 300, 'every cluster to reach CREATE_COMPLETE')

        secrets, containers = _barbican(sim)
        # One set per cluster (the orphans adopted or removed), each the row's own.
        assert len(containers) == 4 * N_CLUSTERS and len(secrets) == 8 * N_CLUSTERS
        refs = {getattr(c, f).rsplit('/', 1)[-1] for c in rows.values() for f in certificates.REF_FIELDS}
        assert refs == set(containers)

        for u in uuids:
            r = requests.delete(api + '/v1/clusters/' + u, headers=headers, timeout=60)
            assert r.status_code == 204, r.text
        mp._wait(lambda: not [c for c in db.get_cluster_list(_admin()) if c.uuid in uuids],
                 300, 'every cluster to be deleted')
        assert _barbican(sim) == ({}, {})
    finally:
        processes.stop_all(procs.values(), tmp_path, tail=1500)
        sim.stop()
