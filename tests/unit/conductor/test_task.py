"""What a task resolves once: the template and its driver; one driver_for for
the API and the conductor."""
from __future__ import annotations

import pytest

from magnum_like.api.controllers.v1 import cluster as cluster_ctl
from magnum_like.common import drivers
from magnum_like.common import exception
from magnum_like.conductor import operations
from magnum_like.conductor import task as task_mod
from magnum_like.db import api as db


def test_the_template_is_read_once_per_task(sqlite_db, monkeypatch):
    template = db.create_cluster_template({'name': 't', 'project_id': 'p', 'coe': 'nonesuch',
                                           'server_type': 'vm', 'cluster_distro': 'none'})
    row = db.create_cluster({'name': 'c', 'project_id': 'p',
                             'cluster_template_id': template.uuid})
    reads = []
    real = db.get_cluster_template_by_uuid
    monkeypatch.setattr(db, 'get_cluster_template_by_uuid',
                        lambda *a, **k: reads.append(a) or real(*a, **k))
    with task_mod.ClusterTask(None, row.uuid, host='h', live_hosts=['h']) as task:
        assert task.template.uuid == template.uuid
        assert task.template is task.template
        # No driver builds this type: the same 4xx the API gives, from the one function.
        with pytest.raises(exception.ClusterTypeNotSupported):
            task.driver
    assert len(reads) == 1


def test_one_driver_for():
    assert cluster_ctl.driver_for is drivers.driver_for
    assert operations.driver_for is drivers.driver_for
