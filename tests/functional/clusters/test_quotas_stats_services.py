"""``/v1/quotas``, ``/v1/stats`` and ``/v1/mservices``."""
from __future__ import annotations

import datetime

from oslo_utils import timeutils
import pytest

from magnum_like import conf as ml_conf
from magnum_like.db import api as db_api
from tests.functional.clusters.helpers import CL, assert_error, create, set_nodegroups

CONF = ml_conf.CONF
Q = '/v1/quotas'
pytestmark = pytest.mark.usefixtures('clean_db')


def test_quota_crud(admin, member):
    resp = admin.post(Q, {'project_id': 'project-a', 'resource': 'Cluster', 'hard_limit': 3})
    assert resp.status_code == 201, resp.text
    doc = resp.json()
    assert (doc['project_id'], doc['resource'], doc['hard_limit']) == ('project-a', 'Cluster', 3)
    assert isinstance(doc['id'], int)
    assert_error(admin.post(Q, {'project_id': 'project-a', 'resource': 'Cluster'}), 409)
    assert member.get(Q + '/project-a/Cluster').json()['hard_limit'] == 3
    resp = admin.patch(Q + '/project-a/Cluster', {'hard_limit': 5})
    assert resp.status_code == 202 and resp.json()['hard_limit'] == 5
    assert admin.delete(Q + '/project-a/Cluster').status_code == 204
    assert_error(admin.delete(Q + '/project-a/Cluster'), 404)
    assert_error(admin.patch(Q + '/project-a/Cluster', {'hard_limit': 1}), 404)


def test_quota_patch_with_the_whole_object(admin):
    # Horizon's magnum-ui edits a quota by sending back what it read.
    doc = admin.post(Q, {'project_id': 'project-a', 'resource': 'Cluster',
                         'hard_limit': 3}).json()
    body = {'id': doc['id'], 'project_id': 'project-a', 'resource': 'Cluster', 'hard_limit': 7}
    resp = admin.patch(Q + '/project-a/Cluster', body)
    assert resp.status_code == 202, resp.text
    assert (resp.json()['id'], resp.json()['hard_limit']) == (doc['id'], 7)
    # An id in a create is ignored too.
    resp = admin.post(Q, {'id': 999, 'project_id': 'project-b', 'resource': 'Cluster'})
    assert resp.status_code == 201 and resp.json()['id'] != 999
    assert_error(admin.patch(Q + '/project-a/Cluster', dict(body, id=0)), 400, 'id')


def test_quota_default_synthesized(member):
    doc = member.get(Q + '/project-a/Cluster').json()
    assert doc['hard_limit'] == CONF.quotas.max_clusters_per_project
    assert doc['project_id'] == 'project-a'


def test_quota_create_default_limit_is_one(admin):
    assert admin.post(Q, {'project_id': 'p', 'resource': 'Cluster'}).json()['hard_limit'] == 1


@pytest.mark.parametrize('body, words', [
    ({'project_id': 'p', 'resource': 'Node'}, ['resource']),
    ({'project_id': 'p', 'resource': 'Cluster', 'hard_limit': -1}, ['hard_limit']),
    ({'project_id': 'p', 'resource': 'Cluster', 'hard_limit': 'x'}, ['hard_limit']),
    ({'resource': 'Cluster'}, ['project_id']),
    ({'project_id': 'p'}, ['resource']),
])
def test_quota_validation(admin, body, words):
    assert_error(admin.post(Q, body), 400, *words)


def test_quota_policy(admin, member, other):
    admin.post(Q, {'project_id': 'project-a', 'resource': 'Cluster', 'hard_limit': 3})
    assert_error(member.post(Q, {'project_id': 'project-a', 'resource': 'Cluster'}), 403)
    assert_error(member.patch(Q + '/project-a/Cluster', {'hard_limit': 9}), 403)
    assert_error(member.delete(Q + '/project-a/Cluster'), 403)
    assert_error(member.get(Q), 403)
    assert_error(other.get(Q + '/project-a/Cluster'), 403)


def test_quota_list_all_tenants(admin):
    for project in ('admin', 'p1', 'p2'):
        admin.post(Q, {'project_id': project, 'resource': 'Cluster', 'hard_limit': 2})
    assert [q['project_id'] for q in admin.get(Q).json()['quotas']] == ['admin']
    every = admin.get(Q + '?all_tenants=True').json()['quotas']
    assert sorted(q['project_id'] for q in every) == ['admin', 'p1', 'p2']
    page = admin.get(Q + '?all_tenants=True&limit=2').json()
    assert len(page['quotas']) == 2 and 'marker=%d' % page['quotas'][1]['id'] in page['next']
    assert len(admin.get(page['next']).json()['quotas']) == 1
    assert_error(admin.get(Q + '?all_tenants=perhaps'), 400)
    assert_error(admin.get(Q + '?marker=abc'), 400)


def test_stats(member, other, admin, template):
    create(member, template, node_count=2)
    uuid = create(member, template, node_count=1, master_count=3, master_lb_enabled=True)
    assert member.get('/v1/stats').json() == {'clusters': 2, 'nodes': 2 + 1 + 1 + 3}
    assert member.get('/v1/stats?project_id=project-a&type=cluster').json()['clusters'] == 2
    assert_error(member.get('/v1/stats?project_id=project-b'), 403)
    assert_error(member.get('/v1/stats?type=node'), 400, 'type')
    assert other.get('/v1/stats').json() == {'clusters': 0, 'nodes': 0}
    assert admin.get('/v1/stats').json()['clusters'] == 2
    assert admin.get('/v1/stats?project_id=project-b').json()['clusters'] == 0
    set_nodegroups(uuid, node_count=0)
    assert member.get('/v1/stats').json()['nodes'] == 3  # the other cluster's 2 + 1


def test_mservices_up_and_down(admin, member):
    db_api.report_magnum_service('conductor-1', 'magnum-conductor')
    down = db_api.report_magnum_service('conductor-2', 'magnum-conductor')
    stale = timeutils.utcnow() - datetime.timedelta(seconds=CONF.conductor.service_down_time + 5)
    db_api.update_magnum_service(down.id, {'last_seen_up': stale})
    docs = {d['host']: d for d in admin.get('/v1/mservices').json()['mservices']}
    assert docs['conductor-1']['state'] == 'up'
    assert docs['conductor-1']['binary'] == 'magnum-conductor'
    assert docs['conductor-2']['state'] == 'down'
    assert docs['conductor-2']['binary'] == 'magnum-conductor'
    assert docs['conductor-1']['report_count'] == 1
    assert set(docs['conductor-1']) >= {'id', 'host', 'binary', 'state', 'report_count',
                                        'disabled', 'disabled_reason', 'created_at',
                                        'updated_at'}
    assert_error(member.get('/v1/mservices'), 403)


def test_v1_document_links_clusters(admin):
    doc = admin.get('/v1').json()
    assert doc['clusters'][0]['href'].endswith('/v1/clusters')
    assert admin.get(CL).status_code == 200
