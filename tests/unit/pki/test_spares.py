"""Which Keystone users are spare trustee users, and that a spare is never a trustee."""
from __future__ import annotations

import datetime
import types

from magnum_like.pki import spares
from magnum_like.pki import trust
from magnum_like.pki import trustees

WHEN = datetime.datetime(2026, 12, 5, 1, 2, 3)
CLUSTER = '0b5e2c6a-8a1f-4e52-9d43-1c2f3e4d5a6b'


def _user(name, description):
    return types.SimpleNamespace(id='u-1', name=name, description=description)


def test_a_spare_round_trips_with_its_creation_time():
    name = spares.new_name()
    said = spares.description(WHEN)
    assert said == 'Spare trustee user, created 2026-12-05T01:02:03Z'
    assert spares.parse(_user(name, said)) == spares.SpareUser(user_id='u-1', name=name,
                                                               created=WHEN)


def test_a_spare_is_never_a_trustee_nor_a_trustee_a_spare():
    for _ in range(50):
        name = spares.new_name()
        assert trustees.NAME.match(name) is None
        assert trustees.parse(_user(name, trustees.description(CLUSTER, WHEN))) is None
    trustee = trust.trustee_username(CLUSTER, 'project')
    assert spares.parse(_user(trustee, spares.description(WHEN))) is None
    assert spares.parse(_user(trustee, trustees.description(CLUSTER, WHEN))) is None


def test_other_users_are_not_spares():
    name = spares.new_name()
    for user in (_user(name, None), _user(name, 'made by hand'),
                 _user(name, 'Spare trustee user'),  # no time
                 _user('spare-x', spares.description(WHEN)),
                 _user(name.upper(), spares.description(WHEN)),
                 _user(None, spares.description(WHEN)),
                 types.SimpleNamespace(id='u-2')):
        assert spares.parse(user) is None
