"""Deployments (``apps/v1``) of the simulated Kubernetes API (``coe/kubedeploy.py``),
through the WSGI app: pods of the current template, scaling, an instant rollout
on a new template, the status ``kubectl rollout status`` reads, deletes, refusals."""
from __future__ import annotations

import pytest

from tests.unit.cloudsim.test_kubepatch import Cluster

APPS = "/apis/apps/v1/namespaces/default/deployments"


@pytest.fixture
def api() -> Cluster:
    return Cluster()


def _deployment(replicas=2, image="nginx:1.25"):
    return {"metadata": {"name": "web"}, "spec": {
        "replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}},
                     "spec": {"containers": [{"name": "web", "image": image}]}}}}


def _pods(api: Cluster) -> list[dict]:
    return api("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")[1]["items"]


def test_pods_scaling_and_rollout(api: Cluster) -> None:
    status, made = api("POST", APPS, _deployment())
    assert status == 201 and made["apiVersion"] == "apps/v1"
    assert made["status"]["readyReplicas"] == 2 and made["status"]["updatedReplicas"] == 2
    assert made["status"]["observedGeneration"] == made["metadata"]["generation"] == 1
    pods = _pods(api)
    assert len(pods) == 2 and all(p["status"]["phase"] == "Running" for p in pods)
    template_hash = pods[0]["metadata"]["labels"]["pod-template-hash"]
    owner = pods[0]["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "ReplicaSet" and owner["name"] == "web-" + template_hash
    assert pods[0]["metadata"]["name"].startswith("web-%s-" % template_hash)

    status, scale = api.patch(APPS + "/web/scale", {"spec": {"replicas": 3}}, "merge")
    assert status == 200 and scale["status"] == {"replicas": 3, "selector": "app=web"}
    assert len(_pods(api)) == 3

    status, rolled = api.patch(APPS + "/web", {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.27"}]}}}})
    assert status == 200 and rolled["metadata"]["generation"] == 3  # scaled, then rolled
    pods = _pods(api)
    assert len(pods) == 3 and {p["spec"]["containers"][0]["image"] for p in pods} == {
        "nginx:1.27"}
    assert {p["metadata"]["labels"]["pod-template-hash"] for p in pods} != {template_hash}
    listed = api("GET", "/apis/apps/v1/deployments")[1]
    assert listed["kind"] == "DeploymentList" and listed["items"][0]["status"][
        "updatedReplicas"] == 3

    # Deleted (background, kubectl's default): the pods go; an orphaned one stays.
    api("POST", APPS, dict(_deployment(1), metadata={"name": "kept"}))
    status, _ = api("DELETE", APPS + "/web")
    assert status == 200 and [p["metadata"]["name"][:5] for p in _pods(api)] == ["kept-"]
    req_body = {"propagationPolicy": "Orphan"}
    assert api("DELETE", APPS + "/kept", req_body)[0] == 200
    assert len(_pods(api)) == 1 and not _pods(api)[0]["metadata"].get("ownerReferences")


def test_refusals_and_discovery(api: Cluster) -> None:
    bad = _deployment()
    bad["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    status, body = api("POST", APPS, bad)
    assert status == 422 and body["details"]["causes"][0]["field"] == \
        "spec.template.metadata.labels"
    status, body = api("POST", APPS, _deployment(replicas=500))
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.replicas"
    del bad["spec"]["selector"]
    assert api("POST", APPS, bad)[1]["details"]["causes"][0]["field"] == "spec.selector"
    assert api("POST", "/apis/apps/v1/deployments", _deployment())[0] == 405
    assert api("GET", APPS + "/nope")[0] == 404
    groups = [g["name"] for g in api("GET", "/apis")[1]["groups"]]
    assert "apps" in groups
    names = {r["name"] for r in api("GET", "/apis/apps/v1")[1]["resources"]}
    assert names == {"deployments", "deployments/scale"}
