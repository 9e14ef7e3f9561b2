"""``/v1/federations`` over real HTTP on SQLite, MariaDB and PostgreSQL (spec §3.7, §9.4, §11).

The API checks the rules and writes the intent before it answers (see
``magnum_like.api.controllers.v1.federation``); a conductor carries it out.
Here no conductor runs: a cast recorder stands in for it and ``settle`` writes
what a conductor writes when an operation ends. Clusters are rows written
straight to the database, as a conductor would have left them.
"""
from __future__ import annotations

import concurrent.futures
import re
import urllib.parse
import uuid

import pytest

from magnum_like.common import context
from magnum_like.db import api as db_api
from tests.fixtures import api as api_fixture
from tests.fixtures.api import comparable
from tests.fixtures.api import error_title
from tests.functional.api.conftest import row_counts
from tests.functional.api.federation_helpers import FED, ZONE, add_cluster, federation_row, settle
from tests.functional.clusters.conftest import casts  # noqa: F401 - a fixture

pytestmark = pytest.mark.usefixtures('clean_db', 'casts')

LIST_FIELDS = {'uuid', 'name', 'hostcluster_id', 'member_ids', 'status', 'properties', 'links'}
FULL_FIELDS = LIST_FIELDS | {'status_reason', 'created_at', 'updated_at'}


def without_echo(title: str) -> str:
    """A WSME input error without the value it echoes (which names every field given)."""
    found = re.match(r"Invalid input for field/attribute (\S+)\. Value: '.*'\. (.*)$", title,
                     re.S)
    return '%s: %s' % found.groups() if found else title


def assert_error(resp, status, *words):
    """An OpenStack error body with ``status`` whose title names every word."""
    assert resp.status_code == status, (resp.status_code, resp.text)
    title = error_title(resp)
    for word in words:
        assert word.lower() in without_echo(title).lower(), (word, title)
    return title


def create(client, host, *, done=True, **fields):
    """POST a federation; returns its uuid (asserts 202 ``{uuid}``).

    :param done: settle the create as a conductor would have.
    """
    body = {'hostcluster_id': host, 'properties': dict(ZONE)}
    body.update(fields)
    resp = client.post(FED, body)
    assert resp.status_code == 202, resp.text
    assert list(resp.json()) == ['uuid']
    if done:
        settle(resp.json()['uuid'])
    return resp.json()['uuid']


def patched(client, fed, ops):
    """PATCH ``ops`` (asserts 202), then settle the update as a conductor would have."""
    resp = client.patch(FED + '/' + fed, ops)
    assert resp.status_code == 202, resp.text
    settle(fed)


def join(cluster):
    """The JSON-patch that makes ``cluster`` join."""
    return [{'op': 'add', 'path': '/member_ids', 'value': cluster}]


def leave(cluster):
    """The JSON-patch that makes ``cluster`` leave."""
    return [{'op': 'remove', 'path': '/member_ids', 'value': cluster}]


@pytest.fixture
def world():
    """Clusters of project-a (host, a, b), one of project-b."""
    return {'host': add_cluster('host'), 'a': add_cluster('a'), 'b': add_cluster('b'),
            'other': add_cluster('theirs', project_id='project-b', user_id='user-b')}


# -- create and show -------------------------------------------------------------

def test_create_then_show(api_server, member, world, casts):  # noqa: F811
    fed = create(member, 'host', name='fed-1', member_ids=[world['a'], 'b'],
                 properties={'dns-zone': 'example.com.', 'extra': 3}, done=False)
    row = federation_row(fed)
    assert (row['status'], row['operation']) == ('CREATE_IN_PROGRESS', 'create')
    assert row['operation_args'] == {'join': [world['a'], world['b']], 'leave': []}
    assert row['deadline'] is not None and row['reservation'] is None
    assert casts.wait_for(fed)
    resp = member.get(FED + '/' + fed)
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    assert set(doc) == FULL_FIELDS
    assert doc['uuid'] == fed and doc['name'] == 'fed-1'
    assert doc['hostcluster_id'] == world['host']
    assert doc['member_ids'] == [world['a'], world['b']]
    assert doc['properties'] == {'dns-zone': 'example.com.', 'extra': '3'}
    assert doc['status'] == 'CREATE_IN_PROGRESS' and doc['status_reason'] is None
    assert doc['created_at'] and doc['updated_at'] is None
    assert doc['links'] == [
        {'href': '%s/v1/federations/%s' % (api_server.url, fed), 'rel': 'self'},
        {'href': '%s/federations/%s' % (api_server.url, fed), 'rel': 'bookmark'}]
    assert federation_row(fed)['project_id'] == 'project-a'
    assert comparable(member.get(FED + '/fed-1').json()) == comparable(doc)


def test_generated_name_and_defaults(member, world):
    fed = create(member, world['host'], member_ids=None)
    doc = member.get(FED + '/' + fed).json()
    assert doc['name'].endswith('-federation') and len(doc['name'].split('-')) == 3
    assert doc['member_ids'] == []


def test_works_without_a_version_header(api_server, world):
    client = api_server.client(api_fixture.MEMBER, version=None)
    fed = create(client, 'host')
    assert client.get(FED + '/' + fed).status_code == 200


def test_v1_document_links_federations(api_server, admin):
    doc = admin.get('/v1').json()
    assert doc['federations'][0]['href'] == api_server.url + '/v1/federations'


# -- create: bad input ---------------------------------------------------------------

@pytest.mark.parametrize('field, value', [
    ('name', ''), ('name', '1abc'), ('name', 'a b'), ('name', 'x' * 243), ('name', 5),
    ('hostcluster_id', ''), ('hostcluster_id', 123), ('hostcluster_id', ['host']),
    ('hostcluster_id', 'x' * 256),
    ('member_ids', 'a'), ('member_ids', {'a': 1}), ('member_ids', [1]), ('member_ids', ['']),
    ('member_ids', ['a', 'a']),
    ('member_ids', ['x' * 256]), ('member_ids', [['a']]),
    ('properties', {}), ('properties', 'dns-zone'), ('properties', ['dns-zone']),
    ('properties', {'dns-zone': ''}), ('properties', {'dns-zone': '  '}),
    ('properties', {'dns-zone': 5}), ('properties', {'dns-zone': None}),
    ('properties', {'dns-zone': 'x' * 256}), ('properties', {'zone': 'example.com.'}),
    ('properties', {'dns-zone': 'a.', 'nested': {'a': 'b'}}),
])
def test_create_invalid_field_is_400_naming_it(member, world, field, value):
    before = row_counts()
    body = {'hostcluster_id': 'host', 'properties': dict(ZONE), field: value}
    assert_error(member.post(FED, body), 400, field)
    assert row_counts() == before


@pytest.mark.parametrize('field, value', [
    ('hostcluster_id', 'missing'), ('hostcluster_id', '9fddfdf3-73f9-4c33-a169-000000000156'),
    ('hostcluster_id', 'theirs'), ('member_ids', ['missing']), ('member_ids', ['theirs']),
])
def test_create_with_a_cluster_not_visible_is_404_naming_it(member, world, field, value):
    before = row_counts()
    body = {'hostcluster_id': 'host', 'properties': dict(ZONE), field: value}
    assert_error(member.post(FED, body), 404, field)
    assert row_counts() == before


@pytest.mark.parametrize('field', ['hostcluster_id', 'member_ids'])
def test_a_swarm_cluster_is_400_naming_coe(member, world, field):
    add_cluster('bees', coe='swarm')
    body = {'hostcluster_id': 'host', 'properties': ZONE}
    body[field] = 'bees' if field == 'hostcluster_id' else ['bees']
    assert_error(member.post(FED, body), 400, field, "coe 'swarm'", 'kubernetes')
    assert row_counts()['federation'] == 0


def test_the_host_is_not_its_own_member(member, world):
    body = {'hostcluster_id': 'host', 'properties': ZONE, 'member_ids': ['a', 'host']}
    assert_error(member.post(FED, body), 400, 'member_ids', 'own federation')
    fed = create(member, 'host')
    assert_error(member.patch(FED + '/' + fed, join(world['host'])), 400, 'member_ids',
                 'own federation')
    assert federation_row(fed)['member_ids'] == []


def test_a_cluster_is_a_member_of_one_federation(member, world):
    first = create(member, 'host', name='first', member_ids=['a'])
    body = {'hostcluster_id': 'host', 'properties': ZONE, 'member_ids': ['a']}
    assert_error(member.post(FED, body), 409, 'member_ids', 'first', first)
    second = create(member, 'host', name='second')
    assert_error(member.patch(FED + '/' + second, join('a')), 409, 'member_ids', first)
    ops = [{'op': 'replace', 'path': '/member_ids', 'value': ['a']}]
    assert_error(member.patch(FED + '/' + second, ops), 409, 'member_ids', first)
    assert federation_row(second)['member_ids'] == []
    patched(member, first, leave('a'))
    patched(member, second, join('a'))   # free again


@pytest.mark.parametrize('status, operation', [
    ('UPDATE_IN_PROGRESS', 'update'), ('CREATE_IN_PROGRESS', 'create'),
    ('CREATE_FAILED', None), ('UPDATE_FAILED', None), ('UPDATE_COMPLETE', 'rotate_ca')])
@pytest.mark.parametrize('field', ['hostcluster_id', 'member_ids'])
def test_a_busy_or_failed_cluster_is_409(member, world, status, operation, field):
    add_cluster('busy', status=status, operation=operation)
    body = {'hostcluster_id': 'host', 'properties': ZONE}
    body[field] = 'busy' if field == 'hostcluster_id' else ['busy']
    assert_error(member.post(FED, body), 409, field, 'busy', status, 'complete state')
    assert row_counts()['federation'] == 0


def test_a_busy_federation_is_409(member, world):
    fed = create(member, 'host', done=False)
    assert_error(member.patch(FED + '/' + fed, join('a')), 409, 'CREATE_IN_PROGRESS')
    assert_error(member.delete(FED + '/' + fed), 409, 'CREATE_IN_PROGRESS')
    settle(fed)
    assert member.patch(FED + '/' + fed, join('a')).status_code == 202
    assert_error(member.patch(FED + '/' + fed, join('b')), 409, 'UPDATE_IN_PROGRESS')
    assert federation_row(fed)['member_ids'] == [world['a']]


def test_member_ids_by_uuid_and_name_of_one_cluster_is_400(member, world):
    body = {'hostcluster_id': 'host', 'properties': ZONE, 'member_ids': ['a', world['a']]}
    assert_error(member.post(FED, body), 400, 'member_ids', 'twice')


@pytest.mark.parametrize('missing', ['hostcluster_id', 'properties'])
@pytest.mark.parametrize('how', ['absent', 'null'])
def test_create_mandatory_fields(member, world, missing, how):
    body = {'hostcluster_id': 'host', 'properties': ZONE}
    if how == 'absent':
        del body[missing]
    else:
        body[missing] = None
    assert_error(member.post(FED, body), 400, missing, 'mandatory')
    assert row_counts()['federation'] == 0


@pytest.mark.parametrize('field, value', [
    ('uuid', '9fddfdf3-73f9-4c33-a169-000000000237'), ('status', 'CREATE_COMPLETE'), ('status_reason', 'x'),
    ('links', []), ('created_at', '2020-01-01T00:00:00'), ('project_id', 'project-b'),
    ('colour', 'blue'), ('hostcluster', 'host'),
])
def test_create_read_only_or_unknown_fields_refused(member, world, field, value):
    body = {'hostcluster_id': 'host', 'properties': ZONE, field: value}
    assert_error(member.post(FED, body), 400, field)
    assert row_counts()['federation'] == 0


def test_create_on_a_shared_cluster_name_is_409(member, world):
    add_cluster('host')
    assert_error(member.post(FED, {'hostcluster_id': 'host', 'properties': ZONE}), 409,
                 'hostcluster_id', 'uuid')
    assert row_counts()['federation'] == 0


@pytest.mark.parametrize('field', ['hostcluster_id', 'member_ids'])
@pytest.mark.parametrize('status, operation', [('DELETE_IN_PROGRESS', 'delete'),
                                               ('CREATE_COMPLETE', 'delete')])
def test_clusters_being_deleted_are_refused(member, world, field, status, operation):
    add_cluster('going', status=status, operation=operation)
    body = {'hostcluster_id': 'host', 'properties': ZONE}
    body[field] = 'going' if field == 'hostcluster_id' else ['going']
    assert_error(member.post(FED, body), 409, field, 'complete state')


def test_admin_may_use_clusters_of_any_project(admin, world):
    fed = create(admin, 'theirs', member_ids=['a'])
    doc = admin.get(FED + '/' + fed).json()
    assert (doc['hostcluster_id'], doc['member_ids']) == (world['other'], [world['a']])
    assert federation_row(fed)['project_id'] == 'admin'


# -- lists, pagination ---------------------------------------------------------------

@pytest.fixture
def five(member, world):
    return [create(member, 'host', name='fed-%d' % i) for i in range(5)]


def test_list_subset_and_detail(api_server, member, five):
    listed = member.get(FED).json()
    assert [d['uuid'] for d in listed['federations']] == five
    assert 'next' not in listed
    assert all(set(d) == LIST_FIELDS for d in listed['federations'])
    detail = member.get(FED + '/detail').json()['federations']
    assert all(set(d) == FULL_FIELDS for d in detail)
    assert comparable(detail[0]) == comparable(member.get(FED + '/' + five[0]).json())


@pytest.mark.parametrize('path', [FED, FED + '/detail'])
def test_limit_marker_and_next(api_server, member, five, path):
    first = member.get(path + '?limit=2&sort_key=name&sort_dir=desc').json()
    assert [d['name'] for d in first['federations']] == ['fed-4', 'fed-3']
    parsed = urllib.parse.urlparse(first['next'])
    assert parsed.path == path
    query = urllib.parse.parse_qs(parsed.query)
    assert query == {'sort_key': ['name'], 'sort_dir': ['desc'], 'limit': ['2'],
                     'marker': [first['federations'][1]['uuid']]}
    second = member.get(first['next']).json()
    assert [d['name'] for d in second['federations']] == ['fed-2', 'fed-1']
    last = member.get(second['next']).json()
    assert [d['name'] for d in last['federations']] == ['fed-0'] and 'next' not in last


@pytest.mark.parametrize('query, word', [
    ('limit=0', 'limit'), ('limit=-1', 'limit'), ('limit=x', 'limit'),
    ('sort_key=member_ids', 'sort_key'), ('sort_key=nope', 'sort_key'),
    ('sort_dir=up', 'sort_dir'), ('marker=nope', 'marker'),
])
def test_bad_list_queries_are_400(member, five, query, word):
    assert_error(member.get(FED + '?' + query), 400, word)


def test_marker_of_another_projects_federation_is_400(member, other, world, five):
    theirs = create(other, 'theirs')
    assert_error(member.get(FED + '?marker=' + theirs), 400, 'marker')


# -- visibility and policy -------------------------------------------------------------

def test_other_project_sees_nothing(member, other, five):
    assert other.get(FED).json() == {'federations': []}
    assert other.get(FED + '/detail').json() == {'federations': []}
    for method, body in (('GET', None), ('PATCH', join('theirs')),
                         ('DELETE', None)):
        assert_error(other.request(method, FED + '/' + five[0], json_body=body), 404,
                     five[0])
    assert_error(other.get(FED + '/fed-1'), 404, 'fed-1')


def test_other_project_cannot_use_our_clusters(other, world):
    assert_error(other.post(FED, {'hostcluster_id': world['host'], 'properties': ZONE}), 404,
                 'hostcluster_id')


def test_admin_sees_and_changes_every_project(admin, member, world, five):
    assert len(admin.get(FED).json()['federations']) == 5
    assert len(admin.get(FED + '/detail').json()['federations']) == 5
    assert admin.get(FED + '/' + five[0]).status_code == 200
    assert admin.patch(FED + '/' + five[0], join(world['a'])).status_code == 202
    assert admin.delete(FED + '/' + five[1]).status_code == 204
    assert federation_row(five[1])['status'] == 'DELETE_IN_PROGRESS'
    settle(five[1])
    assert len(member.get(FED).json()['federations']) == 4


def test_all_projects_rules_can_be_turned_off(api_server, admin, member, five, tmp_path):
    from magnum_like.common import policy
    policy_file = tmp_path / 'policy.yaml'
    policy_file.write_text('"federation:get_all_all_projects": "!"\n'
                           '"federation:get_one_all_projects": "!"\n')
    api_fixture.CONF.set_override('policy_file', str(policy_file), group='oslo_policy')
    policy.reset()
    try:
        assert admin.get(FED).json() == {'federations': []}
        assert_error(admin.get(FED + '/' + five[0]), 404)
    finally:
        api_fixture.CONF.clear_override('policy_file', group='oslo_policy')
        policy.reset()
    assert len(admin.get(FED).json()['federations']) == 5


def test_reader_reads_but_cannot_write(member, reader, world, five):
    assert len(reader.get(FED).json()['federations']) == 5
    assert reader.get(FED + '/detail').status_code == 200
    assert reader.get(FED + '/' + five[0]).status_code == 200
    assert_error(reader.post(FED, {'hostcluster_id': 'host', 'properties': ZONE}), 403,
                 'federation:create')
    assert_error(reader.patch(FED + '/' + five[0], join('a')), 403,
                 'federation:update')
    assert_error(reader.delete(FED + '/' + five[0]), 403, 'federation:delete')
    assert row_counts()['federation'] == 5
    assert federation_row(five[0])['member_ids'] == []


def test_no_roles_cannot_read(api_server, five):
    client = api_server.client(('project-a', 'nobody', ''))
    for path in (FED, FED + '/detail', FED + '/' + five[0]):
        assert_error(client.get(path), 403, 'federation:')


# -- get by name ------------------------------------------------------------------------

def test_unknown_is_404(member, world):
    assert_error(member.get(FED + '/' + str(uuid.uuid4())), 404)
    assert_error(member.get(FED + '/nope'), 404, 'nope')


def test_shared_name_lookup_is_409(member, world):
    create(member, 'host', name='twin')
    create(member, 'host', name='twin')
    for method in ('GET', 'PATCH', 'DELETE'):
        body = join('a') if method == 'PATCH' else None
        assert_error(member.request(method, FED + '/twin', json_body=body), 409, 'twin')
    assert row_counts()['federation'] == 2


# -- PATCH: join and leave ----------------------------------------------------------------

@pytest.fixture
def fed(member, world):
    return create(member, 'host', name='fed')


def test_join_and_leave(member, world, fed, casts):  # noqa: F811
    casts.clear()
    resp = member.patch(FED + '/fed', join('a'))
    assert resp.status_code == 202 and resp.json() == {'uuid': fed}
    doc = member.get(FED + '/' + fed).json()
    assert doc['member_ids'] == [world['a']]
    assert doc['status'] == 'UPDATE_IN_PROGRESS' and doc['updated_at']
    row = federation_row(fed)
    assert row['operation'] == 'update' and row['deadline'] is not None
    assert row['operation_args'] == {'join': [world['a']], 'leave': []}
    assert casts.wait_for(fed)
    settle(fed)
    patched(member, fed, join(world['b']))
    assert member.get(FED + '/' + fed).json()['member_ids'] == [world['a'], world['b']]
    assert member.patch(FED + '/' + fed, leave('a')).status_code == 202
    assert federation_row(fed)['operation_args'] == {'join': [], 'leave': [world['a']]}
    settle(fed)
    patched(member, fed, leave(world['b'].upper()))
    assert member.get(FED + '/' + fed).json()['member_ids'] == []


def test_join_a_member_again_is_409(member, world, fed):
    patched(member, fed, join('a'))
    assert_error(member.patch(FED + '/' + fed, join(world['a'])), 409, 'a', 'member')


def test_leave_of_a_non_member_is_404(member, world, fed):
    for cluster in ('a', world['b'], 'missing', str(uuid.uuid4())):
        assert_error(member.patch(FED + '/' + fed, leave(cluster)), 404, cluster,
                     'not a member')


def test_join_needs_an_existing_visible_cluster(member, world, fed):
    for cluster in ('missing', str(uuid.uuid4()), 'theirs', world['other']):
        assert_error(member.patch(FED + '/' + fed, join(cluster)), 404, 'member_ids')
    assert federation_row(fed)['member_ids'] == []


def test_a_member_gone_invisible_can_still_leave_by_uuid(admin, member, world):
    fed = create(admin, 'host', member_ids=['theirs'])
    assert member.patch(FED + '/' + fed, leave(world['other'])).status_code == 404
    assert admin.patch(FED + '/' + fed, leave(world['other'])).status_code == 202
    assert federation_row(fed)['member_ids'] == []


def test_concurrent_joins_one_wins_the_rest_are_busy(api_server, world, fed):
    clusters = [add_cluster('c%d' % i) for i in range(8)]

    def join_one(cluster):
        client = api_server.client(api_fixture.MEMBER)   # a session per thread
        return client.patch(FED + '/' + fed, join(cluster)).status_code

    with concurrent.futures.ThreadPoolExecutor(len(clusters)) as pool:
        codes = list(pool.map(join_one, clusters))
    assert sorted(codes) == [202] + [409] * (len(clusters) - 1)
    row = federation_row(fed)
    assert len(row['member_ids']) == 1 and row['operation_args']['join'] == row['member_ids']


def test_replace_the_member_list(member, world, fed):
    ops = [{'op': 'replace', 'path': '/member_ids', 'value': ['b', world['a']]}]
    assert member.patch(FED + '/' + fed, ops).status_code == 202
    assert federation_row(fed)['member_ids'] == [world['b'], world['a']]


def test_several_operations_apply_in_order(member, world, fed):
    ops = join('a') + join('b') + leave('a') + [
        {'op': 'add', 'path': '/properties/team', 'value': 'blue'}]
    assert member.patch(FED + '/' + fed, ops).status_code == 202
    row = federation_row(fed)
    assert row['member_ids'] == [world['b']]
    assert row['properties'] == {'dns-zone': 'example.com.', 'team': 'blue'}


def test_a_failing_operation_writes_nothing(member, world, fed):
    before = member.get(FED + '/' + fed).json()
    for ops in (join('a') + join('a'),
                join('a') + leave('b'),
                join('a') + [{'op': 'remove', 'path': '/properties/dns-zone'}],
                join('a') + [{'op': 'replace', 'path': '/name', 'value': 'x'}]):
        assert 400 <= member.patch(FED + '/' + fed, ops).status_code < 500
        assert comparable(member.get(FED + '/' + fed).json()) == comparable(before)


def test_a_patch_that_changes_nothing_keeps_the_status(member, world, fed):
    ops = [{'op': 'replace', 'path': '/properties/dns-zone', 'value': 'example.com.'}]
    assert member.patch(FED + '/' + fed, ops).status_code == 202
    assert federation_row(fed)['status'] == 'CREATE_COMPLETE'


@pytest.mark.parametrize('rollback, status', [('true', 202), ('False', 202), ('maybe', 400)])
def test_rollback_query_is_a_boolean(member, world, fed, rollback, status):
    resp = member.patch(FED + '/' + fed + '?rollback=' + rollback, join('a'))
    assert resp.status_code == status, resp.text
    if status == 400:
        assert_error(resp, 400, 'rollback')


# -- PATCH: properties and refused paths ------------------------------------------------------

@pytest.mark.parametrize('ops, expected', [
    ([{'op': 'replace', 'path': '/properties', 'value': {'dns-zone': 'b.org.', 'x': 1}}],
     {'dns-zone': 'b.org.', 'x': '1'}),
    ([{'op': 'replace', 'path': '/properties', 'value': '{"dns-zone": "c.org."}'}],
     {'dns-zone': 'c.org.'}),
    ([{'op': 'replace', 'path': '/properties/dns-zone', 'value': 'd.org.'}],
     {'dns-zone': 'd.org.'}),
    ([{'op': 'add', 'path': '/properties/team', 'value': 'blue'}],
     {'dns-zone': 'example.com.', 'team': 'blue'}),
    ([{'op': 'add', 'path': '/properties/team', 'value': 'blue'},
      {'op': 'remove', 'path': '/properties/team'}], {'dns-zone': 'example.com.'}),
])
def test_patch_properties(member, fed, ops, expected):
    assert member.patch(FED + '/' + fed, ops).status_code == 202
    doc = member.get(FED + '/' + fed).json()
    changed = expected != ZONE
    assert doc['properties'] == expected
    assert doc['status'] == ('UPDATE_IN_PROGRESS' if changed else 'CREATE_COMPLETE')


@pytest.mark.parametrize('ops, word', [
    ([{'op': 'remove', 'path': '/properties/dns-zone'}], 'dns-zone'),
    ([{'op': 'remove', 'path': '/properties'}], 'properties: is mandatory'),
    ([{'op': 'replace', 'path': '/properties', 'value': {}}], 'dns-zone'),
    ([{'op': 'replace', 'path': '/properties', 'value': None}], 'properties'),
    ([{'op': 'replace', 'path': '/properties', 'value': ['x']}], 'properties'),
    ([{'op': 'replace', 'path': '/properties/dns-zone', 'value': ''}], 'dns-zone'),
    ([{'op': 'replace', 'path': '/properties/dns-zone', 'value': {'a': 'b'}}], 'properties'),
    ([{'op': 'add', 'path': '/properties', 'value': {'dns-zone': 'x.'}}], 'replace'),
    ([{'op': 'remove', 'path': '/properties/missing'}], 'properties'),
    ([{'op': 'replace', 'path': '/name', 'value': 'x'}], '/name'),
    ([{'op': 'replace', 'path': '/hostcluster_id', 'value': 'a'}], '/hostcluster_id'),
    ([{'op': 'replace', 'path': '/status', 'value': 'x'}], '/status'),
    ([{'op': 'replace', 'path': '/uuid', 'value': '9fddfdf3-73f9-4c33-a169-000000000536'}], '/uuid'),
    ([{'op': 'replace', 'path': '/project_id', 'value': 'x'}], '/project_id'),
    ([{'op': 'replace', 'path': '/colour', 'value': 'x'}], '/colour'),
    ([{'op': 'add', 'path': '/member_ids/-', 'value': 'a'}], '/member_ids/-'),
    ([{'op': 'remove', 'path': '/member_ids/0'}], '/member_ids/0'),
    ([{'op': 'remove', 'path': '/member_ids'}], 'value'),
    ([{'op': 'add', 'path': '/member_ids'}], 'value'),
    ([{'op': 'add', 'path': '/member_ids', 'value': ['a']}], 'member_ids'),
    ([{'op': 'add', 'path': '/member_ids', 'value': 5}], 'member_ids'),
    ([{'op': 'remove', 'path': '/member_ids', 'value': None}], 'member_ids'),
    ([{'op': 'replace', 'path': '/member_ids', 'value': 'a'}], 'member_ids'),
    ([{'op': 'replace', 'path': '/member_ids', 'value': ['a', 'a']}], 'member_ids'),
    ([], 'non-empty'),
])
def test_patch_bad_input_is_400(member, world, fed, ops, word):
    before = member.get(FED + '/' + fed).json()
    assert_error(member.patch(FED + '/' + fed, ops), 400, word)
    assert comparable(member.get(FED + '/' + fed).json()) == comparable(before)


def test_patch_replace_with_an_unknown_cluster_is_404(member, world, fed):
    ops = [{'op': 'replace', 'path': '/member_ids', 'value': ['missing']}]
    assert_error(member.patch(FED + '/' + fed, ops), 404, 'member_ids', 'missing')
    assert federation_row(fed)['member_ids'] == []


def test_patch_unknown_federation_is_404(member, world):
    assert_error(member.patch(FED + '/' + str(uuid.uuid4()), join('a')), 404)


# -- delete -----------------------------------------------------------------------------------

def test_delete(member, world, fed, casts):  # noqa: F811
    casts.clear()
    assert member.delete(FED + '/fed').status_code == 204
    row = federation_row(fed)
    assert (row['status'], row['operation']) == ('DELETE_IN_PROGRESS', 'delete')
    assert casts.wait_for(fed)
    assert member.delete(FED + '/fed').status_code == 204   # accepted again
    assert_error(member.patch(FED + '/' + fed, join('a')), 409, 'DELETE_IN_PROGRESS')
    settle(fed)
    assert_error(member.get(FED + '/' + fed), 404)
    assert_error(member.delete(FED + '/' + fed), 404)
    assert row_counts()['federation'] == 0
    assert row_counts()['cluster'] == 4


# -- clusters of a federation -------------------------------------------------------------------

def cluster_status(cluster_uuid: str) -> str:
    return db_api.get_cluster_by_uuid(context.get_admin_context(), cluster_uuid).status


def test_a_host_cluster_cannot_be_deleted(member, admin, world, fed, casts):  # noqa: F811
    for client in (member, admin):
        assert_error(client.delete('/v1/clusters/host'), 409, 'fed', fed, 'federation')
    assert cluster_status(world['host']) == 'CREATE_COMPLETE'
    assert member.delete(FED + '/' + fed).status_code == 204
    assert_error(member.delete('/v1/clusters/host'), 409, fed)   # until its stack is gone
    settle(fed)
    assert member.delete('/v1/clusters/host').status_code == 204
    assert cluster_status(world['host']) == 'DELETE_IN_PROGRESS'
    assert casts.wait_for(world['host'])


def test_deleting_a_member_unjoins_it_first(member, world, casts):  # noqa: F811
    fed = create(member, 'host', member_ids=['a', 'b'])
    casts.clear()
    assert member.delete('/v1/clusters/a').status_code == 204
    assert cluster_status(world['a']) == 'DELETE_IN_PROGRESS'
    row = federation_row(fed)
    assert row['member_ids'] == [world['b']]
    assert (row['status'], row['operation']) == ('UPDATE_IN_PROGRESS', 'update')
    assert row['operation_args'] == {'join': [], 'leave': [world['a']]}
    assert casts.wait_for(fed) and casts.wait_for(world['a'])


def test_deleting_a_member_of_a_busy_federation_is_409(member, world):
    fed = create(member, 'host', member_ids=['a'])
    assert member.patch(FED + '/' + fed, join('b')).status_code == 202
    assert_error(member.delete('/v1/clusters/a'), 409, 'UPDATE_IN_PROGRESS')
    assert cluster_status(world['a']) == 'CREATE_COMPLETE'


def test_a_deleted_cluster_leaves_its_federations(member, world):
    one = create(member, 'host', member_ids=['a'])
    two = create(member, 'host', member_ids=['b'])
    db_api.destroy_cluster(world['b'])   # what a conductor does at the end of a delete
    assert member.get(FED + '/' + one).json()['member_ids'] == [world['a']]
    assert member.get(FED + '/' + two).json()['member_ids'] == []
