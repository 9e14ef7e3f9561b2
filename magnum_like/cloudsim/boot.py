"""How a simulated server boots: what its user data tells the node it is.

A real node runs cloud-init over its user data: the driver's MultipartMime
config writes ``/etc/sysconfig/heat-params`` (and ``heat-role``) and runs the
node scripts, which read those ``KEY='value'`` files.  The simulator does the
same reading, and nothing else: a node's role, node group, COE version, CA
generation, labels and taints come only from what its stack passed it, so a
parameter a template forgets is a node that lacks it.
"""

from __future__ import annotations

import base64
import email
import fnmatch
import gzip
import shlex
from typing import Any, Optional

import yaml

#: The files the node scripts source, in the order they are read.
PARAM_FILES = ("/etc/sysconfig/heat-params", "/etc/sysconfig/heat-role")


def _cloud_config_files(text: str, files: dict[str, str]) -> None:
    """Apply the ``write_files`` of one cloud-config document to ``files``
    (path -> content): an entry replaces the file, or with ``append: true``
    adds to it, as cloud-init writes them."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return
    for entry in (doc or {}).get("write_files") or [] if isinstance(doc, dict) else []:
        if not isinstance(entry, dict) or not entry.get("path"):
            continue
        content = entry.get("content") or ""
        encoding = str(entry.get("encoding") or "")
        try:
            if encoding in ("b64", "base64"):
                content = base64.b64decode(content).decode("utf-8", "replace")
            elif encoding in ("gz+b64", "gzip+base64"):
                content = gzip.decompress(base64.b64decode(content)).decode("utf-8", "replace")
        except (ValueError, OSError):
            content = ""
        path = str(entry["path"])
        if entry.get("append") is True:
            files[path] = files.get(path, "") + str(content)
        else:
            files[path] = str(content)


def written_files(user_data: str) -> dict[str, str]:
    """Every file the user data's cloud-config parts write, in order."""
    files: dict[str, str] = {}
    if user_data.startswith("Content-Type: multipart/") or "MIME-Version" in user_data[:200]:
        for part in email.message_from_string(user_data).walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            text = payload.decode("utf-8", "replace")
            if part.get_content_subtype() == "cloud-config" or text.startswith("#cloud-config"):
                _cloud_config_files(text, files)
        return files
    if user_data.startswith("#cloud-config"):
        _cloud_config_files(user_data, files)
    return files


def parse_params(text: str) -> dict[str, str]:
    """``KEY='value'`` / ``KEY="value"`` lines as the shell reads them."""
    params: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, raw = line.partition("=")
        if not key.isidentifier():
            continue
        try:
            words = shlex.split(raw, posix=True)
        except ValueError:
            continue
        params[key] = words[0] if words else ""
    return params


def boot_record(user_data: str, *, image_id: Optional[str], booted_at: str) -> dict[str, Any]:
    """What a server booted from ``user_data`` knows about itself."""
    files = written_files(user_data)
    params: dict[str, str] = {}
    for path in PARAM_FILES:
        params.update(parse_params(files.get(path, "")))
    return {"params": params, "image": image_id, "booted_at": booted_at}


def _pairs(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def node_labels(params: dict[str, str]) -> dict[str, str]:
    """``NODE_LABELS`` (``k=v,k2=v2``) as a dict."""
    labels = {}
    for item in _pairs(params.get("NODE_LABELS", "")):
        key, _, value = item.partition("=")
        labels[key.strip()] = value.strip()
    return labels


def node_taints(params: dict[str, str]) -> list[dict[str, str]]:
    """``NODE_TAINTS`` (``key=value:Effect,key2:Effect``) as Kubernetes taints."""
    taints = []
    for item in _pairs(params.get("NODE_TAINTS", "")):
        head, _, effect = item.rpartition(":")
        if not head:
            head, effect = effect, ""
        key, _, value = head.partition("=")
        taint = {"key": key, "effect": effect}
        if value:
            taint["value"] = value
        taints.append(taint)
    return taints


def coe_of(params: dict[str, str]) -> Optional[str]:
    """Which COE's scripts the node runs (``None``: not a cluster node)."""
    if "KUBE_TAG" in params or "KUBE_API_PORT" in params:
        return "kubernetes"
    if "SWARM_API_ADDRESS" in params or "SWARM_ROLE" in params:
        return "swarm"
    if "MESOS_MASTERS" in params:
        return "mesos"
    return None


def node_summary(server: dict[str, Any]) -> Optional[dict[str, Any]]:
    """A booted server as a node (for ``/_sim/state`` and the cluster APIs);
    ``None`` for a server whose user data makes it no cluster node."""
    boot = server.get("boot") or {}
    params: dict[str, str] = boot.get("params") or {}
    coe = coe_of(params)
    if coe is None or not params.get("CLUSTER_UUID"):
        return None
    role = params.get("NODEGROUP_ROLE") or ("master" if params.get("ROLE") == "master"
                                            else "worker")
    version = {"kubernetes": params.get("KUBE_TAG"), "swarm": params.get("DOCKER_VERSION"),
               "mesos": params.get("MESOS_TAG")}[coe]
    summary = {"server_id": server["id"], "name": server["name"], "coe": coe,
               "cluster_uuid": params["CLUSTER_UUID"],
               "master": params.get("ROLE") == "master", "role": role,
               "version": version or "", "ca_generation": params.get("CA_GENERATION", ""),
               "labels": node_labels(params), "taints": node_taints(params),
               "image": boot.get("image"), "booted_at": boot.get("booted_at")}
    if "NODEGROUP_NAME" in params:
        summary["nodegroup"] = params["NODEGROUP_NAME"]
    return summary


def matches(pattern: str, value: str) -> bool:
    """A shell-style name glob (faults name servers and clusters this way)."""
    return fnmatch.fnmatchcase(value, pattern)
