"""Which nodes a scale-down removes when the request names none.

The driver decides from the running cluster's state (a Mesos master's agents
and their tasks), which the conductor reads here: drivers stay offline and pure.
"""
from __future__ import annotations

from typing import Any, Callable

from oslo_log import log as logging
import requests

from magnum_like import conf as ml_conf

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)


def choose_nodes(task: Any, driver: Any, view: Any, ng: Any, *,
                 load_outputs: Callable[[], None]) -> list[str]:
    """Let the driver pick the nodes a scale-down removes from the running cluster's
    state (Mesos: idle agents first), saying in ``status_reason`` which it chose.
    Unreadable state leaves the choice to Heat (the newest members go)."""
    url = driver.running_state_url(view)
    if not url:
        return []
    try:
        resp = requests.get(url, timeout=CONF.conductor.node_state_timeout)
        resp.raise_for_status()
        nodes = driver.nodes_from_state(resp.json())
    except (requests.RequestException, ValueError) as error:
        LOG.info('Cluster %s: could not read %s (%s); Heat removes the newest nodes',
                 task.uuid, url, error)
        return []
    load_outputs()
    chosen, reason = driver.choose_nodes_to_remove(view, ng, ng.node_count, nodes)
    if reason:
        task.save({'status_reason': reason})
    return chosen
