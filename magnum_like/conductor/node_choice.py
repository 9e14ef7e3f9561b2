"""Which nodes a scale-down removes when the request names none.

The driver decides from the running cluster's state (a Mesos master's agents
and their tasks), which the conductor reads here: drivers stay offline and pure.
"""
from __future__ import annotations

from typing import Any, Callable

from oslo_log import log as logging
import requests

from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.common import nodes
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


def check_named(task: Any, driver: Any, view: Any, ng: Any, stack_id: str,
                entries: list[str]) -> list[str]:
    """The member indexes of the nodes a resize names, checked again against the
    stack as it is now (the API checked when it accepted the resize; a node may
    have gone since). Heat ignores names it does not know and then removes the
    newest nodes instead, so an entry that matches nothing fails the resize.

    :raises InvalidParameterValue: the resize ends UPDATE_FAILED with it.
    """
    if not entries:
        return []
    groups = driver.node_groups(view, ng)
    if groups is None:
        raise exception.InvalidParameterValue(
            err='nodes_to_remove: this driver cannot remove named nodes.')
    members = nodes.members_of(heat.HeatClient(task.cluster.project_id), stack_id, *groups)
    chosen = nodes.resolve([str(e) for e in entries], members.get('worker', []),
                           members.get('master', []), ng.name)
    nodes.check_count(chosen, int(task.args.get('old_node_count') or 0), ng.node_count or 0)
    return chosen
