"""Stories remember their ``updated`` time while a recluster rebuilds them, until its sweep.

A story a recluster gives back the articles it had keeps its ``updated`` time (its page, its
renderings and the caches keyed on it stay current). The recluster process used to remember
those times in memory only, so a recluster stopped part way and finished by another process
(`newsloom cluster`, `newsloom run`, a worker) gave every story a new one; the sweep, wherever
it runs, now gives them back.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from newsloom.store.schema import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("prior_updated", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("prior_updated")
