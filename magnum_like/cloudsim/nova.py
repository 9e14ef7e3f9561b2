"""Simulated Nova (compute v2.1): flavors, per-user keypairs and the servers stacks create.

Mounted at ``/compute``; clients use ``/compute/v2.1/...``.
"""

from __future__ import annotations

from typing import Any, Optional

import webob

from magnum_like.cloudsim.heat.compute import public_server
from magnum_like.cloudsim.identity import Identity
from magnum_like.cloudsim.store import Store, keypair_key
from magnum_like.cloudsim.wsgi import HTTPError, Router, empty_response, filter_records, \
    json_response, paginate, read_json_object

_FAULT_KEYS = {400: "badRequest", 404: "itemNotFound", 409: "conflictingRequest",
               405: "HTTPMethodNotAllowed", 503: "serviceUnavailable"}
MAX_MICROVERSION = "2.90"


def nova_error(exc: HTTPError) -> webob.Response:
    """Render an error in Nova's ``{"itemNotFound": {...}}`` shape."""
    key = _FAULT_KEYS.get(exc.status, "computeFault")
    return json_response({key: {"code": exc.status, "message": exc.message}},
                         status=exc.status)


class NovaAPI:
    """Routes of the simulated Nova API."""

    def __init__(self, store: Store, identity: Optional[Identity] = None) -> None:
        self.store = store
        self.identity = identity or Identity()
        r = self.router = Router(nova_error)
        r.add("GET", "/", self.versions)
        r.add("GET", "/v2.1", self.version)
        r.add("GET", "/v2.1/flavors", self.list_flavors)
        r.add("GET", "/v2.1/flavors/detail", self.list_flavors_detail)
        r.add("GET", "/v2.1/flavors/{fid}", self.get_flavor)
        r.add("GET", "/v2.1/flavors/{fid}/os-extra_specs", self.flavor_extra_specs)
        r.add("GET", "/v2.1/os-keypairs", self.list_keypairs)
        r.add("POST", "/v2.1/os-keypairs", self.create_keypair)
        r.add("GET", "/v2.1/os-keypairs/{name}", self.get_keypair)
        r.add("DELETE", "/v2.1/os-keypairs/{name}", self.delete_keypair)
        r.add("GET", "/v2.1/servers", self.list_servers)
        r.add("GET", "/v2.1/servers/detail", self.list_servers_detail)
        r.add("GET", "/v2.1/servers/{sid}", self.get_server)
        r.add("GET", "/v2.1/os-availability-zone", self.availability_zones)
        r.add("GET", "/v2.1/limits", self.limits)

    def __call__(self, req: webob.Request, path: str) -> webob.Response:
        """Dispatch a request whose path is relative to ``/compute``."""
        resp = self.router.dispatch(req, path)
        resp.headers["OpenStack-API-Version"] = "compute %s" % MAX_MICROVERSION
        return resp

    @staticmethod
    def _version_doc(req: webob.Request) -> dict[str, Any]:
        return {"id": "v2.1", "status": "CURRENT", "version": MAX_MICROVERSION,
                "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
                "links": [{"rel": "self", "href": req.host_url + "/compute/v2.1/"}]}

    def versions(self, req: webob.Request) -> webob.Response:
        """Nova's version list."""
        return json_response({"versions": [self._version_doc(req)]})

    def version(self, req: webob.Request) -> webob.Response:
        """The v2.1 version document (microversion range)."""
        return json_response({"version": self._version_doc(req)})

    # -- flavors ------------------------------------------------------------------

    def _flavor_view(self, req: webob.Request, flavor: dict[str, Any],
                     detail: bool) -> dict[str, Any]:
        link = "%s/compute/v2.1/flavors/%s" % (req.host_url, flavor["id"])
        links = [{"rel": "self", "href": link}, {"rel": "bookmark", "href": link}]
        if not detail:
            return {"id": flavor["id"], "name": flavor["name"], "links": links,
                    "description": flavor.get("description")}
        return dict(flavor, links=links)

    def _flavors(self, req: webob.Request, detail: bool) -> webob.Response:
        with self.store.lock:
            flavors = sorted(self.store.flavors.values(), key=lambda f: f["id"])
            flavors = paginate(flavors, req.GET)
            body = [self._flavor_view(req, f, detail) for f in flavors]
        return json_response({"flavors": body})

    def list_flavors(self, req: webob.Request) -> webob.Response:
        """Flavor list (id, name, links)."""
        return self._flavors(req, detail=False)

    def list_flavors_detail(self, req: webob.Request) -> webob.Response:
        """Flavor list with vcpus/ram/disk."""
        return self._flavors(req, detail=True)

    def get_flavor(self, req: webob.Request, fid: str) -> webob.Response:
        """One flavor by id (404 for names, as Nova; clients then list and match)."""
        with self.store.lock:
            flavor = self.store.flavors.get(fid)
            if flavor is None:
                raise HTTPError(404, "Flavor %s could not be found." % fid)
            return json_response({"flavor": self._flavor_view(req, flavor, True)})

    def flavor_extra_specs(self, req: webob.Request, fid: str) -> webob.Response:
        """A flavor's extra specs."""
        with self.store.lock:
            flavor = self.store.flavors.get(fid)
            if flavor is None:
                raise HTTPError(404, "Flavor %s could not be found." % fid)
            return json_response({"extra_specs": flavor.get("extra_specs", {})})

    # -- keypairs -------------------------------------------------------------------
    # Keypairs belong to the calling user (see identity.py); an admin may name
    # another with ``?user_id=`` (and ``user_id`` in a create body), as in Nova.

    @staticmethod
    def _keypair_view(keypair: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in keypair.items() if k != "private_key"}

    def _owner(self, req: webob.Request, requested: Any = None) -> str:
        caller = self.identity.caller(req)
        wanted = requested if requested is not None else req.GET.get("user_id")
        if wanted is None or wanted == caller.user_id:
            return caller.user_id
        if not isinstance(wanted, str) or not wanted:
            raise HTTPError(400, "Invalid input for field/attribute user_id.")
        if not caller.is_admin:
            raise HTTPError(403, "Policy doesn't allow os_compute_api:os-keypairs to be "
                            "performed for another user.")
        return wanted

    def list_keypairs(self, req: webob.Request) -> webob.Response:
        """The user's keypairs, each wrapped in ``{"keypair": ...}`` as Nova does."""
        owner = self._owner(req)
        with self.store.lock:
            mine = [kp for kp in self.store.keypairs.values() if kp.get("user_id") == owner]
            items = [{"keypair": {k: v for k, v in self._keypair_view(kp).items()
                                  if k in ("name", "public_key", "fingerprint", "type")}}
                     for kp in sorted(mine, key=lambda k: k["name"])]
        return json_response({"keypairs": items})

    def create_keypair(self, req: webob.Request) -> webob.Response:
        """Import a keypair (or generate one when no public key is given) for the user."""
        body = read_json_object(req).get("keypair")
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) \
                or not body["name"].strip():
            raise HTTPError(400, "Invalid input for field/attribute keypair. "
                            "'name' is a required property")
        owner = self._owner(req, body.get("user_id"))
        with self.store.lock:
            if self.store.find_keypair(owner, body["name"]) is not None:
                raise HTTPError(409, "Key pair '%s' already exists." % body["name"])
            keypair = self.store.new_keypair(body["name"], body.get("public_key"),
                                             user_id=owner)
            keypair["type"] = body.get("type", "ssh")
            self.store.keypairs[keypair_key(owner, keypair["name"])] = keypair
            self.store.changed()
            view = self._keypair_view(keypair)
        if not body.get("public_key"):
            view["private_key"] = ("-----BEGIN OPENSSH PRIVATE KEY-----\nY2xvdWRzaW0=\n"
                                   "-----END OPENSSH PRIVATE KEY-----\n")
        return json_response({"keypair": view}, status=200)

    def get_keypair(self, req: webob.Request, name: str) -> webob.Response:
        """One keypair of the user."""
        owner = self._owner(req)
        with self.store.lock:
            keypair = self.store.find_keypair(owner, name)
            if keypair is None:
                raise HTTPError(404, "Keypair %s not found for user %s" % (name, owner))
            return json_response({"keypair": self._keypair_view(keypair)})

    def delete_keypair(self, req: webob.Request, name: str) -> webob.Response:
        """Delete a keypair of the user; 202."""
        owner = self._owner(req)
        with self.store.lock:
            if self.store.keypairs.pop(keypair_key(owner, name), None) is None:
                raise HTTPError(404, "Keypair %s not found for user %s" % (name, owner))
            self.store.changed()
        return empty_response(202)

    # -- servers --------------------------------------------------------------------

    def _servers(self, req: webob.Request) -> list[dict[str, Any]]:
        with self.store.lock:
            servers = sorted(self.store.servers.values(), key=lambda s: (s["created"], s["id"]))
            servers = filter_records(servers, req.GET, ("status", "key_name"))
            if req.GET.get("name"):
                import re
                try:
                    pattern = re.compile(req.GET["name"])
                except re.error:
                    raise HTTPError(400, "Invalid name filter") from None
                servers = [s for s in servers if pattern.search(s["name"])]
            servers = paginate(servers, req.GET)
            return [public_server(self.store, s) for s in servers]

    def list_servers(self, req: webob.Request) -> webob.Response:
        """Server list (id, name, links)."""
        body = [{"id": s["id"], "name": s["name"], "links": []} for s in self._servers(req)]
        return json_response({"servers": body})

    def list_servers_detail(self, req: webob.Request) -> webob.Response:
        """Server list with details."""
        return json_response({"servers": self._servers(req)})

    def get_server(self, req: webob.Request, sid: str) -> webob.Response:
        """One server."""
        with self.store.lock:
            server = self.store.servers.get(sid)
            if server is None:
                raise HTTPError(404, "Instance %s could not be found." % sid)
            return json_response({"server": public_server(self.store, server)})

    def availability_zones(self, req: webob.Request) -> webob.Response:
        """A single availability zone, ``nova``."""
        return json_response({"availabilityZoneInfo": [
            {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None}]})

    def limits(self, req: webob.Request) -> webob.Response:
        """Generous absolute limits."""
        with self.store.lock:
            used = len(self.store.servers)
        return json_response({"limits": {"rate": [], "absolute": {
            "maxTotalInstances": 100000, "totalInstancesUsed": used,
            "maxTotalCores": 1000000, "totalCoresUsed": 0,
            "maxTotalRAMSize": 1 << 40, "totalRAMUsed": 0,
            "maxTotalKeypairs": 1000, "maxServerGroups": 1000}}})
