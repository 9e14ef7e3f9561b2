"""Trustee users and trusts against a real Keystone (``magnum_like.common.trust``).

Keystone runs on loopback (``tests/fixtures/keystone.py``). The test cloud has
a trustee domain whose admin user has the ``admin`` role on it, and a project
``demo`` whose user ``demo`` (role ``member``) owns the clusters.
"""
from __future__ import annotations

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client
from oslo_config import cfg
import pytest

from magnum_like.common import context as ml_context
from magnum_like.common import crypto
from magnum_like.common import exception
from magnum_like.common import trust
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from tests.fixtures import keystone as keystone_fixture
from tests.functional.pki import conftest as helpers

CONF = ml_conf.CONF
DOMAIN_ADMIN_PASSWORD = 'domain-admin-secret'
DEMO_PASSWORD = 'demo-secret'


@pytest.fixture(scope='module')
def keystone():
    server = keystone_fixture.KeystoneServer().start()
    admin = ks_client.Client(session=server.admin_session())
    domain = admin.domains.create('magnum-trustees')
    domain_admin = admin.users.create('trustee-admin', domain=domain,
                                      password=DOMAIN_ADMIN_PASSWORD)
    roles = {r.name: r for r in admin.roles.list()}
    admin.roles.grant(roles['admin'], user=domain_admin, domain=domain)
    project = admin.projects.create('demo', domain='default')
    demo = admin.users.create('demo', domain='default', password=DEMO_PASSWORD)
    admin.roles.grant(roles['member'], user=demo, project=project)
    admin.roles.grant(roles['reader'], user=demo, project=project)
    server.info = {'domain': domain.id, 'domain_admin': domain_admin.id,
                   'project': project.id, 'demo': demo.id}
    yield server
    server.stop()


@pytest.fixture
def admin(keystone):
    return ks_client.Client(session=keystone.admin_session())


@pytest.fixture
def trust_config(keystone, pki_config, monkeypatch):
    """Keystone mode: service credentials in [keystone_auth], the trustee domain in [trust].

    ``trust`` gets a private ConfigOpts: keystoneauth registers its password
    plugin's options (``auth_url`` required) on the configuration it loads from,
    and on the global ``CONF`` they would outlive the test and fail any later
    ``CONF()`` in this process.
    """
    conf = cfg.ConfigOpts()
    for module in ml_conf.MODULES:
        module.register_opts(conf)
    conf([], project='magnum_like', default_config_files=[])
    conf.register_opts(ks_loading.get_auth_plugin_conf_options('password'),
                       group='keystone_auth')
    settings = {
        'api': {'auth_strategy': 'keystone'},
        'keystone_auth': {'auth_type': 'password', 'auth_url': keystone.url,
                          'username': 'admin', 'password': keystone_fixture.ADMIN_PASSWORD,
                          'project_name': 'admin', 'user_domain_id': 'default',
                          'project_domain_id': 'default'},
        'trust': {'trustee_domain_id': keystone.info['domain'],
                  'trustee_domain_admin_id': keystone.info['domain_admin'],
                  'trustee_domain_admin_password': DOMAIN_ADMIN_PASSWORD,
                  'trustee_password_encryption_key': [crypto.generate_key()]},
    }
    for group, values in settings.items():
        for name, value in values.items():
            conf.set_override(name, value, group=group)
    monkeypatch.setattr(trust, 'CONF', conf)
    return dict(keystone.info, conf=conf)


def _owner_context(keystone, info):
    auth = v3.Password(auth_url=keystone.url, user_id=info['demo'], password=DEMO_PASSWORD,
                       project_id=info['project'])
    sess = ks_session.Session(auth=auth)
    return ml_context.make_context(auth_token=sess.get_token(), user_id=info['demo'],
                                   project_id=info['project'], roles=['member', 'reader'])


def _cluster(info):
    return helpers.make_cluster(project_id=info['project'], user_id=info['demo'])


def _row(uuid):
    return db.get_cluster_by_uuid(ml_context.get_admin_context(), uuid)


def _trustee_token(keystone, row, *, password=None, trust_id=None):
    auth = v3.Password(auth_url=keystone.url, user_id=row.trustee_user_id,
                       password=password or trust.decrypt_password(row.trustee_password),
                       trust_id=trust_id)
    return ks_session.Session(auth=auth).get_token()


def test_ensure_and_delete(keystone, admin, trust_config):
    info = trust_config
    ctx = _owner_context(keystone, info)
    cluster = _cluster(info)
    result = trust.ensure_trust(ctx, cluster.uuid)
    row = _row(cluster.uuid)
    assert result == {'trust_id': row.trust_id, 'trustee_user_id': row.trustee_user_id,
                      'trustee_username': row.trustee_username}
    assert row.trustee_username == '%s_%s' % (cluster.uuid, info['project'])

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

    # Idempotent: nothing new.
    assert trust.ensure_trust(ctx, cluster.uuid) == result
    assert len(admin.users.list(domain=info['domain'])) == 2
    assert len(admin.trusts.list(trustor_user=info['demo'])) == 1

    trust.delete_trust(ctx, cluster.uuid)
    with pytest.raises(ks_exc.NotFound):
        admin.users.get(row.trustee_user_id)
    with pytest.raises(ks_exc.NotFound):
        admin.trusts.get(row.trust_id)
    row = _row(cluster.uuid)
    assert (row.trust_id, row.trustee_user_id, row.trustee_username,
            row.trustee_password) == (None, None, None, None)
    trust.delete_trust(ctx, cluster.uuid)  # nothing left: no error


def test_configured_roles(keystone, admin, trust_config):
    trust_config['conf'].set_override('roles', ['reader'], group='trust')
    ctx = _owner_context(keystone, trust_config)
    cluster = _cluster(trust_config)
    trust.ensure_trust(ctx, cluster.uuid)
    made = admin.trusts.get(_row(cluster.uuid).trust_id)
    assert [r['name'] for r in made.roles] == ['reader']
    trust.delete_trust(ctx, cluster.uuid)


def test_delete_by_someone_else(keystone, admin, trust_config):
    """An admin deleting the cluster (no owner token): the service's credentials delete it."""
    cluster = _cluster(trust_config)
    trust.ensure_trust(_owner_context(keystone, trust_config), cluster.uuid)
    row = _row(cluster.uuid)
    trust.delete_trust(ml_context.get_admin_context(), cluster.uuid)
    with pytest.raises(ks_exc.NotFound):
        admin.trusts.get(row.trust_id)
    with pytest.raises(ks_exc.NotFound):
        admin.users.get(row.trustee_user_id)


def test_delete_ignores_404(keystone, admin, trust_config):
    ctx = _owner_context(keystone, trust_config)
    cluster = _cluster(trust_config)
    trust.ensure_trust(ctx, cluster.uuid)
    row = _row(cluster.uuid)
    admin.users.delete(row.trustee_user_id)  # takes its trusts with it
    trust.delete_trust(ctx, cluster.uuid)
    assert _row(cluster.uuid).trustee_user_id is None


def test_rotate_credentials(keystone, admin, trust_config):
    ctx = _owner_context(keystone, trust_config)
    cluster = _cluster(trust_config)
    trust.ensure_trust(ctx, cluster.uuid)
    before = _row(cluster.uuid)
    old_password = trust.decrypt_password(before.trustee_password)
    trust.rotate_credentials(ctx, cluster.uuid)
    after = _row(cluster.uuid)
    assert after.trustee_user_id == before.trustee_user_id
    assert after.trust_id != before.trust_id
    with pytest.raises(ks_exc.NotFound):
        admin.trusts.get(before.trust_id)
    assert admin.trusts.get(after.trust_id).trustee_user_id == after.trustee_user_id
    with pytest.raises(ks_exc.Unauthorized):
        _trustee_token(keystone, after, password=old_password)
    assert _trustee_token(keystone, after, trust_id=after.trust_id)
    trust.delete_trust(ctx, cluster.uuid)
    assert admin.users.list(domain=trust_config['domain'], name=after.trustee_username) == []


def test_heat_parameters(keystone, trust_config):
    ctx = _owner_context(keystone, trust_config)
    cluster = _cluster(trust_config)
    trust.ensure_trust(ctx, cluster.uuid)
    row = _row(cluster.uuid)
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
    trust.delete_trust(ctx, cluster.uuid)


def test_keystone_refusal_is_reported(keystone, trust_config):
    trust_config['conf'].set_override('trustee_domain_admin_password', 'wrong', group='trust')
    cluster = _cluster(trust_config)
    with pytest.raises(exception.TrusteeOrTrustToClusterFailed):
        trust.ensure_trust(_owner_context(keystone, trust_config), cluster.uuid)
    assert _row(cluster.uuid).trustee_user_id is None


def test_noauth_skips_trusts(pki_config, log_lines):
    cluster = helpers.make_cluster()
    ctx = ml_context.make_context(project_id='project-a', user_id='user-a')
    assert trust.ensure_trust(ctx, cluster.uuid) == {
        'trust_id': None, 'trustee_user_id': None, 'trustee_username': None}
    trust.ensure_trust(ctx, cluster.uuid)
    trust.delete_trust(ctx, cluster.uuid)
    assert sum('no trustee user and no trust' in line for line in log_lines) == 1
