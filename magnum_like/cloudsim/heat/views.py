"""Heat API response shapes (stack, resource, event, validate)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import quote

from magnum_like.cloudsim.heat.model import Resource, Stack

if TYPE_CHECKING:  # pragma: no cover
    from magnum_like.cloudsim.heat.engine import Engine


def stack_url(base: str, stack: Stack) -> str:
    """Canonical ``.../stacks/<name>/<id>`` URL of a stack."""
    return "%s/stacks/%s/%s" % (base, quote(stack.name), stack.id)


def _param_text(value: Any) -> str:
    # Heat shows every parameter value as a string.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)


def stack_view(engine: "Engine", base: str, stack: Stack, *, detail: bool,
               resolve_outputs: bool = True) -> dict[str, Any]:
    """A stack as Heat's list (``detail=False``) or show answers it."""
    view: dict[str, Any] = {
        "id": stack.id, "stack_name": stack.name,
        "description": stack.template.get("description", ""),
        "creation_time": stack.created, "updated_time": stack.updated,
        "deletion_time": None, "stack_status": stack.state,
        "stack_status_reason": stack.reason, "stack_owner": None,
        "parent": stack.parent_id, "stack_user_project_id": stack.project,
        "project": stack.project, "tags": list(stack.tags) or None,
        "links": [{"href": stack_url(base, stack), "rel": "self"}],
    }
    if detail:
        declared = stack.template.get("parameters") or {}
        # Heat shows hidden parameters (passwords, keys) masked.
        params = {k: "******" if (declared.get(k) or {}).get("hidden") else _param_text(v)
                  for k, v in stack.params.items()}
        params.update({"OS::stack_id": stack.id, "OS::stack_name": stack.name,
                       "OS::project_id": stack.project})
        view.update({
            "parameters": params, "template_description": view["description"],
            "timeout_mins": stack.timeout_mins, "disable_rollback": stack.disable_rollback,
            "capabilities": [], "notification_topics": [],
        })
        if resolve_outputs:
            view["outputs"] = engine.outputs(stack)
    return view


def resource_view(engine: "Engine", base: str, stack: Stack, res: Resource,
                  required_by: list[str], *, parent: Optional[str] = None,
                  detail: bool = False) -> dict[str, Any]:
    """A resource as Heat's resource list/show answers it."""
    surl = stack_url(base, stack)
    name = res.name.split("~")[0]
    links = [{"href": "%s/resources/%s" % (surl, quote(name)), "rel": "self"},
             {"href": surl, "rel": "stack"}]
    child = engine.stacks.get(res.nested_id or "")
    if child is not None:
        links.append({"href": stack_url(base, child), "rel": "nested"})
    view: dict[str, Any] = {
        "resource_name": name, "logical_resource_id": name,
        "physical_resource_id": res.physical_id or "", "resource_type": res.type,
        "resource_status": res.state, "resource_status_reason": res.reason,
        "creation_time": res.created, "updated_time": res.updated or res.created,
        "required_by": required_by, "links": links, "stack_name": stack.name,
    }
    if parent is not None:
        view["parent_resource"] = parent
    if detail:
        view["description"] = res.definition.get("description", "")
        view["metadata"] = res.definition.get("metadata") or {}
        view["attributes"] = resource_attributes(engine, stack, res)
        view["properties"] = res.props or {}
    return view


def resource_attributes(engine: "Engine", stack: Stack, res: Resource) -> dict[str, Any]:
    """The attributes shown by ``resource show`` (the commonly used ones)."""
    handler = engine.handler(res)
    names: list[str] = []
    if res.impl_type == "OS::Nova::Server":
        names = ["first_address", "networks", "addresses", "name", "accessIPv4"]
    elif res.impl_type == "OS::Heat::ResourceGroup":
        names = ["refs", "refs_map", "removed_rsrc_list"]
    elif res.impl_type == "OS::Octavia::LoadBalancer":
        names = ["vip_address", "vip_port_id"]
    elif res.nested_id:
        child = engine.stacks.get(res.nested_id)
        names = list((child.template.get("outputs") or {}) if child else [])
    else:
        names = list(res.data.get("attrs", {}))
    attrs: dict[str, Any] = {}
    for name in names:
        attrs[name] = handler.attribute(engine, stack, res, name, [])
    return attrs


def required_by_map(stack: Stack) -> dict[str, list[str]]:
    """Reverse dependency map of a stack (one pass)."""
    result: dict[str, list[str]] = {name: [] for name in stack.resources}
    for name, res in stack.resources.items():
        for dep in res.deps:
            result.setdefault(dep, []).append(name)
    return result


def event_view(base: str, stack: Stack, event: dict[str, Any]) -> dict[str, Any]:
    """An event as Heat's event list answers it."""
    surl = stack_url(base, stack)
    return {
        "id": event["id"], "event_time": event["time"],
        "resource_name": event["resource_name"],
        "logical_resource_id": event["resource_name"],
        "physical_resource_id": event["physical_resource_id"],
        "resource_status": "%s_%s" % (event["action"], event["status"]),
        "resource_status_reason": event["reason"], "resource_type": event["resource_type"],
        "links": [{"href": "%s/resources/%s/events/%s" % (surl, quote(event["resource_name"]),
                                                         event["id"]), "rel": "self"},
                  {"href": "%s/resources/%s" % (surl, quote(event["resource_name"])),
                   "rel": "resource"},
                  {"href": surl, "rel": "stack"}],
    }


def validate_view(template: dict[str, Any]) -> dict[str, Any]:
    """Heat's ``/validate`` answer for a parsed template."""
    params = {}
    for name, schema in (template.get("parameters") or {}).items():
        entry = {"Type": {"string": "String", "number": "Number", "boolean": "Boolean",
                          "json": "Json", "comma_delimited_list": "CommaDelimitedList"
                          }.get(schema.get("type"), "String"),
                 "Label": schema.get("label", name),
                 "Description": schema.get("description", ""),
                 "NoEcho": "true" if schema.get("hidden") else "false"}
        if "default" in schema:
            entry["Default"] = schema["default"]
        for constraint in schema.get("constraints") or []:
            if "allowed_values" in constraint:
                entry["AllowedValues"] = constraint["allowed_values"]
        params[name] = entry
    return {"Description": template.get("description", "No description"),
            "Parameters": params, "ParameterGroups": template.get("parameter_groups", []),
            "Environment": {"parameters": {}, "resource_registry": {"resources": {}},
                            "parameter_defaults": {}, "event_sinks": []}}
