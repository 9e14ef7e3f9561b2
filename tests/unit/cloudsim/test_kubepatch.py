"""PUT and PATCH on the simulated Kubernetes API (``coe/kubepatch.py``), through
the WSGI app itself: the three patch types, identity and resourceVersion checks,
dry runs, what a pod may change, an RC's replicas and its ``scale``."""
from __future__ import annotations

import json
from typing import Any

import pytest
import webob

from magnum_like.cloudsim.coe import kubepatch
from magnum_like.cloudsim.coe.kubeobjects import ObjectStore
from magnum_like.cloudsim.coe.kubernetes import KubernetesAPI
from tests.unit.cloudsim.test_kubeworkloads import _node

NS = "/api/v1/namespaces/default"


class Cluster:
    def __init__(self) -> None:
        self.nodes = [_node("m0", master=True), _node("w0"), _node("w1")]
        self.app = KubernetesAPI("c0", lambda: (self.nodes, {"KUBE_TAG": "v1.30.2"}),
                                 ObjectStore())

    def __call__(self, method: str, path: str, body: Any = None,
                 content_type: str = "application/json") -> tuple[int, Any]:
        req = webob.Request.blank(path, method=method)
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = content_type
        resp = req.get_response(self.app)
        return resp.status_int, json.loads(resp.body)

    def patch(self, path: str, body: Any, kind: str = "strategic-merge") -> tuple[int, Any]:
        return self("PATCH", path, body, "application/%s-patch+json" % kind)


@pytest.fixture
def api() -> Cluster:
    return Cluster()


def test_merge_patch_is_rfc_7386() -> None:
    target = {"a": "b", "c": {"d": "e", "f": "g"}}
    assert kubepatch.merge_patch(target, {"a": "z", "c": {"f": None}}) == {
        "a": "z", "c": {"d": "e"}}
    assert kubepatch.merge_patch({"a": [1, 2]}, {"a": [3]}) == {"a": [3]}
    assert target == {"a": "b", "c": {"d": "e", "f": "g"}}   # not changed in place


def test_strategic_patch_merges_named_lists_by_name() -> None:
    spec = {"containers": [{"name": "a", "image": "x", "ports": [{"containerPort": 80}]},
                           {"name": "b", "image": "y"}],
            "finalizers": ["one", "two"]}
    patched = kubepatch.strategic_patch(spec, {
        "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
        "containers": [{"name": "a", "image": "x2"}, {"name": "b", "$patch": "delete"},
                       {"name": "c", "image": "z"}],
        "$deleteFromPrimitiveList/finalizers": ["one"]})
    assert patched == {"containers": [{"name": "a", "image": "x2",
                                       "ports": [{"containerPort": 80}]},
                                      {"name": "c", "image": "z"}],
                       "finalizers": ["two"]}
    assert kubepatch.strategic_patch({"m": {"a": 1, "b": 2}},
                                     {"m": {"$patch": "replace", "c": 3}}) == {"m": {"c": 3}}


def test_configmap_patch_types_and_put(api: Cluster) -> None:
    assert api("POST", NS + "/configmaps", {"metadata": {"name": "s"},
                                            "data": {"a": "1", "b": "2"}})[0] == 201
    status, cm = api.patch(NS + "/configmaps/s", {"data": {"b": None, "c": "3"}}, "merge")
    assert status == 200 and cm["data"] == {"a": "1", "c": "3"}
    status, cm = api.patch(NS + "/configmaps/s", [{"op": "replace", "path": "/data/a",
                                                   "value": "9"}], "json")
    assert status == 200 and cm["data"] == {"a": "9", "c": "3"}
    status, cm2 = api.patch(NS + "/configmaps/s", {"metadata": {"labels": {"x": "y"}}})
    assert status == 200 and cm2["metadata"]["labels"] == {"x": "y"}
    assert int(cm2["metadata"]["resourceVersion"]) > int(cm["metadata"]["resourceVersion"])
    assert cm2["metadata"]["uid"] == cm["metadata"]["uid"]
    # PUT with the stale version: 409; with the current one: replaced.
    stale = dict(cm, data={"only": "this"})
    assert api("PUT", NS + "/configmaps/s", stale)[1]["reason"] == "Conflict"
    status, put = api("PUT", NS + "/configmaps/s", dict(cm2, data={"only": "this"}))
    assert status == 200 and put["data"] == {"only": "this"}
    assert api("GET", NS + "/configmaps/s")[1]["data"] == {"only": "this"}


def test_refusals(api: Cluster) -> None:
    api("POST", NS + "/secrets", {"metadata": {"name": "k"}, "stringData": {"p": "w"}})
    status, body = api("PUT", NS + "/secrets/k", {"metadata": {"name": "other"}})
    assert status == 400 and "does not match the name on the URL" in body["message"]
    status, body = api("PATCH", NS + "/secrets/k", {"data": {}}, "application/apply-patch+yaml")
    assert status == 415 and body["reason"] == "UnsupportedMediaType"
    status, body = api.patch(NS + "/secrets/k", [{"op": "test", "path": "/type",
                                                  "value": "x"}], "json")
    assert status == 422 and body["reason"] == "Invalid"
    status, body = api.patch(NS + "/secrets/k", {"data": {"bad": "%%%"}})
    assert status == 422 and body["details"]["causes"][0]["field"] == "data[bad]"
    assert api.patch(NS + "/secrets/nope", {"data": {}})[0] == 404
    assert api.patch("/api/v1/nodes/w0", {"metadata": {"labels": {"a": "b"}}})[0] == 405
    assert api.patch(NS + "/configmaps", {"data": {}})[0] == 405
    # stringData folds into data on a change too; a dry run stores nothing.
    status, body = api("PATCH", NS + "/secrets/k?dryRun=All", {"stringData": {"q": "v"}},
                       "application/merge-patch+json")
    assert status == 200 and body["data"]["q"] == "dg=="
    assert "q" not in api("GET", NS + "/secrets/k")[1]["data"]


def test_namespace_keeps_its_spec_and_status(api: Cluster) -> None:
    status, ns = api.patch("/api/v1/namespaces/default", {
        "metadata": {"labels": {"team": "a"}}, "status": {"phase": "Terminating"}})
    assert status == 200 and ns["status"] == {"phase": "Active"}
    assert ns["metadata"]["labels"] == {"team": "a"}


def test_pod_changes_only_images_labels_annotations(api: Cluster) -> None:
    api("POST", NS + "/pods", {"metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "web", "image": "nginx:1", "ports": [{"containerPort": 80}]}]}})
    status, pod = api.patch(NS + "/pods/p", {"metadata": {"annotations": {"a": "b"}},
                                             "spec": {"containers": [
                                                 {"name": "web", "image": "nginx:2"}]}})
    assert status == 200
    assert pod["spec"]["containers"][0]["image"] == "nginx:2"
    assert pod["spec"]["containers"][0]["ports"] == [{"containerPort": 80}]
    assert pod["status"]["phase"] == "Running" and pod["metadata"]["annotations"] == {"a": "b"}
    status, body = api.patch(NS + "/pods/p", {"spec": {"restartPolicy": "Never"}})
    assert status == 422 and "Forbidden" in body["message"]
    status, body = api.patch(NS + "/pods/p", {"spec": {"containers": [
        {"name": "extra", "image": "busybox"}]}})
    assert status == 422
    addon = api("GET", "/api/v1/namespaces/kube-system/pods")[1]["items"][0]["metadata"]
    assert api.patch("/api/v1/namespaces/kube-system/pods/" + addon["name"],
                     {"metadata": {"labels": {"a": "b"}}})[0] == 405


def _owned(api: Cluster) -> list[str]:
    return [p["metadata"]["name"] for p in
            api("GET", NS + "/pods?labelSelector=app%3Dfront")[1]["items"]]


def test_rc_replicas_and_scale_subresource(api: Cluster) -> None:
    api("POST", NS + "/replicationcontrollers", {
        "metadata": {"name": "front"}, "spec": {"replicas": 2, "template": {
            "metadata": {"labels": {"app": "front"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    assert len(_owned(api)) == 2
    status, rc = api.patch(NS + "/replicationcontrollers/front", {"spec": {"replicas": 4}})
    assert status == 200 and rc["status"]["replicas"] == 4 and len(_owned(api)) == 4
    assert rc["metadata"]["generation"] == 2
    first = _owned(api)
    status, scale = api.patch(NS + "/replicationcontrollers/front/scale",
                              {"spec": {"replicas": 1}}, "merge")
    assert status == 200 and scale["kind"] == "Scale" and scale["spec"]["replicas"] == 1
    assert scale["status"] == {"replicas": 1, "selector": "app=front"}
    assert len(_owned(api)) == 1 and _owned(api)[0] in first
    status, body = api.patch(NS + "/replicationcontrollers/front", {"spec": {"replicas": 101}})
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.replicas"
    status, scale = api("GET", NS + "/replicationcontrollers/front/scale")
    assert status == 200 and scale["spec"]["replicas"] == 1
    # Discovery names the subresource (kubectl scale looks it up there).
    resources = api("GET", "/api/v1")[1]["resources"]
    assert any(r["name"] == "replicationcontrollers/scale" and "patch" in r["verbs"]
               for r in resources)
    assert all("patch" in r["verbs"] for r in resources
               if r["name"] in ("pods", "configmaps", "secrets", "namespaces"))


def test_custom_resources_and_definitions(api: Cluster) -> None:
    crd = {"metadata": {"name": "widgets.example.com"}, "spec": {
        "group": "example.com", "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [{"name": "v1", "served": True, "storage": True}]}}
    assert api("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)[0] == 201
    path = "/apis/example.com/v1/namespaces/default/widgets"
    api("POST", path, {"metadata": {"name": "w"}, "spec": {"size": 1, "color": "red"}})
    status, widget = api.patch(path + "/w", {"spec": {"size": 2}}, "merge")
    assert status == 200 and widget["spec"] == {"size": 2, "color": "red"}
    status, body = api.patch("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                             "widgets.example.com", {"spec": {"names": {"kind": "Gadget"}}},
                             "merge")
    assert status == 422
    docs = api("GET", "/openapi/v3")[1]["paths"]
    assert "apis/example.com/v1" in docs and "apis/apiextensions.k8s.io/v1" in docs
    doc = api("GET", "/openapi/v3/apis/example.com/v1")[1]["paths"]
    assert "put" in doc["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]


def test_deep_nesting_is_a_400(api: Cluster) -> None:
    api("POST", NS + "/configmaps", {"metadata": {"name": "deep"}})
    req = webob.Request.blank(NS + "/configmaps/deep", method="PATCH")
    req.body = b'{"x": ' + b'{"a": ' * 3000 + b'{}' + b'}' * 3000 + b'}'
    req.content_type = "application/merge-patch+json"
    resp = req.get_response(api.app)
    assert resp.status_int == 400 and json.loads(resp.body)["reason"] == "BadRequest"


def test_a_body_in_another_media_type_is_415(api: Cluster) -> None:
    """Recent kubectl releases send protobuf for typed creates; the simulated API
    server speaks JSON only, and says so as an API server without protobuf would."""
    status, body = api("POST", NS + "/configmaps", {"metadata": {"name": "c"}},
                       "application/vnd.kubernetes.protobuf")
    assert status == 415 and body["reason"] == "UnsupportedMediaType"
    assert api("POST", NS + "/configmaps", {"metadata": {"name": "c"}},
               "application/json; charset=utf-8")[0] == 201
