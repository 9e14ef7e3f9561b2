"""The cloud interface's catalog check (``CloudResources.has_service``)."""
from __future__ import annotations

import pytest

from magnum_like.common import cloud
from magnum_like import conf as ml_conf

CONF = ml_conf.CONF


@pytest.fixture
def octavia_override():
    yield lambda url: CONF.set_override('endpoint_override', url, group='octavia_client')
    CONF.clear_override('endpoint_override', group='octavia_client')


def test_a_service_with_an_endpoint_override_is_offered(octavia_override):
    octavia_override('http://127.0.0.1:9876/load-balancer')
    assert cloud.get_cloud_resources(None).has_service('load-balancer') is True


def test_a_service_nowhere_to_be_found_is_not_offered(octavia_override):
    # No Keystone (noauth) and no override: nothing says where Octavia is.
    octavia_override(None)
    assert cloud.get_cloud_resources(None).has_service('load-balancer') is False
    assert cloud.get_cloud_resources(None).has_service('no-such-service') is False
