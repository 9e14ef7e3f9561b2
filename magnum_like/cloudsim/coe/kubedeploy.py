"""Deployments (``apps/v1``) of a simulated Kubernetes cluster.

What ``kubectl create deployment``, ``apply``, ``scale``, ``set image``,
``rollout status`` and ``delete`` use. A Deployment keeps ``spec.replicas`` pods
of its current template, made by :class:`.kubeworkloads.Workloads` (so scheduled
and run as any pod): each is named ``<deployment>-<template hash>-<5 characters>``,
labelled ``pod-template-hash`` and owned by the ReplicaSet
``<deployment>-<template hash>`` as the real controller names it (the
ReplicaSets themselves are not served). A changed template replaces every pod at
once (the rollout is instant); a changed ``replicas`` makes or deletes (newest
first) pods. Its status says how many pods are up to date, ready and available,
with the ``Available`` and ``Progressing`` conditions, and ``observedGeneration``
follows ``metadata.generation``, so ``kubectl rollout status`` ends at once.
Deleting it deletes its pods unless ``propagationPolicy`` is ``Orphan``.
At most :data:`MAX_DEPLOYMENTS` per cluster, of at most
:data:`.kubeworkloads.MAX_REPLICAS` replicas; pods count towards
:data:`.kubeworkloads.MAX_PODS`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import webob

from magnum_like.cloudsim.coe import kubepatch, kubeselect
from magnum_like.cloudsim.coe import kubeworkloads as wl
from magnum_like.cloudsim.coe.kubeobjects import (
    KubeError, ObjectStore, invalid, now, object_list, read_body)

KIND = "Deployment"
RESOURCE = "deployments"
GROUP_VERSION = "apps/v1"
#: Deployments one cluster holds at most.
MAX_DEPLOYMENTS = 200

#: Discovery's entries for the group (the scale subresource for kubectl scale).
RESOURCES = [
    {"name": RESOURCE, "singularName": "deployment", "namespaced": True, "kind": KIND,
     "verbs": ["create", "delete", "get", "list"] + kubepatch.CHANGE_VERBS,
     "shortNames": ["deploy"], "categories": ["all"]},
    {"name": RESOURCE + "/scale", "singularName": "", "namespaced": True,
     "group": "autoscaling", "version": "v1", "kind": "Scale",
     "verbs": ["get", "patch", "update"]},
]


def _hash(template: dict[str, Any]) -> str:
    """The template's hash, as ``pod-template-hash`` (10 characters)."""
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
    return "".join(wl._SUFFIX[int(digest[i:i + 2], 16) % len(wl._SUFFIX)]
                   for i in range(0, 20, 2))


def _match_labels(name: str, spec: dict[str, Any]) -> dict[str, str]:
    selector = spec.get("selector")
    if not isinstance(selector, dict) or not selector.get("matchLabels"):
        raise invalid(KIND, name, "spec.selector", "Required value")
    if selector.get("matchExpressions"):
        raise invalid(KIND, name, "spec.selector.matchExpressions", "Unsupported value: the "
                      "simulated API server takes matchLabels only")
    return wl._string_map(KIND, name, "spec.selector.matchLabels", selector["matchLabels"])


class Deployments:
    """One cluster's Deployments; their pods are the workloads'."""

    def __init__(self, objects: ObjectStore, workloads: wl.Workloads) -> None:
        self.objects, self.workloads = objects, workloads

    # -- requests --------------------------------------------------------------------

    def handle(self, req: webob.Request, rest: list[str]) -> tuple[dict[str, Any], int]:
        """``/apis/apps/v1[/namespaces/<ns>]/deployments[/<name>[/scale]]``."""
        namespace = None
        if rest[:1] == ["namespaces"] and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
            self.objects.get("namespaces", "", namespace, "Namespace")
        if not rest or rest[0] != RESOURCE or len(rest) > 3 or \
                (len(rest) == 3 and (rest[2] != "scale" or namespace is None)):
            raise KubeError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) > 1 else None
        if len(rest) == 3:
            return self.scale(req, namespace or "", rest[1]), 200
        if name is None:
            if req.method == "POST" and namespace is not None:
                return self.create(namespace, read_body(req)), 201
            if req.method != "GET":
                raise KubeError(405, "MethodNotAllowed", "collection %s is not supported"
                                % req.method)
            items = self._rendered(self.objects.list(RESOURCE, namespace))
            return object_list(KIND, kubeselect.select(items, req.GET, KIND),
                               self.objects.version(), GROUP_VERSION), 200
        if namespace is None:
            raise KubeError(404, "NotFound", "the server could not find the requested resource")
        if req.method == "DELETE":
            return self.delete(namespace, name, wl._propagation(req)), 200
        current = self.objects.get(RESOURCE, namespace, name, KIND)
        if req.method in ("PUT", "PATCH"):
            body = kubepatch.replacement(req, self._rendered([current])[0], KIND)
            return self.change(namespace, name, body, kubepatch.dry_run(req)), 200
        if req.method != "GET":
            raise KubeError(405, "MethodNotAllowed", "use the resource's collection URL")
        return self._rendered([current])[0], 200

    # -- changes ---------------------------------------------------------------------

    def _validated(self, body: Any) -> dict[str, Any]:
        meta = wl._check_kind(body, KIND)
        name = meta.get("name") or ""
        wl._string_map(KIND, name, "metadata.labels", meta.get("labels"))
        spec = body.get("spec")
        if not isinstance(spec, dict):
            raise invalid(KIND, name, "spec", "Required value")
        replicas, template, tlabels = wl.controller_spec(KIND, name, spec)
        selector = _match_labels(name, spec)
        if any(tlabels.get(k) != v for k, v in selector.items()):
            raise invalid(KIND, name, "spec.template.metadata.labels", "Invalid value: "
                          "`selector` does not match template `labels`")
        tspec = wl.pod_spec(KIND, name, template.get("spec"), "spec.template.spec")
        defaults = {"strategy": {"type": "RollingUpdate", "rollingUpdate": {
            "maxUnavailable": "25%", "maxSurge": "25%"}}, "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600}
        return {"metadata": dict(meta, generation=1),
                "spec": dict(defaults, **dict(spec, replicas=replicas,
                                              template=dict(template, spec=tspec)))}

    def _room(self, name: str, more: int) -> None:
        if more > 0 and self.objects.count("pods") + more > wl.MAX_PODS:
            raise KubeError(403, "Forbidden", 'deployments.apps "%s" is forbidden: exceeded '
                            "quota: %d more pods would exceed the simulated cluster's %d"
                            % (name, more, wl.MAX_PODS), {"name": name, "kind": RESOURCE})

    def create(self, namespace: str, body: Any) -> dict[str, Any]:
        """Validate and store a Deployment, then make its pods."""
        deployment = self._validated(body)
        self._room(deployment["metadata"].get("name") or "", deployment["spec"]["replicas"])
        stored = self.objects.create(RESOURCE, namespace, deployment, kind=KIND,
                                     api_version=GROUP_VERSION, limit=MAX_DEPLOYMENTS)
        self._reconcile(stored)
        return self._rendered([stored])[0]

    def change(self, namespace: str, name: str, body: Any, dry: bool = False
               ) -> dict[str, Any]:
        """Store a Deployment's new spec, then roll its pods to it."""
        current = self.objects.get(RESOURCE, namespace, name, KIND)
        deployment = self._validated(body)
        self._room(name, deployment["spec"]["replicas"] - len(self._owned(current)))
        stored = self.objects.replace(RESOURCE, namespace, name, deployment, kind=KIND,
                                      api_version=GROUP_VERSION, dry=dry)
        if not dry:
            self._reconcile(stored)
        return self._rendered([stored])[0]

    def scale(self, req: webob.Request, namespace: str, name: str) -> dict[str, Any]:
        """``.../deployments/<name>/scale``: an ``autoscaling/v1`` ``Scale``."""
        if req.method not in ("GET", "PUT", "PATCH"):
            raise KubeError(405, "MethodNotAllowed", "the scale subresource takes GET, PUT "
                                                     "and PATCH")
        deployment = self._rendered([self.objects.get(RESOURCE, namespace, name, KIND)])[0]
        if req.method != "GET":
            replicas = kubepatch.wanted_replicas(req, self._scale(deployment))
            deployment = self.change(namespace, name, dict(deployment, spec=dict(
                deployment["spec"], replicas=replicas)), kubepatch.dry_run(req))
        return self._scale(deployment)

    def delete(self, namespace: str, name: str, propagation: str) -> dict[str, Any]:
        """Remove a Deployment and (unless orphaned) its pods; a ``Status``."""
        deployment = self.objects.delete(RESOURCE, namespace, name, KIND)
        self.workloads.release(namespace, self._owned(deployment), propagation)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "group": "apps", "kind": RESOURCE,
                            "uid": deployment["metadata"]["uid"]}}

    # -- pods ------------------------------------------------------------------------

    def _owned(self, deployment: dict[str, Any]) -> list[dict[str, Any]]:
        uid = deployment["metadata"]["uid"]
        return [p for p in self.objects.list("pods", deployment["metadata"]["namespace"])
                if any(ref.get("uid") == uid for ref in
                       p["metadata"].get("ownerReferences") or [])]

    def _reconcile(self, deployment: dict[str, Any]) -> None:
        """Pods of the current template, ``replicas`` of them; any other goes."""
        namespace, name = deployment["metadata"]["namespace"], deployment["metadata"]["name"]
        template = deployment["spec"]["template"]
        current = _hash(template)
        owned = sorted(self._owned(deployment),
                       key=lambda p: int(p["metadata"]["resourceVersion"]))
        keep = [p for p in owned
                if p["metadata"].get("labels", {}).get("pod-template-hash") == current]
        self.workloads.release(namespace, [p for p in owned if p not in keep] +
                               keep[deployment["spec"]["replicas"]:], "Background")
        prefix = "%s-%s" % (name[:46], current)
        labels = dict((template.get("metadata") or {}).get("labels") or {},
                      **{"pod-template-hash": current})
        self.workloads.make_pods(deployment, deployment["spec"]["replicas"] - len(keep), prefix,
                                 template, labels, owner_kind="ReplicaSet", owner_name=prefix)

    def _rendered(self, deployments: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not deployments:
            return []
        pods = self.workloads._rendered(self.objects.list("pods"))
        out = []
        for deployment in deployments:
            uid, current = deployment["metadata"]["uid"], _hash(deployment["spec"]["template"])
            owned = [p for p in pods if any(ref.get("uid") == uid for ref in
                                            p["metadata"].get("ownerReferences") or [])]
            updated = [p for p in owned
                       if p["metadata"].get("labels", {}).get("pod-template-hash") == current]
            ready = sum(1 for p in owned if any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in p["status"].get("conditions", [])))
            wanted = deployment["spec"]["replicas"]
            available = "True" if ready >= wanted else "False"
            stamp = deployment["metadata"].get("creationTimestamp") or now()
            status = {"observedGeneration": deployment["metadata"].get("generation", 1),
                      "replicas": len(owned), "updatedReplicas": len(updated),
                      "readyReplicas": ready, "availableReplicas": ready,
                      "unavailableReplicas": max(wanted - ready, 0),
                      "conditions": [
                          {"type": "Available", "status": available,
                           "reason": "MinimumReplicasAvailable" if available == "True"
                           else "MinimumReplicasUnavailable",
                           "message": "Deployment %s minimum availability."
                           % ("has" if available == "True" else "does not have"),
                           "lastUpdateTime": stamp, "lastTransitionTime": stamp},
                          {"type": "Progressing", "status": "True",
                           "reason": "NewReplicaSetAvailable",
                           "message": 'ReplicaSet "%s-%s" has successfully progressed.'
                           % (deployment["metadata"]["name"][:46], current),
                           "lastUpdateTime": stamp, "lastTransitionTime": stamp}]}
            out.append(dict(deployment, status=status))
        return out

    @staticmethod
    def _scale(deployment: dict[str, Any]) -> dict[str, Any]:
        return kubepatch.scale_document(deployment,
                                        deployment["spec"]["selector"]["matchLabels"])
