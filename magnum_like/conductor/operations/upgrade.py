"""Upgrading to another cluster template: the cluster stack (every default
group is replaced) or one node group's own stack, in batches."""
from __future__ import annotations

from typing import Any

from magnum_like.common import exception
from magnum_like.conductor.operations import common
from magnum_like.conductor.operations import registry
from magnum_like.conductor import task as task_mod
from magnum_like.db import api as db


@registry.register('upgrade')
class Upgrade(common.Handler):
    def start(self, task: task_mod.ClusterTask) -> str:
        args = task.args
        new_template = db.get_cluster_template_by_uuid(task.db_context, args['cluster_template'])
        view = common.make_view(task)
        driver = task.driver
        batch = int(args.get('max_batch_size') or 1)
        ng = task.nodegroup(args.get('nodegroup')) if args.get('nodegroup') else None
        if ng is not None and not ng.is_default:
            # A node group with its own stack: upgrade that stack, not the cluster's.
            if not ng.stack_id:
                raise exception.NotSupported(operation='Upgrading node group %s (it has no '
                                                       'stack)' % ng.name)
            body = driver.nodegroup_update_body(view, ng, new_template=new_template,
                                                max_batch_size=batch)
            return common.patch(task, ng.stack_id, body)
        body = driver.update_stack_body(view, new_template=new_template, max_batch_size=batch)
        return common.patch(task, common.cluster_stack_id(task), body)

    def touched_nodegroups(self, task: task_mod.ClusterTask) -> list[Any]:
        """Upgrading a default group changes the cluster stack: every default
        group (masters and workers are replaced) ends with its outcome."""
        ident = task.args.get('nodegroup')
        ng = task.nodegroup(ident) if ident else None
        if ng is None or ng.is_default:
            return [ng for ng in task.nodegroups if ng.is_default]
        return [ng]

    def done_values(self, task: task_mod.ClusterTask, values: dict) -> dict:
        args, cluster = task.args, task.cluster
        values['cluster_template_id'] = args['cluster_template']
        # The cluster's labels follow the new template's (kube_tag ...), so the
        # next upgrade compares against what now runs.
        new_template = db.get_cluster_template_by_uuid(task.db_context,
                                                       args['cluster_template'])
        labels = dict(cluster.labels or {})
        labels.update(getattr(new_template, 'labels', None) or {})
        values['labels'] = labels
        return values
