"""Which embedder made each stored article vector.

``articles.vector_model`` is the embedder's name (``use-multilingual``, ``st:MODEL``), so a
vector made by another embedder is recomputed instead of being compared with vectors of a
different space (two models can share a dimension). NULL for vectors stored before: they are
trusted when their dimension matches, as before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("vector_model", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("vector_model")
