"""What a request's read and write cost the database server, statement by statement.

Each statement is a round trip. On MariaDB a read is its query alone (the
connection is in autocommit mode; no ROLLBACK follows), on PostgreSQL the query
and one ROLLBACK; either way the pool's liveness ping comes first only when the
connection sat idle for over a second. A write is BEGIN (MariaDB), its
statements and COMMIT, and nothing after it (the pool does not roll back a
connection whose transaction has already ended); a one-row INSERT on MariaDB is
the INSERT alone. On MariaDB what PyMySQL sends
is counted; on PostgreSQL the statements SQLAlchemy executes and the dialect's
commit, rollback and ping.
"""
from __future__ import annotations

import uuid

import pymysql
import pytest
import sqlalchemy as sa

from magnum_like.common import context as ml_context
from magnum_like.db import api as db_api
from magnum_like.db import sqlalchemy_utils
from tests.fixtures import database


def _spy_pymysql(monkeypatch, seen: list[str]) -> None:
    """Record every command PyMySQL sends: a query's first word, or PING."""
    original = pymysql.connections.Connection._execute_command

    def spy(self, command, sql):
        if command == pymysql.constants.COMMAND.COM_PING:
            seen.append('PING')
        elif command == pymysql.constants.COMMAND.COM_QUERY:
            text = sql.decode() if isinstance(sql, bytes) else sql
            seen.append(text.split()[0].upper())
        return original(self, command, sql)
    monkeypatch.setattr(pymysql.connections.Connection, '_execute_command', spy)


def _spy_dialect(engine: sa.engine.Engine, seen: list[str]) -> None:
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


@pytest.fixture(params=['mysql', 'postgresql'])
def statements(request, monkeypatch):
    url = database.provision_database(request.param)
    try:
        database.use_database(url)
        engine = sqlalchemy_utils.get_engine()
        seen: list[str] = []
        if request.param == 'mysql':
            _spy_pymysql(monkeypatch, seen)
        else:
            _spy_dialect(engine, seen)
        yield seen
    finally:
        database.reset_database_config()
        database.drop_database(url)


def _mysql() -> bool:
    return sqlalchemy_utils.get_engine().dialect.name != 'postgresql'


def test_a_read_and_a_write_end_their_transaction_once(statements):
    ctx = ml_context.RequestContext(project_id='p', user_id='u')
    db_api.get_cluster_list(ctx)        # the pool's first connection
    statements.clear()
    assert db_api.get_cluster_list(ctx) == []
    assert statements == (['SELECT'] if _mysql() else ['SELECT', 'ROLLBACK'])
    made = template_uuid()
    statements.clear()
    db_api.update_cluster_template(made, {'name': 'renamed'})
    assert statements[0] == ('BEGIN' if _mysql() else 'SELECT')
    assert statements[-1] == 'COMMIT'
    assert 'ROLLBACK' not in statements and 'PING' not in statements


def template_uuid() -> str:
    """A new template's uuid (made before the statements that count)."""
    made = str(uuid.uuid4())
    db_api.create_cluster_template({'uuid': made, 'name': 't', 'coe': 'kubernetes',
                                    'image_id': 'img', 'project_id': 'p', 'user_id': 'u'})
    return made


def test_a_one_row_insert_is_one_statement(statements):
    db_api.get_cluster_list(ml_context.RequestContext(project_id='p', user_id='u'))
    statements.clear()
    made = template_uuid()
    assert statements == (['INSERT'] if _mysql() else ['INSERT', 'COMMIT'])
    statements.clear()
    with pytest.raises(Exception):
        db_api.create_cluster_template({'uuid': made, 'name': 'again'})   # the same uuid
    assert statements == (['INSERT'] if _mysql() else ['INSERT', 'ROLLBACK'])
    ctx = ml_context.RequestContext(project_id='p', user_id='u')
    assert [t.name for t in db_api.get_cluster_template_list(ctx)] == ['t']


def test_a_failed_write_is_rolled_back(statements):
    made = template_uuid()
    statements.clear()
    with pytest.raises(Exception):
        with sqlalchemy_utils.writer() as session:
            session.execute(sa.text("UPDATE cluster_template SET name = 'changed'"))
            session.execute(sa.text("INSERT INTO cluster_template (uuid, name) "
                                    "VALUES (:uuid, 'dup')"), {'uuid': made})
    assert statements[-1] == 'ROLLBACK'
    ctx = ml_context.RequestContext(project_id='p', user_id='u')
    assert [t.name for t in db_api.get_cluster_template_list(ctx)] == ['t']


def test_a_one_statement_writer_refuses_a_second(statements):
    with pytest.raises(RuntimeError, match='second statement'):
        with sqlalchemy_utils.writer(one_statement=True) as session:
            session.execute(sa.text('SELECT 1'))
            session.execute(sa.text('SELECT 2'))
    statements.clear()
    assert db_api.get_cluster_list(ml_context.RequestContext(project_id='p')) == []


def test_writes_stay_atomic(statements):
    """A transaction that fails after its first write leaves nothing."""
    engine = sqlalchemy_utils.get_engine()
    with pytest.raises(RuntimeError):
        with sqlalchemy_utils.writer() as session:
            session.execute(sa.text("INSERT INTO cluster_template (uuid, name) "
                                    "VALUES ('a1', 'half')"))
            raise RuntimeError('fails before its commit')
    with engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT COUNT(*) FROM cluster_template WHERE name = 'half'").scalar() == 0


def test_a_connection_idle_for_a_while_is_pinged_first(statements, monkeypatch):
    ctx = ml_context.RequestContext(project_id='p', user_id='u')
    db_api.get_cluster_list(ctx)
    monkeypatch.setattr(sqlalchemy_utils, 'PING_AFTER_IDLE_SECONDS', 0.0)
    statements.clear()
    assert db_api.get_cluster_list(ctx) == []
    assert statements == (['PING', 'SELECT'] if _mysql()
                          else ['PING', 'SELECT', 'ROLLBACK'])


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
