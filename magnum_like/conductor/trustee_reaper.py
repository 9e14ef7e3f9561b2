"""Trustee users and trusts that no cluster row names: found and deleted by the conductors.

The API makes a cluster's trustee user and trust with the caller's token
before it writes the cluster's row (:func:`magnum_like.pki.trust.create_for_request`).
An API process killed in between, or a row write that failed while Keystone
was down for the undo, leaves them in Keystone for good. Every ``[trust]
orphan_reap_interval`` seconds (0: never) each conductor lists the trustee
domain's users that are trustees of this service (name *and* description
name the same cluster: :mod:`magnum_like.pki.trustees`), keeps those of the
clusters it owns on the hash ring (the ring of the tracking and health
passes: one conductor per user), and deletes the trusts and the user of each
one

* whose cluster has no row (a row in any status keeps its trustee: a
  cluster's delete removes the trust itself, and its row goes last), and
* that is older than ``[trust] orphan_grace_period``: the creation time the
  API wrote into the user's description. A user without one (made before it
  was recorded) is counted from when this conductor first saw it, kept in
  memory only: that is never earlier than its creation, so it can only delay
  a deletion, and a restart or a ring move starts the wait again; skipping
  such users instead would keep every one made before the upgrade forever.

Spare trustee users (``spare-<uuid4>``, :mod:`magnum_like.pki.spares`) of
the conductor's share (by user id on the ring) go too once they have had no
``trustee_spares`` row for ``[trust] orphan_grace_period`` (counted from when
this conductor first saw the spare without its row, and from its creation
time): an API killed between claiming a spare and renaming it leaves one. Just
before the delete the row is looked for again and the user read again (an API
that renamed it since made it a trustee). A spare with a row is never reaped.

Trusts delegated to the trustee of a cluster that *has* a row, which the row
does not hold (not its ``trust_id``, nor the new trust of a credential rotation
in progress), go too once this conductor has seen them so for ``[trust]
orphan_grace_period``: a rotation that failed while Keystone was away for the
undo leaves one. The row is read again just before each delete. One unfiltered
trust list per pass (Keystone lets an admin list every trust); a service that
may not is one WARNING, and such trusts go with their user.

The row is looked for again just before the delete. Each deletion is one
WARNING naming the user and the cluster. Keystone unreachable or refusing is
one WARNING when the pass first fails and one INFO when it works again; the
next pass tries again. The database down is :mod:`.db_watch`'s (the pass
waits).
"""
from __future__ import annotations

import time
from typing import Any

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging
from oslo_utils import timeutils

from magnum_like.conductor import db_watch
from magnum_like.conductor import keystone_pass
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from magnum_like.pki import keystone
from magnum_like.pki import spares
from magnum_like.pki import trustees

LOG = logging.getLogger(__name__)


class TrusteeReaper(keystone_pass.KeystonePass):
    """One conductor's orphan-trustee pass (see module docstring).

    :param host: this conductor.
    :param ring: the tracking ring (shared with the ``ClusterEngine``).
    :param conf: the configuration (``[trust] orphan_*``).
    """

    what = 'Orphan trustee pass'

    def __init__(self, host: str, ring: Any, *, conf: Any = None) -> None:
        self.host = host
        self.ring = ring
        self.conf = conf or ml_conf.CONF
        #: user id -> monotonic time this conductor first saw it (users without a
        #: recorded creation time, whose cluster has no row, in this share).
        self.first_seen: dict[str, float] = {}
        #: ``(user id, cluster uuid)`` of every user this conductor deleted.
        self.reaped: list[tuple[str, str]] = []
        #: Spare users (:mod:`magnum_like.pki.spares`) without a row in this share: user
        #: id -> monotonic time this conductor first saw it so.
        self.spare_first_seen: dict[str, float] = {}
        #: Ids of the spare users this conductor deleted.
        self.reaped_spares: list[str] = []
        #: Trust id -> monotonic time this conductor first saw it delegated to a
        #: live cluster's trustee without the row holding it.
        self.stray_first_seen: dict[str, float] = {}
        #: ``(trust id, cluster uuid)`` of every such trust this conductor deleted.
        self.reaped_trusts: list[tuple[str, str]] = []
        self._may_list_trusts = True
        self.passes = 0

    def interval(self) -> float:
        return self.conf.trust.orphan_reap_interval

    def _run(self) -> None:
        self.passes += 1
        users = trustees.list_domain_users()
        found = [t for t in map(trustees.parse, users) if t is not None]
        self.keystone_back()
        self.ring.refresh()
        mine = [t for t in found if self.ring.owns(t.cluster_uuid)]
        present = db.get_existing_cluster_uuids([t.cluster_uuid for t in mine])
        db_watch.WATCH.succeeded()
        orphans = [t for t in mine if t.cluster_uuid not in present]
        self._reap_stray_trusts([t for t in mine if t.cluster_uuid in present])
        self.first_seen = {t.user_id: self.first_seen[t.user_id] for t in orphans
                           if t.user_id in self.first_seen}
        grace = self.conf.trust.orphan_grace_period
        for trustee in orphans:
            age = self._age(trustee)
            if age < grace:
                continue
            if db.get_existing_cluster_uuids([trustee.cluster_uuid]):
                continue  # written meanwhile: an API slower than the grace period
            try:
                count = trustees.delete_trustee(trustee)
            except (ks_exc.ConnectionError, ks_exc.HttpServerError):
                raise  # Keystone is away: the rest waits for the next pass too
            except ks_exc.ClientException as error:
                LOG.warning('Trustee user %s of cluster %s (no cluster row) could not be '
                            'deleted: %s; tried again at the next pass', trustee.user_id,
                            trustee.cluster_uuid, error)
                continue
            self.first_seen.pop(trustee.user_id, None)
            self.reaped.append((trustee.user_id, trustee.cluster_uuid))
            LOG.warning('Deleted trustee user %s (%s) and %d trust(s) of cluster %s: no '
                        'cluster row %.0f s after the user was %s', trustee.user_id,
                        trustee.name, count, trustee.cluster_uuid, age,
                        'made' if trustee.created else 'first seen by %s' % self.host)

        self._reap_spares([s for s in map(spares.parse, users) if s is not None])

    def _reap_stray_trusts(self, live: list[trustees.Trustee]) -> None:
        """Delete trusts to live clusters' trustees that their rows have not held for the
        grace period (see the module docstring)."""
        by_user = {t.user_id: t for t in live}
        if not by_user or not self._may_list_trusts:
            self.stray_first_seen = {}
            return
        service = keystone.service_client()
        try:
            listed = service.trusts.list()
        except ks_exc.Forbidden as error:
            self._may_list_trusts = False
            LOG.warning('The service may not list trusts (%s): a trust a live cluster no '
                        'longer uses goes only with its trustee user.', error)
            return
        found = [(item.id, by_user[item.trustee_user_id].cluster_uuid) for item in listed
                 if getattr(item, 'trustee_user_id', None) in by_user]
        held = db.get_cluster_trust_ids([cluster for _, cluster in found])
        strays = [(trust_id, cluster) for trust_id, cluster in found
                  if cluster in held and trust_id not in held[cluster]]
        now = time.monotonic()
        self.stray_first_seen = {trust_id: self.stray_first_seen.get(trust_id, now)
                                 for trust_id, _ in strays}
        grace = self.conf.trust.orphan_grace_period
        for trust_id, cluster in strays:
            if now - self.stray_first_seen[trust_id] < grace:
                continue
            if trust_id in db.get_cluster_trust_ids([cluster]).get(cluster, {trust_id}):
                continue  # taken by the row meanwhile, or the row went (the delete's)
            try:
                service.trusts.delete(trust_id)
            except ks_exc.NotFound:
                pass
            except (ks_exc.ConnectionError, ks_exc.HttpServerError):
                raise
            except ks_exc.ClientException as error:
                LOG.warning('Trust %s of cluster %s (not the cluster\'s) could not be '
                            'deleted: %s; tried again at the next pass', trust_id, cluster,
                            error)
                continue
            self.stray_first_seen.pop(trust_id, None)
            self.reaped_trusts.append((trust_id, cluster))
            LOG.warning('Deleted trust %s delegated to the trustee of cluster %s: the '
                        'cluster has not used it for %.0f s (a failed rotation\'s?)',
                        trust_id, cluster, grace)

    def _reap_spares(self, found: list[spares.SpareUser]) -> None:
        """Delete this share's spare users that have had no row for the grace period."""
        mine = [s for s in found if self.ring.owns(s.user_id)]
        with_row = db.get_trustee_spare_user_ids([s.user_id for s in mine])
        rowless = [s for s in mine if s.user_id not in with_row]
        now = time.monotonic()
        self.spare_first_seen = {s.user_id: self.spare_first_seen.get(s.user_id, now)
                                 for s in rowless}
        grace = self.conf.trust.orphan_grace_period
        wall = timeutils.utcnow().replace(tzinfo=None)
        client = None
        for spare in rowless:
            if (now - self.spare_first_seen[spare.user_id] < grace
                    or (wall - spare.created).total_seconds() - 1.0 < grace):
                continue
            if db.get_trustee_spare_user_ids([spare.user_id]):
                continue  # its row was written meanwhile (a conductor's refill)
            client = client or keystone.domain_admin_client()
            try:
                # Claimed and renamed by an API since the listing: a trustee now.
                if spares.parse(client.users.get(spare.user_id)) is None:
                    continue
            except ks_exc.NotFound:
                continue
            if not spares.delete_user(client, spare.user_id):
                continue
            rowless_for = now - self.spare_first_seen.pop(spare.user_id)
            self.reaped_spares.append(spare.user_id)
            LOG.warning('Deleted spare trustee user %s (%s): no spare row for %.0f s (an API '
                        'stopped between claiming and renaming it?)', spare.user_id,
                        spare.name, rowless_for)

    def _age(self, trustee: trustees.Trustee) -> float:
        """Seconds since the user was made (or, unrecorded, first seen here)."""
        if trustee.created is not None:
            # Recorded to the second, rounded down: counted from the end of that second.
            now = timeutils.utcnow().replace(tzinfo=None)
            return (now - trustee.created).total_seconds() - 1.0
        now = time.monotonic()
        if trustee.user_id not in self.first_seen:
            self.first_seen[trustee.user_id] = now
            LOG.info('Trustee user %s of cluster %s has no cluster row and no recorded '
                     'creation time: deleted if still without a row %.0f s from now',
                     trustee.user_id, trustee.cluster_uuid,
                     self.conf.trust.orphan_grace_period)
        return now - self.first_seen[trustee.user_id]
