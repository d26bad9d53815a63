"""Queries on story pages: revisions, and which stories need a (new) page."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, select, update

from .schema import articles, sources, stories, story_pages
from .stories import story_articles


def articles_hash(urls: list[str]) -> str:
    return hashlib.sha1("\n".join(sorted(urls)).encode("utf-8")).hexdigest()


def _latest_revision():
    return (
        select(story_pages.c.story_id, func.max(story_pages.c.revision).label("revision"))
        .group_by(story_pages.c.story_id)
        .subquery()
    )


def latest_page(conn: Connection, story_id: int) -> dict | None:
    """The newest revision of a story's page, with its metadata, or None."""
    row = conn.execute(
        select(story_pages)
        .where(story_pages.c.story_id == story_id)
        .order_by(story_pages.c.revision.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    page = json.loads(row.page)
    page["revision"] = row.revision
    return page


def latest_row(conn: Connection, story_id: int):
    return conn.execute(
        select(story_pages)
        .where(story_pages.c.story_id == story_id)
        .order_by(story_pages.c.revision.desc())
        .limit(1)
    ).first()


def stories_needing_pages(conn: Connection, min_outlets: int, quiet_before: datetime) -> list[int]:
    """Live stories with enough outlets (or a page already) whose newest page (if any)
    predates their articles.

    A story is left alone while it is still receiving articles (its last article is newer
    than ``quiet_before``): the debounce. The caller compares article sets to skip no-ops.
    """
    query = _needing_pages(min_outlets, quiet_before)
    rows = conn.execute(query.order_by(stories.c.last_article.desc(), stories.c.id)).all()
    return [r.id for r in rows]


def count_stories_needing_pages(conn: Connection, min_outlets: int, quiet_before: datetime) -> int:
    """How many stories :func:`stories_needing_pages` would return (the write queue's depth)."""
    query = _needing_pages(min_outlets, quiet_before).subquery()
    return conn.execute(select(func.count()).select_from(query)).scalar_one()


def seconds_until_next_page(
    conn: Connection, min_outlets: int, debounce: float, now: datetime
) -> float | None:
    """Seconds until the first out-of-date page's debounce ends (None: no page is due)."""
    stale = _needing_pages(min_outlets, now + timedelta(days=36500))
    oldest = conn.execute(
        select(func.min(stories.c.updated)).where(stories.c.id.in_(stale))
    ).scalar()
    if oldest is None:
        return None
    return max(0.0, (oldest + timedelta(seconds=debounce) - now).total_seconds())


def _needing_pages(min_outlets: int, quiet_before: datetime):
    latest = _latest_revision()
    return (
        select(stories.c.id)
        .outerjoin(latest, latest.c.story_id == stories.c.id)
        .outerjoin(
            story_pages,
            and_(
                story_pages.c.story_id == stories.c.id,
                story_pages.c.revision == latest.c.revision,
            ),
        )
        .where(
            stories.c.merged_into.is_(None),
            stories.c.article_count > 0,
            # a story that had a page keeps it true to its articles when a recluster leaves
            # it fewer outlets than a new page needs
            (stories.c.outlet_count >= min_outlets) | story_pages.c.id.is_not(None),
            stories.c.updated <= quiet_before,
            (story_pages.c.id.is_(None)) | (story_pages.c.checked_at < stories.c.updated),
        )
    )


def page_articles(conn: Connection, story_id: int) -> list:
    """What the writer needs about each article of a story, in time order."""
    return story_articles(
        conn,
        story_id,
        articles.c.text,
        articles.c.author,
        articles.c.paywalled,
        sources.c.lean,
    )


def stale_articles(conn: Connection, story_id: int) -> None:
    """Mark the story's newest page as written from articles that have changed since (one
    was corrected in place), so the writer does not take it as current."""
    newest = (
        select(func.max(story_pages.c.revision))
        .where(story_pages.c.story_id == story_id)
        .scalar_subquery()
    )
    conn.execute(
        update(story_pages)
        .where(story_pages.c.story_id == story_id, story_pages.c.revision == newest)
        .values(articles_hash="corrected since")
    )


def save_page(
    conn: Connection,
    story_id: int,
    page: dict,
    *,
    written_at: datetime,
    articles_digest: str,
    content_digest: str,
) -> int:
    """Store a new revision; returns its number."""
    current = conn.execute(
        select(func.max(story_pages.c.revision)).where(story_pages.c.story_id == story_id)
    ).scalar()
    revision = (current or 0) + 1
    conn.execute(
        story_pages.insert().values(
            story_id=story_id,
            revision=revision,
            written_at=written_at,
            checked_at=written_at,
            writer=page.get("writer", {}).get("backend", "extractive"),
            status=page.get("status", "complete"),
            headline=page.get("headline"),
            articles_hash=articles_digest,
            content_hash=content_digest,
            page=json.dumps(page, ensure_ascii=False, sort_keys=True),
        )
    )
    return revision


def mark_checked(conn: Connection, story_id: int, revision: int, when: datetime) -> None:
    """The newest revision is still current (nothing changed): no new revision is stored."""
    conn.execute(
        update(story_pages)
        .where(story_pages.c.story_id == story_id, story_pages.c.revision == revision)
        .values(checked_at=when)
    )
