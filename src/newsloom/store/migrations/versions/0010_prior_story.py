"""Articles remember the story a recluster took them from, until it is settled.

A story a recluster leaves without articles then redirects to the story that took most of
them, instead of disappearing (a link to it that readers shared keeps working).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("prior_story_id", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("prior_story_id")
