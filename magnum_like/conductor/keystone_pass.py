"""What the conductors' periodic passes over Keystone share (trustee reaper, spare users).

A pass never raises: Keystone unreachable or refusing is one WARNING when the
pass first fails, DEBUG while it keeps failing and one INFO when it works again
(:meth:`KeystonePass.keystone_back`, called by the pass once Keystone answered);
the database down is :mod:`.db_watch`'s; anything else is logged with its
traceback. The next pass tries again.
"""
from __future__ import annotations

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging

from magnum_like.common import exception
from magnum_like.conductor import db_watch
from magnum_like.pki import trust

LOG = logging.getLogger(__name__)


class KeystonePass:
    """Base of a periodic Keystone pass: subclasses set :attr:`what`, give
    :meth:`interval` and write :meth:`_run`; they have ``host``."""

    #: The pass's name in log lines, capitalised ("Orphan trustee pass").
    what = 'Keystone pass'
    host: str
    _failing: str | None = None

    def interval(self) -> float:
        """Seconds between two passes (for the log lines)."""
        raise NotImplementedError

    def _run(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        """One pass (never raises)."""
        if not trust.trusts_enabled() or db_watch.WATCH.down:
            return
        try:
            self._run()
        except (ks_exc.ClientException, exception.MagnumLikeException) as error:
            self._keystone_failed(error)
        except Exception as error:
            if not db_watch.WATCH.failed(error, self.what.lower()):
                LOG.exception('%s of %s failed; retried in %.0f s', self.what, self.host,
                              self.interval())

    def _keystone_failed(self, error: Exception) -> None:
        if self._failing is None:
            LOG.warning('%s of %s: Keystone unavailable or refusing (%s); retried every '
                        '%.0f s', self.what, self.host, error, self.interval())
        else:
            LOG.debug('%s of %s failed again: %s', self.what, self.host, error)
        self._failing = str(error)

    def keystone_back(self) -> None:
        """Keystone answered this pass: say so once if it had failed."""
        if self._failing is not None:
            LOG.info('%s of %s: Keystone answers again', self.what, self.host)
            self._failing = None
