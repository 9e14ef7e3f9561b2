"""Declarative mappings between a cluster and a Heat stack.

A driver lists, as data, which Heat parameter each cluster, template,
node-group or label value feeds (``Param``), and which stack output fills
which cluster or node-group field (``Output``). ``render_parameters`` and
``read_outputs`` apply them; a lint test checks every mapped parameter exists
in the driver's templates and every required template parameter is mapped.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

from magnum_like.common import exception


@dataclasses.dataclass(frozen=True)
class Param:
    """One Heat parameter and where its value comes from.

    Exactly one source: ``cluster`` (a cluster attribute, falling back to the
    template's attribute of the same name), ``template`` (template attribute),
    ``label`` (a cluster label), ``nodegroup`` (``(role, attribute)`` of the
    default node group of that role), ``extra`` (a value the conductor
    supplies), or ``compute`` (a function of the view).

    :param default: used when the source gives None (labels: also '').
    :param required: missing and no default ⇒ ``InvalidParameterValue``.
    :param convert: applied to the value found (e.g. ``str``, ``bool_text``).
    """

    heat_param: str
    cluster: str | None = None
    template: str | None = None
    label: str | None = None
    nodegroup: tuple[str, str] | None = None
    extra: str | None = None
    compute: Callable[[Any], Any] | None = None
    default: Any = None
    required: bool = False
    convert: Callable[[Any], Any] | None = None

    def value(self, view) -> Any:
        """This parameter's value for ``view`` (a ``ClusterView``)."""
        if self.cluster is not None:
            found = view.attr(self.cluster)
        elif self.template is not None:
            found = getattr(view.template, self.template, None)
        elif self.label is not None:
            found = view.label(self.label)
        elif self.nodegroup is not None:
            found = getattr(view.nodegroup(self.nodegroup[0]), self.nodegroup[1], None)
        elif self.extra is not None:
            found = view.extra.get(self.extra)
        elif self.compute is not None:
            found = self.compute(view)
        else:
            found = None
        if found is None or found == '':
            found = self.default
        if found is None:
            if self.required:
                raise exception.InvalidParameterValue(
                    err='%s: a value is required to build the cluster.' % self.heat_param)
            return None
        return self.convert(found) if self.convert else found


@dataclasses.dataclass(frozen=True)
class Output:
    """One stack output and the field it fills.

    :param cluster: a cluster field, or
    :param nodegroup: ``(role, field)`` of the default node group of that role.
    :param when: only when this predicate of the view holds (e.g. floating IPs on).
    :param convert: applied to the output's value.
    """

    heat_output: str
    cluster: str | None = None
    nodegroup: tuple[str, str] | None = None
    when: Callable[[Any], bool] | None = None
    convert: Callable[[Any, Any], Any] | None = None


def render_parameters(params: list[Param], view) -> dict:
    """Heat parameters for ``view``; parameters whose value is None are left out."""
    result = {}
    for param in params:
        value = param.value(view)
        if value is not None:
            result[param.heat_param] = value
    return result


def read_outputs(outputs: list[Output], view, values: dict) -> tuple[dict, dict]:
    """Cluster and node-group updates from a stack's output values.

    :param values: output key → value (outputs Heat did not give are skipped).
    :returns: ``(cluster_updates, {nodegroup_uuid: updates})``.
    """
    cluster_updates: dict = {}
    ng_updates: dict = {}
    for out in outputs:
        if out.heat_output not in values:
            continue
        if out.when is not None and not out.when(view):
            continue
        value = values[out.heat_output]
        if out.convert is not None:
            value = out.convert(view, value)
        if out.cluster is not None:
            cluster_updates[out.cluster] = value
        elif out.nodegroup is not None:
            ng = view.nodegroup(out.nodegroup[0])
            ng_updates.setdefault(ng.uuid, {})[out.nodegroup[1]] = value
    return cluster_updates, ng_updates


def bool_text(value: Any) -> str:
    """Heat boolean text ('true'/'false') from a bool or a label string."""
    if isinstance(value, str):
        return 'true' if value.strip().lower() in ('true', '1', 'yes', 'on') else 'false'
    return 'true' if value else 'false'


def as_list(view, value: Any) -> list:
    """An output that may be a single value or a list, as a list without empties."""
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    flat: list = []
    for item in value:
        flat.extend(item if isinstance(item, list) else [item])
    return [v for v in flat if v]
