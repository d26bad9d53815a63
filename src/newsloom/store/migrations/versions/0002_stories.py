"""Stories, and each article's vector and story.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from newsloom.store.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("short_id", sa.String(16), nullable=False, unique=True),
        sa.Column("key", sa.Integer, nullable=False, unique=True),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("last_article", UTCDateTime, nullable=False),
        sa.Column("updated", UTCDateTime, nullable=False),
        sa.Column("article_count", sa.Integer, nullable=False),
        sa.Column("outlet_count", sa.Integer, nullable=False),
        sa.Column("country_count", sa.Integer, nullable=False),
        sa.Column("merged_into", sa.Integer, sa.ForeignKey("stories.id", ondelete="SET NULL")),
    )
    op.create_index("ix_stories_last_article", "stories", ["last_article"])
    op.create_index("ix_stories_merged_into", "stories", ["merged_into"])
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("vector", sa.LargeBinary))
        batch.add_column(
            sa.Column(
                "story_id",
                sa.Integer,
                sa.ForeignKey("stories.id", name="fk_articles_story_id", ondelete="SET NULL"),
            )
        )
        batch.add_column(sa.Column("story_reason", sa.Text))
        batch.create_index("ix_articles_story_id", ["story_id"])


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_story_id")
        batch.drop_constraint("fk_articles_story_id", type_="foreignkey")
        batch.drop_column("story_reason")
        batch.drop_column("story_id")
        batch.drop_column("vector")
    op.drop_table("stories")
