"""The database watch: which errors are an outage, and one line each way per outage."""
from __future__ import annotations

import logging

from oslo_db import exception as db_exc
import pymysql
import sqlalchemy as sa

from magnum_like.conductor import db_watch


def _refused() -> Exception:
    """What oslo.db raises when MariaDB is stopped (its chain, as seen for real)."""
    driver = pymysql.err.OperationalError(2003, "Can't connect to MySQL server")
    try:
        try:
            raise driver from ConnectionRefusedError(111, 'Connection refused')
        except pymysql.err.OperationalError as inner:
            raise db_exc.DBConnectionError(inner) from inner
    except db_exc.DBConnectionError as error:
        return error


def test_what_counts_as_unreachable():
    assert db_watch.is_unreachable(_refused())
    gone = sa.exc.OperationalError('SELECT 1', {}, pymysql.err.OperationalError(
        2013, 'Lost connection to MySQL server during query'))
    assert db_watch.is_unreachable(gone)
    try:
        try:
            raise gone
        except sa.exc.OperationalError:
            raise RuntimeError('wrapped')
    except RuntimeError as wrapped:
        assert db_watch.is_unreachable(wrapped)  # found through __context__
    # A bad query, a duplicate, anything else: not an outage.
    assert not db_watch.is_unreachable(db_exc.DBDuplicateEntry(['uuid']))
    assert not db_watch.is_unreachable(sa.exc.OperationalError(
        'SELECT', {}, pymysql.err.OperationalError(1054, "Unknown column 'x'")))
    assert not db_watch.is_unreachable(ValueError('no'))


def test_one_line_when_it_goes_and_one_when_it_is_back(caplog):
    watch = db_watch.DatabaseWatch()
    caplog.set_level(logging.DEBUG, logger=db_watch.LOG.logger.name)
    watch.succeeded()  # up and staying up: nothing to say
    for what in ['heartbeat'] * 50 + ['tracking pass'] * 50:
        try:
            raise _refused()
        except Exception as error:
            assert watch.failed(error, what)
    assert watch.down
    assert not watch.failed(ValueError('other'), 'x')  # not ours: the caller logs it
    for _ in range(5):
        watch.succeeded()
    assert not watch.down
    # The database layer logs the outage (once per process); the watch only at DEBUG.
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [r.getMessage().split(' (')[0] for r in caplog.records
            if 'still' not in r.getMessage()] == [
        'Database unreachable', 'Database reachable again after 0 s']
    assert not any(r.exc_info for r in caplog.records)  # no traceback
    assert watch.outages == 1
