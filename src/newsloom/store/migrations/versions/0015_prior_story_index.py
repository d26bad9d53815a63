"""An index on ``articles.prior_story_id``: the site shows a story as it was before a recluster.

While a recluster rebuilds the stories, the site shows a story that has no kept rendering
(one without a written page) from the articles it had when the recluster began, which each
article remembers in ``prior_story_id`` until the sweep; and it tells a story merged during
the recluster (one whose articles were in it when it began) from one merged before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_prior_story_id", "articles", ["prior_story_id"])


def downgrade() -> None:
    op.drop_index("ix_articles_prior_story_id", table_name="articles")
