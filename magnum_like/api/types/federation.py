"""The Federation resource of ``/v1/federations`` (spec §3.7, §4.4, §9.4)."""
from __future__ import annotations

from typing import Any, Callable

import wsme
import wsme.exc
from wsme import types as wtypes

from magnum_like.api.types import base
from magnum_like.api.types import cluster as cluster_types
from magnum_like.api.types import fields

#: The one property a federation must have: the DNS zone its services are published in.
DNS_ZONE = 'dns-zone'
DNS_ZONE_MAX = 255

#: Most clusters one federation may hold (the list is stored as one TEXT value).
MAX_MEMBERS = 1000

#: What ``GET /v1/federations`` shows of each federation.
LIST_FIELDS = ('uuid', 'name', 'hostcluster_id', 'member_ids', 'status', 'properties', 'links')

#: What detail and show add to the list fields.
DETAIL_FIELDS = LIST_FIELDS + ('status_reason', 'created_at', 'updated_at')

#: What a create request may give.
CREATE_FIELDS = ('name', 'hostcluster_id', 'member_ids', 'properties')

#: The attributes a PATCH may change.
PATCHABLE = ('member_ids', 'properties')


def check_properties(value: Any) -> dict:
    """Federation ``properties``: scalar values (kept as strings), a non-empty ``dns-zone``.

    :raises ValueError: what is wrong, in words a user can act on.
    """
    properties = fields.LabelsType.validate(value)
    zone = value.get(DNS_ZONE)
    if not isinstance(zone, str) or not zone.strip():
        raise ValueError("must hold '%s', a non-empty string naming the federation's DNS "
                         "zone (e.g. {\"%s\": \"example.com.\"}); got %r."
                         % (DNS_ZONE, DNS_ZONE, zone))
    if len(zone) > DNS_ZONE_MAX:
        raise ValueError("'%s' must be at most %d characters (got %d)."
                         % (DNS_ZONE, DNS_ZONE_MAX, len(zone)))
    properties[DNS_ZONE] = zone.strip()
    return properties


class _CheckedType(wtypes.UserType):
    """A body attribute checked by a function; its errors name the attribute.

    (WSME would report a ``ValueError`` of an attribute's type against the
    whole body argument, ``federation``, instead of the attribute.)
    """

    basetype = wtypes.text

    def __init__(self, name: str, check: Callable[[Any], Any]):
        self.name = name
        self.check = check

    def validate(self, value):
        try:
            return self.check(value)
        except ValueError as error:
            raise wsme.exc.InvalidInput(self.name, value, str(error))

    def frombasetype(self, value):
        return None if value is None else self.validate(value)


def check_cluster_idents(value: Any) -> list[str]:
    """``member_ids`` as given: cluster uuids or names (no duplicates, at most ``MAX_MEMBERS``).

    :raises ValueError:
    """
    if not isinstance(value, list):
        raise ValueError('must be a list of cluster uuids or names, got %s.'
                         % type(value).__name__)
    if len(value) > MAX_MEMBERS:
        raise ValueError('at most %d clusters (got %d).' % (MAX_MEMBERS, len(value)))
    for item in value:
        if not isinstance(item, str) or not item or len(item) > 255:
            raise ValueError('every member must be a cluster uuid or name (a string of 1 to '
                             '255 characters); got %r.' % (item,))
    if len(set(value)) != len(value):
        raise ValueError('a cluster is listed twice.')
    return list(value)


def _out(datatype: Any) -> wsme.wsattr:
    return wsme.wsattr(datatype, readonly=True)


class Federation(base.APIBase):
    """A federation as the API reads and writes it."""

    uuid = _out(wtypes.text)
    name = wtypes.StringType(min_length=1, max_length=cluster_types.NAME_MAX,
                             pattern=cluster_types.NAME_PATTERN)
    hostcluster_id = wtypes.StringType(min_length=1, max_length=255)
    member_ids = _CheckedType('member_ids', check_cluster_idents)
    status = _out(wtypes.text)
    status_reason = _out(wtypes.text)
    properties = _CheckedType('properties', check_properties)
    links = _out([base.Link])

    @staticmethod
    def to_api_dict(row: Any, base_url: str, *, full: bool) -> dict:
        """The JSON document of a federation row (list fields, or every field).

        :param full: detail and show (``status_reason`` and the timestamps too).
        """
        doc = {'uuid': row.uuid, 'name': row.name, 'hostcluster_id': row.hostcluster_id,
               'member_ids': list(row.member_ids or []), 'status': row.status,
               'properties': dict(row.properties or {}),
               'links': base.link_dicts(base_url, 'federations', row.uuid)}
        if full:
            doc.update(status_reason=row.status_reason,
                       created_at=base.datetime_json(row.created_at),
                       updated_at=base.datetime_json(row.updated_at))
        return doc


class FederationCollection(base.Collection):
    """A page of federations."""

    federations = [Federation]


class FederationID(wtypes.Base):
    """The answer of an accepted federation create or update."""

    uuid = wtypes.text
