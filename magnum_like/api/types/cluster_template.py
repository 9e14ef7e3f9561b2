"""The ClusterTemplate resource as the API reads and writes it (spec §4.1)."""
from __future__ import annotations

import operator

import wsme
from wsme import types as wtypes

from magnum_like.api.types import base
from magnum_like.api.types import fields

COES = ('kubernetes', 'swarm', 'swarm-mode', 'mesos')
SERVER_TYPES = ('vm', 'bm')

#: Fields a client may not set.
READ_ONLY = ('uuid', 'links', 'project_id', 'user_id', 'created_at', 'updated_at')


def _text(maximum: int = 255, minimum: int = 1) -> wtypes.StringType:
    return wtypes.StringType(min_length=minimum, max_length=maximum)


class ClusterTemplate(base.APIBase):
    """A cluster template: what clusters made from it look like."""

    uuid = fields.uuid
    name = wtypes.StringType(min_length=1, max_length=255)
    coe = wtypes.Enum(wtypes.text, *COES)
    image_id = _text()
    flavor_id = _text()
    master_flavor_id = _text()
    keypair_id = _text()
    dns_nameserver = _text()
    external_network_id = _text()
    fixed_network = _text()
    fixed_subnet = _text()
    network_driver = _text()
    volume_driver = _text()
    apiserver_port = fields.IntegerType(minimum=1024, maximum=65535)
    docker_volume_size = fields.IntegerType(minimum=1, maximum=fields.INT_MAX)
    docker_storage_driver = _text()
    cluster_distro = _text()
    driver = _text()
    server_type = wtypes.Enum(wtypes.text, *SERVER_TYPES)
    labels = fields.labels
    http_proxy = _text()
    https_proxy = _text()
    no_proxy = _text()
    registry_enabled = fields.boolean
    insecure_registry = _text()
    tls_disabled = fields.boolean
    public = fields.boolean
    hidden = fields.boolean
    master_lb_enabled = fields.boolean
    floating_ip_enabled = fields.boolean
    tags = _text(minimum=0)
    project_id = wsme.wsattr(wtypes.text, readonly=True)
    user_id = wsme.wsattr(wtypes.text, readonly=True)
    links = wsme.wsattr([base.Link], readonly=True)

    @classmethod
    def to_api_dict(cls, values, base_url: str) -> dict:
        """The JSON document of a row, as WSME would render this type, without
        building the object: the read routes' fast path.

        :param values: a model object, a ``Row`` of its columns, or a dict of them.
        """
        if hasattr(values, '_asdict'):
            doc = values._asdict()
        elif hasattr(values, 'as_dict'):
            doc = values.as_dict()
        else:
            doc = dict(values)
        for key in doc.keys() - _API_COLUMNS:
            del doc[key]
        doc['created_at'] = base.datetime_json(doc['created_at'])
        doc['updated_at'] = base.datetime_json(doc['updated_at'])
        labels = doc['labels']
        if labels is not None and not all(type(v) is str for v in labels.values()):
            doc['labels'] = fields.LabelsType.validate(labels)
        doc['links'] = base.link_dicts(base_url, 'clustertemplates', doc['uuid'])
        return doc

    @classmethod
    def rows_to_api_dicts(cls, rows, base_url: str) -> list[dict]:
        """:meth:`to_api_dict` of every named-tuple row of a page (same columns).

        The same documents, built for long pages: the positions of the API's
        columns are found once per page, and each row is read by position.
        """
        if not rows:
            return []
        fields_ = rows[0]._fields
        keys = tuple(k for k in fields_ if k in _API_COLUMNS)
        pick = operator.itemgetter(*(fields_.index(k) for k in keys))
        created, updated, labels_at = (keys.index('created_at'), keys.index('updated_at'),
                                       keys.index('labels'))
        self_prefix = '%s/v1/clustertemplates/' % base_url.rstrip('/')
        bookmark_prefix = '%s/clustertemplates/' % base_url.rstrip('/')
        docs = []
        for row in rows:
            values = list(pick(row))
            stamp = values[created]
            values[created] = None if stamp is None else stamp.isoformat()
            stamp = values[updated]
            values[updated] = None if stamp is None else stamp.isoformat()
            labels = values[labels_at]
            if labels is not None and not all(type(v) is str for v in labels.values()):
                values[labels_at] = fields.LabelsType.validate(labels)
            doc = dict(zip(keys, values))
            uuid = doc['uuid']
            doc['links'] = [{'href': self_prefix + uuid, 'rel': 'self'},
                            {'href': bookmark_prefix + uuid, 'rel': 'bookmark'}]
            docs.append(doc)
        return docs


#: The attributes :meth:`ClusterTemplate.to_api_dict` copies from a row.
_API_COLUMNS = frozenset(a.name for a in ClusterTemplate._wsme_attributes if a.name != 'links')


class ClusterTemplateCollection(base.Collection):
    """A page of cluster templates."""

    clustertemplates = [ClusterTemplate]
