"""Renderings of story pages kept in the database (the publish stage's output).

The site renders a story page (HTML) and an API story (JSON) from the story's newest page and
its articles; ``web.publish`` does it ahead of requests and keeps the gzipped result here, so
the first request for a story reads one row. A row is *current* while what it was rendered
from is still what the story holds: the story's ``updated`` time (the pipeline moves it on
whenever the story's articles, counts or merges change), its article set (count and newest
id), its newest page revision, the rendering code (``version``) and the story's status
(developing or settled, which changes with the clock alone). The site serves only current
rows (but while a recluster is under way: ``web.http``); anything else is rendered afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, Engine, and_, bindparam, case, delete, func, or_, select

from ..model import SETTLE_HOURS, settles_at, story_status
from .db import upsert
from .schema import articles, stories, story_pages, story_renderings

KINDS = ("page", "api")

_r = story_renderings
#: What a rendering was made from, as kept with it and as the story holds it now.
SOURCE = ("story_updated", "article_count", "last_article_id", "page_id", "version", "status")


def _of_story(column):
    return select(column).correlate(stories).scalar_subquery()


_NOW = (
    stories.c.updated.label("now_updated"),
    _of_story(func.count()).where(articles.c.story_id == stories.c.id).label("now_articles"),
    _of_story(func.max(articles.c.id))
    .where(articles.c.story_id == stories.c.id)
    .label("now_last_article"),
    _of_story(func.max(story_pages.c.id))
    .where(story_pages.c.story_id == stories.c.id)
    .label("now_page_id"),
)
_BY_SHORT_ID = (
    select(_r.c.etag, _r.c.last_modified, _r.c.body, *(_r.c[k] for k in SOURCE))
    .add_columns(stories.c.merged_into, *_NOW, stories.c.last_article)
    .select_from(
        stories.join(_r, and_(_r.c.story_id == stories.c.id, _r.c.kind == bindparam("kind")))
    )
    .where(stories.c.short_id == bindparam("sid"))
)
_BY_STORY = select(_r.c.etag, _r.c.last_modified, _r.c.body, *(_r.c[k] for k in SOURCE)).where(
    _r.c.story_id == bindparam("story_id"), _r.c.kind == bindparam("kind")
)


def is_current(kept: tuple, now: tuple) -> bool:
    """Whether a rendering made from ``kept`` (values of :data:`SOURCE`) shows ``now``."""
    return kept == now


class Kept(NamedTuple):
    """A current rendering, ready to serve; ``expires`` when the story it shows will settle
    (None for a settled story: then only new data makes it stale)."""

    etag: str
    last_modified: datetime | None
    body: bytes
    expires: datetime | None = None


def get(conn: Connection, story_id: int, kind: str):
    """A story's kept rendering of ``kind`` (etag, last_modified, body and the
    :data:`SOURCE` columns), current or not, or None."""
    return conn.execute(_BY_STORY, {"story_id": story_id, "kind": kind}).first()


def _utc(value) -> datetime:
    if isinstance(value, str):  # SQLite keeps datetimes as text (UTC)
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def local_reader(engine: Engine) -> Callable[..., Kept | None]:
    """For SQLite: ``read(short_id, kind, version, settle_hours=24)``: the kept rendering of
    the live story ``short_id`` if it is current (one query), else None (no such story, merged
    away, never rendered, or rendered from older data or code, or showing another status).
    Straight through the sqlite3 driver on a connection of its own (about 20 µs instead of 70
    through SQLAlchemy: the site's busiest read, done on the event loop's thread). One thread
    only."""
    compiled = _BY_SHORT_ID.compile(dialect=engine.dialect)
    sql, order = str(compiled), compiled.positiontup
    # a connection of its own, outside the engine's pool (it lives as long as the reader)
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    raw = engine.dialect.dbapi.connect(*cargs, **cparams)
    raw.execute("PRAGMA query_only=ON")
    raw.execute("PRAGMA busy_timeout=30000")

    def read(
        short_id: str, kind: str, version: str, settle_hours: float = SETTLE_HOURS
    ) -> Kept | None:
        params = {"sid": short_id, "kind": kind}
        row = raw.execute(sql, [params[k] for k in order]).fetchone()
        if row is None or row[9] is not None:  # none, or merged away
            return None
        last_article = _utc(row[14])
        status = story_status(last_article, datetime.now(UTC), settle_hours)
        if not is_current(row[3:9], (*row[10:14], version, status)):
            return None
        when = None if row[1] is None else _utc(row[1])
        expires = settles_at(last_article, settle_hours) if status == "developing" else None
        return Kept(row[0], when, row[2], expires)

    return read


def put(conn: Connection, story_id: int, kind: str, **values) -> None:
    """Keep (insert or replace) a story's rendering of ``kind``.

    ``values``: etag, last_modified, body (gzipped), rendered_at and the :data:`SOURCE`
    columns. Two processes publishing the same story at once both succeed; the last wins.
    """
    stmt = upsert(conn, story_renderings).values(story_id=story_id, kind=kind, **values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[story_renderings.c.story_id, story_renderings.c.kind],
            set_={k: stmt.excluded[k] for k in values},
        )
    )


def stale(
    conn: Connection,
    version: str,
    limit: int | None = None,
    since: datetime | None = None,
    settle_hours: float = SETTLE_HOURS,
) -> list[int]:
    """Live stories with a page whose renderings are missing or not current, the most
    recently changed first; with ``since``, only among the stories changed or given a page
    since then (a pipeline that publishes after every round need not look at the archive).

    Judged by the story row's ``updated`` time (which the pipeline moves on whenever a story's
    articles change), its newest page, ``version`` and the status the rendering shows (a
    story settles ``settle_hours`` after its newest article): cheap for a large archive. A change
    that left ``updated`` alone would be missed here, not served: the site checks the article
    set too before serving a kept rendering.
    """
    pages = (
        select(story_pages.c.story_id, func.max(story_pages.c.id).label("page_id"))
        .group_by(story_pages.c.story_id)
        .subquery()
    )
    query = select(stories.c.id).join(pages, pages.c.story_id == stories.c.id)
    # as model.story_status decides it: settled once settle_hours have passed
    cutoff = datetime.now(UTC) - timedelta(hours=settle_hours)
    status_now = case((stories.c.last_article <= cutoff, "settled"), else_="developing")
    conditions = []
    for kind in KINDS:
        r = story_renderings.alias(f"r_{kind}")
        query = query.outerjoin(r, and_(r.c.story_id == stories.c.id, r.c.kind == kind))
        conditions += [
            r.c.story_id.is_(None),
            r.c.story_updated != stories.c.updated,
            r.c.page_id != pages.c.page_id,
            r.c.version != version,
            r.c.status.is_(None),
            r.c.status != status_now,
        ]
    query = query.where(stories.c.merged_into.is_(None), or_(*conditions))
    if since is not None:
        written = select(story_pages.c.story_id).where(story_pages.c.written_at >= since)
        query = query.where(or_(stories.c.updated >= since, stories.c.id.in_(written)))
    query = query.order_by(stories.c.updated.desc(), stories.c.id)
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query).scalars())


def forget_all(conn: Connection) -> int:
    """Drop every kept rendering (e.g. an outlet's name or country changed: the pages of all
    its stories show it). They are rendered again by the next publish."""
    return conn.execute(delete(story_renderings)).rowcount
