"""Simulated Nova servers and Octavia load balancers created by stacks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from magnum_like.cloudsim.heat.model import Resource, Stack
from magnum_like.cloudsim.heat.resources import Handler, ResourceFailure, _lookup, _name
from magnum_like.cloudsim.store import IPExhausted, Store, new_id, now_iso

if TYPE_CHECKING:  # pragma: no cover
    from magnum_like.cloudsim.heat.engine import Engine


def server_addresses(store: Store, server: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Nova's ``addresses`` of a server, built from its ports and floating IPs."""
    addresses: dict[str, list[dict[str, Any]]] = {}
    for pid in server.get("port_ids", []):
        port = store.ports.get(pid)
        if port is None:
            continue
        net = store.networks.get(port["network_id"], {})
        entries = addresses.setdefault(net.get("name") or port["network_id"], [])
        for fixed in port["fixed_ips"]:
            entries.append({"addr": fixed["ip_address"], "version": 4,
                            "OS-EXT-IPS:type": "fixed",
                            "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]})
        fip = store.floatingips.get(port.get("_fip") or "")
        if fip:
            entries.append({"addr": fip["floating_ip_address"], "version": 4,
                            "OS-EXT-IPS:type": "floating",
                            "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]})
    return addresses


class ServerHandler(Handler):
    """OS::Nova::Server: checks image/flavor/key, makes ports, appears in Nova."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        store = eng.store
        props = res.props or {}
        image = store.find("images", str(props.get("image") or ""))
        if props.get("image") and image is None:
            raise ResourceFailure("Error validating value '%s': No images matching "
                                  "{'name': '%s'}." % (props["image"], props["image"]),
                                  "StackValidationFailed")
        flavor = store.find("flavors", str(props.get("flavor") or ""))
        if flavor is None:
            raise ResourceFailure("Error validating value '%s': The Flavor ID (%s) could not "
                                  "be found." % (props.get("flavor"), props.get("flavor")),
                                  "StackValidationFailed")
        key_name = props.get("key_name")
        # Stacks do not record their user here, so any user's keypair of that name will do.
        if key_name and not any(kp["name"] == key_name for kp in store.keypairs.values()):
            raise ResourceFailure("Error validating value '%s': The Key (%s) could not be "
                                  "found." % (key_name, key_name), "StackValidationFailed")
        boot_volumes = _boot_volumes(store, props)
        sid = new_id()
        port_ids, own_ports = [], []
        try:
            for net_spec in props.get("networks") or []:
                if net_spec.get("port"):
                    port = _lookup(store, "ports", net_spec["port"], "port")
                else:
                    net = _lookup(store, "networks", net_spec.get("network") or
                                  net_spec.get("uuid"), "network")
                    subnet = net_spec.get("subnet")
                    port = store.new_port(net["id"], subnet_id=subnet,
                                          fixed_ip=net_spec.get("fixed_ip"),
                                          project_id=stack.project)
                    own_ports.append(port["id"])
                port.update(device_id=sid, device_owner="compute:nova")
                port_ids.append(port["id"])
        except IPExhausted as exc:
            for pid in own_ports:
                store.ports.pop(pid, None)
            raise ResourceFailure(str(exc), "ResourceInError") from None
        server = {
            "id": sid, "name": props.get("name") or _name(stack, res), "status": "ACTIVE",
            "tenant_id": stack.project, "user_id": "cloudsim",
            "flavor": {"id": flavor["id"], "original_name": flavor["name"],
                       "vcpus": flavor["vcpus"], "ram": flavor["ram"], "disk": flavor["disk"]},
            "image": {"id": image["id"]} if image else "",
            "key_name": key_name, "metadata": dict(props.get("metadata") or {}),
            "created": now_iso(), "updated": now_iso(), "hostId": "cloudsim-host",
            "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:power_state": 1,
            "OS-EXT-STS:task_state": None, "OS-EXT-AZ:availability_zone":
                props.get("availability_zone") or "nova",
            "accessIPv4": "", "accessIPv6": "", "config_drive": "", "progress": 0,
            "security_groups": [{"name": g} for g in props.get("security_groups") or []],
            "port_ids": port_ids, "own_ports": own_ports, "stack_id": stack.id,
            "os-extended-volumes:volumes_attached": [{"id": v["id"]} for v in boot_volumes],
        }
        for vol in boot_volumes:
            vol.update(status="in-use", attachments=[{"server_id": sid, "device": "/dev/vda"}])
        store.servers[sid] = server
        res.physical_id = sid
        return False

    def update(self, eng: "Engine", stack: Stack, res: Resource,
               old_props: Optional[dict[str, Any]]) -> bool:
        server = eng.store.servers.get(res.physical_id or "")
        props = res.props or {}
        if server is not None:
            image = eng.store.find("images", str(props.get("image") or ""))
            if image:
                server["image"] = {"id": image["id"]}
            flavor = eng.store.find("flavors", str(props.get("flavor") or ""))
            if flavor:
                server["flavor"] = {"id": flavor["id"], "original_name": flavor["name"],
                                    "vcpus": flavor["vcpus"], "ram": flavor["ram"],
                                    "disk": flavor["disk"]}
            server["metadata"] = dict(props.get("metadata") or {})
            server["updated"] = now_iso()
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        server = eng.store.servers.pop(res.physical_id or "", None)
        if server is not None:
            for attached in server.get("os-extended-volumes:volumes_attached", []):
                vol = eng.store.volumes.get(attached["id"])
                if vol is not None:
                    vol.update(status="available", attachments=[])
            for pid in server.get("own_ports", []):
                eng.store.ports.pop(pid, None)
            for pid in server.get("port_ids", []):
                if pid in eng.store.ports:
                    eng.store.ports[pid].update(device_id="", device_owner="")
        return False

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        server = eng.store.servers.get(res.physical_id or "")
        if server is None:
            return None
        addresses = server_addresses(eng.store, server)
        if name == "addresses":
            return addresses
        if name == "first_address":
            for entries in addresses.values():
                for entry in entries:
                    if entry["OS-EXT-IPS:type"] == "fixed":
                        return entry["addr"]
            return ""
        if name == "networks":
            nets: dict[str, list[str]] = {}
            for pid in server["port_ids"]:
                port = eng.store.ports.get(pid)
                if port is None:
                    continue
                net = eng.store.networks.get(port["network_id"], {})
                ips = [f["ip_address"] for f in port["fixed_ips"]]
                fip = eng.store.floatingips.get(port.get("_fip") or "")
                if fip:
                    ips.append(fip["floating_ip_address"])
                nets.setdefault(port["network_id"], []).extend(ips)
                if net.get("name"):
                    nets.setdefault(net["name"], []).extend(ips)
            return nets
        if name == "show":
            return public_server(eng.store, server)
        if name in ("name", "accessIPv4", "accessIPv6"):
            return server.get(name)
        if name == "instance_name":
            return "instance-%s" % server["id"][:8]
        if name == "console_urls":
            return {"novnc": "http://127.0.0.1/vnc_auto.html?token=%s" % server["id"]}
        return None


def _boot_volumes(store: Store, props: dict[str, Any]) -> list[dict[str, Any]]:
    """The volumes a server boots from: ``block_device_mapping_v2`` entries with a
    ``volume_id`` (their server shows no image, as in Nova)."""
    return [_lookup(store, "volumes", mapping["volume_id"], "volume")
            for mapping in props.get("block_device_mapping_v2") or []
            if mapping.get("volume_id")]


def public_server(store: Store, server: dict[str, Any]) -> dict[str, Any]:
    """A server as Nova's API shows it (private bookkeeping removed)."""
    view = {k: v for k, v in server.items() if k not in ("port_ids", "own_ports", "stack_id")}
    view["addresses"] = server_addresses(store, server)
    return view


class LoadBalancerHandler(Handler):
    """OS::Octavia::LoadBalancer: a VIP port on ``vip_subnet``."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        store = eng.store
        props = res.props or {}
        subnet = _lookup(store, "subnets", props.get("vip_subnet") or
                         props.get("vip_network"), "subnet") if props.get("vip_subnet") \
            else None
        network_id = subnet["network_id"] if subnet else _lookup(
            store, "networks", props.get("vip_network"), "network")["id"]
        try:
            port = store.new_port(network_id, subnet_id=subnet["id"] if subnet else None,
                                  fixed_ip=props.get("vip_address"), project_id=stack.project,
                                  device_owner="Octavia", name="octavia-lb-vip")
        except IPExhausted as exc:
            raise ResourceFailure(str(exc), "ResourceInError") from None
        lid = new_id()
        port["device_id"] = "lb-%s" % lid
        fixed = port["fixed_ips"][0] if port["fixed_ips"] else {}
        lb = {"id": lid, "name": props.get("name") or _name(stack, res),
              "description": props.get("description", ""),
              "vip_address": fixed.get("ip_address"), "vip_port_id": port["id"],
              "vip_subnet_id": fixed.get("subnet_id"), "vip_network_id": network_id,
              "vip_qos_policy_id": None, "provisioning_status": "ACTIVE",
              "operating_status": "ONLINE", "admin_state_up": True,
              "provider": props.get("provider") or "amphora", "flavor_id": props.get("flavor"),
              "listeners": [], "pools": [], "project_id": stack.project,
              "tenant_id": stack.project, "tags": [], "availability_zone": None,
              "created_at": now_iso(), "updated_at": now_iso(), "stack_id": stack.id}
        store.loadbalancers[lid] = lb
        res.physical_id = lid
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        lb = eng.store.loadbalancers.pop(res.physical_id or "", None)
        if lb is not None:
            eng.store.ports.pop(lb["vip_port_id"], None)
        return False

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        lb = eng.store.loadbalancers.get(res.physical_id or "")
        if lb is None:
            return None
        if name == "show":
            return {k: v for k, v in lb.items() if k != "stack_id"}
        return lb.get(name)


class LBChildHandler(Handler):
    """Listener / Pool / PoolMember / HealthMonitor: recorded on their load balancer."""

    _KEYS = {"OS::Octavia::Listener": "listeners", "OS::Octavia::Pool": "pools"}

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        res.physical_id = new_id()
        key = self._KEYS.get(res.impl_type)
        lb = eng.store.loadbalancers.get(str((res.props or {}).get("loadbalancer") or ""))
        if key and lb is None:
            # Pools name a listener, not a load balancer; find the LB that owns it.
            listener = (res.props or {}).get("listener")
            lb = next((lb for lb in eng.store.loadbalancers.values()
                       if any(item["id"] == listener for item in lb["listeners"])), None)
        if key and lb is not None:
            lb[key].append({"id": res.physical_id})
            res.data["lb"] = lb["id"]
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        key = self._KEYS.get(res.impl_type)
        lb = eng.store.loadbalancers.get(res.data.get("lb") or "")
        if key and lb is not None:
            lb[key] = [item for item in lb[key] if item["id"] != res.physical_id]
        return False
