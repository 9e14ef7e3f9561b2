"""Helpers of the federation API tests: cluster rows written straight to the DB, rows read back."""
from __future__ import annotations

import datetime
import uuid

import sqlalchemy as sa

from magnum_like.db import api as db_api
from magnum_like.db import models

FED = '/v1/federations'
ZONE = {'dns-zone': 'example.com.'}


def add_cluster(name: str, *, project_id: str = 'project-a', user_id: str = 'user-a',
                status: str = 'CREATE_COMPLETE', operation: str | None = None,
                coe: str = 'kubernetes') -> str:
    """A ``cluster`` row (and its template, of ``coe``), as a conductor would have left it.

    :returns: the cluster's uuid.
    """
    cluster_uuid, template_uuid = str(uuid.uuid4()), str(uuid.uuid4())
    with db_api.get_engine().begin() as connection:
        connection.execute(models.ClusterTemplate.__table__.insert().values(
            uuid=template_uuid, name='t-' + name, project_id=project_id, user_id=user_id,
            coe=coe, image_id='fedora', public=False))
        connection.execute(models.Cluster.__table__.insert().values(
            uuid=cluster_uuid, name=name, project_id=project_id, user_id=user_id,
            cluster_template_id=template_uuid, status=status, operation=operation,
            create_timeout=60, created_at=datetime.datetime.utcnow()))
    return cluster_uuid


def settle(fed_uuid: str, *, outcome: str = 'COMPLETE') -> None:
    """Write what a conductor writes when the federation's operation ends (delete: the row goes)."""
    row = federation_row(fed_uuid)
    if row['operation'] == 'delete' and outcome == 'COMPLETE':
        db_api.destroy_federation(fed_uuid)
        return
    status = row['status'].replace('IN_PROGRESS', outcome)
    db_api.update_federation(fed_uuid, {'status': status, 'operation': None,
                                        'operation_args': None, 'deadline': None})


def federation_row(fed_uuid: str) -> dict | None:
    """The federation's columns as the database holds them (JSON decoded), or None."""
    table = models.Federation.__table__
    with db_api.get_engine().connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.uuid == fed_uuid)
                                 ).mappings().first()
    return dict(row) if row else None
