"""Deleting a cluster: load balancers the cloud provider made, then the node
group stacks and the cluster stack; at the end certificates, trust and rows."""
from __future__ import annotations

from typing import Any

from oslo_log import log as logging

from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.conductor import cleanup
from magnum_like.conductor.operations import common
from magnum_like.conductor.operations import registry
from magnum_like.conductor import states
from magnum_like.conductor import task as task_mod
from magnum_like.pki import certificates
from magnum_like.pki import trust

CONF = common.CONF
LOG = logging.getLogger(__name__)


def delete_outcome(action: str, result: str) -> str | None:
    """A delete's: the DELETE."""
    if action != 'DELETE':
        return None
    return states.DONE if result == 'COMPLETE' else states.FAIL


def finish_delete(task: task_mod.ClusterTask) -> None:
    """The cluster's stacks are gone: certificates, trust, then the rows."""
    certificates.delete_cluster_certificates(task.context or ml_context.get_admin_context(),
                                             task.uuid, save=task.save)
    cleared = trust.delete_trust(task.cluster)
    if cleared:
        task.save(cleared)  # a crash before the rows go does not try them again
    task.process_event(states.DONE, end_operation=True)
    task.destroy()


def _stack_status(task: Any, stack_id: str) -> str | None:
    """The stack's ``ACTION_STATUS``; None when it is gone; '' when Heat is unreachable."""
    try:
        stack = common.heat_for(task.cluster).get_stack(stack_id, resolve_outputs=False)
    except heat.NotFound:
        return None
    except (heat.heat_exc.HTTPException, heat.heat_exc.CommunicationError,
            heat.ks_exc.ClientException) as error:
        LOG.warning('Cluster %s: cannot read stack %s after the deadline (%s)',
                    task.uuid, stack_id, heat.reason_of(error))
        return ''
    return getattr(stack, 'stack_status', '') or ''


@registry.register('delete')
class Delete(common.Handler):
    check_trust = False  # a cluster whose owner is gone must still go

    def start(self, task: task_mod.ClusterTask) -> str | None:
        """Delete the cloud provider's load balancers (waiting until they are gone,
        see :mod:`magnum_like.conductor.cleanup`), then the node-group stacks and
        the cluster stack. Load balancers still there after ``[conductor]
        lb_cleanup_timeout`` (or Octavia failing) leave the delete pending: the
        reconcile pass starts it again, until its deadline.
        """
        client = common.heat_for(task.cluster)
        try:
            view = common.make_view(task, for_render=False)
            to_clean = task.driver.resources_to_clean(view)
        except exception.MagnumLikeException:
            to_clean = {}
        if to_clean:
            try:
                cleanup.clean_loadbalancers(task.cluster.project_id, to_clean,
                                            timeout=CONF.conductor.lb_cleanup_timeout)
            except cleanup.CleanupPending as pending:
                LOG.warning('Cluster %s: load balancers %s are still being deleted; the stack '
                            'delete waits for them (retried by the reconcile pass)',
                            task.uuid, pending)
                return None
            except cleanup.ks_exc.ClientException as error:
                LOG.warning('Cluster %s: cleaning up load balancers failed (%s); the delete '
                            'is retried by the reconcile pass', task.uuid, error)
                return None
        for ng in task.nodegroups:
            if not ng.is_default and ng.stack_id:
                client.delete_stack(ng.stack_id)
        stack_id = task.cluster.stack_id
        if not stack_id:
            stack = client.find_cluster_stack(task.uuid,
                                              name=heat.stack_name(task.cluster))
            stack_id = stack.id if stack is not None else None
        if not stack_id:
            finish_delete(task)
            return None
        client.delete_stack(stack_id)
        return stack_id

    def stack_missing(self, task: task_mod.ClusterTask, error: Exception) -> None:
        finish_delete(task)

    def stack_outcome(self, action: str, result: str, args: dict,
                      updated: str | None) -> str | None:
        return delete_outcome(action, result)

    def finish(self, task: task_mod.ClusterTask, outcome: str, stack_id: str | None,
               reason: str | None) -> None:
        if outcome in (states.DONE, common.GONE):
            finish_delete(task)
        else:
            common.finish_failed(task, stack_id, reason)

    def deadline_passed(self, task: task_mod.ClusterTask, reason: str,
                        stack_id: str | None) -> None:
        if not stack_id or stack_id == 'none':
            common.fail(task, reason + '; its stack delete was never started (Heat or the '
                                       'cloud was unavailable). Delete the cluster again '
                                       'to retry.')
            return
        status = _stack_status(task, stack_id)
        if status is None or status == 'DELETE_COMPLETE':
            finish_delete(task)  # Heat finished meanwhile
            return
        retried = ''
        if status.endswith('IN_PROGRESS'):
            try:
                common.heat_for(task.cluster).delete_stack(stack_id)
                retried = ' (its delete was requested again)'
            except (heat.heat_exc.HTTPException, heat.heat_exc.CommunicationError,
                    heat.ks_exc.ClientException) as error:
                retried = ' (asking Heat again failed: %s)' % heat.reason_of(error)
        common.fail(task, '%s; stack %s is %s in Heat%s. Delete the cluster again to retry.'
                    % (reason, stack_id, status or 'in an unknown state (Heat unreachable)',
                       retried))
