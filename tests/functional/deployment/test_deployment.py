"""What the operator's deployment does for users of ``openstack coe`` (issue 10).

One deployment (``conftest.py``) serves every test here; each test leaves it
as it found it (no clusters, no trustee users, no stacks), and the tests run
in file order.
"""
from __future__ import annotations

import collections
import concurrent.futures
import json
import re

import pytest
import requests

from magnum_like.conf import trust as trust_conf
from magnum_like.pki import spares
from tests.functional.deployment import conftest as deploy

TEMPLATE = 'k8s-deploy'
KEYPAIR = 'demokey'
CONDUCTOR_TOPIC = 'magnum-like-conductor'


@pytest.fixture(scope='session')
def template(deployment):
    """A Kubernetes template of the ``demo`` project (cloud resources checked) naming
    ``demokey``, a keypair ``demo`` made in the simulator's Nova with ``openstack``."""
    return deploy.keypair_and_template(deployment, KEYPAIR, TEMPLATE)


# -- helpers ------------------------------------------------------------------------------

def _create(deployment, names, *, user='demo', parallel=4) -> dict[str, str]:
    """``coe cluster create`` for each name (a few CLIs at once); ``{name: uuid}``."""
    def one(name):
        out = deployment.openstack('coe', 'cluster', 'create', name, '--cluster-template',
                                   TEMPLATE, '--node-count', '1', '--master-count', '1',
                                   user=user).stdout
        match = re.search(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', out)
        assert match, out
        return name, match.group(0)
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        return dict(pool.map(one, names))


def _wait_statuses(deployment, uuids, wanted, *, user='demo', timeout=300) -> dict:
    """Poll ``coe cluster list`` until every cluster of ``uuids`` is in ``wanted``."""
    seen: dict = {}

    def done():
        rows = deployment.clusters(user=user)
        seen.update(rows)
        failed = {u: (rows[u]['status'], rows[u]['status_reason'])
                  for u in uuids if u in rows and rows[u]['status'].endswith('_FAILED')
                  and rows[u]['status'] not in wanted}
        assert not failed, failed
        return all(u in rows and rows[u]['status'] in wanted for u in uuids)
    deploy.wait_for(done, timeout=timeout, what='%d clusters to reach %s' % (len(uuids), wanted),
                    interval=1)
    return seen


def _wait_gone(deployment, uuids, *, user='demo', timeout=300) -> None:
    def gone():
        rows = deployment.clusters(user=user)
        failed = {u: rows[u]['status'] for u in uuids
                  if u in rows and rows[u]['status'] == 'DELETE_FAILED'}
        assert not failed, failed
        return not any(u in rows for u in uuids)
    deploy.wait_for(gone, timeout=timeout, what='%d clusters to be deleted' % len(uuids),
                    interval=1)


def _trustee_users(deployment) -> list[str]:
    """Names of the trustee domain's users but its admin and the spares (``pki/spares.py``)."""
    admin = deployment.keystone_admin()
    return sorted(u.name for u in admin.users.list(domain=deployment.ids['domain'])
                  if u.id != deployment.ids['domain_admin'] and spares.parse(u) is None)


def _spare_users(deployment) -> set[str]:
    """Ids of the spare trustee users the conductors keep ready."""
    admin = deployment.keystone_admin()
    return {u.id for u in admin.users.list(domain=deployment.ids['domain'])
            if spares.parse(u) is not None}


def _full_pool(deployment) -> set[str]:
    """The spare users once the pool holds ``[trust] trustee_spares`` (the default) of them."""
    target = next(o.default for o in trust_conf.opts if o.name == 'trustee_spares')
    return deploy.wait_for(lambda: len(_spare_users(deployment)) == target
                           and _spare_users(deployment), timeout=120,
                           what='a full pool of spare trustee users', interval=0.5)


def _trusts_of(deployment, user: str) -> list:
    return deployment.keystone_admin().trusts.list(
        trustor_user=deployment.ids[user + '_user'])


def _live_stacks(deployment) -> dict:
    stacks = dict(deployment.sim_state()['stacks'])
    stacks.pop('DELETE_COMPLETE', None)
    return stacks


def _assert_nothing_left(deployment, baseline) -> None:
    """No live stack, secret, container, trustee user or trust outlives the clusters."""
    state = deployment.sim_state()
    assert _live_stacks(deployment) == {}, state['stacks']
    for table in ('secrets', 'containers', 'servers', 'loadbalancers'):
        assert state['counts'][table] == baseline['counts'][table], (table, state['counts'])
    assert _trustee_users(deployment) == []
    assert _trusts_of(deployment, 'demo') == []


def _cast_counts(deployment, pattern: str, names) -> collections.Counter:
    regex = re.compile(pattern)
    counts: collections.Counter = collections.Counter()
    for name in names:
        for match in regex.finditer(deployment.log(name)):
            counts[match.group(1)] += 1
    return counts


def _children(pid: int) -> list[int]:
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


# -- the tests ------------------------------------------------------------------------------

def test_processes_as_deployed(deployment):
    """Two API workers on one port, two conductors known by their hosts as magnum-conductor."""
    workers = _children(deployment.api.pid)
    assert len(workers) == 2, ('[api] workers = 2 should serve with 2 processes',
                               deployment.log('api')[-2000:])

    def both_up():
        rows = deployment.coe_json('service', 'list', user='admin', project='admin',
                                   password=deploy.keystone_fixture.ADMIN_PASSWORD)
        mine = {r['host']: r for r in rows if r['host'] in deployment.hosts}
        return len(mine) == 2 and all(r['state'] == 'up' for r in mine.values()) and mine
    rows = deploy.wait_for(both_up, timeout=60, what='both conductors up in service list')
    assert {r['binary'] for r in rows.values()} == {'magnum-conductor'}


def test_template_keypair_is_not_checked_but_a_clusters_is(deployment, template):
    """Magnum's rule: keypairs belong to users, so a template's is checked at cluster create."""
    deployment.openstack('coe', 'cluster', 'template', 'create', 'kp-unknown', '--coe',
                         'kubernetes', '--image', 'fedora-atomic-latest', '--external-network',
                         'public', '--flavor', 'm1.small', '--master-flavor', 'm1.small',
                         '--keypair', 'no-such-keypair')
    for args in (['--cluster-template', template, '--keypair', 'no-such-keypair'],
                 ['--cluster-template', 'kp-unknown']):
        result = deployment.openstack('coe', 'cluster', 'create', 'kp-cluster', *args,
                                      expect_ok=False)
        assert result.returncode != 0
        assert '(HTTP 404)' in result.stderr and 'no-such-keypair' in result.stderr, \
            result.stderr
    # Keypairs belong to users: a public template naming demo's keypair is no use to
    # another user, whose create is a 404 too.
    admin = dict(user='admin', project='admin',
                 password=deploy.keystone_fixture.ADMIN_PASSWORD)
    deployment.openstack('coe', 'cluster', 'template', 'create', 'kp-demo', '--public',
                         '--coe', 'kubernetes', '--image', 'fedora-atomic-latest',
                         '--external-network', 'public', '--flavor', 'm1.small',
                         '--master-flavor', 'm1.small', '--keypair', KEYPAIR, **admin)
    other = deployment.openstack('coe', 'cluster', 'create', 'kp-cluster',
                                 '--cluster-template', 'kp-demo', user='doomed',
                                 expect_ok=False)
    assert '(HTTP 404)' in other.stderr and KEYPAIR in other.stderr, other.stderr
    assert deployment.clusters() == {} and deployment.clusters(**admin) == {}
    assert _trustee_users(deployment) == []
    deployment.openstack('coe', 'cluster', 'template', 'delete', 'kp-unknown')
    deployment.openstack('coe', 'cluster', 'template', 'delete', 'kp-demo', **admin)


def test_twenty_clusters_every_cast_handled(deployment, template):
    """20 creates and deletes through ``openstack coe``: all succeed, one stack each,
    nothing left; every cast the API sent was handled by a conductor, and no
    notification reached an RPC server (or the reverse)."""
    baseline = deployment.sim_state()
    ready = _full_pool(deployment)
    names = ['c%02d' % i for i in range(20)]
    uuids = list(_create(deployment, names).values())
    rows = _wait_statuses(deployment, uuids, {'CREATE_COMPLETE'})
    assert {rows[u]['status'] for u in uuids} == {'CREATE_COMPLETE'}

    # One Heat stack each, tagged with its cluster; one trust each, from the owner.
    state = deployment.sim_state()
    assert _live_stacks(deployment) == {'CREATE_COMPLETE': 20}, state['stacks']
    heat = deployment.endpoints['orchestration'].replace('%(project_id)s',
                                                         deployment.ids['demo'])
    listed = requests.get(heat + '/stacks', timeout=30).json()['stacks']
    tags = collections.Counter(t for s in listed for t in (s.get('tags') or [])
                               if t.startswith('cluster_uuid='))
    assert tags == collections.Counter({'cluster_uuid=%s' % u: 1 for u in uuids}), tags
    trusts = _trusts_of(deployment, 'demo')
    assert len(trusts) == 20
    assert sorted(_trustee_users(deployment)) == sorted(
        '%s_%s' % (u, deployment.ids['demo']) for u in uuids)
    # Creates took the spares the conductors had ready (renamed, not made; the pool is
    # refilled meanwhile, so a later create may take a newer one instead).
    trustees = {u.id for u in deployment.keystone_admin().users.list(
        domain=deployment.ids['domain']) if u.name.endswith('_' + deployment.ids['demo'])}
    assert ready & trustees
    pool = _full_pool(deployment)  # refilled: what left the pool is what clusters took
    assert ready - pool == ready & trustees and pool - ready

    deployment.openstack('coe', 'cluster', 'delete', *uuids)
    _wait_gone(deployment, uuids)
    _assert_nothing_left(deployment, baseline)

    sent = _cast_counts(deployment, r'Cast process_cluster ([0-9a-f-]{36})', ['api'])
    handled = _cast_counts(deployment, r'Handling process_cluster ([0-9a-f-]{36})',
                           deployment.hosts)
    per_host = {h: sum(_cast_counts(deployment, r'Handling process_cluster ([0-9a-f-]{36})',
                                    [h])[u] for u in uuids) for h in deployment.hosts}
    assert {u: sent[u] for u in uuids} == {u: 2 for u in uuids}  # create + delete
    assert {u: handled[u] for u in uuids} == {u: 2 for u in uuids}, per_host
    assert all(per_host.values()), per_host  # both conductors consume the topic

    for name in deployment.log_names():
        text = deployment.log(name)
        assert 'Unknown priority' not in text, name
        assert 'TypeError' not in text, name


def _queue_length(deployment, name: str) -> int | None:
    listed = deploy.rabbitmqctl('list_queues', '-p', deployment.vhost.name, 'name',
                                'messages', '--formatter', 'json', '--quiet')
    assert listed.returncode == 0, listed.stderr
    return {q['name']: q['messages'] for q in json.loads(listed.stdout or '[]')}.get(name)


def _lose_casts(deployment, count: int) -> None:
    """Drop the ``count`` casts waiting in the conductors' topic queue (none consumes it)."""
    deploy.wait_for(lambda: _queue_length(deployment, CONDUCTOR_TOPIC) == count, timeout=60,
                    what='%d casts queued for the stopped conductors' % count)
    purged = deploy.rabbitmqctl('purge_queue', '-p', deployment.vhost.name, CONDUCTOR_TOPIC)
    assert purged.returncode == 0, purged.stderr
    assert _queue_length(deployment, CONDUCTOR_TOPIC) == 0


def test_offline_conductors_lost_casts_and_a_vanished_project(deployment, template):
    """Conductors stopped, 10 creates accepted and their casts lost: the reconcile pass
    completes them with their trusts once conductors start. A create whose project
    was deleted meanwhile ends CREATE_FAILED naming the project and the cluster."""
    baseline = deployment.sim_state()
    deployment.stop_conductors()
    uuids = list(_create(deployment, ['off%02d' % i for i in range(10)]).values())
    deployment.openstack('coe', 'cluster', 'template', 'create', TEMPLATE, '--coe',
                         'kubernetes', '--image', 'fedora-atomic-latest',
                         '--external-network', 'public', '--flavor', 'm1.small',
                         '--master-flavor', 'm1.small', user='doomed')
    doomed = _create(deployment, ['doomed'], user='doomed')['doomed']
    assert len(_trusts_of(deployment, 'demo')) == 10  # made while the API accepted them
    _lose_casts(deployment, 11)  # only the database holds the 11 creates now
    deployment.keystone_admin().projects.delete(deployment.ids['doomed'])

    deployment.start_conductors()
    _wait_statuses(deployment, uuids, {'CREATE_COMPLETE'})
    admin = dict(user='admin', project='admin',
                 password=deploy.keystone_fixture.ADMIN_PASSWORD)

    def doomed_ended():
        row = deployment.clusters(**admin).get(doomed) or {}
        assert row.get('status') != 'CREATE_COMPLETE', row
        return row.get('status') == 'CREATE_FAILED'
    deploy.wait_for(doomed_ended, timeout=120, what='the doomed cluster to fail')

    row = deployment.coe_json('cluster', 'show', doomed, **admin)  # as users see it
    assert row['status'] == 'CREATE_FAILED', row
    assert doomed in row['status_reason'], row['status_reason']
    assert 'project %s no longer exists' % deployment.ids['doomed'] in row['status_reason']

    deployment.openstack('coe', 'cluster', 'delete', *uuids)
    deployment.openstack('coe', 'cluster', 'delete', doomed, **admin)
    _wait_gone(deployment, uuids)
    deploy.wait_for(lambda: doomed not in deployment.clusters(**admin), timeout=120,
                    what='the doomed cluster to be deleted', interval=1)
    _assert_nothing_left(deployment, baseline)


def test_refused_trust_and_quota_leave_nothing(deployment, template):
    """A trust Keystone refuses is a 403 before anything is written; a create refused
    by the quota after its trust was made removes the trust again."""
    from keystoneclient.v3 import client as ks_client
    own = ks_client.Client(session=deployment.session('demo'))
    credential = own.application_credentials.create(
        'mlt-deploy', user=deployment.ids['demo_user'], secret='app-secret')
    app = deployment.openstack(
        'coe', 'cluster', 'create', 'via-app-credential', '--cluster-template', TEMPLATE,
        expect_ok=False, auth_env={
            'OS_AUTH_TYPE': 'v3applicationcredential',
            'OS_APPLICATION_CREDENTIAL_ID': credential.id,
            'OS_APPLICATION_CREDENTIAL_SECRET': 'app-secret'})
    assert app.returncode != 0 and '(HTTP 403)' in app.stderr, app.stderr
    assert 'trust' in app.stderr, app.stderr
    assert deployment.clusters() == {}
    assert _trustee_users(deployment) == []

    admin_cli = dict(user='admin', project='admin',
                     password=deploy.keystone_fixture.ADMIN_PASSWORD)
    deployment.openstack('coe', 'quotas', 'create', '--project-id', deployment.ids['demo'],
                         '--resource', 'Cluster', '--hard-limit', '0', **admin_cli)
    try:
        over = deployment.openstack('coe', 'cluster', 'create', 'over-quota',
                                    '--cluster-template', TEMPLATE, expect_ok=False)
        assert over.returncode != 0 and '(HTTP 403)' in over.stderr, over.stderr
    finally:
        deployment.openstack('coe', 'quotas', 'delete', '--project-id',
                             deployment.ids['demo'], '--resource', 'Cluster', **admin_cli)
    assert deployment.clusters() == {}
    assert _trustee_users(deployment) == [] and _trusts_of(deployment, 'demo') == []
