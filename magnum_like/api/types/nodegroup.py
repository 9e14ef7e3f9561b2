"""The NodeGroup resource of ``/v1/clusters/{ident}/nodegroups`` (spec §3.3, §4.3)."""
from __future__ import annotations

from typing import Any

import wsme
from wsme import types as wtypes

from magnum_like.api.types import base
from magnum_like.api.types import cluster as cluster_types
from magnum_like.api.types import fields

#: What ``GET .../nodegroups`` shows of each node group.
LIST_FIELDS = ('uuid', 'name', 'flavor_id', 'node_count', 'role', 'is_default', 'image_id',
               'status', 'stack_id', 'links')

#: What a create request may give.
CREATE_FIELDS = ('name', 'docker_volume_size', 'labels', 'merge_labels', 'flavor_id',
                 'image_id', 'node_count', 'role', 'min_node_count', 'max_node_count',
                 'node_labels', 'node_taints', 'version')

#: What a PATCH may change.
PATCHABLE = ('min_node_count', 'max_node_count', 'node_labels', 'node_taints')


def _text(maximum: int = 255) -> wtypes.StringType:
    return wtypes.StringType(min_length=1, max_length=maximum)


def _out(datatype: Any) -> wsme.wsattr:
    return wsme.wsattr(datatype, readonly=True)


class NodeGroup(base.APIBase):
    """A node group as the API reads and writes it."""

    uuid = _out(fields.uuid)
    name = _text()
    cluster_id = _out(wtypes.text)
    project_id = _out(wtypes.text)
    docker_volume_size = fields.IntegerType(minimum=1, maximum=fields.INT_MAX)
    labels = fields.labels
    merge_labels = fields.boolean
    labels_overridden = _out(fields.labels)
    labels_added = _out(fields.labels)
    labels_skipped = _out(fields.labels)
    flavor_id = _text()
    image_id = _text()
    node_addresses = _out([wtypes.text])
    node_count = fields.node_count_type(0)
    role = _text()
    min_node_count = fields.node_count_type(0)
    max_node_count = fields.node_count_type(0)
    is_default = _out(fields.boolean)
    stack_id = _out(wtypes.text)
    status = _out(wtypes.text)
    status_reason = _out(wtypes.text)
    version = _text(20)
    node_labels = fields.jsontype
    node_taints = fields.jsontype
    links = _out([base.Link])


def build(row: Any, *, base_url: str, cluster_labels: dict | None = None,
          full: bool = True) -> NodeGroup:
    """The API view of a node-group row (``full`` adds the label diffs vs the cluster's)."""
    values = row.as_dict()
    obj = NodeGroup()
    for field in obj.fields:
        if field in values:
            setattr(obj, field, values[field])
    obj.links = base.resource_links(base_url, 'clusters/%s/nodegroups' % values['cluster_id'],
                                    values['uuid'])
    if not full:
        obj.unset_fields_except(list(LIST_FIELDS))
        return obj
    for key, diff in cluster_types.label_diffs(values['labels'], cluster_labels).items():
        setattr(obj, key, diff)
    return obj


class NodeGroupCollection(base.Collection):
    """A page of node groups."""

    nodegroups = [NodeGroup]
