"""What a stack tells the outside: its events, its notifications, its outputs.

The engine calls these as stacks and resources change state; the API reads
outputs through the engine (``Engine.outputs``), which resolves them here in
the stack's scope.
"""

from __future__ import annotations

import uuid
from typing import Any, Optional

from magnum_like.cloudsim.heat import functions, template as tmpl
from magnum_like.cloudsim.heat.model import Resource, Stack
from magnum_like.cloudsim.heat.scope import StackScope
from magnum_like.cloudsim.store import now_iso


def record_event(stack: Stack, res: Optional[Resource], action: str, status: str,
                 reason: str) -> None:
    """Append a Heat event for ``res`` (or the stack itself when ``None``)."""
    stack.events.append({
        "id": str(uuid.uuid4()), "time": now_iso(),
        "resource_name": res.name.split("~")[0] if res else stack.name,
        "physical_resource_id": (res.physical_id if res else stack.id) or "",
        "resource_type": res.type if res else "OS::Heat::Stack",
        "action": action, "status": status, "reason": reason,
    })


def notify(notifier: Any, stack: Stack, phase: str) -> None:
    """Emit ``orchestration.stack.<action>.<phase>`` for a top-level stack, as Heat does."""
    if notifier is None or stack.parent_id is not None:
        return
    payload = {
        "tenant_id": stack.project, "user_id": "cloudsim", "user_identity": "cloudsim",
        "username": "cloudsim", "stack_identity": stack.id, "stack_name": stack.name,
        "state": stack.state, "state_reason": stack.reason, "create_at": stack.created,
        "updated_at": stack.updated, "tags": stack.tags or None,
        "description": stack.template.get("description", ""),
    }
    level = "error" if phase == "error" else "info"
    notifier.emit("orchestration.stack.%s.%s" % (stack.action.lower(), phase), payload, level)


def resolve_outputs(stack: Stack, scope: StackScope) -> list[dict[str, Any]]:
    """Every output of ``stack``; one that cannot be resolved carries ``output_error``."""
    result = []
    for key, spec in (stack.template.get("outputs") or {}).items():
        spec = spec if isinstance(spec, dict) else {"value": spec}
        item: dict[str, Any] = {"output_key": key,
                                "description": spec.get("description", "No description given")}
        try:
            cond = spec.get("condition")
            if cond is not None and not functions.evaluate_condition(cond, scope):
                item["output_value"] = None
            else:
                item["output_value"] = functions.resolve(spec.get("value"), scope)
        except tmpl.HeatError as exc:
            item["output_value"] = None
            item["output_error"] = exc.message
        result.append(item)
    return result


def resolve_output(stack: Stack, key: str, scope: StackScope) -> Any:
    """One output's value (``None`` if undefined or failing)."""
    spec = (stack.template.get("outputs") or {}).get(key)
    if spec is None:
        return None
    try:
        value = spec.get("value") if isinstance(spec, dict) else spec
        return functions.resolve(value, scope)
    except tmpl.HeatError:
        return None
