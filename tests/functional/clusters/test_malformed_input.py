"""No 5xx for malformed input on the cluster, node-group, quota and stats routes."""
from __future__ import annotations

import pytest

from tests.functional.clusters.helpers import CL, create, finish

pytestmark = pytest.mark.usefixtures('clean_db')

BODIES = ['', 'not json', '[]', '"text"', '42', 'null', '{"a":', '[{"op": 1}]', '{}',
          '[1, 2]', '{"node_count": {"x": 1}}', '{"name": []}', '\xff\xfe']


@pytest.fixture
def paths(member, template):
    uuid = create(member, template)
    finish(uuid, api_address='https://10.0.0.1:6443')
    return [
        ('POST', CL), ('PATCH', CL + '/' + uuid), ('POST', CL + '/' + uuid + '/actions/resize'),
        ('POST', CL + '/' + uuid + '/actions/upgrade'),
        ('POST', CL + '/' + uuid + '/nodegroups'),
        ('PATCH', CL + '/' + uuid + '/nodegroups/default-worker'),
        ('POST', '/v1/quotas'), ('PATCH', '/v1/quotas/project-a/Cluster'),
    ]


def test_malformed_bodies_are_4xx(admin, paths):
    for method, path in paths:
        for body in BODIES:
            resp = admin.request(method, path, data=body.encode('utf-8', 'surrogateescape'))
            assert 400 <= resp.status_code < 500, (method, path, body, resp.status_code,
                                                   resp.text)


@pytest.mark.parametrize('query', [
    CL + '?limit=abc', CL + '?limit=-1', CL + '/detail?marker=%00', CL + '?sort_key=%27',
    CL + '/%20', CL + '/' + 'x' * 300, '/v1/stats?project_id=', '/v1/quotas?limit=x',
    '/v1/quotas/a', '/v1/quotas/a/b/c', CL + '/x/nodegroups?limit=0',
])
def test_malformed_queries_are_4xx(admin, member, template, query):
    resp = admin.get(query)
    assert resp.status_code < 500, (query, resp.status_code, resp.text)


@pytest.mark.parametrize('body, field', [
    ({'labels': {'min_node_count': '1001'}}, 'min_node_count'),
    ({'labels': {'max_node_count': str(10 ** 30)}}, 'max_node_count'),
    ({'node_count': 600, 'master_count': 401}, 'node_count'),
])
def test_cluster_size_is_bounded(member, template, body, field):
    """Node-count labels and the cluster's total are bounded by ``[cluster]
    max_nodes_per_cluster`` (issue 11 item 3); nothing is written."""
    resp = member.post(CL, dict({'cluster_template_id': template.uuid, 'name': 'big',
                                 'merge_labels': True}, **body))
    assert resp.status_code == 400, resp.text
    title = resp.json()['errors'][0]['title']
    assert field in title and '1000' in title and 'max_nodes_per_cluster' in title, title
    assert member.get(CL).json()['clusters'] == []


def test_resize_and_nodegroups_keep_the_cluster_total(member, template):
    uuid = create(member, template, node_count=500, master_count=1)
    finish(uuid, api_address='https://10.0.0.1:6443')
    resp = member.post(CL + '/' + uuid + '/nodegroups', {'name': 'more', 'node_count': 500})
    assert resp.status_code == 400 and '1001 nodes' in resp.text, resp.text
    resp = member.post(CL + '/' + uuid + '/actions/resize', {'node_count': 1000})
    assert resp.status_code == 400 and 'max_nodes_per_cluster' in resp.text, resp.text
    resp = member.patch(CL + '/' + uuid, [{'op': 'replace', 'path': '/node_count',
                                            'value': 1000}])
    assert resp.status_code == 400 and 'max_nodes_per_cluster' in resp.text, resp.text


@pytest.mark.parametrize('suffix, body, field', [
    ('/actions/resize', {'node_count': -1}, 'node_count'),
    ('/actions/resize', {'node_count': 'many'}, 'node_count'),
    ('/actions/upgrade', {'cluster_template': 'x', 'max_batch_size': 0}, 'max_batch_size'),
    ('/nodegroups', {'name': 'ng', 'node_count': -3}, 'node_count'),
    ('/nodegroups', {'name': 'ng', 'min_node_count': [1]}, 'min_node_count'),
    ('', {'cluster_template_id': 'x', 'master_count': 'two'}, 'master_count'),
    ('', {'cluster_template_id': 'x', 'create_timeout': -5}, 'create_timeout'),
])
def test_range_and_type_errors_name_the_field(admin, member, template, suffix, body, field):
    """WSME blames the attribute, not the body argument (``request``, ``cluster``...)."""
    uuid = create(member, template)
    finish(uuid)
    path = CL + ('/' + uuid + suffix if suffix else '')
    resp = admin.post(path, body)
    assert resp.status_code == 400, resp.text
    title = resp.json()['errors'][0]['title']
    assert title.startswith('Invalid input for field/attribute %s.' % field), title
