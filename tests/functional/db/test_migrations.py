"""The migrations on every backend: upgrade from empty, and no drift from the models."""
from alembic import autogenerate
from alembic import migration as alembic_migration
import sqlalchemy as sa

from magnum_like.db import migration
from magnum_like.db import models

EXPECTED_TABLES = {'cluster_template', 'cluster', 'nodegroup', 'x509keypair', 'quotas',
                   'quota_usages', 'federation', 'magnum_service', 'trustee_spares'}


def _engine(url):
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def test_upgrade_from_empty_reaches_head(db_backend):
    assert migration.version(url=db_backend) == migration.head()
    engine = _engine(db_backend)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert EXPECTED_TABLES | {'alembic_version'} == tables


def test_upgrade_is_idempotent(db_backend):
    migration.upgrade('head', url=db_backend)
    assert migration.version(url=db_backend) == migration.head()


def test_models_and_migrations_do_not_drift(db_backend):
    engine = _engine(db_backend)
    try:
        with engine.connect() as connection:
            context = alembic_migration.MigrationContext.configure(
                connection, opts={'compare_type': True, 'compare_server_default': True})
            diff = autogenerate.compare_metadata(context, models.Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_mysql_tables_are_innodb_utf8mb4(db_backend):
    if not db_backend.startswith('mysql'):
        return
    engine = _engine(db_backend)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                'SELECT table_name, engine, table_collation FROM information_schema.tables '
                'WHERE table_schema = DATABASE()').all()
    finally:
        engine.dispose()
    for name, engine_name, collation in rows:
        assert engine_name == 'InnoDB', name
        assert collation.startswith('utf8mb4'), name


def test_drift_check_detects_a_difference(db_backend):
    """The comparison above is not vacuous: a model change shows up."""
    metadata = sa.MetaData()
    for table in models.Base.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables['quotas'].append_column(sa.Column('extra', sa.String(10)))
    engine = _engine(db_backend)
    try:
        with engine.connect() as connection:
            context = alembic_migration.MigrationContext.configure(
                connection, opts={'compare_type': True})
            diff = autogenerate.compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert [d[0] for d in diff] == ['add_column']
