"""Service heartbeats and service rows in the DB API."""
import datetime
import threading

import pytest

from magnum_like.common import exception
from magnum_like.db import api as db


def test_first_report_creates_the_row(sqlite_db):
    assert db.get_magnum_service_by_host_and_binary('h1', 'magnum-conductor') is None
    service = db.report_magnum_service('h1', 'magnum-conductor')
    assert (service.host, service.binary, service.report_count) == ('h1', 'magnum-conductor', 1)
    assert service.disabled is False and service.forced_down is False
    assert isinstance(service.last_seen_up, datetime.datetime)


def test_next_reports_increment(sqlite_db):
    first = db.report_magnum_service('h1', 'magnum-conductor')
    again = db.report_magnum_service('h1', 'magnum-conductor')
    third = db.report_magnum_service('h1', 'magnum-conductor')
    assert third.id == again.id == first.id
    assert third.report_count == 3
    assert third.last_seen_up >= first.last_seen_up
    stored = db.get_magnum_service_by_host_and_binary('h1', 'magnum-conductor')
    assert stored.report_count == 3


def test_rows_per_host_and_binary(sqlite_db):
    db.report_magnum_service('h1', 'magnum-conductor')
    db.report_magnum_service('h2', 'magnum-conductor')
    db.report_magnum_service('h1', 'magnum-api')
    assert len(db.get_magnum_service_list()) == 3


def test_threads_on_sqlite_count_every_report(sqlite_db):
    def report():
        for _ in range(5):
            db.report_magnum_service('h', 'b')

    workers = [threading.Thread(target=report) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert db.get_magnum_service_by_host_and_binary('h', 'b').report_count == 15


def test_list_pagination_and_filter(sqlite_db):
    made = [db.report_magnum_service('h%d' % i, 'magnum-conductor') for i in range(5)]
    db.update_magnum_service(made[1].id, {'disabled': True, 'disabled_reason': 'maint'})
    page = db.get_magnum_service_list(limit=2)
    assert [s.id for s in page] == [made[0].id, made[1].id]
    page = db.get_magnum_service_list(limit=2, marker=page[-1].id)
    assert [s.id for s in page] == [made[2].id, made[3].id]
    assert [s.host for s in db.get_magnum_service_list(disabled=True)] == ['h1']
    desc = db.get_magnum_service_list(sort_key='host', sort_dir='desc')
    assert [s.host for s in desc] == ['h4', 'h3', 'h2', 'h1', 'h0']
    with pytest.raises(exception.InvalidParameterValue):
        db.get_magnum_service_list(marker=999)
    with pytest.raises(exception.InvalidParameterValue):
        db.get_magnum_service_list(marker='abc')
    with pytest.raises(exception.InvalidSortKey):
        db.get_magnum_service_list(sort_key='nope')


def test_update_and_destroy(sqlite_db):
    service = db.report_magnum_service('h', 'b')
    updated = db.update_magnum_service(service.id, {'forced_down': True})
    assert updated.forced_down is True
    db.destroy_magnum_service(service.id)
    assert db.get_magnum_service_by_host_and_binary('h', 'b') is None
    with pytest.raises(exception.MagnumServiceNotFound):
        db.update_magnum_service(service.id, {'disabled': True})
    with pytest.raises(exception.MagnumServiceNotFound):
        db.destroy_magnum_service(service.id)
