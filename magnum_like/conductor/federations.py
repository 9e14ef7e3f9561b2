"""Federations as conductor work (DESIGN §10): a Heat stack on the host cluster, tracked.

The API writes the intent on the federation row (``operation`` create,
update or delete; the pending ``join``/``leave`` in ``operation_args``; a
``deadline``) and casts ``process_federation``. :class:`FederationEngine`:

* :meth:`~FederationEngine.process` (the cast, or the reconcile pass): take
  the row's reservation (a live conductor holding it does the work) and issue
  the one Heat call the operation needs. The federation stack lives in the
  host's project, is named after the federation's uuid (``federation-<uuid>``)
  and tagged like every stack of the service plus ``federation_uuid=<uuid>``;
  a create finds an existing stack by that name and adopts it, an update is a
  PATCH, so a conductor that died half-way is simply replaced. What was issued
  is written in ``operation_args`` (``started``: when, UTC, so an earlier
  update's ``UPDATE_COMPLETE`` is not mistaken for this one; ``stack``;
  ``project``: the host's).
* :meth:`~FederationEngine.sync` (every tracking pass, on the same hash ring
  as clusters): reconcile intents whose cast was lost, fail those past their
  deadline, and read the started ones' stacks with **one** stack list per
  pass (the service tag, every project); a stack not listed costs one GET.
* :meth:`~FederationEngine.on_event`: Heat's notification for a federation
  stack ends its operation at once.

The stack runs ``fragments/federation/configure-federation.sh`` on each of
the host's masters (``templates/federation.yaml``) with the members' list:
per member its API address, its CA certificate and a client certificate for
the federation controller's identity signed by that member's CA
(``pki.federation_credential``), in a hidden parameter.
"""
from __future__ import annotations

import contextlib
import datetime
import json
import os
from typing import Any, Iterator

from heatclient import exc as heat_exc
from oslo_log import log as logging

from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.common import heat
from magnum_like.conductor import db_watch
from magnum_like.pki import certificates as pki
from magnum_like.conductor import states
from magnum_like.conductor import task as task_mod
from magnum_like.db import api as db

LOG = logging.getLogger(__name__)

FEDERATION_TAG_PREFIX = 'federation_uuid='
STARTED = 'started'
STACK = 'stack'

_DRIVER_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'drivers', 'heat', 'k8s_fedora')
TEMPLATE = os.path.join(_DRIVER_DIR, 'templates', 'federation.yaml')
SCRIPT_NAME = 'fragments/federation/configure-federation.sh'
SCRIPT = os.path.join(_DRIVER_DIR, SCRIPT_NAME)

#: Statuses an operation ends in: (done, failed).
_ENDS = {'create': (states.CREATE_COMPLETE, states.CREATE_FAILED),
         'update': (states.UPDATE_COMPLETE, states.UPDATE_FAILED),
         'delete': (states.DELETE_COMPLETE, states.DELETE_FAILED)}


class Failed(Exception):
    """The operation cannot go on; the message is the ``status_reason``."""


def stack_name(federation_uuid: str) -> str:
    """The federation stack's name: the same every time, so it can be adopted."""
    return 'federation-%s' % federation_uuid


def federation_tag(uuid: str) -> str:
    """The tag naming the federation a stack belongs to."""
    return FEDERATION_TAG_PREFIX + uuid


def _read(path: str) -> str:
    with open(path, encoding='utf-8') as f:
        return f.read()


def _service_tag() -> str:
    from magnum_like.drivers.heat import driver as heat_driver
    return heat_driver.SERVICE_TAG


def _host(fed: Any) -> Any:
    admin = ml_context.get_admin_context()
    try:
        host = db.get_cluster_by_uuid(admin, fed.hostcluster_id)
    except exception.ClusterNotFound:
        raise Failed('The host cluster %s no longer exists.' % fed.hostcluster_id)
    if not host.stack_id:
        raise Failed('The host cluster %s has no stack to deploy onto.' % host.uuid)
    return host


def master_servers(client: heat.HeatClient, host: Any) -> dict[str, str]:
    """``{index: Nova server id}`` of the host cluster's masters (its master group)."""
    from magnum_like.common import nodes
    from magnum_like.drivers.heat import driver as heat_driver
    group = heat_driver.TemplateDefinition.group_resources['master']
    resources = client.node_resources(host.stack_id)
    top = next((r for r in resources if r.resource_name == group
                and not getattr(r, 'parent_resource', None)), None)
    if top is None or not top.physical_resource_id:
        return {}
    inner = str(top.physical_resource_id)
    servers: dict[str, str] = {}
    for member in resources:
        if (getattr(member, 'parent_resource', None) != group
                or nodes._stack_id_of(member) != inner or not member.physical_resource_id):
            continue
        if 'Nova::Server' in (member.resource_type or ''):
            servers[member.resource_name] = str(member.physical_resource_id)
            continue
        nested = str(member.physical_resource_id)
        for res in resources:
            if ('Nova::Server' in (res.resource_type or '') and res.physical_resource_id
                    and nodes._stack_id_of(res) == nested):
                servers[member.resource_name] = str(res.physical_resource_id)
    return dict(sorted(servers.items()))


def members_json(context: Any, fed: Any) -> str:
    """The members' list the node script reads (credentials included: a hidden parameter)."""
    admin = ml_context.get_admin_context()
    members = []
    for uuid in fed.member_ids or []:
        try:
            member = db.get_cluster_by_uuid(admin, uuid)
        except exception.ClusterNotFound:
            continue  # deleted: it is no longer a member
        if not member.api_address:
            raise Failed('Member cluster %s has no API address.' % uuid)
        try:
            credential = pki.federation_credential(context, member, fed.uuid)
        except exception.CertificateNotFound:
            raise Failed('Member cluster %s has no CA to sign the federation controller\'s '
                         'certificate with.' % uuid)
        address = member.api_address
        if '://' in address:
            address = address.split('://', 1)[1]
        address = address.split('/', 1)[0].rsplit(':', 1)[0] if ':' in address else address
        members.append({'name': member.name or member.uuid, 'uuid': member.uuid,
                        'api_address': address, **credential})
    return json.dumps(members)


def render(federation_uuid: str, host_uuid: str, servers: dict[str, str], members: str,
           timeout_mins: int) -> dict:
    """The federation stack's create (or PATCH) body from its values (no I/O but the files)."""
    return {
        'stack_name': stack_name(federation_uuid),
        'template': _read(TEMPLATE),
        'files': {SCRIPT_NAME: _read(SCRIPT)},
        'parameters': {'federation_uuid': federation_uuid, 'host_cluster_uuid': host_uuid,
                       'master_servers': json.dumps(servers), 'members_json': members},
        'tags': ','.join([_service_tag(), federation_tag(federation_uuid)]),
        'timeout_mins': timeout_mins,
        'disable_rollback': True,
    }


def stack_body(context: Any, fed: Any, client: heat.HeatClient, host: Any) -> dict:
    """The federation stack's body for ``fed`` on ``host`` (reads Heat and the members' CAs)."""
    servers = master_servers(client, host)
    if not servers:
        raise Failed('The host cluster %s has no master servers in its stack.' % host.uuid)
    from magnum_like import conf as ml_conf
    return render(fed.uuid, host.uuid, servers, members_json(context, fed),
                  ml_conf.CONF.conductor.operation_timeout)


def outcome_of(operation: str, args: dict, status: str | None,
               updated: str | None) -> str | None:
    """'done', 'fail' or None (still running) for a stack's status."""
    if status is None:
        return None
    started = args.get(STARTED)
    if (operation == 'update' and isinstance(started, str) and updated
            and str(updated)[:19] < started[:19]):
        return None  # an earlier update's end, not ours
    if status.endswith('_IN_PROGRESS'):
        return None
    if operation == 'delete':
        return 'done' if status == 'DELETE_COMPLETE' else (
            'fail' if status == 'DELETE_FAILED' else None)
    if status.endswith('_FAILED'):
        return 'fail'
    if status.endswith('_COMPLETE') and not status.startswith('DELETE'):
        return 'done'
    return None


class FederationEngine:
    """The conductor's federation work (see module docstring).

    :param clusters: the ``ClusterEngine`` whose host name, ring and pools it shares.
    """

    def __init__(self, clusters: Any) -> None:
        self.clusters = clusters

    @property
    def host(self) -> str:
        return self.clusters.host

    @contextlib.contextmanager
    def _held(self, uuid: str) -> Iterator[Any | None]:
        """The federation row, reserved by this conductor (None: a live one holds it)."""
        row = db.reserve_federation(uuid, self.host, self.clusters.ring.hosts)
        if row is None:
            yield None
            return
        try:
            yield row
        finally:
            db.write_reserved_federation(uuid, self.host, {}, release=True)

    def _save(self, uuid: str, values: dict) -> None:
        db.write_reserved_federation(uuid, self.host, values)

    # -- RPC --------------------------------------------------------------------
    def process(self, context: Any, uuid: str) -> None:
        """Carry out the federation's recorded intent, if no live conductor holds it."""
        try:
            with self._held(uuid) as fed:
                if fed is None or fed.operation is None:
                    return
                if fed.deadline is not None and fed.deadline < task_mod.utcnow():
                    self._end(fed, 'fail', reason=self._late(fed))
                    return
                if STARTED in (fed.operation_args or {}):
                    return  # issued already: tracking watches it
                try:
                    self._start(context, fed)
                except Failed as error:
                    self._end(fed, 'fail', reason=str(error))
                except heat_exc.HTTPException as error:
                    if (getattr(error, 'code', 500) or 500) >= 500:
                        raise  # Heat is down or broken: the reconcile pass retries
                    self._end(fed, 'fail', reason='Heat refused the federation stack: %s'
                                                  % heat.reason_of(error))
        except exception.FederationNotFound:
            LOG.debug('Federation %s is gone', uuid)
        except Exception as error:
            if not db_watch.WATCH.failed(error, 'federation %s' % uuid):
                raise

    def _start(self, context: Any, fed: Any) -> None:
        host = _host(fed) if fed.operation != 'delete' else None
        if host is None:
            admin = ml_context.get_admin_context()
            try:
                host = db.get_cluster_by_uuid(admin, fed.hostcluster_id)
            except exception.ClusterNotFound:
                host = None
        issued = task_mod.utcnow().strftime('%Y-%m-%dT%H:%M:%S')
        project = host.project_id if host else fed.project_id
        client = heat.HeatClient(project)
        args = dict(fed.operation_args or {}, project=project)
        existing = self._find_stack(client, fed)
        if fed.operation == 'delete':
            if existing is None:
                self._end(fed, 'done')
                return
            client.delete_stack(existing.id)
            args.update({STARTED: issued, STACK: existing.id})
        else:
            body = stack_body(context, fed, client, host)
            if existing is None:
                try:
                    stack_id = client.create_stack(body)
                except heat.Conflict:
                    existing = self._find_stack(client, fed)
                    if existing is None:
                        raise
                    stack_id = existing.id
            else:
                stack_id = existing.id
                if fed.operation == 'update' or existing.stack_status.endswith('FAILED'):
                    try:
                        client.update_stack(stack_id, body)
                    except heat.Conflict:
                        LOG.info('Federation %s: stack %s is already updating; watching it',
                                 fed.uuid, stack_id)
            args.update({STARTED: issued, STACK: stack_id})
        self._save(fed.uuid, {'operation_args': args})
        LOG.info('Federation %s: %s issued on stack %s', fed.uuid, fed.operation, args[STACK])

    @staticmethod
    def _find_stack(client: heat.HeatClient, fed: Any) -> Any | None:
        try:
            return client.get_stack(stack_name(fed.uuid), resolve_outputs=False)
        except heat.NotFound:
            return None

    @staticmethod
    def _late(fed: Any) -> str:
        return ('The federation %s did not finish in time (its deadline %s UTC passed); '
                'retry it.' % (fed.operation, fed.deadline.strftime('%Y-%m-%d %H:%M:%S')))

    def _end(self, fed: Any, outcome: str, *, reason: str | None = None) -> None:
        """Write the operation's end (a delete that succeeded removes the row)."""
        done, failed = _ENDS[fed.operation]
        if outcome == 'done' and fed.operation == 'delete':
            db.destroy_federation(fed.uuid)
            LOG.info('Federation %s deleted', fed.uuid)
            return
        status = done if outcome == 'done' else failed
        self._save(fed.uuid, {'status': status, 'status_reason': reason, 'operation': None,
                              'operation_args': None, 'deadline': None})
        LOG.log(20 if outcome == 'done' else 30, 'Federation %s: %s%s', fed.uuid, status,
                ' (%s)' % reason if reason else '')

    def _finish(self, uuid: str, stack_id: str | None, status: str | None,
                updated: str | None, *, gone: bool = False) -> None:
        """End the operation if the stack says it ended (under the reservation)."""
        with self._held(uuid) as fed:
            if fed is None or fed.operation is None:
                return
            args = fed.operation_args or {}
            if STARTED not in args or (stack_id and args.get(STACK) != stack_id):
                return
            if gone:
                if fed.operation == 'delete':
                    self._end(fed, 'done')
                else:
                    self._end(fed, 'fail', reason='The federation stack %s disappeared from '
                                                  'Heat.' % args.get(STACK))
                return
            outcome = outcome_of(fed.operation, args, status, updated)
            if outcome is None:
                return
            reason = None
            if outcome == 'fail':
                client = heat.HeatClient(args.get('project'))
                try:
                    stack = client.get_stack(args[STACK], resolve_outputs=False)
                    reason = heat.failure_reason(stack, client.failed_resources(args[STACK]))
                except heat.NotFound:
                    reason = 'The federation stack failed (%s).' % status
            self._end(fed, outcome, reason=reason)

    # -- periodic ---------------------------------------------------------------
    def sync(self) -> None:
        """One pass over this conductor's share of the federations (never raises)."""
        try:
            self._sync()
        except Exception as error:
            if not db_watch.WATCH.failed(error, 'federation pass'):
                LOG.exception('Federation pass of %s failed', self.host)

    def _sync(self) -> None:
        engine = self.clusters
        live = set(engine.ring.hosts)
        now = task_mod.utcnow()
        grace = datetime.timedelta(seconds=engine.conf.conductor.reconcile_grace)
        admin = ml_context.get_admin_context()
        watched = []
        for fed in db.get_federation_work_list():
            if not engine.ring.owns(fed.uuid):
                continue
            if fed.reservation and fed.reservation in live and fed.reservation != self.host:
                continue
            args = fed.operation_args or {}
            if fed.deadline is not None and fed.deadline < now:
                engine._submit(fed.uuid, self._deadline, fed.uuid)
            elif STARTED not in args:
                age = now - (fed.updated_at or fed.created_at or now)
                if fed.reservation or age >= grace:
                    LOG.info('Reconciling federation %s: %s was accepted %ds ago and not '
                             'started', fed.uuid, fed.operation, age.total_seconds())
                    engine._submit(fed.uuid, self.process, admin, fed.uuid)
            else:
                watched.append(fed)
        if not watched:
            return
        stacks = heat.HeatClient.service().list_stacks(tags=_service_tag(), global_tenant=True)
        by_id = {stack.id: stack for stack in stacks}
        for fed in watched:
            stack_id = (fed.operation_args or {}).get(STACK)
            stack = by_id.get(stack_id)
            if stack is None:
                engine._submit(fed.uuid, self._confirm_gone, fed.uuid, stack_id,
                               (fed.operation_args or {}).get('project'))
            else:
                engine._submit(fed.uuid, self._finish, fed.uuid, stack_id, stack.stack_status,
                               getattr(stack, 'updated_time', None))

    def _confirm_gone(self, uuid: str, stack_id: str, project: str | None) -> None:
        try:
            stack = heat.HeatClient(project).get_stack(stack_id, resolve_outputs=False)
        except heat.NotFound:
            self._finish(uuid, stack_id, None, None, gone=True)
            return
        self._finish(uuid, stack_id, stack.stack_status, getattr(stack, 'updated_time', None))

    def _deadline(self, uuid: str) -> None:
        with self._held(uuid) as fed:
            if (fed is not None and fed.operation and fed.deadline is not None
                    and fed.deadline < task_mod.utcnow()):
                self._end(fed, 'fail', reason=self._late(fed))

    # -- Heat notifications -----------------------------------------------------
    def on_event(self, payload: dict) -> bool:
        """Handle a notification if it is about a federation stack; says whether it was."""
        uuid = next((tag[len(FEDERATION_TAG_PREFIX):] for tag in payload.get('tags') or []
                     if isinstance(tag, str) and tag.startswith(FEDERATION_TAG_PREFIX)), None)
        if uuid is None:
            return False
        self.clusters._events.submit(self._event, uuid, payload)
        return True

    def _event(self, uuid: str, payload: dict) -> None:
        stack_id = payload.get('stack_identity')
        try:
            self._finish(uuid, stack_id, payload.get('state'), payload.get('updated_at'))
        except exception.FederationNotFound:
            pass
        except Exception as error:
            # Dropped: the tracking pass reads the stack again.
            if not db_watch.WATCH.failed(error, 'Heat event of federation %s' % uuid):
                LOG.exception('Handling Heat event for federation %s failed', uuid)
