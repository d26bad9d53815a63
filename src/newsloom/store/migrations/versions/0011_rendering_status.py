"""Kept story renderings remember the story status they show (developing or settled).

A story page or API story rendered while its story was developing is not current once the
story has settled, though nothing else about the story changed. Rows kept before this have
no status and are rendered again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("story_renderings") as batch:
        batch.add_column(sa.Column("status", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("story_renderings") as batch:
        batch.drop_column("status")
