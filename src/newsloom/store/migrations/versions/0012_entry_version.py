"""Articles remember the version of the feed item they came from.

A feed that corrects an item (a new title, a later Atom ``updated``) under the same URL is
then noticed, and the article is fetched and stored again in place. Articles stored before
this have none: their version is taken at the next poll that lists them, without a fetch.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("entry_version", sa.String(40)))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("entry_version")
