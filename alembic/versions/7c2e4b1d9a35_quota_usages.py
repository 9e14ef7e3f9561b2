"""Per-project usage counters for atomic quota checks.

Revision ID: 7c2e4b1d9a35
Revises: 3f0c1d7a9b21
Create Date: 2025-11-29

A cluster create increments ``quota_usages.in_use`` with a conditional update
in the transaction that inserts the cluster, so concurrent creates cannot pass
the limit. Existing clusters are counted into the table here.
"""
from alembic import op
import sqlalchemy as sa

revision = '7c2e4b1d9a35'
down_revision = '3f0c1d7a9b21'
branch_labels = None
depends_on = None

TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def upgrade() -> None:
    op.create_table(
        'quota_usages',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('resource', sa.String(255), nullable=False),
        sa.Column('in_use', sa.Integer, nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('project_id', 'resource',
                            name='uniq_quota_usages0project_id0resource'),
        **TABLE_ARGS,
    )
    op.execute(
        "INSERT INTO quota_usages (project_id, resource, in_use) "
        "SELECT project_id, 'Cluster', COUNT(*) FROM cluster "
        "WHERE project_id IS NOT NULL GROUP BY project_id")
