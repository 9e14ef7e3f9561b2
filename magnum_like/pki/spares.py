"""Spare trustee users: made ahead by the conductors, taken by the API (``[trust] trustee_spares``).

Creating a Keystone user makes Keystone hash its password (bcrypt), which takes
hundreds of milliseconds; a cluster create used to wait for it. Instead the
conductor that owns the pool (``conductor/trustee_spares.py``) keeps
``[trust] trustee_spares`` users ready in the trustee domain, each with a
random password and a row in ``trustee_spares`` (the password encrypted as
``cluster.trustee_password`` is). A cluster create (:func:`take`, called by
:func:`magnum_like.pki.trust.create_for_request`):

1. claims one: deletes its row with a conditional ``DELETE`` whose row count
   decides, so no two requests get the same user (``db.claim_trustee_spare``);
2. renames the user to the cluster's trustee name ``<cluster uuid>_<project
   id>`` with the trustee description (a PATCH as the domain admin: nothing is
   hashed) while it makes the trust with the caller's token: two independent
   Keystone calls at the same time (a Keystone serving several requests per
   process with threads refused such trusts now and then, 403
   ``identity:create_trust``: serve it by single-threaded processes);
3. on any failure deletes the user again (Keystone drops its trusts with it).

No spare left, a spare whose user is gone from Keystone (404 on the rename)
or whose name is taken: the caller makes a user the old way, inline.

A spare user is named ``spare-<uuid4>`` (never a trustee's name, which starts
with the cluster's uuid) and described ``Spare trustee user, created <UTC
time>``. One whose row is gone but which was never renamed (an API killed
between the claim and the rename) is deleted by the orphan reaper
(``conductor/trustee_reaper.py``); a spare that has a row never is.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
import uuid
from typing import Any, Callable

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging

from magnum_like.common import cloud
from magnum_like.common import exception
from magnum_like.db import api as db
from magnum_like.pki import keystone
from magnum_like.pki import passwords
from magnum_like.pki import trustees

LOG = logging.getLogger(__name__)

#: ``spare-<uuid4>``: cannot match :data:`trustees.NAME` (which starts with a uuid).
NAME = re.compile(r'^spare-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
#: ``Spare trustee user, created <time>``.
DESCRIPTION = re.compile(r'^Spare trustee user, created (?P<created>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$')


def new_name() -> str:
    """A fresh spare user's name."""
    return 'spare-%s' % uuid.uuid4()


def description(now: datetime.datetime | None = None) -> str:
    """A spare user's description, with its creation time."""
    return 'Spare trustee user, created %s' % (now or trustees.utcnow()).strftime(
        trustees.TIME_FORMAT)


@dataclasses.dataclass(frozen=True)
class SpareUser:
    """A spare trustee user found in Keystone (it may or may not have a row)."""

    user_id: str
    name: str
    #: When the conductor made it, naive UTC.
    created: datetime.datetime


def parse(user: Any) -> SpareUser | None:
    """The :class:`SpareUser` a Keystone user is, or None when it is not a spare of ours."""
    if not NAME.match(getattr(user, 'name', None) or ''):
        return None
    said = DESCRIPTION.match(getattr(user, 'description', None) or '')
    if not said:
        return None
    return SpareUser(user_id=user.id, name=user.name,
                     created=datetime.datetime.strptime(said.group('created'),
                                                        trustees.TIME_FORMAT))


def create_spare(client: Any, domain_id: str) -> str:
    """Make one spare user in ``domain_id`` (as the domain admin), then its row.

    :returns: the new user's id.
    :raises keystoneauth1.exceptions.ClientException: Keystone refused or is away.
    :raises EncryptionKeyMissing: no key to store the password with (nothing made).
    """
    password = passwords.new()
    stored = passwords.encrypt(password)  # before Keystone: nothing to undo
    user = client.users.create(name=new_name(), domain=domain_id, password=password,
                               description=description())
    try:
        db.create_trustee_spare(user.id, domain_id, stored)
    except BaseException:
        delete_user(client, user.id)
        raise
    return user.id


def delete_user(client: Any, user_id: str) -> bool:
    """Delete a spare's user (best effort, logged); whether it is gone now."""
    try:
        client.users.delete(user_id)
    except ks_exc.NotFound:
        pass
    except ks_exc.ClientException as error:
        LOG.warning('Spare trustee user %s could not be deleted: %s', user_id, error)
        return False
    return True


def _rename(client: Any, user_id: str, name: str, cluster_uuid: str) -> None:
    client.users.update(user_id, name=name, description=trustees.description(cluster_uuid))


def take(client: Any, cluster_uuid: str, name: str,
         make_trust: Callable[[str], str]) -> dict[str, Any] | None:
    """The trustee and trust of a cluster made from a spare (see the module docstring).

    :param client: the trustee-domain admin's client.
    :param name: the trustee name the spare gets (``<cluster uuid>_<project id>``).
    :param make_trust: ``make_trust(trustee_user_id)`` makes the owner's trust
        and returns its id (:func:`magnum_like.pki.trust.owner_trust`).
    :returns: the cluster columns, as :func:`magnum_like.pki.trust.create_for_request`;
        ``None`` when no spare could serve (the caller makes a user inline).
    :raises TrustRefused: (403) Keystone refused the caller's trust (the spare is deleted).
    :raises TrusteeOrTrustToClusterFailed: (503) Keystone failed the rename.
    """
    try:
        row = db.claim_trustee_spare(keystone.trustee_domain_id(client))
    except Exception as error:  # the database failing: the inline way may still work
        LOG.warning('Cluster %s: no spare trustee user claimed (%s)', cluster_uuid, error)
        return None
    if row is None:
        LOG.debug('Cluster %s: no spare trustee user left', cluster_uuid)
        return None
    try:
        stored = passwords.encrypt(passwords.decrypt(row.password))
    except exception.MagnumLikeException as error:  # its key is no longer configured
        LOG.warning('Spare trustee user %s dropped: %s', row.user_id, error)
        delete_user(client, row.user_id)
        return None
    # The rename (the domain admin's) and the trust (the caller's) are independent
    # Keystone calls: made at the same time, the create waits for the slower one.
    renaming = cloud.pool().submit(_rename, client, row.user_id, name, cluster_uuid)
    trust_id, refused = None, None
    try:
        trust_id = make_trust(row.user_id)
    except Exception as error:
        refused = error
    try:
        renaming.result()
    except (ks_exc.NotFound, ks_exc.Conflict) as error:
        # Gone from Keystone, or the name is taken by an earlier attempt's user
        # (the inline way takes that one over). A trust made meanwhile goes
        # with the user.
        LOG.warning('Cluster %s: spare trustee user %s not usable (%s); making one',
                    cluster_uuid, row.user_id, error)
        delete_user(client, row.user_id)
        return None
    except Exception as error:  # Keystone failing or away: no user left behind
        delete_user(client, row.user_id)
        if isinstance(error, ks_exc.ClientException):
            raise exception.TrusteeOrTrustToClusterFailed(cluster=cluster_uuid,
                                                          reason=str(error))
        raise
    if refused is not None:
        delete_user(client, row.user_id)  # renamed: the trustee reaper's if this fails
        raise refused
    LOG.info('Cluster %s: spare trustee user %s and trust %s taken', cluster_uuid,
             row.user_id, trust_id)
    return {'trustee_user_id': row.user_id, 'trustee_username': name,
            'trustee_password': stored, 'trust_id': trust_id}
