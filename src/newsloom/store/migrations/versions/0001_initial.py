"""Sources, articles and ingest errors.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from newsloom.store.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("html_url", sa.Text),
        sa.Column("country", sa.String(8)),
        sa.Column("language", sa.String(16)),
        sa.Column("lean", sa.String(16)),
        sa.Column("category", sa.Text),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_fetch", UTCDateTime),
        sa.Column("last_success", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("error_count", sa.Integer, nullable=False),
        sa.Column("next_fetch", UTCDateTime),
        sa.Column("created", UTCDateTime, nullable=False),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.Text, nullable=False, unique=True),
        sa.Column("external_id", sa.Text),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="SET NULL")),
        sa.Column("source_name", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("published", UTCDateTime),
        sa.Column("author", sa.Text),
        sa.Column("language", sa.String(16)),
        sa.Column("site_name", sa.Text),
        sa.Column("image", sa.Text),
        sa.Column("section", sa.Text),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("kind_rule", sa.Text, nullable=False),
        sa.Column("kind_score", sa.Float),
        sa.Column("paywalled", sa.Boolean, nullable=False),
        sa.Column("content_hash", sa.String(40)),
        sa.Column("minhash", sa.LargeBinary),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("articles.id", ondelete="SET NULL")),
        sa.Column("fetched", UTCDateTime, nullable=False),
    )
    op.create_index("ix_articles_published", "articles", ["published"])
    op.create_index("ix_articles_source_id", "articles", ["source_id"])
    op.create_index("ix_articles_content_hash", "articles", ["content_hash"])
    op.create_index("ix_articles_external_id", "articles", ["external_id"])
    op.create_index("ix_articles_fetched", "articles", ["fetched"])
    op.create_table(
        "ingest_errors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE")),
        sa.Column("url", sa.Text),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_ingest_errors_source_at", "ingest_errors", ["source_id", "at"])


def downgrade() -> None:
    op.drop_table("ingest_errors")
    op.drop_table("articles")
    op.drop_table("sources")
