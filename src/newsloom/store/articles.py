"""Queries on articles: take a Connection, return model objects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, func, select, update

from ..model import Article
from .db import upsert
from .schema import articles, sources

_FIELDS = {f.name for f in fields(Article)}


def _to_article(row) -> Article:
    return Article(**{k: v for k, v in row._mapping.items() if k in _FIELDS})


def insert_article(
    conn: Connection, art: Article, minhash: bytes | None = None, kind_score: float | None = None
) -> tuple[int, bool]:
    """Store an article once per canonical URL. Returns (id, whether it was new).

    Safe against a concurrent writer or a rerun after a crash: a URL already stored is
    left as it is (ON CONFLICT DO NOTHING), so nothing is duplicated and nothing lost.
    """
    values = {k: getattr(art, k) for k in _FIELDS if k not in ("id", "source_name")}
    values["source_name"] = art.source_name
    values["fetched"] = art.fetched or datetime.now(UTC)
    values["minhash"] = minhash
    values["kind_score"] = kind_score
    stmt = upsert(conn, articles).values(**values).on_conflict_do_nothing(index_elements=["url"])
    result = conn.execute(stmt.returning(articles.c.id))
    row = result.first()
    if row is not None:
        return row[0], True
    existing = conn.execute(select(articles.c.id).where(articles.c.url == art.url)).scalar_one()
    return existing, False


def known_urls(conn: Connection, urls: list[str]) -> set[str]:
    """Which of these canonical URLs are already stored."""
    return set(entry_versions(conn, urls))


def entry_versions(conn: Connection, urls: list[str]) -> dict[str, str | None]:
    """Those of these canonical URLs that are stored, each with the feed-item version it was
    stored (or last corrected) from (None: stored before versions were kept, or imported)."""
    out: dict[str, str | None] = {}
    for i in range(0, len(urls), 500):
        query = select(articles.c.url, articles.c.entry_version).where(
            articles.c.url.in_(urls[i : i + 500])
        )
        out.update(conn.execute(query).all())
    return out


def set_entry_versions(conn: Connection, versions: list[tuple[str, str]]) -> None:
    """Record the feed-item version of stored articles, given as (URL, version) pairs."""
    conn.execute(
        update(articles)
        .where(articles.c.url == bindparam("u"))
        .values(entry_version=bindparam("v")),
        [{"u": url, "v": version} for url, version in versions],
    )


def revise(conn: Connection, url: str, entry_version: str, **changes) -> tuple[bool, int | None]:
    """Record the feed-item version of a stored article and store ``changes`` (``title``,
    ``text``, ``content_hash``: a correction) where they are given and differ from what it
    holds. Returns (whether its title or text changed, the article's story)."""
    row = conn.execute(select(articles).where(articles.c.url == url)).first()
    if row is None:
        return False, None
    values = {k: v for k, v in changes.items() if v and v != getattr(row, k)}
    conn.execute(
        update(articles)
        .where(articles.c.id == row.id)
        .values(entry_version=entry_version, **values)
    )
    return bool(values.keys() & {"title", "text"}), row.story_id


def url_with_external_id(conn: Connection, external_id: str, but: int) -> str | None:
    """The URL of an article other than ``but`` stored with this external id, if any
    (the oldest; indexed)."""
    return conn.execute(
        select(articles.c.url)
        .where(articles.c.external_id == external_id, articles.c.id != but)
        .order_by(articles.c.id)
        .limit(1)
    ).scalar()


def article_by_url(conn: Connection, url: str) -> Article | None:
    row = conn.execute(select(articles).where(articles.c.url == url)).first()
    return _to_article(row) if row else None


def article_by_id(conn: Connection, article_id: int) -> Article | None:
    row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
    return _to_article(row) if row else None


def newest_id(conn: Connection) -> int:
    """The highest article id stored (0 with none): ids only grow."""
    return conn.execute(select(func.max(articles.c.id))).scalar() or 0


def article_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(articles)).scalar_one()


def iter_articles(conn: Connection, batch: int = 1000) -> Iterator[Article]:
    """Every article in id order, with its source's name, streamed in batches."""
    last = 0
    name = func.coalesce(articles.c.source_name, sources.c.name).label("source_name")
    cols = [c for c in articles.c if c.name not in ("source_name", "minhash")]
    while True:
        rows = conn.execute(
            select(*cols, name)
            .outerjoin(sources, sources.c.id == articles.c.source_id)
            .where(articles.c.id > last)
            .order_by(articles.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield _to_article(row)
        last = rows[-1].id


def recent_signatures(conn: Connection, limit: int) -> list[tuple[int, bytes]]:
    """The MinHash signatures of the newest ``limit`` originals, oldest first."""
    rows = conn.execute(
        select(articles.c.id, articles.c.minhash)
        .where(articles.c.minhash.is_not(None), articles.c.duplicate_of.is_(None))
        .order_by(articles.c.id.desc())
        .limit(limit)
    ).all()
    return [(r.id, r.minhash) for r in reversed(rows)]


def signatures_after(conn: Connection, last_id: int) -> list[tuple[int, bytes]]:
    """The MinHash signatures of originals stored after ``last_id`` (by any process)."""
    rows = conn.execute(
        select(articles.c.id, articles.c.minhash)
        .where(
            articles.c.id > last_id,
            articles.c.minhash.is_not(None),
            articles.c.duplicate_of.is_(None),
        )
        .order_by(articles.c.id)
    ).all()
    return [(r.id, r.minhash) for r in rows]


def original_of(conn: Connection, article_id: int) -> int:
    """Follow duplicate_of to the first copy."""
    dup = conn.execute(
        select(articles.c.duplicate_of).where(articles.c.id == article_id)
    ).scalar_one_or_none()
    return dup or article_id
