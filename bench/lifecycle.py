"""Cluster lifecycle at scale against the simulator: a burst of creates, and many clusters tracked.

Real conductor processes on RabbitMQ and MariaDB (``--db``), the simulator in
this process, intents written to the database and cast with ``ConductorAPI``
(the API's own cost is ``bench/api.py``'s business). No assertions.

**burst** (``--burst N``, default 1000): N creates cast at once. Each stack takes
``--stack-delay`` seconds per resource in the simulator, so stacks end while
later creates are still being started: the situation where finishing work could
queue behind starting work. Printed: seconds until every cluster is
CREATE_COMPLETE, the delay from a stack's ``create.end`` (seen by the simulator)
to the cluster's CREATE_COMPLETE (seen by polling the database every 20 ms),
p50/p95/max, Heat stack *list* calls of tracking (the global list) per interval
per conductor, and conductor CPU seconds. ``--at-once``: hold every stack until
all creates started, then let all end in the same instant (the measurement of
before 2026-12-04: it gauges how fast N completions are written, not whether
they wait behind starts).

**tracked** (``--tracked N``, default 10000; ``--in-progress M``, default 1000): N
clusters in the database, N stacks in the simulator (seeded directly, not
created through the conductors); M of them started and in CREATE_IN_PROGRESS
(their stacks held by the simulator's ``add_hang``), the others
CREATE_COMPLETE. Over ``--window`` seconds of steady state: CPU per conductor in
% of one core and Heat list calls per interval per conductor. The health pass
(``bench/health.py``'s business) is set to once an hour and the window starts
after its first pass.

    python bench/lifecycle.py                          # full: 1000 burst, 10000 tracked, 1 and 3
    python bench/lifecycle.py --quick                  # 200 burst, 2000 tracked (200 in progress)
    python bench/lifecycle.py --burst 0 --conductors 3 # tracked only, 3 conductors
"""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
import warnings

warnings.filterwarnings('ignore')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

_LIST = re.compile(r'^/v1/[^/]+/stacks/?$')


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a live process."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def pct(values: list[float], p: float) -> float:
    if not values:
        return float('nan')
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Run:
    """Simulator, database, vhost and conductor processes of one case."""

    def __init__(self, conductors: int, *, db_backend: str, sync_interval: float,
                 stack_delay: float) -> None:
        from magnum_like.cloudsim import Simulator
        from tests.fixtures import conductor_driver
        from tests.fixtures import database
        from tests.fixtures import rabbitmq
        from tests.functional.conductor import test_multiprocess as mp
        self.run = uuidlib.uuid4().hex[:10]
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix='mlt_bench_'))
        self.url = database.provision_database(db_backend)
        database.use_database(self.url)
        self.vhost = rabbitmq.create_vhost()
        self.sim = Simulator(port=0, notify_url=self.vhost.url,
                             default_delay=stack_delay).start()
        self.stack_done: dict[str, float] = {}
        self.lists: list[float] = []  # monotonic time of every stack list served
        emit = self.sim.notifier.emit

        def record(event_type, payload, level='info'):
            if event_type == 'orchestration.stack.create.end':
                for tag in payload.get('tags') or []:
                    if tag.startswith('cluster_uuid='):
                        self.stack_done[tag.split('=', 1)[1]] = time.monotonic()
            emit(event_type, payload, level)
        self.sim.notifier.emit = record
        heat_api = self.sim._services['orchestration']

        def counting(req, path):
            # the tracking pass's list (global); a create's look-up by name is not one
            if req.method == 'GET' and _LIST.match(path) and req.GET.get('global_tenant'):
                self.lists.append(time.monotonic())
            return heat_api(req, path)
        self.sim._services['orchestration'] = counting
        config = self.tmp / 'magnum_like.conf'
        mp.write_config(config, db_url=self.url, sim=self.sim, rabbit=self.vhost.url)
        text = config.read_text()
        text = text.replace('sync_interval = 1', 'sync_interval = %s' % sync_interval)
        text = text.replace('reconcile_grace = 3', 'reconcile_grace = 60')
        text = text.replace('[conductor]\n', '[conductor]\nhealth_check_interval = 3600\n', 1)
        config.write_text(text)
        env = mp.process_env(conductor_driver.install_entry_point(str(self.tmp)))
        self.procs = []
        for i in range(conductors):
            host = self.tmp / ('c%d.conf' % i)
            host.write_text('[DEFAULT]\nhost = bench-%s-%d\n' % (self.run, i))
            self.procs.append(mp.start_process('magnum-like-conductor', config, host,
                                               self.tmp / ('c%d.log' % i), env))
        self.driver = conductor_driver.NAME
        self._database, self._rabbitmq = database, rabbitmq

    def wait_started(self, conductors: int) -> None:
        from magnum_like.db import api as db
        deadline = time.monotonic() + 60
        while len([s for s in db.get_magnum_service_list()
                   if s.host.startswith('bench-%s' % self.run)]) < conductors:
            if time.monotonic() > deadline:
                raise RuntimeError('conductors did not start; see %s' % self.tmp)
            time.sleep(0.2)

    def template(self):
        from magnum_like.db import api as db
        return db.create_cluster_template(dict(
            name='bench', project_id='bench', coe='kubernetes', server_type='vm',
            cluster_distro='mlt-test-os', image_id='fedora-atomic-latest',
            driver=self.driver, labels={}, public=True))

    def cpu(self) -> list[float]:
        return [proc_cpu(p.pid) for p in self.procs]

    def close(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        self.sim.stop()
        self._database.reset_database_config()
        self._database.drop_database(self.url)
        self._rabbitmq.delete_vhost(self.vhost)


def _cluster(u: str, template: str, **values):
    base = dict(uuid=u, name='b-%s' % u[:8], project_id='bench', user_id='bench',
                cluster_template_id=template, labels={}, master_flavor_id='m1.small',
                flavor_id='m1.small', floating_ip_enabled=False)
    base.update(values)
    return base


def burst(n: int, conductors: int, args) -> dict:
    from magnum_like.common import context as ml_context
    from magnum_like.common import rpc
    from magnum_like.conductor import api as conductor_api
    from magnum_like import conf as ml_conf
    from magnum_like.db import api as db
    import sqlalchemy as sa
    run = Run(conductors, db_backend=args.db, sync_interval=args.sync_interval,
              stack_delay=args.stack_delay)
    try:
        run.wait_started(conductors)
        template = run.template()
        uuids = [str(uuidlib.uuid4()) for _ in range(n)]
        for u in uuids:
            db.create_cluster(_cluster(u, template.uuid, status='CREATE_IN_PROGRESS',
                                       operation='create', operation_args={}))
            for name, role in (('default-master', 'master'), ('default-worker', 'worker')):
                db.create_nodegroup(dict(cluster_id=u, name=name, role=role, node_count=1,
                                         is_default=True, project_id='bench',
                                         status='CREATE_IN_PROGRESS'))
        try:
            ml_conf.CONF([], project='magnum_like', default_config_files=[])
        except Exception:
            pass
        rpc.cleanup()
        rpc.init(ml_conf.CONF, url=run.vhost.url)
        api = conductor_api.ConductorAPI()
        ctx = ml_context.make_context(user_id='bench', project_id='bench')
        engine = sa.create_engine(run.url.replace('mysql://', 'mysql+pymysql://', 1)
                                  if run.url.startswith('mysql://') else run.url)
        query = sa.text("SELECT uuid FROM cluster WHERE status = 'CREATE_COMPLETE' "
                        "AND operation IS NULL")
        hang = run.sim.faults.add_hang('*') if args.at_once else None
        cpu0, started = run.cpu(), time.monotonic()
        lists0 = len(run.lists)
        for u in uuids:
            api.process_cluster(ctx, u)
        if hang is not None:
            # every create started, its stack held: then all stacks end together
            started_q = sa.text("SELECT COUNT(*) FROM cluster WHERE operation_args LIKE "
                                "'%_started%' AND reservation IS NULL")
            with engine.connect() as conn:
                while conn.execute(started_q).scalar() < n:
                    conn.commit()
                    time.sleep(0.2)
            run.sim.faults.remove(hang)
            with run.sim.store.lock:
                run.sim.engine.resume()
        seen: dict[str, float] = {}
        with engine.connect() as conn:
            while len(seen) < n and time.monotonic() - started < args.timeout:
                now = time.monotonic()
                for (u,) in conn.execute(query):
                    seen.setdefault(u, now)
                conn.commit()
                time.sleep(0.02)
        engine.dispose()
        elapsed = time.monotonic() - started
        cpu = [b - a for a, b in zip(cpu0, run.cpu())]
        delays = [seen[u] - run.stack_done[u] for u in uuids
                  if u in seen and u in run.stack_done]
        lists = len(run.lists) - lists0
        rpc.cleanup()
        return {'clusters': n, 'conductors': conductors, 'complete': len(seen),
                'seconds': elapsed, 'cpu_s': sum(cpu),
                'lists_per_interval_per_conductor':
                    lists / max(1.0, elapsed / args.sync_interval) / conductors,
                'p50': pct(delays, 50), 'p95': pct(delays, 95),
                'max': max(delays) if delays else float('nan')}
    finally:
        run.close()


def seed(sim, template: str, n: int, in_progress: int) -> int:
    """``n`` clusters with stacks, the last ``in_progress`` started and held; the hang's id."""
    from magnum_like.common import heat
    from magnum_like.db import clusters as db_clusters
    from magnum_like.db import sqlalchemy_utils as utils
    body = {'heat_template_version': '2018-08-31',
            'resources': {'nothing': {'type': 'OS::Heat::None'}}}
    rows = []
    hang = None
    emit = sim.notifier.emit
    sim.notifier.emit = lambda *a, **k: None  # a seeded stack ending is no news to anyone
    for i in range(n):
        u = str(uuidlib.uuid4())
        if i == n - in_progress:
            hang = sim.faults.add_hang('*')
        with sim.store.lock:
            stack = sim.engine.new_stack(project='bench', name='b-%s' % u[:8],
                                         template=body, files={}, env={}, params={})
            sim.engine.create(stack, tags=[heat.SERVICE_TAG, heat.cluster_tag(u)])
        if hang is None:
            rows.append(_cluster(u, template, status='CREATE_COMPLETE', stack_id=stack.id))
        else:
            rows.append(_cluster(u, template, status='CREATE_IN_PROGRESS', stack_id=stack.id,
                                 operation='create',
                                 operation_args={'_started': '2026-01-01T00:00:00',
                                                 '_stack': stack.id}))
    while True:
        with sim.store.lock:
            working = sum(1 for s in sim.engine.stacks.values() if s.status == 'IN_PROGRESS')
        if working <= in_progress:
            break
        time.sleep(0.1)
    sim.notifier.emit = emit
    with utils.writer() as session:
        session.add_all([db_clusters._new_cluster(values) for values in rows])
    return hang


def tracked(n: int, in_progress: int, conductors: int, args) -> dict:
    from magnum_like.db import api as db
    run = Run(conductors, db_backend=args.db, sync_interval=args.sync_interval,
              stack_delay=0.0)
    try:
        run.wait_started(conductors)
        template = run.template()
        hang = seed(run.sim, template.uuid, n, in_progress)
        # settle: the conductors' first passes over the new rows, and the health pass
        time.sleep(max(5.0, 2 * args.sync_interval))
        lists0, cpu0, t0 = len(run.lists), run.cpu(), time.monotonic()
        time.sleep(args.window)
        elapsed = time.monotonic() - t0
        cpu = [(b - a) / elapsed * 100 for a, b in zip(cpu0, run.cpu())]
        lists = len(run.lists) - lists0
        still = len(db.get_cluster_work_list(statuses=['CREATE_IN_PROGRESS']))
        run.sim.faults.remove(hang)
        return {'clusters': n, 'in_progress': in_progress, 'conductors': conductors,
                'cpu_pct': cpu, 'still_in_progress': still,
                'lists_per_interval_per_conductor':
                    lists / (elapsed / args.sync_interval) / conductors}
    finally:
        run.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true',
                        help='200 burst, 2000 tracked with 200 in progress, 30 s window')
    parser.add_argument('--burst', type=int, default=None)
    parser.add_argument('--tracked', type=int, default=None)
    parser.add_argument('--in-progress', type=int, default=None)
    parser.add_argument('--conductors', type=int, nargs='*', default=[1, 3])
    parser.add_argument('--db', default='mysql', choices=['mysql', 'postgresql'])
    parser.add_argument('--sync-interval', type=float, default=10.0,
                        help='[conductor] sync_interval (default: the service default)')
    parser.add_argument('--stack-delay', type=float, default=0.5,
                        help='simulated seconds per resource of a cluster stack')
    parser.add_argument('--window', type=float, default=None,
                        help='seconds of steady state measured (default 60; 30 quick)')
    parser.add_argument('--at-once', action='store_true',
                        help='burst: hold every stack until all creates started, then let '
                             'them all end in the same instant (the measurement before '
                             '2026-12-04)')
    parser.add_argument('--timeout', type=float, default=1800.0)
    args = parser.parse_args()
    quick = args.quick
    n_burst = args.burst if args.burst is not None else (200 if quick else 1000)
    n_tracked = args.tracked if args.tracked is not None else (2000 if quick else 10000)
    n_progress = args.in_progress if args.in_progress is not None else n_tracked // 10
    args.window = args.window or (30.0 if quick else 60.0)
    print('# %s, %d CPUs, load %.1f, sync_interval %.0f s, stack delay %.2f s per resource, '
          'db %s%s' % (time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), os.cpu_count(),
                       os.getloadavg()[0], args.sync_interval, args.stack_delay, args.db,
                       ', stacks end at once' if args.at_once else ''), flush=True)
    if n_burst:
        print('burst:   clusters cond complete seconds  cpu_s lists/int/c delay_p50 '
              'delay_p95 delay_max', flush=True)
        for c in args.conductors:
            r = burst(n_burst, c, args)
            print('burst:   %8d %4d %8d %7.1f %6.1f %11.2f %9.3f %9.3f %9.3f' % (
                r['clusters'], r['conductors'], r['complete'], r['seconds'], r['cpu_s'],
                r['lists_per_interval_per_conductor'], r['p50'], r['p95'], r['max']),
                flush=True)
    if n_tracked:
        print('tracked: clusters in_progress cond window_s lists/int/c cpu_%_per_conductor',
              flush=True)
        for c in args.conductors:
            r = tracked(n_tracked, n_progress, c, args)
            print('tracked: %8d %11d %4d %8.0f %11.2f %s' % (
                r['clusters'], r['in_progress'], r['conductors'], args.window,
                r['lists_per_interval_per_conductor'],
                ' '.join('%.2f' % v for v in r['cpu_pct'])), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
