"""The simulated cloud's seed catalog: images, flavors, networks, keypairs.

A YAML file with the same shape as :data:`DEFAULT_CATALOG` replaces it
(``--catalog FILE``).  Ids are derived from names so they are stable across
runs, which keeps restarts and test expectations simple.
"""

from __future__ import annotations

import uuid
from typing import Any

import yaml

from magnum_like.cloudsim import store as store_mod

_NS = uuid.UUID("6d1f6a58-3c1e-4c56-9a5b-0c2b6f1d9e10")

DEFAULT_CATALOG: dict[str, Any] = {
    "images": [
        {"name": "fedora-atomic-latest", "os_distro": "fedora-atomic"},
        {"name": "fedora-coreos-latest", "os_distro": "fedora-coreos"},
        {"name": "ubuntu-22.04", "os_distro": "ubuntu"},
        {"name": "cirros-no-distro"},
    ],
    "flavors": [
        {"name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20},
        {"name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40},
        {"name": "m1.large", "vcpus": 4, "ram": 8192, "disk": 80},
        {"name": "m2.medium", "vcpus": 2, "ram": 4096, "disk": 0},
    ],
    "networks": [
        {"name": "public", "external": True,
         "subnets": [{"name": "public-subnet", "cidr": "172.24.0.0/16"}]},
        {"name": "private", "external": False,
         "subnets": [{"name": "private-subnet", "cidr": "10.0.0.0/16"}]},
    ],
    "keypairs": [
        {"name": "default",
         "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNpbXVsYXRvcmtleQ== cloudsim"},
    ],
}


class CatalogError(ValueError):
    """The catalog file is unreadable or malformed."""


def stable_id(kind: str, name: str) -> str:
    """Return a deterministic UUID for a catalog object."""
    return str(uuid.uuid5(_NS, "%s:%s" % (kind, name)))


def load_catalog(path: str) -> dict[str, Any]:
    """Read a catalog YAML file; raises :class:`CatalogError` if malformed."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError("cannot read catalog %s: %s" % (path, exc)) from exc
    if not isinstance(data, dict):
        raise CatalogError("catalog %s must be a mapping" % path)
    for key in ("images", "flavors", "networks", "keypairs"):
        if not isinstance(data.get(key, []), list):
            raise CatalogError("catalog key %r must be a list" % key)
    return data


def seed(store: Any, catalog: dict[str, Any]) -> None:
    """Fill ``store``'s tables from ``catalog`` (a dict shaped like the default)."""
    for img in catalog.get("images", []):
        iid = str(img.get("id") or stable_id("image", img["name"]))
        record = {
            "id": iid, "name": img["name"], "status": "active", "visibility": "public",
            "disk_format": img.get("disk_format", "qcow2"),
            "container_format": img.get("container_format", "bare"),
            "min_disk": img.get("min_disk", 0), "min_ram": img.get("min_ram", 0),
            "size": img.get("size", 1073741824), "protected": False, "tags": [],
            "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
            "owner": "admin", "checksum": None,
        }
        if img.get("os_distro"):
            record["os_distro"] = img["os_distro"]
        for key, value in (img.get("properties") or {}).items():
            record[key] = value
        store.images[iid] = record
    for idx, flv in enumerate(catalog.get("flavors", []), start=1):
        fid = str(flv.get("id") or idx)
        store.flavors[fid] = {
            "id": fid, "name": flv["name"], "vcpus": int(flv.get("vcpus", 1)),
            "ram": int(flv.get("ram", 512)), "disk": int(flv.get("disk", 0)),
            "OS-FLV-EXT-DATA:ephemeral": 0, "swap": "", "rxtx_factor": 1.0,
            "os-flavor-access:is_public": True, "OS-FLV-DISABLED:disabled": False,
            "description": None, "extra_specs": {},
        }
    for net in catalog.get("networks", []):
        nid = str(net.get("id") or stable_id("network", net["name"]))
        store.networks[nid] = store.new_network(
            net["name"], external=bool(net.get("external")), net_id=nid, project_id="admin")
        for sub in net.get("subnets", []):
            sid = str(sub.get("id") or stable_id("subnet", sub["name"]))
            store.add_subnet(nid, sub["name"], sub["cidr"], subnet_id=sid,
                             gateway_ip=sub.get("gateway_ip"), project_id="admin")
    for kp in catalog.get("keypairs", []):
        keypair = store.new_keypair(kp["name"], kp.get("public_key"),
                                    user_id=kp.get("user_id") or "admin")
        store.keypairs[store_mod.keypair_key(keypair["user_id"], keypair["name"])] = keypair
