"""Simulated resource types: what each creates in the other simulated services.

A :class:`Handler` is stateless; a resource's own state lives in
``res.data`` and in the store's tables, so snapshots and restarts need no
handler cooperation.  ``create``/``update``/``delete`` return ``True`` when
they wait for a nested stack (see :mod:`nested`), ``False`` when done.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from typing import TYPE_CHECKING, Any, Optional


from magnum_like.cloudsim.heat.functions import follow_path
from magnum_like.cloudsim.heat.model import Resource, Stack
from magnum_like.cloudsim.store import IPExhausted, Store, new_id, now_iso

if TYPE_CHECKING:  # pragma: no cover
    from magnum_like.cloudsim.heat.engine import Engine


class ResourceFailure(Exception):
    """A resource action failed; ``kind`` mimics the Heat/OpenStack error class."""

    def __init__(self, message: str, kind: str = "Error") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


class Handler:
    """Base simulation: a resource with an id and no side effects."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        """Create the resource's objects; ``res.props`` holds resolved properties."""
        res.physical_id = res.physical_id or new_id()
        return False

    def update(self, eng: "Engine", stack: Stack, res: Resource,
               old_props: Optional[dict[str, Any]]) -> bool:
        """Apply changed properties in place."""
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        """Remove the resource's objects."""
        return False

    def needs_update(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        """Whether an update is due even though the properties are unchanged."""
        return False

    def nested_done(self, eng: "Engine", stack: Stack, res: Resource, child: Stack) -> bool:
        """A nested stack finished; return True if another nested step started."""
        return False

    def ref(self, eng: "Engine", stack: Stack, res: Resource) -> Any:
        """The value of ``get_resource``."""
        return res.physical_id

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        """Return a top-level attribute (``None`` if unknown)."""
        if name == "show":
            return dict(res.props or {}, id=res.physical_id)
        return res.data.get("attrs", {}).get(name)

    def attribute(self, eng: "Engine", stack: Stack, res: Resource, name: str,
                  path: list[Any]) -> Any:
        """The value of ``get_attr`` (attribute then path)."""
        return follow_path(self.attrs(eng, stack, res, name), path)


class UnknownType(Handler):
    """Any type the simulator does not know: the resource fails clearly."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        raise ResourceFailure('The Resource Type (%s) could not be found.' % res.impl_type,
                              "ResourceTypeNotFound")

    def update(self, eng: "Engine", stack: Stack, res: Resource,
               old_props: Optional[dict[str, Any]]) -> bool:
        """Unknown types fail on update too."""
        return self.create(eng, stack, res)


def _lookup(store: Store, table: str, value: Any, label: str) -> dict[str, Any]:
    record = store.find(table, str(value)) if value not in (None, "") else None
    if record is None:
        raise ResourceFailure("Error validating value '%s': Unable to find %s with name "
                              "or id '%s'" % (value, label, value), "StackValidationFailed")
    return record


def _name(stack: Stack, res: Resource) -> str:
    return "%s-%s-%s" % (stack.name, res.name, uuid.uuid4().hex[:12])


# -- Neutron ---------------------------------------------------------------

class NetHandler(Handler):
    """OS::Neutron::Net."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        net = eng.store.new_network(props.get("name") or _name(stack, res),
                                    project_id=stack.project)
        eng.store.networks[net["id"]] = net
        res.physical_id = net["id"]
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        net = eng.store.networks.pop(res.physical_id or "", None)
        for sid in (net or {}).get("subnets", []):
            eng.store.subnets.pop(sid, None)
        return False

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        net = eng.store.networks.get(res.physical_id or "", {})
        return dict(net) if name == "show" else net.get(name)


class SubnetHandler(Handler):
    """OS::Neutron::Subnet."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        net = _lookup(eng.store, "networks", props.get("network") or props.get("network_id"),
                      "network")
        sub = eng.store.add_subnet(net["id"], props.get("name") or _name(stack, res),
                                   props.get("cidr") or "10.0.0.0/24",
                                   gateway_ip=props.get("gateway_ip"),
                                   project_id=stack.project,
                                   dns_nameservers=props.get("dns_nameservers"))
        res.physical_id = sub["id"]
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        sub = eng.store.subnets.pop(res.physical_id or "", None)
        if sub and sub["network_id"] in eng.store.networks:
            subs = eng.store.networks[sub["network_id"]]["subnets"]
            if sub["id"] in subs:
                subs.remove(sub["id"])
        return False

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        sub = eng.store.subnets.get(res.physical_id or "", {})
        return {k: v for k, v in sub.items() if not k.startswith("_")} if name == "show" \
            else sub.get(name)


class RouterHandler(Handler):
    """OS::Neutron::Router (external gateway from ``external_gateway_info``)."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        gw = props.get("external_gateway_info") or {}
        info = None
        if gw.get("network"):
            info = {"network_id": _lookup(eng.store, "networks", gw["network"], "network")["id"]}
        router = {"id": new_id(), "name": props.get("name") or _name(stack, res),
                  "status": "ACTIVE", "admin_state_up": True, "external_gateway_info": info,
                  "project_id": stack.project, "tenant_id": stack.project}
        eng.store.routers[router["id"]] = router
        res.physical_id = router["id"]
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        eng.store.routers.pop(res.physical_id or "", None)
        return False

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        router = eng.store.routers.get(res.physical_id or "", {})
        return dict(router) if name == "show" else router.get(name)


class PortHandler(Handler):
    """OS::Neutron::Port: one fixed IP from its network's (or given) subnet."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        net = _lookup(eng.store, "networks", props.get("network") or props.get("network_id"),
                      "network")
        fixed = (props.get("fixed_ips") or [{}])[0] or {}
        subnet_id = None
        if fixed.get("subnet") or fixed.get("subnet_id"):
            subnet_id = _lookup(eng.store, "subnets", fixed.get("subnet") or
                                fixed.get("subnet_id"), "subnet")["id"]
        try:
            port = eng.store.new_port(net["id"], name=props.get("name") or _name(stack, res),
                                      subnet_id=subnet_id, fixed_ip=fixed.get("ip_address"),
                                      project_id=stack.project)
        except IPExhausted as exc:
            raise ResourceFailure(str(exc), "IpAddressGenerationFailureClient") from None
        port["security_groups"] = list(props.get("security_groups") or [])
        port["allowed_address_pairs"] = list(props.get("allowed_address_pairs") or [])
        res.physical_id = port["id"]
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        eng.store.ports.pop(res.physical_id or "", None)
        return False

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        port = eng.store.ports.get(res.physical_id or "", {})
        if name == "subnets":
            # Neutron's subnets of the port's fixed IPs, as Heat's attribute gives them.
            return [dict(eng.store.subnets[f["subnet_id"]]) for f in port.get("fixed_ips", [])
                    if f.get("subnet_id") in eng.store.subnets]
        return dict(port) if name == "show" else port.get(name)


class FloatingIPHandler(Handler):
    """OS::Neutron::FloatingIP from the external network's subnet."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        net = _lookup(eng.store, "networks", props.get("floating_network") or
                      props.get("floating_network_id"), "network")
        subnet = eng.store.first_subnet(net["id"])
        if subnet is None:
            raise ResourceFailure("Network %s has no subnet for floating IPs" % net["id"],
                                  "BadRequest")
        try:
            address = eng.store.allocate_ip(subnet["id"])
        except IPExhausted as exc:
            raise ResourceFailure(str(exc), "IpAddressGenerationFailureClient") from None
        fip = {"id": new_id(), "floating_ip_address": address, "floating_network_id": net["id"],
               "port_id": None, "fixed_ip_address": None, "status": "DOWN", "router_id": None,
               "project_id": stack.project, "tenant_id": stack.project, "description": "",
               "tags": [], "created_at": now_iso()}
        eng.store.floatingips[fip["id"]] = fip
        res.physical_id = fip["id"]
        if props.get("port_id"):
            associate(eng.store, fip["id"], props["port_id"])
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        fip = eng.store.floatingips.pop(res.physical_id or "", None)
        if fip and fip.get("port_id") in eng.store.ports:
            eng.store.ports[fip["port_id"]].pop("_fip", None)
        return False

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        fip = eng.store.floatingips.get(res.physical_id or "", {})
        return dict(fip) if name == "show" else fip.get(name)


def associate(store: Store, fip_id: str, port_id: str) -> None:
    """Attach a floating IP to a port (both must exist)."""
    fip = store.floatingips.get(fip_id)
    port = store.ports.get(port_id)
    if fip is None or port is None:
        raise ResourceFailure("Floating IP %s or port %s not found" % (fip_id, port_id),
                              "NotFound")
    fip.update(port_id=port_id, status="ACTIVE",
               fixed_ip_address=(port["fixed_ips"] or [{}])[0].get("ip_address"))
    port["_fip"] = fip_id


class FloatingIPAssociationHandler(Handler):
    """OS::Neutron::FloatingIPAssociation."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        associate(eng.store, props.get("floatingip_id"), props.get("port_id"))
        res.physical_id = new_id()
        res.data["fip"] = props.get("floatingip_id")
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        fip = eng.store.floatingips.get(res.data.get("fip") or "")
        if fip:
            eng.store.ports.get(fip.get("port_id") or "", {}).pop("_fip", None)
            fip.update(port_id=None, fixed_ip_address=None, status="DOWN")
        return False


class SecurityGroupHandler(Handler):
    """OS::Neutron::SecurityGroup."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        group = {"id": new_id(), "name": props.get("name") or _name(stack, res),
                 "description": props.get("description", ""),
                 "security_group_rules": list(props.get("rules") or []),
                 "project_id": stack.project, "tenant_id": stack.project}
        eng.store.security_groups[group["id"]] = group
        res.physical_id = group["id"]
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        eng.store.security_groups.pop(res.physical_id or "", None)
        return False


# -- misc Heat types -------------------------------------------------------

class ValueHandler(Handler):
    """OS::Heat::Value: attribute ``value`` is the property."""

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        return (res.props or {}).get("value") if name == "value" else \
            super().attrs(eng, stack, res, name)


class RandomStringHandler(Handler):
    """OS::Heat::RandomString: ``value`` attribute, also its reference."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        length = int(props.get("length") or 32)
        alphabet = props.get("sequence") or ""
        for cls in props.get("character_classes") or []:
            alphabet += {"lettersdigits": string.ascii_letters + string.digits,
                         "letters": string.ascii_letters, "lowercase": string.ascii_lowercase,
                         "uppercase": string.ascii_uppercase, "digits": string.digits,
                         "octdigits": string.octdigits, "hexdigits": string.hexdigits
                         }.get(cls.get("class", "lettersdigits"), "")
        alphabet = alphabet or string.ascii_letters + string.digits
        value = "".join(random.SystemRandom().choice(alphabet) for _ in range(length))
        res.data["attrs"] = {"value": (props.get("salt") or "") and value or value}
        res.physical_id = value
        return False


class DeploymentHandler(Handler):
    """SoftwareDeployment(Group): succeeds with empty output.

    Each create and update is also handed to ``eng.deployment_hook`` (when
    set) with the target servers and the input values; the hook models what
    the script does (e.g. the federation script on a cluster's master) and
    returns why it failed, which fails the resource.
    """

    def _run(self, eng: "Engine", res: Resource) -> None:
        hook = getattr(eng, "deployment_hook", None)
        if hook is None:
            return
        props = res.props or {}
        servers = props.get("servers")
        ids = list(servers.values()) if isinstance(servers, dict) else \
            [props.get("server")] if props.get("server") else []
        inputs = props.get("input_values") or {}
        error = hook([str(i) for i in ids], inputs if isinstance(inputs, dict) else {})
        if error:
            raise ResourceFailure("Deployment exited with non-zero status code: 1 (%s)"
                                  % error, "Error")

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        res.physical_id = res.physical_id or new_id()
        self._run(eng, res)
        return False

    def update(self, eng: "Engine", stack: Stack, res: Resource,
               old_props: Optional[dict[str, Any]]) -> bool:
        self._run(eng, res)
        return False

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        servers = (res.props or {}).get("servers") or {}
        values = {"deploy_stdout": "", "deploy_stderr": "", "deploy_status_code": 0}
        if name in values:
            return values[name]
        if name in ("deploy_stdouts", "deploy_stderrs"):
            return {key: "" for key in servers}
        if name == "deploy_status_codes":
            return {key: 0 for key in servers}
        return super().attrs(eng, stack, res, name)


class WaitHandleHandler(Handler):
    """OS::Heat::WaitConditionHandle: a signal URL nobody needs to call."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        res.physical_id = new_id()
        url = "http://127.0.0.1/v1/%s/stacks/%s/%s/resources/%s/signal" % (
            stack.project, stack.name, stack.id, res.name)
        res.data["attrs"] = {"endpoint": url, "token": uuid.uuid4().hex,
                             "curl_cli": "curl -i -X POST -H 'X-Auth-Token: x' %s" % url}
        return False

    def ref(self, eng: "Engine", stack: Stack, res: Resource) -> Any:
        return res.data.get("attrs", {}).get("endpoint")


class WaitConditionHandler(Handler):
    """OS::Heat::WaitCondition: completes as if every node signalled success."""

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        return json.dumps({"1": None}) if name == "data" else super().attrs(eng, stack, res, name)


class VolumeHandler(Handler):
    """OS::Cinder::Volume (bootable when made from an ``image``)."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        image = eng.store.find("images", str(props["image"])) if props.get("image") else None
        if props.get("image") and image is None:
            raise ResourceFailure("Error validating value '%s': No images matching "
                                  "{'name': '%s'}." % (props["image"], props["image"]),
                                  "StackValidationFailed")
        vol = {"id": new_id(), "name": props.get("name") or _name(stack, res),
               "size": int(props.get("size") or 1), "status": "available",
               "volume_type": props.get("volume_type"), "attachments": [],
               "bootable": "true" if image else "false",
               "volume_image_metadata": {"image_id": image["id"]} if image else {},
               "project_id": stack.project, "created_at": now_iso()}
        eng.store.volumes[vol["id"]] = vol
        res.physical_id = vol["id"]
        return False

    def update(self, eng: "Engine", stack: Stack, res: Resource,
               old_props: Optional[dict[str, Any]]) -> bool:
        vol = eng.store.volumes.get(res.physical_id or "")
        if vol is not None and (res.props or {}).get("size"):
            vol["size"] = int(res.props["size"])  # type: ignore[index]
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        eng.store.volumes.pop(res.physical_id or "", None)
        return False

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        vol = eng.store.volumes.get(res.physical_id or "", {})
        return dict(vol) if name == "show" else vol.get(name)


class VolumeAttachmentHandler(Handler):
    """OS::Cinder::VolumeAttachment: marks the volume in-use."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        vol = _lookup(eng.store, "volumes", props.get("volume_id"), "volume")
        vol["status"] = "in-use"
        vol["attachments"] = [{"server_id": props.get("instance_uuid"),
                               "device": props.get("mountpoint")}]
        res.physical_id = new_id()
        res.data["volume"] = vol["id"]
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        vol = eng.store.volumes.get(res.data.get("volume") or "")
        if vol is not None:
            vol.update(status="available", attachments=[])
        return False


class ServerGroupHandler(Handler):
    """OS::Nova::ServerGroup."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        group = {"id": new_id(), "name": props.get("name") or _name(stack, res),
                 "policies": list(props.get("policies") or []), "members": []}
        eng.store.server_groups[group["id"]] = group
        res.physical_id = group["id"]
        return False

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        eng.store.server_groups.pop(res.physical_id or "", None)
        return False


def build_handlers() -> dict[str, Handler]:
    """Map every supported leaf type to its handler."""
    from magnum_like.cloudsim.heat.compute import LoadBalancerHandler, LBChildHandler, \
        ServerHandler
    from magnum_like.cloudsim.heat.configs import ConfigHandler

    plain = Handler()
    config = ConfigHandler()
    deploy = DeploymentHandler()
    lb_child = LBChildHandler()
    return {
        "OS::Nova::Server": ServerHandler(), "OS::Nova::ServerGroup": ServerGroupHandler(),
        "OS::Neutron::Net": NetHandler(), "OS::Neutron::Subnet": SubnetHandler(),
        "OS::Neutron::Router": RouterHandler(), "OS::Neutron::RouterInterface": plain,
        "OS::Neutron::Port": PortHandler(), "OS::Neutron::FloatingIP": FloatingIPHandler(),
        "OS::Neutron::FloatingIPAssociation": FloatingIPAssociationHandler(),
        "OS::Neutron::SecurityGroup": SecurityGroupHandler(),
        "OS::Neutron::SecurityGroupRule": plain,
        "OS::Octavia::LoadBalancer": LoadBalancerHandler(),
        "OS::Octavia::Listener": lb_child, "OS::Octavia::Pool": lb_child,
        "OS::Octavia::PoolMember": lb_child, "OS::Octavia::HealthMonitor": lb_child,
        "OS::Cinder::Volume": VolumeHandler(),
        "OS::Cinder::VolumeAttachment": VolumeAttachmentHandler(),
        "OS::Heat::SoftwareConfig": config, "OS::Heat::CloudConfig": config,
        "OS::Heat::MultipartMime": config, "OS::Heat::StructuredConfig": config,
        "OS::Heat::SoftwareDeployment": deploy, "OS::Heat::SoftwareDeploymentGroup": deploy,
        "OS::Heat::StructuredDeployment": deploy,
        "OS::Heat::RandomString": RandomStringHandler(),
        "OS::Heat::WaitCondition": WaitConditionHandler(),
        "OS::Heat::WaitConditionHandle": WaitHandleHandler(),
        "OS::Heat::None": plain, "OS::Heat::Value": ValueHandler(),
    }

