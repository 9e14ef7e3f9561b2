"""Faults injected on demand: failing resource types, hanging stacks, bad APIs.

Tests and operators add faults through :class:`Faults` directly (Python API)
or through ``POST /_sim/faults`` (JSON, same fields as :meth:`Faults.add`).
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from typing import Any, Optional

KINDS = ("resource", "hang", "api", "node", "coe_api")
#: Node conditions a ``node`` fault can force.
NODE_CONDITIONS = ("NotReady",)
ACTIONS = ("create", "update", "delete")


class FaultError(ValueError):
    """A fault description is invalid."""


class Faults:
    """Thread-safe registry of active faults.

    Fault kinds:

    * ``resource``: resources of ``resource_type`` (a glob such as
      ``OS::Nova::*``) fail on ``action`` with ``reason``; ``count`` limits
      how many failures are injected (``None``: until removed).
    * ``hang``: stacks named ``stack`` (a glob; ``*`` for all) never finish
      the action they are in (only their timeout ends them).
    * ``api``: the next ``count`` requests (to ``service`` only, if given)
      are answered with ``status`` (e.g. 503) after sleeping ``delay``
      seconds; ``status`` 0/None means only the delay.
    * ``node``: cluster nodes whose server name matches ``server`` (a glob)
      report ``condition`` (``NotReady``) in their cluster's API.
    * ``coe_api``: the API of clusters matching ``cluster`` (a glob over the
      cluster uuid and its stack name, ``<cluster name>-<uuid prefix>``)
      refuses connections: its port is closed until the fault is removed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._faults: dict[int, dict[str, Any]] = {}
        self._listeners: list[Any] = []

    def on_change(self, callback: Any) -> None:
        """Call ``callback()`` after a fault is added or removed (the cluster
        APIs open and close their ports on ``coe_api`` faults)."""
        self._listeners.append(callback)

    def _changed(self) -> None:
        for callback in self._listeners:
            callback()

    def add(self, kind: str, **spec: Any) -> int:
        """Add a fault and return its id; raises :class:`FaultError` if invalid."""
        fault = self._validate(kind, spec)
        with self._lock:
            fid = next(self._ids)
            fault["id"] = fid
            self._faults[fid] = fault
        self._changed()
        return fid

    def add_resource_failure(self, resource_type: str, action: str = "create",
                             reason: str = "Simulated failure",
                             count: Optional[int] = None) -> int:
        """Make ``resource_type`` fail on ``action`` with ``reason``."""
        return self.add("resource", resource_type=resource_type, action=action,
                        reason=reason, count=count)

    def add_hang(self, stack: str = "*") -> int:
        """Make stacks matching ``stack`` never finish their current action."""
        return self.add("hang", stack=stack)

    def add_api_fault(self, status: Optional[int] = 503, count: int = 1,
                      service: Optional[str] = None, delay: float = 0.0) -> int:
        """Answer the next ``count`` requests with ``status`` after ``delay``."""
        return self.add("api", status=status, count=count, service=service, delay=delay)

    def remove(self, fault_id: int) -> bool:
        """Remove one fault; returns whether it existed."""
        with self._lock:
            found = self._faults.pop(fault_id, None) is not None
        self._changed()
        return found

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()
        self._changed()

    def list(self) -> list[dict[str, Any]]:
        """Return copies of the active faults."""
        with self._lock:
            return [dict(f) for f in self._faults.values()]

    # -- queries used by the services -------------------------------------

    def resource_failure(self, resource_type: str, action: str) -> Optional[str]:
        """Return the failure reason for this resource action, consuming a count."""
        with self._lock:
            for fault in list(self._faults.values()):
                if (fault["kind"] == "resource" and fault["action"] == action
                        and fnmatch.fnmatchcase(resource_type, fault["resource_type"])):
                    self._consume(fault)
                    return fault["reason"]
        return None

    def stack_hangs(self, stack_name: str) -> bool:
        """Whether a stack of this name must never finish."""
        with self._lock:
            return any(f["kind"] == "hang" and fnmatch.fnmatchcase(stack_name, f["stack"])
                       for f in self._faults.values())

    def api_fault(self, service: str) -> Optional[tuple[float, Optional[int]]]:
        """Return ``(delay, status)`` for a request to ``service``, consuming a count."""
        with self._lock:
            for fault in list(self._faults.values()):
                if fault["kind"] == "api" and fault["service"] in (None, service):
                    self._consume(fault)
                    return float(fault["delay"] or 0.0), fault["status"] or None
        return None

    def node_condition(self, server_name: str) -> Optional[str]:
        """The condition a ``node`` fault forces on a server, if any."""
        with self._lock:
            for fault in self._faults.values():
                if fault["kind"] == "node" and fnmatch.fnmatchcase(server_name, fault["server"]):
                    return str(fault["condition"])
        return None

    def coe_api_down(self, *names: str) -> bool:
        """Whether a ``coe_api`` fault matches any of a cluster's names."""
        with self._lock:
            return any(f["kind"] == "coe_api" and fnmatch.fnmatchcase(name, f["cluster"])
                       for f in self._faults.values() for name in names if name)

    def _consume(self, fault: dict[str, Any]) -> None:
        # Counted faults disappear once spent, so "the next N requests" holds.
        if fault.get("count") is None:
            return
        fault["count"] -= 1
        if fault["count"] <= 0:
            self._faults.pop(fault["id"], None)

    @staticmethod
    def _validate(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
        if kind not in KINDS:
            raise FaultError("kind must be one of %s" % ", ".join(KINDS))
        count = spec.get("count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise FaultError("count must be a positive integer or null")
        if kind == "resource":
            if not isinstance(spec.get("resource_type"), str):
                raise FaultError("resource_type (a type name or glob) is required")
            action = str(spec.get("action", "create")).lower()
            if action not in ACTIONS:
                raise FaultError("action must be one of %s" % ", ".join(ACTIONS))
            return {"kind": kind, "resource_type": spec["resource_type"], "action": action,
                    "reason": str(spec.get("reason") or "Simulated failure"), "count": count}
        if kind == "hang":
            return {"kind": kind, "stack": str(spec.get("stack") or "*"), "count": None}
        if kind == "node":
            if not isinstance(spec.get("server"), str) or not spec["server"]:
                raise FaultError("server (a server name glob) is required")
            condition = spec.get("condition", "NotReady")
            if condition not in NODE_CONDITIONS:
                raise FaultError("condition must be one of %s" % ", ".join(NODE_CONDITIONS))
            return {"kind": kind, "server": spec["server"], "condition": condition,
                    "count": None}
        if kind == "coe_api":
            if not isinstance(spec.get("cluster"), str) or not spec["cluster"]:
                raise FaultError("cluster (a cluster uuid or stack name glob) is required")
            return {"kind": kind, "cluster": spec["cluster"], "count": None}
        status = spec.get("status", 503)
        if status is not None and (not isinstance(status, int) or not 0 <= status < 600):
            raise FaultError("status must be an HTTP status code")
        delay = spec.get("delay", 0.0)
        if not isinstance(delay, (int, float)) or delay < 0:
            raise FaultError("delay must be a non-negative number of seconds")
        return {"kind": kind, "status": status, "count": 1 if count is None else count,
                "service": spec.get("service"), "delay": delay}
