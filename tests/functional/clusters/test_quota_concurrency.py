"""Concurrent creates cannot pass the quota (the counter update is atomic)."""
from __future__ import annotations

import concurrent.futures
import threading

import pytest

from magnum_like.db import api as db_api
from tests.functional.clusters.helpers import CL

pytestmark = pytest.mark.usefixtures('clean_db')

THREADS = 20
LIMIT = 5


def test_twenty_concurrent_creates_limit_five(request, db_backend, member, template):
    if db_backend.startswith('sqlite'):
        pytest.skip('SQLite serialises writers with a file lock; MariaDB/PostgreSQL race')
    db_api.create_quota({'project_id': 'project-a', 'resource': 'Cluster',
                         'hard_limit': LIMIT})
    barrier = threading.Barrier(THREADS)

    def one(i):
        barrier.wait()
        return member.__class__(member.base_url, ('project-a', 'user-a', 'member,reader')).post(
            CL, {'cluster_template_id': template.uuid, 'name': 'c%d' % i}).status_code

    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        codes = list(pool.map(one, range(THREADS)))
    assert sorted(codes) == [202] * LIMIT + [403] * (THREADS - LIMIT), codes
    assert len(member.get(CL).json()['clusters']) == LIMIT
    assert db_api.get_quota_usage('project-a') == LIMIT
