"""A process that dies after storing certificates and before the row points at them.

Dying is simulated by a ``BaseException`` from the row update (nothing in the
conductor catches it, like a SIGKILL nothing cleans up after): what was stored
stays, unreferenced. The next attempt must adopt it (one set, not two), and a
cluster delete must remove it even though the row never pointed at it, on
every cert manager.
"""
from __future__ import annotations

import os

import pytest

from magnum_like.pki import cert_manager
from magnum_like.common import context as ml_context
from magnum_like.common import exception
from magnum_like.pki import x509
from magnum_like.pki import certificates
from magnum_like import conf as ml_conf
from magnum_like.db import api as db
from tests.functional.pki import conftest as helpers

CONF = ml_conf.CONF


class Died(BaseException):
    """The process ended here."""


def _ctx():
    return ml_context.make_context(project_id='project-a', user_id='user-a')


def _row(uuid):
    return db.get_cluster_by_uuid(ml_context.get_admin_context(), uuid)


def _stored(backend, simulator) -> list[str]:
    """Every container/secret name, x509keypair row or file the backend holds."""
    if backend == 'barbican':
        return helpers.barbican_names(simulator)
    if backend == 'x509keypair':
        return [r['uuid'] for r in helpers.x509keypair_rows()]
    path = CONF.certificates.storage_path
    return sorted(os.listdir(path)) if os.path.isdir(path) else []


def _die_at_row_update(monkeypatch):
    def update_cluster(uuid, values):
        raise Died()
    monkeypatch.setattr(db, 'update_cluster', update_cluster)


def test_stored_ca_without_row_pointer_is_adopted(backend, simulator, monkeypatch):
    cluster = helpers.make_cluster()
    with monkeypatch.context() as patch:
        _die_at_row_update(patch)
        with pytest.raises(Died):
            helpers.ensure(_ctx(), cluster.uuid)
    assert all(getattr(_row(cluster.uuid), f) is None for f in certificates.REF_FIELDS)
    left = _stored(backend, simulator)
    assert left  # the dead attempt's certificates, nothing points at them

    refs = helpers.ensure(_ctx(), cluster.uuid)
    assert sorted(_stored(backend, simulator)) == sorted(left)  # adopted: one set, not two
    manager = cert_manager.get_cert_manager()
    ca_pem, client = certificates.get_client_cert(_ctx(), _row(cluster.uuid))
    x509.load_certificate(client.certificate).verify_directly_issued_by(
        x509.load_certificate(ca_pem))
    assert manager.get_cert(_ctx(), refs['ca_cert_ref']).private_key

    helpers.delete_all(_ctx(), cluster.uuid)
    assert _stored(backend, simulator) == []


def test_a_refused_write_leaves_nothing_stored(backend, simulator):
    """The caller's writer refuses (the conductor's task lost its reservation to a
    new intent): what was made is removed again, and the row is as it was."""
    cluster = helpers.make_cluster()
    writes = []

    def refused(values):
        writes.append(values)
        raise exception.ClusterNotFound(cluster=cluster.uuid)

    with pytest.raises(exception.ClusterNotFound):
        certificates.ensure_cluster_certificates(_ctx(), cluster.uuid, save=refused)
    assert [sorted(w) for w in writes] == [sorted(certificates.REF_FIELDS)]
    assert all(getattr(_row(cluster.uuid), f) is None for f in certificates.REF_FIELDS)
    assert _stored(backend, simulator) == []


def test_half_stored_certificate_is_removed(pki_config, simulator):
    """Barbican: the secrets are stored before their container; a death in between
    leaves secrets only the group's name finds. The next attempt removes them."""
    pki_config.set('certificates', 'cert_manager_type', 'barbican')
    cert_manager.reset()
    cluster = helpers.make_cluster()
    manager = cert_manager.get_cert_manager()
    api = manager._barbican()
    group = certificates.group_name(cluster.uuid, 0)
    orphan = api.secrets.create(name=group, payload='half-stored key')
    orphan.store()
    assert group in helpers.barbican_names(simulator)

    helpers.ensure(_ctx(), cluster.uuid)
    secrets = helpers.barbican_list(simulator, 'secrets')
    assert orphan.secret_ref.rsplit('/', 1)[-1] not in [s['secret_ref'].rsplit('/', 1)[-1]
                                                         for s in secrets]
    assert len(secrets) == 8 and len(helpers.barbican_list(simulator, 'containers')) == 4
    helpers.delete_all(_ctx(), cluster.uuid)
    assert helpers.barbican_names(simulator) == []


def test_delete_removes_what_the_row_never_pointed_at(backend, simulator, monkeypatch):
    cluster = helpers.make_cluster()
    helpers.ensure(_ctx(), cluster.uuid)
    # A rotation that died after storing the next generation.
    with monkeypatch.context() as patch:
        _die_at_row_update(patch)
        with pytest.raises(Died):
            helpers.rotate(_ctx(), cluster.uuid, values={'operation_args': {}})
    assert _row(cluster.uuid).ca_generation is None
    assert len(_stored(backend, simulator)) > 0
    helpers.delete_all(_ctx(), cluster.uuid)
    assert _stored(backend, simulator) == []


def test_rotation_names_the_next_generation(backend, simulator):
    cluster = helpers.make_cluster()
    first = helpers.ensure(_ctx(), cluster.uuid)
    old = helpers.rotate(_ctx(), cluster.uuid, values={'operation_args': {}})
    assert old == first and _row(cluster.uuid).ca_generation == 1
    # The conductor died before deleting the old generation: the delete still finds it.
    helpers.delete_all(_ctx(), cluster.uuid)
    assert _stored(backend, simulator) == []
