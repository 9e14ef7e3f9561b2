"""The simulated cloud's state: plain dict tables plus optional SQLite snapshots.

Everything lives in memory behind one re-entrant lock (``Store.lock``) shared
by the HTTP handlers and the Heat engine; one lock is enough because every
operation is short and it makes cross-service changes (a server and its port
and floating IP) atomic.  With a state file, a versioned JSON snapshot of the
whole model is written to SQLite shortly after each change (debounced) and on
stop, and read back on start, so a restart keeps stacks, secrets, keypairs...
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import sqlite3
import threading
import uuid
from typing import Any, Callable, Optional

SNAPSHOT_VERSION = 1

# Tables persisted verbatim (name -> dict of id -> record).
TABLES = ("images", "flavors", "networks", "subnets", "routers", "ports",
          "floatingips", "security_groups", "servers", "server_groups",
          "volumes", "loadbalancers", "keypairs", "secrets", "containers")


def now_iso() -> str:
    """Return the current UTC time as Heat/Nova print it (seconds, ``Z``)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    """Return a fresh UUID string."""
    return str(uuid.uuid4())


def keypair_key(user_id: str, name: str) -> str:
    """The key of a keypair in ``Store.keypairs`` (a string, so snapshots stay JSON)."""
    return "%s/%s" % (user_id, name)


class IPExhausted(Exception):
    """No free address is left in a subnet (Neutron's IpAddressGenerationFailure)."""


class Store:
    """In-memory tables of every simulated service."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        for table in TABLES:
            setattr(self, table, {})
        self.images: dict[str, dict[str, Any]]
        self.flavors: dict[str, dict[str, Any]]
        self.networks: dict[str, dict[str, Any]]
        self.subnets: dict[str, dict[str, Any]]
        self.routers: dict[str, dict[str, Any]]
        self.ports: dict[str, dict[str, Any]]
        self.floatingips: dict[str, dict[str, Any]]
        self.security_groups: dict[str, dict[str, Any]]
        self.servers: dict[str, dict[str, Any]]
        self.server_groups: dict[str, dict[str, Any]]
        self.volumes: dict[str, dict[str, Any]]
        self.loadbalancers: dict[str, dict[str, Any]]
        # Nova's keypairs belong to users: keyed by keypair_key(user_id, name).
        self.keypairs: dict[str, dict[str, Any]]
        self.secrets: dict[str, dict[str, Any]]
        self.containers: dict[str, dict[str, Any]]
        # Recorded rolling-update batches: list of {stack_id, resource, batch}.
        self.rolling_batches: list[dict[str, Any]] = []
        self.request_counts: dict[str, int] = {}
        self._listeners: list[Callable[[], None]] = []

    # -- change tracking ----------------------------------------------------

    def on_change(self, callback: Callable[[], None]) -> None:
        """Register a callback run (under the lock) after each mutation."""
        self._listeners.append(callback)

    def changed(self) -> None:
        """Signal that the model changed (drives debounced persistence)."""
        for callback in self._listeners:
            callback()

    # -- lookups ------------------------------------------------------------

    def find(self, table: str, name_or_id: str) -> Optional[dict[str, Any]]:
        """Find a record by id, then by unique-enough name (first match)."""
        records: dict[str, dict[str, Any]] = getattr(self, table)
        if name_or_id in records:
            return records[name_or_id]
        for record in records.values():
            if record.get("name") == name_or_id:
                return record
        return None

    # -- networking helpers -------------------------------------------------

    def new_network(self, name: str, *, external: bool = False,
                    net_id: Optional[str] = None, project_id: str = "") -> dict[str, Any]:
        """Return a Neutron network record (not yet stored)."""
        return {
            "id": net_id or new_id(), "name": name, "status": "ACTIVE",
            "admin_state_up": True, "shared": external, "router:external": external,
            "subnets": [], "mtu": 1450, "tenant_id": project_id, "project_id": project_id,
            "availability_zones": ["nova"], "tags": [], "description": "",
            "port_security_enabled": True, "created_at": now_iso(), "updated_at": now_iso(),
        }

    def add_subnet(self, network_id: str, name: str, cidr: str, *,
                   subnet_id: Optional[str] = None, gateway_ip: Optional[str] = None,
                   project_id: str = "", dns_nameservers: Optional[list[str]] = None
                   ) -> dict[str, Any]:
        """Create and store a subnet in ``network_id``; the gateway is the first host."""
        net = ipaddress.ip_network(cidr, strict=False)
        if gateway_ip is None:
            gateway_ip = str(net.network_address + 1)
        subnet = {
            "id": subnet_id or new_id(), "name": name, "network_id": network_id,
            "cidr": str(net), "ip_version": net.version, "gateway_ip": gateway_ip,
            "enable_dhcp": True, "dns_nameservers": list(dns_nameservers or []),
            "allocation_pools": [{"start": str(net.network_address + 2),
                                  "end": str(net.broadcast_address - 1)}],
            "host_routes": [], "tenant_id": project_id, "project_id": project_id,
            "tags": [], "description": "", "created_at": now_iso(),
            "updated_at": now_iso(), "_next": 2,
        }
        self.subnets[subnet["id"]] = subnet
        if network_id in self.networks:
            self.networks[network_id]["subnets"].append(subnet["id"])
        return subnet

    def allocate_ip(self, subnet_id: str) -> str:
        """Hand out the next free address of a subnet (sequential, never reused)."""
        subnet = self.subnets[subnet_id]
        net = ipaddress.ip_network(subnet["cidr"])
        index = subnet["_next"]
        if index >= net.num_addresses - 1:
            raise IPExhausted("No more IP addresses available on network %s."
                              % subnet["network_id"])
        subnet["_next"] = index + 1
        return str(net.network_address + index)

    def first_subnet(self, network_id: str) -> Optional[dict[str, Any]]:
        """Return the first (IPv4 preferred) subnet of a network."""
        net = self.networks.get(network_id)
        if not net:
            return None
        subs = [self.subnets[s] for s in net["subnets"] if s in self.subnets]
        subs.sort(key=lambda s: s["ip_version"])
        return subs[0] if subs else None

    def new_port(self, network_id: str, *, name: str = "", subnet_id: Optional[str] = None,
                 fixed_ip: Optional[str] = None, project_id: str = "",
                 device_owner: str = "", device_id: str = "") -> dict[str, Any]:
        """Create and store a port with one fixed IP on ``network_id``."""
        subnet = self.subnets.get(subnet_id or "") or self.first_subnet(network_id)
        fixed_ips = []
        if subnet is not None:
            address = fixed_ip or self.allocate_ip(subnet["id"])
            fixed_ips.append({"subnet_id": subnet["id"], "ip_address": address})
        pid = new_id()
        mac = hashlib.md5(pid.encode()).hexdigest()[:10]
        port = {
            "id": pid, "name": name, "network_id": network_id, "status": "ACTIVE",
            "admin_state_up": True, "fixed_ips": fixed_ips, "device_owner": device_owner,
            "device_id": device_id, "tenant_id": project_id, "project_id": project_id,
            "mac_address": "fa:16:3e:%s:%s:%s" % (mac[0:2], mac[2:4], mac[4:6]),
            "security_groups": [], "allowed_address_pairs": [], "tags": [],
            "description": "", "created_at": now_iso(), "updated_at": now_iso(),
        }
        self.ports[pid] = port
        return port

    def find_keypair(self, user_id: str, name: str) -> Optional[dict[str, Any]]:
        """The keypair ``name`` of ``user_id``, or None."""
        return self.keypairs.get(keypair_key(user_id, name))

    def new_keypair(self, name: str, public_key: Optional[str], user_id: str = "admin"
                    ) -> dict[str, Any]:
        """Return a Nova keypair record (a fake public key when none is given)."""
        key = public_key or "ssh-rsa AAAAB3NzaC1yc2E%s cloudsim" % uuid.uuid4().hex
        digest = hashlib.md5(key.encode()).hexdigest()
        return {"name": name, "public_key": key, "type": "ssh", "user_id": user_id,
                "fingerprint": ":".join(digest[i:i + 2] for i in range(0, 32, 2)),
                "created_at": now_iso(), "id": len(self.keypairs) + 1}

    # -- snapshots -----------------------------------------------------------

    def snapshot_tables(self) -> dict[str, Any]:
        """Return the persisted tables as plain JSON-able data."""
        data = {table: getattr(self, table) for table in TABLES}
        data["rolling_batches"] = self.rolling_batches
        return data

    def restore_tables(self, data: dict[str, Any]) -> None:
        """Replace the tables with a snapshot's."""
        for table in TABLES:
            setattr(self, table, dict(data.get(table, {})))
        # Snapshots from before keypairs were per user keyed them by name alone.
        self.keypairs = {keypair_key(kp.get("user_id") or "admin", kp["name"]): kp
                         for kp in self.keypairs.values()}
        self.rolling_batches = list(data.get("rolling_batches", []))


class Persistence:
    """Debounced JSON snapshots of the model in one SQLite table.

    ``dump`` is a callable returning the snapshot dict; it is called with the
    store lock held so the snapshot is consistent.
    """

    def __init__(self, path: str, store: Store, dump: Callable[[], dict[str, Any]],
                 debounce: float = 0.2) -> None:
        self.path = path
        self._store = store
        self._dump = dump
        self._debounce = debounce
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS snapshot ("
                         "id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, "
                         "saved_at TEXT NOT NULL, data TEXT NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def load(self) -> Optional[dict[str, Any]]:
        """Return the stored snapshot, or ``None`` if there is none."""
        with self._connect() as conn:
            row = conn.execute("SELECT version, data FROM snapshot WHERE id = 1").fetchone()
        if row is None:
            return None
        version, data = row
        if version != SNAPSHOT_VERSION:
            raise ValueError("state file %s has snapshot version %s, expected %s"
                             % (self.path, version, SNAPSHOT_VERSION))
        return json.loads(data)

    def mark_dirty(self) -> None:
        """Ask for a save soon (many changes in a burst give one write)."""
        self._dirty.set()

    def start(self) -> None:
        """Start the background saver thread."""
        self._thread = threading.Thread(target=self._run, name="cloudsim-persist", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            if self._dirty.wait(0.5):
                self._stopping.wait(self._debounce)
                self.save()

    def save(self) -> None:
        """Write a snapshot now."""
        self._dirty.clear()
        with self._store.lock:
            payload = json.dumps(self._dump(), default=str)
        with self._connect() as conn:
            conn.execute("INSERT OR REPLACE INTO snapshot (id, version, saved_at, data) "
                         "VALUES (1, ?, ?, ?)", (SNAPSHOT_VERSION, now_iso(), payload))

    def stop(self) -> None:
        """Stop the saver and write a final snapshot."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.save()
