"""How the health checks read each kind of cluster API (used by :mod:`.health`).

* Kubernetes: ``/healthz``, then every node's ``Ready`` condition;
* swarm: ``/nodes`` (each node's ``Status.State``);
* Mesos: ``/master/state`` (a leader, each agent ``active``).

Each probe is given the base URL, a urllib3 pool for it (mutual TLS set up by
the caller) and a timeout per request; what it finds is a :class:`Result` in
Magnum's reason shape (``{"api": "ok", "<node>.Ready": "True", ...}``). A
connection failure raises :class:`Unreachable` with stable words (the reason
is only written when it changes); an answer that is an error raises
:class:`Refused`.
"""
from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any
from urllib.parse import urlparse

from oslo_serialization import jsonutils
import urllib3

HEALTHY = 'HEALTHY'
UNHEALTHY = 'UNHEALTHY'
UNKNOWN = 'UNKNOWN'
#: Most nodes named in one reason (the column is a JSON document).
MAX_REASON_NODES = 500


@dataclasses.dataclass
class Node:
    """One node as the cluster's API shows it."""

    name: str
    ready: str
    server_id: str | None = None
    master: bool = False
    nodegroup: str | None = None


@dataclasses.dataclass
class Result:
    """What one check found."""

    status: str
    reason: dict
    nodes: list[Node] = dataclasses.field(default_factory=list)
    reachable: bool = True


class Unreachable(Exception):
    """The cluster's API could not be reached (no connection, timeout)."""


class Refused(Exception):
    """The cluster's API answered with an error."""


def _get(pool: Any, url: str, timeout: float) -> Any:
    """GET ``url`` through ``pool`` (a urllib3 pool or pool manager)."""
    try:
        response = pool.request('GET', url, timeout=urllib3.Timeout(total=timeout),
                                retries=False, preload_content=True)
    except urllib3.exceptions.SSLError:
        raise Refused('TLS handshake refused') from None
    except (urllib3.exceptions.HTTPError, OSError) as error:
        raise Unreachable(_cause(error)) from None
    if response.status >= 400:
        raise Refused('HTTP %d from %s' % (response.status, urlparse(url).path))
    return response


def _cause(error: BaseException) -> str:
    """Stable words for a connection failure (the reason is only written when it
    changes, so no addresses, ports or error numbers)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        nested = getattr(current, 'reason', None)
        current = (nested if isinstance(nested, BaseException)
                   else current.__cause__ or current.__context__)
    # The OS's own error first: urllib3's NewConnectionError is also a timeout class.
    for item in chain:
        if isinstance(item, ConnectionRefusedError):
            return 'connection refused'
        if isinstance(item, ConnectionResetError):
            return 'connection reset'
        if isinstance(item, OSError) and item.errno in (101, 113):
            return 'no route to the address'
    if any(isinstance(item, (TimeoutError, urllib3.exceptions.TimeoutError))
           for item in chain):
        return 'timed out'
    return 'connection failed'


def _json(response: Any) -> Any:
    try:
        return jsonutils.loads(response.data)
    except ValueError:
        raise Refused('the API answered with something that is not JSON') from None


def probe_kubernetes(base: str, pool: Any, timeout: float) -> Result:
    """``/healthz`` and every node's Ready condition."""
    body = _get(pool, base + '/healthz', timeout).data.decode('utf-8', 'replace').strip()
    if body != 'ok':
        return Result(UNHEALTHY, {'api': 'healthz: %s' % body[:100]})
    items = _json(_get(pool, base + '/api/v1/nodes', timeout)).get('items') or []
    nodes = []
    for item in items:
        meta = item.get('metadata') or {}
        labels = meta.get('labels') or {}
        ready = next((str(c.get('status')) for c in (item.get('status') or {}).get(
            'conditions') or [] if c.get('type') == 'Ready'), 'Unknown')
        provider = str((item.get('spec') or {}).get('providerID') or '')
        nodes.append(Node(name=str(meta.get('name')), ready=ready,
                          server_id=provider.rsplit('/', 1)[-1] or None,
                          master='node-role.kubernetes.io/master' in labels,
                          nodegroup=labels.get('magnum.openstack.org/nodegroup')))
    return _verdict(nodes, 'Ready')


def probe_swarm(base: str, pool: Any, timeout: float) -> Result:
    """``/nodes``: each node's state (``ready``) and its managers."""
    items = _json(_get(pool, base + '/nodes', timeout))
    nodes = []
    for item in items if isinstance(items, list) else []:
        status = item.get('Status') or {}
        name = (item.get('Description') or {}).get('Hostname') or item.get('ID')
        nodes.append(Node(name=str(name),
                          ready='True' if status.get('State') == 'ready' else 'False',
                          master=(item.get('Spec') or {}).get('Role') == 'manager'))
    return _verdict(nodes, 'Ready')


def probe_mesos(base: str, pool: Any, timeout: float) -> Result:
    """``/master/state``: a leader, and each agent active."""
    state = _json(_get(pool, base + '/master/state', timeout))
    if not state.get('leader'):
        return Result(UNHEALTHY, {'api': 'ok', 'leader': 'none'})
    nodes = [Node(name=str(agent.get('hostname')),
                  ready='True' if agent.get('active') else 'False')
             for agent in state.get('slaves') or []]
    return _verdict(nodes, 'Active')


def _verdict(nodes: list[Node], condition: str) -> Result:
    reason = {'api': 'ok'}
    for node in sorted(nodes, key=lambda n: n.name)[:MAX_REASON_NODES]:
        reason['%s.%s' % (node.name, condition)] = node.ready
    healthy = all(node.ready == 'True' for node in nodes)
    return Result(HEALTHY if healthy else UNHEALTHY, reason, nodes)


def endpoint(coe: str, api_address: str) -> tuple[str, bool]:
    """``(base URL, uses TLS)`` of a cluster's API for the checks."""
    parsed = urlparse(api_address if '://' in api_address else 'tcp://' + api_address)
    host = parsed.hostname or ''
    if ':' in host:
        host = '[%s]' % host
    if coe == 'mesos':
        return 'http://%s:%d' % (host, 5050), False
    if coe == 'kubernetes' and parsed.scheme == 'http':
        return 'http://%s:%d' % (host, parsed.port or 8080), False
    default = 2376 if coe in ('swarm', 'swarm-mode') else 6443
    return 'https://%s:%d' % (host, parsed.port or default), True


def private_address(host: str | None) -> bool:
    """Whether ``host`` is an address of a private network (not loopback)."""
    try:
        address = ipaddress.ip_address(host or '')
    except ValueError:
        return False  # a name: resolved (and judged) by the network
    return (address.is_private or address.is_link_local) and not address.is_loopback


PROBES = {'kubernetes': probe_kubernetes, 'swarm': probe_swarm, 'swarm-mode': probe_swarm,
          'mesos': probe_mesos}

