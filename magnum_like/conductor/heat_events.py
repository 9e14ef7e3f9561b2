"""Heat's ``orchestration.stack.*`` notifications: an operation ends when its stack does.

:class:`HeatEvents` turns a notification for a stack of ours into the end of
the cluster's operation, as finishing work of the conductor's
:class:`~magnum_like.conductor.admission.Admission`: on its own pool of threads
(``[conductor] event_workers``), and no new operation starts in this process
while it is pending, so a status never waits behind a burst of creates. An event for a cluster this
process holds right now (typically: Heat finished before the create wrote
down that it started) is parked and handled the moment the holder releases
it, instead of being retried on a timer.

:func:`start_heat_listener` listens on Heat's notification topic (a listener
pool shared by the conductors, so each notification reaches one of them);
polling by the tracking pass stays the safety net for any event lost.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from oslo_log import log as logging
import oslo_messaging as messaging

from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.conductor import admission as admission_mod
from magnum_like.conductor import db_watch
from magnum_like.conductor import operations
from magnum_like.conductor import task as task_mod

LOG = logging.getLogger(__name__)


def cluster_of(payload: dict) -> str | None:
    """The cluster uuid a stack notification's tags name, or None (not a cluster's stack)."""
    prefix = heat.CLUSTER_TAG_PREFIX
    return next((tag[len(prefix):] for tag in payload.get('tags') or []
                 if isinstance(tag, str) and tag.startswith(prefix)), None)


class HeatEvents:
    """Ends operations on Heat's word (see module docstring).

    :param host: this conductor.
    :param task: ``task(uuid)`` opens a ``ClusterTask`` on the cluster (the engine's).
    :param admission: runs the events as finishing work.
    """

    def __init__(self, host: str, task: Callable[[str], Any],
                 admission: admission_mod.Admission) -> None:
        self.host = host
        self._task = task
        self._admission = admission
        self._lock = threading.Lock()
        #: uuid -> the Heat event waiting for this process to release the cluster.
        self._parked: dict[str, tuple] = {}

    def submit(self, uuid: str, stack_id: str | None, state: str | None,
               updated: str | None) -> None:
        """Queue the stack event of cluster ``uuid`` as finishing work."""
        self._admission.finish(self._on_event, uuid, stack_id, state, updated)

    def released(self, uuid: str) -> None:
        """A task of this process let ``uuid`` go: handle an event parked for it."""
        with self._lock:
            parked = self._parked.pop(uuid, None)
        if parked is not None:
            self.submit(uuid, *parked)

    def _park(self, uuid: str, event: tuple) -> bool:
        """Park ``event`` if a task of this process holds ``uuid`` (see ``released``)."""
        with self._lock:
            if (self.host, uuid) in task_mod.HELD:
                self._parked[uuid] = event
                return True
        return False

    def _on_event(self, uuid: str, stack_id: str | None, state: str | None,
                  updated: str | None) -> None:
        # The conductor that started the action may still hold the cluster
        # (Heat can finish before the start is written down). Held here: park
        # the event for the holder's release. Held by another conductor: retry
        # briefly; polling catches anything later.
        for attempt in range(20):
            try:
                with self._task(uuid) as task:
                    args = task.args
                    if operations.STARTED not in args or args.get(operations.STACK) != stack_id:
                        return
                    outcome = operations.outcome_of(task.cluster.operation, args, state, updated)
                    if outcome is not None:
                        operations.finish(task, outcome, stack_id=stack_id)
                    return
            except task_mod.ClusterLocked:
                if self._park(uuid, (stack_id, state, updated)):
                    return
                with self._admission.paused():  # waiting on another conductor
                    time.sleep(0.05 * (attempt + 1))
            except exception.ClusterNotFound:
                return
            except Exception as error:
                # Dropped: the tracking pass reads the stack's state again.
                if not db_watch.WATCH.failed(error, 'Heat event of cluster %s' % uuid):
                    LOG.exception('Handling Heat event for cluster %s failed', uuid)
                return


class HeatNotificationEndpoint:
    """oslo.messaging notification endpoint for Heat's stack notifications.

    :param engine: has ``handle_heat_event(event_type, payload)``.
    """

    filter_rule = messaging.NotificationFilter(event_type=r'^orchestration\.stack\.')

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def info(self, ctxt: Any, publisher_id: str, event_type: str, payload: dict,
             metadata: dict) -> Any:
        self.engine.handle_heat_event(event_type, payload or {})
        return messaging.NotificationResult.HANDLED

    error = info


def start_heat_listener(engine: Any, conf: Any) -> Any | None:
    """Listen to Heat's notifications (``[conductor] heat_notifications*``); None if off."""
    opts = conf.conductor
    if not opts.heat_notifications:
        return None
    url = opts.heat_notifications_url or conf.transport_url
    transport = messaging.get_notification_transport(conf, url=url)
    targets = [messaging.Target(topic=opts.heat_notifications_topic,
                                exchange=opts.heat_notifications_exchange)]
    listener = messaging.get_notification_listener(
        transport, targets, [HeatNotificationEndpoint(engine)], executor='threading',
        pool=opts.heat_notifications_pool)
    listener.start()
    listener._ml_transport = transport  # closed in stop_heat_listener
    return listener


def stop_heat_listener(listener: Any) -> None:
    """Stop a listener made by :func:`start_heat_listener`."""
    if listener is None:
        return
    listener.stop()
    listener.wait()
    listener._ml_transport.cleanup()
