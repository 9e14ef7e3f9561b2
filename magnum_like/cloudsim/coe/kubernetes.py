"""A simulated Kubernetes API server: what kubectl and the official clients use.

Discovery (``/version``, ``/healthz``, ``/readyz``, ``/livez``, ``/api``,
``/apis`` and the group/version resource lists), the nodes the cluster's
servers booted as (:mod:`magnum_like.cloudsim.boot`), the add-on pods the
masters' parameters enable, create/get/list/delete of namespaces, secrets,
configmaps, custom resource definitions and custom resources
(:mod:`.kubeobjects`), and of pods and replication controllers, which are
scheduled on the nodes and run there (:mod:`.kubeworkloads`); ``PUT`` and
``PATCH`` change them (:mod:`.kubepatch`).  Core lists take
``labelSelector`` and ``fieldSelector`` (:mod:`.kubeselect`).  It is a WSGI
app; :mod:`.manager` serves it over TLS with client-certificate authentication,
or over plain HTTP for a ``tls_disabled`` cluster.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any, Callable, Iterable, Optional

import webob

from magnum_like.cloudsim.coe import kubedeploy, kubepatch, kubeselect, kubetables, kubewatch
from magnum_like.cloudsim.coe.kubeobjects import (
    KubeError, ObjectStore, now, object_list, read_body)
from magnum_like.cloudsim.coe.kubeworkloads import Workloads

_ALL = ["create", "delete", "get", "list"] + kubepatch.CHANGE_VERBS

#: Core resources: plural -> (kind, namespaced, verbs).
_CORE = {
    "namespaces": ("Namespace", False, _ALL),
    "nodes": ("Node", False, ["get", "list"]),
    "pods": ("Pod", True, _ALL),
    "replicationcontrollers": ("ReplicationController", True, _ALL),
    "secrets": ("Secret", True, _ALL),
    "configmaps": ("ConfigMap", True, _ALL),
}
#: kubectl's short names (discovery tells it).
_SHORT = {"namespaces": ["ns"], "nodes": ["no"], "pods": ["po"], "configmaps": ["cm"],
          "replicationcontrollers": ["rc"]}
_CRD_GROUP = "apiextensions.k8s.io"
_CRD = "customresourcedefinitions"

#: Add-on pods in kube-system: (the heat-params values its addon script checks,
#: comma-separated, or None; pod name; image; one per node).
_ADDONS = (
    (None, "coredns", "coredns/coredns:{COREDNS_TAG}", False),
    (None, "kube-proxy", "kube-proxy:{KUBE_TAG}", True),
    ("NETWORK_DRIVER=flannel", "kube-flannel-ds", "flannel/flannel:{FLANNEL_TAG}", True),
    ("NETWORK_DRIVER=calico", "calico-node", "calico/node:{CALICO_TAG}", True),
    ("NETWORK_DRIVER=calico", "calico-kube-controllers",
     "calico/kube-controllers:{CALICO_TAG}", False),
    ("CLOUD_PROVIDER_ENABLED=true", "openstack-cloud-controller-manager",
     "openstack-cloud-controller-manager:{CLOUD_PROVIDER_TAG}", False),
    ("CINDER_CSI_ENABLED=true,CLOUD_PROVIDER_ENABLED=true", "csi-cinder-controllerplugin",
     "cinder-csi-plugin:{CINDER_CSI_PLUGIN_TAG}", False),
    ("KUBE_DASHBOARD_ENABLED=true", "kubernetes-dashboard",
     "kubernetesui/dashboard:{KUBE_DASHBOARD_VERSION}", False),
    ("KEYSTONE_AUTH_ENABLED=true", "k8s-keystone-auth",
     "k8s-keystone-auth:{K8S_KEYSTONE_AUTH_TAG}", False),
    ("INGRESS_CONTROLLER=octavia", "octavia-ingress-controller",
     "octavia-ingress-controller:{OCTAVIA_INGRESS_CONTROLLER_TAG}", False),
    ("INGRESS_CONTROLLER=nginx", "ingress-nginx-controller",
     "ingress-nginx/controller:{NGINX_INGRESS_CONTROLLER_TAG}", False),
    ("INGRESS_CONTROLLER=traefik", "traefik-ingress-controller",
     "traefik:{TRAEFIK_INGRESS_CONTROLLER_TAG}", False),
    ("AUTO_HEALING_ENABLED=true,AUTO_HEALING_CONTROLLER=magnum-auto-healer",
     "magnum-auto-healer",
     "magnum-auto-healer:{MAGNUM_AUTO_HEALER_TAG}", False),
    ("AUTO_HEALING_ENABLED=true,AUTO_HEALING_CONTROLLER=draino", "draino", "draino:{DRAINO_TAG}", False),
)


def _json(body: Any, status: int = 200) -> webob.Response:
    return webob.Response(status=status, content_type="application/json", charset="UTF-8",
                          body=json.dumps(body).encode())


class KubernetesAPI:
    """One cluster's API.

    :param cluster_uuid: the cluster (what its nodes' heat-params name).
    :param view: returns ``(nodes, master_params)`` now: the booted nodes (dicts
        from :func:`magnum_like.cloudsim.boot.node_summary` plus ``addresses``
        and ``condition``) and the first master's heat-params.
    :param objects: the cluster's objects (kept across API restarts).
    """

    def __init__(self, cluster_uuid: str,
                 view: Callable[[], tuple[list[dict[str, Any]], dict[str, str]]],
                 objects: ObjectStore) -> None:
        self.cluster_uuid = cluster_uuid
        self.view = view
        self.objects = objects
        self.workloads = Workloads(
            objects, lambda: [self._node(n) for n in self.view()[0]],
            lambda: _addon_pods(*self.view()))
        self.deployments = kubedeploy.Deployments(objects, self.workloads)
        self.watches = kubewatch.Watches()

    # -- WSGI --------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        req = webob.Request(environ)
        try:
            if kubewatch.wanted(req):
                return self._watch(req)(environ, start_response)
            resp = self.dispatch(req)
            if req.method == "GET" and resp.status_int == 200 and \
                    kubetables.wants_table(req.headers.get("Accept", "")) and \
                    resp.content_type == "application/json":
                body = json.loads(resp.body)
                if "metadata" in body or "items" in body:
                    resp = _json(kubetables.table(body))
        except KubeError as exc:
            resp = _json(exc.status(), exc.code)
        except RecursionError:  # a document nested deeper than the checks can walk
            resp = _json(KubeError(400, "BadRequest", "the body nests too deeply").status(),
                         400)
        return resp(environ, start_response)

    def _watch(self, req: webob.Request) -> webob.Response:
        """A watch of the collection the request names (see :mod:`.kubewatch`)."""
        query = [(k, v) for k, v in req.GET.items()
                 if k not in ("watch", "resourceVersion", "timeoutSeconds",
                              "allowWatchBookmarks", "sendInitialEvents")]
        environ = dict(req.environ, QUERY_STRING=urllib.parse.urlencode(query))
        environ.pop("HTTP_ACCEPT", None)

        def listing() -> dict[str, Any]:
            body = json.loads(self.dispatch(webob.Request(dict(environ))).body)
            if not isinstance(body.get("items"), list):
                raise KubeError(405, "MethodNotAllowed", "watch a collection, with a "
                                "fieldSelector for one object")
            return body
        return self.watches.response(req, listing)

    def dispatch(self, req: webob.Request) -> webob.Response:
        """Route one request."""
        parts = [p for p in req.path_info.split("/") if p]
        method = req.method
        if method not in ("GET", "POST", "DELETE", "PUT", "PATCH"):
            raise KubeError(405, "MethodNotAllowed", "the server does not allow this method "
                                                     "(%s) on the requested resource" % method)
        if len(parts) == 1 and parts[0] in ("healthz", "readyz", "livez"):
            return webob.Response(body=b"ok", content_type="text/plain")
        if parts == ["version"]:
            return _json(self._version())
        if parts == ["api"]:
            return _json({"kind": "APIVersions", "versions": ["v1"],
                          "serverAddressByClientCIDRs": [
                              {"clientCIDR": "0.0.0.0/0", "serverAddress": req.host}]})
        if parts == ["apis"]:
            return _json(self._groups())
        if parts[:2] == ["openapi", "v3"]:
            return _json(_openapi(parts[2:], self._openapi_docs()))
        if parts[:2] == ["api", "v1"]:
            return self._core(req, parts[2:])
        if parts[:3] == ["apis", "apps", "v1"]:
            if len(parts) == 3:
                return _json(self._resource_list(kubedeploy.GROUP_VERSION,
                                                 kubedeploy.RESOURCES))
            return _json(*self.deployments.handle(req, parts[3:]))
        if parts[:1] == ["apis"] and len(parts) >= 3:
            if parts[1:3] == [_CRD_GROUP, "v1"]:
                return self._crds(req, parts[3:])
            return self._custom(req, parts[1], parts[2], parts[3:])
        raise KubeError(404, "NotFound", "the server could not find the requested resource")

    # -- discovery ---------------------------------------------------------------

    def _version(self) -> dict[str, Any]:
        nodes, params = self.view()
        tag = params.get("KUBE_TAG") or "v0.0.0"
        numbers = tag.lstrip("v").split("-")[0].split(".") + ["0", "0"]
        return {"major": numbers[0], "minor": numbers[1], "gitVersion": tag,
                "gitCommit": "cloudsim", "gitTreeState": "clean",
                "buildDate": "2024-01-01T00:00:00Z", "goVersion": "go1.21",
                "compiler": "gc", "platform": "linux/amd64"}

    def _crd_versions(self) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for crd in self.objects.list(_CRD):
            spec = crd["spec"]
            for version in spec["versions"]:
                groups.setdefault(spec["group"], []).append((version["name"], crd))
        return groups

    def _openapi_docs(self) -> dict[str, list[tuple[str, str, bool]]]:
        """What :func:`_openapi` describes: the resources one can create, per group version."""
        docs = {"api/v1": [(plural, kind, namespaced) for plural, (kind, namespaced, verbs)
                           in _CORE.items() if "create" in verbs],
                "apis/%s/v1" % _CRD_GROUP: [(_CRD, "CustomResourceDefinition", False)],
                "apis/apps/v1": [(kubedeploy.RESOURCE, kubedeploy.KIND, True)]}
        for group, versions in sorted(self._crd_versions().items()):
            for version, crd in versions:
                names = crd["spec"]["names"]
                docs.setdefault("apis/%s/%s" % (group, version), []).append(
                    (names["plural"], names["kind"], crd["spec"]["scope"] == "Namespaced"))
        return docs

    def _groups(self) -> dict[str, Any]:
        groups = [{"name": group, "versions": [{"groupVersion": group + "/v1", "version": "v1"}],
                   "preferredVersion": {"groupVersion": group + "/v1", "version": "v1"}}
                  for group in ("apps", _CRD_GROUP)]
        for group, versions in sorted(self._crd_versions().items()):
            names = sorted({v for v, _ in versions})
            entries = [{"groupVersion": "%s/%s" % (group, v), "version": v} for v in names]
            groups.append({"name": group, "versions": entries,
                           "preferredVersion": entries[0]})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    @staticmethod
    def _resource_list(group_version: str, resources: list[dict[str, Any]]
                       ) -> dict[str, Any]:
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
                "resources": resources}

    def _change(self, req: webob.Request, resource: str, scope: str, name: str, kind: str,
                api_version: str = "v1",
                check: Optional[Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]]
                = None) -> dict[str, Any]:
        """``PUT``/``PATCH`` of a stored object (see :mod:`.kubepatch`)."""
        current = self.objects.get(resource, scope, name, kind)
        body = kubepatch.replacement(req, current, kind)
        if check is not None:
            body = check(body, current)
        return self.objects.replace(resource, scope, name, body, kind=kind,
                                    api_version=api_version, dry=kubepatch.dry_run(req))

    # -- core group ----------------------------------------------------------------

    def _core(self, req: webob.Request, rest: list[str]) -> webob.Response:
        if not rest:
            return _json(self._resource_list("v1", [
                {"name": plural, "singularName": kind.lower(), "namespaced": namespaced,
                 "kind": kind, "verbs": verbs, "shortNames": _SHORT.get(plural, [])}
                for plural, (kind, namespaced, verbs) in _CORE.items()] + [
                {"name": "replicationcontrollers/scale", "singularName": "",
                 "namespaced": True, "group": "autoscaling", "version": "v1",
                 "kind": "Scale", "verbs": ["get", "patch", "update"]}]))
        namespace: Optional[str] = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
            self.objects.get("namespaces", "", namespace, "Namespace")
        plural, name = rest[0], (rest[1] if len(rest) > 1 else None)
        if plural == "replicationcontrollers" and rest[2:] == ["scale"] and namespace:
            return _json(*self.workloads.scale(req, namespace, rest[1]))
        if plural not in _CORE or len(rest) > 2 or (namespace and not _CORE[plural][1]):
            raise KubeError(404, "NotFound", "the server could not find the requested resource")
        kind, namespaced, verbs = _CORE[plural]
        if plural == "nodes":
            return self._nodes(req, name)
        if plural == "pods":
            return _json(*self.workloads.pods(req, namespace, name))
        if plural == "replicationcontrollers":
            return _json(*self.workloads.controllers(req, namespace, name))
        scope = namespace or ""
        if req.method == "POST":
            if name is not None or (namespaced and namespace is None):
                raise KubeError(405, "MethodNotAllowed", "create needs the collection URL")
            return _json(self.objects.create(plural, scope, read_body(req), kind=kind), 201)
        if name is None:
            if req.method != "GET":
                raise KubeError(405, "MethodNotAllowed", "collection %s is not supported"
                                % req.method)
            items = kubeselect.select(self.objects.list(plural, namespace), req.GET, kind)
            return _json(object_list(kind, items, self.objects.version()))
        if req.method in ("PUT", "PATCH"):
            return _json(self._change(req, plural, scope, name, kind))
        if req.method == "DELETE":
            obj = self.objects.delete(plural, scope, name, kind)
            if kind == "Namespace":
                return _json(dict(obj, status={"phase": "Terminating"}))
            return _json({"kind": "Status", "apiVersion": "v1", "metadata": {},
                          "status": "Success", "details": {"name": name, "kind": plural,
                                                           "uid": obj["metadata"]["uid"]}})
        return _json(self.objects.get(plural, scope, name, kind))

    def _node(self, node: dict[str, Any]) -> dict[str, Any]:
        labels = {"kubernetes.io/hostname": node["name"], "kubernetes.io/os": "linux",
                  "kubernetes.io/arch": "amd64",
                  "magnum.openstack.org/role": node["role"]}
        if "nodegroup" in node:
            labels["magnum.openstack.org/nodegroup"] = node["nodegroup"]
        # configure-kubelet.sh registers masters and workers with these.
        taints = list(node["taints"])
        if node["master"]:
            labels["node-role.kubernetes.io/master"] = ""
            taints.append({"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"})
        else:
            labels["node-role.kubernetes.io/node"] = ""
        labels.update(node["labels"])
        ready = node.get("condition") != "NotReady"
        stamp = node.get("booted_at") or now()
        conditions = [
            {"type": kind, "status": "False", "reason": "Kubelet Has Sufficient " + kind[:-8],
             "message": "", "lastHeartbeatTime": now(), "lastTransitionTime": stamp}
            for kind in ("MemoryPressure", "DiskPressure", "PIDPressure")]
        conditions.append({"type": "Ready", "status": "True" if ready else "Unknown",
                           "reason": "KubeletReady" if ready else "NodeStatusUnknown",
                           "message": "kubelet is posting ready status" if ready else
                           "Kubelet stopped posting node status.",
                           "lastHeartbeatTime": now(), "lastTransitionTime": stamp})
        addresses = [{"type": "InternalIP", "address": a} for a in node["addresses"]["fixed"]]
        addresses += [{"type": "ExternalIP", "address": a}
                      for a in node["addresses"]["floating"]]
        addresses.append({"type": "Hostname", "address": node["name"]})
        version = node["version"] or "v0.0.0"
        return {
            "kind": "Node", "apiVersion": "v1",
            "metadata": {"name": node["name"], "uid": node["server_id"], "labels": labels,
                         "annotations": {"cloudsim/server-id": node["server_id"],
                                         "cloudsim/ca-generation": node["ca_generation"]},
                         "creationTimestamp": stamp, "resourceVersion": "1"},
            "spec": {"providerID": "openstack:///%s" % node["server_id"], "taints": taints},
            "status": {"conditions": conditions, "addresses": addresses,
                       "nodeInfo": {"kubeletVersion": version, "kubeProxyVersion": version,
                                    "machineID": node["server_id"].replace("-", ""),
                                    "systemUUID": node["server_id"],
                                    "bootID": node["server_id"],
                                    "kernelVersion": "6.5.0-cloudsim",
                                    "osImage": "Fedora CoreOS (cloudsim)",
                                    "containerRuntimeVersion": "docker://24.0.0",
                                    "operatingSystem": "linux", "architecture": "amd64"}},
        }

    def _nodes(self, req: webob.Request, name: Optional[str]) -> webob.Response:
        if req.method != "GET":
            raise KubeError(405, "MethodNotAllowed", "nodes are the cluster's servers: "
                                                     "resize the cluster instead")
        nodes = [self._node(n) for n in self.view()[0]]
        if name is None:
            return _json(object_list("Node", kubeselect.select(nodes, req.GET, "Node"),
                               self.objects.version()))
        for node in nodes:
            if node["metadata"]["name"] == name:
                return _json(node)
        raise KubeError(404, "NotFound", 'nodes "%s" not found' % name,
                        {"name": name, "kind": "nodes"})

    # -- custom resources ------------------------------------------------------------

    def _crds(self, req: webob.Request, rest: list[str]) -> webob.Response:
        if not rest:
            return _json(self._resource_list(_CRD_GROUP + "/v1", [
                {"name": _CRD, "singularName": "customresourcedefinition", "namespaced": False,
                 "kind": "CustomResourceDefinition", "verbs": _ALL,
                 "shortNames": ["crd", "crds"]}]))
        if rest[0] != _CRD or len(rest) > 2:
            raise KubeError(404, "NotFound", "the server could not find the requested resource")
        kind, api_version = "CustomResourceDefinition", _CRD_GROUP + "/v1"
        if len(rest) == 1:
            if req.method == "POST":
                body = read_body(req)
                _check_crd(body)
                body = dict(body, status={"conditions": [
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                     "lastTransitionTime": now(), "message": "the initial names have been "
                                                             "accepted"}],
                    "acceptedNames": body["spec"]["names"], "storedVersions": [
                        v["name"] for v in body["spec"]["versions"]]})
                return _json(self.objects.create(_CRD, "", body, kind=kind,
                                                 api_version=api_version), 201)
            if req.method != "GET":
                raise KubeError(405, "MethodNotAllowed", "collection delete is not supported")
            return _json(object_list(kind, self.objects.list(_CRD), self.objects.version(),
                               api_version))
        if req.method in ("PUT", "PATCH"):
            def check(body: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
                _check_crd(body)
                if body["spec"]["names"] != current["spec"]["names"] or \
                        body["spec"]["group"] != current["spec"]["group"]:
                    raise KubeError(422, "Invalid", 'CustomResourceDefinition "%s" is '
                                    "invalid: spec.names: Invalid value: the simulated API "
                                    "cannot rename a definition" % rest[1])
                return dict(body, status=current["status"])
            return _json(self._change(req, _CRD, "", rest[1], kind, api_version, check))
        if req.method == "DELETE":
            crd = self.objects.delete(_CRD, "", rest[1], kind)
            self.objects.delete_kind("cr:%s/%s" % (crd["spec"]["group"],
                                                   crd["spec"]["names"]["plural"]))
            return _json(crd)
        if req.method != "GET":
            raise KubeError(405, "MethodNotAllowed", "use the resource's collection URL")
        return _json(self.objects.get(_CRD, "", rest[1], kind))

    def _custom(self, req: webob.Request, group: str, version: str,
                rest: list[str]) -> webob.Response:
        crds = [crd for v, crd in self._crd_versions().get(group, []) if v == version]
        if not rest:
            if not crds:
                raise KubeError(404, "NotFound", "the server could not find the requested "
                                                 "resource")
            return _json(self._resource_list("%s/%s" % (group, version), [
                {"name": crd["spec"]["names"]["plural"],
                 "singularName": crd["spec"]["names"].get("singular", ""),
                 "namespaced": crd["spec"]["scope"] == "Namespaced",
                 "kind": crd["spec"]["names"]["kind"],
                 "verbs": _ALL} for crd in crds]))
        namespace = ""
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
            self.objects.get("namespaces", "", namespace, "Namespace")
        crd = next((c for c in crds if c["spec"]["names"]["plural"] == rest[0]), None)
        if crd is None or len(rest) > 2 or \
                (namespace != "") != (crd["spec"]["scope"] == "Namespaced"):
            raise KubeError(404, "NotFound", "the server could not find the requested resource")
        key = "cr:%s/%s" % (group, rest[0])
        kind, api_version = crd["spec"]["names"]["kind"], "%s/%s" % (group, version)
        if len(rest) == 1:
            if req.method == "POST":
                return _json(self.objects.create(key, namespace, read_body(req), kind=kind,
                                                 api_version=api_version), 201)
            if req.method != "GET":
                raise KubeError(405, "MethodNotAllowed", "collection delete is not supported")
            items = self.objects.list(key, namespace or None)
            return _json(object_list(kind, items, self.objects.version(), api_version))
        if req.method in ("PUT", "PATCH"):
            return _json(self._change(req, key, namespace, rest[1], kind, api_version))
        if req.method == "DELETE":
            obj = self.objects.delete(key, namespace, rest[1], kind)
            return _json({"kind": "Status", "apiVersion": "v1", "metadata": {},
                          "status": "Success", "details": {"name": rest[1],
                                                           "uid": obj["metadata"]["uid"]}})
        if req.method != "GET":
            raise KubeError(405, "MethodNotAllowed", "use the resource's collection URL")
        return _json(self.objects.get(key, namespace, rest[1], kind))


def _openapi(rest: list[str], docs: dict[str, list[tuple[str, str, bool]]]) -> dict[str, Any]:
    """The OpenAPI v3 index and one group version's document, reduced to what
    kubectl reads before ``apply``/``create -f``/``replace`` (1.28 and later):
    which operations take ``fieldValidation``, so it lets the server validate
    instead of wanting every schema.

    :param docs: ``"api/v1"`` or ``"apis/<group>/<version>"`` -> (plural, kind,
        namespaced) of the resources it serves.
    """
    if not rest:
        return {"paths": {key: {"serverRelativeURL": "/openapi/v3/%s?hash=cloudsim" % key}
                          for key in docs}}
    key = "/".join(rest)
    if key not in docs:
        raise KubeError(404, "NotFound", "the server could not find the requested resource")
    group, version = ("", "v1") if key == "api/v1" else tuple(rest[1:3])
    paths: dict[str, Any] = {}
    params = [{"name": name, "in": "query", "schema": {"type": "string"}}
              for name in ("dryRun", "fieldManager", "fieldValidation")]
    for plural, kind, namespaced in docs[key]:
        gvk = {"group": group, "version": version, "kind": kind}
        path = "/%s/namespaces/{namespace}/%s" % (key, plural) if namespaced else \
            "/%s/%s" % (key, plural)
        operation = kind + (group.split(".")[0].capitalize() if group else "CoreV1")
        paths[path] = {"post": {"operationId": "create" + operation, "parameters": params,
                                "responses": {"201": {"description": "Created"}},
                                "x-kubernetes-action": "post",
                                "x-kubernetes-group-version-kind": gvk}}
        # kubectl looks for the parameter on the object's PATCH and PUT too.
        paths[path + "/{name}"] = {verb: {
            "operationId": verb + operation, "parameters": params,
            "responses": {"200": {"description": "OK"}}, "x-kubernetes-action": verb,
            "x-kubernetes-group-version-kind": gvk} for verb in ("patch", "put")}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes (cloudsim)", "version": version},
            "paths": paths, "components": {"schemas": {}}}


def _check_crd(body: Any) -> None:
    name = (body.get("metadata") or {}).get("name", "") if isinstance(body, dict) else ""
    spec = body.get("spec") if isinstance(body, dict) else None
    kind = "CustomResourceDefinition"

    def bad(field: str, why: str) -> KubeError:
        return KubeError(422, "Invalid", '%s "%s" is invalid: %s: %s' % (kind, name, field, why),
                         {"name": name, "kind": _CRD, "causes": [
                             {"reason": "FieldValueInvalid", "message": why, "field": field}]})

    if not isinstance(spec, dict):
        raise bad("spec", "Required value")
    if not isinstance(spec.get("group"), str) or "." not in spec["group"]:
        raise bad("spec.group", "Invalid value: should be a domain with at least one dot")
    names = spec.get("names")
    if not isinstance(names, dict) or not isinstance(names.get("plural"), str) or \
            not isinstance(names.get("kind"), str):
        raise bad("spec.names", "Required value: plural and kind are required")
    if name != "%s.%s" % (names["plural"], spec["group"]):
        raise bad("metadata.name", "Invalid value: must be spec.names.plural+\".\"+spec.group")
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        raise bad("spec.scope", 'Unsupported value: supported values: "Cluster", "Namespaced"')
    versions = spec.get("versions")
    if not isinstance(versions, list) or not versions or not all(
            isinstance(v, dict) and isinstance(v.get("name"), str) for v in versions):
        raise bad("spec.versions", "Required value: must have at least one version")


def _addon_pods(nodes: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    """The kube-system pods the masters' parameters enable (what run-addons.sh
    and the node scripts deploy): one per node for daemon sets, else on the
    first master."""
    masters = [n for n in nodes if n["master"]] or nodes
    if not masters:
        return []
    pods = []
    tags = _Default({key: value for key, value in params.items() if value})
    for switch, name, image, per_node in _ADDONS:
        if switch and any(params.get(key, "").lower() != value for key, _, value in
                          (cond.partition("=") for cond in switch.split(","))):
            continue
        for node in (nodes if per_node else masters[:1]):
            pod_name = "%s-%s" % (name, node["server_id"][:5])
            pods.append({
                "kind": "Pod", "apiVersion": "v1",
                "metadata": {"name": pod_name, "namespace": "kube-system",
                             "uid": "%s-%s" % (name, node["server_id"]),
                             "labels": {"k8s-app": name},
                             "creationTimestamp": node.get("booted_at") or now()},
                "spec": {"nodeName": node["name"],
                         "containers": [{"name": name,
                                         "image": image.format_map(tags)}]},
                "status": {"phase": "Running", "hostIP": (node["addresses"]["fixed"] or
                                                          [""])[0],
                           "conditions": [{"type": "Ready", "status": "True"}],
                           "containerStatuses": [{"name": name, "ready": True,
                                                  "restartCount": 0,
                                                  "image": image.format_map(tags),
                                                  "imageID": "", "state": {
                                                      "running": {"startedAt": now()}}}]},
            })
    return pods


class _Default(dict):
    """Format values: a tag the node was not given reads ``latest``."""

    def __missing__(self, key: str) -> str:
        return "latest"
