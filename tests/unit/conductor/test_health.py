"""The pieces of the health check and auto-healing that need no cluster."""
from __future__ import annotations

import ssl
import types

import pytest
import urllib3

from magnum_like.pki import x509
from magnum_like.conductor import healing
from magnum_like.conductor import health
from magnum_like.conductor import health_probes as probes


def test_workers_that_may_be_replaced_at_once():
    # At least one (a share above 0), never more than the share.
    assert [healing.allowed_unhealthy(n, 0.34) for n in (1, 2, 3, 4, 6, 9, 100)] == \
        [1, 1, 1, 1, 2, 3, 34]
    assert healing.allowed_unhealthy(4, 0.0) == 0
    assert healing.allowed_unhealthy(0, 0.5) == 0
    assert healing.allowed_unhealthy(4, 1.0) == 4


@pytest.mark.parametrize('labels,expected', [
    ({}, 60), ({'auto_healing_grace_period': '5'}, 5), ({'auto_healing_grace_period': '0'}, 0),
    ({'auto_healing_grace_period': 'x'}, 60), ({'auto_healing_grace_period': '90000'}, 60)])
def test_grace_period(labels, expected):
    assert healing.grace_period(types.SimpleNamespace(labels=labels)) == expected


def test_enabled_only_for_the_services_controller():
    def cluster(**labels):
        return types.SimpleNamespace(labels=labels)
    assert healing.enabled(cluster(auto_healing_enabled='true',
                                   auto_healing_controller='magnum-like'))
    assert not healing.enabled(cluster(auto_healing_enabled='false',
                                       auto_healing_controller='magnum-like'))
    assert not healing.enabled(cluster(auto_healing_enabled='true',
                                       auto_healing_controller='magnum-auto-healer'))


def test_endpoints():
    assert health.endpoint('kubernetes', 'https://127.24.0.5:6443') == \
        ('https://127.24.0.5:6443', True)
    assert health.endpoint('kubernetes', 'http://127.24.0.5:8080') == \
        ('http://127.24.0.5:8080', False)
    assert health.endpoint('swarm-mode', 'tcp://127.1.1.1:2376') == ('https://127.1.1.1:2376', True)
    assert health.endpoint('mesos', 'http://127.0.0.9:8080') == ('http://127.0.0.9:5050', False)
    assert probes.private_address('10.0.0.4') and probes.private_address('192.168.1.1')
    assert not probes.private_address('127.24.0.5') and not probes.private_address('1.2.3.4')
    assert not probes.private_address('api.example.com')


def test_a_refused_connection_is_named_without_addresses():
    pool = urllib3.PoolManager()
    with pytest.raises(health.Unreachable) as error:
        probes._get(pool, 'http://127.0.0.1:1/healthz', 2)
    assert str(error.value) == 'connection refused'


def test_verdict_in_magnums_shape():
    result = probes._verdict([health.Node('a', 'True'), health.Node('b', 'Unknown')], 'Ready')
    assert result.status == health.UNHEALTHY
    assert result.reason == {'api': 'ok', 'a.Ready': 'True', 'b.Ready': 'Unknown'}
    assert probes._verdict([health.Node('a', 'True')], 'Ready').status == health.HEALTHY


def test_monitoring_context_from_the_clusters_ca():
    ca = x509.generate_ca('cluster')
    pair = x509.generate_client_cert(ca, common_name=health.MONITOR_CN,
                                     organization=health.MONITOR_GROUP)
    context = health._ssl_context(ca.certificate, pair)
    assert context.verify_mode == ssl.CERT_REQUIRED
    subject = x509.load_certificate(pair.certificate).subject.rfc4514_string()
    assert 'CN=magnum-like-health' in subject and 'O=system:monitoring' in subject


def test_a_clusters_pool_is_kept_until_its_api_or_ca_changes():
    credentials = health.Credentials()
    cluster = types.SimpleNamespace(uuid='c1', ca_generation=1, ca_cert_ref='ref-1')
    base = 'http://127.0.0.1:1'
    pool, new = credentials.pool_for(cluster, base, False)
    assert new
    assert credentials.pool_for(cluster, base, False) == (pool, False)
    cluster.ca_generation = 2  # a CA rotation: a new pool (and client certificate)
    rotated, new = credentials.pool_for(cluster, base, False)
    assert new and rotated is not pool
    moved, new = credentials.pool_for(cluster, 'http://127.0.0.2:1', False)
    assert new and moved is not rotated
    credentials.drop_pool('c1')
    assert credentials.pool_for(cluster, 'http://127.0.0.2:1', False)[1]
    credentials.forget(set())  # no longer checked here
    assert credentials.pool_for(cluster, 'http://127.0.0.2:1', False)[1]
