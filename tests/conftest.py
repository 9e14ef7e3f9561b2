"""Shared pytest fixtures. Database ones come from ``tests/fixtures/database.py``.

* ``sqlite_db`` (function): a private copy of a SQLite file migrated once per
  session; the DB API points at it for the test.
* ``db_backend`` (module, parametrized sqlite/mysql/postgresql): a freshly
  provisioned and migrated database URL, dropped after the module.
* ``rabbit_vhost`` (function): a RabbitMQ vhost of the test's own, see
  ``tests/fixtures/rabbitmq.py``.

Every test starts with the API's cloud look-up cache (``[api] cloud_cache_ttl``)
empty: an in-process API must not answer from what an earlier test looked up
in another cloud, or before a test broke the cloud on purpose.
"""
import os
import shutil
import tempfile

import pytest

from tests.fixtures import database
from tests.fixtures.rabbitmq import rabbit_vhost  # noqa: F401 - a fixture for every test


@pytest.fixture(autouse=True)
def _empty_cloud_cache():
    from magnum_like.common import cloud
    cloud.CACHE.clear()
    yield


@pytest.fixture(scope='session')
def _migrated_sqlite_template():
    """A SQLite file upgraded to head through the real migrations, built once."""
    url = database.provision_database('sqlite')
    database.use_database(url)
    path = url[len('sqlite:///'):]
    yield path
    database.drop_database(url)


@pytest.fixture
def sqlite_db(_migrated_sqlite_template):
    """A migrated SQLite database private to the test; yields its URL."""
    directory = tempfile.mkdtemp(prefix='mlt_')
    path = os.path.join(directory, 'test.sqlite')
    shutil.copyfile(_migrated_sqlite_template, path)
    url = 'sqlite:///' + path
    database.use_database(url, migrate=False)
    yield url
    database.reset_database_config()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope='module', params=database.BACKENDS)
def db_backend(request):
    """A migrated database on each backend for the test module; yields its URL."""
    url = database.provision_database(request.param)
    try:
        database.use_database(url)
        yield url
    finally:
        database.reset_database_config()
        database.drop_database(url)
