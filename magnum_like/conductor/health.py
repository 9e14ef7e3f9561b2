"""Health monitoring: each conductor checks its share of the complete clusters.

Every ``[conductor] health_check_interval`` a conductor takes the clusters in
a stable status that it owns on the tracking hash
ring (:class:`magnum_like.conductor.tracking.Ring`: a dead conductor's share
moves with the ring), and checks them ``health_check_workers`` at a time, each
request bounded by ``health_check_timeout`` (what is read of each COE's API:
:mod:`.health_probes`).

The cluster API is reached with mutual TLS: a client certificate for the
read-only identity ``CN=magnum-like-health, O=system:monitoring`` signed by
the cluster's own CA. It is made in memory when first needed and kept in
memory per cluster and CA generation (a rotation makes a new one); its key only
touches the disk encrypted with a one-time passphrase, for the moment
``ssl`` needs a file to load it from; the CA key is read from the certificate
store and never written anywhere. The connection is kept from one check to
the next (a TLS handshake per check was most of a check's cost), and made
afresh when the API closed it, its address or CA changes, or it failed.

``health_status`` / ``health_status_reason`` are written (Magnum's shape:
``{"api": "ok", "<node>.Ready": "True", ...}``) only when they change, with a
``magnum.cluster.update`` notification. An API the service cannot reach (no
address; a private address, unless ``health_check_private_addresses``;
refused, reset, timed out) gives ``UNKNOWN``; one that answers but
refuses or fails gives ``UNHEALTHY``; in both cases ``api`` says why. A cluster
labelled ``auto_healing_controller=magnum-auto-healer`` reports its own health
with a PATCH of ``health_status`` by its trustee: when the service cannot
reach its API, its reported status is left as it is.
"""
from __future__ import annotations

import os
import secrets
import ssl
import tempfile
import threading
from typing import Any
from urllib.parse import urlparse

from cryptography.hazmat.primitives import serialization
import futurist
from futurist import waiters
from oslo_log import log as logging
from oslo_serialization import jsonutils
import urllib3

from magnum_like.common import context as ml_context
from magnum_like.pki import x509
from magnum_like.conductor import db_watch
from magnum_like.conductor import health_probes as probes
from magnum_like.conductor.health_probes import (  # noqa: F401 - the module's API
    HEALTHY, Node, PROBES, Refused, Result, UNHEALTHY, UNKNOWN, Unreachable, endpoint)
from magnum_like.conductor import notifications
from magnum_like.pki import certificates as pki
from magnum_like.conductor import states
from magnum_like import conf as ml_conf
from magnum_like.db import api as db

LOG = logging.getLogger(__name__)

MONITOR_CN = 'magnum-like-health'
MONITOR_GROUP = 'system:monitoring'
#: Clusters in these statuses are checked (not while an operation changes them).
CHECKED_STATUSES = states.STABLE + (states.UPDATE_FAILED,)
#: Most per-cluster TLS contexts kept by one conductor.
MAX_CONTEXTS = 5000
#: The label of clusters that report their own health (PATCH by the trustee).
SELF_REPORTING = 'magnum-auto-healer'


class Credentials:
    """Per-cluster TLS contexts for the monitoring identity (memory only), and
    a connection pool per cluster using it.

    The pool keeps its connection between checks, so a check costs a TLS
    handshake only when the cluster's API closed it meanwhile (or on the first
    check); it is replaced when the cluster's API address or CA generation
    changes and closed when the cluster leaves this conductor's share.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._contexts: dict[tuple, ssl.SSLContext] = {}
        #: cluster uuid -> ((base URL, CA generation, CA ref), pool manager)
        self._pools: dict[str, tuple[tuple, urllib3.PoolManager]] = {}

    def pool_for(self, cluster: Any, base: str, tls: bool) -> tuple[urllib3.PoolManager, bool]:
        """``(pool, new)``: the cluster's kept pool, or a new one.

        :raises CertificateNotFound: the cluster has no CA (yet).
        """
        key = (base, cluster.ca_generation or 0, cluster.ca_cert_ref)
        with self._lock:
            found = self._pools.get(cluster.uuid)
        if found is not None and found[0] == key:
            return found[1], False
        context = self.context_for(cluster) if tls else None
        pool = urllib3.PoolManager(ssl_context=context, num_pools=1, maxsize=1)
        with self._lock:
            old = [self._pools.pop(cluster.uuid, (None, None))[1]]
            if len(self._pools) >= MAX_CONTEXTS:
                old.append(self._pools.pop(next(iter(self._pools)))[1])
            self._pools[cluster.uuid] = (key, pool)
        for gone in old:
            if gone is not None:
                gone.clear()
        return pool, True

    def drop_pool(self, uuid: str) -> None:
        """Close a cluster's pool (its connection failed)."""
        with self._lock:
            found = self._pools.pop(uuid, None)
        if found is not None:
            found[1].clear()

    def context_for(self, cluster: Any) -> ssl.SSLContext:
        """The SSL context for ``cluster``'s current CA generation.

        :raises CertificateNotFound: the cluster has no CA (yet).
        """
        key = (cluster.uuid, cluster.ca_generation or 0, cluster.ca_cert_ref)
        with self._lock:
            found = self._contexts.get(key)
        if found is not None:
            return found
        admin = ml_context.get_admin_context()
        stored = pki._stored(admin, cluster, pki.CA_REF_FIELDS[pki.KUBERNETES],
                             'kubernetes CA')
        ca = x509.KeyPair(stored.certificate, stored.private_key)
        pair = x509.generate_client_cert(ca, common_name=MONITOR_CN,
                                         organization=MONITOR_GROUP)
        context = _ssl_context(stored.certificate, pair)
        with self._lock:
            for old in [k for k in self._contexts if k[0] == cluster.uuid]:
                del self._contexts[old]  # an older CA generation
            if len(self._contexts) >= MAX_CONTEXTS:
                self._contexts.pop(next(iter(self._contexts)))
            self._contexts[key] = context
        return context

    def forget(self, uuids: set[str]) -> None:
        """Drop the contexts and pools of clusters no longer checked here."""
        with self._lock:
            for key in [k for k in self._contexts if k[0] not in uuids]:
                del self._contexts[key]
            pools = [self._pools.pop(u)[1] for u in list(self._pools) if u not in uuids]
        for pool in pools:
            pool.clear()


def _ssl_context(ca_pem: str, pair: x509.KeyPair) -> ssl.SSLContext:
    """A client context trusting ``ca_pem`` and presenting ``pair``.

    ``load_cert_chain`` reads files only: the key is written encrypted with a
    random passphrase to a private temporary file that is removed at once.
    """
    context = ssl.create_default_context(cadata=ca_pem)
    passphrase = secrets.token_bytes(32)
    key = x509.load_private_key(pair.private_key)
    encrypted = key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(passphrase))
    with tempfile.TemporaryDirectory(prefix='ml-health-') as directory:
        cert_path = os.path.join(directory, 'cert.pem')
        key_path = os.path.join(directory, 'key.pem')
        with open(os.open(cert_path, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
            f.write(pair.certificate)
        with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), 'wb') as f:
            f.write(encrypted)
        context.load_cert_chain(cert_path, key_path, password=passphrase)
    return context


class HealthMonitor:
    """The health pass of one conductor (see module docstring).

    :param host: this conductor.
    :param ring: the tracking ring (shared with :class:`ClusterEngine`).
    :param healer: called with ``(cluster, template, result)`` after each check
        that reached the API (:mod:`magnum_like.conductor.healing`); what it
        returns is added to the reason. None: no healing.
    """

    def __init__(self, host: str, ring: Any, *, conf: Any = None, healer: Any = None) -> None:
        self.host = host
        self.ring = ring
        self.conf = conf or ml_conf.CONF
        self.healer = healer
        self.credentials = Credentials()
        self._executor = futurist.ThreadPoolExecutor(
            max_workers=self.conf.conductor.health_check_workers)
        self.passes = 0
        self.checked = 0
        self._lock = threading.Lock()
        #: Clusters whose check still runs (a slow one is never queued twice).
        self._inflight: set[str] = set()

    def run(self) -> None:
        """One pass over this conductor's share (never raises)."""
        if db_watch.WATCH.down:
            return
        try:
            self._run()
        except Exception as error:
            if not db_watch.WATCH.failed(error, 'health pass'):
                LOG.exception('Health pass of %s failed', self.host)

    def _run(self) -> None:
        self.passes += 1
        self.ring.refresh()
        admin = ml_context.get_admin_context()
        clusters = [c for c in db.get_cluster_work_list(statuses=list(CHECKED_STATUSES))
                    if c.operation is None and c.status in CHECKED_STATUSES
                    and self.ring.owns(c.uuid)]
        self.credentials.forget({c.uuid for c in clusters})
        if hasattr(self.healer, 'forget'):
            self.healer.forget({c.uuid for c in clusters})
        templates: dict[str, Any] = {}
        futures = []
        for cluster in clusters:
            template = templates.get(cluster.cluster_template_id)
            if template is None:
                try:
                    template = db.get_cluster_template_by_uuid(admin,
                                                               cluster.cluster_template_id)
                except Exception:  # noqa: BLE001 - a template gone: nothing to check against
                    continue
                templates[cluster.cluster_template_id] = template
            with self._lock:
                if cluster.uuid in self._inflight:
                    continue
                self._inflight.add(cluster.uuid)
            futures.append(self._executor.submit(self._check_once, cluster, template))
        # Each request is bounded; the pass waits at most one interval for them.
        waiters.wait_for_all(futures, timeout=self.conf.conductor.health_check_interval
                             + 2 * self.conf.conductor.health_check_timeout)

    def _check_once(self, cluster: Any, template: Any) -> Result | None:
        try:
            return self.check(cluster, template)
        finally:
            with self._lock:
                self._inflight.discard(cluster.uuid)

    def check(self, cluster: Any, template: Any) -> Result | None:
        """Check one cluster, record a change, hand the result to the healer."""
        try:
            result = self.probe(cluster, template)
            self.checked += 1
            if self.healer is not None and result.reachable:
                # What the healer did or refused to do is part of the reason.
                result.reason.update(self.healer(cluster, template, result) or {})
            self.record(cluster, result)
            return result
        except Exception:  # noqa: BLE001 - one cluster never stops the pass
            LOG.exception('Health check of cluster %s failed', cluster.uuid)
            return None

    def probe(self, cluster: Any, template: Any) -> Result:
        """What the cluster's API says now."""
        coe = template.coe
        probe = PROBES.get(coe)
        if probe is None:
            return Result(UNKNOWN, {'api': 'no health check for COE %s' % coe}, reachable=False)
        if not cluster.api_address:
            return Result(UNKNOWN, {'api': 'the cluster has no API address'}, reachable=False)
        base, tls = endpoint(coe, cluster.api_address)
        if (not self.conf.conductor.health_check_private_addresses
                and probes.private_address(urlparse(base).hostname)):
            return Result(UNKNOWN, {'api': 'unreachable from the service: the API address is '
                                           'on the cluster\'s private network (no floating '
                                           'IP)'}, reachable=False)
        timeout = self.conf.conductor.health_check_timeout
        while True:
            try:
                pool, new = self.credentials.pool_for(cluster, base, tls)
            except Exception as error:  # noqa: BLE001 - no CA (yet), store down
                return Result(UNKNOWN, {'api': 'no monitoring certificate: %s'
                                               % str(error)[:200]}, reachable=False)
            try:
                return probe(base, pool, timeout)
            except Unreachable as error:
                self.credentials.drop_pool(cluster.uuid)
                if not new and str(error) != 'timed out':
                    continue  # a kept connection the API had closed: once more, afresh
                return Result(UNKNOWN, {'api': 'unreachable from the service: %s' % error},
                              reachable=False)
            except Refused as error:
                self.credentials.drop_pool(cluster.uuid)
                return Result(UNHEALTHY, {'api': 'refused: %s' % error}, reachable=False)

    def record(self, cluster: Any, result: Result) -> bool:
        """Write the result if it changed, and notify; whether it was written."""
        if (result.status == UNKNOWN and (cluster.labels or {}).get(
                'auto_healing_controller') == SELF_REPORTING and cluster.health_status):
            return False  # the cluster reports itself; we cannot see better
        if (cluster.health_status == result.status
                and (cluster.health_status_reason or {}) == result.reason):
            return False
        updated = db.update_cluster(cluster.uuid, {'health_status': result.status,
                                                   'health_status_reason': result.reason})
        LOG.info('Cluster %s is %s (was %s): %s', cluster.uuid, result.status,
                 cluster.health_status, jsonutils.dumps(result.reason)[:500])
        notifications.emit(None, updated, 'update', notifications.SUCCESS, host=self.host)
        cluster.health_status, cluster.health_status_reason = result.status, result.reason
        return True

    def stop(self) -> None:
        """Wait for the checks in progress."""
        self._executor.shutdown(wait=True)
