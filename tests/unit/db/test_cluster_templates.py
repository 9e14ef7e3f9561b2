"""Cluster templates in the DB API: visibility, listing, and the referenced-template rules."""
import pytest
import sqlalchemy as sa

from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.db import api as db


def ctx(project='p1', *, admin=False, all_tenants=False):
    return ml_context.RequestContext(project_id=project, is_admin=admin, all_tenants=all_tenants)


def make(name='t', project='p1', **values):
    values.setdefault('coe', 'kubernetes')
    return db.create_cluster_template({'name': name, 'project_id': project, **values})


@pytest.fixture
def statements(sqlite_db):
    """The SQL statements run while the test body runs."""
    seen = []
    engine = db.get_engine()

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(engine, 'before_cursor_execute', record)
    yield seen
    sa.event.remove(engine, 'before_cursor_execute', record)


class TestCreateAndGet:
    def test_create_generates_uuid_and_defaults(self, sqlite_db):
        template = make(labels={'a': '1'})
        assert len(template.uuid) == 36
        assert template.id is not None
        assert template.created_at is not None
        assert template.labels == {'a': '1'}
        assert (template.public, template.hidden, template.floating_ip_enabled) == (
            False, False, True)
        assert template.as_dict()['uuid'] == template.uuid

    def test_create_keeps_given_uuid(self, sqlite_db):
        uuid = '2a8f1b2c-0000-4000-8000-000000000001'
        assert make(uuid=uuid).uuid == uuid

    def test_duplicate_uuid(self, sqlite_db):
        template = make()
        with pytest.raises(exception.ClusterTemplateAlreadyExists):
            make(uuid=template.uuid)

    def test_unknown_field_refused(self, sqlite_db):
        with pytest.raises(exception.InvalidParameterValue):
            make(no_such_column=1)

    def test_labels_must_be_a_dict(self, sqlite_db):
        with pytest.raises(Exception):
            make(labels=['not', 'a', 'dict'])

    def test_get_by_id_uuid_name(self, sqlite_db):
        template = make(name='alpha')
        assert db.get_cluster_template_by_id(ctx(), template.id).uuid == template.uuid
        assert db.get_cluster_template_by_uuid(ctx(), template.uuid).id == template.id
        assert db.get_cluster_template_by_name(ctx(), 'alpha').id == template.id

    def test_not_found(self, sqlite_db):
        with pytest.raises(exception.ClusterTemplateNotFound):
            db.get_cluster_template_by_uuid(ctx(), 'nope')
        with pytest.raises(exception.ClusterTemplateNotFound):
            db.get_cluster_template_by_id(ctx(), 12345)
        with pytest.raises(exception.ClusterTemplateNotFound) as raised:
            db.get_cluster_template_by_name(ctx(), 'nope')
        assert 'nope' in str(raised.value)

    def test_name_conflict(self, sqlite_db):
        make(name='dup')
        make(name='dup')
        with pytest.raises(exception.ConflictMultipleResources) as raised:
            db.get_cluster_template_by_name(ctx(), 'dup')
        assert 'cluster templates' in str(raised.value)

    def test_name_conflict_only_counts_visible_rows(self, sqlite_db):
        mine = make(name='dup')
        make(name='dup', project='p2')  # private to p2
        assert db.get_cluster_template_by_name(ctx(), 'dup').uuid == mine.uuid

    def test_returned_objects_are_detached_and_usable(self, sqlite_db):
        template = make(name='x')
        fetched = db.get_cluster_template_list(ctx())[0]
        assert sa.inspect(fetched).detached
        assert fetched.name == 'x' and fetched.labels is None and template.name == 'x'


# (owner project, public, hidden) → visible to p1 member, p1 admin, p2 member, p2 admin, all_tenants
VISIBILITY = [
    (('p1', False, False), (True, True, False, False, True)),
    (('p1', False, True), (True, True, False, False, True)),
    (('p1', True, False), (True, True, True, True, True)),
    (('p1', True, True), (True, True, False, True, True)),
    (('p3', True, True), (False, True, False, True, True)),
]
VIEWERS = [ctx('p1'), ctx('p1', admin=True), ctx('p2'), ctx('p2', admin=True),
           ctx('p9', admin=True, all_tenants=True)]


@pytest.mark.parametrize('row,expected', VISIBILITY)
def test_visibility_matrix(sqlite_db, row, expected):
    project, public, hidden = row
    template = make(project=project, public=public, hidden=hidden)
    for viewer, visible in zip(VIEWERS, expected):
        listed = [t.uuid for t in db.get_cluster_template_list(viewer)]
        assert (template.uuid in listed) is visible, (viewer.project_id, viewer.is_admin)
        # The first page as rows (a prebuilt statement) shows the same.
        first_page = [t.uuid for t in db.get_cluster_template_list(viewer, limit=10,
                                                                   as_rows=True)]
        assert first_page == listed
        if visible:
            db.get_cluster_template_by_uuid(viewer, template.uuid)
            db.get_cluster_template_by_id(viewer, template.id)
            db.get_cluster_template_by_name(viewer, template.name)
        else:
            with pytest.raises(exception.ClusterTemplateNotFound):
                db.get_cluster_template_by_uuid(viewer, template.uuid)
            with pytest.raises(exception.ClusterTemplateNotFound):
                db.get_cluster_template_by_name(viewer, template.name)


class TestList:
    def test_default_order_is_id(self, sqlite_db):
        made = [make(name=n).uuid for n in 'cab']
        assert [t.uuid for t in db.get_cluster_template_list(ctx())] == made

    def test_which_pages_are_first_pages(self):
        from magnum_like.db import sqlalchemy_utils as utils
        plain = dict(limit=10, marker=None, filters=None, sort_key='id', sort_dir='asc')
        assert utils.is_first_page(**plain)
        assert utils.is_first_page(**dict(plain, sort_key=None, sort_dir=None, filters={}))
        for change in (dict(limit=None), dict(marker='m'), dict(filters={'coe': 'k'}),
                       dict(sort_key='name'), dict(sort_dir='desc')):
            assert not utils.is_first_page(**dict(plain, **change)), change

    def test_first_page_rows_equal_the_general_query(self, sqlite_db):
        for n in range(5):
            make(name='t%d' % n, labels={'n': str(n)}, public=n % 2 == 0)
        make(name='other', project='p2', public=True)
        make(name='hidden', project='p2')
        for viewer in VIEWERS:
            for limit in (1, 3, 100):
                fast = db.get_cluster_template_list(viewer, limit=limit, as_rows=True)
                # A filter every template matches takes the general, per-request query.
                general = db.get_cluster_template_list(
                    viewer, limit=limit, filters={'coe': 'kubernetes'}, as_rows=True)
                assert [row._asdict() for row in fast] == [row._asdict() for row in general]

    def test_sort_key_and_dir(self, sqlite_db):
        for n in 'cab':
            make(name=n)
        names = [t.name for t in db.get_cluster_template_list(ctx(), sort_key='name')]
        assert names == ['a', 'b', 'c']
        listed = db.get_cluster_template_list(ctx(), sort_key='name', sort_dir='desc')
        names = [t.name for t in listed]
        assert names == ['c', 'b', 'a']

    def test_id_breaks_ties(self, sqlite_db):
        made = [make(name='same').uuid for _ in range(4)]
        assert [t.uuid for t in db.get_cluster_template_list(ctx(), sort_key='name')] == made
        listed = db.get_cluster_template_list(ctx(), sort_key='name', sort_dir='desc')
        assert [t.uuid for t in listed] == made[::-1]

    @pytest.mark.parametrize('sort_key,sort_dir', [(None, None), ('name', 'asc'),
                                                   ('name', 'desc'), ('coe', 'desc')])
    def test_pages_cover_everything_once(self, sqlite_db, sort_key, sort_dir):
        for i in range(7):
            make(name='n%d' % (i % 3), coe='c%d' % (i % 2))
        full = [t.uuid for t in db.get_cluster_template_list(ctx(), sort_key=sort_key,
                                                             sort_dir=sort_dir)]
        pages, marker = [], None
        while True:
            page = db.get_cluster_template_list(ctx(), limit=3, marker=marker,
                                                sort_key=sort_key, sort_dir=sort_dir)
            pages.extend(t.uuid for t in page)
            if len(page) < 3:
                break
            marker = page[-1].uuid
        assert pages == full and len(full) == 7

    def test_unknown_marker(self, sqlite_db):
        with pytest.raises(exception.InvalidParameterValue) as raised:
            db.get_cluster_template_list(ctx(), marker='not-a-uuid')
        assert 'marker' in str(raised.value)

    def test_invisible_marker_is_unknown(self, sqlite_db):
        other = make(project='p2')
        with pytest.raises(exception.InvalidParameterValue):
            db.get_cluster_template_list(ctx(), marker=other.uuid)

    def test_invalid_sort_key(self, sqlite_db):
        with pytest.raises(exception.InvalidSortKey) as raised:
            db.get_cluster_template_list(ctx(), sort_key='node_count')
        assert 'node_count' in str(raised.value) and 'uuid' in str(raised.value)

    def test_invalid_sort_dir_and_limit(self, sqlite_db):
        with pytest.raises(exception.InvalidParameterValue):
            db.get_cluster_template_list(ctx(), sort_dir='up')
        with pytest.raises(exception.InvalidParameterValue):
            db.get_cluster_template_list(ctx(), limit=0)

    def test_filters(self, sqlite_db):
        a = make(name='a', coe='kubernetes')
        b = make(name='b', coe='swarm')
        assert [t.uuid for t in db.get_cluster_template_list(
            ctx(), filters={'coe': 'swarm'})] == [b.uuid]
        assert [t.uuid for t in db.get_cluster_template_list(
            ctx(), filters={'name': ['a', 'b']})] == [a.uuid, b.uuid]
        with pytest.raises(exception.InvalidParameterValue):
            db.get_cluster_template_list(ctx(), filters={'bogus': 1})

    def test_one_query_per_page(self, sqlite_db, statements):
        for i in range(20):
            make(name='n%d' % i, labels={'i': str(i)})
        first = db.get_cluster_template_list(ctx(), limit=10, sort_key='name')
        del statements[:]
        page = db.get_cluster_template_list(ctx(), limit=10, marker=first[-1].uuid,
                                            sort_key='name')
        [t.as_dict() for t in page]
        selects = [s for s in statements if s.lstrip().upper().startswith('SELECT')]
        # the marker row, then the page itself; nothing per row
        assert len(page) == 10 and len(selects) == 2


class TestReferenced:
    @pytest.fixture
    def referenced(self, sqlite_db):
        template = make(name='ref', tags='a', public=False, hidden=False)
        db.create_cluster({'name': 'c', 'project_id': 'p1', 'cluster_template_id': template.uuid})
        return template

    def test_is_referenced(self, sqlite_db, referenced):
        assert db.cluster_template_is_referenced(referenced.uuid)
        assert not db.cluster_template_is_referenced(make().uuid)

    @pytest.mark.parametrize('change', [{'public': True}, {'hidden': True}, {'tags': 'b,c'},
                                        {'name': 'renamed'},
                                        {'name': 'renamed', 'tags': 'a'},  # tags unchanged
                                        {}])
    def test_allowed_changes(self, referenced, change):
        updated = db.update_cluster_template(referenced.uuid, change)
        for key, value in change.items():
            assert getattr(updated, key) == value
            assert getattr(db.get_cluster_template_by_uuid(ctx(), referenced.uuid), key) == value

    @pytest.mark.parametrize('change', [{'public': True, 'hidden': True},  # two changes
                                        {'name': 'x', 'tags': 'y'},
                                        {'tags': None}, {'image_id': 'other'},
                                        {'labels': {'a': 'b'}}])
    def test_refused_changes(self, referenced, change):
        with pytest.raises(exception.ClusterTemplateReferenced):
            db.update_cluster_template(referenced.uuid, change)
        after = db.get_cluster_template_by_uuid(ctx(), referenced.uuid)
        assert after.as_dict() == referenced.as_dict()

    def test_cannot_unpublish(self, referenced):
        db.update_cluster_template(referenced.uuid, {'public': True})
        with pytest.raises(exception.ClusterTemplateReferenced):
            db.update_cluster_template(referenced.uuid, {'public': False})

    def test_destroy_refused_while_referenced(self, referenced):
        with pytest.raises(exception.ClusterTemplateReferenced):
            db.destroy_cluster_template(referenced.uuid)
        cluster = db.get_cluster_list(ctx())[0]
        db.destroy_cluster(cluster.uuid)
        db.destroy_cluster_template(referenced.uuid)
        with pytest.raises(exception.ClusterTemplateNotFound):
            db.get_cluster_template_by_uuid(ctx(), referenced.uuid)


class TestUpdateAndDestroy:
    def test_update_unreferenced(self, sqlite_db):
        template = make()
        updated = db.update_cluster_template(template.uuid, {'image_id': 'img', 'labels': {'k': 'v'}})
        assert (updated.image_id, updated.labels) == ('img', {'k': 'v'})
        assert updated.updated_at is not None

    def test_update_missing(self, sqlite_db):
        with pytest.raises(exception.ClusterTemplateNotFound):
            db.update_cluster_template('missing', {'name': 'x'})

    def test_update_unknown_field(self, sqlite_db):
        with pytest.raises(exception.InvalidParameterValue):
            db.update_cluster_template(make().uuid, {'bogus': 1})

    def test_destroy_missing(self, sqlite_db):
        with pytest.raises(exception.ClusterTemplateNotFound):
            db.destroy_cluster_template('missing')


class TestCreateReturnsTheStoredRow:
    """``utils.create`` writes one Core INSERT and builds the row it returns
    from what it wrote: that row must be the one a read returns."""

    def test_every_column_as_read_back(self, sqlite_db):
        from magnum_like.db import models
        from magnum_like.db import sqlalchemy_utils as utils
        created = make(labels={'a': '1'}, tags='x')
        with utils.reader() as session:
            read = session.query(models.ClusterTemplate).filter_by(id=created.id).one()
        assert created.as_dict() == read.as_dict()
        assert sa.inspect(created).detached and sa.inspect(created).identity == (created.id,)

    def test_other_models_too(self, sqlite_db):
        from magnum_like.db import sqlalchemy_utils as utils
        quota = db.create_quota({'project_id': 'p1', 'resource': 'Cluster', 'hard_limit': 3})
        federation = db.create_federation({'name': 'f', 'project_id': 'p1',
                                           'properties': {'dns-zone': 'x.'}})
        for obj in (quota, federation):
            with utils.reader() as session:
                read = session.query(type(obj)).filter_by(id=obj.id).one()
            assert obj.as_dict() == read.as_dict()
        assert federation.member_ids in (None, []) and quota.created_at is not None

    def test_none_takes_the_column_default_as_the_orm_did(self, sqlite_db):
        template = make(public=None, floating_ip_enabled=None, docker_volume_size=None)
        assert (template.public, template.floating_ip_enabled) == (False, True)
        assert template.docker_volume_size is None
        read = db.get_cluster_template_by_uuid(ctx(admin=True), template.uuid)
        assert read.as_dict() == template.as_dict()
