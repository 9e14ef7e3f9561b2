"""The cluster list's plain-dict documents are the JSON WSME renders for the same rows."""
from __future__ import annotations

import datetime

import pytest
from wsme.rest import json as wsme_json

from magnum_like.api import microversion
from magnum_like.api.types import cluster as cluster_types
from magnum_like.db import models


def _row(**changes) -> models.Cluster:
    values = dict(
        id=7, uuid='5d12f6fd-a196-4bf0-ae4c-1b639a523a52', name='k8s', project_id='p',
        user_id='u', cluster_template_id='0a6a5a0e-6b9b-4a43-9cc5-f6a7c81e5f2b',
        keypair='default', docker_volume_size=None, labels={'kube_tag': 'v1.30'},
        master_flavor_id='m1.small', flavor_id=None, create_timeout=60,
        health_status=None, stack_id='b4c7a3e2-bb1b-4d3c-9f0c-1ad2d5e3f1a0',
        status='CREATE_COMPLETE', status_reason=None, api_address='https://127.24.0.5:6443',
        master_addresses=['10.0.0.3'], node_addresses=[], discovery_url=None,
        created_at=datetime.datetime(2026, 12, 4, 10, 0, 0), updated_at=None)
    values.update(changes)
    return models.Cluster(**values)


@pytest.mark.parametrize('version', ['1.1', '1.12', '1.13', '1.14'])
@pytest.mark.parametrize('changes', [
    {},
    {'labels': {'a': 1, 'b': True}, 'docker_volume_size': 20, 'health_status': 'HEALTHY'},
    {'labels': None, 'stack_id': None, 'keypair': None},
])
def test_list_dict_equals_the_wsme_rendering(version, changes):
    row = _row(**changes)
    wanted = microversion.Version.parse(version)
    counts = {'node_count': 3, 'master_count': 1}
    obj = cluster_types.build(row, base_url='http://api:9511', version=wanted, counts=counts,
                              full=False)
    rendered = wsme_json.tojson(cluster_types.Cluster, obj)
    assert cluster_types.list_dict(row, base_url='http://api:9511', version=wanted,
                                   counts=counts) == rendered
