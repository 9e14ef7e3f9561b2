"""The simulated Kubernetes API's pods and replication controllers, through the
WSGI app itself (the e2e tests drive it with the official client and kubectl):
scheduling by taints, nodeSelector and readiness, selectors, Orphan deletes, the
routes that are no object's, the add-ons' pods untouched."""
from __future__ import annotations

import json
from typing import Any

import pytest
import webob

from magnum_like.cloudsim.coe.kubeobjects import ObjectStore
from magnum_like.cloudsim.coe.kubernetes import KubernetesAPI


def _node(name: str, *, master: bool = False, labels: dict | None = None,
          taints: list | None = None, condition: str | None = None) -> dict[str, Any]:
    return {"name": name, "role": "master" if master else "worker", "master": master,
            "taints": taints or [], "labels": labels or {}, "condition": condition,
            "booted_at": None, "version": "v1.30.2", "ca_generation": "1",
            "server_id": "%s-0000-0000" % name, "nodegroup": "default-worker",
            "addresses": {"fixed": ["10.0.0.%d" % (len(name) + 2)], "floating": []}}


class Cluster:
    def __init__(self) -> None:
        self.nodes = [_node("m0", master=True), _node("w0"), _node("w1")]
        self.app = KubernetesAPI("c0", lambda: (self.nodes, {"KUBE_TAG": "v1.30.2"}),
                                 ObjectStore())

    def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        req = webob.Request.blank(path, method=method)
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = "application/json"
        resp = req.get_response(self.app)
        return resp.status_int, json.loads(resp.body)


def _pod(name: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": {"app": name}},
            "spec": dict({"containers": [{"name": "c", "image": "nginx"}]}, **spec)}


@pytest.fixture
def api() -> Cluster:
    return Cluster()


def test_scheduling_follows_taints_selectors_and_readiness(api: Cluster) -> None:
    api.nodes[2]["labels"] = {"disk": "ssd"}
    code, pod = api("POST", "/api/v1/namespaces/default/pods", _pod("a", nodeSelector={
        "disk": "ssd"}))
    assert code == 201 and pod["spec"]["nodeName"] == "w1"
    # Only a pod tolerating the master taint may land on the master.
    api.nodes[1]["condition"] = api.nodes[2]["condition"] = "NotReady"
    code, pod = api("POST", "/api/v1/namespaces/default/pods", _pod("b"))
    assert pod["status"]["phase"] == "Pending"
    assert "1 node(s) had untolerated taints" in pod["status"]["conditions"][0]["message"]
    code, pod = api("POST", "/api/v1/namespaces/default/pods", _pod("c", tolerations=[
        {"key": "node-role.kubernetes.io/master", "operator": "Exists"}]))
    assert pod["spec"]["nodeName"] == "m0"
    # A pod on a NotReady node is not Ready; Ready again with its node.
    ready = {c["type"]: c["status"] for c in api("GET", "/api/v1/namespaces/default/pods/a")[1][
        "status"]["conditions"]}
    assert ready["Ready"] == "False"
    api.nodes[1]["condition"] = api.nodes[2]["condition"] = None
    code, listed = api("GET", "/api/v1/namespaces/default/pods?fieldSelector=status.phase"
                              "%3DRunning,metadata.name!%3Dc")
    assert sorted(p["metadata"]["name"] for p in listed["items"]) == ["a", "b"]
    code, listed = api("GET", "/api/v1/pods?labelSelector=app+notin+(a,c),!missing")
    assert [p["metadata"]["name"] for p in listed["items"]
            if p["metadata"]["namespace"] == "default"] == ["b"]
    assert api("GET", "/api/v1/pods?labelSelector=app%3D%3D%3Dx")[0] == 400


def test_orphaned_pods_stay_and_wrong_routes_are_404(api: Cluster) -> None:
    rc = {"metadata": {"name": "web"}, "spec": {"replicas": 3, "template": {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}}}
    code, created = api("POST", "/api/v1/namespaces/default/replicationcontrollers", rc)
    assert code == 201 and created["spec"]["selector"] == {"app": "web"}
    assert created["status"]["replicas"] == 3
    pods = api("GET", "/api/v1/namespaces/default/pods")[1]["items"]
    assert {p["spec"]["containers"][0]["imagePullPolicy"] for p in pods} == {"IfNotPresent"}
    code, status = api("DELETE", "/api/v1/namespaces/default/replicationcontrollers/web",
                       {"propagationPolicy": "Orphan"})
    assert code == 200 and status["status"] == "Success"
    pods = api("GET", "/api/v1/namespaces/default/pods")[1]["items"]
    assert len(pods) == 3 and not any(p["metadata"].get("ownerReferences") for p in pods)
    assert api("GET", "/api/v1/pods/%s" % pods[0]["metadata"]["name"])[0] == 404
    assert api("GET", "/api/v1/replicationcontrollers/web")[0] == 404
    assert api("POST", "/api/v1/pods", _pod("x"))[0] == 405
    # An update is not a create: a pod that is not there is 404.
    assert api("PUT", "/api/v1/namespaces/default/pods/x", _pod("x"))[0] == 404
    assert api("OPTIONS", "/api/v1/namespaces/default/pods")[0] == 405
    code, error = api("POST", "/api/v1/namespaces/default/pods", {
        "kind": "Service", "metadata": {"name": "s"}})
    assert code == 400 and error["kind"] == "Status" and "Service" in error["message"]
    code, error = api("POST", "/api/v1/namespaces/default/replicationcontrollers", dict(
        rc, spec=dict(rc["spec"], replicas=True)))
    assert code == 422 and error["details"]["causes"][0]["field"] == "spec.replicas"


def test_addon_pods_unchanged(api: Cluster) -> None:
    code, listed = api("GET", "/api/v1/namespaces/kube-system/pods")
    names = sorted(p["metadata"]["name"] for p in listed["items"])
    assert names == ["coredns-m0-00", "kube-proxy-m0-00", "kube-proxy-w0-00", "kube-proxy-w1-00"]
    assert api("GET", "/api/v1/pods/coredns-m0-00")[0] == 200
    assert api("DELETE", "/api/v1/namespaces/kube-system/pods/coredns-m0-00")[0] == 405
    assert api("POST", "/api/v1/namespaces/kube-system/pods", _pod("coredns-m0-00"))[0] == 409
    assert not api("GET", "/api/v1/namespaces/default/pods")[1]["items"]
