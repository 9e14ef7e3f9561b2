"""Existence checks of the cloud resources a template or cluster names.

``CloudResources`` is the one interface the API uses to look up images
(Glance v2), flavors and keypairs (Nova) and networks and subnets (Neutron),
and to ask whether the cloud offers a service at all (Octavia);
``OpenStackCloudResources`` implements it over keystoneauth, against the real
services or the built-in simulator. Lookups take a name or an id, as the
Magnum clients allow both.

What one request costs the cloud:

* one keystoneauth session per request (per TLS setting), sending through one
  pooled ``requests`` session per process, so connections to Glance, Nova and
  Neutron are reused from request to request;
* each look-up once per request (a flavor named twice is fetched once);
* independent look-ups at the same time (:func:`gather`, a futurist pool);
* what was found remembered for ``[api] cloud_cache_ttl`` seconds
  (:data:`CACHE`), keyed by who may see it: an image, a network and a subnet per
  project (their visibility is per project: private, shared, community images;
  a project's own, shared and external networks), a public flavor fetched by id
  for every project (every project sees it), any other flavor per project
  (flavor access is per project; a name may mean another flavor elsewhere), a
  keypair per user (a keypair is its user's own). Misses are always asked
  again. The conductors resolve the external network's id for a stack without
  the cache (``remember=False``): a network made again under the same name is
  seen at once there.
"""
from __future__ import annotations

import functools
import os
import threading
import time
from typing import Any, Callable, Protocol

import futurist
from futurist import waiters
import requests

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging
from oslo_utils import uuidutils

from magnum_like import conf as ml_conf
from magnum_like.common import clients
from magnum_like.common import exception

CONF = ml_conf.CONF
LOG = logging.getLogger(__name__)

#: Look-ups of one request run at the same time in a pool of this many threads
#: (per process; shared by the request threads).
LOOKUP_THREADS = 8
#: What :class:`OpenStackCloudResources` looks up (``get_<kind>``).
_KINDS = ('image', 'flavor', 'keypair', 'network', 'subnet')
#: Entries :data:`CACHE` holds at most (the oldest go first).
CACHE_SIZE = 2000


class TTLCache:
    """A bounded, thread-safe map whose entries expire.

    :param clock: seconds, monotonic (tests pass their own).
    :param size: at most this many entries; a put beyond it drops the entry
        that expires first.
    """

    _MISSING = object()

    def __init__(self, clock: Callable[[], float] = time.monotonic, size: int = CACHE_SIZE):
        self.clock = clock
        self.size = size
        self._lock = threading.Lock()
        self._entries: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any:
        """The value, or None when absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self.clock():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: Any, value: Any, ttl: float) -> None:
        """Remember ``value`` for ``ttl`` seconds (0: not at all)."""
        if ttl <= 0:
            return
        with self._lock:
            if key not in self._entries and len(self._entries) >= self.size:
                now = self.clock()
                for stale in [k for k, (expires, _v) in self._entries.items() if expires <= now]:
                    del self._entries[stale]
                if len(self._entries) >= self.size:
                    del self._entries[min(self._entries, key=lambda k: self._entries[k][0])]
            self._entries[key] = (self.clock() + ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


#: Images and flavors the API looked up (see the module docstring).
CACHE = TTLCache()


class _PerProcess:
    """The lookup pool and the pooled HTTP session, made again after a fork
    (``magnum-like-api`` forks its workers; neither threads nor sockets survive it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._pool: futurist.ThreadPoolExecutor | None = None
        self._http: requests.Session | None = None

    def _ensure(self) -> None:
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._pool = futurist.ThreadPoolExecutor(max_workers=LOOKUP_THREADS)
                    http = requests.Session()
                    adapter = requests.adapters.HTTPAdapter(
                        pool_connections=8, pool_maxsize=max(LOOKUP_THREADS, 16))
                    http.mount('http://', adapter)
                    http.mount('https://', adapter)
                    self._http = http
                    self._pid = os.getpid()

    def pool(self) -> futurist.ThreadPoolExecutor:
        self._ensure()
        return self._pool

    def http(self) -> requests.Session:
        self._ensure()
        return self._http


_PROCESS = _PerProcess()


def pool() -> futurist.ThreadPoolExecutor:
    """This process's pool for independent calls of one request (made again after a fork)."""
    return _PROCESS.pool()


def _remembered_answer(function: Callable, args: tuple) -> Any:
    """What :data:`CACHE` already holds for ``function(*args)`` (a look-up of
    :class:`OpenStackCloudResources`, possibly a ``functools.partial`` of one), or None."""
    kwargs: dict = {}
    if isinstance(function, functools.partial):
        args, kwargs, function = function.args + tuple(args), function.keywords, function.func
    owner = getattr(function, '__self__', None)
    if not isinstance(owner, OpenStackCloudResources):
        return None
    return owner.remembered(function.__name__, tuple(args), kwargs)


def gather(calls: list[tuple[Callable, tuple]]) -> list:
    """Run independent look-ups ``[(function, args), ...]`` at the same time.

    Look-ups :data:`CACHE` answers are answered at once, without the pool; a
    single remaining one runs in the caller's thread.

    :returns: their results, in order.
    :raises: the exception of the first call (in order) that failed, once all ended.
    """
    results = [_remembered_answer(function, args) for function, args in calls]
    pending = [i for i, found in enumerate(results) if found is None]
    if len(pending) <= 1:
        for i in pending:
            results[i] = calls[i][0](*calls[i][1])
        return results
    futures = {i: _PROCESS.pool().submit(calls[i][0], *calls[i][1]) for i in pending}
    waiters.wait_for_all(list(futures.values()))
    for i in pending:
        error = futures[i].exception()
        if error is not None:
            raise error
        results[i] = futures[i].result()
    return results


class CloudResources(Protocol):
    """What the API checks in the cloud before it accepts a template or cluster."""

    def get_image(self, ident: str) -> dict:
        """The Glance image with this name or id.

        :raises ImageNotFound: no such image.
        :raises ConflictMultipleResources: several images carry the name.
        """

    def get_flavor(self, ident: str) -> dict:
        """:raises FlavorNotFound:"""

    def get_keypair(self, name: str) -> dict:
        """:raises KeyPairNotFound:"""

    def get_network(self, ident: str, *, external: bool = False) -> dict:
        """:raises ExternalNetworkNotFound: or FixedNetworkNotFound."""

    def get_subnet(self, ident: str) -> dict:
        """:raises FixedSubnetNotFound:"""

    def has_service(self, service_type: str) -> bool:
        """Whether the cloud offers ``service_type`` (e.g. ``load-balancer``).

        :raises ServiceUnavailable: the catalog could not be read.
        """


class OpenStackCloudResources:
    """``CloudResources`` over Glance, Nova and Neutron REST calls.

    :param context: the request context whose credentials the calls use.
    :param remember: use :data:`CACHE` (the API's checks); False asks the cloud
        every time.
    """

    def __init__(self, context=None, *, remember: bool = True):
        self._context = context
        self._project = getattr(context, 'project_id', None)
        self._user = getattr(context, 'user_id', None)
        self._remember = remember
        self._lock = threading.Lock()
        self._adapters: dict = {}
        self._sessions: dict = {}
        self._done: dict = {}

    def _adapter(self, group: str):
        with self._lock:
            if group not in self._adapters:
                opts = CONF[group]
                verify = False if opts.insecure else (opts.ca_file or True)
                if verify not in self._sessions:
                    self._sessions[verify] = clients.make_session(self._context,
                                                                  http=_PROCESS.http())
                self._adapters[group] = clients.make_adapter(
                    group, self._context, session=self._sessions[verify])
            return self._adapters[group]

    def _once(self, key: tuple, lookup: Callable[[], dict]) -> dict:
        """``lookup()``'s answer, asked at most once per request for ``key``
        (concurrent askers wait for the first)."""
        with self._lock:
            event = self._done.get(key)
            if event is None:
                self._done[key] = threading.Event()
        if event is not None:
            event.wait()
            outcome = self._done[key + ('outcome',)]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        try:
            outcome = lookup()
        except BaseException as error:
            self._done[key + ('outcome',)] = error
            raise
        else:
            self._done[key + ('outcome',)] = outcome
            return outcome
        finally:
            self._done[key].set()

    def _get(self, group: str, path: str, **params) -> dict | None:
        """GET a JSON document; None on 404; 503 when the service is down."""
        service = group.split('_')[0].capitalize()
        try:
            resp = self._adapter(group).get(path, params=params or None, raise_exc=False)
        except (ks_exc.ConnectionError, ks_exc.EndpointNotFound, ks_exc.DiscoveryFailure,
                ks_exc.EmptyCatalog) as e:
            raise exception.ServiceUnavailable(service=service, reason=str(e))
        except ks_exc.ClientException as e:
            raise exception.ServiceUnavailable(service=service, reason=str(e))
        if resp.status_code == 404:
            return None
        if resp.status_code in (401, 403):
            why = ("it refused the caller's token (expired, revoked, or its user or "
                   'project deleted)' if resp.status_code == 401
                   else 'it does not let the caller read %s' % path)
            raise exception.AuthorizationFailure(
                client=service, message='%s answered HTTP %d: %s.' % (service, resp.status_code,
                                                                      why))
        if resp.status_code >= 400:
            raise exception.ServiceUnavailable(
                service=service, reason='HTTP %d from %s' % (resp.status_code, path))
        try:
            return resp.json()
        except ValueError:
            raise exception.ServiceUnavailable(service=service, reason='invalid JSON reply')

    def _by_name(self, items: list, name: str, resource: str) -> dict | None:
        matches = [i for i in items if i.get('name') == name]
        if len(matches) > 1:
            raise exception.ConflictMultipleResources(resource=resource, name=name)
        return matches[0] if matches else None

    def _keys(self, kind: str, ident: str, external: bool = False) -> tuple:
        """Where :data:`CACHE` keeps a look-up's answer: by who may see it (module docstring)."""
        if kind == 'flavor':
            return (('flavor', self._project, ident), ('flavor', None, ident))
        if kind == 'keypair':
            return (('keypair', self._user, ident),)
        if kind == 'network':
            return (('network', self._project, ident, external),)
        return ((kind, self._project, ident),)

    def _peek(self, kind: str, ident: str, external: bool = False) -> dict | None:
        """What :data:`CACHE` holds for this look-up, or None; asks no one."""
        if not self._remember:
            return None
        for key in self._keys(kind, ident, external):
            found = CACHE.get(key)
            if found is not None:
                return found
        return None

    def remembered(self, method: str, args: tuple, kwargs: dict) -> dict | None:
        """:meth:`_peek` for a call ``self.<method>(*args, **kwargs)``; None for a call
        that is not a look-up. :func:`gather` answers such calls at once instead of
        handing them to its pool."""
        kind = method[4:] if method.startswith('get_') else None
        if kind not in _KINDS or len(args) != 1:
            return None
        return self._peek(kind, args[0], bool(kwargs.get('external')))

    def _remembered(self, kind: str, ident: str, fetch: Callable[[], dict], *,
                    external: bool = False) -> dict:
        """``fetch()``'s answer, from :data:`CACHE` while it is fresh."""
        found = self._peek(kind, ident, external)
        if found is None:
            found = fetch()
            if self._remember:
                keys = self._keys(kind, ident, external)
                if kind == 'flavor':   # a public flavor named by id: the same for everyone
                    public = (found.get('os-flavor-access:is_public', True)
                              and found.get('id') == ident)
                    keys = keys[1:] if public else keys[:1]
                CACHE.put(keys[0], found, CONF.api.cloud_cache_ttl)
        return found

    def get_image(self, ident: str) -> dict:
        return self._once(('image', ident), lambda: self._remembered(
            'image', ident, lambda: self._fetch_image(ident)))

    def _fetch_image(self, ident: str) -> dict:
        image = None
        if uuidutils.is_uuid_like(ident):
            image = self._get('glance_client', '/v2/images/%s' % ident)
        if image is None:
            found = self._get('glance_client', '/v2/images', name=ident) or {}
            image = self._by_name(found.get('images', []), ident, 'images')
        if image is None:
            raise exception.ImageNotFound(image_id=ident)
        return image

    def get_flavor(self, ident: str) -> dict:
        return self._once(('flavor', ident), lambda: self._remembered(
            'flavor', ident, lambda: self._fetch_flavor(ident)))

    def _fetch_flavor(self, ident: str) -> dict:
        found = self._get('nova_client', '/flavors/%s' % ident)
        if found is not None:
            return found['flavor']
        listing = self._get('nova_client', '/flavors/detail') or {}
        flavor = self._by_name(listing.get('flavors', []), ident, 'flavors')
        if flavor is None:
            raise exception.FlavorNotFound(flavor=ident)
        return flavor

    def get_keypair(self, name: str) -> dict:
        return self._once(('keypair', name), lambda: self._remembered(
            'keypair', name, lambda: self._fetch_keypair(name)))

    def _fetch_keypair(self, name: str) -> dict:
        found = self._get('nova_client', '/os-keypairs/%s' % name)
        if found is None:
            raise exception.KeyPairNotFound(keypair=name)
        return found.get('keypair', found)

    def get_network(self, ident: str, *, external: bool = False) -> dict:
        return self._once(('network', ident, external), lambda: self._remembered(
            'network', ident, lambda: self._fetch_network(ident, external), external=external))

    def _fetch_network(self, ident: str, external: bool) -> dict:
        network = None
        if uuidutils.is_uuid_like(ident):
            found = self._get('neutron_client', '/v2.0/networks/%s' % ident)
            network = found and found.get('network')
        if network is None:
            found = self._get('neutron_client', '/v2.0/networks', name=ident) or {}
            network = self._by_name(found.get('networks', []), ident, 'networks')
        not_found = (exception.ExternalNetworkNotFound if external
                     else exception.FixedNetworkNotFound)
        if network is None:
            raise not_found(network=ident)
        if external and not network.get('router:external'):
            raise exception.InvalidParameterValue(
                err='external_network_id: network %s is not an external network '
                    '(router:external is false).' % ident)
        return network

    def get_subnet(self, ident: str) -> dict:
        return self._once(('subnet', ident), lambda: self._remembered(
            'subnet', ident, lambda: self._fetch_subnet(ident)))

    def _fetch_subnet(self, ident: str) -> dict:
        subnet = None
        if uuidutils.is_uuid_like(ident):
            found = self._get('neutron_client', '/v2.0/subnets/%s' % ident)
            subnet = found and found.get('subnet')
        if subnet is None:
            found = self._get('neutron_client', '/v2.0/subnets', name=ident) or {}
            subnet = self._by_name(found.get('subnets', []), ident, 'subnets')
        if subnet is None:
            raise exception.FixedSubnetNotFound(subnet=ident)
        return subnet

    def has_service(self, service_type: str) -> bool:
        """True when the service's ``[*_client] endpoint_override`` is set or the
        catalog (the caller's token, else the service's credentials) lists it."""
        from magnum_like.conf import clients as client_conf
        groups = [g for g, (kind, _v) in client_conf.SERVICES.items() if kind == service_type]
        if not groups:
            return False
        try:
            return bool(self._adapter(groups[0]).get_endpoint())
        except (ks_exc.EndpointNotFound, ks_exc.EmptyCatalog):
            return False
        except ks_exc.ClientException as e:
            raise exception.ServiceUnavailable(service='Keystone', reason=str(e))


def get_cloud_resources(context=None, *, remember: bool = True) -> CloudResources:
    """The ``CloudResources`` implementation for this request (``remember``: see
    :class:`OpenStackCloudResources`)."""
    return OpenStackCloudResources(context, remember=remember)


def external_network_id(context, ident: str | None) -> str | None:
    """The id of an external network a template may name by name, as Magnum
    resolves it for its stacks: services inside the cluster (the Octavia ingress
    controller) need the id. An id, or a name that cannot be looked up now, is
    returned as given (Heat itself accepts both), with a warning for the latter.
    """
    if not ident or uuidutils.is_uuid_like(ident):
        return ident
    try:
        return get_cloud_resources(context, remember=False).get_network(
            ident, external=True)['id']
    except (exception.MagnumLikeException, KeyError) as error:
        LOG.warning('External network %s: its id could not be looked up (%s); the '
                    'name is passed on', ident, error)
        return ident
