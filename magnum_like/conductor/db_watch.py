"""Whether this process reaches its database: said once when it goes, once when it is back.

Every periodic task of a conductor (the heartbeat each second, the tracking
pass, the work it hands to its pool, Heat's events, RPC casts) reads or
writes the database. While the database is down each of them fails each
time; logged with a traceback, a 15-second outage was thousands of ERROR
lines per conductor, and the one line that mattered drowned. The database
layer (``magnum_like.db.sqlalchemy_utils``) logs one WARNING per process when
it goes and one when it is back; here a failure that is the database being
unreachable marks the process ``down`` (DEBUG only, no traceback) so the
periodic tasks skip quietly, and the first success afterwards (the heartbeat
tries every interval) clears it. Nothing is lost while
down: every intent is in the database, and the tracking pass that runs
once it is back carries it out.

Other errors are none of this module's business: callers log them as before.
"""
from __future__ import annotations

import threading
import time

from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy as sa

LOG = logging.getLogger(__name__)

#: MySQL/MariaDB client errors that mean "no server": can't connect (local,
#: TCP), server gone away, lost connection during query, lost at handshake.
_MYSQL_UNREACHABLE = {2002, 2003, 2006, 2013, 2055}
#: How many wrapped exceptions are looked at, at most.
_CHAIN_DEPTH = 16


def _causes(error: BaseException) -> list[BaseException]:
    """What ``error`` wraps: Python's chain, SQLAlchemy's ``orig``, oslo.db's ``inner_exception``."""
    found = [error.__cause__, error.__context__, getattr(error, 'orig', None),
             getattr(error, 'inner_exception', None)]
    return [e for e in found if isinstance(e, BaseException)]


def is_unreachable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached (not a bad query)."""
    pending, seen = [error], 0
    while pending and seen < _CHAIN_DEPTH:
        current = pending.pop(0)
        seen += 1
        if isinstance(current, db_exc.DBConnectionError):
            return True
        if isinstance(current, sa.exc.DBAPIError) and current.connection_invalidated:
            return True
        args = getattr(current, 'args', ())
        if (type(current).__name__ == 'OperationalError' and args
                and isinstance(args[0], int) and args[0] in _MYSQL_UNREACHABLE):
            return True
        pending.extend(_causes(current))
    return False


class DatabaseWatch:
    """The database's reachability as this process sees it (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self.outages = 0

    @property
    def down(self) -> bool:
        """Whether the last database access of this process found it unreachable."""
        return self._down_since is not None

    def failed(self, error: BaseException, what: str) -> bool:
        """Report a failure of ``what``; True if it was the database being unreachable
        (the database layer logs the outage once per process,
        ``magnum_like.db.sqlalchemy_utils``; here it is only DEBUG)."""
        if not is_unreachable(error):
            return False
        with self._lock:
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
                self.outages += 1
        LOG.debug('Database %s (%s)', 'unreachable' if first else 'still unreachable', what)
        return True

    def succeeded(self) -> None:
        """Report a database access that worked: logs once if it was down."""
        if self._down_since is None:
            return
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            LOG.debug('Database reachable again after %.0f s', time.monotonic() - since)


#: The process's one watch.
WATCH = DatabaseWatch()
