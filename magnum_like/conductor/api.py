"""Client side of the conductor's RPC API (used by the API service).

Methods pass ids, never objects: the conductor re-reads what it needs from the
database under its own lock.
"""
from __future__ import annotations

from typing import Any

from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging as messaging

from magnum_like.common import rpc
from magnum_like import conf as ml_conf

LOG = logging.getLogger(__name__)

#: The highest RPC API version this client speaks (see ``ConductorManager``).
RPC_API_VERSION = '1.2'


class ConductorAPI:
    """Calls and casts to the conductors listening on ``[conductor] topic``.

    :param conf: the configuration (default the global ``CONF``); the topic is
        read from it. :func:`magnum_like.common.rpc.init` must have run.
    :param topic: a topic overriding ``[conductor] topic``.
    :param timeout: seconds a ``call`` waits for its answer (default
        oslo.messaging's ``rpc_response_timeout``).
    :raises RuntimeError: the RPC layer is not initialised.
    """

    def __init__(self, *, conf: cfg.ConfigOpts | None = None, topic: str | None = None,
                 timeout: int | None = None) -> None:
        conf = conf or ml_conf.CONF
        self.topic = topic or conf.conductor.topic
        target = messaging.Target(topic=self.topic, version=RPC_API_VERSION)
        kwargs = {} if timeout is None else {'timeout': timeout}
        self._client = rpc.get_rpc_client(target, **kwargs)

    def _prepare(self, *, host: str | None = None, timeout: int | None = None,
                 version: str = RPC_API_VERSION, retry: int | None = None) -> Any:
        kwargs: dict[str, Any] = {'version': version}
        if retry is not None:
            kwargs['retry'] = retry
        if host is not None:
            kwargs['server'] = host
        if timeout is not None:
            kwargs['timeout'] = timeout
        return self._client.prepare(**kwargs)

    def ping(self, context: Any, *, host: str | None = None,
             timeout: int | None = None) -> dict:
        """Ask a conductor (any, or the one on ``host``) whether it is alive.

        :param context: the caller's request context.
        :param host: the conductor to ask; any of them when ``None``.
        :param timeout: seconds to wait for the answer.
        :returns: the conductor's ``{'host', 'binary', 'pid', 'uptime'}``.
        :raises oslo_messaging.MessagingTimeout: no conductor answered.
        """
        return self._prepare(host=host, timeout=timeout).call(context, 'ping')

    def process_cluster(self, context: Any, cluster_uuid: str) -> None:
        """Nudge a conductor to act on a cluster's pending operation now (cast, 1.1).

        The operation is already written on the cluster row (``status``,
        ``operation`` such as ``rotate_ca`` or ``rotate_credential``,
        ``operation_args``); this cast only saves waiting for the periodic
        reconcile, so losing it loses nothing.

        :param context: the caller's request context.
        :param cluster_uuid: the cluster to look at.
        """
        # A bounded retry: with the broker down the API must still answer (the
        # intent is in the database); oslo.messaging's default retries forever.
        self._prepare(version='1.1', retry=1).cast(context, 'process_cluster',
                                                   cluster_uuid=cluster_uuid)
        # One line per cast sent, as the conductor logs one per cast handled: the
        # deployment tests compare the two.
        LOG.debug('Cast process_cluster %s to topic %s', cluster_uuid, self.topic)

    def process_federation(self, context: Any, federation_uuid: str) -> None:
        """Nudge a conductor to act on a federation's pending operation now (cast, 1.2).

        As :meth:`process_cluster`: the intent is on the federation row, the
        periodic reconcile finds it if this cast is lost.
        """
        self._prepare(version='1.2', retry=1).cast(context, 'process_federation',
                                                   federation_uuid=federation_uuid)
