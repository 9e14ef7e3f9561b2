"""Lists stay correct while clusters are being deleted (issue: 400 on master_count 0).

A conductor ends a delete by removing the cluster row and its node groups in one
transaction (``db.destroy_cluster``); a page of clusters must never pair a row
with node-group counts read after that commit.
"""
from __future__ import annotations

import threading

import pytest

from magnum_like.db import api as db_api
from tests.functional.clusters.helpers import CL, create, finish

pytestmark = pytest.mark.usefixtures('clean_db')

CLUSTERS = 30
READERS = 4


def test_lists_answer_during_concurrent_deletes(admin, member, template):
    assert admin.post('/v1/quotas', {'project_id': 'project-a', 'resource': 'Cluster',
                                     'hard_limit': CLUSTERS}).status_code == 201
    uuids = [create(member, template, name='c%d' % i) for i in range(CLUSTERS)]
    for uuid in uuids:
        finish(uuid)
        assert member.delete(CL + '/' + uuid).status_code == 204
    done = threading.Event()
    failures: list = []
    answered = []

    def destroy_all():
        try:
            for uuid in uuids:
                db_api.destroy_cluster(uuid)   # what the conductor does when Heat is done
        finally:
            done.set()

    def list_until_done(path):
        client = admin.__class__(admin.base_url)
        while not done.is_set():
            resp = client.get(path)
            answered.append(path)
            if resp.status_code != 200:
                failures.append((path, resp.status_code, resp.text[:300]))
                continue
            for cluster in resp.json()['clusters']:
                if (cluster['master_count'], cluster['node_count']) != (1, 1):
                    failures.append((path, cluster['uuid'], cluster['master_count'],
                                     cluster['node_count']))

    readers = [threading.Thread(target=list_until_done, args=(path,))
               for path in (CL, CL + '/detail') * (READERS // 2)]
    for thread in readers:
        thread.start()
    destroy_all()
    for thread in readers:
        thread.join(60)
    assert answered
    assert not failures, failures[:5]
    assert admin.get(CL).json()['clusters'] == []
