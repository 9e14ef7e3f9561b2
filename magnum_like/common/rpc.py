"""oslo.messaging plumbing: transports, RPC servers and clients, notifiers.

The transport comes from ``[DEFAULT] transport_url`` of the configuration given
to :func:`init` (oslo.messaging's own default, i.e. a local RabbitMQ); the
all-in-one ``magnum-like-dev`` passes ``fake://``, which only works inside one
process. Messages carry the caller's
:class:`~magnum_like.common.context.RequestContext` as a plain dict, and
payloads as JSON primitives. Servers use the ``threading`` executor: no
eventlet anywhere in the service.

The default ``control_exchange`` is ``magnum``, so consumers of Magnum's
notifications (Ceilometer and the like) receive ours unchanged.
"""
from __future__ import annotations

from typing import Any

from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging as messaging

from magnum_like.common import context as ml_context
from magnum_like.common import exception

LOG = logging.getLogger(__name__)

#: Exceptions a client re-raises as themselves when the server raised them.
ALLOWED_EXMODS = [exception.__name__]
DEFAULT_EXCHANGE = 'magnum'

_STATE: dict[str, Any] = {}


def set_defaults() -> None:
    """oslo.messaging defaults this service changes (``control_exchange``)."""
    messaging.set_transport_defaults(control_exchange=DEFAULT_EXCHANGE)


set_defaults()


class RequestContextSerializer(messaging.Serializer):
    """Carries a :class:`RequestContext` as its ``to_dict()`` and back.

    :param base: the serializer of the payload (JSON primitives by default).
    """

    def __init__(self, base: messaging.Serializer | None = None) -> None:
        self._base = base or messaging.JsonPayloadSerializer()

    def serialize_entity(self, ctxt: Any, entity: Any) -> Any:
        return self._base.serialize_entity(ctxt, entity)

    def deserialize_entity(self, ctxt: Any, entity: Any) -> Any:
        return self._base.deserialize_entity(ctxt, entity)

    def serialize_context(self, ctxt: Any) -> dict:
        if isinstance(ctxt, dict):
            return ctxt
        return ctxt.to_dict()

    def deserialize_context(self, ctxt: dict) -> ml_context.RequestContext:
        return ml_context.RequestContext.from_dict(ctxt)


def init(conf: cfg.ConfigOpts, *, url: str | None = None) -> None:
    """Create the RPC and notification transports (idempotent).

    :param conf: the parsed configuration; ``transport_url`` and
        ``[oslo_messaging_notifications]`` are read from it.
    :param url: a transport URL overriding ``transport_url`` (``fake://`` for
        a single process).
    :raises oslo_messaging.InvalidTransportURL: the URL is malformed.
    """
    if 'transport' in _STATE:
        return
    transport = messaging.get_rpc_transport(conf, url=url, allowed_remote_exmods=ALLOWED_EXMODS)
    notification_transport = messaging.get_notification_transport(
        conf, url=url, allowed_remote_exmods=ALLOWED_EXMODS)
    _STATE.update(conf=conf, transport=transport,
                  notification_transport=notification_transport)


def cleanup() -> None:
    """Close the transports; :func:`init` may be called again afterwards."""
    for key in ('transport', 'notification_transport'):
        transport = _STATE.pop(key, None)
        if transport is not None:
            transport.cleanup()
    _STATE.clear()


def _transport(key: str = 'transport') -> messaging.Transport:
    try:
        return _STATE[key]
    except KeyError:
        raise RuntimeError('magnum_like.common.rpc.init() has not been called') from None


def get_rpc_server(target: messaging.Target, endpoints: list[Any]) -> messaging.RPCServer:
    """An RPC server on the threading executor (not started).

    :param target: topic and server to listen on.
    :param endpoints: objects whose public methods are the RPC methods.
    :raises RuntimeError: :func:`init` has not been called.
    """
    return messaging.get_rpc_server(
        _transport(), target, endpoints, executor='threading',
        serializer=RequestContextSerializer(),
        access_policy=messaging.DefaultRPCAccessPolicy)


def get_rpc_client(target: messaging.Target, **kwargs: Any) -> messaging.RPCClient:
    """An RPC client for ``target``.

    :param target: topic (and version) of the servers to call.
    :param kwargs: passed to :class:`oslo_messaging.RPCClient` (``timeout`` ...).
    :raises RuntimeError: :func:`init` has not been called.
    """
    return messaging.get_rpc_client(_transport(), target,
                                    serializer=RequestContextSerializer(), **kwargs)


def get_notifier(publisher_id: str) -> messaging.Notifier:
    """A notifier on the notifications transport.

    The driver is ``[oslo_messaging_notifications] driver`` when the operator
    set one (``noop`` turns notifications off), else ``messagingv2``.

    :param publisher_id: e.g. ``magnum-like-conductor.<host>``.
    :raises RuntimeError: :func:`init` has not been called.
    """
    conf = _STATE.get('conf')
    configured = conf.oslo_messaging_notifications.driver if conf is not None else []
    return messaging.Notifier(
        _transport('notification_transport'), publisher_id=publisher_id,
        driver=None if configured else 'messagingv2',
        serializer=RequestContextSerializer())
