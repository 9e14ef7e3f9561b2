"""Opens and closes each cluster's API as its nodes boot and go.

One thread follows the store: after every change (and at least every
:data:`SYNC_INTERVAL` seconds) it works out which clusters have booted
masters, on which loopback addresses they are reached (the API load
balancer's floating IP the masters were given, the masters' own floating
IPs) and with which CA generation, then starts, re-keys or stops their
servers.  TLS material comes from the service (:mod:`.certs`) outside the
store lock; a cluster whose material cannot be had yet is retried with a
growing pause.  A ``coe_api`` fault closes a cluster's port.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import shutil
import ssl
import tempfile
import threading
import time
from typing import Any, Optional

from cheroot import wsgi as cheroot_wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from magnum_like.cloudsim import boot
from magnum_like.cloudsim.coe import certs, kubewatch
from magnum_like.cloudsim.coe.docker import DockerAPI
from magnum_like.cloudsim.coe.kubefed import DeploymentFailed, KubeFed
from magnum_like.cloudsim.coe.kubeobjects import KubeError, ObjectStore
from magnum_like.cloudsim.coe.kubernetes import KubernetesAPI
from magnum_like.cloudsim.coe.mesos import MesosAPI
from magnum_like.cloudsim.heat.compute import server_addresses

LOG = logging.getLogger(__name__)

#: Seconds between two looks at the store when nothing woke the thread.
SYNC_INTERVAL = 1.0
#: Shortest pause between two looks (a busy store changes constantly).
MIN_PAUSE = 0.05
#: Longest pause before retrying a cluster whose TLS material failed.
MAX_RETRY_PAUSE = 30.0
#: The subject of each COE's server certificate (as the masters' scripts name it).
_COMMON_NAMES = {"kubernetes": "kube-apiserver", "swarm": "swarm-manager"}
#: Worker threads per cluster API address.
THREADS = 4


@dataclasses.dataclass(frozen=True)
class Spec:
    """What a cluster's API should be now; a change of it restarts the API."""

    cluster_uuid: str
    coe: str
    ports: tuple[int, ...]
    tls: bool
    addresses: tuple[str, ...]
    ca_generations: tuple[str, ...]


class Endpoint:
    """One cluster's API: a cheroot server per address and port, sharing one app."""

    def __init__(self, spec: Spec, app: Any, material: Optional[certs.TLSMaterial]) -> None:
        self.spec = spec
        self.app = app
        self._dir = tempfile.mkdtemp(prefix="cloudsim-coe-")
        self._servers: list[cheroot_wsgi.Server] = []
        self._threads: list[threading.Thread] = []
        adapter = None
        if material is not None:
            paths = {}
            for name, text in (("ca", material.ca_pem), ("cert", material.cert_pem),
                               ("key", material.key_pem)):
                paths[name] = os.path.join(self._dir, name + ".pem")
                with open(os.open(paths[name], os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                    f.write(text)
            adapter = BuiltinSSLAdapter(paths["cert"], paths["key"], paths["ca"])
            # Mutual TLS: a client certificate from the cluster's current CA.
            adapter.context.verify_mode = ssl.CERT_REQUIRED
        try:
            for address, port in ((a, p) for a in spec.addresses for p in spec.ports):
                # A watch (Kubernetes) holds a thread for its length: room for them.
                watches = kubewatch.MAX_WATCHES if hasattr(app, "watches") else 0
                server = cheroot_wsgi.Server((address, port), app,
                                             numthreads=THREADS + watches,
                                             server_name="cloudsim-%s" % spec.coe)
                if adapter is not None:
                    server.ssl_adapter = adapter
                server.prepare()
                self._servers.append(server)
        except OSError:
            self.stop()
            raise
        for server in self._servers:
            thread = threading.Thread(target=server.serve, daemon=True,
                                      name="cloudsim-coe-%s" % spec.cluster_uuid[:8])
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Close the ports (ending any watch first) and forget the key files."""
        if hasattr(self.app, "watches"):
            self.app.watches.stop_all()
        for server in self._servers:
            server.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []
        shutil.rmtree(self._dir, ignore_errors=True)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class ClusterAPIs:
    """The clusters' APIs of one simulator.

    :param store: the simulator's store (servers, ports, floating IPs).
    :param engine: the Heat engine (for a cluster's stack name, which faults match).
    :param faults: the simulator's faults (``node`` and ``coe_api``).
    :param limit: most cluster APIs served at once (more are logged and skipped).
    """

    def __init__(self, store: Any, engine: Any, faults: Any, *, limit: int = 128) -> None:
        self.store, self.engine, self.faults, self.limit = store, engine, faults, limit
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._endpoints: dict[str, Endpoint] = {}
        self._objects: dict[str, ObjectStore] = {}
        self._retry: dict[Spec, tuple[float, float]] = {}
        self.errors: dict[str, str] = {}
        self.kubefed = KubeFed(store, self._objects)
        # The Heat engine runs software deployments through this (federation stacks).
        engine.deployment_hook = self._deployment

    def start(self) -> None:
        """Follow the store from now on."""
        self.store.on_change(self._wake.set)
        self.faults.on_change(self._wake.set)
        self._thread = threading.Thread(target=self._loop, name="cloudsim-coe", daemon=True)
        self._thread.start()
        self.kubefed.start()

    def _deployment(self, server_ids: list[str], inputs: dict[str, Any]) -> Optional[str]:
        """A software deployment ran on ``server_ids``: do what its script does.

        :returns: why it failed, or None.
        """
        if "KUBEFED_MEMBERS" not in inputs:
            return None  # a script whose effects nothing here models
        try:
            self.kubefed.deployment(server_ids, inputs)
        except (DeploymentFailed, KubeError) as exc:
            return str(exc)
        return None

    def stop(self) -> None:
        """Close every cluster API."""
        self._stopping.set()
        self._wake.set()
        self.kubefed.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        for endpoint in self._endpoints.values():
            endpoint.stop()
        self._endpoints.clear()

    def serving(self) -> dict[str, dict[str, Any]]:
        """Cluster uuid -> what is served (``/_sim/state``)."""
        return {uuid: {"coe": ep.spec.coe, "ports": list(ep.spec.ports), "tls": ep.spec.tls,
                       "addresses": list(ep.spec.addresses)}
                for uuid, ep in list(self._endpoints.items())}

    # -- following the store -------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(SYNC_INTERVAL)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.sync()
            except Exception:  # noqa: BLE001 - the thread must outlive one bad cluster
                LOG.exception("cloudsim: syncing the cluster APIs failed")
            # Busy stores change constantly: look at most every MIN_PAUSE seconds.
            self._stopping.wait(MIN_PAUSE)

    def _stack_names(self, record: dict[str, Any]) -> list[str]:
        """The names of a server's (or load balancer's) stack and its parents,
        top-level last."""
        names = []
        stack = self.engine.stacks.get(record.get("stack_id") or "")
        while stack is not None:
            names.append(stack.name)
            stack = self.engine.stacks.get(stack.parent_id or "")
        return names

    def _lb_addresses(self, top_stacks: set[str]) -> list[str]:
        """Floating IPs of the load balancers the masters' top-level stacks made
        (the API load balancer forwards to the masters)."""
        found = []
        for lb in self.store.loadbalancers.values():
            names = self._stack_names(lb)
            if names and names[-1] in top_stacks:
                port = self.store.ports.get(lb.get("vip_port_id") or "") or {}
                fip = self.store.floatingips.get(port.get("_fip") or "")
                if fip:
                    found.append(fip["floating_ip_address"])
        return found

    def _wanted(self) -> tuple[dict[str, Spec], set[str]]:
        """The APIs to serve now, and every cluster that still has masters."""
        masters: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        with self.store.lock:
            for server in self.store.servers.values():
                node = boot.node_summary(server)
                if node is not None and node["master"]:
                    masters.setdefault(node["cluster_uuid"], []).append((node, server))
            wanted = {}
            for uuid, found in masters.items():
                names = [uuid] + [n for _, s in found for n in self._stack_names(s)]
                if self.faults.coe_api_down(*names):
                    continue
                spec = self._spec(uuid, found)
                if spec is not None:
                    wanted[uuid] = spec
        return wanted, set(masters)

    def _spec(self, uuid: str, found: list[tuple[dict[str, Any], dict[str, Any]]]
              ) -> Optional[Spec]:
        """Where and how a cluster's API is served, from its booted masters."""
        params = found[0][1]["boot"]["params"]
        coe = found[0][0]["coe"]
        tls = params.get("TLS_DISABLED", "false").lower() != "true"
        public: list[str] = []
        if coe == "kubernetes":
            ports: tuple[int, ...] = (int(params.get("KUBE_API_PORT") or
                                          (6443 if tls else 8080)),)
            public = [s["boot"]["params"].get("KUBE_API_PUBLIC_ADDRESS", "") for _, s in found]
        elif coe == "swarm":
            ports, tls = (2376,), True
            public = [s["boot"]["params"].get("SWARM_API_PUBLIC_ADDRESS", "") for _, s in found]
        else:
            ports, tls = (5050, 8080), False
        tops = {names[-1] for names in (self._stack_names(s) for _, s in found) if names}
        floating = [entry["addr"] for _, s in found
                    for entries in server_addresses(self.store, s).values()
                    for entry in entries if entry["OS-EXT-IPS:type"] == "floating"]
        addresses = tuple(sorted({a for a in public + floating + self._lb_addresses(tops)
                                  if _is_loopback(a)}))
        if not addresses:
            return None
        return Spec(uuid, coe, ports, tls, addresses,
                    tuple(sorted({n["ca_generation"] for n, _ in found})))

    def sync(self) -> None:
        """Start, re-key and stop cluster APIs to match the booted masters."""
        wanted, alive = self._wanted()
        for uuid in list(self._endpoints):
            if self._endpoints[uuid].spec != wanted.get(uuid):
                self._endpoints.pop(uuid).stop()
                LOG.info("cloudsim: cluster %s API closed", uuid)
        # A cluster whose masters are all gone (deleted) takes its objects along.
        for uuid in [u for u in self._objects if u not in alive]:
            del self._objects[uuid]
        for uuid in [u for u in self.errors if u not in alive]:
            del self.errors[uuid]
        now = time.monotonic()
        for uuid, spec in wanted.items():
            if uuid in self._endpoints:
                continue
            if len(self._endpoints) >= self.limit:
                self.errors[uuid] = "more than %d cluster APIs: not served" % self.limit
                continue
            due, pause = self._retry.get(spec, (0.0, 0.5))
            if now < due:
                continue
            try:
                self._endpoints[uuid] = self._open(spec)
                self._retry.pop(spec, None)
                self.errors.pop(uuid, None)
                LOG.info("cloudsim: cluster %s %s API on %s port %s", uuid, spec.coe,
                         ", ".join(spec.addresses), ", ".join(map(str, spec.ports)))
            except (certs.CertError, OSError, ssl.SSLError) as exc:
                self.errors[uuid] = str(exc)
                self._retry[spec] = (now + pause, min(pause * 2, MAX_RETRY_PAUSE))
                LOG.warning("cloudsim: cluster %s API not opened: %s", uuid, exc)
                self._wake_later(pause)
        for spec in [s for s in self._retry if wanted.get(s.cluster_uuid) != s]:
            self._retry.pop(spec, None)

    def _wake_later(self, delay: float) -> None:
        timer = threading.Timer(delay, self._wake.set)
        timer.daemon = True
        timer.start()

    def _open(self, spec: Spec) -> Endpoint:
        with self.store.lock:
            params = dict(self._master_params(spec.cluster_uuid))
        material = None
        if spec.tls:
            sans = list(spec.addresses) + ["127.0.0.1", "localhost"]
            if spec.coe == "kubernetes":
                sans += ["kubernetes", "kubernetes.default", "kubernetes.default.svc"]
            material = certs.obtain(params, sans, common_name=_COMMON_NAMES[spec.coe])

        def view() -> tuple[list[dict[str, Any]], dict[str, str]]:
            return self.view(spec.cluster_uuid)

        app: Any
        if spec.coe == "kubernetes":
            objects = self._objects.setdefault(spec.cluster_uuid, ObjectStore())
            app = KubernetesAPI(spec.cluster_uuid, view, objects)
        elif spec.coe == "swarm":
            app = DockerAPI(spec.cluster_uuid, view)
        else:
            app = MesosAPI(spec.cluster_uuid, view)
        return Endpoint(spec, app, material)

    def _master_params(self, cluster_uuid: str) -> dict[str, str]:
        newest: Optional[dict[str, Any]] = None
        for server in self.store.servers.values():
            node = boot.node_summary(server)
            if node and node["master"] and node["cluster_uuid"] == cluster_uuid and (
                    newest is None or node["booted_at"] > newest["boot"]["booted_at"]):
                newest = server
        return dict(newest["boot"]["params"]) if newest else {}

    def view(self, cluster_uuid: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """A cluster's nodes now (with addresses and forced conditions) and its
        newest master's parameters."""
        nodes = []
        with self.store.lock:
            for server in self.store.servers.values():
                node = boot.node_summary(server)
                if node is None or node["cluster_uuid"] != cluster_uuid:
                    continue
                entries = [e for es in server_addresses(self.store, server).values()
                           for e in es]
                node["addresses"] = {
                    kind: [e["addr"] for e in entries if e["OS-EXT-IPS:type"] == kind]
                    for kind in ("fixed", "floating")}
                node["condition"] = self.faults.node_condition(node["name"])
                nodes.append(node)
            params = self._master_params(cluster_uuid)
        nodes.sort(key=lambda n: (not n["master"], n["name"]))
        return nodes, params
