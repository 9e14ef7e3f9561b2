"""What each operation does to Heat, and how it ends.

:func:`start` carries out an accepted intent (``cluster.operation``) under a
:class:`~magnum_like.conductor.task.ClusterTask`: it renders the stack body
with the cluster's driver and makes the one Heat call the operation needs
(create, PATCH with ``existing=true``, delete), then records in
``operation_args`` that the action was issued and which stack to watch.
Every step is idempotent, so a conductor that died half-way is simply
replaced: a create first looks the stack up by its tags and name and adopts
it; a repeated PATCH is a no-op update.

:func:`outcome_of` reads a stack summary (from the batched list, a Heat
notification or a GET) and says whether the operation ended; :func:`finish`
then reads outputs or failed resources (only now), writes the result through
``process_event`` and cleans up (delete: certificates, trust, rows).
"""
from __future__ import annotations

import datetime
import importlib
from typing import Any

from oslo_log import log as logging

from magnum_like.common import cloud
from magnum_like.common import context as ml_context
from magnum_like.common import drivers as driver_registry
from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.common import trust
from magnum_like.conductor import node_choice
from magnum_like.conductor import states
from magnum_like.conductor import task as task_mod
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from magnum_like.drivers import base as driver_base

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

STARTED = task_mod.STARTED
STACK = task_mod.STACK

#: Outcome names :func:`outcome_of` returns (events of :mod:`states`, plus GONE).
GONE = 'gone'


# -- optional collaborators (PKI and trust are being written concurrently) ------

def _optional(module: str, name: str) -> Any | None:
    """``module.name`` if it exists yet, else None (logged once per call site)."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        LOG.debug('%s.%s is not available; skipping it', module, name)
        return None


def _call_optional(module: str, name: str, context: Any, *args: Any) -> Any:
    func = _optional(module, name)
    if func is None:
        return None
    return func(context or ml_context.get_admin_context(), *args)


# -- drivers and views ----------------------------------------------------------

def driver_for(template: Any) -> driver_base.Driver:
    """The driver of a cluster template: its ``driver``, or a ``provides`` match.

    :raises ClusterDriverNotSupported:
    """
    name = template.driver or driver_registry.find_by_type(
        template.server_type, template.cluster_distro, template.coe)
    if not name:
        raise exception.ClusterDriverNotSupported(
            driver_name='(%s, %s, %s)' % (template.server_type, template.cluster_distro,
                                          template.coe))
    return driver_registry.get_driver_class(name)()


def make_view(task: task_mod.ClusterTask, template: Any = None, *,
              for_render: bool = True) -> driver_base.ClusterView:
    """The driver's view of the task's cluster, with what the conductor supplies.

    :param for_render: add what rendering a stack body needs from elsewhere (the
        CA certificates and the trust, the external network's id); reading a
        stack's outputs or its resources to clean up does not, and skips those
        cert-manager and Neutron round trips.
    """
    from magnum_like.drivers.heat import driver as heat_driver
    cluster = task.cluster
    template = template or db.get_cluster_template_by_uuid(task.db_context,
                                                           cluster.cluster_template_id)
    extra: dict = {'stack_tags': [heat_driver.SERVICE_TAG, heat_driver.cluster_tag(cluster.uuid)],
                   'cluster_uuid': cluster.uuid, 'project_id': cluster.project_id}
    if for_render:
        extra['external_network_id'] = cloud.external_network_id(
            task.context, template.external_network_id)
        for module in ('magnum_like.conductor.pki', 'magnum_like.common.trust'):
            try:
                extra.update(_call_optional(module, 'heat_parameters', task.context, cluster)
                             or {})
            except exception.MagnumLikeException as error:
                # e.g. no certificates yet (a delete of a cluster whose create failed early)
                LOG.debug('Cluster %s: no %s parameters: %s', cluster.uuid, module, error)
    return driver_base.ClusterView(cluster=cluster, template=template,
                                   nodegroups=task.nodegroups, extra=extra)


def heat_for(cluster: Any) -> heat.HeatClient:
    """A Heat client for the cluster's project (service credentials or noauth)."""
    return heat.HeatClient(cluster.project_id)


def _iso(value: datetime.datetime) -> str:
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def _minutes(cluster: Any) -> int:
    if cluster.operation == 'create':
        return cluster.create_timeout or CONF.cluster.create_timeout
    return CONF.conductor.operation_timeout


# -- starting -------------------------------------------------------------------

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
    rule = states.OPERATIONS.get(operation)
    event = rule.event if rule else None
    if event is None:
        _fail(task, 'Unknown operation %r.' % operation)
        return
    if cluster.deadline is None:
        task.save({'deadline': task_mod.utcnow() + datetime.timedelta(minutes=_minutes(cluster))})
    try:
        task.process_event(event)  # checks the table; pending notification
    except states.InvalidTransition as error:
        LOG.warning('Cluster %s: refusing %s: %s', cluster.uuid, operation, error)
        task.save({'operation': None, 'operation_args': None, 'deadline': None})
        return
    handler = globals()['_start_' + operation]
    try:
        if operation != 'delete':
            # Act for the owner through the cluster's trust, never a user's token:
            # a vanished project or user ends the operation here, with that reason.
            trust.check_trust(cluster)
        started = handler(task)
    except (heat.NotFound,) as error:
        if operation == 'delete':
            finish_delete(task)
            return
        _fail(task, heat.reason_of(error))
        return
    except heat.heat_exc.HTTPException as error:
        if getattr(error, 'code', 0) >= 500:
            LOG.warning('Cluster %s: %s not started, Heat unavailable (%s); the reconcile '
                        'pass retries it', cluster.uuid, operation, heat.reason_of(error))
            return
        _fail(task, heat.reason_of(error))
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
        _fail(task, str(error))
        return
    except (exception.MagnumLikeException, ValueError, KeyError) as error:
        _fail(task, str(error))
        return
    except (heat.ks_exc.ConnectionError, heat.ks_exc.HttpServerError) as error:
        LOG.warning('Cluster %s: %s not started, a service is unreachable (%s); the '
                    'reconcile pass retries it', cluster.uuid, operation, error)
        return
    if started is not None:
        args = task.args
        args.update({STARTED: _iso(task_mod.utcnow()), STACK: started})
        task.save({'operation_args': args})


def _fail(task: task_mod.ClusterTask, reason: str) -> None:
    """End the operation ``*_FAILED`` with ``reason`` (no Heat reads)."""
    _finish_failed(task, None, reason)


def _adopt_or_create(client: heat.HeatClient, cluster_uuid: str, body: dict,
                     extra_tag: str | None = None) -> str:
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


def _start_create(task: task_mod.ClusterTask) -> str:
    context, cluster = task.context, task.cluster
    # The trust was made by the API with the request (common/trust.py).
    _call_optional('magnum_like.conductor.pki', 'ensure_cluster_certificates', context,
                   cluster.uuid)
    task.reload()
    view = make_view(task)
    body = driver_for(view.template).create_stack_body(view)
    stack_id = _adopt_or_create(heat_for(cluster), cluster.uuid, body)
    task.save({'stack_id': stack_id})
    for ng in task.nodegroups:
        if ng.is_default:
            db.update_nodegroup(cluster.uuid, ng.uuid, {'stack_id': stack_id})
    return stack_id


def _cluster_stack_id(task: task_mod.ClusterTask) -> str:
    if task.cluster.stack_id:
        return task.cluster.stack_id
    from magnum_like.drivers.heat import driver as heat_driver
    stack = heat_for(task.cluster).find_cluster_stack(
        task.uuid, name=heat_driver.stack_name(task.cluster))
    if stack is None:
        raise heat.NotFound('Cluster %s has no stack in Heat.' % task.uuid)
    return stack.id


def _patch(task: task_mod.ClusterTask, stack_id: str, body: dict) -> str:
    # Heat gives up on the update when the operation's own deadline comes.
    body = dict(body, timeout_mins=body.get('timeout_mins') or CONF.conductor.operation_timeout)
    try:
        heat_for(task.cluster).update_stack(stack_id, body)
    except heat.Conflict:
        # An update is already running: ours, issued by a conductor that died
        # before it could write that down. Watch it.
        LOG.info('Cluster %s: stack %s is already updating; watching it', task.uuid, stack_id)
    return stack_id


def _start_update(task: task_mod.ClusterTask) -> str:
    args = task.args
    ng = task.nodegroup(args.get('nodegroup')) or _default_worker(task)
    view = make_view(task)
    driver = driver_for(view.template)
    if ng is not None and not ng.is_default:
        named = args.get('nodes_to_remove')
        if named and ng.stack_id:
            _add_stack_outputs(task, view, ng.stack_id)
            named = node_choice.check_named(task, driver, view, ng, ng.stack_id, named)
        return _update_nodegroup_stack(task, driver, view, ng, named)
    stack_id = _cluster_stack_id(task)
    nodes_to_remove = args.get('nodes_to_remove')
    if nodes_to_remove and ng is not None:
        _add_stack_outputs(task, view, stack_id)
        nodes_to_remove = node_choice.check_named(task, driver, view, ng, stack_id,
                                                  nodes_to_remove)
    elif ng is not None and int(args.get('old_node_count') or 0) > (ng.node_count or 0):
        nodes_to_remove = node_choice.choose_nodes(
            task, driver, view, ng, load_outputs=lambda: _add_stack_outputs(task, view, stack_id))
    body = driver.update_stack_body(view, nodes_to_remove=nodes_to_remove,
                                    rollback=bool(args.get('rollback')))
    return _patch(task, stack_id, body)


def _add_stack_outputs(task: task_mod.ClusterTask, view: Any, stack_id: str) -> None:
    """The stack's current outputs as ``view.extra['stack_outputs']`` (drivers turn
    the node addresses a resize names into server ids with them)."""
    stack = heat_for(task.cluster).get_stack(stack_id)
    view.extra['stack_outputs'] = heat.outputs_of(stack)


_start_resize = _start_update


def _start_upgrade(task: task_mod.ClusterTask) -> str:
    args = task.args
    new_template = db.get_cluster_template_by_uuid(task.db_context, args['cluster_template'])
    view = make_view(task)
    driver = driver_for(view.template)
    batch = int(args.get('max_batch_size') or 1)
    ng = task.nodegroup(args.get('nodegroup')) if args.get('nodegroup') else None
    if ng is not None and not ng.is_default:
        # A node group with its own stack: upgrade that stack, not the cluster's.
        if not ng.stack_id:
            raise exception.NotSupported(operation='Upgrading node group %s (it has no '
                                                   'stack)' % ng.name)
        body = driver.nodegroup_update_body(view, ng, new_template=new_template,
                                            max_batch_size=batch)
        return _patch(task, ng.stack_id, body)
    body = driver.update_stack_body(view, new_template=new_template, max_batch_size=batch)
    return _patch(task, _cluster_stack_id(task), body)


def _start_rotate_ca(task: task_mod.ClusterTask) -> str:
    # The API already made the new CAs (pki.rotate_cluster_ca) and recorded the
    # old references in ``old_refs``: hand the new ones to the nodes.
    view = make_view(task)
    # The mapped parameters, re-rendered: the driver maps the new CAs (in
    # ``view.extra``) onto its templates.
    body = driver_for(view.template).refresh_stack_body(view)
    return _patch(task, _cluster_stack_id(task), body)


def _start_rotate_credential(task: task_mod.ClusterTask) -> str | None:
    # The API made the new trust with the caller's token (common/trust.py).
    rotated = trust.apply_rotation(task.uuid, task.args.get('new_trust') or {})
    if not (rotated or {}).get('trustee_user_id') or not _cluster_stack_id(task):
        # No trust to rotate (noauth, trusts off): the nodes hold nothing to update.
        task.process_event(states.DONE, end_operation=True)
        return None
    # The nodes get the new trustee password and trust through the stack.
    view = make_view(task)
    return _patch(task, _cluster_stack_id(task),
                  driver_for(view.template).refresh_stack_body(view))


def _update_nodegroup_stack(task: task_mod.ClusterTask, driver: Any, view: Any, ng: Any,
                            nodes_to_remove: Any) -> str:
    if not ng.stack_id:
        raise exception.NotSupported(operation='Resizing node group %s (it has no stack)'
                                     % ng.name)
    # NotSupported by default (drivers/base.py): the resize ends UPDATE_FAILED.
    body = driver.nodegroup_update_body(view, ng, nodes_to_remove=nodes_to_remove)
    return _patch(task, ng.stack_id, body)


def _start_nodegroup_create(task: task_mod.ClusterTask) -> str:
    ng = task.nodegroup(task.args.get('nodegroup'))
    if ng is None:
        raise exception.NodeGroupNotFound(nodegroup=task.args.get('nodegroup'))
    view = make_view(task)
    # What the node group joins (network, security groups, API address): the
    # cluster stack's outputs.
    cluster_stack = heat_for(task.cluster).get_stack(_cluster_stack_id(task))
    view.extra['cluster_stack_outputs'] = heat.outputs_of(cluster_stack)
    view.extra['cluster_stack_parameters'] = dict(getattr(cluster_stack, 'parameters', {}) or {})
    body = driver_for(view.template).nodegroup_stack_body(view, ng)
    tags = [t for t in str(body.get('tags') or '').split(',') if t]
    for tag in view.extra['stack_tags'] + [heat.nodegroup_tag(ng.uuid)]:
        if tag not in tags:
            tags.append(tag)
    body['tags'] = ','.join(tags)
    stack_id = _adopt_or_create(heat_for(task.cluster), task.uuid, body,
                                extra_tag=heat.nodegroup_tag(ng.uuid))
    db.update_nodegroup(task.uuid, ng.uuid, {'stack_id': stack_id})
    return stack_id


def _start_nodegroup_delete(task: task_mod.ClusterTask) -> str:
    ng = task.nodegroup(task.args.get('nodegroup'))
    if ng is None:
        raise exception.NodeGroupNotFound(nodegroup=task.args.get('nodegroup'))
    stack_id = ng.stack_id
    if not stack_id:
        stack = heat_for(task.cluster).find_cluster_stack(
            task.uuid, extra_tag=heat.nodegroup_tag(ng.uuid))
        stack_id = stack.id if stack is not None else None
    if stack_id:
        heat_for(task.cluster).delete_stack(stack_id)
        return stack_id
    return 'none'  # nothing in Heat: the next pass sees it gone


def _start_delete(task: task_mod.ClusterTask) -> str | None:
    """Delete the cloud provider's load balancers (waiting until they are gone,
    see :mod:`magnum_like.conductor.cleanup`), then the node-group stacks and
    the cluster stack. Load balancers still there after ``[conductor]
    lb_cleanup_timeout`` (or Octavia failing) leave the delete pending: the
    reconcile pass starts it again, until its deadline.
    """
    from magnum_like.conductor import cleanup
    client = heat_for(task.cluster)
    try:
        view = make_view(task, for_render=False)
        to_clean = driver_for(view.template).resources_to_clean(view)
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
            LOG.warning('Cluster %s: cleaning up load balancers failed (%s); the delete is '
                        'retried by the reconcile pass', task.uuid, error)
            return None
    for ng in task.nodegroups:
        if not ng.is_default and ng.stack_id:
            client.delete_stack(ng.stack_id)
    stack_id = task.cluster.stack_id
    if not stack_id:
        from magnum_like.drivers.heat import driver as heat_driver
        stack = client.find_cluster_stack(task.uuid, name=heat_driver.stack_name(task.cluster))
        stack_id = stack.id if stack is not None else None
    if not stack_id:
        finish_delete(task)
        return None  # type: ignore[return-value]
    client.delete_stack(stack_id)
    return stack_id


def _default_worker(task: task_mod.ClusterTask) -> Any | None:
    for ng in task.nodegroups:
        if ng.is_default and ng.role != 'master':
            return ng
    return None


# -- ending ---------------------------------------------------------------------

def outcome_of(operation: str, args: dict, status: str | None,
               updated: str | None) -> str | None:
    """Whether the watched stack's ``status`` ends ``operation``.

    :param status: the stack's ``ACTION_STATUS`` (None: the stack is gone).
    :param updated: the stack's ``updated_time`` (to ignore an older UPDATE).
    :returns: ``done``, ``fail``, ``rolled_back``, ``rollback_failed``, :data:`GONE`, or None.
    """
    if status is None:
        return GONE
    action, _, result = status.partition('_')
    if result == 'IN_PROGRESS':
        return None
    if operation in ('delete', 'nodegroup_delete'):
        if action != 'DELETE':
            return None
        return states.DONE if result == 'COMPLETE' else states.FAIL
    if operation in ('create', 'nodegroup_create'):
        if action == 'DELETE':
            return GONE
        if action != 'CREATE':
            return None
        return states.DONE if result == 'COMPLETE' else states.FAIL
    if action not in ('UPDATE', 'ROLLBACK'):
        return None
    started = args.get(STARTED)
    if started and updated and updated < started[:19]:
        return None  # a previous update's result
    if action == 'ROLLBACK':
        return states.ROLLED_BACK if result == 'COMPLETE' else states.ROLLBACK_FAILED_EVENT
    return states.DONE if result == 'COMPLETE' else states.FAIL


def _restore_counts(task: task_mod.ClusterTask) -> dict:
    """``{ng uuid: {'node_count': old}}`` for the node group a failed change touched."""
    args = task.args
    if task.cluster.operation not in ('update', 'resize') or args.get('old_node_count') is None:
        return {}
    ng = task.nodegroup(args.get('nodegroup')) or _default_worker(task)
    return {ng.uuid: {'node_count': int(args['old_node_count'])}} if ng is not None else {}


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


def finish(task: task_mod.ClusterTask, outcome: str, *, stack_id: str | None = None,
           reason: str | None = None) -> None:
    """End the task's operation with ``outcome`` (see :func:`outcome_of`).

    Reads the stack's outputs on success and its failed resources on failure.
    """
    cluster, operation, args = task.cluster, task.cluster.operation, task.args
    stack_id = stack_id or args.get(STACK) or cluster.stack_id
    if operation == 'delete':
        if outcome in (states.DONE, GONE):
            finish_delete(task)
        else:
            _finish_failed(task, stack_id, reason)
        return
    if operation == 'nodegroup_delete':
        if outcome in (states.DONE, GONE):
            ng = task.nodegroup(args.get('nodegroup'))
            if ng is not None:
                try:
                    db.destroy_nodegroup(task.uuid, ng.uuid)
                except exception.NodeGroupNotFound:
                    pass
            task.reload()
            task.process_event(states.DONE, end_operation=True)
        else:
            _finish_failed(task, stack_id, reason)
        return
    if outcome == GONE:
        _fail(task, reason or 'Stack with id %s not found in Heat.' % stack_id)
        return
    if outcome != states.DONE:
        _finish_failed(task, stack_id, reason, outcome=outcome)
        return
    try:
        trust.check_trust(cluster)  # the owner's project or user went away meanwhile?
    except exception.ClusterTrustInvalid as error:
        _fail(task, str(error))
        return
    except (heat.ks_exc.ConnectionError, heat.ks_exc.HttpServerError) as error:
        LOG.warning('Cluster %s: trust not checked (%s); finishing anyway', task.uuid, error)
    client = heat_for(cluster)
    stack = client.get_stack(stack_id)
    values: dict = {}
    ng_values: dict = {}
    if operation != 'nodegroup_create':
        view = make_view(task, for_render=False)
        driver = driver_for(view.template)
        values, ng_values = driver.fields_from_stack(view, heat.outputs_of(stack),
                                                     getattr(stack, 'parameters', {}) or {})
    target = states.next_status(cluster.status, states.DONE)
    if operation == 'nodegroup_create':
        target = states.CREATE_COMPLETE  # the new node group's own status (the cluster's: UPDATE_*)
    touched = _touched_nodegroups(task)
    if stack_id == cluster.stack_id:
        # The cluster stack is complete: default groups an earlier failure of it
        # left *_FAILED (with its fault) are whole again.
        touched += [ng for ng in task.nodegroups if ng.is_default and ng not in touched
                    and (ng.status or '').endswith('_FAILED')]
    for ng in touched:
        ng_values.setdefault(ng.uuid, {}).update(status=target, status_reason=None)
    if operation == 'upgrade':
        values['cluster_template_id'] = args['cluster_template']
        # The cluster's labels follow the new template's (kube_tag ...), so the
        # next upgrade compares against what now runs.
        new_template = db.get_cluster_template_by_uuid(task.db_context,
                                                       args['cluster_template'])
        labels = dict(cluster.labels or {})
        labels.update(getattr(new_template, 'labels', None) or {})
        values['labels'] = labels
    values = {k: v for k, v in values.items() if hasattr(cluster, k) and k != 'status'}
    task.process_event(states.DONE, values=values, nodegroups=ng_values, end_operation=True)
    if operation == 'rotate_ca' and args.get('old_refs'):
        _call_optional('magnum_like.conductor.pki', 'delete_refs', task.context,
                       args['old_refs'])


def _touched_nodegroups(task: task_mod.ClusterTask) -> list[Any]:
    """The node groups whose status an operation's outcome sets: an upgrade of a
    default group changes the cluster stack, so every default group (masters
    and workers are replaced) ends with its outcome."""
    operation, args = task.cluster.operation, task.args
    ident = args.get('nodegroup')
    ng = task.nodegroup(ident) if ident else None
    if operation == 'create' or operation == 'upgrade' and (ng is None or ng.is_default):
        return [ng for ng in task.nodegroups if ng.is_default]
    if ng is None and operation in ('update', 'resize'):
        ng = _default_worker(task)
    return [ng] if ng is not None else []


def _finish_failed(task: task_mod.ClusterTask, stack_id: str | None, reason: str | None,
                   outcome: str = states.FAIL) -> None:
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
    ng_status = states.next_status(task.cluster.status, outcome)
    if task.cluster.operation == 'nodegroup_create':
        ng_status = states.CREATE_FAILED
    for ng in _touched_nodegroups(task):
        ng_values.setdefault(ng.uuid, {'status': ng_status, 'status_reason': reason})
    for ng_uuid, values in _restore_counts(task).items():
        ng_values.setdefault(ng_uuid, {}).update(values)
    task.process_event(outcome, reason=reason, nodegroups=ng_values, end_operation=True)


def finish_delete(task: task_mod.ClusterTask) -> None:
    """The cluster's stacks are gone: certificates, trust, then the rows."""
    _call_optional('magnum_like.conductor.pki', 'delete_cluster_certificates', task.context,
                   task.uuid)
    trust.delete_trust(None, task.uuid)
    task.process_event(states.DONE, end_operation=True)
    task.destroy()
