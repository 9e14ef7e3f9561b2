"""Server-side printing: the ``Table`` form kubectl asks for
(``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``), so ``kubectl get
nodes`` shows STATUS, ROLES and VERSION (pods READY and STATUS, replication
controllers DESIRED, CURRENT, READY, deployments READY, UP-TO-DATE, AVAILABLE)
as against a real API server.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable

_Column = tuple[str, str, int, Callable[[dict[str, Any]], Any]]


def wants_table(accept: str) -> bool:
    """Whether the client asked for a ``Table``."""
    return "as=Table" in accept.replace(" ", "")


def _age(obj: dict[str, Any]) -> str:
    stamp = obj.get("metadata", {}).get("creationTimestamp")
    try:
        created = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return "<unknown>"
    seconds = int((datetime.datetime.now(datetime.timezone.utc) - created).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * 2:
            return "%d%s" % (seconds // size, unit)
    return "%ds" % max(seconds, 0)


def _node_status(node: dict[str, Any]) -> str:
    ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
    return "Ready" if ready and ready[0]["status"] == "True" else "NotReady"


def _node_roles(node: dict[str, Any]) -> str:
    prefix = "node-role.kubernetes.io/"
    roles = sorted(k[len(prefix):] for k in node["metadata"].get("labels", {})
                   if k.startswith(prefix))
    return ",".join(roles) or "<none>"


def _address(node: dict[str, Any], kind: str) -> str:
    found = [a["address"] for a in node["status"]["addresses"] if a["type"] == kind]
    return found[0] if found else "<none>"


_NODE: list[_Column] = [
    ("Name", "string", 0, lambda o: o["metadata"]["name"]),
    ("Status", "string", 0, _node_status),
    ("Roles", "string", 0, _node_roles),
    ("Age", "string", 0, _age),
    ("Version", "string", 0, lambda o: o["status"]["nodeInfo"]["kubeletVersion"]),
    ("Internal-IP", "string", 1, lambda o: _address(o, "InternalIP")),
    ("External-IP", "string", 1, lambda o: _address(o, "ExternalIP")),
    ("OS-Image", "string", 1, lambda o: o["status"]["nodeInfo"]["osImage"]),
    ("Kernel-Version", "string", 1, lambda o: o["status"]["nodeInfo"]["kernelVersion"]),
    ("Container-Runtime", "string", 1,
     lambda o: o["status"]["nodeInfo"]["containerRuntimeVersion"]),
]
_POD: list[_Column] = [
    ("Name", "string", 0, lambda o: o["metadata"]["name"]),
    ("Ready", "string", 0, lambda o: "%d/%d" % (
        sum(1 for c in o["status"].get("containerStatuses", []) if c.get("ready")),
        len(o["spec"].get("containers", [])))),
    ("Status", "string", 0, lambda o: o["status"].get("phase", "")),
    ("Restarts", "integer", 0, lambda o: sum(c.get("restartCount", 0) for c in
                                             o["status"].get("containerStatuses", []))),
    ("Age", "string", 0, _age),
    ("IP", "string", 1, lambda o: o["status"].get("podIP") or o["status"].get("hostIP", "")),
    ("Node", "string", 1, lambda o: o["spec"].get("nodeName", "")),
]
_RC: list[_Column] = [
    ("Name", "string", 0, lambda o: o["metadata"]["name"]),
    ("Desired", "integer", 0, lambda o: o["spec"].get("replicas", 0)),
    ("Current", "integer", 0, lambda o: o.get("status", {}).get("replicas", 0)),
    ("Ready", "integer", 0, lambda o: o.get("status", {}).get("readyReplicas", 0)),
    ("Age", "string", 0, _age),
]
_DEPLOYMENT: list[_Column] = [
    ("Name", "string", 0, lambda o: o["metadata"]["name"]),
    ("Ready", "string", 0, lambda o: "%d/%d" % (o.get("status", {}).get("readyReplicas", 0),
                                                 o["spec"].get("replicas", 0))),
    ("Up-to-date", "integer", 0, lambda o: o.get("status", {}).get("updatedReplicas", 0)),
    ("Available", "integer", 0, lambda o: o.get("status", {}).get("availableReplicas", 0)),
    ("Age", "string", 0, _age),
]
_NAMESPACE: list[_Column] = [
    ("Name", "string", 0, lambda o: o["metadata"]["name"]),
    ("Status", "string", 0, lambda o: o.get("status", {}).get("phase", "")),
    ("Age", "string", 0, _age),
]
_DATA: list[_Column] = [
    ("Name", "string", 0, lambda o: o["metadata"]["name"]),
    ("Data", "integer", 0, lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {})),
    ("Age", "string", 0, _age),
]
_SECRET: list[_Column] = _DATA[:1] + [("Type", "string", 0, lambda o: o.get("type", ""))] + \
    _DATA[1:]
_DEFAULT: list[_Column] = [
    ("Name", "string", 0, lambda o: o["metadata"]["name"]),
    ("Age", "string", 0, _age),
]
_BY_KIND = {"Node": _NODE, "Pod": _POD, "Namespace": _NAMESPACE, "ConfigMap": _DATA,
            "Secret": _SECRET, "ReplicationController": _RC, "Deployment": _DEPLOYMENT}


def table(body: dict[str, Any]) -> dict[str, Any]:
    """A list or an object as a ``meta.k8s.io/v1`` ``Table``."""
    if body.get("kind", "").endswith("List") and "items" in body:
        kind, items = body["kind"][:-4], body["items"]
        version = body.get("metadata", {}).get("resourceVersion", "")
    else:
        kind, items = body.get("kind", ""), [body]
        version = body.get("metadata", {}).get("resourceVersion", "")
    columns = _BY_KIND.get(kind, _DEFAULT)
    return {
        "kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": version},
        "columnDefinitions": [{"name": name, "type": kind_, "format": "name" if i == 0 else "",
                               "description": "", "priority": priority}
                              for i, (name, kind_, priority, _) in enumerate(columns)],
        "rows": [{"cells": [cell(item) for _, _, _, cell in columns],
                  "object": {"kind": "PartialObjectMetadata",
                             "apiVersion": "meta.k8s.io/v1",
                             "metadata": item.get("metadata", {})}}
                 for item in items],
    }
