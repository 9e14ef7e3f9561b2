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
                status: str = 'CREATE_COMPLETE', operation: str | None = None) -> str:
    """A ``cluster`` row, as a conductor would have left it; returns its uuid."""
    cluster_uuid = str(uuid.uuid4())
    with db_api.get_engine().begin() as connection:
        connection.execute(models.Cluster.__table__.insert().values(
            uuid=cluster_uuid, name=name, project_id=project_id, user_id=user_id,
            cluster_template_id=str(uuid.uuid4()), status=status, operation=operation,
            create_timeout=60, created_at=datetime.datetime.utcnow()))
    return cluster_uuid


def federation_row(fed_uuid: str) -> dict | None:
    """The federation's columns as the database holds them (JSON decoded), or None."""
    table = models.Federation.__table__
    with db_api.get_engine().connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.uuid == fed_uuid)
                                 ).mappings().first()
    return dict(row) if row else None
