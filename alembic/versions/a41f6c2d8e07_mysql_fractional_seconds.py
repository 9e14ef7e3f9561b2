"""Timestamps keep microseconds on MySQL/MariaDB: DATETIME -> DATETIME(6).

Revision ID: a41f6c2d8e07
Revises: 7c2e4b1d9a35
Create Date: 2025-11-30

MySQL/MariaDB's plain ``DATETIME`` drops fractional seconds, so a document
returned by a create (microseconds) differed from every later read (whole
seconds). SQLite and PostgreSQL already keep microseconds: nothing to do there.
Existing values are kept (with ``.000000``).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = 'a41f6c2d8e07'
down_revision = '7c2e4b1d9a35'
branch_labels = None
depends_on = None

#: Every DateTime column: (table, column).
COLUMNS = [(table, column)
           for table in ('cluster_template', 'cluster', 'nodegroup', 'x509keypair', 'quotas',
                         'quota_usages', 'federation', 'magnum_service')
           for column in ('created_at', 'updated_at')]
COLUMNS += [('cluster', 'deadline'), ('magnum_service', 'last_seen_up')]


def upgrade() -> None:
    if op.get_bind().dialect.name != 'mysql':
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=mysql.DATETIME(fsp=6),
                        existing_type=sa.DateTime(), existing_nullable=True)
