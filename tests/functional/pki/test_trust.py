"""Trustee users and trusts against a real Keystone (``magnum_like.pki.trust``).

Keystone runs on loopback (``tests/fixtures/keystone.py``). The test cloud has
a trustee domain whose admin user has the ``admin`` role on it, and a project
``demo`` whose user ``demo`` (role ``member``) owns the clusters.
"""
from __future__ import annotations

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import pytest

from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.pki import trust
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from tests.functional.pki import conftest as helpers

CONF = ml_conf.CONF
DEMO_PASSWORD = helpers.DEMO_PASSWORD
_owner_context = helpers.owner_context


def _middleware_context(keystone, info):
    """As the API's request context: keystonemiddleware's plugin of the validated token."""
    from keystonemiddleware.auth_token import _user_plugin
    ctx = _owner_context(keystone, info)
    auth = v3.Token(auth_url=keystone.url, token=ctx.auth_token, project_id=info['project'])
    access = auth.get_access(ks_session.Session(auth=auth))
    ctx.auth_plugin = _user_plugin.UserAuthPlugin(access, None)
    return ctx


def _cluster(info):
    return helpers.make_cluster(project_id=info['project'], user_id=info['demo'])


def _row(uuid):
    return db.get_cluster_by_uuid(ml_context.get_admin_context(), uuid)


def _delete_trust(uuid):
    """What the conductor's delete does: Keystone first, then it writes what is cleared."""
    cleared = trust.delete_trust(_row(uuid))
    if cleared:
        db.update_cluster(uuid, cleared)


def _rotate(uuid, new):
    """What the conductor's credential rotation does (writing through its task)."""
    before = _row(uuid)
    values = trust.apply_rotation(before, new)
    assert values  # a new password and the new trust to write
    db.update_cluster(uuid, values)
    trust.delete_replaced_trust(uuid, before.trust_id)


def _trustee_token(keystone, row, *, password=None, trust_id=None):
    auth = v3.Password(auth_url=keystone.url, user_id=row.trustee_user_id,
                       password=password or trust.decrypt_password(row.trustee_password),
                       trust_id=trust_id)
    return ks_session.Session(auth=auth).get_token()


def _accept(ctx, info):
    """What the API does when it accepts a cluster: trust first, then the rows."""
    cluster_uuid = helpers.make_cluster(project_id=info['project'],
                                        user_id=info['demo']).uuid
    made = trust.create_for_request(ctx, cluster_uuid, info['project'], info['demo'])
    db.update_cluster(cluster_uuid, made)
    return cluster_uuid


@pytest.mark.parametrize('context', [_owner_context, _middleware_context])
def test_create_check_and_delete(keystone, admin, trust_config, context):
    info = trust_config
    ctx = context(keystone, info)
    cluster_uuid = _accept(ctx, info)
    row = _row(cluster_uuid)
    assert row.trustee_username == '%s_%s' % (cluster_uuid, info['project'])

    user = admin.users.get(row.trustee_user_id)
    assert user.name == row.trustee_username and user.domain_id == info['domain']
    made = admin.trusts.get(row.trust_id)
    assert made.trustor_user_id == info['demo']
    assert made.trustee_user_id == row.trustee_user_id
    assert made.project_id == info['project']
    assert made.impersonation is True
    assert not made.to_dict().get("allow_redelegation")
    assert made.to_dict().get("redelegation_count") in (None, 0)
    assert sorted(r['name'] for r in made.roles) == ['member', 'reader']

    # The password is stored encrypted, and it works, as does the trust.
    password = trust.decrypt_password(row.trustee_password)
    assert password not in row.trustee_password
    assert _trustee_token(keystone, row, trust_id=row.trust_id)
    # The conductor's check needs no user token.
    assert trust.check_trust(row) == {'trust_id': row.trust_id,
                                      'trustee_user_id': row.trustee_user_id,
                                      'trustee_username': row.trustee_username}

    _delete_trust(cluster_uuid)
    with pytest.raises(ks_exc.NotFound):
        admin.users.get(row.trustee_user_id)
    with pytest.raises(ks_exc.NotFound):
        admin.trusts.get(row.trust_id)
    row = _row(cluster_uuid)
    assert (row.trust_id, row.trustee_user_id, row.trustee_username,
            row.trustee_password) == (None, None, None, None)
    _delete_trust(cluster_uuid)  # nothing left: no error


def test_configured_roles(keystone, admin, trust_config):
    trust_config['conf'].set_override('roles', ['reader'], group='trust')
    cluster_uuid = _accept(_owner_context(keystone, trust_config), trust_config)
    made = admin.trusts.get(_row(cluster_uuid).trust_id)
    assert [r['name'] for r in made.roles] == ['reader']
    _delete_trust(cluster_uuid)


def test_refused_trust_leaves_no_trustee(keystone, admin, trust_config):
    """A trust Keystone refuses (a role the owner lacks) is a 403, and the trustee goes."""
    trust_config['conf'].set_override('roles', ['admin'], group='trust')
    ctx = _owner_context(keystone, trust_config)
    with pytest.raises(exception.TrustRefused) as caught:
        trust.create_for_request(ctx, 'c0ffee00-0000-4000-8000-000000000001',
                                 trust_config['project'], trust_config['demo'])
    assert caught.value.code == 403
    assert 'c0ffee00-0000-4000-8000-000000000001' in str(caught.value)
    assert [u.name for u in admin.users.list(domain=trust_config['domain'])] == [
        'trustee-admin']


def test_no_token_names_the_cluster(keystone, trust_config):
    ctx = ml_context.make_context(user_id=trust_config['demo'],
                                  project_id=trust_config['project'])
    with pytest.raises(exception.TrusteeOrTrustToClusterFailed) as caught:
        trust.create_for_request(ctx, 'c0ffee00-0000-4000-8000-000000000002',
                                 trust_config['project'], trust_config['demo'])
    assert 'c0ffee00-0000-4000-8000-000000000002' in str(caught.value)
    assert "owner's token" in str(caught.value)


def test_check_names_a_vanished_project_or_user(keystone, admin, trust_config):
    info = trust_config
    gone_project = admin.projects.create('doomed-%s' % info['project'][:6], domain='default')
    roles = {r.name: r for r in admin.roles.list()}
    admin.roles.grant(roles['member'], user=info['demo'], project=gone_project)
    auth = v3.Password(auth_url=keystone.url, user_id=info['demo'], password=DEMO_PASSWORD,
                       project_id=gone_project.id)
    doomed_ctx = ml_context.make_context(
        auth_token=ks_session.Session(auth=auth).get_token(), user_id=info['demo'],
        project_id=gone_project.id)
    doomed = _accept(doomed_ctx, dict(info, project=gone_project.id))
    admin.projects.delete(gone_project.id)
    with pytest.raises(exception.ClusterTrustInvalid) as caught:
        trust.check_trust(_row(doomed))
    assert doomed in str(caught.value)
    assert 'project %s no longer exists' % gone_project.id in str(caught.value)
    _delete_trust(doomed)  # deletion still works, as the service

    owner = admin.users.create('short-lived', domain='default', password=DEMO_PASSWORD)
    admin.roles.grant(roles['member'], user=owner, project=info['project'])
    auth = v3.Password(auth_url=keystone.url, user_id=owner.id, password=DEMO_PASSWORD,
                       project_id=info['project'])
    owner_ctx = ml_context.make_context(auth_token=ks_session.Session(auth=auth).get_token(),
                                        user_id=owner.id, project_id=info['project'])
    orphan = _accept(owner_ctx, dict(info, demo=owner.id))
    admin.users.delete(owner.id)
    with pytest.raises(exception.ClusterTrustInvalid) as caught:
        trust.check_trust(_row(orphan))
    assert orphan in str(caught.value) and 'owner (user) %s' % owner.id in str(caught.value)
    _delete_trust(orphan)
    assert [u.name for u in admin.users.list(domain=info['domain'])] == ['trustee-admin']


def test_check_refuses_a_cluster_without_trust(trust_config):
    cluster = _cluster(trust_config)
    with pytest.raises(exception.ClusterTrustInvalid) as caught:
        trust.check_trust(_row(cluster.uuid))
    assert cluster.uuid in str(caught.value) and 'no trust' in str(caught.value)


def test_delete_ignores_404(keystone, admin, trust_config):
    cluster_uuid = _accept(_owner_context(keystone, trust_config), trust_config)
    row = _row(cluster_uuid)
    admin.users.delete(row.trustee_user_id)  # takes its trusts with it
    _delete_trust(cluster_uuid)
    assert _row(cluster_uuid).trustee_user_id is None


def test_rotate_credentials(keystone, admin, trust_config):
    ctx = _owner_context(keystone, trust_config)
    cluster_uuid = _accept(ctx, trust_config)
    before = _row(cluster_uuid)
    old_password = trust.decrypt_password(before.trustee_password)
    new = trust.rotation_for_request(ctx, before)  # the API, with the owner's token
    assert set(new) == {'trust_id'}
    _rotate(cluster_uuid, new)  # the conductor, without it
    after = _row(cluster_uuid)
    assert after.trustee_user_id == before.trustee_user_id
    assert after.trust_id == new['trust_id'] != before.trust_id
    with pytest.raises(ks_exc.NotFound):
        admin.trusts.get(before.trust_id)
    assert admin.trusts.get(after.trust_id).trustee_user_id == after.trustee_user_id
    with pytest.raises(ks_exc.Unauthorized):
        _trustee_token(keystone, after, password=old_password)
    assert _trustee_token(keystone, after, trust_id=after.trust_id)
    # Repeated after a crash: the row holds the new trust, nothing changes.
    assert trust.apply_rotation(_row(cluster_uuid), new) == {}
    assert _row(cluster_uuid).trustee_password == after.trustee_password
    _delete_trust(cluster_uuid)
    assert admin.users.list(domain=trust_config['domain'], name=after.trustee_username) == []


def test_heat_parameters(keystone, trust_config):
    ctx = _owner_context(keystone, trust_config)
    cluster_uuid = _accept(ctx, trust_config)
    row = _row(cluster_uuid)
    params = trust.heat_parameters(ctx, row)
    assert params['trustee_user_id'] == row.trustee_user_id
    assert params['trustee_password'] == trust.decrypt_password(row.trustee_password)
    assert params['trust_id'] == ''  # cluster_user_trust is off
    assert params['auth_url'] == keystone.url
    # Where the nodes (and the simulator's masters) call the certificates API.
    assert params['magnum_url'] == 'http://%s:%d/v1' % (trust_config['conf'].api.host,
                                                         trust_config['conf'].api.port)
    trust_config['conf'].set_override('public_endpoint', 'https://magnum.example:9511/',
                                      group='api')
    assert trust.heat_parameters(ctx, row)['magnum_url'] == 'https://magnum.example:9511/v1'
    _delete_trust(cluster_uuid)


def test_keystone_refusal_is_reported(keystone, trust_config):
    trust_config['conf'].set_override('trustee_domain_admin_password', 'wrong', group='trust')
    with pytest.raises(exception.TrusteeOrTrustToClusterFailed) as caught:
        trust.create_for_request(_owner_context(keystone, trust_config),
                                 'c0ffee00-0000-4000-8000-000000000003',
                                 trust_config['project'], trust_config['demo'])
    assert caught.value.code == 503
    assert 'c0ffee00-0000-4000-8000-000000000003' in str(caught.value)


def test_noauth_skips_trusts(pki_config, log_lines):
    cluster = helpers.make_cluster()
    ctx = ml_context.make_context(project_id='project-a', user_id='user-a')
    assert trust.create_for_request(ctx, cluster.uuid, 'project-a', 'user-a') == {}
    assert trust.check_trust(_row(cluster.uuid))['trust_id'] is None
    assert trust.rotation_for_request(ctx, _row(cluster.uuid)) == {}
    _delete_trust(cluster.uuid)
    assert sum('no trustee user and no trust' in line for line in log_lines) == 1


def test_keystone_down_is_a_503_naming_the_cluster(keystone, trust_config):
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        closed = sock.getsockname()[1]
    trust_config['conf'].set_override('auth_url', 'http://127.0.0.1:%d/v3' % closed,
                                      group='keystone_auth')
    with pytest.raises(exception.TrusteeOrTrustToClusterFailed) as caught:
        trust.create_for_request(_owner_context(keystone, trust_config),
                                 'c0ffee00-0000-4000-8000-000000000004',
                                 trust_config['project'], trust_config['demo'])
    assert caught.value.code == 503
    assert 'c0ffee00-0000-4000-8000-000000000004' in str(caught.value)


def test_a_leftover_trustee_is_taken_over(keystone, admin, trust_config):
    """A trustee user left by an attempt that died before saving it gets a new password."""
    info = trust_config
    cluster_uuid = _cluster(info).uuid
    leftover = admin.users.create(name=trust.trustee_username(cluster_uuid, info['project']),
                                  domain=info['domain'], password='old-password', enabled=False)
    made = trust.create_for_request(_owner_context(keystone, info), cluster_uuid,
                                    info['project'], info['demo'])
    assert made['trustee_user_id'] == leftover.id
    taken = admin.users.get(leftover.id)
    assert taken.enabled is True
    # Its creation time restarts: the orphan reaper's grace period counts from now.
    assert taken.description.startswith('Trustee of cluster %s, created ' % cluster_uuid)
    db.update_cluster(cluster_uuid, made)
    row = _row(cluster_uuid)
    assert _trustee_token(keystone, row, trust_id=row.trust_id)
    _delete_trust(cluster_uuid)


def test_a_failed_rotation_leaves_no_new_trust(keystone, admin, trust_config):
    """A rotation that ends failed before the row took the API's new trust: the
    conductor deletes it (``discard_unused_rotation``, the rotate handler's
    ``after_failed``); one the row took stays."""
    from magnum_like.conductor.operations import registry
    ctx = _owner_context(keystone, trust_config)
    cluster_uuid = _accept(ctx, trust_config)
    before = _row(cluster_uuid)
    new = trust.rotation_for_request(ctx, before)
    assert admin.trusts.get(new['trust_id'])

    class _Task:  # what the handler reads of the conductor's task
        uuid = cluster_uuid
        cluster = _row(cluster_uuid)

    registry.get('rotate_credential').after_failed(_Task(), {'new_trust': new})
    with pytest.raises(ks_exc.NotFound):
        admin.trusts.get(new['trust_id'])
    assert admin.trusts.get(before.trust_id)   # the cluster's own is untouched
    # One the row holds (the stack update failed after the password changed) stays.
    newer = trust.rotation_for_request(ctx, before)
    _rotate(cluster_uuid, newer)
    _Task.cluster = _row(cluster_uuid)
    registry.get('rotate_credential').after_failed(_Task(), {'new_trust': newer})
    assert admin.trusts.get(newer['trust_id'])
    _delete_trust(cluster_uuid)


def test_keystone_away_during_the_password_change_is_retried(keystone, admin,
                                                             trust_config):
    """Keystone unreachable while the conductor changes the password: a
    transient error (the reconcile pass tries again), not a failed rotation."""
    import socket
    ctx = _owner_context(keystone, trust_config)
    cluster_uuid = _accept(ctx, trust_config)
    new = trust.rotation_for_request(ctx, _row(cluster_uuid))
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        closed = sock.getsockname()[1]
    conf = trust_config['conf']
    working = conf.keystone_auth.auth_url
    conf.set_override('auth_url', 'http://127.0.0.1:%d/v3' % closed, group='keystone_auth')
    with pytest.raises(ks_exc.ConnectionError):
        trust.apply_rotation(_row(cluster_uuid), new)
    conf.set_override('auth_url', working, group='keystone_auth')
    assert _row(cluster_uuid).trust_id != new['trust_id']
    trust.discard_unused_rotation(_row(cluster_uuid), new)
    with pytest.raises(ks_exc.NotFound):
        admin.trusts.get(new['trust_id'])
    _delete_trust(cluster_uuid)
