"""Alembic environment: runs migrations on the connection ``magnum_like.db.migration`` hands over.

Used through ``magnum-like-db-manage`` (``magnum_like/db/migration.py``), which
builds the alembic ``Config`` in code: either ``config.attributes['connection']``
is an open connection, or ``sqlalchemy.url`` names the database.
"""
from alembic import context
import sqlalchemy as sa

from magnum_like.db import models

config = context.config
target_metadata = models.Base.metadata


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render JSON columns as the Text they are stored as, so scripts need no model import."""
    if type_ == 'type' and isinstance(obj, models.JSONEncoded):
        return 'sa.Text()'
    return False


def _configure(connection: sa.engine.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
        # SQLite cannot ALTER most things: later migrations use batch mode there.
        render_as_batch=connection.dialect.name == 'sqlite',
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``--sql``) instead of running it."""
    context.configure(url=config.get_main_option('sqlalchemy.url'),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run on the caller's connection, or on a new engine for ``sqlalchemy.url``."""
    connection = config.attributes.get('connection')
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(config.get_main_option('sqlalchemy.url'), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
