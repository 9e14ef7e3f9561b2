"""The one operation table: its rules agree with the state machine, and the API
and the database read it rather than keeping lists of their own."""
from __future__ import annotations

import datetime

import pytest

from magnum_like.api.controllers.v1 import cluster_operation
from magnum_like.api.validation import cluster as rules
from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.conductor import states
from magnum_like.db import api as db


@pytest.mark.parametrize('name', sorted(states.CLUSTER_OPERATIONS))
def test_every_start_status_leads_to_the_in_progress_status(name):
    op = states.OPERATIONS[name]
    assert op.name == name and op.in_progress_status in states.IN_PROGRESS
    for source in op.start_from:
        assert states.next_status(source, op.event) == op.in_progress_status, source
    # The API writes the in-progress status with the intent; the conductor's
    # own event is then a self-transition.
    assert states.next_status(op.in_progress_status, op.event) == op.in_progress_status


def test_the_machine_starts_operations_only_where_the_table_allows():
    """The converse: no transition into an operation's in-progress status from a
    status no operation with that event accepts (ROLLBACK_FAILED used to be one)."""
    for source, event, target in states.TRANSITIONS:
        ops = [op for op in states.CLUSTER_OPERATIONS.values() if op.event == event]
        if not ops or source == target:
            continue
        assert any(source in op.start_from for op in ops), (source, event, target)


def test_only_a_preempting_operation_starts_from_an_in_progress_status():
    for op in states.OPERATIONS.values():
        busy = set(op.start_from) & set(states.IN_PROGRESS)
        assert not busy or op.preempts, (op.name, busy)
    # A second change while an update runs is a 409 (tests/functional/e2e).
    for name in ('update', 'resize', 'upgrade', 'rotate_ca', 'rotate_credential'):
        assert states.UPDATE_IN_PROGRESS not in states.OPERATIONS[name].start_from
        assert states.ROLLBACK_FAILED not in states.OPERATIONS[name].start_from


def test_the_api_view_is_the_table():
    assert rules.ALLOWED_STATUSES == {n: op.start_from
                                      for n, op in states.CLUSTER_OPERATIONS.items()}


class _Row:
    def __init__(self, uuid):
        self.uuid = uuid


@pytest.mark.parametrize('name', sorted(set(states.CLUSTER_OPERATIONS) - {'create'}))
def test_the_database_accepts_exactly_the_table(sqlite_db, name):
    """The conditional update the API makes takes the operation from the table's
    statuses only, and (but for delete) never over another pending operation."""
    op = states.OPERATIONS[name]
    deadline = datetime.datetime(2030, 1, 1)
    for status in states.ALL:
        row = db.create_cluster({'name': 'c', 'project_id': 'p', 'cluster_template_id': 't',
                                 'status': status})
        try:
            cluster_operation.start_operation(_Row(row.uuid), name, nudge=False,
                                              deadline=deadline)
            accepted = True
        except (exception.ClusterBusy, exception.ClusterNotStable):
            accepted = False
        assert accepted == (status in op.start_from), status
        if accepted:
            now = db.get_cluster_by_uuid(ml_context.get_admin_context(), row.uuid)
            assert now.status == op.in_progress_status
        db.destroy_cluster(row.uuid)
    # Another operation pending: only a preempting one takes over; never itself.
    row = db.create_cluster({'name': 'c', 'project_id': 'p', 'cluster_template_id': 't',
                             'status': states.CREATE_COMPLETE, 'operation': 'rotate_ca'})
    taken = db.start_cluster_operation(row.uuid, operation=name, args={},
                                       status=op.in_progress_status, deadline=deadline,
                                       allowed_statuses=op.start_from, preempts=op.preempts)
    assert taken == (op.preempts and name != 'rotate_ca')
    if op.preempts:
        assert not db.start_cluster_operation(
            row.uuid, operation=name, args={}, status=op.in_progress_status,
            deadline=deadline, allowed_statuses=op.start_from, preempts=True)


def test_every_operation_has_one_handler_in_the_registry():
    from magnum_like.conductor import operations
    from magnum_like.conductor.operations import registry
    assert registry.names() == sorted(states.OPERATIONS)
    for name in states.OPERATIONS:
        assert operations.handler_for(name).name == name
    # An operation without a handler still ends (the base rules), it is not started.
    assert registry.get('nonsense') is None and operations.handler_for('nonsense') is not None


def test_federation_operations_are_in_the_table_with_their_handlers():
    from magnum_like.conductor.operations import federation as fed_ops
    assert sorted(states.FEDERATION_OPERATIONS) == ['create', 'delete', 'update']
    for intent, op in states.FEDERATION_OPERATIONS.items():
        assert states.OPERATIONS[op.name] is op and op.subject == states.FEDERATION
        assert op.intent == intent and fed_ops.handler_of(intent).rule is op
        assert op.in_progress_status in states.IN_PROGRESS
        assert not set(op.start_from) & set(states.IN_PROGRESS), op.name
        done, failed = op.ends
        assert done.endswith('_COMPLETE') and failed.endswith('_FAILED')
        assert done.split('_')[0] == failed.split('_')[0] == op.in_progress_status.split('_')[0]
    assert fed_ops.handler_of('nonsense') is None and fed_ops.handler_of(None) is None
    assert not set(states.CLUSTER_OPERATIONS) & {op.name for op in
                                                 states.FEDERATION_OPERATIONS.values()}


@pytest.mark.parametrize('intent', ['update', 'delete'])
def test_the_federation_api_starts_from_the_table(intent):
    from magnum_like.api.validation import federation as fed_rules

    class Row:
        name, uuid, operation = 'f', 'u', None

    for status in states.ALL:
        row = Row()
        row.status = status
        try:
            fed_rules.busy(row, intent)
            accepted = True
        except exception.Conflict:
            accepted = False
        assert accepted == (status in states.FEDERATION_OPERATIONS[intent].start_from), status
    row = Row()
    row.status, row.operation = states.CREATE_COMPLETE, 'update'
    with pytest.raises(exception.Conflict):
        fed_rules.busy(row, intent)
