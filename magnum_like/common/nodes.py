"""Which current nodes a resize's ``nodes_to_remove`` names.

Heat's removal policy takes ResourceGroup members by member name (the index)
or reference; an entry it does not recognise is ignored, and Heat then drops
the newest members to reach the count: a typo, or a master's server id,
silently removes a worker nobody named. So every entry is matched against the
members of the node group's ResourceGroup as Heat holds them now (member
index, server id, server name, or an address), by the API before it accepts
the resize (a 400 naming what matches nothing) and by the conductor again
before its PATCH; Heat is then given the member indexes only.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from magnum_like.common import exception

#: Nested levels read: group -> member -> (a member template's) server.
DEPTH = 2


@dataclasses.dataclass
class Member:
    """One member of a node ResourceGroup and every string that names it."""

    index: str
    names: set[str]


def _stack_id_of(resource: Any) -> str:
    """The id of the stack a listed resource belongs to (its ``stack`` link)."""
    for link in getattr(resource, 'links', None) or []:
        if link.get('rel') == 'stack':
            return str(link.get('href', '')).rstrip('/').rsplit('/', 1)[-1]
    return ''


def _sorted_indexes(names: Any) -> list[str]:
    # Heat lists a group's attributes in its members' numeric order.
    return sorted(names, key=lambda n: (0, int(n), '') if str(n).isdigit() else (1, 0, str(n)))


def flat(value: Any) -> list:
    """A Heat output value as a flat list, keeping positions (empties included)."""
    if value is None:
        return []
    if not isinstance(value, list):
        return [value]
    flat: list = []
    for item in value:
        flat.extend(item if isinstance(item, list) else [item])
    return flat


def _server_names(resource: Any) -> set[str]:
    """Server id, name and addresses from a detailed resource listing."""
    names = {str(resource.physical_resource_id)} if resource.physical_resource_id else set()
    props = getattr(resource, 'properties', None) or {}
    attrs = getattr(resource, 'attributes', None) or {}
    for value in (props.get('name'), attrs.get('name'), attrs.get('first_address')):
        if isinstance(value, str) and value:
            names.add(value)
    for entries in (attrs.get('addresses') or {}).values():
        for entry in entries or []:
            if isinstance(entry, dict) and entry.get('addr'):
                names.add(str(entry['addr']))
    return names


def group_members(resources: list[Any], group: str, outputs: dict | None = None,
                  address_outputs: tuple[str, ...] = ()) -> list[Member]:
    """The members of the ResourceGroup ``group`` of a stack.

    :param resources: the stack's resources, ``nested_depth`` :data:`DEPTH`,
        with details (``HeatClient.node_resources``).
    :param outputs: the stack's outputs; ``address_outputs`` list the group's
        addresses in member order (floating ones Heat shows nowhere else).
    """
    by_name = {r.resource_name: r for r in resources
               if not getattr(r, 'parent_resource', None)}
    top = by_name.get(group)
    if top is None or not top.physical_resource_id:
        return []
    inner = str(top.physical_resource_id)
    members = {r.resource_name: r for r in resources
               if getattr(r, 'parent_resource', None) == group and _stack_id_of(r) == inner}
    result = []
    for index in _sorted_indexes(members):
        member = members[index]
        names = {str(index)}
        if member.physical_resource_id:
            names.add(str(member.physical_resource_id))
        if 'Nova::Server' in (member.resource_type or ''):
            names |= _server_names(member)
        else:
            nested = str(member.physical_resource_id or '')
            for res in resources:
                if ('Nova::Server' in (res.resource_type or '') and nested
                        and _stack_id_of(res) == nested):
                    names |= _server_names(res)
        result.append(Member(index=str(index), names=names))
    for name in address_outputs:
        addresses = flat((outputs or {}).get(name))
        if len(addresses) == len(result):
            for member, address in zip(result, addresses):
                if address:
                    member.names.add(str(address))
    return result


def resolve(entries: list[str], workers: list[Member], masters: list[Member],
            nodegroup: str) -> list[str]:
    """The member indexes of the workers ``entries`` name.

    :raises InvalidParameterValue: (400) naming every entry that is a master or
        no current member of ``nodegroup``.
    """
    on_masters = [e for e in entries if any(e in m.names for m in masters)
                  and not any(e in w.names for w in workers)]
    if on_masters:
        raise exception.InvalidParameterValue(
            err='nodes_to_remove: %s name master nodes; a resize removes workers of node '
                'group %s only.' % (', '.join(on_masters), nodegroup))
    chosen: list[str] = []
    unknown = []
    for entry in entries:
        found = [w for w in workers if entry in w.names]
        if len(found) != 1:
            unknown.append(entry)
        elif found[0].index not in chosen:
            chosen.append(found[0].index)
    if unknown:
        raise exception.InvalidParameterValue(
            err='nodes_to_remove: %s name no current node of node group %s (give a server '
                'id, server name, address or index of one of its %d nodes).'
                % (', '.join(unknown), nodegroup, len(workers)))
    return chosen


def check_count(chosen: list[str], old_count: int, node_count: int) -> None:
    """Refuse a resize that would remove more nodes than it names.

    :raises InvalidParameterValue:
    """
    if chosen and old_count - node_count > len(chosen):
        raise exception.InvalidParameterValue(
            err='nodes_to_remove: names %d node(s) but node_count %d removes %d of %d; name '
                'every node to remove, or none to let the driver choose.'
                % (len(chosen), node_count, old_count - node_count, old_count))


def members_of(client: Any, stack_id: str, groups: dict[str, str],
               address_outputs: dict[str, tuple[str, ...]] | None = None
               ) -> dict[str, list[Member]]:
    """``{role: members}`` of a stack's node groups (``groups``: role -> resource)."""
    stack = client.get_stack(stack_id)
    from magnum_like.common import heat
    outputs = heat.outputs_of(stack)
    resources = client.node_resources(stack_id)
    return {role: group_members(resources, name, outputs,
                                (address_outputs or {}).get(role, ()))
            for role, name in groups.items()}
