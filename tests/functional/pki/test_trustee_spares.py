"""Spare trustee users against a real Keystone: the conductors' pool
(``magnum_like.conductor.trustee_spares``), a cluster create taking one
(``magnum_like.pki.spares`` through ``trust.create_for_request``) and the
orphan reaper deleting a spare left without its row.

The passes are called directly and polled with a deadline (no fixed sleep).
"""
from __future__ import annotations

import socket
import threading
import time
import uuid as uuidlib

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import pytest

from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.conductor import ring as ring_mod
from magnum_like.conductor import trustee_reaper
from magnum_like.conductor import trustee_spares
from magnum_like.db import api as db
from magnum_like.pki import spares
from magnum_like.pki import trust
from magnum_like.pki import trustees
from tests.functional.pki import conftest as helpers

GRACE = 2.0


@pytest.fixture
def spare_config(trust_config, admin):
    conf = trust_config['conf']
    conf.set_override('orphan_grace_period', GRACE, group='trust')
    conf.set_override('trustee_spares', 3, group='trust')
    return trust_config


def _refiller(info, host='spares-a'):
    conf = info['conf']
    return trustee_spares.SpareRefiller(host, ring_mod.Ring(host, conf), conf=conf)


def _spare_users(admin, info):
    return {u.id: u for u in admin.users.list(domain=info['domain'])
            if spares.parse(u) is not None}


def _row_ids():
    return {row.user_id for row in db.get_trustee_spare_list()}


def _fill(info, count):
    info['conf'].set_override('trustee_spares', count, group='trust')
    refiller = _refiller(info)
    refiller.run()
    assert len(_row_ids()) == count
    return refiller


def _accept(keystone, info):
    cluster = helpers.make_cluster(project_id=info['project'], user_id=info['demo'])
    made = trust.create_for_request(helpers.owner_context(keystone, info), cluster.uuid,
                                    info['project'], info['demo'])
    db.update_cluster(cluster.uuid, made)
    return db.get_cluster_by_uuid(ml_context.get_admin_context(), cluster.uuid)


def test_the_pool_fills_to_the_target_with_working_users(keystone, admin, spare_config):
    info = spare_config
    refiller = _fill(info, 3)
    users = _spare_users(admin, info)
    assert set(users) == _row_ids() and refiller.made == 3
    for user in users.values():
        assert user.name.startswith('spare-') and trustees.NAME.match(user.name) is None
        assert user.description.startswith('Spare trustee user, created ')
    # The stored password is the user's.
    row = db.get_trustee_spare_list()[0]
    auth = v3.Password(auth_url=keystone.url, user_id=row.user_id,
                       password=trust.decrypt_password(row.password))
    assert ks_session.Session(auth=auth).get_token()
    refiller.run()  # full: nothing more
    assert refiller.made == 3 and len(_spare_users(admin, info)) == 3


def test_a_cluster_create_takes_a_spare_and_the_pool_refills(keystone, admin, spare_config):
    info = spare_config
    refiller = _fill(info, 2)
    before = _row_ids()
    row = _accept(keystone, info)
    assert row.trustee_user_id in before
    assert _row_ids() == before - {row.trustee_user_id}
    user = admin.users.get(row.trustee_user_id)
    assert user.name == trust.trustee_username(row.uuid, info['project'])
    assert user.description.startswith('Trustee of cluster %s, created ' % row.uuid)
    assert admin.trusts.get(row.trust_id).trustee_user_id == user.id
    # The conductor's own check: a token through the trust, with the stored password.
    assert trust.check_trust(row)['trust_id'] == row.trust_id
    refiller.run()
    assert len(_row_ids()) == 2 and row.trustee_user_id not in _row_ids()


def test_an_empty_pool_or_spares_off_make_the_user_inline(keystone, admin, spare_config):
    info = spare_config
    row = _accept(keystone, info)  # trustee_spares = 3, no spare made yet
    assert admin.users.get(row.trustee_user_id).name == trust.trustee_username(
        row.uuid, info['project'])
    _fill(info, 1)
    info['conf'].set_override('trustee_spares', 0, group='trust')
    kept = _row_ids()
    row = _accept(keystone, info)
    assert row.trustee_user_id not in kept and _row_ids() == kept


def test_a_vanished_spare_falls_back_and_its_row_goes(keystone, admin, spare_config, log_lines):
    info = spare_config
    _fill(info, 1)
    (vanished,) = _row_ids()
    admin.users.delete(vanished)
    row = _accept(keystone, info)
    assert row.trustee_user_id != vanished and _row_ids() == set()
    assert admin.trusts.get(row.trust_id).trustee_user_id == row.trustee_user_id
    assert any('not usable' in line and vanished in line for line in log_lines)


def test_a_refused_trust_deletes_the_spare(keystone, admin, spare_config):
    info = spare_config
    _fill(info, 1)
    (spare,) = _row_ids()
    info['conf'].set_override('roles', ['admin'], group='trust')  # a role the owner lacks
    with pytest.raises(exception.TrustRefused):
        trust.create_for_request(helpers.owner_context(keystone, info), str(uuidlib.uuid4()),
                                 info['project'], info['demo'])
    assert helpers.gone(admin, spare) and _row_ids() == set()
    assert [u.name for u in admin.users.list(domain=info['domain'])] == ['trustee-admin']


def test_lowering_the_option_deletes_the_extra_spares(keystone, admin, spare_config):
    info = spare_config
    refiller = _fill(info, 3)
    info['conf'].set_override('trustee_spares', 1, group='trust')
    refiller.run()
    assert len(_row_ids()) == 1 and set(_spare_users(admin, info)) == _row_ids()
    info['conf'].set_override('trustee_spares', 0, group='trust')
    refiller.run()
    assert _row_ids() == set() and _spare_users(admin, info) == {}
    assert refiller.deleted == 3


def test_spares_of_another_domain_are_deleted(keystone, admin, spare_config):
    info = spare_config
    _fill(info, 1)
    (old,) = _row_ids()
    # As if [trust] trustee_domain_id had been changed: the row names another domain.
    with db.get_engine().begin() as connection:
        connection.exec_driver_sql("UPDATE trustee_spares SET domain_id = 'elsewhere'")
    refiller = _refiller(info)
    refiller.run()
    assert helpers.gone(admin, old) and old not in _row_ids() and len(_row_ids()) == 1


def test_only_the_ring_owner_refills(keystone, admin, spare_config):
    info = spare_config
    hosts = ['spares-%s' % uuidlib.uuid4().hex[:8] for _ in range(3)]
    for host in hosts:
        db.report_magnum_service(host, ring_mod.BINARY)
    refillers = [_refiller(info, host) for host in hosts]
    for refiller in refillers:
        refiller.run()
    assert sorted(r.passes for r in refillers) == [0, 0, 1]
    assert len(_row_ids()) == 3 and len(_spare_users(admin, info)) == 3


def test_concurrent_creates_never_share_a_spare(keystone, admin, spare_config):
    info = spare_config
    _fill(info, 2)
    spare_ids = _row_ids()
    clusters = [helpers.make_cluster(project_id=info['project'], user_id=info['demo'])
                for _ in range(3)]
    ctx = helpers.owner_context(keystone, info)
    barrier = threading.Barrier(len(clusters))
    made, errors = {}, []

    def create(cluster):
        try:
            barrier.wait(timeout=10)
            made[cluster.uuid] = trust.create_for_request(ctx, cluster.uuid, info['project'],
                                                          info['demo'])
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=create, args=(c,)) for c in clusters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    users = [values['trustee_user_id'] for values in made.values()]
    assert len(set(users)) == 3 and set(users) & spare_ids == spare_ids  # one inline
    for cluster_uuid, values in made.items():
        user = admin.users.get(values['trustee_user_id'])
        assert user.name == trust.trustee_username(cluster_uuid, info['project'])


def test_a_spare_without_row_is_reaped_after_the_grace(keystone, admin, spare_config,
                                                       log_lines):
    info = spare_config
    _fill(info, 2)
    # An API killed between the claim and the rename: the row is gone, the user stays.
    lost = db.claim_trustee_spare(info['domain']).user_id
    (kept,) = _row_ids()
    host = 'reaper-s'
    reaper = trustee_reaper.TrusteeReaper(host, ring_mod.Ring(host, info['conf']),
                                          conf=info['conf'])
    reaper.run()  # within the grace period: kept
    assert lost in reaper.spare_first_seen and not helpers.gone(admin, lost)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not reaper.reaped_spares:
        reaper.run()
        time.sleep(0.2)
    assert reaper.reaped_spares == [lost] and helpers.gone(admin, lost)
    assert not helpers.gone(admin, kept) and _row_ids() == {kept}  # a spare with a row: never
    assert reaper.reaped == []
    assert any(line.startswith('Deleted spare trustee user %s' % lost) for line in log_lines)


def test_keystone_down_is_logged_once_and_the_next_pass_refills(
        keystone, admin, spare_config, log_lines):
    info = spare_config
    conf = info['conf']
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        closed = sock.getsockname()[1]
    conf.set_override('auth_url', 'http://127.0.0.1:%d/v3' % closed, group='keystone_auth')
    refiller = _refiller(info)
    for _ in range(3):
        refiller.run()  # never raises
    assert refiller.passes == 3 and _row_ids() == set()
    down = [line for line in log_lines if 'Spare trustee pass' in line
            and 'Keystone unavailable or refusing' in line]
    assert len(down) == 1 and 'spares-a' in down[0]
    conf.set_override('auth_url', keystone.url, group='keystone_auth')
    refiller.run()
    assert len(_row_ids()) == 3
    assert any('Spare trustee pass of spares-a: Keystone answers again' in line
               for line in log_lines)


def test_a_rotation_of_a_cluster_without_trustee_takes_a_spare(keystone, admin, spare_config):
    info = spare_config
    _fill(info, 1)
    (spare,) = _row_ids()
    cluster = helpers.make_cluster(project_id=info['project'], user_id=info['demo'])
    new = trust.rotation_for_request(helpers.owner_context(keystone, info), cluster)
    assert new['trustee_user_id'] == spare and _row_ids() == set()
    assert admin.trusts.get(new['trust_id']).trustee_user_id == spare
    assert admin.users.get(spare).name == trust.trustee_username(cluster.uuid, info['project'])
