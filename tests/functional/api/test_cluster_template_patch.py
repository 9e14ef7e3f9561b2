"""``PATCH`` and ``DELETE`` of ``/v1/clustertemplates``, and what a template used by
clusters still accepts, over real HTTP on SQLite, MariaDB and PostgreSQL (spec §3.1, §4.1).
"""
from __future__ import annotations

import uuid

import pytest

from tests.fixtures.api import comparable
from tests.functional.api.cluster_template_helpers import add_cluster
from tests.functional.api.cluster_template_helpers import assert_error
from tests.functional.api.cluster_template_helpers import create
from tests.functional.api.cluster_template_helpers import CT
from tests.functional.api.cluster_template_helpers import patch

pytestmark = pytest.mark.usefixtures('clean_db')


# -- JSON-PATCH ----------------------------------------------------------------

def test_patch_replace_add_remove(admin):
    doc = create(admin, flavor_id='m1.small', tags='a')
    resp = patch(admin, doc['uuid'],
                 {'op': 'replace', 'path': '/flavor_id', 'value': 'm1.large'},
                 {'op': 'add', 'path': '/master_flavor_id', 'value': 'm1.medium'},
                 {'op': 'remove', 'path': '/tags'})
    assert resp.status_code == 200, resp.text
    new = resp.json()
    assert new['flavor_id'] == 'm1.large'
    assert new['master_flavor_id'] == 'm1.medium'
    assert new['tags'] is None
    assert new['updated_at']
    assert comparable(admin.get(CT + '/' + doc['uuid']).json()) == comparable(new)


def test_patch_by_name(admin):
    create(admin, name='old')
    resp = patch(admin, 'old', {'op': 'replace', 'path': '/name', 'value': 'new'})
    assert resp.status_code == 200 and resp.json()['name'] == 'new'
    assert admin.get(CT + '/new').status_code == 200


@pytest.mark.parametrize('value', ["{'a': 'b', 'n': 1}", '{"a": "b", "n": 1}',
                                   {'a': 'b', 'n': 1}])
def test_patch_labels_object_or_string_literal(admin, value):
    doc = create(admin, labels={'x': 'y'})
    resp = patch(admin, doc['uuid'], {'op': 'replace', 'path': '/labels', 'value': value})
    assert resp.status_code == 200, resp.text
    assert resp.json()['labels'] == {'a': 'b', 'n': '1'}


def test_patch_one_label(admin):
    doc = create(admin, labels={'x': 'y'})
    resp = patch(admin, doc['uuid'], {'op': 'add', 'path': '/labels/k', 'value': 'v'},
                 {'op': 'remove', 'path': '/labels/x'})
    assert resp.status_code == 200, resp.text
    assert resp.json()['labels'] == {'k': 'v'}


@pytest.mark.parametrize('path', ['/uuid', '/id', '/project_id', '/user_id', '/created_at',
                                  '/updated_at', '/links'])
@pytest.mark.parametrize('op', ['replace', 'add', 'remove'])
def test_patch_internal_paths_refused(admin, path, op):
    doc = create(admin)
    item = {'op': op, 'path': path}
    if op != 'remove':
        item['value'] = 'x'
    assert_error(patch(admin, doc['uuid'], item), 400, path.strip('/'))
    assert comparable(admin.get(CT + '/' + doc['uuid']).json()) == comparable(doc)


@pytest.mark.parametrize('path', ['network_driver', 'external_network_id', 'tls_disabled',
                                  'public', 'server_type', 'coe', 'registry_enabled',
                                  'cluster_distro', 'hidden', 'image_id'])
def test_patch_remove_non_removable_refused(admin, path):
    doc = create(admin, external_network_id='public')
    assert_error(patch(admin, doc['uuid'], {'op': 'remove', 'path': '/' + path}), 400, path)
    assert comparable(admin.get(CT + '/' + doc['uuid']).json()) == comparable(doc)


def test_patch_add_on_set_attribute_refused(admin):
    doc = create(admin, flavor_id='m1.small')
    assert_error(patch(admin, doc['uuid'],
                       {'op': 'add', 'path': '/flavor_id', 'value': 'm1.large'}),
                 400, 'flavor_id')


def test_patch_unknown_attribute_refused(admin):
    doc = create(admin)
    assert_error(patch(admin, doc['uuid'], {'op': 'add', 'path': '/colour', 'value': 'x'}),
                 400, 'colour')


@pytest.mark.parametrize('path, value, word', [
    ('/coe', 'nomad', 'coe'),
    ('/server_type', 'container', 'server_type'),
    ('/network_driver', 'docker', 'network_driver'),
    ('/apiserver_port', 1, 'apiserver_port'),
    ('/dns_nameserver', 'nope', 'dns_nameserver'),
    ('/labels', 'not a literal {', 'labels'),
    ('/labels', "['a', 'b']", 'labels'),
    ('/public', 'perhaps', 'public'),
    ('/name', '', 'name'),
])
def test_patch_invalid_value_is_400(admin, path, value, word):
    doc = create(admin)
    assert_error(patch(admin, doc['uuid'], {'op': 'replace', 'path': path, 'value': value}),
                 400, word)
    assert comparable(admin.get(CT + '/' + doc['uuid']).json()) == comparable(doc)


def test_patch_coe_change_rechecks_network_driver(admin):
    doc = create(admin)   # kubernetes + flannel
    resp = patch(admin, doc['uuid'], {'op': 'replace', 'path': '/coe', 'value': 'mesos'})
    assert_error(resp, 400, 'network_driver')


def test_patch_no_change_is_200(admin):
    doc = create(admin, tags='x')
    resp = patch(admin, doc['uuid'], {'op': 'replace', 'path': '/tags', 'value': 'x'})
    assert resp.status_code == 200 and comparable(resp.json()) == comparable(doc)


def test_patch_unknown_template_is_404(admin):
    assert_error(patch(admin, str(uuid.uuid4()),
                       {'op': 'replace', 'path': '/tags', 'value': 'x'}), 404)


# -- referenced templates ----------------------------------------------------------

@pytest.fixture
def referenced(admin):
    doc = create(admin, name='in-use', tags='t', flavor_id='m1.small')
    add_cluster(doc['uuid'])
    return doc


@pytest.mark.parametrize('op', [
    {'op': 'replace', 'path': '/public', 'value': True},
    {'op': 'replace', 'path': '/hidden', 'value': True},
    {'op': 'replace', 'path': '/tags', 'value': 'retired'},
    {'op': 'replace', 'path': '/name', 'value': 'renamed'},
])
def test_referenced_template_takes_allowed_single_changes(admin, referenced, op):
    resp = patch(admin, referenced['uuid'], op)
    assert resp.status_code == 200, resp.text
    assert resp.json()[op['path'][1:]] == op['value']


@pytest.mark.parametrize('ops', [
    [{'op': 'replace', 'path': '/flavor_id', 'value': 'm1.large'}],
    [{'op': 'replace', 'path': '/image_id', 'value': 'other-image'}],
    [{'op': 'replace', 'path': '/labels', 'value': {'a': 'b'}}],
    [{'op': 'remove', 'path': '/tags'}],
    [{'op': 'replace', 'path': '/name', 'value': 'n'},
     {'op': 'replace', 'path': '/tags', 'value': 'x'}],
    [{'op': 'replace', 'path': '/public', 'value': True},
     {'op': 'replace', 'path': '/hidden', 'value': True}],
])
def test_referenced_template_refuses_other_changes(admin, referenced, ops):
    resp = admin.patch(CT + '/' + referenced['uuid'], ops)
    assert_error(resp, 400, 'referenced')
    assert comparable(admin.get(CT + '/' + referenced['uuid']).json()) == comparable(referenced)


def test_referenced_template_cannot_be_unpublished(admin, referenced):
    assert patch(admin, referenced['uuid'],
                 {'op': 'replace', 'path': '/public', 'value': True}).status_code == 200
    assert_error(patch(admin, referenced['uuid'],
                       {'op': 'replace', 'path': '/public', 'value': False}), 400, 'referenced')


def test_referenced_template_delete_refused(admin, referenced):
    assert_error(admin.delete(CT + '/' + referenced['uuid']), 400, 'referenced')
    assert admin.get(CT + '/' + referenced['uuid']).status_code == 200


def test_delete(admin):
    doc = create(admin, name='bye')
    resp = admin.delete(CT + '/bye')
    assert resp.status_code == 204 and resp.content == b''
    assert admin.get(CT + '/' + doc['uuid']).status_code == 404
    assert_error(admin.delete(CT + '/' + doc['uuid']), 404)
