"""The simulator: every simulated service on one loopback port.

``Simulator`` is the Python API tests use; ``magnum-like-cloudsim`` wraps it.
Each service lives under its own prefix (see :data:`PREFIXES`); ``GET /``
answers the map from service type to base URL.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Callable, Iterable, Optional, Union

import webob
from cheroot import wsgi as cheroot_wsgi

from magnum_like.cloudsim import catalog as catalog_mod
from magnum_like.cloudsim.admin import AdminAPI
from magnum_like.cloudsim.barbican import BarbicanAPI
from magnum_like.cloudsim.faults import Faults
from magnum_like.cloudsim.glance import GlanceAPI
from magnum_like.cloudsim.heat.api import HeatAPI
from magnum_like.cloudsim.heat.engine import Engine
from magnum_like.cloudsim.heat.model import Stack
from magnum_like.cloudsim.heat.scheduler import Scheduler
from magnum_like.cloudsim.neutron import NeutronAPI
from magnum_like.cloudsim.notify import Notifier
from magnum_like.cloudsim.identity import Identity
from magnum_like.cloudsim.nova import NovaAPI
from magnum_like.cloudsim.octavia import OctaviaAPI
from magnum_like.cloudsim.store import SNAPSHOT_VERSION, TABLES, Persistence, Store
from magnum_like.cloudsim.wsgi import HTTPError

LOG = logging.getLogger(__name__)

# service type -> URL prefix (the orchestration one gets /v1/%(project_id)s).
PREFIXES = {
    "orchestration": "/orchestration",
    "key-manager": "/key-manager",
    "compute": "/compute",
    "image": "/image",
    "network": "/network",
    "load-balancer": "/load-balancer",
}
_ENDPOINT_SUFFIX = {"orchestration": "/v1/%(project_id)s", "compute": "/v2.1"}


class Simulator:
    """The built-in cloud simulator.

    :param host: address to listen on (loopback by default).
    :param port: TCP port; 0 picks a free one (read :attr:`port` after start).
    :param state_file: SQLite file for persistence; ``None`` keeps state in memory.
    :param catalog: a catalog dict or YAML file path replacing the default.
    :param delays: seconds per resource type (``{"OS::Nova::Server": 0.5}``).
    :param default_delay: seconds for every other resource type.
    :param notify_url: oslo.messaging transport URL for Heat notifications.
    :param notify_topic: notification topic (default ``notifications``).
    :param notify_exchange: control exchange (default ``heat``).
    :param threads: HTTP worker threads.
    :param keystone_url: Keystone to validate tokens with, so keypairs belong to
        the token's user (see ``identity.py``); without it, ``X-User-Id`` or the
        default user.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 state_file: Optional[str] = None,
                 catalog: Union[None, str, dict[str, Any]] = None,
                 delays: Optional[dict[str, float]] = None, default_delay: float = 0.0,
                 notify_url: Optional[str] = None, notify_topic: str = "notifications",
                 notify_exchange: str = "heat", threads: int = 16,
                 keystone_url: Optional[str] = None) -> None:
        self.host = host
        self.port = port
        self.state_file = state_file
        if isinstance(catalog, str):
            catalog = catalog_mod.load_catalog(catalog)
        self.catalog: dict[str, Any] = catalog or catalog_mod.DEFAULT_CATALOG
        self.faults = Faults()
        self.store = Store()
        self.notifier = Notifier(notify_url, topic=notify_topic, exchange=notify_exchange)
        self.scheduler = Scheduler(self.store.lock)
        self.engine = Engine(self.store, self.faults, self.scheduler, delays=delays,
                             default_delay=default_delay, notifier=self.notifier)
        self._persistence: Optional[Persistence] = None
        self._counts_lock = threading.Lock()
        self._services: dict[str, Callable[[webob.Request, str], webob.Response]] = {
            "orchestration": HeatAPI(self.engine, self.store.lock),
            "key-manager": BarbicanAPI(self.store),
            "compute": NovaAPI(self.store, Identity(keystone_url)),
            "image": GlanceAPI(self.store),
            "network": NeutronAPI(self.store),
            "load-balancer": OctaviaAPI(self.store),
        }
        self._admin = AdminAPI(self)
        self._server: Optional[cheroot_wsgi.Server] = None
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> "Simulator":
        """Load state, start the engine and serve; returns ``self``."""
        restored = False
        if self.state_file:
            self._persistence = Persistence(self.state_file, self.store, self._dump)
            snapshot = self._persistence.load()
            if snapshot is not None:
                with self.store.lock:
                    self.store.restore_tables(snapshot["tables"])
                    self.engine.load(snapshot["stacks"])
                restored = True
            self.store.on_change(self._persistence.mark_dirty)
        if not restored:
            with self.store.lock:
                catalog_mod.seed(self.store, self.catalog)
        self.notifier.start()
        self.scheduler.start()
        if restored:
            with self.store.lock:
                self.engine.resume()
        if self._persistence is not None:
            self._persistence.start()
            self._persistence.mark_dirty()
        self._server = cheroot_wsgi.Server((self.host, self.port), self._wsgi,
                                           numthreads=16, server_name="cloudsim")
        self._server.prepare()
        self.port = self._server.bind_addr[1]
        self._thread = threading.Thread(target=self._server.serve, name="cloudsim-http",
                                        daemon=True)
        self._thread.start()
        LOG.info("cloudsim listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, stop the engine and write a final snapshot."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.scheduler.stop()
        if self._persistence is not None:
            self._persistence.stop()
        self.notifier.stop()

    def __enter__(self) -> "Simulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT``."""
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "http://%s:%d" % (host, self.port)

    @property
    def endpoints(self) -> dict[str, str]:
        """Service type -> base URL (orchestration keeps a literal ``%(project_id)s``)."""
        return {stype: self.url + prefix + _ENDPOINT_SUFFIX.get(stype, "")
                for stype, prefix in PREFIXES.items()}

    def heat_endpoint(self, project_id: str) -> str:
        """The Heat endpoint for one project (what heatclient's ``endpoint`` wants)."""
        return "%s/orchestration/v1/%s" % (self.url, project_id)

    # -- inspection helpers used by tests and the admin API ------------------------------

    def state(self) -> dict[str, Any]:
        """Counts of stacks by status and of every table."""
        with self.store.lock:
            stacks: dict[str, int] = {}
            nested = resources = 0
            for stack in self.engine.stacks.values():
                resources += len(stack.resources)
                if stack.parent_id:
                    nested += 1
                else:
                    stacks[stack.state] = stacks.get(stack.state, 0) + 1
            counts = {table: len(getattr(self.store, table)) for table in TABLES}
            return {"stacks": stacks, "stack_total": sum(stacks.values()),
                    "nested_stacks": nested, "resources": resources, "counts": counts,
                    "engine_steps": self.scheduler.steps,
                    "faults": len(self.faults.list())}

    def reset(self) -> None:
        """Forget everything and reseed the catalog (faults and records too)."""
        self.faults.clear()
        with self.store.lock:
            self.engine.stacks.clear()
            for table in TABLES:
                getattr(self.store, table).clear()
            self.store.rolling_batches.clear()
            catalog_mod.seed(self.store, self.catalog)
            self.store.changed()
        with self._counts_lock:
            self.store.request_counts.clear()
        self.notifier.log.clear()

    def rolling_batches(self, stack: Optional[str] = None,
                        resource: Optional[str] = None) -> list[dict[str, Any]]:
        """Recorded rolling-update batches, oldest first."""
        with self.store.lock:
            return [dict(b) for b in self.store.rolling_batches
                    if (stack is None or stack in (b["stack_id"], b["stack_name"]))
                    and (resource is None or b["resource"] == resource)]

    def request_counts(self) -> dict[str, int]:
        """Requests served per service type (and ``_sim``)."""
        with self._counts_lock:
            return dict(self.store.request_counts)

    def find_stack(self, name_or_id: str, project: Optional[str] = None) -> Optional[Stack]:
        """Find a top-level stack by name or id (any project unless given)."""
        with self.store.lock:
            for stack in self.engine.stacks.values():
                if stack.parent_id is None and name_or_id in (stack.id, stack.name) \
                        and (project is None or stack.project == project):
                    return stack
        return None

    def wait_stack(self, name_or_id: str, timeout: float = 30.0,
                   project: Optional[str] = None) -> str:
        """Wait until a stack is no longer in progress; return its status string.

        Returns ``"NOT_FOUND"`` once it is gone (e.g. after delete).
        """
        deadline = time.monotonic() + timeout
        while True:
            stack = self.find_stack(name_or_id, project)
            if stack is None:
                return "NOT_FOUND"
            if not stack.in_progress or time.monotonic() > deadline:
                return stack.state
            time.sleep(0.01)

    # -- persistence ----------------------------------------------------------------------

    def _dump(self) -> dict[str, Any]:
        return {"version": SNAPSHOT_VERSION, "tables": self.store.snapshot_tables(),
                "stacks": self.engine.dump()}

    def save(self) -> None:
        """Write a snapshot now (no-op without a state file)."""
        if self._persistence is not None:
            self._persistence.save()

    # -- HTTP -----------------------------------------------------------------------------

    def _root(self, req: webob.Request) -> webob.Response:
        resp = webob.Response(content_type="application/json", charset="UTF-8")
        resp.json_body = self.endpoints
        return resp

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]
              ) -> Iterable[bytes]:
        req = webob.Request(environ)
        path = req.path_info or "/"
        service, handler, rest = self._route(path)
        with self._counts_lock:
            counts = self.store.request_counts
            counts[service or "root"] = counts.get(service or "root", 0) + 1
        try:
            if handler is None:
                resp = self._root(req) if path in ("/", "") else webob.Response(
                    status=404, content_type="application/json",
                    body=b'{"error": {"code": 404, "message": "Unknown service prefix"}}')
            else:
                fault = self.faults.api_fault(service) if service != "_sim" else None
                if fault is not None:
                    delay, status = fault
                    if delay:
                        time.sleep(delay)
                    if status:
                        formatter = getattr(handler, "router")._format_error
                        return formatter(HTTPError(status, "Simulated fault: the service "
                                                           "is unavailable",
                                                   "ServiceUnavailable"))(environ,
                                                                          start_response)
                resp = handler(req, rest)
        except Exception:  # noqa: BLE001 - never show a traceback to a client
            LOG.exception("cloudsim: unhandled error on %s %s", req.method, path)
            formatter = getattr(handler, "router", None)
            error = HTTPError(500, "The simulator failed to handle this request.",
                              "InternalError")
            resp = formatter._format_error(error) if formatter else webob.Response(status=500)
        return resp(environ, start_response)

    def _route(self, path: str) -> tuple[Optional[str], Any, str]:
        if path == "/_sim" or path.startswith("/_sim/"):
            return "_sim", self._admin, path[len("/_sim"):] or "/"
        for service, prefix in PREFIXES.items():
            if path == prefix or path.startswith(prefix + "/"):
                return service, self._services[service], path[len(prefix):] or "/"
        return None, None, path


def default_state_path(state_dir: str) -> str:
    """The state file used inside a ``state_dir``."""
    return os.path.join(state_dir, "cloudsim.sqlite")
