"""The Cluster resource and the bodies of its actions (spec §3.2, §4.2)."""
from __future__ import annotations

from typing import Any

import wsme
from wsme import types as wtypes

from magnum_like.api import microversion
from magnum_like.api.types import base
from magnum_like.api.types import fields

#: Cluster names: what Heat accepts in a stack name, with room for a suffix.
NAME_PATTERN = '^[a-zA-Z][a-zA-Z0-9_.-]*$'
NAME_MAX = 242
HEALTH_STATUSES = ('HEALTHY', 'UNHEALTHY', 'UNKNOWN')

#: What ``GET /v1/clusters`` shows of each cluster (``stack_id`` → ``cluster_id`` at 1.13).
LIST_FIELDS = ('uuid', 'name', 'cluster_template_id', 'keypair', 'docker_volume_size', 'labels',
               'node_count', 'master_count', 'status', 'master_flavor_id', 'flavor_id',
               'create_timeout', 'health_status', 'stack_id', 'cluster_id', 'links')

#: What a create request may give.
CREATE_FIELDS = ('name', 'cluster_template_id', 'keypair', 'node_count', 'master_count',
                 'docker_volume_size', 'labels', 'merge_labels', 'master_flavor_id',
                 'flavor_id', 'create_timeout', 'discovery_url', 'fixed_network',
                 'fixed_subnet', 'floating_ip_enabled', 'master_lb_enabled')

#: What a PATCH may change.
PATCHABLE = ('node_count', 'health_status', 'health_status_reason')
HEALTH_FIELDS = ('health_status', 'health_status_reason')


def _text(maximum: int = 255) -> wtypes.StringType:
    return wtypes.StringType(min_length=1, max_length=maximum)


def _out(datatype: Any) -> wsme.wsattr:
    return wsme.wsattr(datatype, readonly=True)


class Cluster(base.APIBase):
    """A cluster as the API reads and writes it."""

    uuid = _out(fields.uuid)
    name = wtypes.StringType(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN)
    cluster_template_id = _text()
    keypair = _text()
    node_count = fields.node_count_type(0)
    # 0 is what a cluster whose node groups are gone shows; a create asks for at
    # least 1 (``_new_cluster_values``).
    master_count = fields.node_count_type(0)
    docker_volume_size = fields.IntegerType(minimum=1, maximum=fields.INT_MAX)
    labels = fields.labels
    merge_labels = fields.boolean
    master_flavor_id = _text()
    flavor_id = _text()
    create_timeout = fields.IntegerType(minimum=0, maximum=fields.MAX_TIMEOUT_MINUTES)
    # Empty means "none given" (Horizon's magnum-ui sends discovery_url "" on every create).
    discovery_url = wtypes.StringType(max_length=255)
    fixed_network = _text()
    fixed_subnet = _text()
    floating_ip_enabled = fields.boolean
    master_lb_enabled = fields.boolean
    health_status = wtypes.Enum(wtypes.text, *HEALTH_STATUSES)
    health_status_reason = fields.labels
    labels_overridden = _out(fields.labels)
    labels_added = _out(fields.labels)
    labels_skipped = _out(fields.labels)
    stack_id = _out(wtypes.text)
    cluster_id = _out(wtypes.text)
    status = _out(wtypes.text)
    status_reason = _out(wtypes.text)
    api_address = _out(wtypes.text)
    node_addresses = _out([wtypes.text])
    master_addresses = _out([wtypes.text])
    coe_version = _out(wtypes.text)
    container_version = _out(wtypes.text)
    faults = _out(fields.labels)
    project_id = _out(wtypes.text)
    user_id = _out(wtypes.text)
    links = _out([base.Link])


def label_diffs(labels: dict | None, parent: dict | None) -> dict[str, dict]:
    """``labels_overridden`` (the parent's value), ``labels_added``, ``labels_skipped``."""
    labels, parent = labels or {}, parent or {}
    return {
        'labels_overridden': {k: parent[k] for k, v in labels.items()
                              if k in parent and parent[k] != v},
        'labels_added': {k: v for k, v in labels.items() if k not in parent},
        'labels_skipped': {k: v for k, v in parent.items() if k not in labels},
    }


def build(row: Any, *, base_url: str, version: microversion.Version, counts: dict,
          nodegroups: list | None = None, template_labels: dict | None = None,
          full: bool = True, with_faults: bool = False) -> Cluster:
    """The API view of a cluster row.

    :param counts: ``{'node_count', 'master_count'}`` summed over its node groups.
    :param nodegroups: its node groups (addresses and ``faults`` come from them).
    :param template_labels: its template's labels, for the label diffs.
    :param full: every field (detail, show) or the list subset.
    :param with_faults: add ``faults`` (show only, and only when failed).
    """
    values = row.as_dict()
    obj = Cluster()
    for field in obj.fields:
        if field in values and field not in ('cluster_id',):
            setattr(obj, field, values[field])
    obj.node_count = counts.get('node_count', 0)
    obj.master_count = counts.get('master_count', 0)
    obj.links = base.resource_links(base_url, 'clusters', values['uuid'])
    if version >= microversion.HISTORY['cluster_id']:
        obj.cluster_id = values['stack_id']
        obj.stack_id = wsme.Unset
    if not full:
        obj.unset_fields_except(list(LIST_FIELDS))
        return obj
    if nodegroups:
        masters = [a for ng in nodegroups if ng.role == 'master' for a in ng.node_addresses or []]
        workers = [a for ng in nodegroups if ng.role != 'master' for a in ng.node_addresses or []]
        obj.master_addresses = masters or values['master_addresses'] or []
        obj.node_addresses = workers or values['node_addresses'] or []
    for key, diff in label_diffs(values['labels'], template_labels).items():
        setattr(obj, key, diff)
    if with_faults:
        obj.faults = {ng.name: ng.status_reason or ng.status for ng in nodegroups or []
                      if (ng.status or '').endswith('_FAILED')}
    return obj


#: Columns ``GET /v1/clusters`` copies from a row as they are.
_LIST_COLUMNS = tuple(f for f in LIST_FIELDS if f not in ('node_count', 'master_count', 'links',
                                                          'stack_id', 'cluster_id', 'labels'))

#: The columns a listed row needs (``db.get_cluster_list(columns=...)``).
LIST_ROW_COLUMNS = _LIST_COLUMNS + ('labels', 'stack_id')


def list_dict(row: Any, *, base_url: str, version: microversion.Version,
              counts: dict) -> dict:
    """``build(..., full=False)`` as the JSON WSME renders it, built as a plain dict.

    The list route returns these (``base.Document``): WSME's attribute-by-attribute
    validation and generic serialisation were most of a list's own time.
    ``tests/unit/api/test_cluster_list_dict.py`` pins the two as equal.
    """
    doc = {field: getattr(row, field) for field in _LIST_COLUMNS}
    labels = row.labels
    if labels is not None and not all(type(v) is str for v in labels.values()):
        labels = fields.LabelsType.validate(labels)
    doc['labels'] = labels
    doc['node_count'] = counts.get('node_count', 0)
    doc['master_count'] = counts.get('master_count', 0)
    doc['cluster_id' if version >= microversion.HISTORY['cluster_id'] else 'stack_id'] = \
        row.stack_id
    doc['links'] = base.link_dicts(base_url, 'clusters', row.uuid)
    return doc


class ClusterCollection(base.Collection):
    """A page of clusters."""

    clusters = [Cluster]


class ClusterID(wtypes.Base):
    """The answer of an accepted asynchronous cluster operation."""

    uuid = wtypes.text


class ClusterResizeRequest(wtypes.Base):
    """``POST /v1/clusters/{ident}/actions/resize``."""

    node_count = wsme.wsattr(fields.node_count_type(0), mandatory=True)
    nodes_to_remove = fields.jsontype
    nodegroup = _text()


class ClusterUpgradeRequest(wtypes.Base):
    """``POST /v1/clusters/{ident}/actions/upgrade``."""

    cluster_template = wsme.wsattr(_text(), mandatory=True)
    max_batch_size = fields.node_count_type(1)
    nodegroup = _text()
