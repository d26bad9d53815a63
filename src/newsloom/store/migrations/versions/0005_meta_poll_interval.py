"""A small key-value table for shared counters, and each source's adaptive poll interval.

``meta`` holds values every process must agree on, such as ``cluster_version`` (bumped by
each committed clustering batch, so a worker knows when its in-memory story state is stale).
``sources.poll_interval`` is the interval (seconds) the scheduler chose from how often the
source publishes; NULL until the first successful poll.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.add_column("sources", sa.Column("poll_interval", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("poll_interval")
    op.drop_table("meta")
