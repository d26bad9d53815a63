"""Story pages, one row per revision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from newsloom.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_pages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "story_id",
            sa.Integer,
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("written_at", UTCDateTime, nullable=False),
        sa.Column("checked_at", UTCDateTime, nullable=False),
        sa.Column("writer", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("headline", sa.Text),
        sa.Column("articles_hash", sa.String(40), nullable=False),
        sa.Column("content_hash", sa.String(40), nullable=False),
        sa.Column("page", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_story_pages_story_revision", "story_pages", ["story_id", "revision"], unique=True
    )


def downgrade() -> None:
    op.drop_table("story_pages")
