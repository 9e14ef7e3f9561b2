"""The simulator's own admin endpoint, ``/_sim``: faults, state, reset, records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import webob

from magnum_like.cloudsim.faults import FaultError
from magnum_like.cloudsim.wsgi import HTTPError, Router, empty_response, json_response, \
    read_json_object

if TYPE_CHECKING:  # pragma: no cover
    from magnum_like.cloudsim.server import Simulator


def admin_error(exc: HTTPError) -> webob.Response:
    """Plain JSON error for the admin API."""
    return json_response({"error": {"code": exc.status, "message": exc.message}},
                         status=exc.status)


class AdminAPI:
    """Routes of ``/_sim``."""

    def __init__(self, sim: "Simulator") -> None:
        self.sim = sim
        r = self.router = Router(admin_error)
        r.add("GET", "/faults", self.list_faults)
        r.add("POST", "/faults", self.add_fault)
        r.add("DELETE", "/faults", self.clear_faults)
        r.add("DELETE", "/faults/{fid}", self.remove_fault)
        r.add("GET", "/state", self.state)
        r.add("POST", "/reset", self.reset)
        r.add("GET", "/rolling_batches", self.rolling_batches)
        r.add("GET", "/requests", self.requests)
        r.add("GET", "/notifications", self.notifications)
        r.add("GET", "/delays", self.get_delays)
        r.add("PUT", "/delays", self.set_delays)

    def __call__(self, req: webob.Request, path: str) -> webob.Response:
        """Dispatch a request whose path is relative to ``/_sim``."""
        return self.router.dispatch(req, path)

    def list_faults(self, req: webob.Request) -> webob.Response:
        """Active faults."""
        return json_response({"faults": self.sim.faults.list()})

    def add_fault(self, req: webob.Request) -> webob.Response:
        """Add a fault: ``{"kind": "resource"|"hang"|"api", ...}``; 201 with its id."""
        body = read_json_object(req)
        spec = dict(body)
        kind = str(spec.pop("kind", ""))
        try:
            fid = self.sim.faults.add(kind, **spec)
        except (FaultError, TypeError) as exc:
            raise HTTPError(400, str(exc)) from None
        return json_response({"id": fid}, status=201)

    def clear_faults(self, req: webob.Request) -> webob.Response:
        """Remove every fault."""
        self.sim.faults.clear()
        return empty_response(204)

    def remove_fault(self, req: webob.Request, fid: str) -> webob.Response:
        """Remove one fault."""
        if not fid.isdigit() or not self.sim.faults.remove(int(fid)):
            raise HTTPError(404, "No fault %s" % fid)
        return empty_response(204)

    def state(self, req: webob.Request) -> webob.Response:
        """Counts of everything the simulator holds."""
        return json_response(self.sim.state())

    def reset(self, req: webob.Request) -> webob.Response:
        """Forget every stack, object, fault and record; reseed the catalog."""
        self.sim.reset()
        return empty_response(204)

    def rolling_batches(self, req: webob.Request) -> webob.Response:
        """Recorded rolling-update batches (filter by ``stack`` name/id, ``resource``)."""
        batches = self.sim.rolling_batches(stack=req.GET.get("stack"),
                                           resource=req.GET.get("resource"))
        return json_response({"batches": batches})

    def requests(self, req: webob.Request) -> webob.Response:
        """Request counts per service."""
        return json_response({"requests": self.sim.request_counts()})

    def notifications(self, req: webob.Request) -> webob.Response:
        """Recent Heat notifications (in memory, newest last)."""
        return json_response({"notifications": list(self.sim.notifier.log)})

    def get_delays(self, req: webob.Request) -> webob.Response:
        """Per-type delays and the default."""
        eng = self.sim.engine
        return json_response({"delays": dict(eng.delays), "default": eng.default_delay})

    def set_delays(self, req: webob.Request) -> webob.Response:
        """Change delays: ``{"delays": {TYPE: seconds}, "default": seconds}``."""
        body: dict[str, Any] = read_json_object(req)
        delays = body.get("delays") or {}
        if not isinstance(delays, dict) or not all(
                isinstance(v, (int, float)) and v >= 0 for v in delays.values()):
            raise HTTPError(400, "delays must map resource types to seconds >= 0")
        with self.sim.store.lock:
            self.sim.engine.delays.update({str(k): float(v) for k, v in delays.items()})
            if "default" in body:
                if not isinstance(body["default"], (int, float)) or body["default"] < 0:
                    raise HTTPError(400, "default must be seconds >= 0")
                self.sim.engine.default_delay = float(body["default"])
        return self.get_delays(req)
