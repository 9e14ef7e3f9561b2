"""Heat's ``max_resources_per_stack``: a stack tree over the limit is refused.

Heat counts the resources of a stack and of every stack nested in it (a
ResourceGroup's members, a template resource's own resources) and answers a
create or update that would pass ``max_resources_per_stack`` (1000 by
default, ``-1`` for none) with a 400 ``RequestLimitExceeded``. The simulator
counts before building anything, so a request for two billion servers is
refused instead of filling the host's memory.
"""
from __future__ import annotations

from typing import Any

from magnum_like.cloudsim.heat import template as tmpl

#: Heat's default ``max_resources_per_stack``.
DEFAULT_MAX_RESOURCES = 1000
#: Nesting followed (Heat's own ``max_nested_stack_depth`` is 5).
MAX_DEPTH = 5


def _count_of(props: dict[str, Any], params: dict[str, Any]) -> int:
    """A group's member count: a number, or the parameter it names (else 1)."""
    count = props.get("count", props.get("desired_capacity", props.get("min_size", 1)))
    if isinstance(count, dict) and "get_param" in count:
        name = count["get_param"]
        count = params.get(name if isinstance(name, str) else str(name))
    try:
        return max(0, int(count))
    except (TypeError, ValueError, OverflowError):
        return 1


def _defaults(template: dict[str, Any]) -> dict[str, Any]:
    return {name: (spec or {}).get("default") for name, spec
            in (template.get("parameters") or {}).items() if isinstance(spec, dict)}


def _cost(type_name: Any, files: dict[str, str], limit: int, depth: int) -> int:
    """Resources one resource of ``type_name`` makes (itself and what it nests)."""
    if depth >= MAX_DEPTH or not isinstance(type_name, str) or type_name not in files:
        return 1
    try:
        nested = tmpl.parse_template(files[type_name])
    except tmpl.HeatError:
        return 1
    return 1 + count(nested, _defaults(nested), files, limit, depth + 1)


def count(template: dict[str, Any], params: dict[str, Any], files: dict[str, str],
          limit: int, depth: int = 0) -> int:
    """Resources of ``template`` and of what it nests; stops once over ``limit``."""
    total = 0
    for definition in (template.get("resources") or {}).values():
        if not isinstance(definition, dict):
            total += 1
            continue
        props = definition.get("properties") or {}
        kind = definition.get("type")
        if kind in ("OS::Heat::ResourceGroup", "OS::Heat::AutoScalingGroup"):
            member = (props.get("resource_def") or props.get("resource") or {}).get("type")
            members = _count_of(props, params)
            if members > limit:
                return limit + 1
            total += 1 + members * _cost(member, files, limit, depth)
        else:
            total += _cost(kind, files, limit, depth)
        if total > limit:
            return total
    return total


def check(engine: Any, stack: Any) -> None:
    """Refuse ``stack`` (parsed, not started) when its tree passes the limit.

    :raises HeatError: 400 ``RequestLimitExceeded``, Heat's words.
    """
    limit = getattr(engine, "max_resources_per_stack", DEFAULT_MAX_RESOURCES)
    if limit is None or limit < 0:
        return
    if count(stack.template, stack.params, stack.files, limit) > limit:
        raise tmpl.HeatError("Request limit exceeded: Maximum resources per stack exceeded.",
                             "RequestLimitExceeded", 400)


def check_update(engine: Any, stack: Any, template: Any, files: dict[str, str],
                 params: dict[str, Any]) -> None:
    """Refuse an update whose new template and parameters pass the limit.

    :raises HeatError: as :func:`check`.
    """
    limit = getattr(engine, "max_resources_per_stack", DEFAULT_MAX_RESOURCES)
    if limit is None or limit < 0:
        return
    parsed = tmpl.parse_template(template)
    values = {**_defaults(parsed), **(stack.params or {}), **(params or {})}
    if count(parsed, values, files, limit) > limit:
        raise tmpl.HeatError("Request limit exceeded: Maximum resources per stack exceeded.",
                             "RequestLimitExceeded", 400)
