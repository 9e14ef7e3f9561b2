"""Hundreds of malformed requests against every route and method, on every database.

Cluster templates are swept in full, and federations (the end of the module)
the same way; cluster, node-group and quota routes get lighter sweeps here and
in ``tests/functional/clusters``.

Each must be answered 4xx with the OpenStack error body (``errors[0].title``
non-empty, naming the field when one is involved), never 5xx, and must leave
no row behind. Cloud checks are off (the simulator is not involved).
"""
from __future__ import annotations

import json

import pytest

from tests.fixtures.api import ApiClient
from tests.fixtures.api import comparable
from tests.fixtures.api import error_title
from tests.functional.api.conftest import row_counts
from tests.functional.api.federation_helpers import FED, ZONE, add_cluster

pytestmark = pytest.mark.usefixtures('clean_db')


def ids(values):
    """Short, printable test ids."""
    return [repr(v)[:40] for v in values]

CT = '/v1/clustertemplates'
VALID = {'coe': 'kubernetes', 'image_id': 'fedora-atomic-latest', 'cluster_distro': 'fedora-atomic'}

STRING_FIELDS = ('name', 'image_id', 'flavor_id', 'master_flavor_id', 'keypair_id',
                 'dns_nameserver', 'external_network_id', 'fixed_network', 'fixed_subnet',
                 'network_driver', 'volume_driver', 'docker_storage_driver', 'cluster_distro',
                 'driver', 'http_proxy', 'https_proxy', 'no_proxy', 'insecure_registry', 'tags')
ENUM_FIELDS = ('coe', 'server_type')
INT_FIELDS = ('apiserver_port', 'docker_volume_size')
BOOL_FIELDS = ('registry_enabled', 'tls_disabled', 'public', 'hidden', 'master_lb_enabled',
               'floating_ip_enabled')

WRONG_FOR_STRING = [123, 1.5, True, [], ['a'], {}, {'a': 'b'}]
WRONG_FOR_INT = ['abc', '', 1.5, True, False, [], [1], {}, {'a': 1}, 10 ** 30, -1, '1e3']
WRONG_FOR_BOOL = ['maybe', '', 2, -1, 1.5, [], [True], {}, {'a': True}]
WRONG_FOR_LABELS = ['not a map', 1, True, [], ['a', 'b'], {'a': [1]}, {'a': {'b': 'c'}},
                    {'a': None}, {'a': 'x' * 70000}, {'k%d' % i: 'v' * 100 for i in range(700)}]


@pytest.fixture
def template(admin):
    resp = admin.post(CT, dict(VALID, name='target', labels={'a': 'b'}, tags='t'))
    assert resp.status_code == 201, resp.text
    return resp.json()


def check(resp, *, field: str | None = None, status: int | None = None):
    """A 4xx with the OpenStack error body, naming ``field`` when given."""
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.text[:500])
    if status is not None:
        assert resp.status_code == status, (resp.status_code, resp.text[:500])
    if resp.request.method == 'HEAD':
        return
    title = error_title(resp)
    assert len(title) < 2000, 'error title too long (%d chars)' % len(title)
    if field:
        assert field in title, (field, title[:500])


def unchanged(admin, before, template=None):
    assert row_counts() == before
    if template is not None:
        assert comparable(admin.get(CT + '/' + template['uuid']).json()) == comparable(template)


# -- create: wrong JSON types for every field --------------------------------------

CREATE_CASES = (
    [(f, v) for f in STRING_FIELDS + ENUM_FIELDS for v in WRONG_FOR_STRING]
    + [(f, v) for f in STRING_FIELDS if f != 'tags' for v in ('', 'x' * 256)]
    + [('tags', 'x' * 256)]
    + [(f, 'x' * 100000) for f in ('name', 'image_id', 'labels')]
    + [(f, v) for f in INT_FIELDS for v in WRONG_FOR_INT]
    + [(f, v) for f in BOOL_FIELDS for v in WRONG_FOR_BOOL]
    + [('labels', v) for v in WRONG_FOR_LABELS]
    + [('uuid', v) for v in ('nope', 123, '', [], 'x' * 300)]
    + [(f, 'x') for f in ('colour', 'id', 'nodegroups', '__class__', 'Name', 'unicodé')]
    + [(f, v) for f in ('project_id', 'user_id', 'created_at', 'updated_at', 'links')
       for v in ('x', '2020-01-01T00:00:00')]
)


@pytest.mark.parametrize('field, value', CREATE_CASES,
                         ids=['%s=%s' % (f, repr(v)[:20]) for f, v in CREATE_CASES])
def test_create_wrong_value(admin, field, value):
    before = row_counts()
    check(admin.post(CT, dict(VALID, **{field: value})), field=field.strip('_'), status=400)
    unchanged(admin, before)


# -- create: bodies that are not a template ----------------------------------------------

RAW_BODIES = [
    '', ' ', '{', '}', '{"coe": }', '{"coe": "kubernetes",}', "{'coe': 'kubernetes'}",
    'not json', 'null', '1', '-1.5', '"string"', 'true', '[]', '[{}]', '[1, 2]',
    '{"coe": "kubernetes", "image_id": "x"} trailing', '{"coe": NaN, "image_id": "x"}',
    '{"coe": "kubernetes", "image_id": "x", "apiserver_port": Infinity}',
    '{"coe": "kubernetes", "image_id": "x", "docker_volume_size": -Infinity}',
    '[' * 100000 + ']' * 100000,
    '{"labels": ' + '{"a": ' * 3000 + '1' + '}' * 3000 + ', "coe": "kubernetes"}',
    '{"coe": "kubernetes", "image_id": "x", "name": "\\ud800"}',
    '{"coe": "kubernetes", "image_id": "x", "name": "a\\u0000b"}',
    '{"coe": "kubernetes", "image_id": "x", "labels": {"k\\u0000": "v"}}',
    '{"coe": "kubernetes", "image_id": "x", "labels": {"\\udfff": "v"}}',
    b'{"coe": "kubernetes", "image_id": "\xff\xfe"}',
    b'\xef\xbb\xbf{"coe": "kubernetes"}',
    '{"coe": "kubernetes"}',
    '{"image_id": "x"}',
    '{}',
    '{"coe": null, "image_id": null}',
]


@pytest.mark.parametrize('raw', RAW_BODIES, ids=[repr(r[:30]) for r in RAW_BODIES])
@pytest.mark.parametrize('content_type', ['application/json', 'text/plain'])
def test_create_raw_body(admin, raw, content_type):
    before = row_counts()
    resp = admin.request('POST', CT, data=raw, headers={'Content-Type': content_type})
    check(resp, status=None if content_type != 'application/json' else 400)
    unchanged(admin, before)


@pytest.mark.parametrize('method', ['POST', 'PATCH'])
def test_huge_body_is_413(admin, template, method):
    before = row_counts()
    path = CT if method == 'POST' else CT + '/' + template['uuid']
    big = json.dumps(dict(VALID, labels={'k': 'v' * (2 * 1024 * 1024)}))
    check(admin.request(method, path, data=big), status=413)
    unchanged(admin, before, template)


def test_huge_body_without_length_is_413(admin):
    def chunks():
        for _ in range(64):
            yield b'x' * 65536
    before = row_counts()
    resp = admin.session.post(admin.base_url + CT, data=chunks(),
                              headers=dict(admin.headers, **{'Content-Type': 'application/json'}))
    check(resp, status=413)
    unchanged(admin, before)


# -- PATCH: bad operations ------------------------------------------------------------

PATCH_BODIES = [
    {}, [], None, 'string', 1, [1], ['op'], [None], [[]], {'op': 'replace'},
    [{}],
    [{'op': 'move', 'from': '/name', 'path': '/tags'}],
    [{'op': 'copy', 'from': '/name', 'path': '/tags'}],
    [{'op': 'test', 'path': '/name', 'value': 'target'}],
    [{'op': 'REPLACE', 'path': '/name', 'value': 'x'}],
    [{'op': None, 'path': '/name', 'value': 'x'}],
    [{'op': 1, 'path': '/name', 'value': 'x'}],
    [{'path': '/name', 'value': 'x'}],
    [{'op': 'replace', 'value': 'x'}],
    [{'op': 'replace', 'path': None, 'value': 'x'}],
    [{'op': 'replace', 'path': 123, 'value': 'x'}],
    [{'op': 'replace', 'path': '', 'value': 'x'}],
    [{'op': 'replace', 'path': '/', 'value': 'x'}],
    [{'op': 'replace', 'path': 'name', 'value': 'x'}],
    [{'op': 'replace', 'path': '//name', 'value': 'x'}],
    [{'op': 'replace', 'path': '/name/', 'value': 'x'}],
    [{'op': 'replace', 'path': '/name/extra', 'value': 'x'}],
    [{'op': 'replace', 'path': '/ name', 'value': 'x'}],
    [{'op': 'replace', 'path': '/~1', 'value': 'x'}],
    [{'op': 'replace', 'path': '/naïve', 'value': 'x'}],
    [{'op': 'replace', 'path': '/' + 'a' * 5000, 'value': 'x'}],
    [{'op': 'replace', 'path': '/name'}],
    [{'op': 'add', 'path': '/flavor_id'}],
    [{'op': 'replace', 'path': '/name', 'value': 'x', 'extra': 1}],
    [{'op': 'remove', 'path': '/labels/missing'}],
    [{'op': 'add', 'path': '/labels/a/b', 'value': 'x'}],
    [{'op': 'replace', 'path': '/labels/a/b/c', 'value': 'x'}],
    [{'op': 'remove', 'path': '/coe'}],
    [{'op': 'remove', 'path': '/image_id'}],
    [{'op': 'replace', 'path': '/coe', 'value': None}],
    [{'op': 'replace', 'path': '/image_id', 'value': None}],
    [{'op': 'replace', 'path': '/name', 'value': 'ok'}, {'op': 'replace', 'path': '/uuid',
                                                         'value': '5d1f7c1e-0000-4000-8000-0000000000a3'}],
    [{'op': 'replace', 'path': '/name', 'value': 'ok'}, {'op': 'bogus', 'path': '/tags'}],
    [{'op': 'replace', 'path': '/tags', 'value': 'ok'},
     {'op': 'replace', 'path': '/apiserver_port', 'value': 'x'}],
    [{'op': 'replace', 'path': '/labels', 'value': '{' * 5000}],
    [{'op': 'replace', 'path': '/labels', 'value': '[' * 50000}],
    [{'op': 'replace', 'path': '/labels', 'value': '(' * 500 + ')' * 500}],
    [{'op': 'replace', 'path': '/labels', 'value': '9' * 100000}],
    [{'op': 'replace', 'path': '/labels', 'value': "['a', 'b']"}],
    [{'op': 'replace', 'path': '/labels', 'value': "{'a': [1, 2]}"}],
    [{'op': 'replace', 'path': '/labels', 'value': "__import__('os').getcwd()"}],
    [{'op': 'replace', 'path': '/labels', 'value': 'not a literal'}],
    [{'op': 'replace', 'path': '/labels', 'value': {'a': 'x' * 70000}}],
    [{'op': 'add', 'path': '/labels/big', 'value': 'x' * 70000}],
    [{'op': 'add', 'path': '/labels/nested', 'value': {'a': 'b'}}],
]


@pytest.mark.parametrize('ops', PATCH_BODIES, ids=ids(PATCH_BODIES))
def test_patch_bad_operations(admin, template, ops):
    before = row_counts()
    check(admin.request('PATCH', CT + '/' + template['uuid'], data=json.dumps(ops)),
          status=400)
    unchanged(admin, before, template)


PATCH_FIELD_CASES = (
    [(f, v) for f in STRING_FIELDS + ENUM_FIELDS for v in WRONG_FOR_STRING if v != {}]
    + [(f, v) for f in STRING_FIELDS if f != 'tags' for v in ('', 'x' * 256)]
    + [(f, v) for f in INT_FIELDS for v in WRONG_FOR_INT]
    + [(f, v) for f in BOOL_FIELDS for v in WRONG_FOR_BOOL]
    + [('labels', v) for v in WRONG_FOR_LABELS if not isinstance(v, str)]
)


@pytest.mark.parametrize('field, value', PATCH_FIELD_CASES,
                         ids=['%s=%s' % (f, repr(v)[:20]) for f, v in PATCH_FIELD_CASES])
def test_patch_wrong_value(admin, template, field, value):
    before = row_counts()
    resp = admin.patch(CT + '/' + template['uuid'],
                       [{'op': 'replace', 'path': '/' + field, 'value': value}])
    check(resp, field=field, status=400)
    unchanged(admin, before, template)


@pytest.mark.parametrize('raw', RAW_BODIES[:22], ids=[repr(r[:30]) for r in RAW_BODIES[:22]])
def test_patch_raw_body(admin, template, raw):
    before = row_counts()
    check(admin.request('PATCH', CT + '/' + template['uuid'], data=raw), status=400)
    unchanged(admin, before, template)


# -- routes, methods, identifiers -------------------------------------------------------

UNKNOWN_PATHS = ['/v1/nothing', '/v2', '/v2/clustertemplates', '/v1/bays', '/v1/baymodels',
                 '/v1/clustertemplates/a/b', '/v1/clustertemplates/detail/x',
                 '/v1/clustertemplates/x/y/z', '/v1/v1/clustertemplates', '/favicon.ico',
                 '/v1/clustertemplates/%2e%2e/%2e%2e/etc/passwd', '/v1/%E2%98%83']


@pytest.mark.parametrize('path', UNKNOWN_PATHS, ids=ids(UNKNOWN_PATHS))
def test_unknown_paths_are_404(admin, path):
    check(admin.get(path), status=404)


WRONG_METHODS = [
    ('PUT', CT), ('DELETE', CT), ('PATCH', CT), ('PUT', CT + '/x'), ('POST', CT + '/x'),
    ('POST', CT + '/detail'), ('PUT', CT + '/detail'), ('DELETE', CT + '/detail'),
    ('PATCH', CT + '/detail'), ('POST', '/'), ('PUT', '/'), ('DELETE', '/'), ('PATCH', '/'),
    ('POST', '/v1'), ('PUT', '/v1'), ('DELETE', '/v1'), ('PATCH', '/v1'),
    ('OPTIONS', CT), ('TRACE', CT), ('HEAD', CT), ('FOO', CT),
]


@pytest.mark.parametrize('method, path', WRONG_METHODS)
def test_wrong_methods_are_405(admin, template, method, path):
    before = row_counts()
    check(admin.request(method, path, json_body=VALID), status=405)
    unchanged(admin, before, template)


IDENTS = ['%00', 'a%00b', '%FF%FE', 'x' * 5000, '%E2%98%83', "'; DROP TABLE cluster_template;--",
          '%2E%2E', '%20', '5d1f7c1e-0000-4000-8000-0000000000a4',
          '5D1F7C1E-0000-4000-8000-0000000000A2', '12345', '*', '%25']


@pytest.mark.parametrize('ident', IDENTS, ids=ids(IDENTS))
@pytest.mark.parametrize('method', ['GET', 'PATCH', 'DELETE'])
def test_odd_identifiers(admin, template, ident, method):
    before = row_counts()
    ops = [{'op': 'replace', 'path': '/tags', 'value': 'x'}] if method == 'PATCH' else None
    check(admin.request(method, CT + '/' + ident, json_body=ops))
    unchanged(admin, before, template)


# -- query strings ------------------------------------------------------------------------

BAD_QUERIES = ['limit=abc', 'limit=', 'limit=1.5', 'limit=0', 'limit=-1', 'limit=1e3',
               'limit=%00', 'limit=1&limit=2', 'marker=nope', 'marker=%00',
               'marker=' + '5d1f7c1e-0000-4000-8000-0000000000a5', 'marker=' + 'x' * 5000, 'sort_key=nope',
               'sort_key=labels', 'sort_key=id;DROP', 'sort_key=%00', 'sort_dir=up',
               'sort_dir=%00', 'sort_dir=asc%3B', 'foo=bar', 'limit=%FF', 'detail=1',
               'sort_key=trustee_password',
               'limit=99999999999999999999999999999999999999999999']


@pytest.mark.parametrize('query', BAD_QUERIES, ids=ids(BAD_QUERIES))
@pytest.mark.parametrize('path', [CT, CT + '/detail'])
def test_bad_query_strings(admin, template, path, query):
    resp = admin.get(path + '?' + query)
    if query.startswith('limit=999'):
        assert resp.status_code == 200   # capped to max_limit
        return
    check(resp, status=400)


# -- microversions ----------------------------------------------------------------------

VERSIONS = ['container-infra 1.15', 'container-infra 2.0', 'container-infra 0.1',
            'container-infra 1.0', 'container-infra 1', 'container-infra 1.1.1',
            'container-infra v1.1', 'container-infra x', 'container-infra', 'compute 1.1',
            'container-infra  latest  extra', 'latest', '1.1', 'container-infra 1.-1',
            'container-infra 01.1', 'container-infra ☃', 'container-infra 1.99999999999999999',
            'container-infra 99999999999999999999.1']


@pytest.mark.parametrize('value', VERSIONS, ids=ids(VERSIONS))
@pytest.mark.parametrize('method, path', [('GET', CT), ('POST', CT), ('GET', CT + '/detail'),
                                          ('PATCH', CT + '/x'), ('DELETE', CT + '/x'),
                                          ('GET', '/v1/nothing'), ('GET', FED),
                                          ('POST', FED), ('PATCH', FED + '/x'),
                                          ('DELETE', FED + '/x')])
def test_invalid_microversions_are_406(api_server, value, method, path):
    client = ApiClient(api_server.url, version=None)
    before = row_counts()
    headers = {'OpenStack-API-Version': value.encode('utf-8')}
    body = VALID if method == 'POST' else None
    resp = client.request(method, path, json_body=body, headers=headers)
    check(resp, status=406)
    assert row_counts() == before


# -- identity headers (noauth) ------------------------------------------------------------

@pytest.mark.parametrize('headers', [
    {'X-Project-Id': 'p' * 300},
    {'X-User-Id': 'u' * 300},
    {'X-Roles': 'r' * 10000},
    {'X-Roles': ',,,'},
    {'X-Project-Id': ''},
])
def test_odd_identity_headers_never_5xx(api_server, headers):
    client = api_server.client()
    before = row_counts()
    resp = client.post(CT, VALID, headers=headers)
    assert resp.status_code < 500, resp.text
    if resp.status_code >= 400:
        error_title(resp)
        assert row_counts() == before


# -- cluster, node-group and quota routes (more in tests/functional/clusters) -----------

OTHER_COLLECTIONS = ['/v1/clusters', '/v1/clusters/detail', '/v1/quotas', '/v1/federations',
                     '/v1/federations/detail']


@pytest.mark.parametrize('query', BAD_QUERIES, ids=ids(BAD_QUERIES))
@pytest.mark.parametrize('path', OTHER_COLLECTIONS)
def test_bad_query_strings_of_other_collections(admin, path, query):
    resp = admin.get(path + '?' + query)
    if query.startswith('limit=999'):
        assert resp.status_code == 200
        return
    check(resp, status=400)


@pytest.mark.parametrize('ident', IDENTS, ids=ids(IDENTS))
@pytest.mark.parametrize('method, suffix', [('GET', ''), ('PATCH', ''), ('DELETE', ''),
                                            ('GET', '/nodegroups'), ('POST', '/nodegroups'),
                                            ('POST', '/actions/resize')])
def test_odd_cluster_identifiers(admin, ident, method, suffix):
    before = row_counts()
    body = {'PATCH': [{'op': 'replace', 'path': '/node_count', 'value': 2}],
            'POST': {'name': 'x', 'node_count': 1}}.get(method)
    check(admin.request(method, '/v1/clusters/' + ident + suffix, json_body=body))
    assert row_counts() == before


# -- quotas: route arguments and bodies of the wrong JSON type ----------------------------

WRONG_TYPES = [{'x': None}, [], ['Cluster'], 7, 1.5, True, {}]


def quota_rows(admin) -> list:
    resp = admin.get('/v1/quotas?all_tenants=true')
    assert resp.status_code == 200, resp.text
    return resp.json()['quotas']


@pytest.fixture
def quota(admin):
    resp = admin.post('/v1/quotas', {'project_id': 'p-q', 'resource': 'Cluster',
                                     'hard_limit': 3})
    assert resp.status_code == 201, resp.text
    yield resp.json()
    admin.delete('/v1/quotas/p-q/Cluster')


QUOTA_CASES = (
    [('DELETE', '/v1/quotas', dict({'project_id': 'p-q', 'resource': 'Cluster'}, **{f: v}), f)
     for f in ('project_id', 'resource') for v in WRONG_TYPES]
    + [('GET', '/v1/quotas', {f: v}, f) for f in ('limit', 'marker', 'sort_key', 'all_tenants')
       for v in ({'x': None}, ['a'])]
    + [('POST', '/v1/quotas', dict({'project_id': 'p-new', 'resource': 'Cluster',
                                    'hard_limit': 1}, **{f: v}), f)
       for f in ('project_id', 'resource', 'hard_limit') for v in WRONG_TYPES if v != 7
       or f != 'hard_limit']
    + [('PATCH', '/v1/quotas/p-q/Cluster', {'hard_limit': v}, 'hard_limit')
       for v in [v for v in WRONG_TYPES if v != 7] + [-1, 'x']]
)


@pytest.mark.parametrize('method, path, body, field', QUOTA_CASES,
                         ids=['%s %s %s' % (m, f, repr(b.get(f))[:15]) for m, _, b, f in
                              QUOTA_CASES])
def test_quota_wrong_types(admin, quota, method, path, body, field):
    before = quota_rows(admin)
    check(admin.request(method, path, json_body=body), field=field, status=400)
    assert quota_rows(admin) == before


# -- federations: create, PATCH, routes, identifiers -------------------------------------

FED_VALID = {'hostcluster_id': 'host', 'properties': dict(ZONE)}


@pytest.fixture
def federation(admin):
    """A federation of project admin hosted by cluster ``host``, with member ``m1``."""
    add_cluster('host', project_id='admin', user_id='admin')
    add_cluster('m1', project_id='admin', user_id='admin')
    resp = admin.post(FED, dict(FED_VALID, name='fed', member_ids=['m1']))
    assert resp.status_code == 202, resp.text
    return admin.get(FED + '/' + resp.json()['uuid']).json()


def fed_unchanged(admin, before, federation):
    assert row_counts() == before
    now = admin.get(FED + '/' + federation['uuid']).json()
    assert comparable(now) == comparable(federation)


FED_CREATE_CASES = (
    [(f, v) for f in ('name', 'hostcluster_id') for v in WRONG_FOR_STRING + ['', 'x' * 100000]]
    + [('name', v) for v in ('x' * 243, '1abc', 'a b', '-a', 'naïve')]
    + [('hostcluster_id', v) for v in ('x' * 256, 'missing', '5d1f7c1e-0000-4000-8000-0000000000a6', '%00')]
    + [('member_ids', v) for v in ('m1', 1, True, {}, {'a': 'b'}, [1], [''], [None], [[]],
                                   [{}], ['m1', 'm1'], ['missing'], ['x' * 256],
                                   ['m1'] * 1001, ['5d1f7c1e-0000-4000-8000-0000000000a7'])]
    + [('properties', v) for v in WRONG_FOR_LABELS]
    + [('properties', v) for v in ({}, {'dns-zone': ''}, {'dns-zone': ' '}, {'dns-zone': 1},
                                   {'dns-zone': None}, {'dns-zone': []}, {'dns-zone': True},
                                   {'dns-zone': 'x' * 256}, {'zone': 'a.'},
                                   {'dns-zone': 'a.', 'big': 'x' * 70000})]
    + [(f, 'x') for f in ('colour', 'id', 'Name', '__class__', 'unicodé', 'project_id',
                          'hostcluster', 'members')]
    + [(f, v) for f in ('uuid', 'status', 'status_reason', 'created_at', 'updated_at', 'links')
       for v in ('x', '2020-01-01T00:00:00')]
)


@pytest.mark.parametrize('field, value', FED_CREATE_CASES,
                         ids=['%s=%s' % (f, repr(v)[:20]) for f, v in FED_CREATE_CASES])
def test_federation_create_wrong_value(admin, federation, field, value):
    before = row_counts()
    # A well-formed name or uuid of no cluster is a 404 naming the field.
    absent = (value in ('missing', '%00') or (isinstance(value, str) and len(value) == 36)
              or value == ['missing'] or (isinstance(value, list) and len(value) == 1
                                          and isinstance(value[0], str)
                                          and len(value[0]) == 36))
    check(admin.post(FED, dict(FED_VALID, **{field: value})), field=field.strip('_'),
          status=404 if absent else 400)
    fed_unchanged(admin, before, federation)


@pytest.mark.parametrize('raw', RAW_BODIES, ids=[repr(r[:30]) for r in RAW_BODIES])
@pytest.mark.parametrize('content_type', ['application/json', 'text/plain'])
def test_federation_create_raw_body(admin, federation, raw, content_type):
    before = row_counts()
    resp = admin.request('POST', FED, data=raw, headers={'Content-Type': content_type})
    check(resp, status=None if content_type != 'application/json' else 400)
    fed_unchanged(admin, before, federation)


FED_PATCH_BODIES = PATCH_BODIES + [
    [{'op': 'replace', 'path': '/hostcluster_id', 'value': 'm1'}],
    [{'op': 'replace', 'path': '/status', 'value': 'CREATE_FAILED'}],
    [{'op': 'replace', 'path': '/status_reason', 'value': 'x'}],
    [{'op': 'replace', 'path': '/project_id', 'value': 'x'}],
    [{'op': 'add', 'path': '/member_ids', 'value': 'm1'}],
    [{'op': 'add', 'path': '/member_ids', 'value': 'missing'}],
    [{'op': 'add', 'path': '/member_ids', 'value': ''}],
    [{'op': 'add', 'path': '/member_ids', 'value': None}],
    [{'op': 'add', 'path': '/member_ids', 'value': ['host']}],
    [{'op': 'add', 'path': '/member_ids', 'value': {'a': 'b'}}],
    [{'op': 'add', 'path': '/member_ids', 'value': 'x' * 100000}],
    [{'op': 'add', 'path': '/member_ids/-', 'value': 'host'}],
    [{'op': 'add', 'path': '/member_ids'}],
    [{'op': 'remove', 'path': '/member_ids'}],
    [{'op': 'remove', 'path': '/member_ids', 'value': 'host'}],
    [{'op': 'remove', 'path': '/member_ids', 'value': '5d1f7c1e-0000-4000-8000-00000000f00d'}],
    [{'op': 'remove', 'path': '/member_ids/0'}],
    [{'op': 'replace', 'path': '/member_ids', 'value': 'host'}],
    [{'op': 'replace', 'path': '/member_ids', 'value': ['host', 'host']}],
    [{'op': 'replace', 'path': '/member_ids', 'value': [1]}],
    [{'op': 'replace', 'path': '/member_ids', 'value': ['m1'] * 1001}],
    [{'op': 'add', 'path': '/member_ids', 'value': 'host'},
     {'op': 'add', 'path': '/member_ids', 'value': 'host'}],
    [{'op': 'add', 'path': '/member_ids', 'value': 'host'},
     {'op': 'replace', 'path': '/name', 'value': 'x'}],
    [{'op': 'remove', 'path': '/properties'}],
    [{'op': 'remove', 'path': '/properties/dns-zone'}],
    [{'op': 'remove', 'path': '/properties/missing'}],
    [{'op': 'add', 'path': '/properties', 'value': {'dns-zone': 'b.'}}],
    [{'op': 'replace', 'path': '/properties', 'value': None}],
    [{'op': 'replace', 'path': '/properties', 'value': {}}],
    [{'op': 'replace', 'path': '/properties', 'value': '{' * 5000}],
    [{'op': 'replace', 'path': '/properties', 'value': "__import__('os').getcwd()"}],
    [{'op': 'replace', 'path': '/properties', 'value': {'dns-zone': 'a.', 'x': [1]}}],
    [{'op': 'replace', 'path': '/properties/dns-zone', 'value': ''}],
    [{'op': 'replace', 'path': '/properties/dns-zone', 'value': {'a': 'b'}}],
    [{'op': 'replace', 'path': '/properties/dns-zone', 'value': 'x' * 256}],
    [{'op': 'add', 'path': '/properties/big', 'value': 'x' * 70000}],
    [{'op': 'add', 'path': '/properties/a/b', 'value': 'x'}],
]


@pytest.mark.parametrize('ops', FED_PATCH_BODIES, ids=ids(FED_PATCH_BODIES))
def test_federation_patch_bad_operations(admin, federation, ops):
    before = row_counts()
    resp = admin.request('PATCH', FED + '/' + federation['uuid'], data=json.dumps(ops))
    check(resp)
    assert resp.status_code in (400, 404, 409), resp.text
    fed_unchanged(admin, before, federation)


@pytest.mark.parametrize('raw', RAW_BODIES[:22], ids=[repr(r[:30]) for r in RAW_BODIES[:22]])
def test_federation_patch_raw_body(admin, federation, raw):
    before = row_counts()
    check(admin.request('PATCH', FED + '/' + federation['uuid'], data=raw), status=400)
    fed_unchanged(admin, before, federation)


@pytest.mark.parametrize('method', ['POST', 'PATCH'])
def test_federation_huge_body_is_413(admin, federation, method):
    before = row_counts()
    path = FED if method == 'POST' else FED + '/' + federation['uuid']
    big = json.dumps(dict(FED_VALID, properties={'dns-zone': 'v' * (2 * 1024 * 1024)}))
    check(admin.request(method, path, data=big), status=413)
    fed_unchanged(admin, before, federation)


FED_UNKNOWN_PATHS = [FED + '/a/b', FED + '/detail/x', FED + '/x/y/z', '/v1/federation',
                     '/v1/v1/federations', FED + '/%2e%2e/%2e%2e/etc/passwd']


@pytest.mark.parametrize('path', FED_UNKNOWN_PATHS, ids=ids(FED_UNKNOWN_PATHS))
def test_federation_unknown_paths_are_404(admin, path):
    check(admin.get(path), status=404)


FED_WRONG_METHODS = [
    ('PUT', FED), ('DELETE', FED), ('PATCH', FED), ('PUT', FED + '/x'), ('POST', FED + '/x'),
    ('POST', FED + '/detail'), ('PUT', FED + '/detail'), ('DELETE', FED + '/detail'),
    ('PATCH', FED + '/detail'), ('OPTIONS', FED), ('TRACE', FED), ('HEAD', FED), ('FOO', FED),
]


@pytest.mark.parametrize('method, path', FED_WRONG_METHODS)
def test_federation_wrong_methods_are_405(admin, federation, method, path):
    before = row_counts()
    check(admin.request(method, path, json_body=FED_VALID), status=405)
    fed_unchanged(admin, before, federation)


@pytest.mark.parametrize('ident', IDENTS, ids=ids(IDENTS))
@pytest.mark.parametrize('method', ['GET', 'PATCH', 'DELETE'])
def test_federation_odd_identifiers(admin, federation, ident, method):
    before = row_counts()
    ops = [{'op': 'add', 'path': '/member_ids', 'value': 'host'}] if method == 'PATCH' else None
    check(admin.request(method, FED + '/' + ident, json_body=ops))
    fed_unchanged(admin, before, federation)


# -- bounds: every integer field, on every route that takes one (issue 11 item 3) ---------

#: Past the limit, past a 32-bit column, past a 64-bit integer, absurd.
HUGE = [1001, 2 ** 31, 2 ** 63, 10 ** 30]


def _ops(path, value):
    return [{'op': 'replace', 'path': path, 'value': value}]


BOUND_CASES = (
    [('POST', '', {'name': 'b', 'cluster_template_id': 't', f: v}, f)
     for f in ('node_count', 'master_count') for v in HUGE]
    + [('POST', '', {'name': 'b', 'cluster_template_id': 't', f: v}, f)
       for f in ('create_timeout', 'docker_volume_size') for v in HUGE[1:]]
    + [('PATCH', '/{c}', _ops('/node_count', v), 'node_count') for v in HUGE]
    + [('POST', '/{c}/actions/resize', {'node_count': v}, 'node_count') for v in HUGE]
    + [('POST', '/{c}/actions/resize', {'node_count': 1, 'nodes_to_remove': ['n'] * 1001},
        'nodes_to_remove')]
    + [('POST', '/{c}/actions/upgrade', {'cluster_template': 't', 'max_batch_size': v},
        'max_batch_size') for v in HUGE]
    + [('POST', '/{c}/nodegroups', {'name': 'ng', f: v}, f) for v in HUGE
       for f in ('node_count', 'min_node_count', 'max_node_count')]
    + [('POST', '/{c}/nodegroups', {'name': 'ng', 'docker_volume_size': v}, 'docker_volume_size')
       for v in HUGE[1:]]
    + [('PATCH', '/{c}/nodegroups/default-worker', _ops('/' + f, v), f) for v in HUGE
       for f in ('max_node_count', 'min_node_count')]
    + [('POST', '/v1/quotas', {'project_id': 'p', 'resource': 'Cluster', 'hard_limit': v},
        'hard_limit') for v in HUGE[1:]]
    + [('PATCH', '/v1/quotas/project-a/Cluster',
        {'project_id': 'project-a', 'resource': 'Cluster', 'hard_limit': v}, 'hard_limit')
       for v in HUGE[1:]]
)


@pytest.fixture
def bounded_cluster(admin, template):
    """A cluster of project admin with its default node groups (rows only)."""
    from magnum_like.db import api as db_api
    cluster = add_cluster('bounded', project_id='admin', user_id='admin')
    for name, role in (('default-master', 'master'), ('default-worker', 'worker')):
        db_api.create_nodegroup(dict(cluster_id=cluster, name=name, role=role, node_count=1,
                                     is_default=True, project_id='admin',
                                     status='CREATE_COMPLETE', min_node_count=0))
    admin.post('/v1/quotas', {'project_id': 'project-a', 'resource': 'Cluster',
                              'hard_limit': 5})
    return cluster, template['uuid']


@pytest.mark.parametrize('method, path, body, field', BOUND_CASES,
                         ids=['%s %s %s=%s' % (m, p, f, repr(b)[-14:])
                              for m, p, b, f in BOUND_CASES])
def test_integers_have_bounds(admin, bounded_cluster, method, path, body, field):
    """A 400 naming the field and the limit; never an OverflowError or a 1264 (500).
    (Labels and a cluster's total: ``tests/functional/clusters/test_malformed_input.py``.)"""
    cluster, template_uuid = bounded_cluster
    before = row_counts()
    url = path if path.startswith('/v1/') else '/v1/clusters' + path.format(c=cluster)
    if isinstance(body, dict):
        body = {k: template_uuid if v == 't' else v for k, v in body.items()}
    resp = admin.request(method, url, json_body=body)
    check(resp, field=field, status=400)
    assert 'at most' in error_title(resp) or 'must not exceed' in error_title(resp), \
        error_title(resp)
    assert row_counts() == before
