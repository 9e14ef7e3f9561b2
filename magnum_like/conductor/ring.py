"""Which conductor tracks which cluster: a consistent hash ring over the live conductors.

The ring is tooz's (:class:`tooz.hashring.HashRing`), built over the hosts
whose heartbeat in ``magnum_service`` is current. When a conductor joins or
leaves, only the share of clusters hashed next to it moves; the others keep
their owner. Anything that changes a cluster runs under its reservation
(``ClusterTask``), so the ring only divides the work: two conductors that
briefly disagree about the ring never both change one cluster.
"""
from __future__ import annotations

import datetime
from typing import Any

from oslo_log import log as logging
from oslo_utils import timeutils
from tooz import hashring

from magnum_like.conductor import manager
from magnum_like.db import api as db

LOG = logging.getLogger(__name__)
BINARY = manager.BINARY


class Ring:
    """A consistent hash ring over the live conductors (heartbeats in ``magnum_service``).

    :param host: this conductor (always a member, even before its first heartbeat lands).
    :param conf: the configuration (``[conductor] service_down_time``).
    """

    def __init__(self, host: str, conf: Any) -> None:
        self.host = host
        self.conf = conf
        self.hosts: list[str] = [host]
        self._ring = hashring.HashRing([host])

    def refresh(self) -> list[str]:
        """Re-read the live conductors; rebuild the ring if they changed."""
        cutoff = timeutils.utcnow().replace(tzinfo=None) - datetime.timedelta(
            seconds=self.conf.conductor.service_down_time)
        hosts = {row.host for row in db.get_magnum_service_list()
                 if row.binary == BINARY and not row.forced_down
                 and row.last_seen_up is not None and row.last_seen_up >= cutoff}
        hosts.add(self.host)
        hosts_sorted = sorted(hosts)
        if hosts_sorted != self.hosts:
            LOG.info('Conductor ring of %s: %s', self.host, ', '.join(hosts_sorted))
            self.hosts = hosts_sorted
            self._ring = hashring.HashRing(hosts_sorted)
        return self.hosts

    def owns(self, uuid: str) -> bool:
        """Whether this conductor tracks the cluster ``uuid``."""
        return self.host in self._ring.get_nodes(uuid.encode())
