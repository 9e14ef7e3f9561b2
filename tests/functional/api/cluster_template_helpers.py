"""Helpers the cluster-template API tests share (requests, rows, error checks)."""
from __future__ import annotations

import datetime
import uuid

import sqlalchemy as sa

from magnum_like.db import api as db_api
from magnum_like.db import models
from tests.fixtures.api import error_title

CT = '/v1/clustertemplates'
MAX_HELP = 'http://docs.openstack.org/api-guide/compute/microversions.html'
ECHO = 'container-infrastructure-management'


def body(**fields):
    doc = {'coe': 'kubernetes', 'image_id': 'fedora-atomic-latest', 'cluster_distro': 'fedora-atomic'}
    doc.update(fields)
    return doc


def create(client, **fields):
    resp = client.post(CT, body(**fields))
    assert resp.status_code == 201, resp.text
    return resp.json()


def add_cluster(template_uuid: str, project_id: str = 'admin') -> str:
    """A ``cluster`` row referencing the template, written straight to the DB."""
    cluster_uuid = str(uuid.uuid4())
    with db_api.get_engine().begin() as connection:
        connection.execute(models.Cluster.__table__.insert().values(
            uuid=cluster_uuid, name='c-' + cluster_uuid[:8], project_id=project_id,
            user_id='admin', cluster_template_id=template_uuid, status='CREATE_COMPLETE',
            created_at=datetime.datetime.utcnow()))
    return cluster_uuid


def template_rows() -> int:
    with db_api.get_engine().connect() as connection:
        return connection.execute(sa.text('SELECT COUNT(*) FROM cluster_template')).scalar()


def assert_error(resp, status, *words):
    assert resp.status_code == status, (resp.status_code, resp.text)
    title = error_title(resp)
    for word in words:
        assert word.lower() in (title + resp.json()['errors'][0]['detail']).lower(), \
            (word, resp.text)
    return title


def patch(client, ident, *ops):
    return client.patch(CT + '/' + ident, list(ops))
