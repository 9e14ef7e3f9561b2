"""Start-time configuration checks: what would only fail later is refused up front."""
from __future__ import annotations

import sys

import pytest
from oslo_config import cfg

from magnum_like.common import config_check
from magnum_like.common import crypto
from magnum_like import conf as ml_conf

TRUST = """[api]
auth_strategy = keystone
[keystone_auth]
auth_type = password
auth_url = http://127.0.0.1:5000/v3
[trust]
trustee_domain_name = magnum
trustee_domain_admin_name = magnum_domain_admin
trustee_domain_admin_password = secret
"""


def _conf(tmp_path, text: str) -> cfg.ConfigOpts:
    path = tmp_path / 'magnum_like.conf'
    path.write_text(text)
    conf = cfg.ConfigOpts()
    for module in ml_conf.MODULES:
        module.register_opts(conf)
    conf(['--config-file', str(path)], project='magnum_like', default_config_files=[])
    return conf


def test_defaults_are_valid_for_the_conductor_and_the_api(tmp_path):
    conf = _conf(tmp_path, '[DEFAULT]\nhost = c1\n[api]\nauth_strategy = noauth\n')
    queues = config_check.conductor_queues(conf)
    assert set(queues) == {'magnum-like-conductor', 'magnum-like-conductor.c1',
                           'magnum-like-conductor-heat-notifications'}
    config_check.check_conductor(conf)
    config_check.check_api(conf)


@pytest.mark.parametrize('pool', ['magnum-like-conductor', 'magnum-like-conductor.c1'])
def test_pool_clashing_with_an_rpc_queue_is_refused(tmp_path, pool):
    conf = _conf(tmp_path, '[DEFAULT]\nhost = c1\n[api]\nauth_strategy = noauth\n'
                 '[conductor]\nheat_notifications_pool = %s\n' % pool)
    with pytest.raises(config_check.ConfigurationError) as error:
        config_check.check_conductor(conf)
    assert '[conductor] heat_notifications_pool' in str(error.value)
    assert '[conductor] topic' in str(error.value)


def test_pool_is_free_when_notifications_are_off(tmp_path):
    conf = _conf(tmp_path, '[DEFAULT]\nhost = c1\n[api]\nauth_strategy = noauth\n'
                 '[conductor]\nheat_notifications = false\n'
                 'heat_notifications_pool = magnum-like-conductor\n')
    config_check.conductor_queues(conf)


def test_trusts_without_an_encryption_key_are_refused(tmp_path):
    conf = _conf(tmp_path, TRUST)
    with pytest.raises(config_check.ConfigurationError) as error:
        config_check.check_api(conf)
    assert '[trust] trustee_password_encryption_key' in str(error.value)


def test_trusts_with_a_key_are_accepted_and_a_bad_key_is_named(tmp_path):
    good = _conf(tmp_path, TRUST + 'trustee_password_encryption_key = %s\n'
                 % crypto.generate_key())
    config_check.check_api(good)
    config_check.check_conductor(good)
    bad = _conf(tmp_path, TRUST + 'trustee_password_encryption_key = not-a-key\n')
    with pytest.raises(config_check.ConfigurationError) as error:
        config_check.check_conductor(bad)
    assert '[trust] trustee_password_encryption_key' in str(error.value)
    assert 'not-a-key' not in str(error.value)


def test_trusts_without_a_trustee_domain_are_refused(tmp_path):
    conf = _conf(tmp_path, '[api]\nauth_strategy = keystone\n[trust]\n'
                 'trustee_password_encryption_key = %s\n' % crypto.generate_key())
    with pytest.raises(config_check.ConfigurationError) as error:
        config_check.check_api(conf)
    for option in ('[trust] trustee_domain_id', '[trust] trustee_domain_admin_id',
                   '[trust] trustee_domain_admin_password', '[keystone_auth] auth_type'):
        assert option in str(error.value)


def test_x509keypair_needs_its_key(tmp_path):
    base = '[api]\nauth_strategy = noauth\n[certificates]\ncert_manager_type = x509keypair\n'
    with pytest.raises(config_check.ConfigurationError) as error:
        config_check.check_conductor(_conf(tmp_path, base))
    assert '[certificates] x509keypair_encryption_key' in str(error.value)
    config_check.check_conductor(_conf(
        tmp_path, base + 'x509keypair_encryption_key = %s\n' % crypto.generate_key()))


@pytest.mark.parametrize('value', ['-1', '3601', 'soon'])
def test_a_bad_cloud_cache_ttl_is_refused_at_start(tmp_path, value):
    conf = _conf(tmp_path, '[api]\nauth_strategy = noauth\ncloud_cache_ttl = %s\n' % value)
    with pytest.raises(config_check.ConfigurationError) as error:
        config_check.check_api(conf)
    assert '[api] cloud_cache_ttl' in str(error.value)


@pytest.mark.parametrize('value', ['0', '3600'])
def test_cloud_cache_ttl_bounds_are_accepted(tmp_path, value):
    conf = _conf(tmp_path, '[api]\nauth_strategy = noauth\ncloud_cache_ttl = %s\n' % value)
    config_check.check_api(conf)
    assert conf.api.cloud_cache_ttl == int(value)


def test_a_memcached_token_cache_without_its_client_is_refused(tmp_path, monkeypatch):
    text = TRUST + '[keystone_authtoken]\nmemcached_servers = 127.0.0.1:11211\n'
    text = text.replace('[trust]\n', '[trust]\ntrustee_password_encryption_key = %s\n'
                        % crypto.generate_key())
    monkeypatch.setitem(sys.modules, 'memcache', None)   # python-memcached absent
    with pytest.raises(config_check.ConfigurationError) as error:
        config_check.check_api(_conf(tmp_path, text))
    assert 'memcached_servers' in str(error.value) and 'memcache' in str(error.value)
    # Without memcached_servers tokens are cached per process: nothing to install.
    config_check.check_api(_conf(tmp_path, text.replace('memcached_servers', '# memcached')))
