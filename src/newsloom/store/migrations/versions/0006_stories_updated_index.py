"""An index on stories.updated: the site's once-a-second "has anything changed" check reads
max(stories.updated), which without it scans every story.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_stories_updated", "stories", ["updated"])


def downgrade() -> None:
    op.drop_index("ix_stories_updated", table_name="stories")
