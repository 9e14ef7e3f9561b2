"""Trustee users and trusts no cluster row names are deleted by the conductors
(``magnum_like.conductor.trustee_reaper``), against a real Keystone.

An API that dies between making the trust and writing the row is
:func:`trust.create_for_request` with no row written afterwards. The grace
period is a second or two; the tests poll the reaper's pass (no fixed sleep).
"""
from __future__ import annotations

import socket
import time
import uuid as uuidlib

from keystoneauth1 import exceptions as ks_exc
import pytest

from magnum_like.common import context as ml_context
from magnum_like.conductor import ring as ring_mod
from magnum_like.conductor import trustee_reaper
from magnum_like.db import api as db
from magnum_like.pki import trust
from magnum_like.pki import trustees
from tests.functional.pki import conftest as helpers

GRACE = 2.0


@pytest.fixture
def reaper_config(trust_config, admin):
    conf = trust_config['conf']
    conf.set_override('orphan_grace_period', GRACE, group='trust')
    return trust_config


def _reaper(info, host='reaper-a'):
    conf = info['conf']
    return trustee_reaper.TrusteeReaper(host, ring_mod.Ring(host, conf), conf=conf)


def _poll(reaper, done, *, timeout=30.0, what='the reaper'):
    """Run the reaper's pass until ``done()``; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reaper.run()
        if done():
            return
        time.sleep(0.2)
    raise AssertionError('timed out waiting for %s' % what)


def _died_before_the_row(keystone, info):
    """What an API killed between the trust and the row leaves: both in Keystone, no row."""
    cluster_uuid = str(uuidlib.uuid4())
    made = trust.create_for_request(helpers.owner_context(keystone, info), cluster_uuid,
                                    info['project'], info['demo'])
    return cluster_uuid, made


def test_an_orphan_trustee_and_its_trust_go_after_the_grace_period(
        keystone, admin, reaper_config, log_lines):
    info = reaper_config
    cluster_uuid, made = _died_before_the_row(keystone, info)
    user = admin.users.get(made['trustee_user_id'])
    assert user.description.startswith('Trustee of cluster %s, created ' % cluster_uuid)
    assert admin.trusts.get(made['trust_id']).trustee_user_id == user.id

    reaper = _reaper(info)
    reaper.run()  # within the grace period: kept
    assert not helpers.gone(admin, user.id) and reaper.reaped == []

    _poll(reaper, lambda: reaper.reaped, what='the orphan to be reaped')
    assert reaper.reaped == [(user.id, cluster_uuid)]
    assert helpers.gone(admin, user.id)
    with pytest.raises(ks_exc.NotFound):
        admin.trusts.get(made['trust_id'])
    said = [line for line in log_lines if line.startswith('Deleted trustee user')]
    assert len(said) == 1 and user.id in said[0] and cluster_uuid in said[0]
    assert '1 trust(s)' in said[0]
    reaper.run()  # nothing left: nothing more to do
    assert len(reaper.reaped) == 1


def test_a_trustee_whose_cluster_row_exists_is_kept(keystone, admin, reaper_config):
    info = reaper_config
    ctx = helpers.owner_context(keystone, info)
    kept = helpers.make_cluster(project_id=info['project'], user_id=info['demo'])
    values = trust.create_for_request(ctx, kept.uuid, info['project'], info['demo'])
    db.update_cluster(kept.uuid, values)
    # A cluster being deleted keeps its trustee too, until its delete removes it.
    deleting = helpers.make_cluster(project_id=info['project'], user_id=info['demo'],
                                    status='DELETE_IN_PROGRESS')
    db.update_cluster(deleting.uuid, trust.create_for_request(ctx, deleting.uuid,
                                                              info['project'], info['demo']))
    _, orphan = _died_before_the_row(keystone, info)

    reaper = _reaper(info)
    _poll(reaper, lambda: reaper.reaped, what='the orphan to be reaped')
    assert [user for user, _c in reaper.reaped] == [orphan['trustee_user_id']]
    for cluster in (kept, deleting):
        row = db.get_cluster_by_uuid(ml_context.get_admin_context(), cluster.uuid)
        user = admin.users.get(row.trustee_user_id)
        assert user.name == trust.trustee_username(cluster.uuid, info['project'])
        assert admin.trusts.get(row.trust_id).trustee_user_id == user.id
    reaper.run()
    assert len(reaper.reaped) == 1


def test_users_outside_the_pattern_or_the_domain_are_never_touched(
        keystone, admin, reaper_config):
    info = reaper_config
    stranger = str(uuidlib.uuid4())
    name = trust.trustee_username(stranger, info['project'])
    untouchable = [
        admin.users.create('someone-else', domain=info['domain'],
                           description='Trustee of cluster %s' % stranger),
        # Our name, another description (made by someone else).
        admin.users.create(name, domain=info['domain'], description='made by hand'),
        # Our description, a name that is not ours.
        admin.users.create('%s-x' % stranger, domain=info['domain'],
                           description=trustees.description(stranger)),
        # Name and description naming two different clusters.
        admin.users.create(trust.trustee_username(str(uuidlib.uuid4()), info['project']),
                           domain=info['domain'], description=trustees.description(stranger)),
        # Ours in every way, but outside the trustee domain.
        admin.users.create(name, domain='default', description=trustees.description(stranger)),
    ]
    _, orphan = _died_before_the_row(keystone, info)
    reaper = _reaper(info)
    _poll(reaper, lambda: reaper.reaped, what='the orphan to be reaped')
    assert [user for user, _c in reaper.reaped] == [orphan['trustee_user_id']]
    for user in untouchable:
        assert admin.users.get(user.id).name == user.name
    admin.users.delete(untouchable[-1].id)


def test_a_trustee_without_creation_time_waits_from_first_sight(
        keystone, admin, reaper_config, log_lines):
    """Made before the time was recorded: counted from when this conductor first saw it."""
    info = reaper_config
    cluster_uuid = str(uuidlib.uuid4())
    old = admin.users.create(trust.trustee_username(cluster_uuid, info['project']),
                             domain=info['domain'],
                             description='Trustee of cluster %s' % cluster_uuid)
    reaper = _reaper(info)
    reaper.run()
    assert set(reaper.first_seen) == {old.id} and not helpers.gone(admin, old.id)
    assert any('no recorded creation time' in line and old.id in line for line in log_lines)
    _poll(reaper, lambda: reaper.reaped, what='the old orphan to be reaped')
    assert reaper.reaped == [(old.id, cluster_uuid)] and helpers.gone(admin, old.id)
    assert reaper.first_seen == {}


def test_keystone_down_is_logged_once_and_the_next_pass_reaps(
        keystone, admin, reaper_config, log_lines):
    info = reaper_config
    cluster_uuid, made = _died_before_the_row(keystone, info)
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        closed = sock.getsockname()[1]
    conf = info['conf']
    conf.set_override('auth_url', 'http://127.0.0.1:%d/v3' % closed, group='keystone_auth')
    reaper = _reaper(info)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and reaper.passes < 3:
        reaper.run()  # never raises
    assert reaper.passes == 3 and reaper.reaped == []
    down = [line for line in log_lines if 'Keystone unavailable or refusing' in line]
    assert len(down) == 1 and 'reaper-a' in down[0]

    conf.set_override('auth_url', keystone.url, group='keystone_auth')
    _poll(reaper, lambda: reaper.reaped, what='the orphan to be reaped once Keystone is back')
    assert reaper.reaped == [(made['trustee_user_id'], cluster_uuid)]
    assert any('Keystone answers again' in line for line in log_lines)


def test_each_conductor_reaps_its_share_of_the_ring(keystone, admin, reaper_config):
    info = reaper_config
    hosts = ['reaper-%s' % uuidlib.uuid4().hex[:8] for _ in range(2)]
    for host in hosts:
        db.report_magnum_service(host, ring_mod.BINARY)
    orphans = [_died_before_the_row(keystone, info) for _ in range(6)]
    reapers = [_reaper(info, host) for host in hosts]
    expected = {(made['trustee_user_id'], uuid) for uuid, made in orphans}

    def all_gone():
        return {r for reaper in reapers for r in reaper.reaped} == expected

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all_gone():
        for reaper in reapers:
            reaper.run()
        time.sleep(0.2)
    assert all_gone()
    shares = [set(reaper.reaped) for reaper in reapers]
    assert not shares[0] & shares[1]
    for reaper in reapers:  # each deleted exactly the users of the clusters it owns
        assert all(reaper.ring.owns(uuid) for _u, uuid in reaper.reaped)


def test_a_discard_that_found_keystone_down_is_finished_by_the_reaper(
        keystone, admin, reaper_config):
    """The row write failed and so did the undo (Keystone away at that moment)."""
    info = reaper_config
    cluster_uuid, made = _died_before_the_row(keystone, info)
    conf = info['conf']
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        closed = sock.getsockname()[1]
    conf.set_override('auth_url', 'http://127.0.0.1:%d/v3' % closed, group='keystone_auth')
    trust.discard(cluster_uuid, made)  # best effort: logged, nothing deleted
    conf.set_override('auth_url', keystone.url, group='keystone_auth')
    assert admin.trusts.get(made['trust_id']) and not helpers.gone(admin, made['trustee_user_id'])

    reaper = _reaper(info)
    _poll(reaper, lambda: reaper.reaped, what='the orphan to be reaped')
    assert reaper.reaped == [(made['trustee_user_id'], cluster_uuid)]
    with pytest.raises(ks_exc.NotFound):
        admin.trusts.get(made['trust_id'])


def test_a_trust_a_live_cluster_does_not_hold_goes_after_the_grace_period(
        keystone, admin, reaper_config, log_lines):
    """A rotation's new trust that failed and whose undo found Keystone down: the
    cluster's row holds neither; the reaper deletes it, never the row's trust nor
    the new trust of a rotation in progress."""
    info = reaper_config
    ctx = helpers.owner_context(keystone, info)
    cluster = helpers.make_cluster(project_id=info['project'], user_id=info['demo'])
    db.update_cluster(cluster.uuid, trust.create_for_request(ctx, cluster.uuid,
                                                             info['project'], info['demo']))
    row = db.get_cluster_by_uuid(ml_context.get_admin_context(), cluster.uuid)
    stray = trust.rotation_for_request(ctx, row)['trust_id']
    rotating = helpers.make_cluster(project_id=info['project'], user_id=info['demo'])
    db.update_cluster(rotating.uuid, trust.create_for_request(ctx, rotating.uuid,
                                                              info['project'], info['demo']))
    rotating_row = db.get_cluster_by_uuid(ml_context.get_admin_context(), rotating.uuid)
    in_progress = trust.rotation_for_request(ctx, rotating_row)
    db.update_cluster(rotating.uuid, {'operation': 'rotate_credential',
                                      'operation_args': {'new_trust': in_progress}})

    reaper = _reaper(info)
    reaper.run()  # first seen: kept for the grace period
    assert admin.trusts.get(stray) and reaper.reaped_trusts == []
    _poll(reaper, lambda: reaper.reaped_trusts, what='the stray trust to be deleted')
    assert reaper.reaped_trusts == [(stray, cluster.uuid)]
    with pytest.raises(ks_exc.NotFound):
        admin.trusts.get(stray)
    for kept in (row.trust_id, rotating_row.trust_id, in_progress['trust_id']):
        assert admin.trusts.get(kept)
    assert reaper.reaped == []   # no user went: both clusters have rows
    said = [line for line in log_lines if line.startswith('Deleted trust ')]
    assert len(said) == 1 and stray in said[0] and cluster.uuid in said[0]
