"""Clusters count their CA generations.

Revision ID: c83d5e2a1f64
Revises: a41f6c2d8e07
Create Date: 2026-12-04

What the cert manager keeps for a cluster is named after the cluster's uuid
and its CA generation (0 at create, one more per rotation), so that a
certificate stored by a process that died before the row pointed at it is
found again by name: adopted by the next attempt, removed with the cluster.
Existing rows keep NULL (generation 0; what they stored before has no such
name and is deleted by its reference, as before).
"""
from alembic import op
import sqlalchemy as sa

revision = 'c83d5e2a1f64'
down_revision = 'a41f6c2d8e07'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cluster', sa.Column('ca_generation', sa.Integer, nullable=True))
