"""Story pages and API stories rendered ahead of requests (the publish stage).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from newsloom.store.schema import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_renderings",
        sa.Column(
            "story_id",
            sa.Integer,
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("last_modified", UTCDateTime),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("story_updated", UTCDateTime, nullable=False),
        sa.Column("article_count", sa.Integer, nullable=False),
        sa.Column("last_article_id", sa.Integer, nullable=False),
        sa.Column("page_id", sa.Integer, nullable=False),
        sa.Column("rendered_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("story_renderings")
