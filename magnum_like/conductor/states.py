"""Cluster statuses (Magnum's strings) and the one table of their transitions.

Each status is declared once with what it means. The transitions live in
``TRANSITIONS``; :data:`MACHINE` is the :mod:`automaton` machine built from it,
and :func:`next_status` is the only way the conductor asks it where an event
leads (``magnum_like.conductor.task.ClusterTask.process_event`` is the only
place that then writes the answer).

Events:

* ``create`` / ``update`` / ``delete``: the conductor starts an operation the
  API accepted (the API already wrote the ``*_IN_PROGRESS`` status, so these
  are usually self-transitions that only check the operation may run).
* ``done`` / ``fail``: Heat (or the conductor itself) finished the action.
* ``rolled_back`` / ``rollback_failed``: Heat rolled a failed update back.
"""
from __future__ import annotations

import dataclasses

from automaton import machines

CREATE_IN_PROGRESS = 'CREATE_IN_PROGRESS'
"""The cluster's stack is being created."""
CREATE_FAILED = 'CREATE_FAILED'
"""The create failed (Heat, the driver, or the service's deadline); see status_reason."""
CREATE_COMPLETE = 'CREATE_COMPLETE'
"""The cluster was created and is usable."""
UPDATE_IN_PROGRESS = 'UPDATE_IN_PROGRESS'
"""An update, resize, upgrade, node-group change or CA rotation is under way."""
UPDATE_FAILED = 'UPDATE_FAILED'
"""The last update failed; node counts were restored to what they were."""
UPDATE_COMPLETE = 'UPDATE_COMPLETE'
"""The last update finished."""
DELETE_IN_PROGRESS = 'DELETE_IN_PROGRESS'
"""The cluster's stacks are being deleted; the rows go when that is done."""
DELETE_FAILED = 'DELETE_FAILED'
"""The delete failed; deleting again is allowed."""
DELETE_COMPLETE = 'DELETE_COMPLETE'
"""Deleted (transient: the rows are destroyed right after)."""
RESUME_COMPLETE = 'RESUME_COMPLETE'
"""Heat resumed the stack (copied from Heat; stable)."""
RESUME_FAILED = 'RESUME_FAILED'
"""Heat failed to resume the stack (copied from Heat)."""
RESTORE_COMPLETE = 'RESTORE_COMPLETE'
"""Heat restored the stack from a snapshot (copied from Heat; stable)."""
ROLLBACK_IN_PROGRESS = 'ROLLBACK_IN_PROGRESS'
"""Heat is rolling a failed update back."""
ROLLBACK_FAILED = 'ROLLBACK_FAILED'
"""Heat could not roll a failed update back."""
ROLLBACK_COMPLETE = 'ROLLBACK_COMPLETE'
"""Heat rolled a failed update back (stable: the old shape is live again)."""
SNAPSHOT_COMPLETE = 'SNAPSHOT_COMPLETE'
"""Heat snapshotted the stack (copied from Heat; stable)."""
CHECK_COMPLETE = 'CHECK_COMPLETE'
"""Heat checked the stack (copied from Heat; stable)."""
ADOPT_COMPLETE = 'ADOPT_COMPLETE'
"""Heat adopted the stack (copied from Heat; stable)."""

ALL = (CREATE_IN_PROGRESS, CREATE_FAILED, CREATE_COMPLETE, UPDATE_IN_PROGRESS, UPDATE_FAILED,
       UPDATE_COMPLETE, DELETE_IN_PROGRESS, DELETE_FAILED, DELETE_COMPLETE, RESUME_COMPLETE,
       RESUME_FAILED, RESTORE_COMPLETE, ROLLBACK_IN_PROGRESS, ROLLBACK_FAILED, ROLLBACK_COMPLETE,
       SNAPSHOT_COMPLETE, CHECK_COMPLETE, ADOPT_COMPLETE)

#: Operations may start from these.
STABLE = (CREATE_COMPLETE, UPDATE_COMPLETE, RESUME_COMPLETE, RESTORE_COMPLETE, ROLLBACK_COMPLETE,
          SNAPSHOT_COMPLETE, CHECK_COMPLETE, ADOPT_COMPLETE)
#: These drive ``faults``.
FAILED = (CREATE_FAILED, UPDATE_FAILED, DELETE_FAILED, ROLLBACK_FAILED, RESUME_FAILED)
#: A conductor is (or should be) working on these.
IN_PROGRESS = (CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS, DELETE_IN_PROGRESS, ROLLBACK_IN_PROGRESS)

# -- events --
CREATE = 'create'
UPDATE = 'update'
DELETE = 'delete'
DONE = 'done'
FAIL = 'fail'
ROLLED_BACK = 'rolled_back'
ROLLBACK_FAILED_EVENT = 'rollback_failed'

#: Where an update-type operation may be accepted (see :data:`OPERATIONS`),
#: plus ``UPDATE_IN_PROGRESS`` itself: the API writes that status with the
#: intent, so the conductor's own ``update`` event is a self-transition.
_UPDATABLE = STABLE + (UPDATE_FAILED, UPDATE_IN_PROGRESS)

#: (source, event, target): the whole state machine.
TRANSITIONS: tuple[tuple[str, str, str], ...] = (
    (CREATE_IN_PROGRESS, CREATE, CREATE_IN_PROGRESS),
    (CREATE_IN_PROGRESS, DONE, CREATE_COMPLETE),
    (CREATE_IN_PROGRESS, FAIL, CREATE_FAILED),
    *((source, UPDATE, UPDATE_IN_PROGRESS) for source in _UPDATABLE),
    (UPDATE_IN_PROGRESS, DONE, UPDATE_COMPLETE),
    (UPDATE_IN_PROGRESS, FAIL, UPDATE_FAILED),
    (UPDATE_IN_PROGRESS, ROLLED_BACK, ROLLBACK_COMPLETE),
    (UPDATE_IN_PROGRESS, ROLLBACK_FAILED_EVENT, ROLLBACK_FAILED),
    (ROLLBACK_IN_PROGRESS, DONE, ROLLBACK_COMPLETE),
    (ROLLBACK_IN_PROGRESS, FAIL, ROLLBACK_FAILED),
    # Delete is allowed from anywhere, even while another action runs.
    *((source, DELETE, DELETE_IN_PROGRESS) for source in ALL if source != DELETE_COMPLETE),
    (DELETE_IN_PROGRESS, DONE, DELETE_COMPLETE),
    (DELETE_IN_PROGRESS, FAIL, DELETE_FAILED),
)


#: What an operation changes (``Operation.subject``).
CLUSTER = 'cluster'
FEDERATION = 'federation'


@dataclasses.dataclass(frozen=True)
class Operation:
    """One operation a cluster may undergo: the single place its rules live.

    The API accepts the operation only from ``start_from`` (and, through
    ``db.start_cluster_operation``, only when no other operation holds the
    cluster), writes ``in_progress_status`` with the intent, and the conductor
    then processes ``event`` (a self-transition from ``in_progress_status``).
    ``tests/unit/conductor/test_states.py`` checks every pair against
    :data:`TRANSITIONS`.
    """

    name: str
    #: The state-machine event that starts it (and names its CADF action).
    event: str
    #: The status the cluster has while it runs.
    in_progress_status: str
    #: The statuses the API accepts it from (the rest answer 409).
    start_from: tuple[str, ...]
    #: What the conductor watches in Heat until the operation ends.
    watches: str
    #: It replaces whatever other operation is pending (only ``delete``).
    preempts: bool = False
    #: What it changes: ``cluster`` or ``federation``.
    subject: str = CLUSTER
    #: What the subject's row holds in ``operation`` while it is pending (the
    #: name, unless told: a federation's row says ``create``/``update``/``delete``).
    intent: str = ''
    #: The statuses it ends in: (done, failed).
    ends: tuple[str, str] = ()

    def __post_init__(self) -> None:
        if not self.intent:
            object.__setattr__(self, 'intent', self.name)


#: Accepting an update while ``UPDATE_IN_PROGRESS``: Magnum's conductor takes a
#: resize or a credential rotation then (for autoscaler retries). Here one
#: operation holds the cluster at a time (the intent is written atomically by
#: the API and the conductor works from it), so a second change while one runs
#: is a 409 "busy", as Magnum's API answers an update or upgrade; the caller
#: retries once the first one is over. ``ROLLBACK_FAILED`` is accepted by no
#: operation but delete (as in Magnum: the stack is in an unknown shape).
_RETRYABLE = STABLE + (UPDATE_FAILED,)
#: Where a federation rests between operations.
_FEDERATION_FINAL = (CREATE_COMPLETE, CREATE_FAILED, UPDATE_COMPLETE, UPDATE_FAILED,
                     DELETE_FAILED)

_OPERATION_LIST = (
    Operation('create', CREATE, CREATE_IN_PROGRESS, (), 'the cluster stack (create)'),
    Operation('update', UPDATE, UPDATE_IN_PROGRESS, STABLE, 'the cluster stack (update)'),
    Operation('resize', UPDATE, UPDATE_IN_PROGRESS, _RETRYABLE,
              'the stack holding the node group (update)'),
    Operation('upgrade', UPDATE, UPDATE_IN_PROGRESS, _RETRYABLE,
              'the stacks of the upgraded node groups (update)'),
    Operation('nodegroup_create', UPDATE, UPDATE_IN_PROGRESS, _RETRYABLE,
              'the new node group stack (create)'),
    Operation('nodegroup_delete', UPDATE, UPDATE_IN_PROGRESS, _RETRYABLE,
              'the node group stack (delete)'),
    Operation('rotate_ca', UPDATE, UPDATE_IN_PROGRESS, STABLE,
              'the cluster stack (update carrying the new CA)'),
    Operation('rotate_credential', UPDATE, UPDATE_IN_PROGRESS, _RETRYABLE,
              'nothing in Heat (the trust is replaced by the conductor)'),
    # Delete is taken from anywhere but a delete already running (even while
    # another action runs, which it replaces); DELETE_COMPLETE is transient.
    Operation('delete', DELETE, DELETE_IN_PROGRESS,
              tuple(s for s in ALL if s not in (DELETE_IN_PROGRESS, DELETE_COMPLETE)),
              'the cluster and node group stacks (delete)', preempts=True),
    # Federations (conductor/federations.py): one operation at a time (the
    # API's ``busy`` rule), so they start from a final status only (a repeated
    # delete is accepted and changes nothing). Their ends: no rollback.
    Operation('federation_create', CREATE, CREATE_IN_PROGRESS, (),
              'the federation stack (create)', subject=FEDERATION, intent='create',
              ends=(CREATE_COMPLETE, CREATE_FAILED)),
    Operation('federation_update', UPDATE, UPDATE_IN_PROGRESS, _FEDERATION_FINAL,
              'the federation stack (update: join, unjoin, properties)', subject=FEDERATION,
              intent='update', ends=(UPDATE_COMPLETE, UPDATE_FAILED)),
    Operation('federation_delete', DELETE, DELETE_IN_PROGRESS, _FEDERATION_FINAL,
              'the federation stack (delete)', subject=FEDERATION, intent='delete',
              ends=(DELETE_COMPLETE, DELETE_FAILED)),
)

#: Every operation by name: the API's allowed statuses, the database's
#: conditional update and the conductor's dispatch all read this.
OPERATIONS: dict[str, Operation] = {op.name: op for op in _OPERATION_LIST}
#: The operations of clusters, by name (what a cluster row's ``operation`` holds).
CLUSTER_OPERATIONS: dict[str, Operation] = {
    op.name: op for op in _OPERATION_LIST if op.subject == CLUSTER}
#: The operations of federations, by what a federation row's ``operation`` holds.
FEDERATION_OPERATIONS: dict[str, Operation] = {
    op.intent: op for op in _OPERATION_LIST if op.subject == FEDERATION}


def _build() -> machines.FiniteMachine:
    machine = machines.FiniteMachine()
    for status in ALL:
        machine.add_state(status, terminal=False)
    for source, event, target in TRANSITIONS:
        machine.add_transition(source, target, event)
    machine.freeze()
    return machine


MACHINE = _build()


class InvalidTransition(Exception):
    """``event`` is not allowed from ``status``."""

    def __init__(self, status: str | None, event: str) -> None:
        super().__init__('%s is not allowed while the cluster is %s' % (event, status))
        self.status = status
        self.event = event


def next_status(status: str | None, event: str) -> str:
    """Where ``event`` leads from ``status``.

    :raises InvalidTransition: the table has no such transition.
    """
    if status not in MACHINE.states:
        raise InvalidTransition(status, event)
    machine = MACHINE.copy(shallow=True)
    machine.initialize(status)
    try:
        machine.process_event(event)
    except Exception:  # automaton's NotFound: no transition for the event
        raise InvalidTransition(status, event) from None
    return machine.current_state


def action_of(status: str | None) -> str:
    """The CADF action (``create``/``update``/``delete``) a status belongs to."""
    prefix = (status or '').split('_')[0]
    return {'CREATE': 'create', 'DELETE': 'delete'}.get(prefix, 'update')
