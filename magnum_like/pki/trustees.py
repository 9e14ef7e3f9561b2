"""Trustee users in Keystone as the orphan reaper sees them (``conductor/trustee_reaper.py``).

The API makes a cluster's trustee user and trust before it writes the
cluster's row (:func:`magnum_like.pki.trust.create_for_request`). A process
killed in between, or a failed row write whose undo also failed (Keystone
down at that moment), leaves them in Keystone with no row pointing at them.
This module finds the users that look like ours and deletes one with its
trusts; deciding which ones are orphans is the conductor's business.

A user is a trustee of this service only when both its name and its
description say so, for the same cluster:

* name ``<cluster uuid>_<project id>`` (:func:`~.trust.trustee_username`);
* description ``Trustee of cluster <uuid>, created <UTC time>`` (what
  :func:`description` writes; the time restarts when an attempt takes a
  leftover user over). Keystone keeps no creation time of its own. Users made
  before the time was recorded say only ``Trustee of cluster <uuid>``: their
  :attr:`Trustee.created` is ``None``.

Spare users (``spare-<uuid4>``, :mod:`.spares`) never match: their name does
not start with a cluster's uuid. Anything else in the trustee domain (its
admin, users someone else made) is never listed, so never deleted.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
from typing import Any

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging
from oslo_utils import timeutils

from magnum_like.pki import keystone

LOG = logging.getLogger(__name__)

_UUID = r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
#: ``<cluster uuid>_<project id>``.
NAME = re.compile(r'^(?P<cluster>%s)_(?P<project>[^\s_][^\s]*)$' % _UUID)
#: The creation time's format in the description (UTC, seconds).
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
#: ``Trustee of cluster <uuid>[, created <time>]``.
DESCRIPTION = re.compile(r'^Trustee of cluster (?P<cluster>%s)'
                         r'(?:, created (?P<created>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ))?$' % _UUID)


def utcnow() -> datetime.datetime:
    """Naive UTC now."""
    return timeutils.utcnow().replace(tzinfo=None, microsecond=0)


def description(cluster_uuid: str, now: datetime.datetime | None = None) -> str:
    """A trustee user's description, with its creation time."""
    return 'Trustee of cluster %s, created %s' % (cluster_uuid,
                                                  (now or utcnow()).strftime(TIME_FORMAT))


@dataclasses.dataclass(frozen=True)
class Trustee:
    """A trustee user of this service found in Keystone."""

    user_id: str
    name: str
    cluster_uuid: str
    project_id: str
    #: When the API made (or took over) the user, naive UTC; None: not recorded.
    created: datetime.datetime | None


def parse(user: Any) -> Trustee | None:
    """The :class:`Trustee` a Keystone user is, or None when it is not one of ours."""
    name = NAME.match(getattr(user, 'name', None) or '')
    said = DESCRIPTION.match(getattr(user, 'description', None) or '')
    if not name or not said or name.group('cluster') != said.group('cluster'):
        return None
    created = None
    if said.group('created'):
        created = datetime.datetime.strptime(said.group('created'), TIME_FORMAT)
    return Trustee(user_id=user.id, name=user.name, cluster_uuid=name.group('cluster'),
                   project_id=name.group('project'), created=created)


def list_trustees() -> list[Trustee]:
    """Every trustee user of this service in the trustee domain (the domain admin reads).

    :raises keystoneauth1.exceptions.ClientException: Keystone unreachable or refusing.
    :raises TrusteeOrTrustToClusterFailed: ``[keystone_auth]`` has no ``auth_url``.
    """
    return [found for found in map(parse, list_domain_users()) if found is not None]


def list_domain_users() -> list[Any]:
    """Every user of the trustee domain, as Keystone lists them (the domain admin reads).

    :raises keystoneauth1.exceptions.ClientException: Keystone unreachable or refusing.
    :raises TrusteeOrTrustToClusterFailed: ``[keystone_auth]`` has no ``auth_url``.
    """
    client = keystone.domain_admin_client()
    return client.users.list(domain=keystone.trustee_domain_id(client))


def delete_trustee(trustee: Trustee) -> int:
    """Delete the trusts delegated to ``trustee`` (the service's credentials), then the
    user (the domain admin's); what is gone already is skipped.

    A service that may not list trusts (Keystone's policy) leaves them to Keystone,
    which drops a user's trusts with the user.

    :returns: how many trusts were deleted.
    :raises keystoneauth1.exceptions.ClientException: Keystone unreachable or refusing
        (nothing is left half done that the next attempt cannot finish).
    """
    deleted = 0
    service = keystone.service_client()
    try:
        found = service.trusts.list(trustee_user=trustee.user_id)
    except ks_exc.Forbidden as error:
        LOG.warning('The service may not list the trusts of trustee user %s (%s); Keystone '
                    'deletes them with the user.', trustee.user_id, error)
        found = []
    for item in found:
        if getattr(item, 'trustee_user_id', trustee.user_id) != trustee.user_id:
            continue  # a Keystone ignoring the filter: never another user's trust
        try:
            service.trusts.delete(item.id)
            deleted += 1
        except ks_exc.NotFound:
            pass
    try:
        keystone.domain_admin_client().users.delete(trustee.user_id)
    except ks_exc.NotFound:
        pass
    return deleted
