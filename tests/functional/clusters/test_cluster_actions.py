"""``actions/resize`` and ``actions/upgrade``: gates, checks and intents."""
from __future__ import annotations

import pytest

from magnum_like.db import api as db_api
from tests.fixtures import api as api_fixture
from tests.functional.clusters.conftest import make_template
from tests.functional.clusters.helpers import (CL, assert_error, cluster_row, create, finish,
                                               nodegroup_rows)

pytestmark = pytest.mark.usefixtures('clean_db')


@pytest.fixture
def ready(member, template):
    uuid = create(member, template, node_count=2, labels={'max_node_count': '5'},
                  merge_labels=True)
    finish(uuid)
    return uuid


def resize(client, uuid, **body):
    return client.post('%s/%s/actions/resize' % (CL, uuid), body)


def upgrade(client, uuid, **body):
    return client.post('%s/%s/actions/upgrade' % (CL, uuid), body)


def test_resize_writes_intent(member, ready, casts):
    casts.clear()
    # A driver that cannot name its nodes refuses named ones (see test_named_nodes).
    assert_error(resize(member, ready, node_count=4, nodes_to_remove=['server-1']), 400,
                 'nodes_to_remove')
    resp = resize(member, ready, node_count=4)
    assert resp.status_code == 202 and resp.json() == {'uuid': ready}
    row = cluster_row(ready)
    worker = nodegroup_rows(ready)['default-worker']
    assert (row.status, row.operation) == ('UPDATE_IN_PROGRESS', 'resize')
    assert row.operation_args == {'nodegroup': worker.uuid, 'node_count': 4,
                                  'old_node_count': 2, 'nodes_to_remove': []}
    assert (worker.node_count, worker.status) == (4, 'UPDATE_IN_PROGRESS')
    assert casts.wait_for(ready)


def test_resize_by_nodegroup_name_and_after_update_failed(member, ready):
    finish(ready, status='UPDATE_FAILED')
    assert resize(member, ready, node_count=1, nodegroup='default-worker').status_code == 202


def test_resize_version_gate(api_server, ready):
    assert_error(resize(api_server.client(api_fixture.MEMBER, version='1.6'), ready,
                        node_count=1), 406, '1.7')


@pytest.mark.parametrize('body, status, words', [
    ({'node_count': 6}, 400, ['max_node_count=5']),
    ({'node_count': -1}, 400, ['node_count']),
    ({}, 400, ['node_count']),
    ({'node_count': 2, 'nodes_to_remove': 'server-1'}, 400, ['nodes_to_remove']),
    ({'node_count': 2, 'nodes_to_remove': [1, 2]}, 400, ['nodes_to_remove']),
    ({'node_count': 1, 'nodegroup': 'default-master'}, 400, ['master']),
    ({'node_count': 1, 'nodegroup': 'nope'}, 404, ['nope']),
    ({'node_count': 1, 'extra': True}, 400, ['extra']),
])
def test_resize_refusals(member, ready, body, status, words):
    assert_error(member.post('%s/%s/actions/resize' % (CL, ready), body), status, *words)
    assert cluster_row(ready).operation is None


def test_resize_below_min(member, ready):
    worker = nodegroup_rows(ready)['default-worker']
    db_api.update_nodegroup(ready, worker.uuid, {'min_node_count': 2})
    assert_error(resize(member, ready, node_count=1), 400, 'min_node_count=2')


def test_resize_zero_gate(api_server, ready):
    assert_error(resize(api_server.client(api_fixture.MEMBER, version='1.9'), ready,
                        node_count=0), 400, '1.10')


def test_resize_busy(member, ready):
    assert resize(member, ready, node_count=3).status_code == 202
    assert_error(resize(member, ready, node_count=4), 409,
                 'busy: UPDATE_IN_PROGRESS (resize)')


def test_upgrade_writes_intent(member, ready, template, casts):
    newer = make_template(name='k8s-new', labels={'kube_tag': 'v1.31.0'})
    casts.clear()
    resp = upgrade(member, ready, cluster_template='k8s-new', max_batch_size=2)
    assert resp.status_code == 202, resp.text
    row = cluster_row(ready)
    master = nodegroup_rows(ready)['default-master']
    assert (row.status, row.operation) == ('UPDATE_IN_PROGRESS', 'upgrade')
    assert row.operation_args == {'cluster_template': newer.uuid, 'max_batch_size': 2,
                                  'nodegroup': master.uuid}
    assert master.status == 'UPDATE_IN_PROGRESS'
    assert row.cluster_template_id == template.uuid
    assert casts.wait_for(ready)


def test_upgrade_downgrade_and_unsupported_400(member, ready):
    make_template(name='older', labels={'kube_tag': 'v1.20.0'})
    make_template(name='untagged', labels={})
    assert_error(upgrade(member, ready, cluster_template='older'), 400, 'downgrade')
    assert_error(upgrade(member, ready, cluster_template='untagged'), 400, 'not supported')
    assert cluster_row(ready).operation is None


def test_upgrade_version_gates(api_server, ready):
    make_template(name='k8s-new', labels={'kube_tag': 'v1.31.0'})
    at17 = api_server.client(api_fixture.MEMBER, version='1.7')
    assert_error(upgrade(at17, ready, cluster_template='k8s-new'), 400, 'not supported')
    at16 = api_server.client(api_fixture.MEMBER, version='1.6')
    assert_error(upgrade(at16, ready, cluster_template='k8s-new'), 406)


def test_upgrade_busy_and_missing_template(member, ready):
    assert_error(upgrade(member, ready, cluster_template='nope'), 404)
    assert_error(upgrade(member, ready), 400, 'cluster_template')
    make_template(name='k8s-new', labels={'kube_tag': 'v1.31.0'})
    assert upgrade(member, ready, cluster_template='k8s-new').status_code == 202
    assert_error(upgrade(member, ready, cluster_template='k8s-new'), 409, 'busy')


def test_upgrade_non_default_nodegroup_only_to_current_template(member, ready, template):
    db_api.create_nodegroup({'cluster_id': ready, 'name': 'extra', 'role': 'worker',
                             'node_count': 1, 'is_default': False, 'project_id': 'project-a',
                             'status': 'CREATE_COMPLETE'})
    make_template(name='k8s-new', labels={'kube_tag': 'v1.31.0'})
    assert_error(upgrade(member, ready, cluster_template='k8s-new', nodegroup='extra'), 409,
                 'extra')
    assert upgrade(member, ready, cluster_template=template.uuid,
                   nodegroup='extra').status_code == 202


def test_reader_cannot_resize(reader, ready):
    assert_error(resize(reader, ready, node_count=3), 403)
