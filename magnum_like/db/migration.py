"""Schema migrations: thin wrappers around alembic, configured in code.

The alembic ``Config`` is built here rather than read from an ``alembic.ini``:
``script_location`` is the installed ``magnum_like.db.migrations`` package and
the database is ``[database] connection``.
"""
from __future__ import annotations

import importlib

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script
from oslo_log import log as logging
import sqlalchemy as sa

from magnum_like import conf
from magnum_like.db import sqlalchemy_utils

CONF = conf.CONF
LOG = logging.getLogger(__name__)


def script_location() -> str:
    """The directory holding ``env.py`` and ``versions/``."""
    package = importlib.import_module('magnum_like.db.migrations')
    return list(package.__path__)[0]


def _url(url: str | None) -> str:
    url = url or CONF.database.connection
    sqlalchemy_utils.ensure_sqlite_directory(url)
    return url


def get_config(url: str | None = None) -> alembic_config.Config:
    """An alembic ``Config`` for our migrations and the given (or configured) database."""
    config = alembic_config.Config()
    config.set_main_option('script_location', script_location())
    # ConfigParser interpolation: a '%' in a password must be doubled.
    config.set_main_option('sqlalchemy.url', _url(url).replace('%', '%%'))
    return config


def upgrade(revision: str = 'head', *, url: str | None = None) -> None:
    """Migrate the database forward to ``revision`` (default: the newest)."""
    LOG.info('Upgrading database to %s', revision)
    alembic_command.upgrade(get_config(url), revision or 'head')


def stamp(revision: str, *, url: str | None = None) -> None:
    """Record ``revision`` as current without running any migration."""
    alembic_command.stamp(get_config(url), revision)


def revision(message: str, *, autogenerate: bool = False, url: str | None = None) -> None:
    """Write a new migration script into ``versions/``.

    :param autogenerate: diff the models against the (upgraded) database.
    """
    alembic_command.revision(get_config(url), message=message, autogenerate=autogenerate)


def version(*, url: str | None = None) -> str | None:
    """The database's current revision, or ``None`` if it has never been migrated."""
    engine = sa.create_engine(_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return alembic_migration.MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    """The newest revision the code knows about."""
    return alembic_script.ScriptDirectory.from_config(get_config('sqlite://')).get_current_head()
