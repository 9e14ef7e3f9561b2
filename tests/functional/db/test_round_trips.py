"""What a request's read and write cost the database server, statement by statement.

On MariaDB and PostgreSQL (where each statement is a round trip): a read is the
query and one ROLLBACK, with the pool's liveness ping before them only when the
connection sat idle for over a second; a write ends with its COMMIT and nothing
after it (the pool does not roll back a connection whose transaction has
already ended).
"""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from magnum_like.common import context as ml_context
from magnum_like.db import api as db_api
from magnum_like.db import sqlalchemy_utils
from tests.fixtures import database


@pytest.fixture(params=['mysql', 'postgresql'])
def statements(request):
    url = database.provision_database(request.param)
    try:
        database.use_database(url)
        engine = sqlalchemy_utils.get_engine()
        seen: list[str] = []
        sa.event.listen(engine, 'before_cursor_execute',
                        lambda conn, cursor, statement, *args: seen.append(
                            statement.split()[0].upper()))
        dialect = engine.dialect
        for name, word in (('do_rollback', 'ROLLBACK'), ('do_commit', 'COMMIT'),
                           ('do_ping', 'PING')):
            original = getattr(dialect, name)

            def spy(dbapi_connection, _original=original, _word=word):
                seen.append(_word)
                return _original(dbapi_connection)
            setattr(dialect, name, spy)
        yield seen
    finally:
        database.reset_database_config()
        database.drop_database(url)


def test_a_read_and_a_write_end_their_transaction_once(statements):
    ctx = ml_context.RequestContext(project_id='p', user_id='u')
    db_api.get_cluster_list(ctx)        # the pool's first connection
    statements.clear()
    assert db_api.get_cluster_list(ctx) == []
    assert statements == ['SELECT', 'ROLLBACK']
    statements.clear()
    db_api.create_cluster_template({'uuid': str(uuid.uuid4()), 'name': 't', 'coe': 'kubernetes',
                                    'image_id': 'img', 'project_id': 'p', 'user_id': 'u'})
    assert statements[0] != 'PING' and statements[-1] == 'COMMIT'
    assert 'ROLLBACK' not in statements


def test_a_connection_idle_for_a_while_is_pinged_first(statements, monkeypatch):
    ctx = ml_context.RequestContext(project_id='p', user_id='u')
    db_api.get_cluster_list(ctx)
    monkeypatch.setattr(sqlalchemy_utils, 'PING_AFTER_IDLE_SECONDS', 0.0)
    statements.clear()
    assert db_api.get_cluster_list(ctx) == []
    assert statements == ['PING', 'SELECT', 'ROLLBACK']


def _kill_pooled_connection() -> None:
    """Make the server drop the pool's one idle connection (as a restart would)."""
    engine = sqlalchemy_utils.get_engine()
    postgres = engine.dialect.name == 'postgresql'
    with engine.connect() as conn:
        own = conn.exec_driver_sql(
            'SELECT pg_backend_pid()' if postgres else 'SELECT CONNECTION_ID()').scalar()
    killer = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with killer.connect() as conn:
        conn.exec_driver_sql(('SELECT pg_terminate_backend(%d)' if postgres else 'KILL %d') % own)
    killer.dispose()


def test_a_dead_idle_connection_is_replaced_without_an_error(statements, monkeypatch):
    ctx = ml_context.RequestContext(project_id='p', user_id='u')
    db_api.get_cluster_list(ctx)
    _kill_pooled_connection()
    monkeypatch.setattr(sqlalchemy_utils, 'PING_AFTER_IDLE_SECONDS', 0.0)
    assert db_api.get_cluster_list(ctx) == []


def test_a_connection_that_died_just_after_use_costs_one_503(statements):
    ctx = ml_context.RequestContext(project_id='p', user_id='u')
    db_api.get_cluster_list(ctx)
    _kill_pooled_connection()
    with pytest.raises(sqlalchemy_utils.DatabaseUnavailable):
        db_api.get_cluster_list(ctx)
    assert db_api.get_cluster_list(ctx) == []
