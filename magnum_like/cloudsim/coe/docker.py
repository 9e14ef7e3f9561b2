"""A simulated Docker Engine API of a swarm-mode manager: what ``docker info``,
``docker version`` and ``docker node ls`` (and the Docker SDK's equivalents)
read.  Paths may carry an API version prefix (``/v1.43/info``), as clients
send them.  :mod:`.manager` serves it on 2376 with TLS client verification.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterable

import webob

#: The engine a node reports when its role file names no Docker version (the
#: one Fedora Atomic ships).
DISTRO_DOCKER = "1.13.1"
API_VERSION = "1.43"
MIN_API_VERSION = "1.12"

_VERSIONED = re.compile(r"^/v1\.\d+(/.*)$")


def _json(body: Any, status: int = 200) -> webob.Response:
    return webob.Response(status=status, content_type="application/json", charset="UTF-8",
                          body=json.dumps(body).encode())


def _error(status: int, message: str) -> webob.Response:
    return _json({"message": message}, status)


class DockerAPI:
    """One swarm's Engine API (answered as by its primary manager).

    :param cluster_uuid: the cluster.
    :param view: returns ``(nodes, master_params)`` as for
        :class:`magnum_like.cloudsim.coe.kubernetes.KubernetesAPI`.
    """

    def __init__(self, cluster_uuid: str,
                 view: Callable[[], tuple[list[dict[str, Any]], dict[str, str]]]) -> None:
        self.cluster_uuid = cluster_uuid
        self.view = view

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        req = webob.Request(environ)
        path = req.path_info or "/"
        match = _VERSIONED.match(path)
        if match:
            path = match.group(1)
        if req.method not in ("GET", "HEAD"):
            resp = _error(405, "the simulated engine only answers reads")
        elif path == "/_ping":
            resp = webob.Response(body=b"OK", content_type="text/plain")
            resp.headers["Api-Version"] = API_VERSION
        elif path == "/version":
            resp = _json(self._version())
        elif path == "/info":
            resp = _json(self._info())
        elif path == "/nodes":
            resp = _json(self._nodes())
        else:
            resp = _error(404, "page not found")
        resp.headers["Api-Version"] = API_VERSION
        resp.headers["Server"] = "Docker/%s (linux)" % self._engine_version()
        return resp(environ, start_response)

    def _engine_version(self) -> str:
        return self.view()[1].get("DOCKER_VERSION") or DISTRO_DOCKER

    def _version(self) -> dict[str, Any]:
        version = self._engine_version()
        return {"Version": version, "ApiVersion": API_VERSION,
                "MinAPIVersion": MIN_API_VERSION, "GitCommit": "cloudsim",
                "GoVersion": "go1.21", "Os": "linux", "Arch": "amd64",
                "KernelVersion": "6.5.0-cloudsim", "BuildTime": "2024-01-01T00:00:00Z",
                "Platform": {"Name": "Docker Engine - Community"},
                "Components": [{"Name": "Engine", "Version": version,
                                "Details": {"ApiVersion": API_VERSION}}]}

    def _info(self) -> dict[str, Any]:
        nodes, params = self.view()
        managers = [n for n in nodes if n["master"]]
        primary = managers[0] if managers else None
        return {
            "ID": self.cluster_uuid, "Name": primary["name"] if primary else "",
            "Containers": 0, "ContainersRunning": 0, "ContainersPaused": 0,
            "ContainersStopped": 0, "Images": 0, "Driver": "overlay2",
            "ServerVersion": self._engine_version(), "OperatingSystem":
                "Fedora Atomic (cloudsim)", "OSType": "linux", "Architecture": "x86_64",
            "KernelVersion": "6.5.0-cloudsim", "NCPU": 2, "MemTotal": 4 * 1024 ** 3,
            "Labels": ["swarm_strategy=%s" % params.get("SWARM_STRATEGY", "")],
            "Swarm": {"NodeID": primary["server_id"] if primary else "",
                      "NodeAddr": (primary["addresses"]["fixed"] or [""])[0]
                      if primary else "",
                      "LocalNodeState": "active", "ControlAvailable": True, "Error": "",
                      "Nodes": len(nodes), "Managers": len(managers),
                      "Cluster": {"ID": self.cluster_uuid}},
        }

    def _nodes(self) -> list[dict[str, Any]]:
        nodes, _ = self.view()
        result = []
        for index, node in enumerate(nodes):
            address = (node["addresses"]["fixed"] or [""])[0]
            ready = node.get("condition") != "NotReady"
            item = {
                "ID": node["server_id"], "Version": {"Index": 1},
                "CreatedAt": node.get("booted_at"), "UpdatedAt": node.get("booted_at"),
                "Spec": {"Role": "manager" if node["master"] else "worker",
                         "Availability": "active", "Labels": dict(node["labels"])},
                "Description": {
                    "Hostname": node["name"],
                    "Platform": {"Architecture": "x86_64", "OS": "linux"},
                    "Engine": {"EngineVersion": node["version"] or DISTRO_DOCKER}},
                "Status": {"State": "ready" if ready else "down", "Addr": address},
            }
            if node["master"]:
                item["ManagerStatus"] = {"Leader": index == 0, "Reachability": "reachable",
                                         "Addr": "%s:2377" % address}
            result.append(item)
        return result
