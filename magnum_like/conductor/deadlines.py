"""How an operation ends when its deadline passes.

The API gives every operation a deadline (a create its ``create_timeout``,
anything else ``[conductor] operation_timeout``); the tracking pass calls
:func:`deadline_passed` once it is over. The operation ends ``*_FAILED`` with
a reason saying what timed out and what Heat still does. A delete that Heat
has not finished is asked of Heat once more (a stuck ``DELETE_IN_PROGRESS``
is restarted where Heat allows it) and the reason says so, so the user
knows a new delete retries it; a stack Heat has deleted meanwhile ends the
delete as done, not failed.
"""
from __future__ import annotations

from typing import Any

from oslo_log import log as logging

from magnum_like.common import heat
from magnum_like.conductor import operations
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)


def _minutes(cluster: Any) -> int:
    if cluster.operation == 'create':
        return cluster.create_timeout or CONF.cluster.create_timeout
    return CONF.conductor.operation_timeout


def _stack_status(task: Any, stack_id: str) -> str | None:
    """The stack's ``ACTION_STATUS``; None when it is gone; '' when Heat is unreachable."""
    try:
        stack = operations.heat_for(task.cluster).get_stack(stack_id, resolve_outputs=False)
    except heat.NotFound:
        return None
    except (heat.heat_exc.HTTPException, heat.heat_exc.CommunicationError,
            heat.ks_exc.ClientException) as error:
        LOG.warning('Cluster %s: cannot read stack %s after the deadline (%s)',
                    task.uuid, stack_id, heat.reason_of(error))
        return ''
    return getattr(stack, 'stack_status', '') or ''


def _delete_passed(task: Any, reason: str, stack_id: str | None) -> None:
    if not stack_id or stack_id == 'none':
        operations._fail(task, reason + '; its stack delete was never started (Heat or the '
                                        'cloud was unavailable). Delete the cluster again '
                                        'to retry.')
        return
    status = _stack_status(task, stack_id)
    if status is None or status == 'DELETE_COMPLETE':
        operations.finish_delete(task)  # Heat finished meanwhile
        return
    retried = ''
    if status.endswith('IN_PROGRESS'):
        try:
            operations.heat_for(task.cluster).delete_stack(stack_id)
            retried = ' (its delete was requested again)'
        except (heat.heat_exc.HTTPException, heat.heat_exc.CommunicationError,
                heat.ks_exc.ClientException) as error:
            retried = ' (asking Heat again failed: %s)' % heat.reason_of(error)
    operations._fail(task, '%s; stack %s is %s in Heat%s. Delete the cluster again to retry.'
                     % (reason, stack_id, status or 'in an unknown state (Heat unreachable)',
                        retried))


def deadline_passed(task: Any) -> None:
    """End an operation its deadline overtook with a plain reason."""
    cluster = task.cluster
    verb = {'create': 'Create', 'delete': 'Delete'}.get(cluster.operation, 'Update')
    if cluster.operation == 'create':
        reason = '%s timed out after %d minutes' % (verb, _minutes(cluster))
    else:
        reason = '%s (%s) timed out: not finished by its deadline %s UTC' % (
            verb, cluster.operation, cluster.deadline.strftime('%Y-%m-%d %H:%M:%S'))
    stack_id = task.args.get(operations.STACK)
    if cluster.operation == 'delete':
        _delete_passed(task, reason, stack_id)
        return
    if stack_id and stack_id != 'none':
        reason += '; stack %s still in progress' % stack_id
    operations._fail(task, reason)
