"""A simulated Mesos master (5050) and Marathon (8080), plain HTTP as the
driver deploys them: the master's ``/state`` (``/master/state``) with its
agents, Marathon's ``/v2/info`` and ``/v2/apps`` (empty: nothing is deployed).
The same app answers on both ports.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable

import webob

#: What a master reports when the stack passed no MESOS_TAG / MARATHON_TAG.
DEFAULT_TAG = "unknown"


def _json(body: Any, status: int = 200) -> webob.Response:
    return webob.Response(status=status, content_type="application/json", charset="UTF-8",
                          body=json.dumps(body).encode())


class MesosAPI:
    """One Mesos cluster's master and Marathon.

    :param cluster_uuid: the cluster.
    :param view: returns ``(nodes, master_params)`` (see :mod:`.manager`).
    """

    def __init__(self, cluster_uuid: str,
                 view: Callable[[], tuple[list[dict[str, Any]], dict[str, str]]]) -> None:
        self.cluster_uuid = cluster_uuid
        self.view = view

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        req = webob.Request(environ)
        path = (req.path_info or "/").rstrip("/")
        if req.method != "GET":
            resp = _json({"message": "the simulated cluster only answers reads"}, 405)
        elif path in ("/state", "/master/state", "/state.json", "/master/state.json"):
            resp = _json(self._state())
        elif path == "/v2/info":
            resp = _json(self._marathon_info())
        elif path == "/v2/apps":
            resp = _json({"apps": []})
        else:
            resp = _json({"message": "Not Found"}, 404)
        return resp(environ, start_response)

    def _state(self) -> dict[str, Any]:
        nodes, params = self.view()
        masters = [n for n in nodes if n["master"]]
        leader = masters[0] if masters else None
        address = (leader["addresses"]["fixed"] or [""])[0] if leader else ""
        agents = [{"id": "%s-S0" % n["server_id"], "hostname": n["name"],
                   "pid": "slave(1)@%s:5051" % (n["addresses"]["fixed"] or [""])[0],
                   "active": n.get("condition") != "NotReady",
                   "resources": {"cpus": 2.0, "mem": 3584.0, "disk": 35000.0},
                   "attributes": dict(n["labels"])}
                  for n in nodes if not n["master"]]
        return {"version": params.get("MESOS_TAG") or DEFAULT_TAG,
                "cluster": params.get("CLUSTER_NAME", ""),
                "leader": "master@%s:5050" % address,
                "hostname": leader["name"] if leader else "",
                "activated_slaves": sum(1 for a in agents if a["active"]),
                "deactivated_slaves": sum(1 for a in agents if not a["active"]),
                "slaves": agents, "frameworks": [{"name": "marathon", "active": True}]}

    def _marathon_info(self) -> dict[str, Any]:
        _, params = self.view()
        return {"name": "marathon", "version": params.get("MARATHON_TAG") or DEFAULT_TAG,
                "leader": "", "frameworkId": "%s-0000" % self.cluster_uuid,
                "marathon_config": {"master": "zk://%s/mesos"
                                    % params.get("MESOS_MASTERS", "")},
                "zookeeper_config": {"zk": "zk://%s/marathon"
                                     % params.get("MESOS_MASTERS", "")}}
