"""A simulated pod's status, as its node's kubelet would report it: scheduled pods run
(``Running``, Ready) while their node is Ready, with containers, IPs and QoS class."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Optional

from magnum_like.cloudsim.coe.kubeobjects import now


def node_ready(node: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in node["status"]["conditions"])


def qos(spec: dict[str, Any]) -> str:
    resources = [c.get("resources") or {} for c in spec["containers"]]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    if all(r.get("limits") and r.get("requests", r["limits"]) == r["limits"]
           for r in resources):
        return "Guaranteed"
    return "Burstable"


def pod_ip(pod: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(pod["metadata"].get("name")).encode() +
                            now().encode()).digest()
    return "10.100.%d.%d" % (digest[0], 1 + digest[1] % 254)


def pod_status(pod: dict[str, Any], node: Optional[dict[str, Any]]) -> dict[str, Any]:
    """A pod's ``status`` now: running while its node is Ready."""
    stored = pod.get("status") or {}
    if not pod["spec"].get("nodeName"):
        return stored
    started = stored.get("startTime") or now()
    ready = node is not None and node_ready(node)
    flag = "True" if ready else "False"
    if node is None:
        why = {"reason": "NodeLost", "message": 'node "%s" is gone' % pod["spec"]["nodeName"]}
    elif not ready:
        why = {"reason": "NodeNotReady", "message": "the pod's node is not ready"}
    else:
        why = {}
    conditions = [dict({"type": kind, "status": status, "lastProbeTime": None,
                        "lastTransitionTime": started}, **(why if status == "False" else {}))
                  for kind, status in (("Initialized", "True"), ("Ready", flag),
                                       ("ContainersReady", flag), ("PodScheduled", "True"))]
    containers = []
    for container in pod["spec"]["containers"]:
        digest = hashlib.sha256((pod["metadata"]["uid"] + container["name"]).encode())
        containers.append({
            "name": container["name"], "image": container["image"],
            "imageID": "docker-pullable://%s@sha256:%s" % (
                container["image"].split("@")[0].split(":")[0],
                hashlib.sha256(container["image"].encode()).hexdigest()),
            "containerID": "docker://" + digest.hexdigest(), "ready": ready,
            "started": ready, "restartCount": 0,
            "state": {"running": {"startedAt": started}}})
    host = [a["address"] for a in (node or {}).get("status", {}).get("addresses", [])
            if a["type"] == "InternalIP"]
    ip = stored.get("podIP", "")
    return {"phase": "Running" if node is not None else "Unknown", "conditions": conditions,
            "hostIP": host[0] if host else "", "podIP": ip, "podIPs": [{"ip": ip}],
            "startTime": started, "containerStatuses": containers,
            "qosClass": stored.get("qosClass", "BestEffort")}
