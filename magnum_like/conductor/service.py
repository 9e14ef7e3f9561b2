"""The conductor process: heartbeat in ``magnum_service`` plus the RPC server."""
from __future__ import annotations

import threading
from typing import Any

import futurist
from futurist import periodics
from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging as messaging

from magnum_like.common import config_check
from magnum_like.common import rpc
from magnum_like.conductor import db_watch
from magnum_like.conductor import healing
from magnum_like.conductor import heat_events
from magnum_like.conductor import health
from magnum_like.conductor import manager
from magnum_like.conductor import tracking
from magnum_like.conductor import trustee_reaper
from magnum_like.conductor import trustee_spares
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from magnum_like.pki import keypool

LOG = logging.getLogger(__name__)


class ConductorService:
    """One conductor: registers itself, heartbeats, and serves RPC.

    The heartbeat is written once in :meth:`start` and then every
    ``[conductor] heartbeat_interval`` seconds by a
    :class:`futurist.periodics.PeriodicWorker` on its own thread. A failed
    heartbeat (database down) is tried again at the next interval; it never
    stops the process — the conductor merely looks down to others until the
    database is back. An unreachable database is logged once when it goes and
    once when it is back (:mod:`db_watch`); meanwhile the heartbeat is the
    only periodic task that tries it, the tracking pass waits. The same worker
    runs the tracking pass, the health pass, (``[trust]
    orphan_reap_interval``) the orphan trustee pass (:mod:`trustee_reaper`)
    and (``[trust] spare_refill_interval``) the spare trustee pass
    (:mod:`trustee_spares`).

    :param conf: the parsed configuration (default the global ``CONF``).
        :func:`magnum_like.common.rpc.init` must have run.
    :param host: the name to register under (default ``[DEFAULT] host``).
    :param endpoints: extra RPC endpoint objects (tests).
    """

    def __init__(self, *, conf: cfg.ConfigOpts | None = None, host: str | None = None,
                 endpoints: list[Any] | None = None) -> None:
        self.conf = conf or ml_conf.CONF
        self.host = host or self.conf.host
        self.topic = self.conf.conductor.topic
        self.engine = tracking.ClusterEngine(self.host, conf=self.conf)
        self.manager = manager.ConductorManager(self.host, conf=self.conf, engine=self.engine)
        self.healer = healing.Healer(self.host, self.engine, conf=self.conf)
        self.health = health.HealthMonitor(self.host, self.engine.ring, conf=self.conf,
                                           healer=self.healer)
        self.trustees = trustee_reaper.TrusteeReaper(self.host, self.engine.ring,
                                                     conf=self.conf)
        self.spares = trustee_spares.SpareRefiller(self.host, self.engine.ring, conf=self.conf)
        self._listener: Any = None
        self._endpoints = [self.manager] + list(endpoints or [])
        self._server: messaging.RPCServer | None = None
        self._worker: periodics.PeriodicWorker | None = None
        self._worker_thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def report_state(self) -> bool:
        """Write one heartbeat row update; log (never raise) on failure.

        :returns: whether the heartbeat was written.
        """
        try:
            db.report_magnum_service(self.host, manager.BINARY)
        except Exception as error:
            if not db_watch.WATCH.failed(error, 'heartbeat'):
                LOG.exception('Heartbeat of %s on %s failed; retrying in %ss',
                              manager.BINARY, self.host, self.conf.conductor.heartbeat_interval)
            return False
        db_watch.WATCH.succeeded()
        return True

    def start(self) -> None:
        """Register the heartbeat, start the periodic worker and the RPC server.

        :raises RuntimeError: already started.
        :raises ConfigurationError: the RPC and notification queues would clash.
        """
        config_check.conductor_queues(self.conf, self.host)
        with self._lock:
            if self._server is not None:
                raise RuntimeError('conductor service already started')
            self.report_state()
            try:
                keypool.install(self.conf)  # keys for new CAs, off this process's GIL
            except Exception:
                LOG.exception('Key generation processes unavailable; generating in-process')
            try:
                released = db.release_cluster_reservations(self.host)
                if released:
                    LOG.info('Released %d reservations left by a previous %s', released,
                             self.host)
            except Exception as error:
                if not db_watch.WATCH.failed(error, 'releasing old reservations'):
                    LOG.exception('Releasing old reservations of %s failed', self.host)
            self._start_periodics()
            target = messaging.Target(topic=self.topic, server=self.host)
            self._server = rpc.get_rpc_server(target, self._endpoints)
            self._server.start()
            try:
                self._listener = heat_events.start_heat_listener(self.engine, self.conf)
            except Exception:
                LOG.exception('Heat notifications unavailable; tracking by polling only')
            LOG.info('%s started on host %s, topic %s', manager.BINARY, self.host, self.topic)

    def _start_periodics(self) -> None:
        @periodics.periodic(spacing=self.conf.conductor.heartbeat_interval)
        def heartbeat() -> None:
            self.report_state()

        @periodics.periodic(spacing=self.conf.conductor.sync_interval, run_immediately=True)
        def sync_clusters() -> None:
            if db_watch.WATCH.down:
                return  # the heartbeat finds out when it is back; nothing to track till then
            self.engine.sync()

        @periodics.periodic(spacing=self.conf.conductor.health_check_interval,
                            run_immediately=True)
        def check_health() -> None:
            self.health.run()

        tasks = [(heartbeat, (), {}), (sync_clusters, (), {}), (check_health, (), {})]
        if self.conf.trust.orphan_reap_interval > 0:
            # Not at start: by the first pass the ring holds every live conductor.
            @periodics.periodic(spacing=self.conf.trust.orphan_reap_interval,
                                run_immediately=False)
            def reap_orphan_trustees() -> None:
                self.trustees.run()
            tasks.append((reap_orphan_trustees, (), {}))

        # Every pass, also with [trust] trustee_spares = 0: that deletes the spares left.
        @periodics.periodic(spacing=self.conf.trust.spare_refill_interval,
                            run_immediately=False)
        def refill_trustee_spares() -> None:
            self.spares.run()
        tasks.append((refill_trustee_spares, (), {}))

        # Own threads per periodic: a long tracking pass must never delay the
        # heartbeat (this conductor would look dead and lose its share).
        self._worker = periodics.PeriodicWorker(
            tasks, executor_factory=lambda: futurist.ThreadPoolExecutor(
                max_workers=len(tasks)))
        self._worker_thread = threading.Thread(
            target=self._worker.start, name='conductor-periodics', daemon=True)
        self._worker_thread.start()

    def stop(self, *, graceful: bool = True) -> None:
        """Stop serving RPC and stop the heartbeat; safe to call twice.

        :param graceful: let RPC methods in progress finish first.
        """
        with self._lock:
            server, self._server = self._server, None
            worker, self._worker = self._worker, None
            thread, self._worker_thread = self._worker_thread, None
            listener, self._listener = self._listener, None
        heat_events.stop_heat_listener(listener)
        if server is not None:
            server.stop()
            if graceful:
                server.wait()
        if worker is not None:
            worker.stop()
            worker.wait()
        if thread is not None:
            thread.join(timeout=10)
        self.health.stop()
        self.engine.stop()
        if thread is not None or server is not None:
            keypool.uninstall()
        LOG.info('%s on host %s stopped', manager.BINARY, self.host)
