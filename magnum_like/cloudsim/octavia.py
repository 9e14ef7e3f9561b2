"""Simulated Octavia v2: load balancers (list, show, create, delete).

Stacks make them through ``OS::Octavia::LoadBalancer``; ``POST`` makes one the
way a Kubernetes cloud provider does for a ``LoadBalancer`` Service (name,
description, ``vip_subnet_id`` or ``vip_network_id``), e.g. to test the
cleanup a cluster delete does first.

Mounted at ``/load-balancer``; clients use ``/load-balancer/v2/lbaas/...``.
"""

from __future__ import annotations

from typing import Any

import webob

from magnum_like.cloudsim.store import IPExhausted, Store, new_id, now_iso
from magnum_like.cloudsim.wsgi import HTTPError, Router, empty_response, filter_records, \
    json_response, paginate, read_json_object


def octavia_error(exc: HTTPError) -> webob.Response:
    """Render an error in Octavia's (WSME) fault shape."""
    return json_response({"faultcode": "Client" if exc.status < 500 else "Server",
                          "faultstring": exc.message, "debuginfo": None}, status=exc.status)


def _public(lb: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in lb.items() if k != "stack_id"}


class OctaviaAPI:
    """Routes of the simulated Octavia API."""

    def __init__(self, store: Store) -> None:
        self.store = store
        r = self.router = Router(octavia_error)
        r.add("GET", "/", self.versions)
        for prefix in ("/v2", "/v2.0"):
            r.add("GET", prefix + "/lbaas/loadbalancers", self.list_lbs)
            r.add("POST", prefix + "/lbaas/loadbalancers", self.create_lb)
            r.add("GET", prefix + "/lbaas/loadbalancers/{lid}", self.get_lb)
            r.add("DELETE", prefix + "/lbaas/loadbalancers/{lid}", self.delete_lb)

    def __call__(self, req: webob.Request, path: str) -> webob.Response:
        """Dispatch a request whose path is relative to ``/load-balancer``."""
        return self.router.dispatch(req, path)

    def versions(self, req: webob.Request) -> webob.Response:
        """Octavia's version list."""
        return json_response({"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
            {"rel": "self", "href": req.host_url + "/load-balancer/v2"}]}]})

    def list_lbs(self, req: webob.Request) -> webob.Response:
        """Load balancers filtered by name/description/tags/status/project."""
        with self.store.lock:
            lbs = sorted(self.store.loadbalancers.values(),
                         key=lambda lb: (lb["created_at"], lb["id"]))
            lbs = filter_records(lbs, req.GET, ("id", "name", "description", "project_id",
                                                "provisioning_status", "operating_status",
                                                "vip_address"))
            tags = [t for v in req.GET.getall("tags") for t in v.split(",") if t]
            if tags:
                lbs = [lb for lb in lbs if set(tags) <= set(lb.get("tags", []))]
            lbs = paginate(lbs, req.GET)
            body = [_public(lb) for lb in lbs]
        return json_response({"loadbalancers": body, "loadbalancers_links": []})

    def create_lb(self, req: webob.Request) -> webob.Response:
        """Create an ACTIVE load balancer with a VIP port; 201.

        Body ``{"loadbalancer": {"vip_subnet_id" | "vip_network_id", "name",
        "description", "project_id", "tags", "provider", "vip_address"}}``; the
        project defaults to the ``X-Project-Id`` header, else ``admin``.
        """
        spec = read_json_object(req).get("loadbalancer")
        if not isinstance(spec, dict):
            raise HTTPError(400, "Missing mandatory field: loadbalancer")
        project = (spec.get("project_id") or req.headers.get("X-Project-Id") or "admin")
        with self.store.lock:
            subnet = self.store.subnets.get(spec.get("vip_subnet_id") or "")
            network_id = subnet["network_id"] if subnet else spec.get("vip_network_id")
            if spec.get("vip_subnet_id") and subnet is None:
                raise HTTPError(400, "Validation failure: Subnet %s not found."
                                % spec["vip_subnet_id"])
            if network_id not in self.store.networks:
                raise HTTPError(400, "Validation failure: VIP must contain one of: "
                                "vip_port_id, vip_network_id, vip_subnet_id.")
            try:
                port = self.store.new_port(network_id, subnet_id=subnet["id"] if subnet else None,
                                           fixed_ip=spec.get("vip_address"), project_id=project,
                                           device_owner="Octavia", name="octavia-lb-vip")
            except IPExhausted as exc:
                raise HTTPError(409, str(exc)) from None
            lid = new_id()
            port["device_id"] = "lb-%s" % lid
            fixed = port["fixed_ips"][0] if port["fixed_ips"] else {}
            lb = {"id": lid, "name": spec.get("name") or "", "description":
                  spec.get("description") or "", "vip_address": fixed.get("ip_address"),
                  "vip_port_id": port["id"], "vip_subnet_id": fixed.get("subnet_id"),
                  "vip_network_id": network_id, "vip_qos_policy_id": None,
                  "provisioning_status": "ACTIVE", "operating_status": "ONLINE",
                  "admin_state_up": True, "provider": spec.get("provider") or "amphora",
                  "flavor_id": spec.get("flavor_id"), "listeners": [], "pools": [],
                  "project_id": project, "tenant_id": project,
                  "tags": list(spec.get("tags") or []), "availability_zone": None,
                  "created_at": now_iso(), "updated_at": now_iso(), "stack_id": None}
            self.store.loadbalancers[lid] = lb
            self.store.changed()
            return json_response({"loadbalancer": _public(lb)}, status=201)

    def get_lb(self, req: webob.Request, lid: str) -> webob.Response:
        """One load balancer."""
        with self.store.lock:
            lb = self.store.loadbalancers.get(lid)
            if lb is None:
                raise HTTPError(404, "Load Balancer %s not found." % lid)
            return json_response({"loadbalancer": _public(lb)})

    def delete_lb(self, req: webob.Request, lid: str) -> webob.Response:
        """Delete a load balancer (``cascade`` accepted); 204."""
        with self.store.lock:
            lb = self.store.loadbalancers.get(lid)
            if lb is None:
                raise HTTPError(404, "Load Balancer %s not found." % lid)
            if str(lb.get("provisioning_status", "")).startswith("PENDING_"):
                raise HTTPError(409, "Invalid state %s of loadbalancer resource %s"
                                % (lb["provisioning_status"], lid))
            cascade = str(req.GET.get("cascade", "")).lower() in ("1", "true", "yes")
            if (lb["listeners"] or lb["pools"]) and not cascade:
                raise HTTPError(400, "Cannot delete Load Balancer %s - it has children" % lid)
            del self.store.loadbalancers[lid]
            self.store.ports.pop(lb["vip_port_id"], None)
            self.store.changed()
        return empty_response(204)
