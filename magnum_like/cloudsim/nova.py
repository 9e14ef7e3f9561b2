"""Simulated Nova (compute v2.1): flavors, per-user keypairs and the servers stacks create.

Mounted at ``/compute``; clients use ``/compute/v2.1/...``.

Requests are served at the compute microversion they ask for
(``OpenStack-API-Version: compute X.Y`` or ``X-OpenStack-Nova-API-Version``),
2.1 when they ask for none, as Nova does; the answer names the version used.
Keypairs are what differs here: from 2.2 they carry ``type``, a create answers
201 (200 before) and a delete 204 (202 before). Clients that validate the 2.1
bodies strictly (tempest's keypair client) get exactly 2.1's fields.
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
               405: "HTTPMethodNotAllowed", 406: "notAcceptable",
               503: "serviceUnavailable"}
MIN_MICROVERSION = (2, 1)
MAX_MICROVERSION = "2.90"
#: From this microversion keypairs have a ``type`` and create/delete answer 201/204.
KEYPAIR_TYPE_VERSION = (2, 2)
#: The fields of a keypair as a create answers it (``private_key`` only when generated).
_CREATE_FIELDS = ("name", "public_key", "fingerprint", "user_id")
#: What a show adds to those (Nova's database columns).
_SHOW_FIELDS = _CREATE_FIELDS + ("created_at", "id")


def _version_tuple(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def requested_microversion(req: webob.Request) -> tuple[int, int]:
    """The compute microversion a request asks for (2.1 if none).

    :raises HTTPError: 400 for a malformed version, 406 for one out of range.
    """
    value = None
    # One header may name several services ("compute 2.10, volume 3.1").
    for item in req.headers.get("OpenStack-API-Version", "").split(","):
        parts = item.split()
        if len(parts) == 2 and parts[0].lower() == "compute":
            value = parts[1]
    if value is None:
        value = req.headers.get("X-OpenStack-Nova-API-Version")
    if value is None:
        return MIN_MICROVERSION
    maximum = _version_tuple(MAX_MICROVERSION)
    if value.strip().lower() == "latest":
        return maximum
    try:
        version = _version_tuple(value.strip())
    except ValueError:
        raise HTTPError(400, "Invalid API version request string %s" % value) from None
    if not MIN_MICROVERSION <= version <= maximum:
        raise HTTPError(406, "Version %s is not supported by the API. Minimum is 2.1 and "
                             "maximum is %s." % (value.strip(), MAX_MICROVERSION))
    return version


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
        try:
            version = requested_microversion(req)
        except HTTPError as exc:
            return nova_error(exc)
        req.environ["cloudsim.compute_version"] = version
        resp = self.router.dispatch(req, path)
        text = "%d.%d" % version
        resp.headers["OpenStack-API-Version"] = "compute %s" % text
        resp.headers["X-OpenStack-Nova-API-Version"] = text
        resp.headers["Vary"] = "OpenStack-API-Version, X-OpenStack-Nova-API-Version"
        return resp

    @staticmethod
    def _typed(req: webob.Request) -> bool:
        """Whether the request's microversion has keypair types (2.2 on)."""
        return req.environ.get("cloudsim.compute_version", MIN_MICROVERSION) \
            >= KEYPAIR_TYPE_VERSION

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

    def _keypair_view(self, req: webob.Request, keypair: dict[str, Any],
                      fields: tuple[str, ...]) -> dict[str, Any]:
        view = {k: keypair.get(k) for k in fields}
        if self._typed(req):
            view["type"] = keypair.get("type", "ssh")
        return view

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
            items = [{"keypair": self._keypair_view(req, kp,
                                                    ("name", "public_key", "fingerprint"))}
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
            view = self._keypair_view(req, keypair, _CREATE_FIELDS)
        if not body.get("public_key"):
            view["private_key"] = ("-----BEGIN OPENSSH PRIVATE KEY-----\nY2xvdWRzaW0=\n"
                                   "-----END OPENSSH PRIVATE KEY-----\n")
        return json_response({"keypair": view}, status=201 if self._typed(req) else 200)

    def get_keypair(self, req: webob.Request, name: str) -> webob.Response:
        """One keypair of the user."""
        owner = self._owner(req)
        with self.store.lock:
            keypair = self.store.find_keypair(owner, name)
            if keypair is None:
                raise HTTPError(404, "Keypair %s not found for user %s" % (name, owner))
            view = self._keypair_view(req, keypair, _SHOW_FIELDS)
            view.update(deleted=False, updated_at=None, deleted_at=None)
            return json_response({"keypair": view})

    def delete_keypair(self, req: webob.Request, name: str) -> webob.Response:
        """Delete a keypair of the user; 202 (204 from 2.2)."""
        owner = self._owner(req)
        with self.store.lock:
            if self.store.keypairs.pop(keypair_key(owner, name), None) is None:
                raise HTTPError(404, "Keypair %s not found for user %s" % (name, owner))
            self.store.changed()
        return empty_response(204 if self._typed(req) else 202)

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
