"""Fixtures of the API functional tests: the API over real HTTP on each database.

* ``api_server`` (module): ``setup_app()`` served by cheroot on ``db_backend``
  (sqlite, mysql, postgresql), noauth, cloud-resource checks off.
* ``cloud`` (module): the simulator (see
  ``tests/fixtures/cloud.py``); ``cloud_checks`` turns the API's cloud checks
  on, pointed at it, for one test.
* ``clean_db``: empties the template, cluster and federation tables before a test.
* ``admin``/``member``/``other``/``reader`` come from ``tests/functional/conftest.py``.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from magnum_like.db import api as db_api
from tests.fixtures import api as api_fixture
from tests.fixtures import cloud as cloud_fixture

TABLES = ('nodegroup', 'cluster', 'cluster_template', 'federation')


@pytest.fixture(scope='module')
def api_server(db_backend):
    server = api_fixture.ApiServer(
        db_backend, overrides={('cluster_template', 'validate_cloud_resources'): False})
    server.start()
    yield server
    server.stop()


def row_counts() -> dict:
    """Rows per table of interest in the database the API uses."""
    with db_api.get_engine().connect() as connection:
        return {t: connection.execute(sa.text('SELECT COUNT(*) FROM %s' % t)).scalar()
                for t in TABLES}


def clear_tables() -> None:
    with db_api.get_engine().begin() as connection:
        for table in TABLES:
            connection.execute(sa.text('DELETE FROM %s' % table))


@pytest.fixture
def clean_db(api_server):
    clear_tables()
    yield


@pytest.fixture(scope='module')
def cloud():
    sim = cloud_fixture.start_cloud()
    yield sim
    sim.stop()


@pytest.fixture
def cloud_checks(api_server, cloud):
    """Turn the API's cloud-resource checks on, pointed at ``cloud``, for one test."""
    overrides = cloud_fixture.endpoint_overrides(cloud.url)
    for (group, name), value in overrides.items():
        api_fixture.CONF.set_override(name, value, group=group)
    yield cloud
    for (group, name) in overrides:
        api_fixture.CONF.clear_override(name, group=group)
    api_fixture.CONF.set_override('validate_cloud_resources', False, group='cluster_template')
