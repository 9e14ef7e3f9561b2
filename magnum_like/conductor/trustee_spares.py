"""Keeping the spare trustee users ready (``[trust] trustee_spares``; :mod:`magnum_like.pki.spares`).

Every ``[trust] spare_refill_interval`` seconds each conductor runs
:meth:`SpareRefiller.run`; only the one that owns :data:`RING_KEY` on the
tracking hash ring (the ring the orphan reaper and the health pass use) does
anything, so one conductor at a time fills the pool. A pass, at most
:data:`MAX_PER_PASS` Keystone changes:

* deletes the spares of another domain than the current trustee domain (the
  option changed) and, above the target (the option lowered, or 0), the
  extra spares: the row first (a conditional delete: a spare an API claimed
  meanwhile is the API's), then the user;
* makes the missing ones: a user ``spare-<uuid4>`` in the trustee domain, as
  its admin, with a random password and the description ``Spare trustee
  user, created <UTC time>``, and after it exists its row (password
  encrypted as the clusters' are).

Keystone unreachable or refusing is one WARNING when the pass first fails and
one INFO when it works again; the next pass tries again. The database down is
:mod:`.db_watch`'s (the pass waits). A spare user left without a row (an API
killed between claim and rename) is the orphan reaper's
(:mod:`.trustee_reaper`).
"""
from __future__ import annotations

from typing import Any

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging

from magnum_like.conductor import db_watch
from magnum_like.conductor import keystone_pass
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from magnum_like.pki import keystone
from magnum_like.pki import spares

LOG = logging.getLogger(__name__)

#: The key whose owner on the ring keeps the pool.
RING_KEY = 'trustee-spares'
#: Users made or deleted in one pass at most (a pass that stops short goes on at the next).
MAX_PER_PASS = 20
#: Rows read in one pass at most (the option's maximum is 200).
MAX_ROWS = 1000


class SpareRefiller(keystone_pass.KeystonePass):
    """One conductor's refill pass (see module docstring).

    :param host: this conductor.
    :param ring: the tracking ring (shared with the ``ClusterEngine``).
    :param conf: the configuration (``[trust] trustee_spares``).
    """

    what = 'Spare trustee pass'

    def __init__(self, host: str, ring: Any, *, conf: Any = None) -> None:
        self.host = host
        self.ring = ring
        self.conf = conf or ml_conf.CONF
        self.passes = 0
        #: Users made and deleted by this conductor (counts, for tests and logs).
        self.made = 0
        self.deleted = 0

    def interval(self) -> float:
        return self.conf.trust.spare_refill_interval

    def _run(self) -> None:
        self.ring.refresh()
        rows = db.get_trustee_spare_list(limit=MAX_ROWS)
        db_watch.WATCH.succeeded()
        if not self.ring.owns(RING_KEY):
            return
        target = self.conf.trust.trustee_spares
        if not rows and not target:
            return  # off, and nothing to clean: no Keystone call at all
        self.passes += 1
        client = keystone.domain_admin_client()
        domain = keystone.trustee_domain_id(client)
        budget = MAX_PER_PASS
        current = [row for row in rows if row.domain_id == domain]
        # Another domain's first, then the newest extras (the oldest are claimed first).
        drop = [row for row in rows if row.domain_id != domain] + current[target:][::-1]
        for row in drop[:budget]:
            self._drop(client, row)
            budget -= 1
        for _ in range(min(target - len(current), budget)):
            try:
                user_id = spares.create_spare(client, domain)
            except (ks_exc.ConnectionError, ks_exc.HttpServerError):
                raise  # Keystone is away: the rest waits for the next pass too
            self.keystone_back()
            self.made += 1
            LOG.debug('Spare trustee user %s made by %s', user_id, self.host)

    def _drop(self, client: Any, row: Any) -> None:
        if not db.delete_trustee_spare(row.id):
            return  # claimed by an API meanwhile: its user is the API's now
        if spares.delete_user(client, row.user_id):
            self.keystone_back()
            self.deleted += 1
            LOG.info('Spare trustee user %s (domain %s) deleted by %s: above [trust] '
                     'trustee_spares or outside the trustee domain', row.user_id,
                     row.domain_id, self.host)
