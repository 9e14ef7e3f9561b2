"""A real ``magnum-like-api`` killed (SIGKILL) between the trust and the cluster's row.

The API runs in keystone mode on MariaDB; another connection holds the
project's quota counter row (``SELECT ... FOR UPDATE``), so the create's
transaction waits right after Keystone has the trustee and the trust. The
API is killed there: nothing undoes them, and the row never commits. The
conductors' reaper (:mod:`magnum_like.conductor.trustee_reaper`) then
deletes both once the grace period has passed.
"""
from __future__ import annotations

import threading

from keystoneauth1 import exceptions as ks_exc
import pytest
import requests
import sqlalchemy as sa

from magnum_like.common import crypto
from magnum_like.conductor import ring as ring_mod
from magnum_like.conductor import trustee_reaper
from magnum_like.db import api as db
from tests.fixtures import database
from tests.fixtures import keystone as keystone_fixture
from tests.fixtures import processes
from tests.functional.pki import conftest as helpers


@pytest.fixture
def mariadb():
    url = database.provision_database('mysql')
    yield url
    database.drop_database(url)


def _config(tmp, port, keystone, info, db_url):
    ks = keystone.url
    config = tmp / 'magnum_like.conf'
    config.write_text('\n'.join([
        '[DEFAULT]', 'state_path = %s' % tmp, 'log_file = %s' % (tmp / 'api.log'),
        '[api]', 'host = 127.0.0.1', 'port = %d' % port, 'auth_strategy = keystone',
        'workers = 1',
        '[database]', 'connection = %s' % db_url,
        '[cluster_template]', 'validate_cloud_resources = false',
        '[drivers]', 'default_driver = k8s_fedora_atomic_v1',
        '[keystone_authtoken]', 'www_authenticate_uri = %s' % ks, 'auth_url = %s' % ks,
        'auth_type = password', 'username = admin',
        'password = %s' % keystone_fixture.ADMIN_PASSWORD, 'project_name = admin',
        'user_domain_id = default', 'project_domain_id = default',
        'service_token_roles_required = false',
        '[keystone_auth]', 'auth_type = password', 'auth_url = %s' % ks, 'username = admin',
        'password = %s' % keystone_fixture.ADMIN_PASSWORD, 'project_name = admin',
        'user_domain_id = default', 'project_domain_id = default',
        '[trust]', 'trustee_domain_id = %s' % info['domain'],
        'trustee_domain_admin_id = %s' % info['domain_admin'],
        'trustee_domain_admin_password = %s' % helpers.DOMAIN_ADMIN_PASSWORD,
        'trustee_password_encryption_key = %s' % crypto.generate_key(),
    ]) + '\n')
    return config


def _trusts_of_new_trustees(admin, info):
    """``(user, [trusts])`` of the first trustee user in the domain that has a trust."""
    for user in admin.users.list(domain=info['domain']):
        if user.id == info['domain_admin']:
            continue
        trusts = admin.trusts.list(trustee_user=user.id)
        if trusts:
            return user, trusts
    return None


def test_an_api_killed_before_the_row_leaves_what_the_reaper_deletes(
        keystone, admin, trust_config, mariadb, tmp_path, log_lines):
    info = trust_config
    port = processes.free_port()
    url = 'http://127.0.0.1:%d' % port
    config = _config(tmp_path, port, keystone, info, mariadb)
    processes.db_upgrade(config)
    headers = {'X-Auth-Token': helpers.owner_context(keystone, info).auth_token}
    engine = sa.create_engine(mariadb, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:  # the project's counter, as a first create makes it
        connection.execute(sa.text(
            "INSERT INTO quota_usages (project_id, resource, in_use) VALUES (:p, 'Cluster', 0)"),
            {'p': info['project']})
    api = processes.start_api(config, url, timeout=60)
    holder = engine.connect()
    try:
        template = requests.post(url + '/v1/clustertemplates', headers=headers, timeout=30,
                                 json={'name': 'k8s', 'coe': 'kubernetes',
                                       'image_id': 'fedora-atomic-latest',
                                       'cluster_distro': 'fedora-atomic',
                                       'flavor_id': 'm1.small', 'master_flavor_id': 'm1.small',
                                       'keypair_id': 'default',
                                       'external_network_id': 'public'})
        assert template.status_code == 201, template.text
        holder.begin()
        holder.execute(sa.text('SELECT in_use FROM quota_usages WHERE project_id = :p '
                               'FOR UPDATE'), {'p': info['project']})
        answers = []
        create = threading.Thread(target=lambda: answers.append(_post(url, headers, template)),
                                  daemon=True)
        create.start()
        def made():
            assert not answers, answers  # the create must still be waiting for its row
            return _trusts_of_new_trustees(admin, info)

        user, trusts = processes.wait_for(made, timeout=60, what='the trustee and its trust')
        api.kill()  # SIGKILL: no discard, no rollback but the database's own
        api.wait(10)
        create.join(30)
        assert answers and answers[0] is None  # the connection broke: no answer
    finally:
        holder.rollback()
        holder.close()
        processes.stop(api)
        engine.dispose()

    cluster_uuid = user.name.split('_', 1)[0]
    database.use_database(mariadb, migrate=False)
    assert db.get_existing_cluster_uuids([cluster_uuid]) == set()
    assert user.description.startswith('Trustee of cluster %s, created ' % cluster_uuid)

    conf = info['conf']
    conf.set_override('orphan_grace_period', 1.0, group='trust')
    reaper = trustee_reaper.TrusteeReaper('reaper-k', ring_mod.Ring('reaper-k', conf), conf=conf)
    processes.wait_for(lambda: reaper.run() or reaper.reaped, timeout=30,
                       what='the reaper to delete the trustee', interval=0.2)
    assert reaper.reaped == [(user.id, cluster_uuid)]
    with pytest.raises(ks_exc.NotFound):
        admin.users.get(user.id)
    for item in trusts:
        with pytest.raises(ks_exc.NotFound):
            admin.trusts.get(item.id)
    assert any(user.id in line and cluster_uuid in line
               for line in log_lines if line.startswith('Deleted trustee user'))


def _post(url, headers, template):
    try:
        resp = requests.post(url + '/v1/clusters', headers=headers, timeout=60,
                             json={'name': 'doomed',
                                   'cluster_template_id': template.json()['uuid']})
    except requests.RequestException:
        return None
    return resp.status_code, resp.text
