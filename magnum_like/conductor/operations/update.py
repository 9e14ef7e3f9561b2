"""Update and resize: a new node count for the default workers (in the cluster
stack) or for a node group with its own stack, choosing the nodes to remove."""
from __future__ import annotations

from typing import Any

from magnum_like.common import exception
from magnum_like.conductor import node_choice
from magnum_like.conductor.operations import common
from magnum_like.conductor.operations import registry
from magnum_like.conductor import task as task_mod


def _update_nodegroup_stack(task: task_mod.ClusterTask, driver: Any, view: Any, ng: Any,
                            nodes_to_remove: Any) -> str:
    if not ng.stack_id:
        raise exception.NotSupported(operation='Resizing node group %s (it has no stack)'
                                     % ng.name)
    # NotSupported by default (drivers/base.py): the resize ends UPDATE_FAILED.
    body = driver.nodegroup_update_body(view, ng, nodes_to_remove=nodes_to_remove)
    return common.patch(task, ng.stack_id, body)


@registry.register('update', 'resize')
class Update(common.Handler):
    def _nodegroup(self, task: task_mod.ClusterTask) -> Any | None:
        return task.nodegroup(task.args.get('nodegroup')) or common.default_worker(task)

    def start(self, task: task_mod.ClusterTask) -> str:
        args = task.args
        ng = self._nodegroup(task)
        view = common.make_view(task)
        driver = task.driver
        if ng is not None and not ng.is_default:
            named = args.get('nodes_to_remove')
            if named and ng.stack_id:
                common.add_stack_outputs(task, view, ng.stack_id)
                named = node_choice.check_named(task, driver, view, ng, ng.stack_id, named)
            return _update_nodegroup_stack(task, driver, view, ng, named)
        stack_id = common.cluster_stack_id(task)
        nodes_to_remove = args.get('nodes_to_remove')
        if nodes_to_remove and ng is not None:
            common.add_stack_outputs(task, view, stack_id)
            nodes_to_remove = node_choice.check_named(task, driver, view, ng, stack_id,
                                                      nodes_to_remove)
        elif ng is not None and int(args.get('old_node_count') or 0) > (ng.node_count or 0):
            nodes_to_remove = node_choice.choose_nodes(
                task, driver, view, ng,
                load_outputs=lambda: common.add_stack_outputs(task, view, stack_id))
        body = driver.update_stack_body(view, nodes_to_remove=nodes_to_remove,
                                        rollback=bool(args.get('rollback')))
        return common.patch(task, stack_id, body)

    def touched_nodegroups(self, task: task_mod.ClusterTask) -> list[Any]:
        ng = self._nodegroup(task)
        return [ng] if ng is not None else []

    def restore_counts(self, task: task_mod.ClusterTask) -> dict:
        """The node group's old count: a failed change leaves the old shape."""
        args = task.args
        if args.get('old_node_count') is None:
            return {}
        ng = self._nodegroup(task)
        return {ng.uuid: {'node_count': int(args['old_node_count'])}} if ng is not None else {}
