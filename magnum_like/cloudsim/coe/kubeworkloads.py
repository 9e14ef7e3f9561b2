"""Pods and replication controllers of a simulated Kubernetes cluster.

What ``kubectl run``/``kubectl apply`` and the official clients create in any
namespace.  A pod is scheduled as the scheduler would: on a Ready node whose
taints it tolerates and whose labels its ``nodeSelector`` names (so workers,
not the tainted masters), the least loaded first; it then runs (phase
``Running``, condition ``Ready``) while its node is Ready.  With no such node it
stays ``Pending``, unschedulable, and is scheduled at the next read that finds
one.  A replication controller makes ``spec.replicas`` pods from its template
(``<rc>-<5 characters>``, owned by it), replaces one that is deleted, and takes
its pods along when deleted (unless ``propagationPolicy`` is ``Orphan``); a
changed ``replicas`` (a PUT or PATCH of the RC or of its ``scale``) makes or
deletes pods at once.  A pod's update changes only its labels, annotations and
images.

Bounded per cluster: :data:`MAX_PODS` pods, :data:`MAX_CONTROLLERS` controllers
of at most :data:`MAX_REPLICAS` replicas (403 ``Forbidden`` past them, as a
quota answers; an RC whose pods would not fit is refused whole).
"""

from __future__ import annotations

import json
import random
from typing import Any, Callable, Optional

from magnum_like.cloudsim.coe import kubepatch, kubepodstatus, kubeselect
from magnum_like.cloudsim.coe.kubeobjects import (
    KubeError, ObjectStore, check_name, invalid, now, object_list, read_body)

#: User pods one cluster holds at most (the add-ons' pods not counted).
MAX_PODS = 1000
#: Replication controllers one cluster holds at most.
MAX_CONTROLLERS = 200
#: Largest ``spec.replicas`` of one replication controller.
MAX_REPLICAS = 100
#: Containers (and init containers) one pod has at most.
MAX_CONTAINERS = 20
#: The characters the API server draws generated name suffixes from.
_SUFFIX = "bcdfghjklmnpqrstvwxz2456789"
_RESTART = ("Always", "OnFailure", "Never")


def _tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    for tol in tolerations:
        if tol.get("effect") and tol["effect"] != taint.get("effect"):
            continue
        if tol.get("operator") == "Exists":
            if not tol.get("key") or tol["key"] == taint.get("key"):
                return True
        elif tol.get("key") == taint.get("key") and \
                (tol.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _string_map(kind: str, name: str, field: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise invalid(kind, name, field, "Invalid value: must be a map of strings")
    return value


def _pull_policy(image: str) -> str:
    last = image.rsplit("/", 1)[-1]
    if "@" in last or (":" in last and not last.endswith(":latest")):
        return "IfNotPresent"
    return "Always"


def _check_containers(kind: str, name: str, spec: dict[str, Any], field: str) -> None:
    seen: set[str] = set()
    for group in ("initContainers", "containers"):
        items = spec.get(group)
        if group == "containers" and (not isinstance(items, list) or not items):
            raise invalid(kind, name, "%s.containers" % field,
                          "Required value: at least one container is required")
        if items is None:
            continue
        if not isinstance(items, list) or len(items) > MAX_CONTAINERS:
            raise invalid(kind, name, "%s.%s" % (field, group),
                          "Invalid value: must be a list of at most %d containers"
                          % MAX_CONTAINERS)
        for index, container in enumerate(items):
            where = "%s.%s[%d]" % (field, group, index)
            if not isinstance(container, dict):
                raise invalid(kind, name, where, "Invalid value: must be an object")
            cname = container.get("name")
            if not isinstance(cname, str) or not cname:
                raise invalid(kind, name, where + ".name", "Required value")
            try:
                check_name(kind, cname, label=True)
            except KubeError:
                raise invalid(kind, name, where + ".name", "Invalid value: %r: must be a "
                              "lowercase RFC 1123 label" % cname[:64]) from None
            if cname in seen:
                raise invalid(kind, name, where + ".name", "Duplicate value: %r" % cname)
            seen.add(cname)
            image = container.get("image")
            if not isinstance(image, str) or not image.strip():
                raise invalid(kind, name, where + ".image", "Required value")
            ports = container.get("ports") or []
            if not isinstance(ports, list):
                raise invalid(kind, name, where + ".ports", "Invalid value: must be a list")
            for number, port in enumerate(ports):
                value = port.get("containerPort") if isinstance(port, dict) else None
                if isinstance(value, bool) or not isinstance(value, int) or \
                        not 0 < value < 65536:
                    raise invalid(kind, name, "%s.ports[%d].containerPort" % (where, number),
                                  "Invalid value: must be between 1 and 65535, inclusive")


def pod_spec(kind: str, name: str, spec: Any, field: str) -> dict[str, Any]:
    """A validated pod spec with the API server's defaults."""
    if not isinstance(spec, dict):
        raise invalid(kind, name, field, "Required value")
    _check_containers(kind, name, spec, field)
    if spec.get("restartPolicy", "Always") not in _RESTART:
        raise invalid(kind, name, field + ".restartPolicy", "Unsupported value: %r: supported "
                      "values: %s" % (spec["restartPolicy"], ", ".join(_RESTART)))
    _string_map(kind, name, field + ".nodeSelector", spec.get("nodeSelector"))
    tolerations = spec.get("tolerations")
    if tolerations is not None and (not isinstance(tolerations, list) or not all(
            isinstance(t, dict) for t in tolerations)):
        raise invalid(kind, name, field + ".tolerations", "Invalid value: must be a list")
    if spec.get("nodeName") is not None:
        try:
            check_name(kind, spec["nodeName"])
        except KubeError:
            raise invalid(kind, name, field + ".nodeName", "Invalid value: must be a node "
                          "name") from None
    spec = json.loads(json.dumps(spec))
    for key, value in (("restartPolicy", "Always"), ("dnsPolicy", "ClusterFirst"),
                       ("schedulerName", "default-scheduler"),
                       ("terminationGracePeriodSeconds", 30),
                       ("serviceAccountName", "default"), ("securityContext", {})):
        spec.setdefault(key, value)
    for group in ("initContainers", "containers"):
        for container in spec.get(group) or []:
            container.setdefault("imagePullPolicy", _pull_policy(container["image"]))
            container.setdefault("resources", {})
            container.setdefault("terminationMessagePath", "/dev/termination-log")
            container.setdefault("terminationMessagePolicy", "File")
    return spec


def controller_spec(kind: str, name: str, spec: dict[str, Any]
                    ) -> tuple[int, dict[str, Any], dict[str, str]]:
    """A controller's (RC's, Deployment's) ``replicas``, ``template`` and template
    labels, checked (the selector and the pod spec are the caller's)."""
    replicas = spec.get("replicas", 1)
    if isinstance(replicas, bool) or not isinstance(replicas, int) or \
            not 0 <= replicas <= MAX_REPLICAS:
        raise invalid(kind, name, "spec.replicas", "Invalid value: %r: must be between "
                      "0 and %d, inclusive" % (str(replicas)[:20], MAX_REPLICAS))
    template = spec.get("template")
    if not isinstance(template, dict):
        raise invalid(kind, name, "spec.template", "Required value")
    tmeta = template.get("metadata") or {}
    if not isinstance(tmeta, dict):
        raise invalid(kind, name, "spec.template.metadata", "Invalid value: must be an "
                                                            "object")
    return replicas, template, _string_map(kind, name, "spec.template.metadata.labels",
                                           tmeta.get("labels"))


def _check_kind(body: Any, kind: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise KubeError(400, "BadRequest", "the body must be a JSON object")
    if body.get("kind") not in (None, "", kind):
        raise KubeError(400, "BadRequest", "the body's kind %r is not %s"
                        % (str(body["kind"])[:64], kind))
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        raise invalid(kind, "", "metadata", "Required value")
    return meta


class Workloads:
    """The pods and replication controllers of one cluster.

    :param objects: the cluster's objects (pods and RCs are kept there).
    :param nodes: returns the cluster's ``Node`` objects now.
    :param addons: returns the add-ons' pods (kube-system) now; read-only.
    """

    def __init__(self, objects: ObjectStore, nodes: Callable[[], list[dict[str, Any]]],
                 addons: Callable[[], list[dict[str, Any]]]) -> None:
        self.objects, self.nodes, self.addons = objects, nodes, addons

    # -- requests ------------------------------------------------------------------

    def pods(self, req: Any, namespace: Optional[str], name: Optional[str]
             ) -> tuple[dict[str, Any], int]:
        """``/api/v1[/namespaces/<ns>]/pods[/<name>]``: (body, status)."""
        if req.method == "POST":
            if name is not None or namespace is None:
                raise KubeError(405, "MethodNotAllowed", "create needs the namespace's "
                                                         "collection URL")
            return self.create_pod(namespace, read_body(req)), 201
        addons = [p for p in self.addons()
                  if namespace is None or p["metadata"]["namespace"] == namespace]
        if name is None:
            if req.method != "GET":
                raise KubeError(405, "MethodNotAllowed", "collection delete is not supported")
            items = addons + self._rendered(self.objects.list("pods", namespace))
            items = kubeselect.select(items, req.GET, "Pod")
            return object_list("Pod", items, self.objects.version()), 200
        for pod in addons:
            if pod["metadata"]["name"] == name:
                if req.method != "GET":
                    raise KubeError(405, "MethodNotAllowed", "the add-ons' pods are run by "
                                                             "the cluster's masters")
                return pod, 200
        if namespace is None:
            raise _no_route()
        if req.method == "DELETE":
            return self.delete_pod(namespace, name), 200
        if req.method in ("PUT", "PATCH"):
            return self.change_pod(req, namespace, name), 200
        return self._rendered([self.objects.get("pods", namespace, name, "Pod")])[0], 200

    def controllers(self, req: Any, namespace: Optional[str], name: Optional[str]
                    ) -> tuple[dict[str, Any], int]:
        """``/api/v1[/namespaces/<ns>]/replicationcontrollers[/<name>]``."""
        kind = "ReplicationController"
        if req.method == "POST":
            if name is not None or namespace is None:
                raise KubeError(405, "MethodNotAllowed", "create needs the namespace's "
                                                         "collection URL")
            return self.create_controller(namespace, read_body(req)), 201
        if name is None:
            if req.method != "GET":
                raise KubeError(405, "MethodNotAllowed", "collection delete is not supported")
            items = self._controllers_rendered(self.objects.list("replicationcontrollers",
                                                                 namespace))
            return object_list(kind, kubeselect.select(items, req.GET, kind),
                               self.objects.version()), 200
        if namespace is None:
            raise _no_route()
        if req.method == "DELETE":
            return self.delete_controller(namespace, name, _propagation(req)), 200
        if req.method in ("PUT", "PATCH"):
            current = self.objects.get("replicationcontrollers", namespace, name, kind)
            body = kubepatch.replacement(req, self._controllers_rendered([current])[0], kind)
            return self.change_controller(namespace, name, body, kubepatch.dry_run(req)), 200
        rc = self.objects.get("replicationcontrollers", namespace, name, kind)
        return self._controllers_rendered([rc])[0], 200

    # -- pods ----------------------------------------------------------------------

    def create_pod(self, namespace: str, body: Any, owner: Optional[dict[str, Any]] = None,
                   owner_kind: str = "ReplicationController",
                   owner_name: Optional[str] = None) -> dict[str, Any]:
        """Validate, schedule and store a pod; its rendering.

        :param owner: the controller the pod belongs to (its uid is the reference's).
        :param owner_kind, owner_name: the reference's kind and name (the owner's name
            unless given: a Deployment's pods name their ReplicaSet).
        """
        meta = _check_kind(body, "Pod")
        name = meta.get("name") or ""
        labels = _string_map("Pod", name, "metadata.labels", meta.get("labels"))
        if namespace == "kube-system" and any(p["metadata"]["name"] == name
                                              for p in self.addons()):
            raise KubeError(409, "AlreadyExists", 'pods "%s" already exists' % name,
                            {"name": name, "kind": "pods"})
        spec = pod_spec("Pod", name, body.get("spec"), "spec")
        metadata = dict(meta, labels=labels)
        if owner is not None:
            metadata["ownerReferences"] = [
                {"apiVersion": "apps/v1" if owner_kind == "ReplicaSet" else "v1",
                 "kind": owner_kind, "name": owner_name or owner["metadata"]["name"],
                 "uid": owner["metadata"]["uid"],
                 "controller": True, "blockOwnerDeletion": True}]
        pod = {"metadata": metadata, "spec": spec,
               "status": {"phase": "Pending", "qosClass": kubepodstatus.qos(spec)}}
        nodes = self.nodes()
        self._schedule(pod, nodes)
        stored = self.objects.create("pods", namespace, pod, kind="Pod", limit=MAX_PODS)
        return self._rendered([stored], nodes)[0]

    def delete_pod(self, namespace: str, name: str) -> dict[str, Any]:
        """Remove a pod (its controller makes a replacement); the pod as it went."""
        pod = self.objects.delete("pods", namespace, name, "Pod")
        for ref in pod["metadata"].get("ownerReferences") or []:
            for rc in self.objects.list("replicationcontrollers", namespace):
                if rc["metadata"]["uid"] == ref.get("uid"):
                    self._reconcile(rc)
        gone = self._rendered([pod])[0]
        gone["metadata"] = dict(gone["metadata"], deletionTimestamp=now(),
                                deletionGracePeriodSeconds=0)
        return gone

    def change_pod(self, req: Any, namespace: str, name: str) -> dict[str, Any]:
        """``PUT``/``PATCH`` of a pod: its labels and annotations, and its containers'
        images (the rest of a pod's spec is fixed once made, as the API server has it)."""
        current = self.objects.get("pods", namespace, name, "Pod")
        body = kubepatch.replacement(req, self._rendered([current])[0], "Pod")
        _string_map("Pod", name, "metadata.labels", body["metadata"].get("labels"))
        new_spec = kubepatch.pod_spec_change(name, current["spec"], body.get("spec"))
        stored = self.objects.replace("pods", namespace, name,
                                      dict(body, spec=new_spec, status=current["status"]),
                                      kind="Pod", dry=kubepatch.dry_run(req))
        return self._rendered([stored])[0]

    def _load(self) -> dict[str, int]:
        """Pods per node name."""
        load: dict[str, int] = {}
        for other in self.objects.list("pods"):
            node = other["spec"].get("nodeName")
            if node:
                load[node] = load.get(node, 0) + 1
        return load

    def _schedule(self, pod: dict[str, Any], nodes: list[dict[str, Any]],
                  load: Optional[dict[str, int]] = None) -> None:
        """Bind a pod to the least loaded node that fits it, or say why none does.

        :param load: pods per node (counted now when not given; updated).
        """
        spec = pod["spec"]
        if spec.get("nodeName"):
            pod["status"].update(startTime=now(), podIP=kubepodstatus.pod_ip(pod))
            return
        selector = spec.get("nodeSelector") or {}
        tolerations = spec.get("tolerations") or []
        fit, not_ready, tainted, unmatched = [], 0, 0, 0
        for node in nodes:
            if not kubepodstatus.node_ready(node):
                not_ready += 1
            elif any(t.get("effect") in ("NoSchedule", "NoExecute") and
                     not _tolerates(tolerations, t) for t in node["spec"].get("taints") or []):
                tainted += 1
            elif any(node["metadata"]["labels"].get(k) != v for k, v in selector.items()):
                unmatched += 1
            else:
                fit.append(node["metadata"]["name"])
        if not fit:
            why = ["%d node(s) %s" % (count, text) for count, text in (
                (not_ready, "were not ready"), (tainted, "had untolerated taints"),
                (unmatched, "didn't match Pod's node affinity/selector")) if count]
            pod["status"]["conditions"] = [{
                "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "lastProbeTime": None, "lastTransitionTime": now(),
                "message": "0/%d nodes are available: %s." % (len(nodes), ", ".join(why)
                                                              or "no nodes")}]
            return
        load = self._load() if load is None else load
        spec["nodeName"] = min(fit, key=lambda n: (load.get(n, 0), n))
        load[spec["nodeName"]] = load.get(spec["nodeName"], 0) + 1
        pod["status"] = {"phase": "Running", "qosClass": pod["status"]["qosClass"],
                         "startTime": now(), "podIP": kubepodstatus.pod_ip(pod)}

    def _rendered(self, pods: list[dict[str, Any]],
                  nodes: Optional[list[dict[str, Any]]] = None) -> list[dict[str, Any]]:
        """Pods with their status as of now (pending ones scheduled if they can be)."""
        nodes = self.nodes() if nodes is None else nodes
        load: Optional[dict[str, int]] = None
        for pod in pods:
            if not pod["spec"].get("nodeName"):
                # The scheduler retries: a Ready worker may have come since.
                load = self._load() if load is None else load
                self._schedule(pod, nodes, load)
        by_name = {n["metadata"]["name"]: n for n in nodes}
        return [dict(pod, status=kubepodstatus.pod_status(
                    pod, by_name.get(pod["spec"].get("nodeName") or "")))
                for pod in pods]

    # -- replication controllers -----------------------------------------------------

    def create_controller(self, namespace: str, body: Any) -> dict[str, Any]:
        """Validate and store an RC, then make its pods."""
        rc = self._controller(body)
        name, replicas = rc["metadata"].get("name") or "", rc["spec"]["replicas"]
        if self.objects.count("pods") + replicas > MAX_PODS:
            raise KubeError(403, "Forbidden", 'replicationcontrollers "%s" is forbidden: '
                            'exceeded quota: %d more pods would exceed the simulated '
                            "cluster's %d" % (name, replicas, MAX_PODS),
                            {"name": name, "kind": "replicationcontrollers"})
        stored = self.objects.create("replicationcontrollers", namespace, rc,
                                     kind="ReplicationController", limit=MAX_CONTROLLERS)
        self._reconcile(stored)
        return self._controllers_rendered([stored])[0]

    def change_controller(self, namespace: str, name: str, body: Any,
                          dry: bool = False) -> dict[str, Any]:
        """Store an RC's new spec, then make or delete pods to its ``replicas``
        (pods already made keep the template they were made from)."""
        kind = "ReplicationController"
        current = self.objects.get("replicationcontrollers", namespace, name, kind)
        rc = self._controller(body)
        more = rc["spec"]["replicas"] - len(self._owned(current))
        if more > 0 and self.objects.count("pods") + more > MAX_PODS:
            raise KubeError(403, "Forbidden", 'replicationcontrollers "%s" is forbidden: '
                            'exceeded quota: %d more pods would exceed the simulated '
                            "cluster's %d" % (name, more, MAX_PODS),
                            {"name": name, "kind": "replicationcontrollers"})
        rc.pop("status", None)
        stored = self.objects.replace("replicationcontrollers", namespace, name, rc,
                                      kind=kind, dry=dry)
        if dry:
            return dict(stored, status=self._controllers_rendered([current])[0]["status"])
        self._reconcile(stored)
        return self._controllers_rendered([stored])[0]

    def scale(self, req: Any, namespace: str, name: str) -> tuple[dict[str, Any], int]:
        """``.../replicationcontrollers/<name>/scale``: an ``autoscaling/v1`` ``Scale``."""
        kind = "ReplicationController"
        if req.method not in ("GET", "PUT", "PATCH"):
            raise KubeError(405, "MethodNotAllowed", "the scale subresource takes GET, PUT "
                                                     "and PATCH")
        rc = self._controllers_rendered([self.objects.get("replicationcontrollers",
                                                          namespace, name, kind)])[0]
        if req.method != "GET":
            replicas = kubepatch.wanted_replicas(req, _scale(rc))
            rc = self.change_controller(namespace, name, dict(rc, spec=dict(
                rc["spec"], replicas=replicas)), kubepatch.dry_run(req))
        return _scale(rc), 200

    def _controller(self, body: Any) -> dict[str, Any]:
        """An RC's body, validated and completed (selector, replicas, pod template)."""
        kind = "ReplicationController"
        meta = _check_kind(body, kind)
        name = meta.get("name") or ""
        _string_map(kind, name, "metadata.labels", meta.get("labels"))
        spec = body.get("spec")
        if not isinstance(spec, dict):
            raise invalid(kind, name, "spec", "Required value")
        replicas, template, tlabels = controller_spec(kind, name, spec)
        selector = _string_map(kind, name, "spec.selector", spec.get("selector")) or tlabels
        if not selector:
            raise invalid(kind, name, "spec.selector", "Required value")
        if any(tlabels.get(k) != v for k, v in selector.items()):
            raise invalid(kind, name, "spec.template.metadata.labels", "Invalid value: "
                          "`selector` does not match template `labels`")
        tspec = pod_spec(kind, name, template.get("spec"), "spec.template.spec")
        return {"metadata": dict(meta, labels=meta.get("labels") or tlabels, generation=1),
                "spec": dict(spec, replicas=replicas, selector=selector,
                             template=dict(template, spec=tspec))}

    def _owned(self, rc: dict[str, Any], pods: Optional[list[dict[str, Any]]] = None
               ) -> list[dict[str, Any]]:
        if pods is None:
            pods = self.objects.list("pods", rc["metadata"]["namespace"])
        uid = rc["metadata"]["uid"]
        return [p for p in pods if any(ref.get("uid") == uid for ref in
                                       p["metadata"].get("ownerReferences") or [])]

    def _reconcile(self, rc: dict[str, Any]) -> None:
        """Make the pods an RC is missing (as many as fit under the cap), or delete
        the newest of those it has too many of."""
        owned = self._owned(rc)
        extra = sorted(owned, key=lambda p: (p["metadata"]["creationTimestamp"],
                                             int(p["metadata"]["resourceVersion"])))
        self.release(rc["metadata"]["namespace"], extra[rc["spec"]["replicas"]:], "Background")
        tlabels = (rc["spec"]["template"].get("metadata") or {}).get("labels") or {}
        self.make_pods(rc, rc["spec"]["replicas"] - len(owned), rc["metadata"]["name"][:57],
                       rc["spec"]["template"], tlabels)

    def make_pods(self, owner: dict[str, Any], count: int, prefix: str,
                  template: dict[str, Any], labels: dict[str, str],
                  owner_kind: str = "ReplicationController",
                  owner_name: Optional[str] = None) -> None:
        """``count`` pods of a controller's ``template``, named ``<prefix>-<5 characters>``
        and labelled ``labels``; as many as fit under the cap (the controller's status
        then reports fewer)."""
        annotations = (template.get("metadata") or {}).get("annotations")
        for _ in range(max(count, 0)):
            for _attempt in range(5):
                suffix = "".join(random.choice(_SUFFIX) for _ in range(5))
                meta = {"name": "%s-%s" % (prefix, suffix), "generateName": prefix + "-",
                        "labels": dict(labels)}
                if annotations:
                    meta["annotations"] = dict(annotations)
                try:
                    self.create_pod(owner["metadata"]["namespace"],
                                    {"metadata": meta, "spec": template["spec"]}, owner=owner,
                                    owner_kind=owner_kind, owner_name=owner_name)
                    break
                except KubeError as exc:
                    if exc.code == 403:
                        return  # the cluster is full
                    if exc.code != 409:
                        raise

    def release(self, namespace: str, pods: list[dict[str, Any]], propagation: str) -> None:
        """A deleted controller's pods: kept without their owner (``Orphan``) or deleted."""
        for pod in pods:
            if propagation == "Orphan":
                with self.objects.lock:
                    pod["metadata"].pop("ownerReferences", None)
                continue
            try:
                self.objects.delete("pods", namespace, pod["metadata"]["name"], "Pod")
            except KubeError:
                pass  # deleted meanwhile

    def _controllers_rendered(self, rcs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not rcs:
            return []
        pods = self._rendered(self.objects.list("pods"))
        out = []
        for rc in rcs:
            owned = self._owned(rc, pods)
            ready = sum(1 for p in owned if any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in p["status"].get("conditions", [])))
            out.append(dict(rc, status={
                "replicas": len(owned), "fullyLabeledReplicas": len(owned),
                "readyReplicas": ready, "availableReplicas": ready,
                "observedGeneration": rc["metadata"].get("generation", 1)}))
        return out

    def delete_controller(self, namespace: str, name: str, propagation: str
                          ) -> dict[str, Any]:
        """Remove an RC and (unless orphaned) its pods; a ``Status``."""
        rc = self.objects.delete("replicationcontrollers", namespace, name,
                                 "ReplicationController")
        self.release(namespace, self._owned(rc), propagation)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "kind": "replicationcontrollers",
                            "uid": rc["metadata"]["uid"]}}


def _scale(rc: dict[str, Any]) -> dict[str, Any]:
    return kubepatch.scale_document(rc, rc["spec"]["selector"])


def _no_route() -> KubeError:
    """A named object outside a namespace's URL (``/api/v1/pods/<name>``)."""
    return KubeError(404, "NotFound", "the server could not find the requested resource")


def _propagation(req: Any) -> str:
    """``propagationPolicy`` of a DELETE (query or ``DeleteOptions`` body)."""
    body = read_body(req) if req.body else None
    policy = req.GET.get("propagationPolicy") or (
        body.get("propagationPolicy") if isinstance(body, dict) else None) or "Background"
    if policy not in ("Orphan", "Background", "Foreground"):
        raise KubeError(400, "BadRequest", "propagationPolicy: Unsupported value: %r"
                        % str(policy)[:32])
    return policy
