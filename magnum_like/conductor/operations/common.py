"""What the operations share: the driver's view, Heat calls that are safe to
repeat, and the base :class:`Handler` whose endings most operations keep.

Every step is idempotent, so a conductor that died half-way is simply
replaced: a create first looks the stack up by its tags and name and adopts
it; a repeated PATCH is a no-op update.
"""
from __future__ import annotations

import datetime
from typing import Any

from oslo_log import log as logging

from magnum_like.common import cloud
from magnum_like.common import context as ml_context
from magnum_like.common import drivers as driver_registry
from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.conductor.operations import registry
from magnum_like.conductor import states
from magnum_like.conductor import task as task_mod
from magnum_like import conf as ml_conf
from magnum_like.drivers import base as driver_base
from magnum_like.pki import certificates
from magnum_like.pki import trust

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

STARTED = task_mod.STARTED
STACK = task_mod.STACK

#: Outcome names :meth:`Handler.outcome` returns (events of :mod:`states`, plus GONE).
GONE = 'gone'


# -- drivers and views ----------------------------------------------------------

#: The driver of a template (shared with the API); a task has its own as ``task.driver``.
driver_for = driver_registry.driver_for


def make_view(task: task_mod.ClusterTask, template: Any = None, *,
              for_render: bool = True) -> driver_base.ClusterView:
    """The driver's view of the task's cluster, with what the conductor supplies.

    :param for_render: add what rendering a stack body needs from elsewhere (the
        CA certificates and the trust, the external network's id); reading a
        stack's outputs or its resources to clean up does not, and skips those
        cert-manager and Neutron round trips.
    """
    cluster = task.cluster
    template = template or task.template
    extra: dict = {'stack_tags': [heat.SERVICE_TAG, heat.cluster_tag(cluster.uuid)],
                   'cluster_uuid': cluster.uuid, 'project_id': cluster.project_id}
    if for_render:
        extra['external_network_id'] = cloud.external_network_id(
            task.context, template.external_network_id)
        context = task.context or ml_context.get_admin_context()
        for source in (certificates, trust):
            try:
                extra.update(source.heat_parameters(context, cluster) or {})
            except exception.MagnumLikeException as error:
                # e.g. no certificates yet, or the cert manager failing: the stack
                # body then lacks them, and the driver's render says so.
                LOG.warning('Cluster %s: no %s parameters for the stack: %s', cluster.uuid,
                            source.__name__.rsplit('.', 1)[-1], error)
    return driver_base.ClusterView(cluster=cluster, template=template,
                                   nodegroups=task.nodegroups, extra=extra)


def heat_for(cluster: Any) -> heat.HeatClient:
    """A Heat client for the cluster's project (service credentials or noauth)."""
    return heat.HeatClient(cluster.project_id)


def iso(value: datetime.datetime) -> str:
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


# -- Heat steps safe to repeat ----------------------------------------------------

def adopt_or_create(client: heat.HeatClient, cluster_uuid: str, body: dict,
                    extra_tag: str | None = None) -> str:
    """Create the stack, or adopt the one a conductor that died already created."""
    stack = client.find_cluster_stack(cluster_uuid, name=body['stack_name'], extra_tag=extra_tag)
    if stack is not None:
        LOG.info('Cluster %s: adopting existing stack %s', cluster_uuid, stack.id)
        return stack.id
    try:
        return client.create_stack(body)
    except heat.Conflict:
        stack = client.find_cluster_stack(cluster_uuid, name=body['stack_name'],
                                          extra_tag=extra_tag)
        if stack is None:
            raise
        return stack.id


def cluster_stack_id(task: task_mod.ClusterTask) -> str:
    if task.cluster.stack_id:
        return task.cluster.stack_id
    stack = heat_for(task.cluster).find_cluster_stack(
        task.uuid, name=heat.stack_name(task.cluster))
    if stack is None:
        raise heat.NotFound('Cluster %s has no stack in Heat.' % task.uuid)
    return stack.id


def patch(task: task_mod.ClusterTask, stack_id: str, body: dict) -> str:
    """PATCH the stack; an update already running (ours, from a conductor that
    died before writing that down) is watched instead."""
    # Heat gives up on the update when the operation's own deadline comes.
    body = dict(body, timeout_mins=body.get('timeout_mins') or CONF.conductor.operation_timeout)
    try:
        heat_for(task.cluster).update_stack(stack_id, body)
    except heat.Conflict:
        LOG.info('Cluster %s: stack %s is already updating; watching it', task.uuid, stack_id)
    return stack_id


def add_stack_outputs(task: task_mod.ClusterTask, view: Any, stack_id: str) -> None:
    """The stack's current outputs as ``view.extra['stack_outputs']`` (drivers turn
    the node addresses a resize names into server ids with them)."""
    stack = heat_for(task.cluster).get_stack(stack_id)
    view.extra['stack_outputs'] = heat.outputs_of(stack)


def default_worker(task: task_mod.ClusterTask) -> Any | None:
    for ng in task.nodegroups:
        if ng.is_default and ng.role != 'master':
            return ng
    return None


def _ng_for_resource(task: task_mod.ClusterTask, name: str) -> list[Any]:
    own = task.nodegroup(task.args.get('nodegroup')) if task.args.get('nodegroup') else None
    if own is not None and not own.is_default:
        # The failed stack is that node group's own: its resources are its nodes.
        return [own]
    defaults = [ng for ng in task.nodegroups if ng.is_default]
    lowered = name.lower()
    masters = [ng for ng in defaults if ng.role == 'master']
    workers = [ng for ng in defaults if ng.role != 'master']
    if 'master' in lowered and masters:
        return masters
    if ('minion' in lowered or 'node' in lowered or 'worker' in lowered) and workers:
        return workers
    return defaults


# -- endings ----------------------------------------------------------------------

def fail(task: task_mod.ClusterTask, reason: str) -> None:
    """End the operation ``*_FAILED`` with ``reason`` (no Heat reads)."""
    finish_failed(task, None, reason)


def finish_failed(task: task_mod.ClusterTask, stack_id: str | None, reason: str | None,
                  outcome: str = states.FAIL) -> None:
    """End the operation failed: the reason from Heat's failed resources unless
    given, the node groups it touched marked, node counts it changed restored."""
    handler = registry.handler_for(task.cluster.operation)
    ng_values: dict = {}
    if reason is None and stack_id:
        client = heat_for(task.cluster)
        try:
            stack = client.get_stack(stack_id, resolve_outputs=False)
            resources = client.failed_resources(stack_id)
        except heat.NotFound:
            stack, resources = None, []
        if stack is not None:
            reason = heat.failure_reason(stack, resources)
            target = states.next_status(task.cluster.status, outcome)
            for res in resources[:10]:
                for ng in _ng_for_resource(task, res.resource_name):
                    ng_values[ng.uuid] = {'status': target, 'status_reason': reason}
    reason = reason or 'Stack %s failed.' % stack_id
    ng_status = handler.nodegroup_failed_status or states.next_status(task.cluster.status,
                                                                      outcome)
    for ng in handler.touched_nodegroups(task):
        ng_values.setdefault(ng.uuid, {'status': ng_status, 'status_reason': reason})
    for ng_uuid, values in handler.restore_counts(task).items():
        ng_values.setdefault(ng_uuid, {}).update(values)
    args = task.args  # the row's copy is cleared with the operation
    task.process_event(outcome, reason=reason, nodegroups=ng_values, end_operation=True)
    handler.after_failed(task, args)


class Handler:
    """An operation's work in Heat and its ending; subclasses override the parts
    that differ. One instance per operation name (see :mod:`.registry`)."""

    #: Check the owner's trust before starting (a vanished user ends it).
    check_trust = True
    #: Read the stack's outputs into the cluster when it is done.
    reads_outputs = True
    #: The touched node groups' status at the end (None: the cluster's).
    nodegroup_done_status: str | None = None
    nodegroup_failed_status: str | None = None

    def __init__(self, name: str) -> None:
        self.name = name

    def timeout_minutes(self, cluster: Any) -> int:
        """How long the operation may take (its deadline, when the API set none)."""
        return CONF.conductor.operation_timeout

    def start(self, task: task_mod.ClusterTask) -> str | None:
        """Make the Heat call; return the stack to watch (None: not started yet,
        or already ended)."""
        raise exception.NotSupported(operation=self.name)

    def stack_missing(self, task: task_mod.ClusterTask, error: Exception) -> None:
        """Heat says the stack the operation needs is not there."""
        fail(task, heat.reason_of(error))

    # -- watching --
    def outcome(self, args: dict, status: str | None, updated: str | None) -> str | None:
        """Whether the watched stack's ``status`` ends the operation.

        :param status: the stack's ``ACTION_STATUS`` (None: the stack is gone).
        :param updated: the stack's ``updated_time`` (to ignore an older UPDATE).
        :returns: ``done``, ``fail``, ``rolled_back``, ``rollback_failed``,
            :data:`GONE`, or None.
        """
        if status is None:
            return GONE
        action, _, result = status.partition('_')
        if result == 'IN_PROGRESS':
            return None
        return self.stack_outcome(action, result, args, updated)

    def stack_outcome(self, action: str, result: str, args: dict,
                      updated: str | None) -> str | None:
        """An update's: the UPDATE (or Heat's ROLLBACK) after it started."""
        if action not in ('UPDATE', 'ROLLBACK'):
            return None
        started = args.get(STARTED)
        if started and updated and updated < started[:19]:
            return None  # a previous update's result
        if action == 'ROLLBACK':
            return states.ROLLED_BACK if result == 'COMPLETE' else states.ROLLBACK_FAILED_EVENT
        return states.DONE if result == 'COMPLETE' else states.FAIL

    # -- ending --
    def touched_nodegroups(self, task: task_mod.ClusterTask) -> list[Any]:
        """The node groups whose status the outcome sets: the one it names."""
        ident = task.args.get('nodegroup')
        ng = task.nodegroup(ident) if ident else None
        return [ng] if ng is not None else []

    def restore_counts(self, task: task_mod.ClusterTask) -> dict:
        """``{ng uuid: columns}`` a failure puts back."""
        return {}

    def done_values(self, task: task_mod.ClusterTask, values: dict) -> dict:
        """Cluster columns to write with success, beyond the stack's outputs."""
        return values

    def after_done(self, task: task_mod.ClusterTask) -> None:
        """Clean-up once success is written."""

    def after_failed(self, task: task_mod.ClusterTask, args: dict) -> None:
        """Clean-up once failure (or a refusal to start) is written (best effort: must not raise).

        :param args: the operation's arguments (the row no longer holds them).
        """

    def deadline_reason(self, cluster: Any) -> str:
        return '%s (%s) timed out: not finished by its deadline %s UTC' % (
            states.OPERATIONS[self.name].event.capitalize()
            if self.name in states.OPERATIONS else 'Update',
            self.name, cluster.deadline.strftime('%Y-%m-%d %H:%M:%S'))

    def deadline_passed(self, task: task_mod.ClusterTask, reason: str,
                        stack_id: str | None) -> None:
        """End the operation its deadline overtook."""
        if stack_id and stack_id != 'none':
            reason += '; stack %s still in progress' % stack_id
        fail(task, reason)

    def finish(self, task: task_mod.ClusterTask, outcome: str, stack_id: str | None,
               reason: str | None) -> None:
        """End with ``outcome``: outputs on success, failed resources on failure."""
        cluster = task.cluster
        if outcome == GONE:
            fail(task, reason or 'Stack with id %s not found in Heat.' % stack_id)
            return
        if outcome != states.DONE:
            finish_failed(task, stack_id, reason, outcome=outcome)
            return
        try:
            trust.check_trust(cluster)  # the owner's project or user went away meanwhile?
        except exception.ClusterTrustInvalid as error:
            fail(task, str(error))
            return
        except (heat.ks_exc.ConnectionError, heat.ks_exc.HttpServerError) as error:
            LOG.warning('Cluster %s: trust not checked (%s); finishing anyway', task.uuid, error)
        stack = heat_for(cluster).get_stack(stack_id)
        values: dict = {}
        ng_values: dict = {}
        if self.reads_outputs:
            view = make_view(task, for_render=False)
            values, ng_values = task.driver.fields_from_stack(view, heat.outputs_of(stack),
                                                         getattr(stack, 'parameters', {}) or {})
        target = self.nodegroup_done_status or states.next_status(cluster.status, states.DONE)
        touched = self.touched_nodegroups(task)
        if stack_id == cluster.stack_id:
            # The cluster stack is complete: default groups an earlier failure of it
            # left *_FAILED (with its fault) are whole again.
            touched += [ng for ng in task.nodegroups if ng.is_default and ng not in touched
                        and (ng.status or '').endswith('_FAILED')]
        for ng in touched:
            ng_values.setdefault(ng.uuid, {}).update(status=target, status_reason=None)
        values = self.done_values(task, values)
        values = {k: v for k, v in values.items() if hasattr(cluster, k) and k != 'status'}
        task.process_event(states.DONE, values=values, nodegroups=ng_values, end_operation=True)
        self.after_done(task)


registry.set_default(Handler('unknown'))
