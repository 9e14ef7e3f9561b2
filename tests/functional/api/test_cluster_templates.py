"""``/v1/clustertemplates`` over real HTTP on SQLite, MariaDB and PostgreSQL (spec §3.1, §4.1).

Also the service basics every route shares: microversion headers (§2.1),
version documents (§2.3), request ids and the error body (§1), and the
template policies (§11). Cloud-resource checks run against the simulator (or
see ``tests/fixtures/cloud.py``) in the ``TestCloudChecks``
class; everywhere else they are off.
"""
from __future__ import annotations

import urllib.parse
import uuid

import pytest

from tests.fixtures import api as api_fixture
from tests.fixtures.api import comparable
from tests.fixtures.api import error_title

pytestmark = pytest.mark.usefixtures('clean_db')

from tests.functional.api.cluster_template_helpers import assert_error
from tests.functional.api.cluster_template_helpers import body
from tests.functional.api.cluster_template_helpers import create
from tests.functional.api.cluster_template_helpers import CT
from tests.functional.api.cluster_template_helpers import ECHO
from tests.functional.api.cluster_template_helpers import MAX_HELP
from tests.functional.api.cluster_template_helpers import patch
from tests.functional.api.cluster_template_helpers import template_rows


# -- create and defaults -------------------------------------------------------

ALL_FIELDS = {'uuid', 'name', 'coe', 'image_id', 'flavor_id', 'master_flavor_id', 'keypair_id',
              'dns_nameserver', 'external_network_id', 'fixed_network', 'fixed_subnet',
              'network_driver', 'volume_driver', 'apiserver_port', 'docker_volume_size',
              'docker_storage_driver', 'cluster_distro', 'server_type', 'labels',
              'http_proxy', 'https_proxy', 'no_proxy', 'registry_enabled',
              'insecure_registry', 'tls_disabled', 'public', 'hidden', 'master_lb_enabled',
              'floating_ip_enabled', 'tags', 'project_id', 'user_id', 'links', 'created_at',
              'updated_at', 'driver'}


def test_create_201_location_and_defaults(api_server, admin):
    resp = admin.post(CT, body(name='k8s'))
    assert resp.status_code == 201, resp.text
    doc = resp.json()
    assert ALL_FIELDS <= set(doc), ALL_FIELDS - set(doc)
    assert uuid.UUID(doc['uuid'])
    assert resp.headers['Location'] == '%s/v1/clustertemplates/%s' % (api_server.url,
                                                                        doc['uuid'])
    assert doc['links'] == [
        {'href': '%s/v1/clustertemplates/%s' % (api_server.url, doc['uuid']), 'rel': 'self'},
        {'href': '%s/clustertemplates/%s' % (api_server.url, doc['uuid']), 'rel': 'bookmark'}]
    assert doc['server_type'] == 'vm'
    assert doc['network_driver'] == 'flannel'
    assert doc['floating_ip_enabled'] is True
    for flag in ('registry_enabled', 'tls_disabled', 'public', 'hidden', 'master_lb_enabled'):
        assert doc[flag] is False, flag
    assert doc['labels'] == {}
    assert doc['project_id'] == 'admin' and doc['user_id'] == 'admin'
    assert doc['created_at'] and doc['updated_at'] is None
    assert doc['name'] == 'k8s'
    shown = admin.get(resp.headers['Location'])
    assert shown.status_code == 200
    assert comparable(shown.json()) == comparable(doc)


@pytest.mark.parametrize('coe, driver', [('kubernetes', 'flannel'), ('swarm', 'docker'),
                                         ('swarm-mode', 'docker'), ('mesos', 'docker')])
def test_default_network_driver_per_coe(admin, coe, driver):
    assert create(admin, coe=coe)['network_driver'] == driver


def test_create_response_matches_later_get(admin):
    """The created document and a later GET agree to the microsecond."""
    doc = create(admin)
    assert admin.get(CT + '/' + doc['uuid']).json()['created_at'] == doc['created_at']


def test_generated_name(admin):
    name = create(admin)['name']
    assert name.endswith('-template') and len(name.split('-')) == 3, name


def test_null_fields_mean_not_given(admin):
    """python-magnumclient sends every unset option as JSON null (clients.md §3.9)."""
    nulls = {f: None for f in ('name', 'flavor_id', 'master_flavor_id', 'keypair_id',
                               'dns_nameserver', 'external_network_id', 'fixed_network',
                               'fixed_subnet', 'network_driver', 'volume_driver',
                               'apiserver_port', 'docker_volume_size', 'docker_storage_driver',
                               'server_type', 'labels', 'http_proxy', 'https_proxy',
                               'no_proxy', 'registry_enabled', 'insecure_registry',
                               'tls_disabled', 'public', 'hidden', 'master_lb_enabled',
                               'floating_ip_enabled', 'tags', 'driver')}
    doc = create(admin, **nulls)
    assert doc['server_type'] == 'vm'
    assert doc['network_driver'] == 'flannel'
    assert doc['floating_ip_enabled'] is True
    assert doc['public'] is False and doc['hidden'] is False
    assert doc['labels'] == {}
    assert doc['master_flavor_id'] is None and doc['flavor_id'] is None
    assert doc['name']


def test_create_every_field(admin):
    given = body(name='full', flavor_id='m1.small', master_flavor_id='m1.medium',
                 keypair_id='default', dns_nameserver='8.8.8.8,1.1.1.1',
                 external_network_id='public', fixed_network='private',
                 fixed_subnet='private-subnet', network_driver='calico', volume_driver='cinder',
                 apiserver_port=6443, docker_volume_size=5, docker_storage_driver='overlay2',
                 labels={'kube_tag': 'v1.30', 'n': 3, 'b': True},
                 http_proxy='http://p:3128', https_proxy='http://p:3128', no_proxy='localhost',
                 registry_enabled=True, insecure_registry='10.0.0.1:5000', tls_disabled=True,
                 master_lb_enabled=True, floating_ip_enabled=False, tags='a,b')
    doc = create(admin, **given)
    for key, value in given.items():
        if key == 'labels':
            assert doc['labels'] == {'kube_tag': 'v1.30', 'n': '3', 'b': 'true'}
        else:
            assert doc[key] == value, key


@pytest.mark.parametrize('field, value, word', [
    ('coe', 'nomad', 'coe'),
    ('server_type', 'container', 'server_type'),
    ('network_driver', 'cilium', 'network_driver'),
    ('network_driver', 'docker', 'network_driver'),
    ('volume_driver', 'rexray', 'volume_driver'),
    ('dns_nameserver', '8.8.8.8,not-an-ip', 'dns_nameserver'),
    ('apiserver_port', 80, 'apiserver_port'),
    ('apiserver_port', 70000, 'apiserver_port'),
    ('docker_volume_size', 0, 'docker_volume_size'),
    ('labels', ['a'], 'labels'),
    ('labels', {'a': {'b': 1}}, 'labels'),
    ('public', 'maybe', 'public'),
    ('name', '', 'name'),
    ('name', 'x' * 256, 'name'),
    ('uuid', 'not-a-uuid', 'uuid'),
])
def test_create_invalid_field_is_400_naming_it(admin, field, value, word):
    before = template_rows()
    assert_error(admin.post(CT, body(**{field: value})), 400, word)
    assert template_rows() == before


@pytest.mark.parametrize('missing', ['coe', 'image_id'])
def test_create_mandatory_fields(admin, missing):
    doc = body()
    del doc[missing]
    assert_error(admin.post(CT, doc), 400, missing)


def test_devicemapper_needs_3gb(admin):
    assert_error(admin.post(CT, body(docker_storage_driver='devicemapper',
                                     docker_volume_size=2)), 400, 'docker_volume_size')
    assert create(admin, docker_storage_driver='devicemapper', docker_volume_size=3)


@pytest.mark.parametrize('field', ['project_id', 'user_id', 'created_at', 'links'])
def test_create_read_only_fields_refused(admin, field):
    values = {'project_id': 'x', 'user_id': 'y', 'created_at': '2020-01-01T00:00:00',
              'links': []}
    resp = admin.post(CT, body(**{field: values[field]}))
    assert 400 <= resp.status_code < 500, resp.text
    error_title(resp)
    assert template_rows() == 0


def test_create_with_given_uuid_then_duplicate_uuid_is_409(admin):
    wanted = str(uuid.uuid4())
    assert create(admin, uuid=wanted)['uuid'] == wanted
    assert_error(admin.post(CT, body(uuid=wanted)), 409, wanted)
    assert template_rows() == 1


def test_unknown_field_refused(admin):
    assert_error(admin.post(CT, body(colour='blue')), 400, 'colour')


# -- get, list, detail -------------------------------------------------------------

def test_get_by_uuid_and_name(admin):
    doc = create(admin, name='by-name')
    assert comparable(admin.get(CT + '/' + doc['uuid']).json()) == comparable(doc)
    assert comparable(admin.get(CT + '/by-name').json()) == comparable(doc)


def test_get_unknown_is_404(admin):
    assert_error(admin.get(CT + '/' + str(uuid.uuid4())), 404)
    assert_error(admin.get(CT + '/no-such-name'), 404, 'no-such-name')


def test_duplicate_names_are_allowed_but_name_lookup_is_409(admin):
    first = create(admin, name='twin')
    second = create(admin, name='twin')
    assert first['uuid'] != second['uuid']
    for method in ('GET', 'PATCH', 'DELETE'):
        json_body = [{'op': 'replace', 'path': '/tags', 'value': 'x'}] \
            if method == 'PATCH' else None
        assert_error(admin.request(method, CT + '/twin', json_body=json_body), 409, 'twin')
    assert admin.get(CT + '/' + first['uuid']).status_code == 200


def test_list_and_detail_show_every_field(admin):
    docs = [create(admin, name='t%d' % i) for i in range(3)]
    for path in (CT, CT + '/detail'):
        resp = admin.get(path)
        assert resp.status_code == 200, resp.text
        listed = resp.json()
        assert 'next' not in listed
        assert [d['uuid'] for d in listed['clustertemplates']] == [d['uuid'] for d in docs]
        assert comparable(listed['clustertemplates']) == comparable(docs)


def test_unversioned_paths_are_routed_to_v1(admin):
    doc = create(admin)
    resp = admin.get('/clustertemplates/' + doc['uuid'])
    assert resp.status_code == 200 and resp.json()['uuid'] == doc['uuid']


# -- pagination ----------------------------------------------------------------

@pytest.fixture
def five(admin):
    return [create(admin, name='p%d' % i, tags='t%d' % (4 - i)) for i in range(5)]


def test_limit_marker_and_next(admin, five):
    resp = admin.get(CT + '?limit=2')
    page = resp.json()
    assert [d['uuid'] for d in page['clustertemplates']] == [d['uuid'] for d in five[:2]]
    link = urllib.parse.urlsplit(page['next'])
    query = urllib.parse.parse_qs(link.query)
    assert link.path == '/v1/clustertemplates'
    assert query['limit'] == ['2'] and query['marker'] == [five[1]['uuid']]
    assert query['sort_key'] == ['id'] and query['sort_dir'] == ['asc']
    seen = [d['uuid'] for d in page['clustertemplates']]
    url = page['next']
    while url:
        page = admin.get(url).json()
        seen += [d['uuid'] for d in page['clustertemplates']]
        url = page.get('next')
    assert seen == [d['uuid'] for d in five]
    # a short page has no next link
    last = admin.get(CT + '?limit=2&marker=' + five[3]['uuid']).json()
    assert [d['uuid'] for d in last['clustertemplates']] == [five[4]['uuid']]
    assert 'next' not in last


def test_next_on_detail_keeps_detail_and_sort(admin, five):
    page = admin.get(CT + '/detail?limit=2&sort_key=name&sort_dir=desc').json()
    assert [d['name'] for d in page['clustertemplates']] == ['p4', 'p3']
    link = urllib.parse.urlsplit(page['next'])
    assert link.path == '/v1/clustertemplates/detail'
    query = urllib.parse.parse_qs(link.query)
    assert query['sort_key'] == ['name'] and query['sort_dir'] == ['desc']
    second = admin.get(page['next']).json()
    assert [d['name'] for d in second['clustertemplates']] == ['p2', 'p1']


@pytest.mark.parametrize('key', ['name', 'tags', 'uuid', 'created_at', 'coe', 'id'])
@pytest.mark.parametrize('direction', ['asc', 'desc'])
def test_sort_keys(admin, five, key, direction):
    listed = admin.get(CT + '?sort_key=%s&sort_dir=%s' % (key, direction)).json()
    got = [d['uuid'] for d in listed['clustertemplates']]
    if key in ('id', 'coe'):
        # ids ascend with creation; equal coe values fall back to the id tie-breaker,
        # which follows sort_dir
        expected = [d['uuid'] for d in five]
        assert got == (expected[::-1] if direction == 'desc' else expected)
    elif key == 'created_at':
        stamps = [d['created_at'] for d in listed['clustertemplates']]
        assert stamps == sorted(stamps, reverse=direction == 'desc')
        assert sorted(got) == sorted(d['uuid'] for d in five)
    else:
        expected = sorted(five, key=lambda d: d[key], reverse=direction == 'desc')
        assert got == [d['uuid'] for d in expected]


@pytest.mark.parametrize('limit', ['0', '-1', '-1000'])
def test_non_positive_limit_is_400(admin, five, limit):
    assert_error(admin.get(CT + '?limit=' + limit), 400, 'limit')


def test_bad_sort_key_and_dir_are_400(admin, five):
    assert_error(admin.get(CT + '?sort_key=nope'), 400, 'sort_key')
    assert_error(admin.get(CT + '?sort_key=labels'), 400, 'sort_key')
    assert_error(admin.get(CT + '?sort_dir=sideways'), 400, 'sort_dir')


def test_unknown_marker_is_400(admin, five):
    assert_error(admin.get(CT + '?marker=' + str(uuid.uuid4())), 400, 'marker')
    assert_error(admin.get(CT + '?marker=garbage'), 400, 'marker')


def test_limit_is_capped_by_max_limit(admin, five):
    api_fixture.CONF.set_override('max_limit', 3, group='api')
    try:
        page = admin.get(CT + '?limit=100').json()
        assert len(page['clustertemplates']) == 3
        assert 'limit=3' in page['next']
        assert len(admin.get(CT).json()['clustertemplates']) == 3
    finally:
        api_fixture.CONF.clear_override('max_limit', group='api')


def test_marker_of_invisible_template_is_400(admin, member, five):
    """A marker is looked up among what the caller may see."""
    assert_error(member.get(CT + '?marker=' + five[0]['uuid']), 400, 'marker')


# -- publish, visibility, policy ---------------------------------------------------

@pytest.mark.parametrize('flag', ['public', 'hidden'])
def test_publish_needs_admin_on_create(member, admin, flag):
    assert_error(member.post(CT, body(**{flag: True})), 403)
    assert template_rows() == 0
    assert create(admin, **{flag: True})[flag] is True


@pytest.mark.parametrize('flag', ['public', 'hidden'])
def test_publish_needs_admin_on_patch(member, admin, flag):
    doc = create(member)
    assert_error(patch(member, doc['uuid'], {'op': 'replace', 'path': '/' + flag,
                                             'value': True}), 403)
    resp = patch(admin, doc['uuid'], {'op': 'replace', 'path': '/' + flag, 'value': True})
    assert resp.status_code == 200, resp.text
    assert resp.json()[flag] is True


def test_member_may_set_public_false_explicitly(member):
    assert create(member, public=False, hidden=False)['public'] is False


@pytest.fixture
def world(admin, member):
    return {
        'own': create(member, name='own'),
        'public': create(admin, name='pub', public=True),
        'hidden': create(admin, name='hid', public=True, hidden=True),
        'admin_private': create(admin, name='adm'),
    }


def names(resp):
    assert resp.status_code == 200, resp.text
    return sorted(d['name'] for d in resp.json()['clustertemplates'])


def test_visibility_in_lists(world, admin, member, other):
    for path in (CT, CT + '/detail'):
        assert names(member.get(path)) == ['own', 'pub']
        assert names(other.get(path)) == ['pub']
        assert names(admin.get(path)) == ['adm', 'hid', 'own', 'pub']


def test_visibility_of_one(world, admin, member, other):
    for ident in (world['public']['uuid'], 'pub'):
        assert other.get(CT + '/' + ident).status_code == 200
    for key in ('own', 'hidden', 'admin_private'):
        assert_error(other.get(CT + '/' + world[key]['uuid']), 404)
        assert_error(other.get(CT + '/' + world[key]['name']), 404)
    assert_error(member.get(CT + '/hid'), 404)
    for key in world:
        assert admin.get(CT + '/' + world[key]['uuid']).status_code == 200


def test_other_project_cannot_change_public_template(world, other):
    ident = world['public']['uuid']
    assert_error(patch(other, ident, {'op': 'replace', 'path': '/tags', 'value': 'x'}), 403)
    assert_error(other.delete(CT + '/' + ident), 403)
    assert_error(other.delete(CT + '/' + world['own']['uuid']), 404)


def test_admin_changes_and_deletes_other_projects_template(world, admin):
    ident = world['own']['uuid']
    resp = patch(admin, ident, {'op': 'replace', 'path': '/tags', 'value': 'by-admin'})
    assert resp.status_code == 200, resp.text
    assert resp.json()['project_id'] == 'project-a'
    assert admin.delete(CT + '/' + ident).status_code == 204


def test_reader_reads_but_cannot_write(world, reader, member):
    assert names(reader.get(CT)) == ['own', 'pub']
    assert reader.get(CT + '/own').status_code == 200
    assert_error(reader.post(CT, body()), 403)
    assert_error(patch(reader, 'own', {'op': 'replace', 'path': '/tags', 'value': 'x'}), 403)
    assert_error(reader.delete(CT + '/own'), 403)
    assert template_rows() == 4


def test_no_roles_cannot_list(api_server, world):
    nobody = api_server.client(('project-a', 'u', ''))
    assert_error(nobody.get(CT), 403)
    assert_error(nobody.get(CT + '/own'), 403)
    # a public template needs no policy check on GET one (spec §11)
    assert nobody.get(CT + '/pub').status_code == 200


def test_owner_sees_own_hidden_template(admin, member):
    doc = create(member, name='mine')
    patch(admin, doc['uuid'], {'op': 'replace', 'path': '/hidden', 'value': True})
    assert member.get(CT + '/mine').status_code == 200
    assert names(member.get(CT)) == ['mine']


# -- microversions, documents, request ids, error body --------------------------------------

def test_no_version_header_is_1_1(api_server):
    resp = api_server.client(version=None).get(CT)
    assert resp.status_code == 200
    assert resp.headers['OpenStack-API-Version'] == ECHO + ' 1.1'
    assert resp.headers['OpenStack-API-Minimum-Version'] == ECHO + ' 1.1'
    assert resp.headers['OpenStack-API-Maximum-Version'] == ECHO + ' 1.14'
    assert 'OpenStack-API-Version' in resp.headers['Vary']


@pytest.mark.parametrize('service', ['container-infra', 'container-infrastructure',
                                     'container-infrastructure-management'])
@pytest.mark.parametrize('version, echoed', [('latest', '1.14'), ('1.1', '1.1'),
                                             ('1.9', '1.9'), ('1.14', '1.14')])
def test_version_header_services_and_values(api_server, service, version, echoed):
    resp = requests_get(api_server, CT, {'OpenStack-API-Version': '%s %s' % (service, version)})
    assert resp.status_code == 200, resp.text
    assert resp.headers['OpenStack-API-Version'] == ECHO + ' ' + echoed


def requests_get(api_server, path, headers):
    client = api_server.client(version=None)
    return client.get(path, headers=headers)


@pytest.mark.parametrize('value', ['container-infra 1.15', 'container-infra 2.0',
                                   'container-infra 1.0', 'container-infra 1.1000',
                                   'container-infra 1.99'])
def test_out_of_range_version_406_body(api_server, value):
    resp = requests_get(api_server, CT, {'OpenStack-API-Version': value})
    assert resp.status_code == 406
    error = resp.json()['errors'][0]
    assert error['code'] == 'magnum.microversion-unsupported'
    assert error['title'] == 'Requested microversion is unsupported'
    assert error['min_version'] == '1.1' and error['max_version'] == '1.14'
    assert error['links'] == [{'rel': 'help', 'href': MAX_HELP}]
    assert error['status'] == 406
    assert resp.headers['OpenStack-API-Minimum-Version'] == ECHO + ' 1.1'
    assert resp.headers['OpenStack-API-Maximum-Version'] == ECHO + ' 1.14'


@pytest.mark.parametrize('value', ['compute 1.1', 'container-infra', 'container-infra1.1',
                                   'container-infra 1', 'container-infra 1.1.1',
                                   'container-infra v1.1', 'container-infra 1.x',
                                   'container-infra latest please', 'magnum 1.1',
                                   'container-infra 0.9', 'container-infra 1.01'])
def test_malformed_version_406(api_server, value):
    resp = requests_get(api_server, CT, {'OpenStack-API-Version': value})
    assert_error(resp, 406)


def test_version_header_not_checked_on_root(api_server):
    resp = requests_get(api_server, '/', {'OpenStack-API-Version': 'container-infra 9.9'})
    assert resp.status_code == 200


def test_root_document(api_server):
    resp = api_server.client(identity=None, version=None).get('/')
    assert resp.status_code == 200
    doc = resp.json()
    assert doc['name'] == 'OpenStack Magnum API'
    assert doc['versions'] == [{'id': 'v1', 'status': 'CURRENT', 'min_version': '1.1',
                                'max_version': '1.14',
                                'links': [{'href': api_server.url + '/v1/', 'rel': 'self'}]}]


@pytest.mark.parametrize('path', ['/v1', '/v1/'])
def test_v1_document(api_server, path):
    resp = api_server.client(identity=None, version=None).get(path)
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    assert doc['id'] == 'v1'
    assert doc['media_types'] == [{'base': 'application/json',
                                   'type': 'application/vnd.openstack.magnum.v1+json'}]
    assert doc['links'][0] == {'href': api_server.url + '/v1/', 'rel': 'self'}
    assert doc['links'][1]['rel'] == 'describedby'
    for name in ('clustertemplates', 'clusters', 'quotas', 'certificates', 'mservices',
                 'stats', 'federations', 'credentials'):
        assert doc[name] == [{'href': '%s/v1/%s' % (api_server.url, name), 'rel': 'self'},
                             {'href': '%s/%s' % (api_server.url, name), 'rel': 'bookmark'}]
    assert doc['nodegroups'][0]['href'] == api_server.url + '/v1/clusters/{cluster_id}/nodegroups'
    assert 'bays' not in doc and 'baymodels' not in doc


def test_request_id_header_on_success_and_error(admin):
    ok = admin.get(CT)
    bad = admin.get(CT + '/nope')
    for resp in (ok, bad):
        assert resp.headers['X-OpenStack-Request-Id'].startswith('req-')
    assert ok.headers['X-OpenStack-Request-Id'] != bad.headers['X-OpenStack-Request-Id']
    assert bad.json()['errors'][0]['request_id'] == bad.headers['X-OpenStack-Request-Id']


def test_error_body_shape(admin):
    resp = admin.get(CT + '/nope')
    assert resp.headers['Content-Type'].startswith('application/json')
    doc = resp.json()
    assert list(doc) == ['errors'] and len(doc['errors']) == 1
    error = doc['errors'][0]
    assert set(error) >= {'request_id', 'code', 'status', 'title', 'detail', 'links'}
    assert error['status'] == 404 and error['code'] == 'client'
    assert error['title'] == 'ClusterTemplate nope could not be found.'


def test_unknown_route_and_method(admin):
    assert_error(admin.get('/v1/nothing-here'), 404)
    assert_error(admin.request('PUT', CT), 405)
    assert_error(admin.request('POST', CT + '/detail', json_body=body()), 405)


# -- cloud checks (simulator) ------------------------------------------------------

@pytest.mark.usefixtures('cloud_checks')
class TestCloudChecks:

    def test_valid_names_accepted_and_distro_from_image(self, admin):
        doc = create(admin, image_id='fedora-coreos-latest', flavor_id='m1.small',
                     master_flavor_id='m1.medium', keypair_id='default',
                     external_network_id='public', fixed_network='private',
                     fixed_subnet='private-subnet', cluster_distro='ubuntu',
                     driver='k8s_fedora_atomic_v1')
        assert doc['cluster_distro'] == 'fedora-coreos'

    def test_distro_of_default_image(self, admin):
        assert create(admin)['cluster_distro'] == 'fedora-atomic'

    def test_image_by_id(self, admin, cloud):
        import requests
        images = requests.get(cloud.url + '/image/v2/images',
                              params={'name': 'ubuntu-22.04'}).json()['images']
        doc = create(admin, image_id=images[0]['id'], driver='k8s_fedora_atomic_v1')
        assert doc['cluster_distro'] == 'ubuntu'

    @pytest.mark.parametrize('field, value', [
        ('image_id', 'no-such-image'),
        ('flavor_id', 'm9.huge'),
        ('master_flavor_id', 'm9.huge'),
        ('external_network_id', 'no-such-net'),
        ('fixed_network', 'no-such-net'),
        ('fixed_subnet', 'no-such-subnet'),
        ('image_id', '9fddfdf3-73f9-4c33-a169-000000000549'),
    ])
    def test_unknown_resource_is_400_naming_it(self, admin, field, value):
        assert_error(admin.post(CT, body(**{field: value})), 400, value)
        assert template_rows() == 0

    def test_keypair_is_not_checked_on_templates(self, admin):
        # Keypairs belong to users, templates are shared: Magnum checks the
        # keypair when a cluster is created, for the user creating it.
        doc = create(admin, keypair_id='no-such-key')
        assert doc['keypair_id'] == 'no-such-key'
        resp = patch(admin, doc['uuid'],
                     {'op': 'replace', 'path': '/keypair_id', 'value': 'other-missing-key'})
        assert resp.status_code == 200, resp.text
        assert resp.json()['keypair_id'] == 'other-missing-key'

    def test_image_without_os_distro(self, admin):
        assert_error(admin.post(CT, body(image_id='cirros-no-distro')), 400, 'os_distro')

    def test_non_external_network(self, admin):
        assert_error(admin.post(CT, body(external_network_id='private')), 400,
                     'external_network_id', 'private')

    def test_patch_rechecks_changed_resources(self, admin):
        doc = create(admin)
        assert_error(patch(admin, doc['uuid'],
                           {'op': 'replace', 'path': '/image_id', 'value': 'nope'}),
                     400, 'nope')
        assert_error(patch(admin, doc['uuid'],
                           {'op': 'add', 'path': '/flavor_id', 'value': 'm9.huge'}),
                     400, 'm9.huge')
        # No driver builds ubuntu: refused, unless the patch names a driver.
        assert_error(patch(admin, doc['uuid'],
                           {'op': 'replace', 'path': '/image_id', 'value': 'ubuntu-22.04'}),
                     400, 'cluster_distro=ubuntu', 'k8s_fedora_atomic_v1')
        resp = patch(admin, doc['uuid'],
                     {'op': 'replace', 'path': '/image_id', 'value': 'ubuntu-22.04'},
                     {'op': 'replace', 'path': '/driver', 'value': 'k8s_fedora_atomic_v1'})
        assert resp.status_code == 200, resp.text
        assert resp.json()['cluster_distro'] == 'ubuntu'

    def test_null_master_flavor_is_not_looked_up(self, admin):
        doc = create(admin, master_flavor_id=None, flavor_id=None, keypair_id=None)
        assert doc['master_flavor_id'] is None

    def test_cloud_down_is_503(self, admin):
        api_fixture.CONF.set_override('endpoint_override', 'http://127.0.0.1:9/image',
                                      group='glance_client')
        try:
            assert_error(admin.post(CT, body()), 503)
        finally:
            api_fixture.CONF.clear_override('endpoint_override', group='glance_client')
        assert template_rows() == 0


# -- concurrency -------------------------------------------------------------------

def test_concurrent_create_and_delete_never_5xx(api_server):
    """8 clients creating and deleting templates at once: no 5xx, nothing left behind."""
    import concurrent.futures
    codes = []

    def work(_):
        client = api_server.client()
        for _ in range(15):
            resp = client.post(CT, body())
            codes.append(resp.status_code)
            if resp.status_code == 201:
                codes.append(client.delete(CT + '/' + resp.json()['uuid']).status_code)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    assert all(code < 500 for code in codes), sorted(set(codes))
    assert template_rows() == 0
