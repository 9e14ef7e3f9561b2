"""Spare trustee users, made ahead by the conductors for the API to take.

Revision ID: b9d4e1f7a2c6
Revises: e5b7a3c9d210
Create Date: 2026-12-05

One row per ready user in the trustee domain (``magnum_like/pki/spares.py``):
a cluster create deletes a row and renames its user, so Keystone does not hash
a new password while the request waits.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = 'b9d4e1f7a2c6'
down_revision = 'e5b7a3c9d210'
branch_labels = None
depends_on = None

TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def _datetime() -> sa.types.TypeEngine:
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')


def upgrade() -> None:
    op.create_table(
        'trustee_spares',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', _datetime()),
        sa.Column('updated_at', _datetime()),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('domain_id', sa.String(255), nullable=False),
        sa.Column('password', sa.Text, nullable=False),
        sa.UniqueConstraint('user_id', name='uniq_trustee_spares0user_id'),
        **TABLE_ARGS,
    )
