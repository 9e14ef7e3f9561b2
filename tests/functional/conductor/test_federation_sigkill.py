"""Issue 14: a conductor SIGKILLed during a federation join loses nothing.

An API process and two conductor processes on the real RabbitMQ (a vhost of
the test's own, every name the service's default) and MariaDB, with the
simulator (Kubernetes clusters of the ``k8s_fedora_atomic_v1`` driver, whose
APIs the simulated federation controller reaches over TLS). The join's stack
update reaches Heat, and the conductor that made the call (the one holding
the federation's reservation) is SIGKILLed before Heat answers it: the worst
moment, the call made and nothing of it written. The other conductor takes
the federation over, finds the update in Heat (its token) instead of making
it again, and finishes the join: ``UPDATE_COMPLETE``, both members ``Ready``
as ``KubeFedCluster`` on the host's Kubernetes API, and the simulator's
record of the federation stack shows exactly one update.
"""
from __future__ import annotations

import signal
import subprocess
import uuid as uuidlib

import pytest
import requests

from magnum_like.common import context as ml_context
from magnum_like.conductor import federation_stack
from magnum_like.db import api as db
from tests.fixtures import processes
from tests.functional.conductor import test_multiprocess as mp
from tests.functional.e2e import helpers as e2e

pytest.importorskip('kubernetes')

mysql_db = mp.mysql_db
CONDUCTORS = ('c0', 'c1')


def _stack_updates(sim, name: str) -> list[dict]:
    """The stack-level ``UPDATE IN_PROGRESS`` events Heat recorded for stack ``name``."""
    with sim.store.lock:
        stack = next(s for s in sim.engine.stacks.values()
                     if s.name == name and s.parent_id is None)
        return [e for e in stack.events if e['resource_type'] == 'OS::Heat::Stack'
                and e['action'] == 'UPDATE' and e['status'] == 'IN_PROGRESS']


def _settled(dev: e2e.Dev, name: str, timeout: float = 180) -> dict:
    return e2e.until(lambda: (lambda f: f if not f['status'].endswith('IN_PROGRESS')
                              else None)(dev.json('coe', 'federation', 'show', name)),
                     'federation %s settles' % name, timeout)


def test_a_conductor_sigkilled_during_a_join_loses_nothing(tmp_path, mysql_db, rabbit_vhost,
                                                           test_driver_path):
    from magnum_like.cloudsim import Simulator
    run = uuidlib.uuid4().hex[:8]
    sim = Simulator(port=0, notify_url=rabbit_vhost.url, default_delay=0.05).start()
    config = tmp_path / 'magnum_like.conf'
    mp.write_config(config, db_url=mysql_db, sim=sim, rabbit=rabbit_vhost.url,
                    extra='\n[octavia_client]\nendpoint_override = %s\n'
                          % sim.endpoints['load-balancer'])
    env = mp.process_env(test_driver_path)
    procs: dict[str, subprocess.Popen] = {}
    hosts = {'mlt-%s-%s' % (run, name): name for name in CONDUCTORS}
    port = mp._free_port()
    try:
        for host, name in hosts.items():
            # The nodes fetch their CA from the API (the conductor tells them where).
            host_conf = tmp_path / ('%s.conf' % name)
            host_conf.write_text('[DEFAULT]\nhost = %s\n\n[api]\npublic_endpoint = '
                                 'http://127.0.0.1:%d\n' % (host, port))
            procs[name] = mp.start_process('magnum-like-conductor', config, host_conf,
                                           tmp_path / ('%s.log' % name), env)
        api_conf = tmp_path / 'api.conf'
        api_conf.write_text('[api]\nhost = 127.0.0.1\nport = %d\n' % port)
        procs['api'] = mp.start_process('magnum-like-api', config, api_conf,
                                        tmp_path / 'api.log', env)

        def api_up():
            try:
                return requests.get('http://127.0.0.1:%d/' % port, timeout=2).status_code < 500
            except (requests.ConnectionError, requests.Timeout):
                return False
        mp._wait(api_up, 60, 'the API process')
        mp._wait(lambda: len([s for s in db.get_magnum_service_list()
                              if s.host in hosts]) == 2, 60, 'both conductors\' heartbeats')

        # The seed's workflow through the CLI, against the API process.
        dev = e2e.Dev(str(tmp_path / 'cli'), str(tmp_path / 'cli.log'))
        dev.port = port
        dev.ok('coe', 'cluster', 'template', 'create', 'k8s', '--coe', 'kubernetes',
               '--image', 'fedora-atomic-latest', '--external-network', 'public',
               '--flavor', 'm1.small', '--master-flavor', 'm1.medium',
               '--labels', 'kube_tag=v1.27.3')
        for name in ('condor-host', 'atlas-x', 'atlas-y'):
            dev.ok('coe', 'cluster', 'create', name, '--cluster-template', 'k8s',
                   '--node-count', '1')
        for name in ('condor-host', 'atlas-x', 'atlas-y'):
            assert dev.wait(name)['status'] == 'CREATE_COMPLETE', name
        fed = dev.json('coe', 'federation', 'create', '--host-cluster', 'condor-host',
                       'cern-condor')
        assert _settled(dev, 'cern-condor')['status'] == 'CREATE_COMPLETE'
        name = federation_stack.stack_name(fed['uuid'])
        assert _stack_updates(sim, name) == []

        # The conductor making the join's update call dies once Heat began it.
        killed: list[str] = []
        admin = ml_context.get_admin_context()
        begin_update = sim.engine.update

        def update_then_kill(stack, **kwargs):
            begin_update(stack, **kwargs)
            if stack.name == name and stack.parent_id is None and not killed:
                holder = db.get_federation_by_uuid(admin, fed['uuid']).reservation
                killed.append(holder)
                victim = procs[hosts[holder]]
                victim.send_signal(signal.SIGKILL)
                victim.wait(timeout=30)
        sim.engine.update = update_then_kill

        joined = dev.json('coe', 'federation', 'join', 'cern-condor', 'atlas-x', 'atlas-y')
        assert joined['status'] == 'UPDATE_IN_PROGRESS'
        done = _settled(dev, 'cern-condor')
        assert killed and killed[0] in hosts, killed
        assert done['status'] == 'UPDATE_COMPLETE', done
        survivor = next(n for h, n in hosts.items() if h != killed[0])
        assert procs[survivor].poll() is None
        # The survivor found the dead one's update in Heat and only watched it.
        log = (tmp_path / ('%s.log' % survivor)).read_text(errors='replace')
        assert 'watching it, not repeating it' in log, log[-3000:]
        assert len(_stack_updates(sim, name)) == 1, _stack_updates(sim, name)

        # Both members Ready as KubeFedCluster on the host's Kubernetes API.
        _core, custom = e2e.kube_apis(dev, 'condor-host', tmp_path / 'host')
        e2e.until(lambda: (lambda c: set(c) == {'atlas-x', 'atlas-y'} and all(
            e2e.ready_of(i) == 'True' for i in c.values()))(e2e.kubefed_clusters(custom)),
            'both KubeFedClusters Ready')
        assert len(_stack_updates(sim, name)) == 1
    finally:
        processes.stop_all(procs.values(), tmp_path, tail=2000)
        sim.stop()
