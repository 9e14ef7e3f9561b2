"""Simulated Barbican v1: secrets and containers, as python-barbicanclient calls it.

Mounted at ``/key-manager``.  Payloads are kept base64-encoded so snapshots
stay JSON.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import webob

from magnum_like.cloudsim.store import Store, new_id, now_iso
from magnum_like.cloudsim.wsgi import HTTPError, Router, empty_response, json_response, \
    read_json_object, reason_phrase

_TEXT_TYPES = ("text/plain", "text/plain;charset=utf-8", "text/plain; charset=utf-8")


def barbican_error(exc: HTTPError) -> webob.Response:
    """Render an error in Barbican's shape (barbicanclient prints title: description)."""
    return json_response({"code": exc.status, "title": reason_phrase(exc.status),
                          "description": exc.message}, status=exc.status)


class BarbicanAPI:
    """Routes of the simulated Barbican API."""

    def __init__(self, store: Store) -> None:
        self.store = store
        r = self.router = Router(barbican_error)
        r.add("GET", "/", self.versions)
        r.add("GET", "/v1", self.version)
        r.add("POST", "/v1/secrets", self.create_secret)
        r.add("GET", "/v1/secrets", self.list_secrets)
        r.add("GET", "/v1/secrets/{sid}", self.get_secret)
        r.add("PUT", "/v1/secrets/{sid}", self.put_payload)
        r.add("GET", "/v1/secrets/{sid}/payload", self.get_payload)
        r.add("DELETE", "/v1/secrets/{sid}", self.delete_secret)
        r.add("POST", "/v1/containers", self.create_container)
        r.add("GET", "/v1/containers", self.list_containers)
        r.add("GET", "/v1/containers/{cid}", self.get_container)
        r.add("DELETE", "/v1/containers/{cid}", self.delete_container)

    def __call__(self, req: webob.Request, path: str) -> webob.Response:
        """Dispatch a request whose path is relative to ``/key-manager``."""
        return self.router.dispatch(req, path)

    @staticmethod
    def _base(req: webob.Request) -> str:
        return req.host_url + "/key-manager/v1"

    def _version_doc(self, req: webob.Request) -> dict[str, Any]:
        return {"id": "v1", "status": "CURRENT", "min_version": "1.0", "max_version": "1.1",
                "links": [{"rel": "self", "href": self._base(req) + "/"}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.key-manager-v1+json"}]}

    def versions(self, req: webob.Request) -> webob.Response:
        """Barbican's version discovery document."""
        return json_response({"versions": {"values": [self._version_doc(req)]}}, status=300)

    def version(self, req: webob.Request) -> webob.Response:
        """The v1 version document."""
        return json_response({"version": self._version_doc(req)})

    # -- secrets ---------------------------------------------------------------

    def _secret(self, sid: str) -> dict[str, Any]:
        secret = self.store.secrets.get(sid)
        if secret is None:
            raise HTTPError(404, "Secret not found.", "NotFound")
        return secret

    def _secret_view(self, req: webob.Request, secret: dict[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in secret.items() if not k.startswith("_") and k != "id"}
        view["secret_ref"] = "%s/secrets/%s" % (self._base(req), secret["id"])
        view["content_types"] = ({"default": secret["_content_type"]}
                                 if secret.get("_payload") is not None else None)
        return view

    @staticmethod
    def _encode(payload: Any, content_type: str, encoding: Any) -> str:
        if not isinstance(payload, str) or payload == "":
            raise HTTPError(400, "If 'payload' is specified, must be non empty", "BadRequest")
        if encoding == "base64":
            try:
                raw = base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError):
                raise HTTPError(400, "Problem decoding payload", "BadRequest") from None
        else:
            raw = payload.encode("utf-8")
        return base64.b64encode(raw).decode("ascii")

    def create_secret(self, req: webob.Request) -> webob.Response:
        """Store a secret (with or without payload); 201 with ``secret_ref``."""
        body = read_json_object(req)
        payload = body.get("payload")
        content_type = body.get("payload_content_type")
        if payload is not None and not content_type:
            raise HTTPError(400, "If 'payload' specified, 'payload_content_type' must also "
                            "be specified", "BadRequest")
        with self.store.lock:
            sid = new_id()
            secret = {
                "id": sid, "name": body.get("name"), "status": "ACTIVE",
                "secret_type": body.get("secret_type") or "opaque",
                "algorithm": body.get("algorithm"), "bit_length": body.get("bit_length"),
                "mode": body.get("mode"), "expiration": body.get("expiration"),
                "created": now_iso(), "updated": now_iso(), "creator_id": "cloudsim",
                "_content_type": content_type, "_payload": None,
            }
            if payload is not None:
                secret["_payload"] = self._encode(payload, content_type,
                                                  body.get("payload_content_encoding"))
            self.store.secrets[sid] = secret
            self.store.changed()
        return json_response({"secret_ref": "%s/secrets/%s" % (self._base(req), sid)},
                             status=201)

    def put_payload(self, req: webob.Request, sid: str) -> webob.Response:
        """Upload a payload to a secret created without one."""
        with self.store.lock:
            secret = self._secret(sid)
            if secret.get("_payload") is not None:
                raise HTTPError(409, "Secret already has data, cannot modify it.", "Conflict")
            secret["_content_type"] = (req.content_type or "text/plain")
            secret["_payload"] = base64.b64encode(req.body).decode("ascii")
            self.store.changed()
        return empty_response(204)

    def list_secrets(self, req: webob.Request) -> webob.Response:
        """List secrets with ``limit``/``offset``/``name``."""
        try:
            limit = int(req.GET.get("limit", 10))
            offset = int(req.GET.get("offset", 0))
        except ValueError:
            raise HTTPError(400, "limit and offset must be integers", "BadRequest") from None
        with self.store.lock:
            secrets = sorted(self.store.secrets.values(), key=lambda s: (s["created"], s["id"]))
            if req.GET.get("name"):
                secrets = [s for s in secrets if s["name"] == req.GET["name"]]
            page = secrets[offset:offset + limit]
            body: dict[str, Any] = {"secrets": [self._secret_view(req, s) for s in page],
                                    "total": len(secrets)}
        if offset + limit < len(secrets):
            body["next"] = "%s/secrets?limit=%d&offset=%d" % (self._base(req), limit,
                                                             offset + limit)
        if offset > 0:
            body["previous"] = "%s/secrets?limit=%d&offset=%d" % (
                self._base(req), limit, max(0, offset - limit))
        return json_response(body)

    def get_secret(self, req: webob.Request, sid: str) -> webob.Response:
        """Secret metadata, or the payload when the client accepts non-JSON."""
        accept = req.headers.get("Accept", "application/json")
        if accept and "json" not in accept and accept != "*/*":
            return self.get_payload(req, sid)
        with self.store.lock:
            return json_response(self._secret_view(req, self._secret(sid)))

    def get_payload(self, req: webob.Request, sid: str) -> webob.Response:
        """The raw payload, in its stored content type."""
        with self.store.lock:
            secret = self._secret(sid)
            if secret.get("_payload") is None:
                raise HTTPError(404, "Not Found. Sorry but your secret has no payload.",
                                "NotFound")
            raw = base64.b64decode(secret["_payload"])
            content_type = secret["_content_type"] or "application/octet-stream"
        resp = webob.Response(status=200)
        resp.content_type = content_type.split(";")[0]
        if resp.content_type.startswith("text/"):
            resp.charset = "UTF-8"
        resp.body = raw
        return resp

    def delete_secret(self, req: webob.Request, sid: str) -> webob.Response:
        """Delete a secret; 204."""
        with self.store.lock:
            self._secret(sid)
            del self.store.secrets[sid]
            self.store.changed()
        return empty_response(204)

    # -- containers ----------------------------------------------------------------

    def _container(self, cid: str) -> dict[str, Any]:
        container = self.store.containers.get(cid)
        if container is None:
            raise HTTPError(404, "Container not found.", "NotFound")
        return container

    def _container_view(self, req: webob.Request, container: dict[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in container.items() if k not in ("id", "secret_ids")}
        view["container_ref"] = "%s/containers/%s" % (self._base(req), container["id"])
        view["secret_refs"] = [{"name": item["name"], "secret_ref": "%s/secrets/%s" % (
            self._base(req), item["id"])} for item in container["secret_ids"]]
        return view

    def create_container(self, req: webob.Request) -> webob.Response:
        """Create a generic/certificate/rsa container over existing secrets."""
        body = read_json_object(req)
        ctype = body.get("type", "generic")
        if ctype not in ("generic", "certificate", "rsa"):
            raise HTTPError(400, "Invalid container type %s" % ctype, "BadRequest")
        refs = body.get("secret_refs") or []
        if not isinstance(refs, list):
            raise HTTPError(400, "secret_refs must be a list", "BadRequest")
        with self.store.lock:
            items = []
            for ref in refs:
                if not isinstance(ref, dict) or not ref.get("secret_ref"):
                    raise HTTPError(400, "Each secret_ref needs a secret_ref URL", "BadRequest")
                sid = str(ref["secret_ref"]).rstrip("/").rsplit("/", 1)[-1]
                if sid not in self.store.secrets:
                    raise HTTPError(404, "Secret provided for '%s' doesn't exist."
                                    % ref.get("name"), "NotFound")
                items.append({"name": ref.get("name"), "id": sid})
            if ctype == "certificate" and not any(i["name"] == "certificate" for i in items):
                raise HTTPError(400, "Provided object does not match schema 'Container': "
                                "certificate container requires a 'certificate' secret",
                                "BadRequest")
            cid = new_id()
            self.store.containers[cid] = {
                "id": cid, "name": body.get("name"), "type": ctype, "status": "ACTIVE",
                "created": now_iso(), "updated": now_iso(), "creator_id": "cloudsim",
                "consumers": [], "secret_ids": items}
            self.store.changed()
        return json_response({"container_ref": "%s/containers/%s" % (self._base(req), cid)},
                             status=201)

    def list_containers(self, req: webob.Request) -> webob.Response:
        """List containers with ``limit``/``offset``/``name``/``type``."""
        try:
            limit = int(req.GET.get("limit", 10))
            offset = int(req.GET.get("offset", 0))
        except ValueError:
            raise HTTPError(400, "limit and offset must be integers", "BadRequest") from None
        with self.store.lock:
            items = sorted(self.store.containers.values(), key=lambda c: (c["created"], c["id"]))
            for key in ("name", "type"):
                if req.GET.get(key):
                    items = [c for c in items if c[key] == req.GET[key]]
            body = {"containers": [self._container_view(req, c)
                                   for c in items[offset:offset + limit]],
                    "total": len(items)}
        return json_response(body)

    def get_container(self, req: webob.Request, cid: str) -> webob.Response:
        """Show one container."""
        with self.store.lock:
            return json_response(self._container_view(req, self._container(cid)))

    def delete_container(self, req: webob.Request, cid: str) -> webob.Response:
        """Delete a container (its secrets stay, as in Barbican); 204."""
        with self.store.lock:
            self._container(cid)
            del self.store.containers[cid]
            self.store.changed()
        return empty_response(204)
