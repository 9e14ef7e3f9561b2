"""Heat's notifications (``orchestration.stack.<action>.<phase>``).

Every notification is kept in a bounded in-memory log (``/_sim/notifications``)
and, with a transport URL, published through oslo.messaging exactly as Heat
does (driver ``messagingv2``, publisher ``orchestration.<host>``).  Publishing
happens on its own thread so a slow broker never stalls the engine.
"""

from __future__ import annotations

import collections
import logging
import queue
import socket
import threading
from typing import Any, Optional

LOG = logging.getLogger(__name__)


class Notifier:
    """Record and optionally publish Heat notifications.

    :param transport_url: oslo.messaging URL (e.g. ``rabbit://guest:guest@127.0.0.1:5672/``);
        ``None`` keeps notifications in memory only.
    :param topic: notification topic (Heat's default is ``notifications``).
    :param exchange: control exchange (Heat's default is ``heat``).
    """

    def __init__(self, transport_url: Optional[str] = None, *, topic: str = "notifications",
                 exchange: str = "heat", host: Optional[str] = None, keep: int = 1000) -> None:
        self.transport_url = transport_url
        self.topic = topic
        self.exchange = exchange
        self.publisher_id = "orchestration.%s" % (host or socket.gethostname())
        self.log: collections.deque[dict[str, Any]] = collections.deque(maxlen=keep)
        self._queue: "queue.Queue[Optional[tuple[str, dict[str, Any], str]]]" = queue.Queue()
        self._thread: Optional[threading.Thread] = None
        self._notifier: Any = None
        self._transport: Any = None

    def start(self) -> None:
        """Connect the oslo.messaging notifier (if configured) and start publishing."""
        if not self.transport_url:
            return
        import oslo_messaging
        from oslo_config import cfg

        conf = cfg.ConfigOpts()
        conf([], project="cloudsim")
        # A private ConfigOpts keeps our exchange out of any service config in
        # the same process; the first transport only registers the options.
        oslo_messaging.get_notification_transport(conf, url=self.transport_url).cleanup()
        conf.set_override("control_exchange", self.exchange)
        self._transport = oslo_messaging.get_notification_transport(conf,
                                                                    url=self.transport_url)
        self._notifier = oslo_messaging.Notifier(self._transport,
                                                 publisher_id=self.publisher_id,
                                                 driver="messagingv2", topics=[self.topic])
        self._thread = threading.Thread(target=self._run, name="cloudsim-notify", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Flush pending notifications and disconnect."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None
        if self._transport is not None:
            self._transport.cleanup()
            self._transport = None

    def emit(self, event_type: str, payload: dict[str, Any], level: str = "info") -> None:
        """Record a notification and queue it for publishing."""
        self.log.append({"event_type": event_type, "payload": dict(payload),
                         "priority": level.upper(), "publisher_id": self.publisher_id})
        if self._thread is not None:
            self._queue.put((event_type, dict(payload), level))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            event_type, payload, level = item
            try:
                getattr(self._notifier, level)({}, event_type, payload)
            except Exception:  # noqa: BLE001 - a broker outage must not kill the thread
                LOG.exception("cloudsim: publishing %s failed", event_type)
