"""What each operation does to Heat, and how it ends.

:func:`start` carries out an accepted intent (``cluster.operation``) under a
:class:`~magnum_like.conductor.task.ClusterTask`: the operation's handler
(one module per operation family, found through :mod:`.registry`) renders the
stack body with the cluster's driver and makes the one Heat call it needs
(create, PATCH with ``existing=true``, delete); :func:`start` then records in
``operation_args`` that the action was issued and which stack to watch.

:func:`outcome_of` reads a stack summary (from the batched list, a Heat
notification or a GET) and says whether the operation ended; :func:`finish`
then reads outputs or failed resources (only now), writes the result through
``process_event`` and cleans up (delete: certificates, trust, rows).
"""
from __future__ import annotations

import datetime
from typing import Any

from oslo_log import log as logging

from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.conductor.operations import common
from magnum_like.conductor.operations import create  # noqa: F401  (registers)
from magnum_like.conductor.operations import delete
from magnum_like.conductor.operations import federation  # noqa: F401  (registers)
from magnum_like.conductor.operations import nodegroup  # noqa: F401  (registers)
from magnum_like.conductor.operations import registry
from magnum_like.conductor.operations import rotate  # noqa: F401  (registers)
from magnum_like.conductor.operations import update  # noqa: F401  (registers)
from magnum_like.conductor.operations import upgrade  # noqa: F401  (registers)
from magnum_like.conductor import states
from magnum_like.conductor import task as task_mod
from magnum_like.pki import trust

LOG = logging.getLogger(__name__)

STARTED = common.STARTED
STACK = common.STACK
GONE = common.GONE

driver_for = common.driver_for
make_view = common.make_view
heat_for = common.heat_for
fail = common.fail
finish_delete = delete.finish_delete
handler_for = registry.handler_for


def start(task: task_mod.ClusterTask) -> None:
    """Carry out the intent on the task's cluster (its first, idempotent step).

    Refusals (state table, driver) end the operation ``*_FAILED`` with the reason;
    Heat errors that may pass (5xx after retries, connection) leave the intent
    pending for the reconcile pass, until its deadline.
    """
    cluster = task.cluster
    operation = cluster.operation
    if not operation or STARTED in task.args:
        return
    rule, handler = states.OPERATIONS.get(operation), registry.get(operation)
    if rule is None or handler is None:
        fail(task, 'Unknown operation %r.' % operation)
        return
    if cluster.deadline is None:
        task.save({'deadline': task_mod.utcnow() + datetime.timedelta(
            minutes=handler.timeout_minutes(cluster))})
    try:
        task.process_event(rule.event)  # checks the table; pending notification
    except states.InvalidTransition as error:
        LOG.warning('Cluster %s: refusing %s: %s', cluster.uuid, operation, error)
        args = task.args
        task.save({'operation': None, 'operation_args': None, 'deadline': None})
        handler.after_failed(task, args)
        return
    try:
        if handler.check_trust:
            # Act for the owner through the cluster's trust, never a user's token:
            # a vanished project or user ends the operation here, with that reason.
            trust.check_trust(cluster)
        started = handler.start(task)
    except (heat.NotFound,) as error:
        handler.stack_missing(task, error)
        return
    except heat.heat_exc.HTTPException as error:
        if getattr(error, 'code', 0) >= 500:
            LOG.warning('Cluster %s: %s not started, Heat unavailable (%s); the reconcile '
                        'pass retries it', cluster.uuid, operation, heat.reason_of(error))
            return
        fail(task, heat.reason_of(error))
        return
    except exception.CertificateStorageError as error:
        cause = error.__cause__ or error.__context__
        if isinstance(cause, heat.ks_exc.ConnectionError) or (
                getattr(cause, 'status_code', None) or getattr(cause, 'http_status', 0)
                or 0) >= 500:
            # The cert manager was unreachable for a moment: transient, like Heat's 5xx.
            LOG.warning('Cluster %s: %s not started (%s); the reconcile pass retries it',
                        cluster.uuid, operation, error)
            return
        fail(task, str(error))
        return
    except (exception.MagnumLikeException, ValueError, KeyError) as error:
        fail(task, str(error))
        return
    except (heat.ks_exc.ConnectionError, heat.ks_exc.HttpServerError) as error:
        LOG.warning('Cluster %s: %s not started, a service is unreachable (%s); the '
                    'reconcile pass retries it', cluster.uuid, operation, error)
        return
    if started is not None:
        args = task.args
        args.update({STARTED: common.iso(task_mod.utcnow()), STACK: started})
        task.save({'operation_args': args})


def outcome_of(operation: str, args: dict, status: str | None,
               updated: str | None) -> str | None:
    """Whether the watched stack's ``status`` ends ``operation``.

    :param status: the stack's ``ACTION_STATUS`` (None: the stack is gone).
    :param updated: the stack's ``updated_time`` (to ignore an older UPDATE).
    :returns: ``done``, ``fail``, ``rolled_back``, ``rollback_failed``, :data:`GONE`, or None.
    """
    return registry.handler_for(operation).outcome(args, status, updated)


def finish(task: task_mod.ClusterTask, outcome: str, *, stack_id: str | None = None,
           reason: str | None = None) -> None:
    """End the task's operation with ``outcome`` (see :func:`outcome_of`).

    Reads the stack's outputs on success and its failed resources on failure.
    """
    cluster = task.cluster
    stack_id = stack_id or task.args.get(STACK) or cluster.stack_id
    registry.handler_for(cluster.operation).finish(task, outcome, stack_id, reason)


def deadline_passed(task: Any) -> None:
    """End an operation its deadline overtook with a plain reason."""
    handler = registry.handler_for(task.cluster.operation)
    handler.deadline_passed(task, handler.deadline_reason(task.cluster),
                            task.args.get(STACK))
