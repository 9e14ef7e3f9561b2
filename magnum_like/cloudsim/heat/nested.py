"""Resources backed by nested stacks: template resources and ResourceGroup.

A ResourceGroup owns a nested stack whose resources are the members, named
by index (``"0"``, ``"1"``...).  Scaling and rolling updates are nested-stack
updates; a rolling update is a series of them, one per batch, each recorded in
``store.rolling_batches`` so tests can check batch sizes.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any, Optional

from magnum_like.cloudsim.heat import template as tmpl
from magnum_like.cloudsim.heat.functions import follow_path, resolve
from magnum_like.cloudsim.heat.model import Resource, Stack
from magnum_like.cloudsim.heat.resources import Handler, ResourceFailure

if TYPE_CHECKING:  # pragma: no cover
    from magnum_like.cloudsim.heat.engine import Engine


def _child(eng: "Engine", res: Resource) -> Optional[Stack]:
    return eng.stacks.get(res.nested_id or "")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _delete_child(eng: "Engine", res: Resource) -> bool:
    child = _child(eng, res)
    if child is None:
        return False
    if not (child.action == "DELETE" and child.in_progress):
        eng.delete(child)
    # The child may have vanished synchronously (no resources).
    return res.nested_id in eng.stacks


class TemplateHandler(Handler):
    """A resource whose type is a template file (from ``files``)."""

    def _template(self, stack: Stack, res: Resource) -> tuple[dict[str, Any], str]:
        text = stack.files.get(res.impl_type)
        if text is None:
            raise ResourceFailure('Could not fetch remote template "%s": not found in the '
                                  'files map' % res.impl_type, "NotFound")
        return tmpl.parse_template(text), _digest(text)

    @staticmethod
    def _params(res: Resource) -> dict[str, Any]:
        # Unset (null) properties fall back to the nested template's defaults.
        return {k: v for k, v in (res.props or {}).items() if v is not None}

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        template, digest = self._template(stack, res)
        res.data["tpl_hash"] = digest
        try:
            eng.start_nested(stack, res, template, self._params(res))
        except tmpl.HeatError as exc:
            raise ResourceFailure("Property error: resources.%s.properties: %s"
                                  % (res.name, exc.message), exc.kind) from None
        return True

    def update(self, eng: "Engine", stack: Stack, res: Resource,
               old_props: Optional[dict[str, Any]]) -> bool:
        child = _child(eng, res)
        if child is None:
            return self.create(eng, stack, res)
        template, digest = self._template(stack, res)
        res.data["tpl_hash"] = digest
        try:
            eng.update_nested(child, template, self._params(res))
        except tmpl.HeatError as exc:
            raise ResourceFailure("Property error: resources.%s.properties: %s"
                                  % (res.name, exc.message), exc.kind) from None
        return True

    def needs_update(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        text = stack.files.get(res.impl_type)
        return text is not None and _digest(text) != res.data.get("tpl_hash")

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        return _delete_child(eng, res)

    def ref(self, eng: "Engine", stack: Stack, res: Resource) -> Any:
        child = _child(eng, res)
        if child is None:
            return res.physical_id
        # Heat: a nested template may define its own reference id (Magnum uses
        # this to make a member's id its server's id).
        if "OS::stack_id" in (child.template.get("outputs") or {}):
            return eng.output_value(child, "OS::stack_id")
        return child.id

    def attrs(self, eng: "Engine", stack: Stack, res: Resource, name: str) -> Any:
        child = _child(eng, res)
        if child is None:
            return None
        if name == "OS::stack_id":
            return self.ref(eng, stack, res)
        if name.startswith("resource."):
            inner = child.resources.get(name.split(".", 2)[1])
            if inner is None:
                return None
            if name.count(".") >= 2:
                return eng.handler(inner).attrs(eng, child, inner, name.split(".", 2)[2])
            return eng.handler(inner).ref(eng, child, inner)
        return eng.output_value(child, name)


def _substitute(value: Any, var: str, index: str) -> Any:
    if isinstance(value, str):
        return value.replace(var, index) if var in value else value
    if isinstance(value, dict):
        return {k: _substitute(v, var, index) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, var, index) for v in value]
    return value


def _order(names: Any) -> list[str]:
    return sorted(names, key=lambda n: (0, int(n), "") if str(n).isdigit() else (1, 0, str(n)))


class GroupHandler(Handler):
    """OS::Heat::ResourceGroup (and a minimal OS::Heat::AutoScalingGroup)."""

    @staticmethod
    def _spec(res: Resource) -> tuple[int, dict[str, Any], str, list[str], str]:
        props = res.props or {}
        if res.impl_type == "OS::Heat::AutoScalingGroup":
            count = props.get("desired_capacity", props.get("min_size", 0))
            rdef = props.get("resource") or {}
            return int(count or 0), rdef, "%index%", [], "append"
        try:
            count = int(props.get("count", 1))
        except (TypeError, ValueError):
            raise ResourceFailure("Property error: resources.%s.properties.count: Value '%s' "
                                  "is not an integer" % (res.name, props.get("count")),
                                  "StackValidationFailed") from None
        if count < 0:
            raise ResourceFailure("Property error: resources.%s.properties.count: %s is out "
                                  "of range (min: 0, max: None)" % (res.name, count),
                                  "StackValidationFailed")
        rdef = props.get("resource_def") or {}
        if not isinstance(rdef, dict) or not rdef.get("type"):
            raise ResourceFailure("Property error: resources.%s.properties.resource_def: "
                                  "Property type not assigned" % res.name,
                                  "StackValidationFailed")
        removal = []
        for policy in props.get("removal_policies") or []:
            removal.extend(str(item) for item in (policy or {}).get("resource_list") or [])
        return (count, rdef, str(props.get("index_var") or "%index%"), removal,
                str(props.get("removal_policies_mode") or "append"))

    @staticmethod
    def _member(rdef: dict[str, Any], name: str, var: str) -> dict[str, Any]:
        member = {"type": rdef["type"]}
        for key in ("properties", "metadata"):
            if rdef.get(key) is not None:
                member[key] = _substitute(rdef[key], var, name)
        return member

    @staticmethod
    def _template(stack: Stack, members: dict[str, Any]) -> dict[str, Any]:
        return {"heat_template_version": stack.template.get("heat_template_version",
                                                            "2016-10-14"),
                "resources": {name: members[name] for name in _order(members)}}

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        count, rdef, var, _, _ = self._spec(res)
        members = {str(i): self._member(rdef, str(i), var) for i in range(count)}
        res.data.update(removed=[], files_hash=self._files_hash(stack), batches=[])
        eng.start_nested(stack, res, self._template(stack, members), {}, is_group=True)
        return True

    @staticmethod
    def _files_hash(stack: Stack) -> str:
        return _digest("".join(k + v for k, v in sorted(stack.files.items())))

    def needs_update(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        return self._files_hash(stack) != res.data.get("files_hash")

    def _identities(self, eng: "Engine", child: Stack, name: str) -> set[str]:
        """Every string a user may use to name a member in ``resource_list``."""
        member = child.resources[name]
        ids = {name, str(member.physical_id)}
        ref = eng.handler(member).ref(eng, child, member)
        if ref is not None:
            ids.add(str(ref))
        nested = eng.stacks.get(member.nested_id or "")
        inner_stacks = [nested] if nested is not None else []
        if member.impl_type == "OS::Nova::Server":
            inner_stacks, servers = [], [member.physical_id]
        else:
            servers = [r.physical_id for s in inner_stacks for r in s.resources.values()
                       if r.impl_type == "OS::Nova::Server"]
        for sid in servers:
            server = eng.store.servers.get(sid or "")
            if server is None:
                continue
            ids.update({server["id"], server["name"]})
            for pid in server.get("port_ids", []):
                for fixed in eng.store.ports.get(pid, {}).get("fixed_ips", []):
                    ids.add(fixed["ip_address"])
        return ids

    def update(self, eng: "Engine", stack: Stack, res: Resource,
               old_props: Optional[dict[str, Any]]) -> bool:
        child = _child(eng, res)
        if child is None:
            return self.create(eng, stack, res)
        count, rdef, var, removal, mode = self._spec(res)
        current = _order(n for n in child.resources if n not in child.removed_resources)
        to_remove: list[str] = []
        if removal:
            wanted = set(removal)
            for name in current:
                if self._identities(eng, child, name) & wanted:
                    to_remove.append(name)
        blacklist = list(res.data.get("removed", [])) if mode == "append" else []
        blacklist.extend(n for n in to_remove if n not in blacklist)
        kept = [n for n in current if n not in to_remove]
        if len(kept) > count:
            kept = kept[:count]  # Heat drops the highest indices first.
        taken = set(kept) | set(blacklist)
        index = 0
        added = []
        while len(kept) + len(added) < count:
            if str(index) not in taken:
                added.append(str(index))
            index += 1
        res.data["removed"] = blacklist
        res.data["files_hash"] = self._files_hash(stack)
        old_defs = child.template.get("resources") or {}
        members = {name: old_defs[name] for name in kept}
        members.update({name: self._member(rdef, name, var) for name in added})
        changed = [n for n in kept if old_defs[n] != self._member(rdef, n, var)]
        policy = None
        if res.impl_type == "OS::Heat::ResourceGroup":
            # update_policy may use get_param (Magnum's update_max_batch_size).
            policy = resolve(res.definition.get("update_policy") or {},
                             eng.scope(stack)).get("rolling_update")
        batches: list[list[str]] = []
        if changed and policy is not None:
            max_batch = int(policy.get("max_batch_size", 1) or 1)
            min_in_service = int(policy.get("min_in_service", 0) or 0)
            size = max(1, min(max_batch, len(kept) - min_in_service))
            batches = [changed[i:i + size] for i in range(0, len(changed), size)]
        else:
            members.update({name: self._member(rdef, name, var) for name in changed})
        res.data["pending"] = batches
        res.data["target_rdef"] = rdef
        res.data["index_var"] = var
        eng.update_nested(child, self._template(stack, members), {})
        return True

    def nested_done(self, eng: "Engine", stack: Stack, res: Resource, child: Stack) -> bool:
        pending = res.data.get("pending") or []
        if res.action == "DELETE" or not pending:
            return False
        batch = pending.pop(0)
        eng.store.rolling_batches.append({
            "stack_id": stack.id, "stack_name": stack.name, "resource": res.name,
            "batch": list(batch), "size": len(batch), "time": time.time()})
        members = dict(child.template.get("resources") or {})
        for name in batch:
            members[name] = self._member(res.data["target_rdef"], name, res.data["index_var"])
        eng.update_nested(child, self._template(stack, members), {})
        return True

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        res.data["pending"] = []
        return _delete_child(eng, res)

    def ref(self, eng: "Engine", stack: Stack, res: Resource) -> Any:
        return res.nested_id or res.physical_id

    def _members(self, child: Stack) -> list[Resource]:
        return [child.resources[n] for n in _order(child.resources)
                if n not in child.removed_resources]

    def attribute(self, eng: "Engine", stack: Stack, res: Resource, name: str,
                  path: list[Any]) -> Any:
        child = _child(eng, res)
        if child is None:
            return None
        members = self._members(child)

        def attr_of(member: Resource, attr: str, rest: list[Any]) -> Any:
            return eng.handler(member).attribute(eng, child, member, attr, rest)

        if name == "refs":
            return follow_path([eng.handler(m).ref(eng, child, m) for m in members], path)
        if name == "refs_map":
            return follow_path({m.name: eng.handler(m).ref(eng, child, m) for m in members},
                               path)
        if name == "removed_rsrc_list":
            return follow_path(list(res.data.get("removed", [])), path)
        if name == "attributes":
            if not path:
                return None
            return {m.name: attr_of(m, str(path[0]), path[1:]) for m in members}
        if name.startswith("resource."):
            parts = name.split(".", 2)
            member = child.resources.get(parts[1])
            if member is None:
                return None
            if len(parts) == 3:
                return attr_of(member, parts[2], path)
            if path:
                return attr_of(member, str(path[0]), path[1:])
            return eng.handler(member).ref(eng, child, member)
        return [attr_of(m, name, path) for m in members]
