"""Resources marked unhealthy (``CHECK_FAILED``) are replaced by the next update.

Heat replaces a resource that ``mark_unhealthy`` flagged when the stack is
next updated, even with nothing else changed: magnum-auto-healer marks a
node's server resource (in its ResourceGroup member's stack) and PATCHes the
cluster's stack. The engine asks :func:`marked` whether a resource (or anything
in its nested stacks) is flagged, so the update walks down to it; a nested
stack resource flagged as a whole has its servers flagged (:func:`mark_servers`).
"""
from __future__ import annotations

from typing import Any

from magnum_like.cloudsim.heat.model import Resource

#: Nested levels followed (a cluster's are 3 deep).
MAX_DEPTH = 10


def marked(stacks: dict[str, Any], res: Resource, depth: int = 0) -> bool:
    """Whether ``res`` or a resource of its nested stacks is marked unhealthy."""
    if res.state == "CHECK_FAILED":
        return True
    child = stacks.get(res.nested_id or "")
    return child is not None and depth < MAX_DEPTH and any(
        marked(stacks, r, depth + 1) for r in child.resources.values())


def mark_servers(stacks: dict[str, Any], stack_id: str, depth: int = 0) -> None:
    """Flag every server of a nested stack (its parent resource was flagged)."""
    child = stacks.get(stack_id)
    if child is None or depth >= MAX_DEPTH:
        return
    for res in child.resources.values():
        if res.impl_type == "OS::Nova::Server" and res.physical_id:
            res.action, res.status = "CHECK", "FAILED"
        elif res.nested_id:
            mark_servers(stacks, res.nested_id, depth + 1)
