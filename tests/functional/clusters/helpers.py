"""Helpers of the cluster API tests: create through the API, read rows back, assert errors."""
from __future__ import annotations

import sqlalchemy as sa

from magnum_like.common import context
from magnum_like.db import api as db_api
from magnum_like.db import models
from tests.fixtures.api import error_title

CL = '/v1/clusters'


def assert_error(resp, status, *words):
    """An OpenStack error body with ``status`` whose title holds every word."""
    assert resp.status_code == status, (resp.status_code, resp.text)
    title = error_title(resp)
    for word in words:
        assert word.lower() in title.lower(), (word, title)
    return title


def create(client, template, **body):
    """POST a cluster; returns its uuid (asserts 202)."""
    doc = dict({'cluster_template_id': template.uuid, 'name': 'k8s-1'}, **body)
    resp = client.post(CL, doc)
    assert resp.status_code == 202, resp.text
    assert list(resp.json()) == ['uuid']
    return resp.json()['uuid']


def cluster_row(uuid):
    """The cluster row as the database holds it."""
    return db_api.get_cluster_by_uuid(context.get_admin_context(), uuid)


def nodegroup_rows(uuid):
    """``{name: row}`` of a cluster's node groups."""
    return {ng.name: ng for ng in db_api.get_nodegroups_by_cluster([uuid])[uuid]}


def set_cluster(uuid, **values):
    """Write cluster columns directly (what a conductor would have done)."""
    with db_api.get_engine().begin() as connection:
        connection.execute(sa.update(models.Cluster.__table__)
                           .where(models.Cluster.__table__.c.uuid == uuid).values(**values))


def set_nodegroups(uuid, **values):
    with db_api.get_engine().begin() as connection:
        connection.execute(sa.update(models.NodeGroup.__table__)
                           .where(models.NodeGroup.__table__.c.cluster_id == uuid)
                           .values(**values))


def finish(uuid, status='CREATE_COMPLETE', **values):
    """Mark a cluster's operation done, as a conductor would."""
    set_cluster(uuid, status=status, operation=None, operation_args=None, deadline=None,
                **values)
    set_nodegroups(uuid, status=status)
