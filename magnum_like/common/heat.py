"""Heat, the way the conductor calls it: python-heatclient on a keystoneauth session.

One :class:`HeatClient` per project (noauth) or per credential: it knows the
endpoint (``[heat_client] endpoint_override``, whose ``%(project_id)s`` is the
cluster's project in noauth mode) and retries the calls that may succeed when
tried again (5xx, connection errors) with one policy. Every call is counted,
so the tracking cost can be measured (``CALLS``).

Stack identity is the cluster's: the stack is named from the cluster and
tagged with ``SERVICE_TAG`` and ``cluster_tag(uuid)``, so :meth:`find_cluster_stack`
finds a stack a dead conductor created before it could write its id down.
"""
from __future__ import annotations

import collections
import logging as py_logging
import re
import threading
import time
from typing import Any

from heatclient import client as heat_client
from heatclient import exc as heat_exc
from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging

from magnum_like.common import clients
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

NotFound = heat_exc.HTTPNotFound
Conflict = heat_exc.HTTPConflict
Forbidden = heat_exc.HTTPForbidden

#: Project id put in an ``endpoint_override`` for calls across projects.
SERVICE_PROJECT = 'service'

#: The loggers keystoneauth writes whole request bodies to (at DEBUG).
_REQUEST_LOGGERS = ('keystoneauth.session', 'keystoneauth.session.request')
#: A PEM private key, also as it appears JSON-escaped in a request body.
_PRIVATE_KEY = re.compile(r'-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----',
                          re.S)


class HidePrivateKeys(py_logging.Filter):
    """Masks PEM private keys in log records.

    Stack bodies carry private keys as (hidden) parameters: the masters'
    service-account key, and the cluster CA's key for clusters labelled
    ``cert_manager_api``; keystoneauth logs request bodies at DEBUG.
    """

    def filter(self, record: py_logging.LogRecord) -> bool:
        message = record.getMessage()
        if 'PRIVATE KEY' in message:
            record.msg, record.args = _PRIVATE_KEY.sub('<private key hidden>', message), None
        return True


def hide_private_keys_in_request_logs() -> None:
    """Put :class:`HidePrivateKeys` on keystoneauth's request loggers (once)."""
    for name in _REQUEST_LOGGERS:
        logger = py_logging.getLogger(name)
        if not any(isinstance(f, HidePrivateKeys) for f in logger.filters):
            logger.addFilter(HidePrivateKeys())


class CallCounter:
    """Counts Heat calls by kind (``list``, ``get``, ``create`` ...), thread-safely."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: collections.Counter = collections.Counter()

    def add(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)


#: Every Heat call this process made.
CALLS = CallCounter()


def _retriable(error: Exception) -> bool:
    if isinstance(error, heat_exc.HTTPException):
        return getattr(error, 'code', 0) >= 500
    return isinstance(error, (ks_exc.ConnectionError, ks_exc.RetriableConnectionFailure,
                              heat_exc.CommunicationError))


def call_with_retries(kind: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``func``, retrying 5xx and connection errors (``[conductor] heat_retries``).

    :raises: the last error when every attempt failed, or a non-retriable one at once.
    """
    delay = CONF.conductor.heat_retry_delay
    attempts = CONF.conductor.heat_retries + 1
    for attempt in range(1, attempts + 1):
        CALLS.add(kind)
        try:
            return func(*args, **kwargs)
        except Exception as error:
            if attempt == attempts or not _retriable(error):
                raise
            LOG.warning('Heat %s failed (%s); retry %d of %d in %.1fs', kind, error,
                        attempt, attempts - 1, delay)
            time.sleep(delay)
            delay *= 2
    raise AssertionError('unreachable')


def reason_of(error: Exception) -> str:
    """Heat's error message in plain words (no HTML, no traceback)."""
    if isinstance(error, heat_exc.HTTPException):
        message = getattr(error, 'error', None)
        if isinstance(message, dict):
            inner = message.get('error') or {}
            text = inner.get('message') or message.get('explanation') or message.get('title')
            if text:
                return 'Heat: %s' % str(text).split('\n')[0]
        return 'Heat answered %s' % getattr(error, 'code', '?')
    return '%s: %s' % (type(error).__name__, error)


class HeatClient:
    """The Heat calls the conductor makes, for one project.

    :param project_id: the cluster's project (fills ``%(project_id)s``).
    :param context: a request context with an ``auth_plugin`` (e.g. a trust),
        or None for the service's credentials.
    """

    def __init__(self, project_id: str | None, *, context: Any = None) -> None:
        hide_private_keys_in_request_logs()
        opts = CONF.heat_client
        endpoint = opts.endpoint_override
        if endpoint and '%(' in endpoint:
            endpoint = endpoint % {'project_id': project_id, 'tenant_id': project_id}
        session = clients.make_session(context)
        session.verify = False if opts.insecure else (opts.ca_file or True)
        self._client = heat_client.Client(
            opts.api_version or '1', session=session, service_type='orchestration',
            interface=opts.endpoint_type.replace('URL', ''), region_name=opts.region_name,
            endpoint_override=endpoint)

    @classmethod
    def service(cls) -> 'HeatClient':
        """A client for calls not bound to one project (the global stack list).

        With an ``endpoint_override`` naming ``%(project_id)s`` (noauth), the
        project in the URL is ``service``; with the catalog, the service's own.
        """
        return cls(SERVICE_PROJECT)

    # -- stacks -----------------------------------------------------------------
    def list_stacks(self, *, tags: str, global_tenant: bool = False,
                    **filters: Any) -> list[Any]:
        """Every stack carrying all of ``tags`` (comma separated), all pages.

        :param global_tenant: list the stacks of every project (Heat allows it
            only to a caller its ``stacks:global_index`` policy allows, e.g.
            admin; others get 403).
        """
        kwargs: dict = {'tags': tags, 'filters': filters or {}}
        if global_tenant:
            kwargs['global_tenant'] = True
        return call_with_retries('list_global' if global_tenant else 'list',
                                 lambda: list(self._client.stacks.list(**kwargs)))

    def get_stack(self, stack_id: str, *, resolve_outputs: bool = True) -> Any:
        """One stack by id or name.

        :raises NotFound:
        """
        return call_with_retries('get', self._client.stacks.get, stack_id,
                                 resolve_outputs=resolve_outputs)

    def find_cluster_stack(self, cluster_uuid: str, *, name: str | None = None,
                           extra_tag: str | None = None) -> Any | None:
        """The stack of a cluster (or of one of its node groups), by tag, then by name."""
        tags = [SERVICE_TAG, cluster_tag(cluster_uuid)]
        if extra_tag:
            tags.append(extra_tag)
        for stack in self.list_stacks(tags=','.join(tags)):
            stack_tags = set(getattr(stack, 'tags', None) or [])
            if extra_tag or not any(t.startswith(NODEGROUP_TAG_PREFIX) for t in stack_tags):
                return stack
        if name:
            try:
                return self.get_stack(name, resolve_outputs=False)
            except NotFound:
                return None
        return None

    def create_stack(self, body: dict) -> str:
        """Create a stack; returns its id.

        :raises Conflict: a stack of that name exists (adopt it instead).
        """
        answer = call_with_retries('create', self._client.stacks.create, **body)
        return answer['stack']['id']

    def update_stack(self, stack_id: str, body: dict) -> None:
        """PATCH-update a stack (``existing=true``)."""
        body = dict(body)
        body['existing'] = True
        call_with_retries('update', self._client.stacks.update, stack_id, **body)

    def delete_stack(self, stack_id: str) -> None:
        """Start deleting a stack; a stack already gone is not an error."""
        try:
            call_with_retries('delete', self._client.stacks.delete, stack_id)
        except NotFound:
            pass

    def node_resources(self, stack_id: str) -> list[Any]:
        """Every resource to two nested levels, with details (servers' names and
        addresses): what :mod:`magnum_like.common.nodes` matches node names with."""
        return call_with_retries('resources', lambda: list(self._client.resources.list(
            stack_id, nested_depth=2, with_detail=True)))

    def mark_unhealthy(self, stack_id: str, resource_name: str, reason: str,
                       unhealthy: bool = True) -> None:
        """Mark a resource (un)healthy: the next stack update replaces it."""
        call_with_retries('resources', lambda: self._client.resources.mark_unhealthy(
            stack_id, resource_name, unhealthy, reason))

    def failed_resources(self, stack_id: str) -> list[Any]:
        """Failed resources of the stack, nested stacks included (two levels)."""
        return call_with_retries('resources', lambda: list(self._client.resources.list(
            stack_id, nested_depth=2, filters={'status': 'FAILED'})))


# -- stack names and tags (the one place: drivers, conductor and tracking read these) --

#: Every stack the service creates carries this tag (the conductors list by it).
SERVICE_TAG = 'magnum_like'
#: Tag prefix naming the cluster a stack belongs to.
CLUSTER_TAG_PREFIX = 'cluster_uuid='
#: Tag prefix of the stacks of non-default node groups.
NODEGROUP_TAG_PREFIX = 'nodegroup_uuid='


def cluster_tag(uuid: str) -> str:
    """The tag naming the cluster a stack belongs to."""
    return CLUSTER_TAG_PREFIX + uuid


def stack_name(cluster: Any) -> str:
    """A stack name derived from the cluster: readable, valid for Heat, and the
    same every time (so a conductor that died after Heat accepted the stack
    finds it again instead of creating a second one)."""
    name = (cluster.name or 'cluster').lower()
    name = re.sub(r'[_.]', '-', name)
    name = re.sub(r'[^a-z0-9-]', '', name)[:30].strip('-')
    if not name or not name[0].isalpha():
        name = 'c' + name
    return '%s-%s' % (name, cluster.uuid.split('-')[0])


def nodegroup_tag(uuid: str) -> str:
    """The tag naming the node group a stack belongs to."""
    return NODEGROUP_TAG_PREFIX + uuid


def outputs_of(stack: Any) -> dict:
    """A stack's outputs as ``{key: value}``."""
    return {o.get('output_key'): o.get('output_value')
            for o in (getattr(stack, 'outputs', None) or [])}


def failure_reason(stack: Any, resources: list[Any]) -> str:
    """What failed, in plain words: the deepest failed resource and Heat's reason.

    e.g. ``Resource kube_masters/0 (OS::Nova::Server) create failed: No valid host
    was found``; without failed resources, the stack's own reason.
    """
    status = getattr(stack, 'stack_status', 'FAILED')
    causes = [r for r in resources
              if 'aborted' not in (getattr(r, 'resource_status_reason', '') or '')] or resources
    if causes:
        def depth(res: Any) -> tuple:
            return (bool(getattr(res, 'parent_resource', None)),
                    not getattr(res, 'resource_type', '').startswith('OS::Heat::'))
        worst = max(causes, key=depth)
        reason = getattr(worst, 'resource_status_reason', '') or ''
        reason = re.sub(r'^\w+: resources\.\S*?: ', '', reason)
        name = worst.resource_name
        if getattr(worst, 'parent_resource', None):
            name = '%s/%s' % (worst.parent_resource, name)
        return 'Resource %s (%s) %s: %s' % (
            name, worst.resource_type,
            (getattr(worst, 'resource_status', None) or status).lower().replace('_', ' '),
            reason)
    reason = getattr(stack, 'stack_status_reason', '') or ''
    return 'Stack %s is %s: %s' % (getattr(stack, 'stack_name', '?'), status, reason)
