"""Heartbeats from several threads at once on MariaDB and PostgreSQL."""
import threading

import pytest

from magnum_like.db import api as db
from tests.fixtures import database


@pytest.fixture(params=['mysql', 'postgresql'])
def server_db(request):
    url = database.provision_database(request.param)
    try:
        database.use_database(url)
        yield url
    finally:
        database.reset_database_config()
        database.drop_database(url)


@pytest.mark.parametrize('threads', [2, 8])
def test_concurrent_first_reports_make_one_row(server_db, threads):
    barrier = threading.Barrier(threads)
    errors = []

    def report():
        try:
            barrier.wait(timeout=10)
            db.report_magnum_service('racing-host', 'magnum-conductor')
        except Exception as error:  # reported below
            errors.append(error)

    workers = [threading.Thread(target=report) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors
    rows = db.get_magnum_service_list()
    assert len(rows) == 1
    assert rows[0].report_count == threads
