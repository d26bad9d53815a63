"""Queries on sources: take a Connection, return model objects."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, select, update

from ..errors import NotFound
from ..model import Source
from . import renderings
from .schema import articles, ingest_errors, sources

_COLUMNS = [f.name for f in fields(Source) if f.name not in ("id", "article_count")]
_META = ("name", "html_url", "country", "language", "lean", "category")


def _to_source(row) -> Source:
    data = dict(row._mapping)
    data.pop("created", None)
    return Source(**{k: v for k, v in data.items() if k in {f.name for f in fields(Source)}})


def upsert_source(conn: Connection, src: Source) -> tuple[Source, bool]:
    """Insert a source, or update its descriptive fields if its feed URL is known.

    Returns the stored source and whether it was new. Fetch state is never overwritten.
    """
    existing = conn.execute(select(sources).where(sources.c.url == src.url)).first()
    if existing is None:
        values = {k: v for k, v in asdict(src).items() if k in _COLUMNS}
        values["name"] = values.get("name") or src.url
        values["error_count"] = values.get("error_count") or 0
        values["created"] = datetime.now(UTC)
        new_id = conn.execute(sources.insert().values(**values)).inserted_primary_key[0]
        return source_by_id(conn, new_id), True
    changes = {
        k: getattr(src, k)
        for k in _META
        if getattr(src, k) and getattr(src, k) != existing._mapping[k]
    }
    if changes:
        conn.execute(update(sources).where(sources.c.id == existing.id).values(**changes))
        renderings.forget_all(conn)  # story pages show outlets' names, countries and leans
    return source_by_id(conn, existing.id), False


def name_from_feed(conn: Connection, source_id: int, url: str, title: str) -> bool:
    """Name a source that goes by its feed URL (added without a name) after its feed's title;
    the articles stored under the URL take the name too. A name given meanwhile is kept.

    Returns whether the source was named.
    """
    named = conn.execute(
        update(sources).where(sources.c.id == source_id, sources.c.name == url).values(name=title)
    ).rowcount
    if named:
        moved = conn.execute(
            update(articles)
            .where(articles.c.source_id == source_id, articles.c.source_name == url)
            .values(source_name=title)
        ).rowcount
        if moved:
            renderings.forget_all(conn)  # story pages show the outlets' names
    return bool(named)


def source_by_id(conn: Connection, source_id: int) -> Source:
    row = conn.execute(select(sources).where(sources.c.id == source_id)).first()
    if row is None:
        raise NotFound(f"store: no source with id {source_id}")
    return _to_source(row)


def source_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(sources)).scalar_one()


def list_sources(conn: Connection) -> list[Source]:
    """Every source with its article count, ordered by name."""
    counts = (
        select(articles.c.source_id, func.count().label("n"))
        .group_by(articles.c.source_id)
        .subquery()
    )
    rows = conn.execute(
        select(sources, func.coalesce(counts.c.n, 0).label("article_count"))
        .outerjoin(counts, counts.c.source_id == sources.c.id)
        .order_by(func.lower(sources.c.name), sources.c.id)
    ).all()
    out = []
    for row in rows:
        src = _to_source(row)
        src.article_count = row.article_count
        out.append(src)
    return out


def due_sources(conn: Connection, now: datetime) -> list[Source]:
    rows = conn.execute(
        select(sources)
        .where((sources.c.next_fetch.is_(None)) | (sources.c.next_fetch <= now))
        .order_by(sources.c.next_fetch.is_not(None), sources.c.next_fetch, sources.c.id)
    ).all()
    return [_to_source(r) for r in rows]


def claim_due_sources(conn: Connection, now: datetime, lease: float) -> list[int]:
    """Ids of the sources due now, each pushed ``lease`` seconds ahead so it is handed out once.

    The poll that follows sets the real next time; a poll that never reports back (its worker
    died) makes the source due again when the lease runs out.
    """
    due = (sources.c.next_fetch.is_(None)) | (sources.c.next_fetch <= now)
    claimed = conn.execute(
        update(sources)
        .where(due)
        .values(next_fetch=now + timedelta(seconds=lease))
        .returning(sources.c.id)
    ).scalars()
    return sorted(claimed)


def release_source(conn: Connection, source_id: int, now: datetime) -> None:
    """Make a claimed source due again at once (its poll was handed back unfinished)."""
    conn.execute(update(sources).where(sources.c.id == source_id).values(next_fetch=now))


def seconds_until_next_due(conn: Connection, now: datetime) -> float:
    """Seconds until the next source is due (0 when one is due now or never polled)."""
    soonest = conn.execute(select(func.min(sources.c.next_fetch))).scalar()
    if soonest is None:
        return 0.0
    if soonest.tzinfo is None:
        soonest = soonest.replace(tzinfo=UTC)
    return max(0.0, (soonest - now).total_seconds())


def save_fetch_state(conn: Connection, src: Source) -> None:
    """Store the outcome of a poll: validators, times, error text and count, interval."""
    conn.execute(
        update(sources)
        .where(sources.c.id == src.id)
        .values(
            etag=src.etag,
            last_modified=src.last_modified,
            last_fetch=src.last_fetch,
            last_success=src.last_success,
            last_error=src.last_error,
            error_count=src.error_count,
            next_fetch=src.next_fetch,
            poll_interval=src.poll_interval,
        )
    )


def recent_article_count(conn: Connection, source_id: int, since: datetime) -> int:
    """How many of a source's articles date from ``since`` on (their date, else when fetched)."""
    when = func.coalesce(articles.c.published, articles.c.fetched)
    return conn.execute(
        select(func.count())
        .select_from(articles)
        .where(articles.c.source_id == source_id, when >= since)
    ).scalar_one()


def record_error(
    conn: Connection, source_id: int | None, url: str | None, kind: str, message: str
) -> None:
    conn.execute(
        ingest_errors.insert().values(
            source_id=source_id, url=url, kind=kind, message=message[:2000], at=datetime.now(UTC)
        )
    )


def recent_errors(conn: Connection, source_id: int | None = None, limit: int = 20) -> list[dict]:
    q = select(ingest_errors).order_by(ingest_errors.c.at.desc(), ingest_errors.c.id.desc())
    if source_id is not None:
        q = q.where(ingest_errors.c.source_id == source_id)
    return [dict(r._mapping) for r in conn.execute(q.limit(limit))]
