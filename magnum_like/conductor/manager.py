"""The conductor's RPC endpoint: thin methods that log and delegate.

Each method takes the caller's context and ids (never objects); the work
lives in the modules it delegates to, so this class stays a list of the
conductor's RPC methods.
"""
from __future__ import annotations

import os
import time
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging as messaging

from magnum_like import conf as ml_conf

LOG = logging.getLogger(__name__)

#: The name conductors register under in ``magnum_service`` and that
#: ``GET /v1/mservices`` reports: Magnum's, which clients and tests look for
#: (the process and its log lines keep the name ``magnum-like-conductor``).
BINARY = 'magnum-conductor'


class ConductorManager:
    """RPC API version 1.2 of the conductor.

    Version history:

    * 1.0: ``ping``.
    * 1.1: ``process_cluster``.
    * 1.2: ``process_federation``.

    :param host: the name this conductor registered under.
    :param conf: the configuration (default the global ``CONF``).
    """

    target = messaging.Target(version='1.2')

    def __init__(self, host: str, *, conf: cfg.ConfigOpts | None = None,
                 engine: Any = None) -> None:
        self.host = host
        self.conf = conf or ml_conf.CONF
        self.engine = engine
        self._started_at = time.time()

    def process_cluster(self, context: Any, cluster_uuid: str) -> None:
        """Carry out the intent the API recorded on the cluster (see ``ClusterEngine``).

        :param context: the caller's request context.
        :param cluster_uuid: the cluster.
        """
        # One line per cast handled (the API logs one per cast sent).
        LOG.debug('Handling process_cluster %s from project %s', cluster_uuid,
                  context.project_id)
        self.engine.process_cluster(context, cluster_uuid)

    def process_federation(self, context: Any, federation_uuid: str) -> None:
        """Carry out the intent the API recorded on the federation (``conductor.federations``)."""
        LOG.debug('process_federation %s from project %s', federation_uuid, context.project_id)
        self.engine.federations.process(context, federation_uuid)

    def ping(self, context: Any) -> dict:
        """Say that this conductor is alive and which one it is.

        :param context: the caller's request context.
        :returns: ``{'host', 'binary', 'pid', 'uptime'}``.
        """
        LOG.debug('ping from user %s of project %s', context.user_id, context.project_id)
        return {'host': self.host, 'binary': BINARY, 'pid': os.getpid(),
                'uptime': round(time.time() - self._started_at, 3)}
