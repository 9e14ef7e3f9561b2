"""A database outage: every request answers 503 with Retry-After, one log line each way.

The database is a private MariaDB (``tests/fixtures/private_mariadb.py``: its own
datadir and port) that the test stops and starts again; the API is the real app
served by cheroot in-process.
"""
from __future__ import annotations

import logging
import time

import pytest
import requests

from tests.fixtures import api as api_fixture
from tests.fixtures import database
from tests.fixtures import private_mariadb

CT = '/v1/clustertemplates'
TEMPLATE = {'name': 'k8s', 'coe': 'kubernetes', 'image_id': 'fedora-atomic-latest',
            'cluster_distro': 'fedora-atomic'}
#: Seconds the API may take to answer 200 again once the server is back.
RECOVERY_TIMEOUT = 60


@pytest.fixture
def private_db():
    server = private_mariadb.PrivateMariaDB()
    try:
        server.start()
        url = server.create_database('mlt_outage')
        database.use_database(url)
        yield server, url
    finally:
        database.reset_database_config()
        server.cleanup()


@pytest.fixture
def api(private_db):
    server = api_fixture.ApiServer(
        private_db[1], overrides={('cluster_template', 'validate_cloud_resources'): False})
    server.start()
    yield server
    server.stop()


def _messages(caplog, text: str) -> list:
    return [r for r in caplog.records if text in r.getMessage()]


def test_outage_is_503_with_retry_after_and_logged_once(private_db, api, caplog):
    db_server = private_db[0]
    client = api.client()
    created = client.post(CT, TEMPLATE)
    assert created.status_code == 201, created.text
    caplog.set_level(logging.INFO)
    caplog.clear()

    db_server.stop()
    requests_during_outage = [
        ('GET', CT, None), ('GET', CT + '/' + created.json()['uuid'], None),
        ('POST', CT, dict(TEMPLATE, name='other')), ('GET', '/v1/clusters', None),
        ('DELETE', CT + '/k8s', None), ('GET', '/v1/quotas', None),
    ] * 3
    for method, path, body in requests_during_outage:
        resp = client.request(method, path, json_body=body)
        assert resp.status_code == 503, (method, path, resp.status_code, resp.text)
        assert int(resp.headers['Retry-After']) > 0
        title = api_fixture.error_title(resp)   # the OpenStack error body, request_id and all
        assert 'database' in title.lower(), title
        assert resp.json()['errors'][0]['request_id'].startswith('req-')
    assert len(_messages(caplog, 'database is unreachable')) == 1
    noisy = [r for r in caplog.records if r.exc_info or (
        r.levelno >= logging.WARNING and 'database is unreachable' not in r.getMessage())]
    assert not noisy, [r.getMessage()[:200] for r in noisy[:3]]

    db_server.start()
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while True:
        resp = client.get(CT)
        if resp.status_code == 200:
            break
        assert resp.status_code == 503, resp.text
        assert time.monotonic() < deadline, 'the API did not recover'
        time.sleep(0.2)
    assert [t['name'] for t in resp.json()['clustertemplates']] == ['k8s']
    assert len(_messages(caplog, 'database is reachable again')) == 1
    assert len(_messages(caplog, 'database is unreachable')) == 1
    assert client.post(CT, dict(TEMPLATE, name='after')).status_code == 201
    assert requests.get(api.url + '/', timeout=10).status_code == 200
