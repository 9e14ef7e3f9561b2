"""Creating a cluster: certificates, then the cluster stack (adopted if a
conductor that died already created it)."""
from __future__ import annotations

from typing import Any

from magnum_like.common import context as ml_context
from magnum_like.conductor.operations import common
from magnum_like.conductor.operations import registry
from magnum_like.conductor import states
from magnum_like.conductor import task as task_mod
from magnum_like.db import api as db
from magnum_like.pki import certificates

CONF = common.CONF


def create_outcome(action: str, result: str) -> str | None:
    """A create's: the CREATE (a DELETE meanwhile: the stack is gone)."""
    if action == 'DELETE':
        return common.GONE
    if action != 'CREATE':
        return None
    return states.DONE if result == 'COMPLETE' else states.FAIL


@registry.register('create')
class Create(common.Handler):
    def timeout_minutes(self, cluster: Any) -> int:
        return cluster.create_timeout or CONF.cluster.create_timeout

    def deadline_reason(self, cluster: Any) -> str:
        return 'Create timed out after %d minutes' % self.timeout_minutes(cluster)

    def start(self, task: task_mod.ClusterTask) -> str:
        context, cluster = task.context, task.cluster
        # The trust was made by the API with the request (pki/trust.py).
        # The new references are written through the task (under its reservation).
        certificates.ensure_cluster_certificates(context or ml_context.get_admin_context(),
                                                 cluster.uuid, save=task.save)
        view = common.make_view(task)
        body = task.driver.create_stack_body(view)
        stack_id = common.adopt_or_create(common.heat_for(cluster), cluster.uuid, body)
        task.save({'stack_id': stack_id})
        for ng in task.nodegroups:
            if ng.is_default:
                db.update_nodegroup(cluster.uuid, ng.uuid, {'stack_id': stack_id})
        return stack_id

    def stack_outcome(self, action: str, result: str, args: dict,
                      updated: str | None) -> str | None:
        return create_outcome(action, result)

    def touched_nodegroups(self, task: task_mod.ClusterTask) -> list[Any]:
        return [ng for ng in task.nodegroups if ng.is_default]
