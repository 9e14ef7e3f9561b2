"""Simulated Neutron v2.0 (read side): networks, subnets, ports, floating IPs, routers.

Mounted at ``/network``; clients use ``/network/v2.0/...``.  Objects are
created by stacks or seeded by the catalog.
"""

from __future__ import annotations

from typing import Any, Callable

import webob

from magnum_like.cloudsim.store import Store
from magnum_like.cloudsim.wsgi import HTTPError, Router, filter_records, json_response, \
    paginate

_COLLECTIONS = {
    # url name -> (store table, singular, filterable fields)
    "networks": ("networks", "network", ("id", "name", "router:external", "shared",
                                         "status", "project_id", "tenant_id")),
    "subnets": ("subnets", "subnet", ("id", "name", "network_id", "cidr", "ip_version",
                                      "project_id", "tenant_id")),
    "ports": ("ports", "port", ("id", "name", "network_id", "device_id", "device_owner",
                                "project_id", "tenant_id", "status")),
    "floatingips": ("floatingips", "floatingip", ("id", "floating_ip_address",
                                                  "floating_network_id", "port_id",
                                                  "project_id", "tenant_id")),
    "routers": ("routers", "router", ("id", "name", "project_id", "tenant_id")),
    "security-groups": ("security_groups", "security_group", ("id", "name", "project_id",
                                                              "tenant_id")),
}
_NOT_FOUND_TYPES = {"network": "NetworkNotFound", "subnet": "SubnetNotFound",
                    "port": "PortNotFound", "floatingip": "FloatingIPNotFound",
                    "router": "RouterNotFound", "security_group": "SecurityGroupNotFound"}


def neutron_error(exc: HTTPError) -> webob.Response:
    """Render an error in Neutron's ``{"NeutronError": {...}}`` shape."""
    return json_response({"NeutronError": {"type": exc.kind, "message": exc.message,
                                           "detail": ""}}, status=exc.status)


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


class NeutronAPI:
    """Routes of the simulated Neutron API."""

    def __init__(self, store: Store) -> None:
        self.store = store
        r = self.router = Router(neutron_error)
        r.add("GET", "/", self.versions)
        r.add("GET", "/v2.0", self.version)
        r.add("GET", "/v2.0/extensions", self.extensions)
        for url in _COLLECTIONS:
            r.add("GET", "/v2.0/%s" % url, self._lister(url))
            r.add("GET", "/v2.0/%s/{oid}" % url, self._getter(url))

    def __call__(self, req: webob.Request, path: str) -> webob.Response:
        """Dispatch a request whose path is relative to ``/network``."""
        return self.router.dispatch(req, path)

    def versions(self, req: webob.Request) -> webob.Response:
        """Neutron's version list."""
        return json_response({"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
            {"rel": "self", "href": req.host_url + "/network/v2.0/"}]}]})

    def version(self, req: webob.Request) -> webob.Response:
        """The v2.0 resource list."""
        return json_response({"resources": [{"name": s, "collection": c, "links": []}
                                            for c, (_, s, _) in _COLLECTIONS.items()]})

    def extensions(self, req: webob.Request) -> webob.Response:
        """The extensions clients probe for."""
        names = ("external-net", "router", "security-group", "subnet_allocation",
                 "standard-attr-tag", "port-security")
        return json_response({"extensions": [{"alias": n, "name": n, "description": "",
                                              "updated": "2024-01-01T00:00:00Z",
                                              "links": []} for n in names]})

    def _lister(self, url: str) -> Callable[[webob.Request], webob.Response]:
        table, _, fields = _COLLECTIONS[url]

        def handler(req: webob.Request) -> webob.Response:
            with self.store.lock:
                records = sorted(getattr(self.store, table).values(),
                                 key=lambda r: (r.get("created_at", ""), r["id"]))
                records = filter_records(records, req.GET, fields)
                records = paginate(records, req.GET)
                wanted = req.GET.getall("fields")
                body = [_public(r) for r in records]
                if wanted:
                    body = [{k: v for k, v in r.items() if k in wanted} for r in body]
            return json_response({url.replace("-", "_"): body})

        return handler

    def _getter(self, url: str) -> Callable[..., webob.Response]:
        table, singular, _ = _COLLECTIONS[url]

        def handler(req: webob.Request, oid: str) -> webob.Response:
            with self.store.lock:
                record = getattr(self.store, table).get(oid)
                if record is None:
                    raise HTTPError(404, "%s %s could not be found." % (
                        singular.replace("_", " ").title().replace(" ", ""), oid),
                        _NOT_FOUND_TYPES[singular])
                return json_response({singular: _public(record)})

        return handler
