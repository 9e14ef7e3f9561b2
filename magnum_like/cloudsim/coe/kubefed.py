"""Federation on a simulated host cluster: what the federation node script does, and KubeFed.

A software deployment whose inputs carry ``KUBEFED_MEMBERS`` (the federation
stack's, ``configure-federation.sh``) runs on a master of a Kubernetes
cluster: :meth:`KubeFed.apply` does to that cluster's objects what the script
does with kubectl (namespace ``kube-federation-system``, the KubeFedCluster
CRD, per member a ``<name>-kubeconfig`` Secret and a ``KubeFedCluster``,
labelled with the federation; listed no more: removed).  A deployment on a
server that is no booted Kubernetes master fails, as the script would.

The simulated federation controller (:meth:`KubeFed.check`, a thread) sets
each KubeFedCluster's ``Ready`` condition the way KubeFed's cluster health
check does: a real HTTPS request to the member's ``apiEndpoint`` ``/healthz``
with the credential from the Secret, verifying the member's server against
the ``caBundle``; Ready only if the member answered 200.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import ssl
import tempfile
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Optional

import yaml

from magnum_like.cloudsim import boot
from magnum_like.cloudsim.coe.kubeobjects import KubeError, ObjectStore, now

LOG = logging.getLogger(__name__)

NAMESPACE = "kube-federation-system"
GROUP, VERSION, PLURAL, KIND = "core.kubefed.io", "v1beta1", "kubefedclusters", "KubeFedCluster"
RESOURCE = "cr:%s/%s" % (GROUP, PLURAL)
CRD = "customresourcedefinitions"
LABEL = "magnum-like/federation"
#: Seconds between two health checks of one member; each request's timeout.
CHECK_INTERVAL, CHECK_TIMEOUT = 2.0, 5.0
#: Most members checked per pass.
CHECK_LIMIT = 64

_CRD_BODY = {
    "metadata": {"name": "%s.%s" % (PLURAL, GROUP)},
    "spec": {"group": GROUP, "scope": "Namespaced",
             "names": {"plural": PLURAL, "singular": "kubefedcluster", "kind": KIND},
             "versions": [{"name": VERSION, "served": True, "storage": True,
                           "schema": {"openAPIV3Schema": {"type": "object",
                                                          "x-kubernetes-preserve-unknown-"
                                                          "fields": True}}}]},
}


class DeploymentFailed(Exception):
    """The script would have failed on that server (message: why)."""


def _kubeconfig(name: str, server: str, member: dict[str, Any], user: str) -> str:
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": name,
        "clusters": [{"name": name, "cluster": {"server": server,
                                                "certificate-authority-data": b64(member["ca"])}}],
        "users": [{"name": user, "user": {"client-certificate-data": b64(member["cert"]),
                                          "client-key-data": b64(member["key"])}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": user}}]})


class KubeFed:
    """Federations of one simulator's clusters.

    :param store: the simulator's store (servers).
    :param objects: ``cluster uuid -> ObjectStore``, the clusters' objects as the
        cluster APIs keep them (a cluster's entry goes with its masters).
    """

    def __init__(self, store: Any, objects: dict[str, ObjectStore]) -> None:
        self.store, self.objects = store, objects
        self._checked: dict[str, float] = {}
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None

    # -- the node script --------------------------------------------------------------
    def deployment(self, server_ids: list[str], inputs: dict[str, Any]) -> None:
        """A deployment of the federation script ran on ``server_ids``.

        :raises DeploymentFailed: a server is no booted Kubernetes master; bad inputs.
        """
        clusters = set()
        with self.store.lock:
            for server_id in server_ids:
                server = self.store.servers.get(str(server_id))
                node = boot.node_summary(server) if server else None
                if node is None or not node["master"] or node["coe"] != "kubernetes":
                    raise DeploymentFailed("configure-federation.sh: server %s is not a "
                                           "Kubernetes master" % server_id)
                clusters.add(node["cluster_uuid"])
        try:
            members = json.loads(inputs.get("KUBEFED_MEMBERS") or "[]")
            federation = str(inputs["FEDERATION_UUID"])
        except (ValueError, KeyError) as exc:
            raise DeploymentFailed("configure-federation.sh: bad inputs (%s)" % exc)
        for uuid in clusters:
            self.apply(self.objects.setdefault(uuid, ObjectStore()), federation, members)

    def apply(self, objects: ObjectStore, federation: str, members: list[dict[str, Any]]
              ) -> None:
        """What ``configure-federation.sh`` does to the host's objects."""
        for resource, body, kind, version in (
                ("namespaces", {"metadata": {"name": NAMESPACE}}, "Namespace", "v1"),
                (CRD, dict(_CRD_BODY, status={"conditions": [
                    {"type": "Established", "status": "True", "lastTransitionTime": now()}]}),
                 "CustomResourceDefinition", "apiextensions.k8s.io/v1")):
            try:
                objects.create(resource, "", body, kind=kind, api_version=version)
            except KubeError as exc:
                if exc.code != 409:
                    raise DeploymentFailed("configure-federation.sh: %s" % exc)
        labels = {LABEL: federation}
        wanted = set()
        for member in members:
            name = str(member["name"])
            server = "https://%s:6443" % member["api_address"]
            wanted.add(name)
            for resource, kind, body, version in (
                    ("secrets", "Secret", {"stringData": {"kubeconfig": _kubeconfig(
                        name, server, member, "kubefed-%s" % federation)}}, "v1"),
                    (RESOURCE, KIND, {"spec": {
                        "apiEndpoint": server,
                        "caBundle": base64.b64encode(member["ca"].encode()).decode(),
                        "secretRef": {"name": name + "-kubeconfig"}}},
                     "%s/%s" % (GROUP, VERSION))):
                secret_name = name + "-kubeconfig" if kind == "Secret" else name
                body = dict(body, metadata={"name": secret_name, "labels": labels})
                try:  # kubectl apply: replace what is there
                    objects.delete(resource, NAMESPACE, secret_name, kind)
                except KubeError:
                    pass
                objects.create(resource, NAMESPACE, body, kind=kind, api_version=version)
        for cluster in objects.list(RESOURCE, NAMESPACE):
            meta = cluster["metadata"]
            if (meta.get("labels") or {}).get(LABEL) == federation and \
                    meta["name"] not in wanted:
                for resource, name, kind in ((RESOURCE, meta["name"], KIND),
                                             ("secrets", meta["name"] + "-kubeconfig",
                                              "Secret")):
                    try:
                        objects.delete(resource, NAMESPACE, name, kind)
                    except KubeError:
                        pass

    # -- the federation controller ------------------------------------------------------
    def start(self) -> None:
        """Run the controller's health checks from now on."""
        self._thread = threading.Thread(target=self._loop, name="cloudsim-kubefed",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=CHECK_TIMEOUT + 5)

    def _loop(self) -> None:
        while not self._stopping.wait(CHECK_INTERVAL / 4):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the thread must outlive one bad member
                LOG.exception("cloudsim: KubeFed health checks failed")

    def check(self) -> None:
        """One pass: check the members not checked for CHECK_INTERVAL seconds."""
        done, seen = 0, set()
        for objects in list(self.objects.values()):
            for cluster in objects.list(RESOURCE, NAMESPACE):
                uid = cluster["metadata"]["uid"]
                seen.add(uid)
                if done >= CHECK_LIMIT or self._stopping.is_set():
                    return
                if self._checked.get(uid, 0.0) > time.monotonic() - CHECK_INTERVAL:
                    continue
                done += 1
                ready, reason = self._probe(objects, cluster)
                self._checked[uid] = time.monotonic()
                cluster["status"] = {"conditions": [{
                    "type": "Ready", "status": "True" if ready else "False",
                    "reason": "ClusterReady" if ready else "ClusterNotReachable",
                    "message": reason, "lastProbeTime": now(),
                    "lastTransitionTime": now()}]}
        for uid in [u for u in self._checked if u not in seen]:
            del self._checked[uid]

    @staticmethod
    def _probe(objects: ObjectStore, cluster: dict[str, Any]) -> tuple[bool, str]:
        """A TLS request to the member with the delivered credential: (ready, why)."""
        spec = cluster.get("spec") or {}
        try:
            secret = objects.get("secrets", NAMESPACE, spec["secretRef"]["name"], "Secret")
            config = yaml.safe_load(base64.b64decode(secret["data"]["kubeconfig"]))
            user = config["users"][0]["user"]
            cert = base64.b64decode(user["client-certificate-data"]).decode()
            key = base64.b64decode(user["client-key-data"]).decode()
            ca = base64.b64decode(spec["caBundle"]).decode()
        except (KubeError, KeyError, IndexError, TypeError, ValueError) as exc:
            return False, "no usable credential: %s" % exc
        directory = tempfile.mkdtemp(prefix="cloudsim-kubefed-")
        try:
            paths = {}
            for name, text in (("cert", cert), ("key", key)):
                paths[name] = os.path.join(directory, name + ".pem")
                with open(os.open(paths[name], os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                    f.write(text)
            context = ssl.create_default_context(cadata=ca)
            context.load_cert_chain(paths["cert"], paths["key"])
            url = spec["apiEndpoint"].rstrip("/") + "/healthz"
            with urllib.request.urlopen(url, context=context, timeout=CHECK_TIMEOUT) as resp:
                return resp.status == 200, "healthz answered %s" % resp.status
        except (OSError, ssl.SSLError, ValueError, urllib.error.URLError) as exc:
            return False, "cannot reach %s: %s" % (spec.get("apiEndpoint"), exc)
        finally:
            for name in os.listdir(directory):
                os.unlink(os.path.join(directory, name))
            os.rmdir(directory)
