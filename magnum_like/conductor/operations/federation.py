"""What each federation operation does to Heat, and how it ends.

One handler per operation of ``states.OPERATIONS`` whose subject is a
federation (``federation_create``, ``federation_update`` for join, unjoin and
properties, ``federation_delete``); the engine
(:mod:`magnum_like.conductor.federations`) finds it through
:func:`handler_of`, from the row's ``operation`` and the table.

Each step is idempotent across a conductor that dies at any point:

* before a create or update reaches Heat, the conductor writes a fresh token
  in ``operation_args`` (:data:`TOKEN`) and sends it with the call as the
  stack's ``operation_token`` parameter; a conductor taking over that finds a
  token recorded but no ``started`` reads the stack: showing the token, the
  call landed and is only watched; otherwise it never did and is made (once);
* a delete writes its token first too, and a stack already deleting (or gone)
  is watched, not deleted again;
* an end read from a stack summary (the batched list, a notification) is
  checked against one GET of the stack: it must carry this operation's token,
  so an earlier action's end is never taken for this one's.
"""
from __future__ import annotations

from typing import Any

from oslo_log import log as logging
from oslo_utils import uuidutils

from magnum_like.common import heat
from magnum_like.conductor import federation_stack as fstack
from magnum_like.conductor.operations import registry
from magnum_like.conductor import states

LOG = logging.getLogger(__name__)

#: ``operation_args`` keys: the token of the call (written before it), when the
#: call was made or adopted (UTC), the stack it watches, the host's project.
TOKEN = 'token'
STARTED = 'started'
STACK = 'stack'
PROJECT = 'project'

Failed = fstack.Failed


class Busy(Exception):
    """Another action runs on the stack: the intent stays pending (the reconcile retries)."""


def handler_of(intent: str | None) -> 'FederationHandler | None':
    """The handler of a federation row's ``operation`` (None: no such operation)."""
    rule = states.FEDERATION_OPERATIONS.get(intent or '')
    return registry.get(rule.name) if rule is not None else None


class FederationHandler:
    """Common rules; subclasses say how the operation reaches Heat.

    :param name: its name in ``states.OPERATIONS``.
    """

    #: Whether the operation needs a host cluster able to take a deployment.
    needs_host = True
    #: Whether the watched stack may still show an earlier action's end.
    older_ends_seen = False

    def __init__(self, name: str) -> None:
        self.name = name
        self.rule = states.OPERATIONS[name]

    # -- starting -----------------------------------------------------------------
    def start(self, engine: Any, context: Any, fed: Any) -> dict | None:
        """Make (or find made) the operation's Heat call.

        :param engine: writes ``operation_args`` (``engine.record(uuid, values)``,
            under the reservation) before the call.
        :returns: the ``operation_args`` to keep while the stack is watched
            (:data:`STACK`, :data:`PROJECT`, the token), or None when the
            operation has nothing to watch (it is done).
        :raises Failed: it cannot go on (the reason is the ``status_reason``).
        :raises Busy: another action runs on the stack; retry later.
        """
        args = dict(fed.operation_args or {})
        host = fstack.host_of(fed, required=self.needs_host)
        args[PROJECT] = host.project_id if host is not None else fed.project_id
        client = heat.HeatClient(args[PROJECT])
        existing = fstack.find_stack(client, fstack.stack_name(fed.uuid))
        if self.landed(existing, args):
            LOG.info('Federation %s: the %s recorded before a conductor stopped reached Heat '
                     '(stack %s); watching it, not repeating it', fed.uuid, self.rule.intent,
                     existing.id)
            stack_id: str | None = existing.id
        else:
            stack_id = self.issue(engine, context, fed, client, host, existing, args)
        if stack_id is None:
            return None
        args[STACK] = stack_id
        return args

    def landed(self, stack: Any | None, args: dict) -> bool:
        """Whether the call recorded in ``args`` reached Heat (``stack``: as Heat shows it)."""
        return (stack is not None and bool(args.get(TOKEN))
                and fstack.token_of(stack) == args[TOKEN])

    def issue(self, engine: Any, context: Any, fed: Any, client: heat.HeatClient, host: Any,
              existing: Any | None, args: dict) -> str | None:
        raise NotImplementedError

    def _create(self, engine: Any, context: Any, fed: Any, client: heat.HeatClient, host: Any,
                args: dict) -> str:
        body = fstack.stack_body(context, fed, client, host, '')
        body['parameters'][fstack.TOKEN_PARAMETER] = self._record_token(engine, fed, args)
        try:
            return client.create_stack(body)
        except heat.Conflict:
            existing = fstack.find_stack(client, fstack.stack_name(fed.uuid))
            if existing is None:
                raise
            return existing.id

    @staticmethod
    def _record_token(engine: Any, fed: Any, args: dict) -> str:
        token = uuidutils.generate_uuid(dashed=False)
        args[TOKEN] = token
        engine.record(fed.uuid, {'operation_args': args})
        return token

    # -- ending -------------------------------------------------------------------
    def outcome(self, args: dict, status: str | None, updated: str | None) -> str | None:
        """``done``, ``fail`` or None (still running) for a stack's status."""
        if status is None or status.endswith('_IN_PROGRESS'):
            return None
        started = args.get(STARTED)
        if (self.older_ends_seen and not args.get(TOKEN) and isinstance(started, str)
                and updated and str(updated)[:19] < started[:19]):
            return None  # an earlier update's end, not ours (no token to tell: by time)
        if status.endswith('_FAILED'):
            return states.FAIL
        if status.endswith('_COMPLETE') and not status.startswith('DELETE'):
            return states.DONE
        return None

    def ours(self, stack: Any, args: dict) -> bool:
        """Whether ``stack`` (one GET) shows this operation's call, not an earlier one's."""
        return not args.get(TOKEN) or fstack.token_of(stack) == args[TOKEN]

    def when_gone(self, args: dict) -> tuple[str, str | None]:
        """The outcome when the watched stack is gone."""
        return states.FAIL, 'The federation stack %s disappeared from Heat.' % args.get(STACK)


@registry.register('federation_create')
class Create(FederationHandler):
    def issue(self, engine, context, fed, client, host, existing, args):
        if existing is not None:
            # Made by an attempt that recorded no token: the name is this federation's.
            return existing.id
        return self._create(engine, context, fed, client, host, args)


@registry.register('federation_update')
class Update(FederationHandler):
    older_ends_seen = True

    def issue(self, engine, context, fed, client, host, existing, args):
        if existing is None:
            # Its create failed before Heat had a stack (or it was deleted in Heat).
            return self._create(engine, context, fed, client, host, args)
        if existing.stack_status.endswith('_IN_PROGRESS'):
            raise Busy('stack %s is %s' % (existing.id, existing.stack_status))
        body = fstack.stack_body(context, fed, client, host, '')
        body['parameters'][fstack.TOKEN_PARAMETER] = self._record_token(engine, fed, args)
        try:
            client.update_stack(existing.id, body)
        except heat.Conflict as error:
            # Another action began meanwhile (or this very call did, retried after a
            # lost answer): the next pass reads the token back from the stack.
            raise Busy(heat.reason_of(error))
        return existing.id


@registry.register('federation_delete')
class Delete(FederationHandler):
    needs_host = False

    def landed(self, stack, args):
        return (stack is not None and bool(args.get(TOKEN))
                and str(stack.stack_status).startswith('DELETE'))

    def issue(self, engine, context, fed, client, host, existing, args):
        if existing is None:
            return None
        self._record_token(engine, fed, args)
        client.delete_stack(existing.id)
        return existing.id

    def outcome(self, args, status, updated):
        return {'DELETE_COMPLETE': states.DONE,
                'DELETE_FAILED': states.FAIL}.get(status or '')

    def ours(self, stack, args):
        return True

    def when_gone(self, args):
        return states.DONE, None
