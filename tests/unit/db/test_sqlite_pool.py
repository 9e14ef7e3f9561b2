"""The SQLite pool swap (``db/sqlalchemy_utils.py: _pool_sqlite_file``) is pinned
to SQLAlchemy and oslo.db.

oslo.db gives a file SQLite database a ``NullPool``; the service swaps it for
a ``QueuePool`` built from the old pool's private attributes (``_creator``,
``_recycle``, ``_orig_logging_name``, ``_reset_on_return``, ``_pre_ping``,
``_dialect``, and ``dispatch`` so the connect listeners stay). These tests
fail when a library release renames one of them, when oslo.db stops handing
out a NullPool (the swap would silently do nothing), or when the new pool
loses the connection set-up (busy timeout, WAL, ``BEGIN IMMEDIATE``).
"""
from __future__ import annotations

import threading

import sqlalchemy as sa
from oslo_db.sqlalchemy import enginefacade

from magnum_like.db import sqlalchemy_utils as db_utils

PRIVATE = ('_creator', '_recycle', '_orig_logging_name', '_reset_on_return', '_pre_ping',
           '_dialect')


def test_oslo_db_still_gives_file_sqlite_a_nullpool_with_those_attributes(tmp_path):
    context = enginefacade.transaction_context()
    context.configure(connection='sqlite:///%s' % (tmp_path / 'plain.db'))
    pool = context.writer.get_engine().pool
    try:
        assert isinstance(pool, sa.pool.NullPool)
        for name in PRIVATE:
            assert hasattr(pool, name), name
    finally:
        context.dispose_pool()


def test_file_database_gets_a_queue_pool_that_sets_connections_up(tmp_path):
    db_utils.configure('sqlite:///%s' % (tmp_path / 'pooled.db'))
    try:
        engine = db_utils.get_engine()
        pool = engine.pool
        assert isinstance(pool, sa.pool.QueuePool)
        assert pool.size() == db_utils.SQLITE_POOL_SIZE
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            # The connect listener (oslo.db's and ours) still runs on pooled connections.
            assert raw.execute('PRAGMA busy_timeout').fetchone()[0] == \
                db_utils.SQLITE_BUSY_TIMEOUT_MS
            assert raw.execute('PRAGMA journal_mode').fetchone()[0].lower() == 'wal'
        # Connections come back to the pool and are reused, from any thread.
        first = []

        def use() -> None:
            with db_utils.writer() as session:
                session.execute(sa.text('CREATE TABLE IF NOT EXISTS t (x INTEGER)'))
                session.execute(sa.text('INSERT INTO t VALUES (1)'))
            with db_utils.reader() as session:
                first.append(session.execute(sa.text('SELECT count(*) FROM t')).scalar())
        threads = [threading.Thread(target=use) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(first)[-1] == 4
        assert pool.checkedin() >= 1
        assert pool.checkedout() == 0
    finally:
        db_utils.reset_engine()
