"""Node groups with their own stack: creating one (it joins the cluster
stack's network) and deleting one (its row goes with its stack)."""
from __future__ import annotations

from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.conductor.operations import common
from magnum_like.conductor.operations import create
from magnum_like.conductor.operations import delete
from magnum_like.conductor.operations import registry
from magnum_like.conductor import states
from magnum_like.conductor import task as task_mod
from magnum_like.db import api as db


def _nodegroup(task: task_mod.ClusterTask):
    ng = task.nodegroup(task.args.get('nodegroup'))
    if ng is None:
        raise exception.NodeGroupNotFound(nodegroup=task.args.get('nodegroup'))
    return ng


@registry.register('nodegroup_create')
class NodegroupCreate(common.Handler):
    reads_outputs = False  # the cluster's fields do not change
    # The new node group's own status (the cluster's: UPDATE_*).
    nodegroup_done_status = states.CREATE_COMPLETE
    nodegroup_failed_status = states.CREATE_FAILED

    def start(self, task: task_mod.ClusterTask) -> str:
        ng = _nodegroup(task)
        view = common.make_view(task)
        # What the node group joins (network, security groups, API address): the
        # cluster stack's outputs.
        client = common.heat_for(task.cluster)
        cluster_stack = client.get_stack(common.cluster_stack_id(task))
        view.extra['cluster_stack_outputs'] = heat.outputs_of(cluster_stack)
        view.extra['cluster_stack_parameters'] = dict(
            getattr(cluster_stack, 'parameters', {}) or {})
        body = task.driver.nodegroup_stack_body(view, ng)
        tags = [t for t in str(body.get('tags') or '').split(',') if t]
        for tag in view.extra['stack_tags'] + [heat.nodegroup_tag(ng.uuid)]:
            if tag not in tags:
                tags.append(tag)
        body['tags'] = ','.join(tags)
        stack_id = common.adopt_or_create(client, task.uuid, body,
                                          extra_tag=heat.nodegroup_tag(ng.uuid))
        db.update_nodegroup(task.uuid, ng.uuid, {'stack_id': stack_id})
        return stack_id

    def stack_outcome(self, action: str, result: str, args: dict,
                      updated: str | None) -> str | None:
        return create.create_outcome(action, result)


@registry.register('nodegroup_delete')
class NodegroupDelete(common.Handler):
    def start(self, task: task_mod.ClusterTask) -> str:
        ng = _nodegroup(task)
        client = common.heat_for(task.cluster)
        stack_id = ng.stack_id
        if not stack_id:
            stack = client.find_cluster_stack(task.uuid, extra_tag=heat.nodegroup_tag(ng.uuid))
            stack_id = stack.id if stack is not None else None
        if stack_id:
            client.delete_stack(stack_id)
            return stack_id
        return 'none'  # nothing in Heat: the next pass sees it gone

    def stack_outcome(self, action: str, result: str, args: dict,
                      updated: str | None) -> str | None:
        return delete.delete_outcome(action, result)

    def finish(self, task: task_mod.ClusterTask, outcome: str, stack_id: str | None,
               reason: str | None) -> None:
        if outcome not in (states.DONE, common.GONE):
            common.finish_failed(task, stack_id, reason)
            return
        ng = task.nodegroup(task.args.get('nodegroup'))
        if ng is not None:
            try:
                db.destroy_nodegroup(task.uuid, ng.uuid)
            except exception.NodeGroupNotFound:
                pass
        task.reload()
        task.process_event(states.DONE, end_operation=True)
