"""Feed items whose page failed for a passing reason, kept to be tried again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from newsloom.store.schema import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_pages",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("sources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("first_failed", UTCDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try", UTCDateTime, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
    )
    op.create_index("ix_pending_pages_source", "pending_pages", ["source_id"])


def downgrade() -> None:
    op.drop_index("ix_pending_pages_source", table_name="pending_pages")
    op.drop_table("pending_pages")
