"""The objects a simulated Kubernetes cluster keeps: namespaces, secrets,
configmaps, custom resource definitions and custom resources, pods and
replication controllers (:mod:`.kubeworkloads` validates and runs those).

In memory, per cluster, bounded (:data:`MAX_OBJECTS`); a cluster whose API
stops (its stack deleted, a CA rotation re-keying it) keeps them as long as the
simulator runs, as etcd would.  Validation answers what the real API server
answers: 422 ``Invalid`` naming the field, 409 ``AlreadyExists``, 404
``NotFound``.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import collections
import itertools
import json
import re
import threading
import uuid
from typing import Any, Optional

import webob

#: Objects one cluster holds at most (every kind together).
MAX_OBJECTS = 10000
#: Largest request body accepted (bytes).
MAX_BODY = 3 * 1024 * 1024
#: Bytes of data one secret or configmap holds at most (the API server's limit).
MAX_DATA_BYTES = 1024 * 1024

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")

#: Namespaces every cluster starts with.
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class KubeError(Exception):
    """An API error, rendered as a ``Status`` object."""

    def __init__(self, code: int, reason: str, message: str,
                 details: Optional[dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details = details or {}

    def status(self) -> dict[str, Any]:
        """The ``Status`` body."""
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": self.message, "reason": self.reason, "details": self.details,
                "code": self.code}


def now() -> str:
    """A timestamp as the API server writes them."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_body(req: webob.Request) -> Any:
    """The request's JSON body (None when empty); 413 past :data:`MAX_BODY`, 400 if not JSON.

    Another media type (recent kubectl releases send protobuf for typed creates) is
    415, as from an API server that does not speak it.
    """
    media = (req.content_type or "").split(";")[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise KubeError(415, "UnsupportedMediaType", "the body of the request was in an "
                        "unknown format - accepted media types include: application/json")
    if req.content_length and req.content_length > MAX_BODY:
        raise KubeError(413, "RequestEntityTooLarge", "request body larger than %d bytes"
                        % MAX_BODY)
    try:
        return json.loads(req.body or b"null")
    except (ValueError, RecursionError):
        raise KubeError(400, "BadRequest", "the body is not valid JSON (or nests too "
                                           "deeply)") from None


def object_list(kind: str, items: list[dict[str, Any]], version: str,
                api_version: str = "v1") -> dict[str, Any]:
    """A ``<Kind>List`` body."""
    return {"kind": kind + "List", "apiVersion": api_version,
            "metadata": {"resourceVersion": version}, "items": items}


def invalid(kind: str, name: str, field: str, why: str) -> KubeError:
    """422 ``Invalid`` naming the field."""
    return KubeError(422, "Invalid", '%s "%s" is invalid: %s: %s' % (kind, name, field, why),
                     {"name": name, "kind": kind.lower(),
                      "causes": [{"reason": "FieldValueInvalid", "message": why,
                                  "field": field}]})


def check_name(kind: str, name: Any, *, label: bool = False) -> str:
    """A valid ``metadata.name`` (DNS subdomain; a DNS label for namespaces)."""
    if not isinstance(name, str) or not name:
        raise invalid(kind, str(name or ""), "metadata.name", "Required value: name is required")
    limit, pattern = (63, _LABEL) if label else (253, _SUBDOMAIN)
    if len(name) > limit or not pattern.match(name):
        raise invalid(kind, name[:64], "metadata.name",
                      "Invalid value: %r: must be a lowercase RFC 1123 %s of at most %d "
                      "characters" % (name[:64], "label" if label else "subdomain", limit))
    return name


def _check_data(kind: str, name: str, body: dict[str, Any]) -> None:
    size = 0
    for field in ("data", "stringData", "binaryData"):
        value = body.get(field)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise invalid(kind, name, field, "Invalid value: must be a map of strings")
        for key, item in value.items():
            if not _DATA_KEY.match(key) or len(key) > 253:
                raise invalid(kind, name, "%s[%s]" % (field, key),
                              "Invalid value: a valid config key must consist of alphanumeric "
                              "characters, '-', '_' or '.'")
            if not isinstance(item, str):
                raise invalid(kind, name, "%s[%s]" % (field, key), "Invalid value: not a string")
            if (kind == "Secret" and field == "data") or field == "binaryData":
                try:
                    base64.b64decode(item, validate=True)
                except (binascii.Error, ValueError):
                    raise invalid(kind, name, "%s[%s]" % (field, key),
                                  "Invalid value: illegal base64 data") from None
            size += len(key) + len(item)
    if size > MAX_DATA_BYTES:
        raise invalid(kind, name, "data", "Too long: must have at most %d bytes"
                      % MAX_DATA_BYTES)


class ObjectStore:
    """One cluster's objects, keyed by (resource, namespace, name)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._versions = itertools.count(1)
        self._objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._counts: collections.Counter[str] = collections.Counter()
        for ns in SYSTEM_NAMESPACES:
            self.create("namespaces", "", {"metadata": {"name": ns}}, kind="Namespace")

    def version(self) -> str:
        """The list's ``resourceVersion``."""
        return str(next(self._versions))

    def list(self, resource: str, namespace: Optional[str] = None) -> list[dict[str, Any]]:
        """Objects of ``resource`` (in ``namespace`` when given), by name."""
        with self.lock:
            found = [obj for (res, ns, _), obj in self._objects.items()
                     if res == resource and (namespace is None or ns == namespace)]
        return sorted(found, key=lambda o: (o["metadata"].get("namespace", ""),
                                            o["metadata"]["name"]))

    def count(self, resource: str) -> int:
        """How many objects of ``resource`` there are (every namespace)."""
        with self.lock:
            return self._counts[resource]

    def get(self, resource: str, namespace: str, name: str, kind: str) -> dict[str, Any]:
        """One object; :class:`KubeError` 404 if missing."""
        with self.lock:
            obj = self._objects.get((resource, namespace, name))
        if obj is None:
            raise KubeError(404, "NotFound", '%s "%s" not found' % (resource, name),
                            {"name": name, "kind": resource})
        return obj

    def create(self, resource: str, namespace: str, body: Any, *, kind: str,
               api_version: str = "v1", limit: Optional[int] = None) -> dict[str, Any]:
        """Store a new object (validated); 409 if the name is taken, 403 when the
        cluster holds :data:`MAX_OBJECTS` objects or ``limit`` of ``resource``."""
        if not isinstance(body, dict):
            raise KubeError(400, "BadRequest", "the body must be a JSON object")
        meta = body.get("metadata")
        if not isinstance(meta, dict):
            raise invalid(kind, "", "metadata", "Required value")
        name = meta.get("name")
        if not name and isinstance(meta.get("generateName"), str):
            name = meta["generateName"] + uuid.uuid4().hex[:5]
        name = check_name(kind, name, label=resource == "namespaces")
        for field in ("labels", "annotations"):
            if meta.get(field) is not None and not isinstance(meta[field], dict):
                raise invalid(kind, name, "metadata.%s" % field, "Invalid value: must be a map")
        if kind in ("Secret", "ConfigMap"):
            _check_data(kind, name, body)
        obj = dict(body, kind=kind, apiVersion=api_version)
        obj["metadata"] = dict(meta, name=name, uid=str(uuid.uuid4()),
                               creationTimestamp=now())
        if namespace:
            obj["metadata"]["namespace"] = namespace
        if kind == "Secret":
            data = dict(obj.get("data") or {})
            for key, value in (obj.pop("stringData", None) or {}).items():
                data[key] = base64.b64encode(value.encode()).decode()
            obj["data"] = data
            obj.setdefault("type", "Opaque")
        if kind == "Namespace":
            obj["spec"] = {"finalizers": ["kubernetes"]}
            obj["status"] = {"phase": "Active"}
        with self.lock:
            if namespace and ("namespaces", "", namespace) not in self._objects:
                raise KubeError(404, "NotFound", 'namespaces "%s" not found' % namespace,
                                {"name": namespace, "kind": "namespaces"})
            if (resource, namespace, name) in self._objects:
                raise KubeError(409, "AlreadyExists", '%s "%s" already exists'
                                % (resource, name), {"name": name, "kind": resource})
            if len(self._objects) >= MAX_OBJECTS:
                raise KubeError(403, "Forbidden", "exceeded quota: the simulated cluster "
                                                  "holds at most %d objects" % MAX_OBJECTS)
            if limit is not None and self._counts[resource] >= limit:
                raise KubeError(403, "Forbidden", '%s "%s" is forbidden: exceeded quota: the '
                                'simulated cluster holds at most %d %s'
                                % (resource, name, limit, resource),
                                {"name": name, "kind": resource})
            obj["metadata"]["resourceVersion"] = str(next(self._versions))
            self._objects[(resource, namespace, name)] = obj
            self._counts[resource] += 1
        return obj

    def replace(self, resource: str, namespace: str, name: str, body: dict[str, Any], *,
                kind: str, api_version: str = "v1", dry: bool = False) -> dict[str, Any]:
        """Store ``body`` in place of an object (:mod:`.kubepatch` checked its identity).

        Labels, annotations and data are validated as on create; the uid, creation
        time, namespace and name stay; the resourceVersion moves on, and
        ``metadata.generation`` too when the spec changed. ``dry``: only the result.
        """
        current = self.get(resource, namespace, name, kind)
        meta = body.get("metadata")
        if not isinstance(meta, dict):
            raise invalid(kind, name, "metadata", "Required value")
        for field in ("labels", "annotations"):
            value = meta.get(field)
            if value is not None and (not isinstance(value, dict) or not all(
                    isinstance(v, str) for v in value.values())):
                raise invalid(kind, name, "metadata.%s" % field,
                              "Invalid value: must be a map of strings")
        if kind in ("Secret", "ConfigMap"):
            _check_data(kind, name, body)
        obj = dict(body, kind=kind, apiVersion=api_version)
        kept = {key: current["metadata"][key] for key in
                ("name", "uid", "creationTimestamp", "namespace", "generation",
                 "ownerReferences") if key in current["metadata"]}
        obj["metadata"] = dict(meta, **kept)
        if "ownerReferences" in meta and "ownerReferences" not in kept:
            obj["metadata"]["ownerReferences"] = meta["ownerReferences"]
        if kind == "Secret":
            data = dict(obj.get("data") or {})
            for key, value in (obj.pop("stringData", None) or {}).items():
                if not isinstance(value, str):
                    raise invalid(kind, name, "stringData[%s]" % key, "Invalid value: not a "
                                                                      "string")
                data[key] = base64.b64encode(value.encode()).decode()
            obj["data"] = data
            obj.setdefault("type", current.get("type", "Opaque"))
            if obj["type"] != current.get("type", "Opaque"):
                raise invalid(kind, name, "type", "Invalid value: field is immutable")
        if kind == "Namespace":
            obj["spec"], obj["status"] = current["spec"], current["status"]
        if "generation" in current["metadata"] and \
                json.dumps(obj.get("spec"), sort_keys=True) != \
                json.dumps(current.get("spec"), sort_keys=True):
            obj["metadata"]["generation"] = current["metadata"]["generation"] + 1
        if dry:
            return dict(obj, metadata=dict(obj["metadata"],
                                           resourceVersion=current["metadata"]
                                           ["resourceVersion"]))
        with self.lock:
            if self._objects.get((resource, namespace, name)) is not current:
                raise KubeError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": '
                                "the object has been modified; please apply your changes "
                                "to the latest version and try again" % (resource, name),
                                {"name": name, "kind": resource})
            obj["metadata"]["resourceVersion"] = str(next(self._versions))
            self._objects[(resource, namespace, name)] = obj
        return obj

    def delete(self, resource: str, namespace: str, name: str, kind: str) -> dict[str, Any]:
        """Remove an object (a namespace with everything in it); 404 if missing."""
        obj = self.get(resource, namespace, name, kind)
        if resource == "namespaces" and name in SYSTEM_NAMESPACES:
            raise KubeError(403, "Forbidden", 'namespaces "%s" is forbidden: this namespace '
                                              'may not be deleted' % name)
        with self.lock:
            if self._objects.pop((resource, namespace, name), None) is not None:
                self._counts[resource] -= 1
            if resource == "namespaces":
                for key in [k for k in self._objects if k[1] == name]:
                    del self._objects[key]
                    self._counts[key[0]] -= 1
        return obj

    def delete_kind(self, resource: str) -> None:
        """Forget every object of a custom resource whose definition went."""
        with self.lock:
            for key in [k for k in self._objects if k[0] == resource]:
                del self._objects[key]
            self._counts.pop(resource, None)
