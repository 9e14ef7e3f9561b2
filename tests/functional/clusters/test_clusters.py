"""``/v1/clusters``: create, list, show, PATCH, delete, and the intents they write."""
from __future__ import annotations

import datetime

from oslo_utils import timeutils
import pytest

from magnum_like.common import rpc
from magnum_like import conf as ml_conf
from magnum_like.db import api as db_api
from tests.fixtures import api as api_fixture
from tests.functional.clusters.conftest import make_template
from tests.functional.clusters.helpers import (CL, assert_error, cluster_row, create, finish,
                                               nodegroup_rows, set_cluster)

CONF = ml_conf.CONF
pytestmark = pytest.mark.usefixtures('clean_db')


# -- create -------------------------------------------------------------------------

def test_create_writes_the_intent(member, template, casts):
    before = timeutils.utcnow()
    uuid = create(member, template, node_count=2, create_timeout=30,
                  labels={'max_node_count': '5', 'extra': 'x'}, merge_labels=True)
    row = cluster_row(uuid)
    assert row.status == 'CREATE_IN_PROGRESS'
    assert row.operation == 'create'
    assert row.reservation is None
    assert row.create_timeout == 30
    delta = row.deadline - before
    assert datetime.timedelta(minutes=29) < delta < datetime.timedelta(minutes=31)
    assert row.cluster_template_id == template.uuid
    assert (row.keypair, row.flavor_id, row.master_flavor_id) == ('default', 'm1.small',
                                                                  'm1.medium')
    assert row.labels == {'kube_tag': 'v1.30.1', 'min_node_count': '0', 'max_node_count': '5',
                          'extra': 'x'}
    assert (row.project_id, row.user_id) == ('project-a', 'user-a')
    ngs = nodegroup_rows(uuid)
    assert set(ngs) == {'default-master', 'default-worker'}
    master, worker = ngs['default-master'], ngs['default-worker']
    assert (master.role, master.is_default, master.node_count, master.flavor_id,
            master.image_id, master.status) == ('master', True, 1, 'm1.medium',
                                                'fedora-coreos-latest', 'CREATE_IN_PROGRESS')
    assert (worker.role, worker.is_default, worker.node_count, worker.flavor_id,
            worker.min_node_count, worker.max_node_count, worker.status) == (
        'worker', True, 2, 'm1.small', 0, 5, 'CREATE_IN_PROGRESS')
    assert casts.wait_for(uuid)


def test_unknown_keypair_is_404_as_in_magnum(member, cloud_checks):
    template = make_template(keypair_id='no-such-key')  # accepted on the template
    resp = member.post(CL, {'cluster_template_id': template.uuid, 'name': 'kp'})
    error = resp.json()['errors'][0]
    assert (resp.status_code, error['status'], error['code']) == (404, 404, 'client'), resp.text
    assert error['title'] == 'Unable to find keypair no-such-key.'
    resp = member.post(CL, {'cluster_template_id': template.uuid, 'name': 'kp',
                            'keypair': 'also-missing'})
    assert_error(resp, 404, 'also-missing')
    assert member.get(CL).json()['clusters'] == []  # nothing written
    # the cluster's own keypair wins over the template's
    create(member, template, keypair='default')


def test_missing_flavor_is_reported_before_a_missing_keypair(member, cloud_checks):
    # Magnum checks the keypair last: a create naming a missing flavor and a missing
    # keypair is a 400 for the flavor (magnum-tempest-plugin's
    # test_create_cluster_with_nonexisting_flavor sends exactly that).
    template = make_template(keypair_id='no-such-key')
    resp = member.post(CL, {'cluster_template_id': template.uuid, 'name': 'fl',
                            'flavor_id': 'aaa'})
    assert_error(resp, 400, 'Unable to find flavor aaa.')
    resp = member.post(CL, {'cluster_template_id': template.uuid, 'name': 'fl',
                            'master_flavor_id': 'bbb', 'keypair': 'also-missing'})
    assert_error(resp, 400, 'Unable to find flavor bbb.')
    assert member.get(CL).json()['clusters'] == []  # nothing written


def test_create_defaults(member, template):
    body = {'cluster_template_id': template.name}
    resp = member.post(CL, body)
    assert resp.status_code == 202, resp.text
    row = cluster_row(resp.json()['uuid'])
    assert row.name.endswith('-cluster')
    assert row.create_timeout == CONF.cluster.create_timeout
    assert row.labels == template.labels
    ngs = nodegroup_rows(row.uuid)
    assert ngs['default-master'].node_count == 1 and ngs['default-worker'].node_count == 1


def test_create_nulls_mean_defaults(member, template):
    uuid = create(member, template, keypair=None, flavor_id=None, master_flavor_id=None,
                  labels=None, node_count=None, create_timeout=None, discovery_url=None)
    row = cluster_row(uuid)
    assert row.flavor_id == 'm1.small' and row.labels == template.labels


def test_create_empty_discovery_url_means_none(member, template):
    # Horizon's magnum-ui sends discovery_url "" with every create.
    uuid = create(member, template, discovery_url='', create_timeout=60)
    assert cluster_row(uuid).discovery_url is None
    uuid = create(member, template, discovery_url='https://discovery.example/abc')
    assert cluster_row(uuid).discovery_url == 'https://discovery.example/abc'


def test_create_labels_replace_without_merge(member, template):
    uuid = create(member, template, labels={'only': 'this'})
    assert cluster_row(uuid).labels == {'only': 'this'}
    doc = member.get(CL + '/' + uuid).json()
    assert doc['labels_added'] == {'only': 'this'}
    assert doc['labels_skipped'] == {'kube_tag': 'v1.30.1', 'min_node_count': '0'}
    assert doc['labels_overridden'] == {}


def test_label_diffs_overridden_shows_template_value(member, template):
    uuid = create(member, template, labels={'kube_tag': 'v1.31.0'}, merge_labels=True)
    for doc in (member.get(CL + '/' + uuid).json(), member.get(CL + '/detail').json()['clusters'][0]):
        assert doc['labels_overridden'] == {'kube_tag': 'v1.30.1'}
        assert doc['labels_added'] == {}
        assert doc['labels_skipped'] == {}


@pytest.mark.parametrize('body, words', [
    ({'name': '1abc'}, ['name']),
    ({'name': 'a' * 243}, ['name']),
    ({'name': 'bad name'}, ['name']),
    ({'master_count': 2}, ['master_count', 'odd']),
    ({'master_count': 3}, ['master_lb_enabled']),
    ({'master_count': 0}, ['master_count']),
    ({'node_count': -1}, ['node_count']),
    ({'create_timeout': -1}, ['create_timeout']),
    ({'docker_volume_size': 0}, ['docker_volume_size']),
    ({'status': 'CREATE_COMPLETE'}, ['status']),
    ({'health_status': 'HEALTHY'}, ['health_status']),
    ({'unknown_field': 1}, ['unknown_field']),
    ({'labels': 'not-a-dict'}, ['labels']),
    ({'node_count': 'many'}, ['node_count']),
    ({'discovery_url': 'x' * 256}, ['discovery_url']),
    ({'labels': {'max_node_count': '1'}, 'node_count': 3}, ['max_node_count']),
])
def test_create_validation(member, template, body, words):
    resp = member.post(CL, dict({'cluster_template_id': template.uuid}, **body))
    assert_error(resp, 400, *words)


def test_name_of_242_chars_and_multi_master_with_lb(member, template):
    create(member, template, name='a' * 242)
    create(member, template, name='b', master_count=3, master_lb_enabled=True)


def test_template_missing_mandatory(member, template):
    assert_error(member.post(CL, {'name': 'x'}), 400, 'cluster_template_id')


def test_template_not_found_400_before_1_10_and_404_after(api_server, template):
    body = {'cluster_template_id': 'nope'}
    assert_error(api_server.client(api_fixture.MEMBER, version='1.9').post(CL, body), 400,
                 'nope')
    assert_error(api_server.client(api_fixture.MEMBER, version='1.10').post(CL, body), 404)


def test_hidden_template_refused_to_non_admin_even_owner(member, admin, clean_db):
    hidden = make_template(hidden=True, public=True)
    assert_error(member.post(CL, {'cluster_template_id': hidden.uuid}), 403, 'hidden')
    assert admin.post(CL, {'cluster_template_id': hidden.uuid}).status_code == 202


def test_private_template_of_other_project_invisible(other, template, clean_db):
    private = make_template(public=False)
    assert_error(other.post(CL, {'cluster_template_id': private.uuid}), 404)


def test_driver_not_found_names_the_tuple(member, clean_db):
    odd = make_template(driver=None, cluster_distro='plan9', server_type='bm')
    assert_error(member.post(CL, {'cluster_template_id': odd.uuid}), 400,
                 '(bm, plan9, kubernetes)')


def test_zero_node_count_gated_at_1_10(api_server, template):
    body = {'cluster_template_id': template.uuid, 'node_count': 0}
    old = api_server.client(api_fixture.MEMBER, version='1.9')
    assert_error(old.post(CL, body), 400, '1.10')
    new = api_server.client(api_fixture.MEMBER, version='1.10')
    uuid = new.post(CL, body).json()['uuid']
    assert nodegroup_rows(uuid)['default-worker'].node_count == 0


def test_devicemapper_volume_rule(member, clean_db):
    dm = make_template(docker_storage_driver='devicemapper', docker_volume_size=None)
    assert_error(member.post(CL, {'cluster_template_id': dm.uuid, 'docker_volume_size': 2}),
                 400, 'devicemapper')


def test_reader_cannot_create(reader, template):
    assert_error(reader.post(CL, {'cluster_template_id': template.uuid}), 403)


def test_cast_failure_still_202_with_intent(member, template, monkeypatch):
    from magnum_like.conductor import api as conductor_api

    def broken(self, context, cluster_uuid):
        raise rpc.messaging.MessageDeliveryFailure('broker down')
    monkeypatch.setattr(conductor_api.ConductorAPI, 'process_cluster', broken)
    uuid = create(member, template)
    row = cluster_row(uuid)
    assert (row.status, row.operation) == ('CREATE_IN_PROGRESS', 'create')


def test_cast_to_unreachable_broker_still_202(member, template, monkeypatch):
    """A real rabbit transport pointed at a closed port: bounded retry, then 202."""
    from magnum_like.conductor import api as conductor_api
    transport = rpc.messaging.get_rpc_transport(CONF, url='rabbit://guest:guest@127.0.0.1:1/')
    real_init = conductor_api.ConductorAPI.__init__

    def init(self, **kwargs):
        real_init(self, **kwargs)
        self._client = rpc.messaging.get_rpc_client(
            transport, rpc.messaging.Target(topic=self.topic, version='1.1'),
            serializer=rpc.RequestContextSerializer())
    monkeypatch.setattr(conductor_api.ConductorAPI, '__init__', init)
    try:
        uuid = create(member, template)
    finally:
        transport.cleanup()
    assert cluster_row(uuid).operation == 'create'


# -- read ---------------------------------------------------------------------------

def test_list_subset_and_counts_from_nodegroups(member, template):
    uuid = create(member, template, node_count=3)
    doc = member.get(CL).json()['clusters'][0]
    assert set(doc) == {'uuid', 'name', 'cluster_template_id', 'keypair', 'docker_volume_size',
                        'labels', 'node_count', 'master_count', 'status', 'master_flavor_id',
                        'flavor_id', 'create_timeout', 'health_status', 'cluster_id', 'links'}
    assert (doc['node_count'], doc['master_count']) == (3, 1)
    assert doc['uuid'] == uuid


def test_list_leaves_out_a_cluster_deleted_while_listed(member, template):
    """A delete that commits between the list's two reads (clusters, then node groups)
    left the cluster with no node groups for the list: 400 for zero masters, once."""
    kept = create(member, template, name='kept')
    going = create(member, template, name='going')
    for ng in nodegroup_rows(going).values():  # what the list's second read then sees
        db_api.destroy_nodegroup(going, ng.uuid)
    for path in (CL, CL + '/detail'):
        resp = member.get(path)
        assert resp.status_code == 200, resp.text
        assert [c['uuid'] for c in resp.json()['clusters']] == [kept]


def test_stack_id_below_1_13_cluster_id_from(api_server, member, template):
    uuid = create(member, template)
    set_cluster(uuid, stack_id='stack-1')
    old = api_server.client(api_fixture.MEMBER, version='1.12')
    new = api_server.client(api_fixture.MEMBER, version='1.13')
    for path in (CL, CL + '/detail'):
        assert old.get(path).json()['clusters'][0]['stack_id'] == 'stack-1'
        assert 'cluster_id' not in old.get(path).json()['clusters'][0]
        assert new.get(path).json()['clusters'][0]['cluster_id'] == 'stack-1'
        assert 'stack_id' not in new.get(path).json()['clusters'][0]
    assert old.get(CL + '/' + uuid).json()['stack_id'] == 'stack-1'
    assert new.get(CL + '/' + uuid).json()['cluster_id'] == 'stack-1'


def test_get_by_name_and_duplicate_names_409(member, template):
    uuid = create(member, template, name='same')
    assert member.get(CL + '/same').json()['uuid'] == uuid
    create(member, template, name='same')
    assert_error(member.get(CL + '/same'), 409, 'same')
    assert_error(member.get(CL + '/missing'), 404)


def test_faults_when_failed_and_addresses(member, template):
    uuid = create(member, template)
    assert 'faults' not in member.get(CL + '/' + uuid).json()
    finish(uuid, status='CREATE_FAILED')
    db_api.update_nodegroup(uuid, nodegroup_rows(uuid)['default-worker'].uuid,
                            {'status_reason': 'Quota exceeded for instances',
                             'node_addresses': ['10.0.0.5']})
    db_api.update_nodegroup(uuid, nodegroup_rows(uuid)['default-master'].uuid,
                            {'status': 'CREATE_COMPLETE', 'node_addresses': ['10.0.0.4']})
    doc = member.get(CL + '/' + uuid).json()
    assert doc['faults'] == {'default-worker': 'Quota exceeded for instances'}
    assert doc['master_addresses'] == ['10.0.0.4']
    assert doc['node_addresses'] == ['10.0.0.5']


def test_other_project_sees_404_and_admin_sees_all(member, other, admin, template):
    uuid = create(member, template)
    assert_error(other.get(CL + '/' + uuid), 404)
    assert other.get(CL).json()['clusters'] == []
    assert [c['uuid'] for c in admin.get(CL).json()['clusters']] == [uuid]
    assert admin.get(CL + '/' + uuid).status_code == 200
    assert_error(other.delete(CL + '/' + uuid), 404)


def test_pagination_and_sort(member, template):
    uuids = [create(member, template, name='c%d' % i) for i in range(3)]
    page = member.get(CL + '?limit=2').json()
    assert [c['uuid'] for c in page['clusters']] == uuids[:2]
    assert 'marker=%s' % uuids[1] in page['next']
    rest = member.get(page['next']).json()
    assert [c['uuid'] for c in rest['clusters']] == uuids[2:]
    assert 'next' not in rest
    desc = member.get(CL + '?sort_key=name&sort_dir=desc').json()['clusters']
    assert [c['name'] for c in desc] == ['c2', 'c1', 'c0']
    assert_error(member.get(CL + '?limit=0'), 400)
    assert_error(member.get(CL + '?sort_key=nope'), 400)
    assert_error(member.get(CL + '?sort_dir=up'), 400)
    assert_error(member.get(CL + '?marker=nope'), 400)


# -- PATCH --------------------------------------------------------------------------

def replace(path, value):
    return [{'op': 'replace', 'path': path, 'value': value}]


def test_patch_node_count_writes_update_intent(api_server, member, template, casts):
    uuid = create(member, template, node_count=2)
    finish(uuid)
    casts.clear()
    resp = member.patch(CL + '/' + uuid + '?rollback=True', replace('/node_count', 4))
    assert resp.status_code == 202 and resp.json() == {'uuid': uuid}
    row = cluster_row(uuid)
    worker = nodegroup_rows(uuid)['default-worker']
    assert (row.status, row.operation) == ('UPDATE_IN_PROGRESS', 'update')
    assert row.operation_args == {'nodegroup': worker.uuid, 'old_node_count': 2,
                                  'rollback': True}
    assert row.deadline is not None
    assert worker.node_count == 4
    assert casts.wait_for(uuid)


def test_patch_rollback_needs_1_3(api_server, member, template):
    uuid = create(member, template)
    finish(uuid)
    old = api_server.client(api_fixture.MEMBER, version='1.2')
    assert_error(old.patch(CL + '/' + uuid + '?rollback=true', replace('/node_count', 2)),
                 400, 'rollback')
    assert_error(member.patch(CL + '/' + uuid + '?rollback=maybe', replace('/node_count', 2)),
                 400, 'rollback')


def test_patch_health_only_is_saved(member, template):
    uuid = create(member, template)
    finish(uuid)
    ops = replace('/health_status', 'UNHEALTHY') + replace(
        '/health_status_reason', "{'api': 'ok', 'node-0.Ready': 'False'}")
    assert member.patch(CL + '/' + uuid, ops).status_code == 202
    row = cluster_row(uuid)
    assert row.health_status == 'UNHEALTHY'
    assert row.health_status_reason == {'api': 'ok', 'node-0.Ready': 'False'}
    assert (row.status, row.operation) == ('CREATE_COMPLETE', None)


def test_patch_health_allowed_while_busy(member, template):
    uuid = create(member, template)
    assert member.patch(CL + '/' + uuid, replace('/health_status', 'HEALTHY')).status_code == 202
    assert cluster_row(uuid).health_status == 'HEALTHY'


def test_patch_health_needs_the_creating_user(api_server, member, template):
    uuid = create(member, template)
    finish(uuid)
    same_project = api_server.client(('project-a', 'someone-else', 'member,reader'))
    assert_error(same_project.patch(CL + '/' + uuid, replace('/health_status', 'HEALTHY')), 403)


@pytest.fixture
def trustee_domain():
    CONF.set_override('trustee_domain_id', 'trustees', group='trust')
    yield 'trustees'
    CONF.clear_override('trustee_domain_id', group='trust')


def test_a_trustee_acts_only_on_its_own_cluster(api_server, member, other, template,
                                                trustee_domain):
    """A caller of the trustee domain (a cluster's nodes) sees only the cluster it
    is the trustee of: it may show it and report its health, nothing more; the
    roles its token carries (a trust's are the trustor's) give it nothing here."""
    mine = create(member, template, name='mine')
    theirs = create(member, template, name='theirs')
    finish(mine, trustee_user_id='trustee-a')
    finish(theirs, trustee_user_id='trustee-b')
    trustee = api_server.client(('project-a', 'trustee-a', 'member,reader'))
    trustee.headers['X-User-Domain-Id'] = trustee_domain
    health = replace('/health_status', 'UNHEALTHY') + replace(
        '/health_status_reason', "{'api': 'ok', 'node-0.Ready': 'False'}")

    assert trustee.get(CL + '/' + mine).json()['uuid'] == mine
    assert trustee.patch(CL + '/' + mine, health).status_code == 202
    assert cluster_row(mine).health_status == 'UNHEALTHY'
    assert_error(trustee.get(CL + '/' + theirs), 404)
    assert_error(trustee.get(CL + '/theirs'), 404)
    assert_error(trustee.patch(CL + '/' + theirs, health), 404)
    assert_error(trustee.post('/v1/certificates', {'cluster_uuid': theirs, 'csr': 'x'}), 400,
                 'could not be found')
    assert cluster_row(theirs).health_status is None
    assert_error(trustee.get(CL), 403)
    assert_error(trustee.patch(CL + '/' + mine, replace('/node_count', 2)), 403)
    assert_error(trustee.delete(CL + '/' + mine), 403)
    assert_error(trustee.post(CL, {'cluster_template_id': template.uuid, 'name': 'x'}), 403)
    # The same user id outside the trustee domain is an ordinary caller (no
    # cluster's creator): refused by the member rules, not let in as a trustee.
    outside = api_server.client(('project-a', 'trustee-a', 'member,reader'))
    assert_error(outside.patch(CL + '/' + theirs, health), 403)
    # Another project's member does not see the cluster at all.
    assert_error(other.patch(CL + '/' + mine, health), 404)


@pytest.mark.parametrize('ops, words', [
    (replace('/name', 'renamed'), ['cannot change cluster property(ies) name']),
    (replace('/labels', {'a': 'b'}), ['labels']),
    (replace('/master_count', 3), ['master_count']),
    (replace('/node_count', -1), ['node_count']),
    (replace('/node_count', 'x'), ['node_count']),
    (replace('/health_status', 'GREAT'), ['health_status']),
    (replace('/uuid', 'x'), ['uuid']),
    (replace('/nope', 1), ['nope']),
    ([{'op': 'remove', 'path': '/node_count'}], ['node_count']),
    ([{'op': 'move', 'path': '/node_count'}], []),
])
def test_patch_validation(member, template, ops, words):
    uuid = create(member, template)
    finish(uuid)
    assert_error(member.patch(CL + '/' + uuid, ops), 400, *words)


def test_patch_zero_node_count_gated(api_server, member, template):
    uuid = create(member, template)
    finish(uuid)
    old = api_server.client(api_fixture.MEMBER, version='1.9')
    assert_error(old.patch(CL + '/' + uuid, replace('/node_count', 0)), 400, '1.10')
    assert member.patch(CL + '/' + uuid, replace('/node_count', 0)).status_code == 202


def test_patch_busy_409(member, template):
    uuid = create(member, template, name='k8s-1')
    title = assert_error(member.patch(CL + '/' + uuid, replace('/node_count', 2)), 409)
    assert title == ('Cluster k8s-1 is busy: CREATE_IN_PROGRESS (create). '
                     'Try again when it finishes.')
    finish(uuid, status='CREATE_FAILED')
    assert_error(member.patch(CL + '/' + uuid, replace('/node_count', 2)), 409, 'CREATE_FAILED')
    assert nodegroup_rows(uuid)['default-worker'].node_count == 1


def test_reader_cannot_patch_or_delete(member, reader, template):
    uuid = create(member, template)
    finish(uuid)
    assert_error(reader.patch(CL + '/' + uuid, replace('/node_count', 2)), 403)
    assert_error(reader.delete(CL + '/' + uuid), 403)
    assert reader.get(CL + '/' + uuid).status_code == 200


# -- delete -------------------------------------------------------------------------

def test_delete_writes_intent(member, template, casts):
    uuid = create(member, template)
    finish(uuid)
    casts.clear()
    resp = member.delete(CL + '/' + uuid)
    assert resp.status_code == 204, resp.text
    row = cluster_row(uuid)
    assert (row.status, row.operation, row.operation_args) == ('DELETE_IN_PROGRESS', 'delete',
                                                               {})
    assert row.deadline is not None
    assert {ng.status for ng in nodegroup_rows(uuid).values()} == {'DELETE_IN_PROGRESS'}
    assert casts.wait_for(uuid)


@pytest.mark.parametrize('status, operation', [
    ('CREATE_FAILED', None), ('DELETE_FAILED', None), ('CREATE_IN_PROGRESS', 'create'),
    ('UPDATE_IN_PROGRESS', 'resize')])
def test_delete_from_failed_or_stuck(member, template, status, operation):
    uuid = create(member, template)
    set_cluster(uuid, status=status, operation=operation)
    assert member.delete(CL + '/' + uuid).status_code == 204
    assert cluster_row(uuid).operation == 'delete'


def test_delete_while_deleting_409(member, template):
    uuid = create(member, template)
    assert member.delete(CL + '/' + uuid).status_code == 204
    assert_error(member.delete(CL + '/' + uuid), 409, 'DELETE_IN_PROGRESS', 'delete')


def test_destroy_releases_quota(member, template):
    CONF.set_override('max_clusters_per_project', 1, group='quotas')
    try:
        uuid = create(member, template)
        assert_error(member.post(CL, {'cluster_template_id': template.uuid}), 403,
                     'maximum clusters per project, 1')
        db_api.destroy_cluster(uuid)
        assert db_api.get_quota_usage('project-a') == 0
        create(member, template)
    finally:
        CONF.clear_override('max_clusters_per_project', group='quotas')


def test_quota_row_overrides_default(member, template):
    db_api.create_quota({'project_id': 'project-a', 'resource': 'Cluster', 'hard_limit': 0})
    assert_error(member.post(CL, {'cluster_template_id': template.uuid}), 403,
                 'maximum clusters per project, 0')
    assert member.get(CL).json()['clusters'] == []


def test_usage_counter_starts_from_existing_clusters(member, template):
    create(member, template)
    with db_api.get_engine().begin() as connection:
        connection.exec_driver_sql('DELETE FROM quota_usages')
    db_api.create_quota({'project_id': 'project-a', 'resource': 'Cluster', 'hard_limit': 2})
    create(member, template)
    assert db_api.get_quota_usage('project-a') == 2
    assert_error(member.post(CL, {'cluster_template_id': template.uuid}), 403)
