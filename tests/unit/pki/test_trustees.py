"""Which Keystone users the orphan reaper takes for trustees of this service."""
from __future__ import annotations

import datetime
import types

from magnum_like.pki import trust
from magnum_like.pki import trustees

CLUSTER = '0b5e2c6a-8a1f-4e52-9d43-1c2f3e4d5a6b'
OTHER = '7d1c0a2b-3e4f-4a5b-8c6d-9e0f1a2b3c4d'
PROJECT = 'b0b1b2b3b4b5b6b7b8b9babbbcbdbebf'
WHEN = datetime.datetime(2026, 12, 4, 23, 10, 5)


def _user(name, description):
    return types.SimpleNamespace(id='u-1', name=name, description=description)


def test_description_round_trips_with_its_creation_time():
    said = trustees.description(CLUSTER, WHEN)
    assert said == 'Trustee of cluster %s, created 2026-12-04T23:10:05Z' % CLUSTER
    found = trustees.parse(_user(trust.trustee_username(CLUSTER, PROJECT), said))
    assert found == trustees.Trustee(user_id='u-1', name='%s_%s' % (CLUSTER, PROJECT),
                                     cluster_uuid=CLUSTER, project_id=PROJECT, created=WHEN)


def test_a_description_without_time_has_none():
    found = trustees.parse(_user('%s_%s' % (CLUSTER, PROJECT), 'Trustee of cluster %s' % CLUSTER))
    assert found is not None and found.created is None


def test_anything_else_is_not_a_trustee():
    name = '%s_%s' % (CLUSTER, PROJECT)
    for user in (_user('trustee-admin', None),
                 _user(name, None),
                 _user(name, 'made by hand'),
                 _user(name, 'Trustee of cluster %s' % OTHER),            # another cluster
                 _user('%s_%s' % (CLUSTER.upper(), PROJECT), trustees.description(CLUSTER)),
                 _user(CLUSTER, trustees.description(CLUSTER)),           # no project
                 _user('x%s' % name, trustees.description(CLUSTER)),
                 _user(name + ' x', trustees.description(CLUSTER)),
                 _user(name, trustees.description(CLUSTER) + ' and more'),
                 _user(name, 'Trustee of cluster %s, created yesterday' % CLUSTER)):
        assert trustees.parse(user) is None, (user.name, user.description)
