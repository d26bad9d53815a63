"""Queries on stories and on articles' story assignments."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, delete, distinct, func, select, update

from ..errors import NotFound
from .meta import RECLUSTER_RUNNING, STORIES_TO_SWEEP, get_int, held
from .schema import articles, sources, stories, story_pages

#: An article's time for clustering: when it was published, else when it was fetched.
ARTICLE_TIME = func.coalesce(articles.c.published, articles.c.fetched)

CLUSTER_COLUMNS = (
    articles.c.id,
    articles.c.url,
    articles.c.title,
    articles.c.text,
    articles.c.published,
    articles.c.fetched,
    articles.c.language,
    articles.c.kind,
    articles.c.duplicate_of,
    articles.c.vector,
    articles.c.vector_model,
    articles.c.story_id,
    func.coalesce(articles.c.source_name, sources.c.name).label("source"),
)


def short_id(first_url: str) -> str:
    """A stable short id for URLs (/t/<id>), derived from the story's first article."""
    digest = hashlib.sha1(first_url.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii")[:10].lower()


def _cluster_select():
    return select(*CLUSTER_COLUMNS).outerjoin(sources, sources.c.id == articles.c.source_id)


def unassigned(conn: Connection, limit: int) -> list:
    """The next articles without a story, in clustering order (time, id)."""
    return conn.execute(
        _cluster_select()
        .where(articles.c.story_id.is_(None))
        .order_by(ARTICLE_TIME, articles.c.id)
        .limit(limit)
    ).all()


def unassigned_count(conn: Connection) -> int:
    return conn.execute(
        select(func.count()).select_from(articles).where(articles.c.story_id.is_(None))
    ).scalar_one()


def waiting_span(conn: Connection) -> tuple[datetime | None, datetime | None]:
    """When the oldest and the newest article still without a story were stored."""
    row = conn.execute(
        select(func.min(articles.c.fetched), func.max(articles.c.fetched)).where(
            articles.c.story_id.is_(None)
        )
    ).one()
    return row[0], row[1]


def unembedded(conn: Connection, source_id: int | None, limit: int) -> list:
    """Articles still without a story or a vector (of one source, when given)."""
    query = select(articles.c.id, articles.c.title, articles.c.text).where(
        articles.c.story_id.is_(None), articles.c.vector.is_(None)
    )
    if source_id is not None:
        query = query.where(articles.c.source_id == source_id)
    return conn.execute(query.order_by(articles.c.id).limit(limit)).all()


def is_live(conn: Connection, story_id: int) -> bool:
    """The story exists and has not been merged into another."""
    merged = conn.execute(select(stories.c.merged_into).where(stories.c.id == story_id)).first()
    return merged is not None and merged[0] is None


def live_from(conn: Connection, first_id: int) -> set[int]:
    """Ids of the live stories (not merged away) whose row id is ``first_id`` or more."""
    query = select(stories.c.id).where(stories.c.id >= first_id, stories.c.merged_into.is_(None))
    return set(conn.execute(query).scalars())


def save_vector(conn: Connection, article_id: int, vector: bytes, model: str) -> None:
    """Store an article's vector and the name of the embedder that made it."""
    query = update(articles).where(articles.c.id == article_id)
    conn.execute(query.values(vector=vector, vector_model=model))


def newest_assigned_time(conn: Connection) -> datetime | None:
    """The last article time of the newest story that holds an article (a story a ``reset``
    emptied keeps its row, and its old time, until it is rebuilt or swept)."""
    return conn.execute(
        select(stories.c.last_article)
        .where(stories.c.merged_into.is_(None), _has_articles())
        .order_by(stories.c.last_article.desc())
        .limit(1)
    ).scalar()


def ended_between(conn: Connection, since: datetime, until: datetime) -> bool:
    """Whether a story with articles had its last article in [since, until)."""
    return (
        conn.execute(
            select(stories.c.id)
            .where(
                stories.c.merged_into.is_(None),
                stories.c.last_article >= since,
                stories.c.last_article < until,
                _has_articles(),
            )
            .limit(1)
        ).first()
        is not None
    )


def _has_articles():
    return select(articles.c.id).where(articles.c.story_id == stories.c.id).exists()


def live_story_articles(conn: Connection, since: datetime) -> list:
    """Articles of stories (not merged away) whose last article is at or after ``since``."""
    live = select(stories.c.id).where(
        stories.c.merged_into.is_(None), stories.c.last_article >= since
    )
    return conn.execute(
        _cluster_select().where(articles.c.story_id.in_(live)).order_by(ARTICLE_TIME, articles.c.id)
    ).all()


def assigned_between(conn: Connection, since: datetime, until: datetime) -> list:
    """Articles with a story whose time is in [since, until], in clustering order."""
    return conn.execute(
        _cluster_select()
        .where(articles.c.story_id.is_not(None), ARTICLE_TIME >= since, ARTICLE_TIME <= until)
        .order_by(ARTICLE_TIME, articles.c.id)
    ).all()


def story_heads(conn: Connection, story_ids: list[int]) -> dict[int, tuple[int, datetime]]:
    """Each story's assigner key and the time of its first article."""
    query = select(stories.c.id, stories.c.key, stories.c.first_seen).where(
        stories.c.id.in_(story_ids)
    )
    return {r.id: (r.key, r.first_seen) for r in conn.execute(query)}


def create_story(conn: Connection, key: int, first_url: str, when: datetime) -> int:
    """A new story; a story merged away earlier with the same first article comes back."""
    values = dict(
        first_seen=when,
        last_article=when,
        updated=datetime.now(UTC),
        article_count=0,
        outlet_count=0,
        country_count=0,
        merged_into=None,
    )
    existing = conn.execute(select(stories.c.id).where(stories.c.key == key)).scalar()
    if existing is not None:
        conn.execute(update(stories).where(stories.c.id == existing).values(**values))
        return existing
    return conn.execute(
        stories.insert().values(short_id=short_id(first_url), key=key, **values)
    ).inserted_primary_key[0]


def short_ids(conn: Connection, story_ids: set[int]) -> dict[int, str]:
    """Each story's public id (as in ``/t/<id>``)."""
    if not story_ids:
        return {}
    rows = conn.execute(
        select(stories.c.id, stories.c.short_id).where(stories.c.id.in_(sorted(story_ids)))
    )
    return dict(rows.all())


def assign(conn: Connection, article_id: int, story_id: int, reason: str) -> None:
    conn.execute(
        update(articles)
        .where(articles.c.id == article_id)
        .values(story_id=story_id, story_reason=reason[:500])
    )


def merge(conn: Connection, absorbed: int, survivor: int) -> None:
    """Move every article of ``absorbed`` to ``survivor``; the absorbed id redirects to it."""
    conn.execute(update(articles).where(articles.c.story_id == absorbed).values(story_id=survivor))
    conn.execute(
        update(stories)
        .where((stories.c.id == absorbed) | (stories.c.merged_into == absorbed))
        .values(merged_into=survivor, article_count=0, outlet_count=0, country_count=0)
    )


def refresh_counts(conn: Connection, story_ids: set[int]) -> None:
    """Recompute dates and counts of these stories from their articles."""
    now = datetime.now(UTC)
    for story_id in sorted(story_ids):
        row = conn.execute(
            select(
                func.min(ARTICLE_TIME).label("first"),
                func.max(ARTICLE_TIME).label("last"),
                func.count().label("n"),
                func.count(distinct(func.coalesce(sources.c.name, articles.c.source_name))).label(
                    "outlets"
                ),
                func.count(distinct(sources.c.country)).label("countries"),
            )
            .select_from(articles.outerjoin(sources, sources.c.id == articles.c.source_id))
            .where(articles.c.story_id == story_id)
        ).one()
        if not row.n:
            continue
        conn.execute(
            update(stories)
            .where(stories.c.id == story_id)
            .values(
                first_seen=row.first,
                last_article=row.last,
                updated=now,
                article_count=row.n,
                outlet_count=row.outlets,
                country_count=row.countries,
            )
        )


#: Why no page is written now (``recluster_under_way``), as the commands say it.
RECLUSTER_WAIT = (
    "a recluster is under way (or was stopped before it finished: `newsloom cluster` "
    "finishes it); pages are written once it is done"
)


def recluster_under_way(conn: Connection) -> bool:
    """Whether a recluster has reset the stories and not yet swept them (it is running, in
    this or another process, or was stopped before it finished). Pages are not written
    meanwhile: a story half rebuilt, or a row the sweep will give back to the story it is,
    would get a page of its own."""
    return bool(get_int(conn, STORIES_TO_SWEEP))


def recluster_running(conn: Connection) -> bool:
    """Whether the recluster under way is running: its process holds ``RECLUSTER_RUNNING``
    (``store.meta.hold``), in this process or another, on this machine or, on PostgreSQL,
    another. False when none is under way, or the one under way was stopped before its end
    (killed, crashed: the lock went with its process). Other processes leave the articles of a
    running recluster to it: each batch they placed would make both sides rebuild their window
    from the database (about a second each on a 10,000-article window)."""
    return recluster_under_way(conn) and held(conn, RECLUSTER_RUNNING)


#: ``prior_story_id`` of an article that was waiting for a story when a recluster began.
NO_STORY = 0


def reset(conn: Connection, since: datetime | None = None) -> int:
    """Forget story assignments (of articles from ``since`` on); returns articles unassigned.

    Stories keep their rows, and so their pages and ids, while they are rebuilt: a story
    started again by the same first article gets its row back (``create_story``), and
    ``sweep`` settles the stories still without articles once clustering has caught up (each
    article remembers its story until then, ``prior_story_id``). Until then an emptied story
    counts no article, so no page is written for it. After a recluster that was stopped
    before its sweep, an article keeps the story it had before that one (the sweep has not
    yet settled it), and one it left unplaced stays so.
    """
    which = [articles.c.story_id.is_not(None)]
    if since is not None:
        which.append(ARTICLE_TIME >= since)
        touched = set(conn.execute(select(articles.c.story_id).distinct().where(*which)).scalars())
    # each story's ``updated`` until the sweep, which gives it back to a story rebuilt with the
    # articles it had (a recluster stopped before its sweep keeps the first one's)
    conn.execute(
        update(stories)
        .where(stories.c.merged_into.is_(None))
        .values(prior_updated=func.coalesce(stories.c.prior_updated, stories.c.updated))
    )
    # an article still waiting for a story is news to the story it joins: it was in none (0)
    waiting = [articles.c.story_id.is_(None), articles.c.prior_story_id.is_(None)]
    if since is not None:
        waiting.append(ARTICLE_TIME >= since)
    conn.execute(update(articles).where(*waiting).values(prior_story_id=NO_STORY))
    count = conn.execute(
        update(articles)
        .where(*which)
        .values(
            story_id=None,
            story_reason=None,
            prior_story_id=func.coalesce(articles.c.prior_story_id, articles.c.story_id),
        )
    ).rowcount
    used = select(articles.c.story_id).where(articles.c.story_id.is_not(None))
    conn.execute(
        update(stories)
        .where(stories.c.merged_into.is_(None), stories.c.id.not_in(used))
        .values(article_count=0, outlet_count=0, country_count=0)
    )
    if since is not None:
        refresh_counts(conn, touched)  # those that keep older articles
    return count


def next_id(conn: Connection) -> int:
    """The row id the next story made will have, or a lower one (ids only grow)."""
    return (conn.execute(select(func.max(stories.c.id))).scalar() or 0) + 1


def sweep(conn: Connection, new_from: int | None = None, upto: int | None = None) -> int:
    """Settle the stories a ``reset`` left without articles; returns how many rows went.

    One whose articles went, most of them, to a story made new by the recluster (a row with no
    page, or any row from ``new_from`` on) is that story: it takes the new row's articles back
    and keeps its id, page and revisions; the new row is deleted when the recluster made it (its
    id is ``new_from`` or more: nobody has linked to it, and a page another process wrote for it
    meanwhile goes with it), else it redirects to the story. One whose articles went, most of
    them, to another story with a page redirects to that story, as a merged story does (a link
    to it keeps working). The others are deleted, their pages with them, and so are merged-away
    ids that pointed only at them. A story that has the articles it had (of those up to id
    ``upto``, the newest when the recluster began) gets its ``updated`` time back. Reasons
    that name a row the sweep deletes name the story it went into instead."""
    made_ids: dict[int, str] = {}
    if new_from is not None:  # (public ids of the rows the recluster made, for the reasons)
        query = select(stories.c.id, stories.c.short_id).where(stories.c.id >= new_from)
        made_ids = dict(conn.execute(query).all())
    renamed: dict[int, int] = {}  # row the sweep deletes -> the story it went into
    used = select(articles.c.story_id).where(articles.c.story_id.is_not(None))
    empty = (
        conn.execute(
            select(stories.c.id).where(stories.c.merged_into.is_(None), stories.c.id.not_in(used))
        )
        .scalars()
        .all()
    )
    if empty:
        # where each emptied story's articles went (one pass over the articles a reset took)
        went: dict[int, list[tuple[int, int]]] = {}
        for prior, now, n in conn.execute(
            select(articles.c.prior_story_id, articles.c.story_id, func.count())
            .where(articles.c.prior_story_id.is_not(None), articles.c.story_id.is_not(None))
            .group_by(articles.c.prior_story_id, articles.c.story_id)
        ):
            went.setdefault(prior, []).append((-n, now))
        paged = set(
            conn.execute(select(story_pages.c.story_id).distinct()).scalars()
        )  # (rows with a history of their own)
        taken: dict[int, int] = {}  # new row -> the story that took its articles back
        for story_id in sorted(empty, key=lambda sid: (min(went.get(sid, [(0, 0)])), sid)):
            if story_id not in went:
                continue
            heir = min(went[story_id])[1]  # the story that took most of its articles
            made = new_from is not None and heir >= new_from  # by the recluster
            if (made or heir not in paged) and heir not in taken:
                # a new row for what is this story, started by another of its articles (a
                # recluster starts a story with its earliest article, a live run with the first
                # one polled): the story keeps its id, page and revisions, and takes the
                # articles; the new row goes (or redirects to it, if it was there before)
                merge(conn, heir, story_id)
                if made:
                    conn.execute(delete(stories).where(stories.c.id == heir))
                    renamed[heir] = story_id
                refresh_counts(conn, {story_id})
                taken[heir] = story_id
            else:
                merge(conn, story_id, taken.get(heir, heir))
    if new_from is not None:  # rows the recluster made and merged away: nobody saw their ids
        gone = stories.c.id >= new_from, stories.c.merged_into.is_not(None)
        renamed.update(conn.execute(select(stories.c.id, stories.c.merged_into).where(*gone)).all())
        conn.execute(delete(stories).where(*gone))
        _rename_in_reasons(conn, made_ids, renamed, upto)
    _give_back_updated(conn, upto)
    conn.execute(
        update(articles).where(articles.c.prior_story_id.is_not(None)).values(prior_story_id=None)
    )
    total = 0
    while True:  # a deleted survivor frees the ids merged into it (SET NULL): take them next
        gone = conn.execute(
            delete(stories).where(stories.c.merged_into.is_(None), stories.c.id.not_in(used))
        ).rowcount
        if not gone:
            return total
        total += gone


_STORY_NAMED = re.compile(r"\bstory ([0-9a-z]+)\b")


def _rename_in_reasons(
    conn: Connection, made_ids: dict[int, str], renamed: dict[int, int], upto: int | None
) -> None:
    """In the reasons of the articles the recluster placed (those it took, and those stored
    since it began), a row it made and the sweep deleted is named by the story it went into
    (a reason names stories by public id; the deleted id would lead nowhere)."""
    if not renamed:
        return
    into = short_ids(conn, set(renamed.values()))
    public = {
        made_ids[row]: into[to] for row, to in renamed.items() if row in made_ids and to in into
    }
    placed = articles.c.prior_story_id.is_not(None)
    if upto is not None:
        placed = placed | (articles.c.id > upto)
    query = select(articles.c.id, articles.c.story_reason).where(
        placed, articles.c.story_reason.like("%story %")
    )
    for article_id, reason in conn.execute(query).all():
        new = _STORY_NAMED.sub(lambda m: f"story {public.get(m[1], m[1])}", reason)
        if new != reason:
            conn.execute(
                update(articles).where(articles.c.id == article_id).values(story_reason=new)
            )


def _give_back_updated(conn: Connection, upto: int | None) -> None:
    """A story the recluster rebuilt with the articles it had gets its ``updated`` time back
    (``prior_updated``, kept by ``reset``), whichever process finished the recluster; then
    every story forgets its prior time. An article stored after the recluster began (its id
    above ``upto``) is news: a story that took one has changed."""
    # one pass over the articles: where each was before (not yet settled: prior_story_id) and
    # where it is now
    members: tuple[dict[int, list[int]], dict[int, list[int]]] = ({}, {})
    was = func.coalesce(articles.c.prior_story_id, articles.c.story_id)
    for prior, now, article_id in conn.execute(
        select(was, articles.c.story_id, articles.c.id).where(was.is_not(None))
    ):
        if upto is None or article_id <= upto:
            members[0].setdefault(prior, []).append(article_id)
        if now is not None:
            members[1].setdefault(now, []).append(article_id)
    before, after = ({k: _digest(ids) for k, ids in m.items()} for m in members)
    same = [
        {"sid": story_id, "old": prior}
        for story_id, prior in conn.execute(
            select(stories.c.id, stories.c.prior_updated).where(
                stories.c.prior_updated.is_not(None), stories.c.merged_into.is_(None)
            )
        )
        if story_id in after and before.get(story_id) == after[story_id]
    ]
    if same:
        conn.execute(
            update(stories)
            .where(stories.c.id == bindparam("sid"))
            .values(updated=bindparam("old")),
            same,
        )
    conn.execute(
        update(stories).where(stories.c.prior_updated.is_not(None)).values(prior_updated=None)
    )


def _digest(ids: list[int]) -> str:
    return hashlib.sha1(",".join(map(str, sorted(ids))).encode("ascii")).hexdigest()


def memberships(
    conn: Connection, since: datetime | None = None, upto: int | None = None
) -> dict[int, str]:
    """Each story's article set (as a digest): of every story with articles, or of those with
    articles from ``since`` on (the stories a reset touches); an article a recluster has taken
    and not yet settled counts in the story it had before. ``upto``: only articles with ids up
    to it count (those stored before a recluster began: the later ones are news)."""
    story = func.coalesce(articles.c.prior_story_id, articles.c.story_id)
    query = select(story, articles.c.id).where(story.is_not(None))
    if upto is not None:
        query = query.where(articles.c.id <= upto)
    if since is not None:
        touched = select(story).where(ARTICLE_TIME >= since)
        query = query.where(story.in_(touched))
    members: dict[int, list[int]] = {}
    for story_id, article_id in conn.execute(query):
        members.setdefault(story_id, []).append(article_id)
    return {story_id: _digest(ids) for story_id, ids in members.items()}


def reclustered_since(conn: Connection) -> datetime | None:
    """The time of the earliest article a recluster under way took to place again (None when
    none is): the ``since`` of :func:`memberships` that holds every story it touched, for a
    process that finishes a recluster without knowing the ``since`` it was started with."""
    query = select(func.min(ARTICLE_TIME)).where(articles.c.prior_story_id.is_not(None))
    return conn.execute(query).scalar()


def changed_stories(conn: Connection, before: dict[int, str], since=None) -> tuple[int, int]:
    """How many stories came out of a recluster with other articles than they had ``before``
    (its :func:`memberships`), or new; and how many stories its articles are in. (Those that
    have the articles they had get their ``updated`` time back in ``sweep``: a recluster that
    changed nothing in a story is no news, and its page stays current.)"""
    after = memberships(conn, since)
    same = sum(1 for story_id, digest in before.items() if after.get(story_id) == digest)
    return len(after) - same, len(after)


def resolve(conn: Connection, sid: str) -> tuple[int, str]:
    """(story id, short id of the live story) for a short id, following merges."""
    row = conn.execute(select(stories).where(stories.c.short_id == sid)).first()
    if row is None:
        raise NotFound(f"store: no story {sid!r}")
    seen = set()
    while row.merged_into is not None and row.id not in seen:
        seen.add(row.id)
        row = conn.execute(select(stories).where(stories.c.id == row.merged_into)).one()
    return row.id, row.short_id


def iter_stories(conn: Connection) -> Iterator:
    """Live (not merged) stories, most recently active first."""
    yield from conn.execute(
        select(stories)
        .where(stories.c.merged_into.is_(None))
        .order_by(stories.c.last_article.desc(), stories.c.id)
    )


def story_articles(conn: Connection, story_id: int, *extra) -> list:
    """A story's articles in time order: url, external id, title, kind, published, language,
    source, country, the original's URL as ``duplicate_of``, why the assigner put it in the
    story as ``reason``, plus any ``extra`` columns."""
    dup = articles.alias("original")
    return conn.execute(
        select(
            articles.c.url,
            articles.c.external_id,
            articles.c.title,
            articles.c.kind,
            articles.c.published,
            articles.c.language,
            func.coalesce(articles.c.source_name, sources.c.name).label("source"),
            sources.c.country,
            dup.c.url.label("duplicate_of"),
            articles.c.story_reason.label("reason"),
            *extra,
        )
        .outerjoin(sources, sources.c.id == articles.c.source_id)
        .outerjoin(dup, dup.c.id == articles.c.duplicate_of)
        .where(articles.c.story_id == story_id)
        .order_by(ARTICLE_TIME, articles.c.id)
    ).all()


def merged_aliases(conn: Connection, story_id: int) -> list[str]:
    """Short ids of the stories merged into this one (they redirect to it)."""
    # BETWEEN, not "=", and sorted here: with statistics (ANALYZE) SQLite judges "merged_into
    # = ?" unselective (the column is nearly all NULL) and scans the table instead of using
    # ix_stories_merged_into; a range keeps the index (see web/queries.py).
    query = select(stories.c.short_id).where(stories.c.merged_into.between(story_id, story_id))
    return sorted(conn.execute(query).scalars())
