"""Federations are conductor work: a reservation, an operation, its arguments, a deadline.

Revision ID: e5b7a3c9d210
Revises: c83d5e2a1f64
Create Date: 2026-12-04

The API writes the intent (``operation`` and the pending member changes in
``operation_args``) before it answers; a conductor holds ``reservation``
while it acts and fails the operation once ``deadline`` has passed. Existing
rows keep NULL: no pending work.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = 'e5b7a3c9d210'
down_revision = 'c83d5e2a1f64'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('federation', sa.Column('reservation', sa.String(255), nullable=True))
    op.add_column('federation', sa.Column('operation', sa.String(255), nullable=True))
    op.add_column('federation', sa.Column('operation_args', sa.Text, nullable=True))
    op.add_column('federation', sa.Column(
        'deadline', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb'),
        nullable=True))
