"""``/v1/clusters/{ident}/nodegroups`` (1.9+)."""
from __future__ import annotations

import pytest

from tests.fixtures import api as api_fixture
from tests.functional.clusters.helpers import (CL, assert_error, cluster_row, create, finish,
                                               nodegroup_rows)

pytestmark = pytest.mark.usefixtures('clean_db')


@pytest.fixture
def ready(member, template):
    uuid = create(member, template, labels={'a': '1'}, merge_labels=True)
    finish(uuid, api_address='https://10.0.0.1:6443')
    return uuid


def ngs_url(uuid):
    return '%s/%s/nodegroups' % (CL, uuid)


def add(client, uuid, **body):
    return client.post(ngs_url(uuid), dict({'name': 'extra'}, **body))


def test_list_subset_role_filter_and_detail(member, ready):
    docs = member.get(ngs_url(ready)).json()['nodegroups']
    assert [d['name'] for d in docs] == ['default-master', 'default-worker']
    assert set(docs[0]) == {'uuid', 'name', 'flavor_id', 'node_count', 'role', 'is_default',
                            'image_id', 'status', 'stack_id', 'links'}
    masters = member.get(ngs_url(ready) + '?role=master').json()['nodegroups']
    assert [d['role'] for d in masters] == ['master']
    detail = member.get(ngs_url(ready) + '/detail').json()['nodegroups']
    assert 'min_node_count' in detail[0] and 'labels_added' in detail[0]
    by_name = member.get(ngs_url('k8s-1')).json()['nodegroups']
    assert len(by_name) == 2


def test_get_with_label_diffs(member, ready):
    resp = add(member, ready, labels={'a': '2', 'b': '3'})
    assert resp.status_code == 202, resp.text
    doc = member.get(ngs_url(ready) + '/extra').json()
    assert doc['labels_overridden'] == {'a': '1'}
    assert doc['labels_added'] == {'b': '3'}
    assert doc['labels_skipped'] == {'kube_tag': 'v1.30.1', 'min_node_count': '0'}
    assert member.get(ngs_url(ready) + '/' + doc['uuid']).json()['name'] == 'extra'
    assert_error(member.get(ngs_url(ready) + '/nope'), 404)


def test_version_gate_406_at_1_8(api_server, ready):
    old = api_server.client(api_fixture.MEMBER, version='1.8')
    assert_error(old.get(ngs_url(ready)), 406, '1.9')
    assert_error(add(old, ready), 406)


def test_create_writes_intent(member, ready, casts):
    casts.clear()
    resp = add(member, ready, node_count=2, min_node_count=1, max_node_count=4,
               node_labels={'node.kubernetes.io/pool': 'gpu'},
               node_taints=[{'key': 'gpu', 'value': 'true', 'effect': 'NoSchedule'}])
    assert resp.status_code == 202, resp.text
    doc = resp.json()
    assert (doc['name'], doc['role'], doc['is_default'], doc['status']) == (
        'extra', 'worker', False, 'CREATE_IN_PROGRESS')
    assert (doc['image_id'], doc['flavor_id']) == ('fedora-coreos-latest', 'm1.small')
    assert doc['labels'] == cluster_row(ready).labels
    row = cluster_row(ready)
    assert (row.status, row.operation, row.operation_args) == (
        'UPDATE_IN_PROGRESS', 'nodegroup_create', {'nodegroup': doc['uuid']})
    ng = nodegroup_rows(ready)['extra']
    assert (ng.node_count, ng.min_node_count, ng.max_node_count) == (2, 1, 4)
    assert ng.node_taints == [{'key': 'gpu', 'value': 'true', 'effect': 'NoSchedule'}]
    assert casts.wait_for(ready)


def test_create_merge_labels(member, ready):
    doc = add(member, ready, labels={'b': '2'}, merge_labels=True).json()
    assert doc['labels'] == dict(cluster_row(ready).labels, b='2')


@pytest.mark.parametrize('body, status, words', [
    ({'role': 'master'}, 400, ['master']),
    ({'name': None}, 400, ['name']),
    ({'node_count': 1, 'min_node_count': 2}, 400, ['min_node_count']),
    ({'node_count': 5, 'max_node_count': 4}, 400, ['max_node_count']),
    ({'min_node_count': 3, 'max_node_count': 2, 'node_count': 2}, 400, ['max_node_count']),
    ({'node_labels': {'kubernetes.io/role': 'x'}}, 400, ['reserved']),
    ({'node_labels': {'foo.k8s.io/x': 'y'}}, 400, ['reserved']),
    ({'node_labels': ['a']}, 400, ['node_labels']),
    ({'node_labels': {'bad key!': 'v'}}, 400, ['node_labels']),
    ({'node_taints': [{'key': 'a', 'effect': 'Sometimes'}]}, 400, ['effect']),
    ({'node_taints': [{'key': 'a', 'effect': 'NoSchedule', 'x': 1}]}, 400, ['x']),
    ({'node_taints': [{'effect': 'NoSchedule'}]}, 400, ['node_taints']),
    ({'node_taints': 'a=b:NoSchedule'}, 400, ['node_taints']),
    ({'unknown': 1}, 400, ['unknown']),
])
def test_create_refusals(member, ready, body, status, words):
    assert_error(add(member, ready, **body), status, *words)
    assert cluster_row(ready).operation is None


def test_well_known_labels_allowed(member, ready):
    labels = {'topology.kubernetes.io/zone': 'az1', 'kubelet.kubernetes.io/x': 'y',
              'example.com/team': 'a'}
    assert add(member, ready, node_labels=labels).status_code == 202


def test_create_needs_api_address_and_unique_name(member, template, ready):
    fresh = create(member, template, name='fresh')
    finish(fresh)
    assert_error(add(member, fresh), 409, 'API address')
    assert_error(add(member, ready, name='default-worker'), 409, 'default-worker')


def test_create_busy_and_zero_gate(api_server, member, ready):
    assert add(member, ready).status_code == 202
    assert_error(add(member, ready, name='two'), 409, 'busy')
    finish(ready)
    old = api_server.client(api_fixture.MEMBER, version='1.9')
    assert_error(add(old, ready, name='zero', node_count=0), 400, '1.10')
    assert add(member, ready, name='zero', node_count=0).status_code == 202


def test_patch_saves_bounds_labels_taints(member, ready):
    add(member, ready)
    finish(ready)
    ops = [{'op': 'replace', 'path': '/max_node_count', 'value': 7},
           {'op': 'replace', 'path': '/node_labels', 'value': {'example.com/a': 'b'}},
           {'op': 'replace', 'path': '/node_taints',
            'value': [{'key': 'k', 'effect': 'NoExecute'}]}]
    resp = member.patch(ngs_url(ready) + '/extra', ops)
    assert resp.status_code == 202, resp.text
    assert resp.json()['max_node_count'] == 7
    ng = nodegroup_rows(ready)['extra']
    assert ng.node_labels == {'example.com/a': 'b'}
    assert ng.node_taints == [{'key': 'k', 'effect': 'NoExecute'}]
    assert cluster_row(ready).operation is None


@pytest.mark.parametrize('ops, words', [
    ([{'op': 'replace', 'path': '/node_count', 'value': 3}], ['node_count']),
    ([{'op': 'replace', 'path': '/name', 'value': 'x'}], ['name']),
    ([{'op': 'replace', 'path': '/min_node_count', 'value': 5}], ['min_node_count']),
    ([{'op': 'replace', 'path': '/max_node_count', 'value': -1}], ['max_node_count']),
    ([{'op': 'replace', 'path': '/node_labels', 'value': {'k8s.io/x': 'y'}}], ['reserved']),
    ([{'op': 'replace', 'path': '/node_taints', 'value': [{'key': 'k'}]}], ['effect']),
])
def test_patch_refusals(member, ready, ops, words):
    add(member, ready)
    finish(ready)
    assert_error(member.patch(ngs_url(ready) + '/extra', ops), 400, *words)


def test_patch_master_refused(member, ready):
    ops = [{'op': 'replace', 'path': '/node_labels', 'value': {'a': 'b'}}]
    assert_error(member.patch(ngs_url(ready) + '/default-master', ops), 400, 'master')


def test_delete(member, ready, casts):
    uuid = add(member, ready).json()['uuid']
    finish(ready)
    casts.clear()
    assert member.delete(ngs_url(ready) + '/extra').status_code == 204
    row = cluster_row(ready)
    assert (row.status, row.operation, row.operation_args) == (
        'UPDATE_IN_PROGRESS', 'nodegroup_delete', {'nodegroup': uuid})
    assert nodegroup_rows(ready)['extra'].status == 'DELETE_IN_PROGRESS'
    assert casts.wait_for(ready)


def test_delete_default_refused(member, ready):
    assert_error(member.delete(ngs_url(ready) + '/default-worker'), 400, 'default')


def test_policy(member, reader, other, ready):
    assert reader.get(ngs_url(ready)).status_code == 200
    assert_error(add(reader, ready), 403)
    assert_error(other.get(ngs_url(ready)), 404)
    assert_error(add(other, ready), 404)


@pytest.mark.parametrize('body, words', [
    ({'image_id': 'no-such-image'}, ['no-such-image']),
    ({'image_id': '11111111-2222-3333-4444-555555555555'},
     ['11111111-2222-3333-4444-555555555555']),
    ({'flavor_id': 'm9.huge'}, ['m9.huge']),
    ({'flavor_id': 'm2.medium'}, ['flavor_id', 'm2.medium', 'boot_volume_size']),
])
def test_create_checks_image_and_flavor_in_the_cloud(member, ready, cloud_checks, body, words):
    before = nodegroup_rows(ready)
    assert_error(add(member, ready, name='ng-bad', **body), 400, *words)
    assert nodegroup_rows(ready).keys() == before.keys()
    assert cluster_row(ready).operation is None


def test_create_with_existing_image_and_flavor(member, ready, cloud_checks):
    resp = add(member, ready, name='ng-ok', image_id='fedora-atomic-latest', flavor_id='m1.large')
    assert resp.status_code == 202, resp.text
    finish(ready, api_address='https://10.0.0.1:6443')
    resp = add(member, ready, name='ng-bv', flavor_id='m2.medium',
               labels={'boot_volume_size': '10'}, merge_labels=True)
    assert resp.status_code == 202, resp.text


def test_cloud_checks_off_accepts_unknown_image(member, ready):
    """``[cluster_template] validate_cloud_resources = False`` (the fixture's) skips them."""
    assert add(member, ready, name='ng-x', image_id='no-such-image').status_code == 202
