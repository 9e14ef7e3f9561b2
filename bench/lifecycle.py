"""End-to-end cluster create lifecycle against the simulator (zero resource delay).

For each (clusters, conductors, Heat notifications on/off): real conductor
processes on RabbitMQ and MariaDB (SQLite with ``--db sqlite`` for one
conductor), intents written to the database and cast with ``ConductorAPI``
(the API's own cost is ``bench/api*``'s business). Prints: time until all
CREATE_COMPLETE, Heat requests per tracking interval per conductor (from the
simulator's request counters, measured over an idle window once everything
is complete, and over the run), conductor CPU seconds and peak RSS, and the
delay from a stack's completion (seen by the simulator) to the cluster's
status (seen by polling the DB every 20 ms), p50/p95. No assertions.

Heat requests per tracking interval per conductor are given three ways:
``run`` (every Heat request of the run -- creates, adoption look-ups, outputs
-- per interval per conductor: the whole cost, which grows with the creates
per interval), ``track`` (the **tracking** cost while clusters are in
progress: the requests of a window after every create was issued, with the
stacks held in CREATE_IN_PROGRESS by the simulator's ``add_hang``, then
released) and ``idle`` (nothing in progress).

The steady-state run (``--steady N``, default 1000; 0 skips it): N clusters
left in CREATE_IN_PROGRESS (``add_hang``) tracked by one conductor; its CPU%
and Heat requests per interval over ``--steady-seconds`` (default 60).

    python bench/lifecycle.py                       # 100 and 1000, 1 and 3 conductors
    python bench/lifecycle.py --clusters 100 --conductors 3 --steady 0
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
import warnings

warnings.filterwarnings('ignore')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def proc_stats(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak RSS MiB) of a live process."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    peak = 0.0
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                peak = int(line.split()[1]) / 1024
    return cpu, peak


def pct(values: list[float], p: float) -> float:
    if not values:
        return float('nan')
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_case(n: int, conductors: int, notifications: bool, *, db_backend: str,
             sync_interval: float, steady_seconds: float = 0.0) -> dict:
    """One create run; with ``steady_seconds``, the steady-state run instead."""
    from magnum_like.cloudsim import Simulator
    from magnum_like.common import context as ml_context
    from magnum_like.common import rpc
    from magnum_like.conductor import api as conductor_api
    from magnum_like import conf as ml_conf
    from magnum_like.db import api as db
    from tests.fixtures import conductor_driver
    from tests.fixtures import database
    from tests.fixtures import rabbitmq
    from tests.functional.conductor import test_multiprocess as mp

    run = uuidlib.uuid4().hex[:10]
    tmp = tempfile.mkdtemp(prefix='mlt_bench_')
    import pathlib
    tmp_path = pathlib.Path(tmp)
    url = database.provision_database(db_backend)
    database.use_database(url)
    vhost = rabbitmq.create_vhost()  # default topic and queue names, isolated
    rabbit = vhost.url
    sim = Simulator(port=0, notify_url=rabbit if notifications else None,
                    default_delay=0.0).start()
    stack_done: dict[str, float] = {}
    emit = sim.notifier.emit

    def record(event_type, payload, level='info'):
        if event_type == 'orchestration.stack.create.end':
            for tag in payload.get('tags') or []:
                if tag.startswith('cluster_uuid='):
                    stack_done[tag.split('=', 1)[1]] = time.monotonic()
        emit(event_type, payload, level)
    sim.notifier.emit = record

    config = tmp_path / 'magnum_like.conf'
    mp.write_config(config, db_url=url, sim=sim, rabbit=rabbit)
    text = config.read_text().replace('sync_interval = 1', 'sync_interval = %s' % sync_interval)
    text = text.replace('reconcile_grace = 3', 'reconcile_grace = 30')
    text = text.replace('[conductor]\n', '[conductor]\nheat_notifications = %s\n'
                        % str(notifications).lower(), 1)
    config.write_text(text)
    driver_dir = conductor_driver.install_entry_point(tmp)
    env = mp.process_env(driver_dir)
    procs = []
    for i in range(conductors):
        host = tmp_path / ('c%d.conf' % i)
        host.write_text('[DEFAULT]\nhost = bench-%s-%d\n' % (run, i))
        procs.append(mp.start_process('magnum-like-conductor', config, host,
                                      tmp_path / ('c%d.log' % i), env))
    conf = ml_conf.CONF
    try:
        conf([], project='magnum_like', default_config_files=[])
    except Exception:
        pass
    rpc.cleanup()
    rpc.init(conf, url=rabbit)
    api = conductor_api.ConductorAPI()
    admin = ml_context.get_admin_context()
    ctx = ml_context.make_context(user_id='bench', project_id='bench')
    try:
        deadline = time.monotonic() + 60
        while len([s for s in db.get_magnum_service_list()
                   if s.host.startswith('bench-%s' % run)]) < conductors:
            if time.monotonic() > deadline:
                raise RuntimeError('conductors did not start; see %s' % tmp)
            time.sleep(0.2)
        template = db.create_cluster_template(dict(
            name='bench', project_id='bench', coe='kubernetes', server_type='vm',
            cluster_distro='mlt-test-os', image_id='fedora-atomic-latest',
            driver=conductor_driver.NAME, labels={}, public=True))
        uuids = [str(uuidlib.uuid4()) for _ in range(n)]
        for u in uuids:
            db.create_cluster(dict(uuid=u, name='b-%s' % u[:8], project_id='bench',
                                   user_id='bench', cluster_template_id=template.uuid,
                                   status='CREATE_IN_PROGRESS', operation='create',
                                   operation_args={}, labels={}, master_flavor_id='m1.small',
                                   flavor_id='m1.small', floating_ip_enabled=False))
            for name, role in (('default-master', 'master'), ('default-worker', 'worker')):
                db.create_nodegroup(dict(cluster_id=u, name=name, role=role, node_count=1,
                                         is_default=True, project_id='bench',
                                         status='CREATE_IN_PROGRESS'))
        hang = sim.faults.add_hang('*')
        cpu0 = [proc_stats(p.pid)[0] for p in procs]
        heat0 = sim.request_counts().get('orchestration', 0)
        started = time.monotonic()
        for u in uuids:
            api.process_cluster(ctx, u)
        # every create issued (its stack hangs): the tracking cost alone
        while time.monotonic() - started < 1800:
            rows = db.get_cluster_list(admin, filters={'status': 'CREATE_IN_PROGRESS'})
            if sum(1 for c in rows if '_started' in (c.operation_args or {})
                   and not c.reservation) >= n:
                break
            time.sleep(0.2)
        issued = time.monotonic() - started
        window = steady_seconds or 3 * sync_interval
        h0, c0 = sim.request_counts().get('orchestration', 0), time.monotonic()
        cpu_w = [proc_stats(p.pid)[0] for p in procs]
        time.sleep(window)
        window = time.monotonic() - c0
        track = ((sim.request_counts().get('orchestration', 0) - h0)
                 / (window / sync_interval) / conductors)
        cpu_window = sum(proc_stats(p.pid)[0] for p in procs) - sum(cpu_w)
        cpu_pct = cpu_window / window * 100
        if steady_seconds:
            return {'clusters': n, 'conductors': conductors, 'notifications': notifications,
                    'issued_s': issued, 'track': track, 'cpu_pct': cpu_pct,
                    'peak_rss_mib': max(proc_stats(p.pid)[1] for p in procs)}
        sim.faults.remove(hang)
        with sim.store.lock:  # let the held stacks run to completion
            released = time.monotonic()
            sim.engine.resume()
        seen: dict[str, float] = {}
        while len(seen) < n and time.monotonic() - started < 1800:
            for c in db.get_cluster_list(admin, filters={'status': 'CREATE_COMPLETE'}):
                if c.uuid not in seen and c.operation is None:
                    seen[c.uuid] = time.monotonic()
            time.sleep(0.02)
        # time to complete, without the measuring window the stacks were held for
        elapsed = issued + (time.monotonic() - released)
        heat_run = (sim.request_counts().get('orchestration', 0) - heat0
                    - track * (window / sync_interval) * conductors)
        # idle window: the tracking cost with nothing in progress ...
        h1 = sim.request_counts().get('orchestration', 0)
        window = 5 * sync_interval
        time.sleep(window)
        idle = (sim.request_counts().get('orchestration', 0) - h1) / 5 / conductors
        stats = [proc_stats(p.pid) for p in procs]
        delays = [seen[u] - stack_done[u] for u in uuids if u in seen and u in stack_done]
        intervals = max(1.0, elapsed / sync_interval)
        return {
            'clusters': n, 'conductors': conductors, 'notifications': notifications,
            'complete': len(seen), 'seconds': elapsed,
            'heat_per_interval_per_conductor_run': heat_run / intervals / conductors,
            'heat_per_interval_per_conductor_idle': idle,
            'heat_per_interval_per_conductor_track': track,
            'heat_requests': heat_run,
            'cpu_s': sum(s[0] for s in stats) - sum(cpu0) - cpu_window,
            'peak_rss_mib': max(s[1] for s in stats),
            'delay_p50': pct(delays, 50), 'delay_p95': pct(delays, 95),
        }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        rpc.cleanup()
        sim.stop()
        database.reset_database_config()
        database.drop_database(url)
        rabbitmq.delete_vhost(vhost)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--clusters', type=int, nargs='*', default=[100, 1000])
    parser.add_argument('--conductors', type=int, nargs='*', default=[1, 3])
    parser.add_argument('--notifications', choices=['on', 'off', 'both'], default='both')
    parser.add_argument('--db', default='mysql', choices=['mysql', 'postgresql', 'sqlite'])
    parser.add_argument('--sync-interval', type=float, default=2.0)
    parser.add_argument('--steady', type=int, default=1000,
                        help='clusters of the steady-state run (0: skip it)')
    parser.add_argument('--steady-seconds', type=float, default=60.0)
    args = parser.parse_args()
    modes = {'on': [True], 'off': [False], 'both': [True, False]}[args.notifications]
    if args.steady:
        r = run_case(args.steady, 1, True, db_backend=args.db,
                     sync_interval=args.sync_interval, steady_seconds=args.steady_seconds)
        print('steady state: %d clusters in CREATE_IN_PROGRESS, 1 conductor, %.0f s window: '
              'conductor CPU %.2f%% of a core, Heat requests/interval %.2f, peak RSS %.0f MiB '
              '(creates issued in %.0f s)' % (r['clusters'], args.steady_seconds, r['cpu_pct'],
                                              r['track'], r['peak_rss_mib'], r['issued_s']),
              flush=True)
    if not args.clusters:
        return 0
    print('%8s %5s %6s %9s %9s %9s %10s %10s %8s %8s %9s %9s' % (
        'clusters', 'cond', 'notif', 'complete', 'seconds', 'run/int/c', 'track/int/c',
        'idle/int/c', 'cpu_s', 'rss_MiB', 'delay_p50', 'delay_p95'), flush=True)
    for n in args.clusters:
        for c in args.conductors:
            for notif in modes:
                r = run_case(n, c, notif, db_backend=args.db, sync_interval=args.sync_interval)
                print('%8d %5d %6s %9d %9.1f %9.2f %10.2f %10.2f %8.1f %8.0f %9.3f %9.3f' % (
                    r['clusters'], r['conductors'], 'on' if notif else 'off', r['complete'],
                    r['seconds'], r['heat_per_interval_per_conductor_run'],
                    r['heat_per_interval_per_conductor_track'],
                    r['heat_per_interval_per_conductor_idle'], r['cpu_s'], r['peak_rss_mib'],
                    r['delay_p50'], r['delay_p95']), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
