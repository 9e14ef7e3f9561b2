"""Clusters, node groups, quotas, x509 key pairs and federations in the DB API."""
import pytest

from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.db import api as db


def ctx(project='p1', *, all_tenants=False):
    return ml_context.RequestContext(project_id=project, all_tenants=all_tenants)


def cluster(name='c', project='p1', **values):
    return db.create_cluster({'name': name, 'project_id': project,
                              'cluster_template_id': 'tmpl', **values})


def nodegroup(cluster_uuid, name, *, role='worker', count=1, project='p1'):
    return db.create_nodegroup({'cluster_id': cluster_uuid, 'name': name, 'role': role,
                                'node_count': count, 'project_id': project})


class TestClusters:
    def test_crud(self, sqlite_db):
        made = cluster(labels={'a': 'b'}, node_addresses=['10.0.0.1'],
                       operation_args={'x': 1}, health_status_reason={'n': 'ok'})
        got = db.get_cluster_by_uuid(ctx(), made.uuid)
        assert got.labels == {'a': 'b'} and got.node_addresses == ['10.0.0.1']
        assert got.operation_args == {'x': 1} and got.health_status_reason == {'n': 'ok'}
        assert db.get_cluster_by_id(ctx(), made.id).uuid == made.uuid
        assert db.get_cluster_by_name(ctx(), 'c').uuid == made.uuid
        updated = db.update_cluster(made.uuid, {'status': 'CREATE_COMPLETE',
                                                'reservation': 'cond-1'})
        assert (updated.status, updated.reservation) == ('CREATE_COMPLETE', 'cond-1')
        db.destroy_cluster(made.uuid)
        with pytest.raises(exception.ClusterNotFound):
            db.get_cluster_by_uuid(ctx(), made.uuid)
        with pytest.raises(exception.ClusterNotFound):
            db.update_cluster(made.uuid, {'status': 'x'})
        with pytest.raises(exception.ClusterNotFound):
            db.destroy_cluster(made.uuid)

    def test_duplicate_uuid(self, sqlite_db):
        with pytest.raises(exception.ClusterAlreadyExists):
            cluster(uuid=cluster().uuid)

    def test_visibility_and_names(self, sqlite_db):
        mine = cluster('dup')
        cluster('dup', project='p2')
        assert db.get_cluster_by_name(ctx(), 'dup').uuid == mine.uuid
        with pytest.raises(exception.ConflictMultipleResources):
            db.get_cluster_by_name(ctx(all_tenants=True), 'dup')
        with pytest.raises(exception.ClusterNotFound):
            db.get_cluster_by_name(ctx('p3'), 'dup')
        assert len(db.get_cluster_list(ctx())) == 1
        assert len(db.get_cluster_list(ctx(all_tenants=True))) == 2
        assert db.get_cluster_count(ctx()) == 1
        assert db.get_cluster_count(ctx(all_tenants=True), filters={'project_id': 'p2'}) == 1

    def test_list_pagination_and_filters(self, sqlite_db):
        made = [cluster('c%d' % i, status='CREATE_COMPLETE' if i % 2 else 'CREATE_FAILED')
                for i in range(5)]
        page = db.get_cluster_list(ctx(), limit=2, marker=made[1].uuid)
        assert [c.uuid for c in page] == [made[2].uuid, made[3].uuid]
        failed = db.get_cluster_list(ctx(), filters={'status': ['CREATE_FAILED']})
        assert [c.name for c in failed] == ['c0', 'c2', 'c4']
        with pytest.raises(exception.InvalidSortKey):
            db.get_cluster_list(ctx(), sort_key='node_count')
        with pytest.raises(exception.InvalidParameterValue):
            db.get_cluster_list(ctx(), marker='missing')

    def test_first_page_of_columns_equals_the_general_query(self, sqlite_db):
        made = [cluster('c%d' % i, project='p1' if i % 3 else 'p2', labels={'i': str(i)})
                for i in range(7)]
        for made_cluster in made:
            nodegroup(made_cluster.uuid, 'default-master', role='master', count=1,
                      project=made_cluster.project_id)
            nodegroup(made_cluster.uuid, 'default-worker', count=2,
                      project=made_cluster.project_id)
        columns = ('uuid', 'name', 'labels', 'status', 'stack_id')
        for viewer in (ctx(), ctx('p2'), ctx(all_tenants=True)):
            for limit in (1, 4, 100):
                fast = db.get_cluster_list(viewer, limit=limit, columns=columns)
                # A filter every cluster matches takes the general, per-request query.
                general = db.get_cluster_list(viewer, limit=limit, columns=columns,
                                              filters={'master_count': 1})
                assert fast and [row._asdict() for row in fast] == [
                    row._asdict() for row in general]
                assert fast[0].listed_node_count == 2 and fast[0].listed_master_count == 1

    def test_node_counts_come_from_nodegroups(self, sqlite_db):
        big, small, empty = cluster('big'), cluster('small'), cluster('empty')
        nodegroup(big.uuid, 'default-master', role='master', count=3)
        nodegroup(big.uuid, 'default-worker', count=4)
        nodegroup(big.uuid, 'extra', count=2)
        nodegroup(small.uuid, 'default-master', role='master', count=1)
        nodegroup(small.uuid, 'default-worker', count=1)
        counts = db.get_cluster_node_counts([big.uuid, small.uuid, empty.uuid])
        assert counts == {big.uuid: {'node_count': 6, 'master_count': 3},
                          small.uuid: {'node_count': 1, 'master_count': 1},
                          empty.uuid: {'node_count': 0, 'master_count': 0}}
        assert db.get_cluster_node_counts([]) == {}
        listed = db.get_cluster_list(ctx(), filters={'node_count': 6})
        assert [c.uuid for c in listed] == [big.uuid]
        listed = db.get_cluster_list(ctx(), filters={'master_count': 1, 'name': 'small'})
        assert [c.uuid for c in listed] == [small.uuid]

    def test_destroy_removes_nodegroups(self, sqlite_db):
        made = cluster()
        nodegroup(made.uuid, 'default-worker')
        db.destroy_cluster(made.uuid)
        assert db.get_nodegroup_list(ctx(), made.uuid) == []


class TestNodeGroups:
    def test_crud(self, sqlite_db):
        made = cluster()
        group = db.create_nodegroup({'cluster_id': made.uuid, 'name': 'ng', 'project_id': 'p1',
                                     'node_count': 2, 'node_labels': None, 'node_taints': [
                                         {'key': 'k', 'effect': 'NoSchedule'}]})
        got = db.get_nodegroup_by_uuid(ctx(), made.uuid, group.uuid)
        assert got.node_labels is None
        assert got.node_taints == [{'key': 'k', 'effect': 'NoSchedule'}]
        assert db.get_nodegroup_by_name(ctx(), made.uuid, 'ng').uuid == group.uuid
        updated = db.update_nodegroup(made.uuid, group.uuid, {'node_count': 5})
        assert updated.node_count == 5
        db.destroy_nodegroup(made.uuid, group.uuid)
        for call in (lambda: db.get_nodegroup_by_uuid(ctx(), made.uuid, group.uuid),
                     lambda: db.get_nodegroup_by_name(ctx(), made.uuid, 'ng'),
                     lambda: db.update_nodegroup(made.uuid, group.uuid, {'node_count': 1}),
                     lambda: db.destroy_nodegroup(made.uuid, group.uuid)):
            with pytest.raises(exception.NodeGroupNotFound):
                call()

    def test_name_unique_per_cluster(self, sqlite_db):
        first, second = cluster('a'), cluster('b')
        nodegroup(first.uuid, 'ng')
        nodegroup(second.uuid, 'ng')
        with pytest.raises(exception.NodeGroupAlreadyExists):
            nodegroup(first.uuid, 'ng')

    def test_list_is_per_cluster_and_project(self, sqlite_db):
        made, other = cluster('a'), cluster('b')
        groups = [nodegroup(made.uuid, 'ng%d' % i) for i in range(3)]
        nodegroup(other.uuid, 'elsewhere')
        listed = db.get_nodegroup_list(ctx(), made.uuid)
        assert [g.uuid for g in listed] == [g.uuid for g in groups]
        assert db.get_nodegroup_list(ctx('p2'), made.uuid) == []
        page = db.get_nodegroup_list(ctx(), made.uuid, limit=1, marker=groups[0].uuid,
                                     sort_key='name', sort_dir='asc')
        assert [g.name for g in page] == ['ng1']
        assert [g.name for g in db.get_nodegroup_list(ctx(), made.uuid,
                                                      filters={'role': 'master'})] == []


class TestQuotas:
    def test_crud_and_list(self, sqlite_db):
        quota = db.create_quota({'project_id': 'p1', 'resource': 'Cluster', 'hard_limit': 3})
        with pytest.raises(exception.QuotaAlreadyExists):
            db.create_quota({'project_id': 'p1', 'resource': 'Cluster', 'hard_limit': 4})
        assert db.get_quota_by_project_id_resource('p1', 'Cluster').hard_limit == 3
        assert db.update_quota('p1', 'Cluster', {'hard_limit': 0}).hard_limit == 0
        other = db.create_quota({'project_id': 'p2', 'resource': 'Cluster', 'hard_limit': 1})
        assert [q.id for q in db.get_quota_list(ctx())] == [quota.id]
        assert [q.id for q in db.get_quota_list(ctx(all_tenants=True), marker=quota.id)] == [
            other.id]
        assert [q.id for q in db.get_quota_list(ctx(all_tenants=True),
                                                filters={'project_id': 'p2'})] == [other.id]
        db.delete_quota('p1', 'Cluster')
        with pytest.raises(exception.QuotaNotFound):
            db.get_quota_by_project_id_resource('p1', 'Cluster')
        with pytest.raises(exception.QuotaNotFound):
            db.update_quota('p1', 'Cluster', {'hard_limit': 1})
        with pytest.raises(exception.QuotaNotFound):
            db.delete_quota('p1', 'Cluster')


class TestX509KeyPairs:
    def test_crud(self, sqlite_db):
        pair = db.create_x509keypair({'certificate': 'CERT', 'private_key': 'KEY',
                                      'project_id': 'p1', 'user_id': 'u'})
        assert db.get_x509keypair_by_uuid(ctx(), pair.uuid).certificate == 'CERT'
        with pytest.raises(exception.X509KeyPairNotFound):
            db.get_x509keypair_by_uuid(ctx('p2'), pair.uuid)
        with pytest.raises(exception.X509KeyPairAlreadyExists):
            db.create_x509keypair({'uuid': pair.uuid})
        db.destroy_x509keypair(pair.uuid)
        with pytest.raises(exception.X509KeyPairNotFound):
            db.destroy_x509keypair(pair.uuid)


class TestFederations:
    def test_crud(self, sqlite_db):
        fed = db.create_federation({'name': 'f', 'project_id': 'p1', 'member_ids': [],
                                    'properties': {'dns-zone': 'example.com.'}})
        assert db.get_federation_by_uuid(ctx(), fed.uuid).properties == {
            'dns-zone': 'example.com.'}
        assert db.get_federation_by_name(ctx(), 'f').uuid == fed.uuid
        updated = db.update_federation(fed.uuid, {'member_ids': ['c1', 'c2']})
        assert updated.member_ids == ['c1', 'c2']
        second = db.create_federation({'name': 'f', 'project_id': 'p1'})
        with pytest.raises(exception.ConflictMultipleResources):
            db.get_federation_by_name(ctx(), 'f')
        assert [f.uuid for f in db.get_federation_list(ctx(), marker=fed.uuid)] == [second.uuid]
        assert db.get_federation_list(ctx('p2')) == []
        with pytest.raises(exception.FederationAlreadyExists):
            db.create_federation({'uuid': fed.uuid})
        db.destroy_federation(fed.uuid)
        for call in (lambda: db.get_federation_by_uuid(ctx(), fed.uuid),
                     lambda: db.update_federation(fed.uuid, {'name': 'x'}),
                     lambda: db.destroy_federation(fed.uuid)):
            with pytest.raises(exception.FederationNotFound):
                call()
