"""The one schema: SQLAlchemy Core tables shared by SQLite and PostgreSQL.

Changes go through an Alembic migration in ``migrations/versions`` (append-only).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # defensive: SQLite text that bypassed the type
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False, default=""),
    Column("html_url", Text),
    Column("country", String(8)),
    Column("language", String(16)),
    Column("lean", String(16)),
    Column("category", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_fetch", UTCDateTime),
    Column("last_success", UTCDateTime),
    Column("last_error", Text),
    Column("error_count", Integer, nullable=False, default=0),
    Column("next_fetch", UTCDateTime),
    Column("poll_interval", Float),  # seconds, chosen from how often the source publishes
    Column("created", UTCDateTime, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("external_id", Text),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="SET NULL")),
    Column("source_name", Text),
    Column("title", Text, nullable=False, default=""),
    Column("text", Text, nullable=False, default=""),
    Column("published", UTCDateTime),
    Column("author", Text),
    Column("language", String(16)),
    Column("site_name", Text),
    Column("image", Text),
    Column("section", Text),
    Column("kind", String(16), nullable=False, default="news"),
    Column("kind_rule", Text, nullable=False, default="default"),
    Column("kind_score", Float),
    Column("paywalled", Boolean, nullable=False, default=False),
    Column("content_hash", String(40)),
    Column("minhash", LargeBinary),
    Column("duplicate_of", Integer, ForeignKey("articles.id", ondelete="SET NULL")),
    Column("fetched", UTCDateTime, nullable=False),
    Column("vector", LargeBinary),  # float32 embedding of title + lead (cluster.embed)
    Column("vector_model", String(200)),  # the embedder that made it (NULL: before 0008)
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="SET NULL")),
    Column("story_reason", Text),  # why the assigner put it there
    # the story a recluster took it from, until the recluster is settled (stories.sweep)
    Column("prior_story_id", Integer),
    # the feed item's version when stored (model.entry_version): a correction changes it
    Column("entry_version", String(40)),
    Index("ix_articles_published", "published"),
    Index("ix_articles_story_id", "story_id"),
    Index("ix_articles_source_id", "source_id"),
    Index("ix_articles_content_hash", "content_hash"),
    Index("ix_articles_external_id", "external_id"),
    Index("ix_articles_fetched", "fetched"),
    Index("ix_articles_prior_story_id", "prior_story_id"),
)

#: A story: articles about one event. ``merged_into`` points a merged story at its survivor.
stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("short_id", String(16), nullable=False, unique=True),  # /t/<short_id>
    Column("key", Integer, nullable=False, unique=True),  # id of the first article
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_article", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    # its ``updated`` before a recluster that has not swept yet (``store.stories.sweep``)
    Column("prior_updated", UTCDateTime),
    Column("article_count", Integer, nullable=False, default=0),
    Column("outlet_count", Integer, nullable=False, default=0),
    Column("country_count", Integer, nullable=False, default=0),
    Column("merged_into", Integer, ForeignKey("stories.id", ondelete="SET NULL")),
    Index("ix_stories_last_article", "last_article"),
    Index("ix_stories_merged_into", "merged_into"),
    Index("ix_stories_updated", "updated"),
)

#: Every revision of every story page; the newest revision is the one shown.
story_pages = Table(
    "story_pages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("written_at", UTCDateTime, nullable=False),
    Column("checked_at", UTCDateTime, nullable=False),  # last confirmed current
    Column("writer", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("headline", Text),
    Column("articles_hash", String(40), nullable=False),  # the article set it was written from
    Column("content_hash", String(40), nullable=False),  # the page's own content
    Column("page", Text, nullable=False),  # the page as JSON
    Index("ix_story_pages_story_revision", "story_id", "revision", unique=True),
)

#: Story pages and API stories rendered ahead (the publish stage, ``web.publish``), gzipped,
#: so that the site's first request for a story reads one row instead of building it.
#: A row is current while the story's ``updated`` time, article set (count, newest id), newest
#: page revision and the rendering code (``version``) are those it was rendered from; the site
#: never serves a row that is not current (``store.renderings``).
story_renderings = Table(
    "story_renderings",
    metadata,
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(8), primary_key=True),  # "page" (HTML) or "api" (JSON)
    Column("version", String(16), nullable=False),  # of the code and templates that rendered
    Column("etag", String(64), nullable=False),
    Column("last_modified", UTCDateTime),
    Column("body", LargeBinary, nullable=False),  # gzipped
    Column("story_updated", UTCDateTime, nullable=False),
    Column("article_count", Integer, nullable=False),
    Column("last_article_id", Integer, nullable=False),
    Column("page_id", Integer, nullable=False),
    Column("status", String(16)),  # the story's, when rendered: "developing" or "settled"
    Column("rendered_at", UTCDateTime, nullable=False),
)

#: One row per failure while ingesting: source health and "rejected with reasons".
ingest_errors = Table(
    "ingest_errors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE")),
    Column("url", Text),
    Column("kind", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_ingest_errors_source_at", "source_id", "at"),
)

#: Feed items whose page failed for a passing reason (time-out, connection, DNS, HTTP 5xx or
#: 429) while the feed gave only a teaser: tried again at the source's polls once ``next_try``
#: has passed (the wait doubles with each try), from here even when the feed no longer lists
#: them, until ``page_retry_hours`` after the first failure (``store.pending``). ``entry`` is
#: the feed item as JSON.
pending_pages = Table(
    "pending_pages",
    metadata,
    Column("url", Text, primary_key=True),  # canonical
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("entry", Text, nullable=False),
    Column("first_failed", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_try", UTCDateTime, nullable=False),
    Column("last_error", Text, nullable=False),
    Index("ix_pending_pages_source", "source_id"),
)

#: Shared values every process must agree on (e.g. ``cluster_version``).
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
