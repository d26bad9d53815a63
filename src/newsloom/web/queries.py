"""Read-side SQL for the site, the JSON API and the feeds: one data function per view.

Every function takes a Connection and returns plain records; the HTML pages, the API and
the Atom feeds render the same records (STYLE habit 7). Unknown ids raise ``NotFound``.

The front page ranks every live story that has a complete page. Ranking needs each story's
counts, its page's headline and tone, and its outlets' categories; :class:`Front` keeps that
as an in-memory snapshot and refreshes only what changed (page revisions are immutable, a
story's derived data is keyed by its ``updated`` time), so a refresh stays cheap as the
archive grows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    update,
)

from ..errors import InputError, NotFound
from ..model import SETTLE_HOURS, settles_at, story_status
from ..store.schema import articles, ingest_errors, sources, stories, story_pages
from ..store.stories import ARTICLE_TIME, recluster_under_way

#: Articles in the last day of a story's life count as its momentum ("growth").
GROWTH_WINDOW = timedelta(hours=24)
#: Ranking decays as (1 + hours since the story's last article / DECAY_HOURS) ** -DECAY_POWER:
#: a day-old story keeps about 0.43 of its weight, a two-day-old one 0.27.
DECAY_HOURS = 24.0
DECAY_POWER = 1.2
#: Rows per ``IN (...)`` list.
CHUNK = 500


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso(dt: datetime | None) -> str | None:
    dt = _utc(dt)
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _latest_page_join():
    """The join condition of a story with the newest revision of its page."""
    other = story_pages.alias("other_revision")
    newest = (
        select(func.max(other.c.revision))
        .where(other.c.story_id == stories.c.id)
        .correlate(stories)
        .scalar_subquery()
    )
    return and_(story_pages.c.story_id == stories.c.id, story_pages.c.revision == newest)


# --- the front page -----------------------------------------------------------------------


@dataclass
class Card:
    """One story in a list: what the front page, the API list and the feeds show."""

    story_id: int
    short_id: str
    headline: str
    tone: str | None
    tone_definition: str | None
    highlights: tuple[str, ...]
    language: str | None
    categories: tuple[str, ...]
    article_count: int
    outlet_count: int
    country_count: int
    first_seen: datetime
    last_article: datetime
    written_at: datetime  # when the page last changed (its newest revision)
    revision: int
    score: float = 0.0

    @property
    def highlight(self) -> str | None:
        return self.highlights[0] if self.highlights else None

    def to_json(self) -> dict:
        return {
            "id": self.short_id,
            "url": f"/t/{self.short_id}",
            "headline": self.headline,
            "tone": self.tone,
            "highlights": list(self.highlights),
            "language": self.language,
            "categories": list(self.categories),
            "article_count": self.article_count,
            "outlet_count": self.outlet_count,
            "country_count": self.country_count,
            "first_seen": iso(self.first_seen),
            "last_article": iso(self.last_article),
            "updated": iso(self.written_at),
            "revision": self.revision,
            "score": round(self.score, 4),
        }


@dataclass
class CardPage:
    cards: list[Card]
    total: int
    offset: int
    next_cursor: str | None


def significance(card: Card, recent: int, reference: datetime) -> float:
    """How prominent a story is: distinct outlets and countries, momentum, and recency.

    Outlets count most; countries add breadth; articles in the story's latest day add
    momentum. The sum decays with the hours since the story's last article, measured from
    the newest article in the archive (so an imported archive ranks sensibly too).
    """
    breadth = (
        math.log1p(card.outlet_count)
        + 0.5 * math.log1p(card.country_count)
        + 0.3 * math.log1p(recent)
    )
    age = max(0.0, (reference - card.last_article).total_seconds() / 3600)
    return breadth / (1.0 + age / DECAY_HOURS) ** DECAY_POWER


def _page_fields(raw: str) -> tuple[str | None, str | None, tuple[str, ...], str | None]:
    try:
        page = json.loads(raw)
    except ValueError:
        return None, None, (), None
    tone = page.get("tone") or {}
    highlights = tuple(
        h.get("text") for h in page.get("highlights") or [] if isinstance(h, dict) and h.get("text")
    )
    return tone.get("label"), tone.get("definition"), highlights, page.get("language")


class Front:
    """The ranked list of live stories with a complete page, refreshed incrementally."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: dict[int, tuple] = {}  # page row id -> fields from its JSON
        self._derived: dict[int, tuple] = {}  # story id -> (updated, categories, recent)
        self._labels: str | None = None  # the sources' categories they were read with
        self.cards: list[Card] = []
        self.recent: list[Card] = []
        self.languages: list[tuple[str, int]] = []
        self.categories: list[tuple[str, int]] = []

    def refresh(
        self, conn: Connection, now: datetime | None = None, labels: str | None = None
    ) -> None:
        """Read what changed; ``labels`` (``labels_version``): when the sources' categories
        changed, every story's categories are read again."""
        with self._lock:
            if labels != self._labels:
                self._derived.clear()
                self._labels = labels
            self._refresh(conn, now or datetime.now(UTC))

    def _refresh(self, conn: Connection, now: datetime) -> None:
        rows = conn.execute(
            select(
                *STORY_COLUMNS,
                story_pages.c.id.label("page_id"),
                story_pages.c.revision,
                story_pages.c.written_at,
                story_pages.c.headline,
            )
            .select_from(stories)
            .join(story_pages, _latest_page_join())
            .where(
                stories.c.merged_into.is_(None),
                stories.c.article_count > 0,  # (none: emptied by a recluster under way)
                story_pages.c.status == "complete",
            )
        ).all()
        missing = [r.page_id for r in rows if r.page_id not in self._pages]
        for ids in _chunks(missing):
            for pid, raw in conn.execute(
                select(story_pages.c.id, story_pages.c.page).where(story_pages.c.id.in_(ids))
            ):
                self._pages[pid] = _page_fields(raw)
        stale = [r.id for r in rows if (self._derived.get(r.id) or (None,))[0] != r.updated]
        derived = _derived(conn, stale, conn.dialect.name)
        for r in rows:
            if r.id in derived:
                self._derived[r.id] = (r.updated, *derived[r.id])
        live = {r.id for r in rows}
        self._derived = {k: v for k, v in self._derived.items() if k in live}
        self._pages = {r.page_id: self._pages[r.page_id] for r in rows}

        cards = []
        for r in rows:
            tone, definition, highlights, language = self._pages[r.page_id]
            _, cats, recent = self._derived.get(r.id, (None, (), 0))
            cards.append(
                (
                    Card(
                        story_id=r.id,
                        short_id=r.short_id,
                        headline=r.headline or (highlights[0] if highlights else r.short_id),
                        tone=tone,
                        tone_definition=definition,
                        highlights=highlights,
                        language=language,
                        categories=cats,
                        article_count=r.article_count,
                        outlet_count=r.outlet_count,
                        country_count=r.country_count,
                        first_seen=_utc(r.first_seen),
                        last_article=_utc(r.last_article),
                        written_at=_utc(r.written_at),
                        revision=r.revision,
                    ),
                    recent,
                )
            )
        reference = min(now, max((c.last_article for c, _ in cards), default=now))
        for card, recent in cards:
            card.score = significance(card, recent, reference)
        ranked = [c for c, _ in cards]
        ranked.sort(key=lambda c: (-c.score, -c.last_article.timestamp(), c.story_id))
        self.cards = ranked
        self.recent = sorted(ranked, key=lambda c: (-c.last_article.timestamp(), -c.story_id))
        self.languages = _tally(c.language for c in ranked if c.language)
        self.categories = _tally(cat for c in ranked for cat in c.categories)

    def select(
        self,
        *,
        language: str | None = None,
        category: str | None = None,
        sort: str = "significance",
        offset: int = 0,
        limit: int = 20,
    ) -> CardPage:
        """One page of the ranked (or most recent first) stories that pass the filters."""
        pool = self.recent if sort == "recent" else self.cards
        if language:
            pool = [c for c in pool if c.language == language]
        if category:
            folded = category.casefold()
            pool = [c for c in pool if any(x.casefold() == folded for x in c.categories)]
        offset = max(0, offset)
        part = pool[offset : offset + limit]
        more = offset + limit < len(pool)
        return CardPage(part, len(pool), offset, encode_cursor(offset + limit) if more else None)


def _tally(values: Iterable[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))


def _derived(conn: Connection, story_ids: list[int], dialect: str) -> dict[int, tuple]:
    """Per story: its outlets' categories and its articles in the latest GROWTH_WINDOW."""
    out: dict[int, tuple] = {sid: ((), 0) for sid in story_ids}
    if dialect == "sqlite":
        since = func.datetime(stories.c.last_article, "-1 day")
    else:
        since = stories.c.last_article - literal_column("interval '24 hours'")
    for ids in _chunks(story_ids):
        cats: dict[int, list[str]] = {}
        for sid, cat in conn.execute(
            select(articles.c.story_id, sources.c.category)
            .join(sources, sources.c.id == articles.c.source_id)
            .where(articles.c.story_id.in_(ids), sources.c.category.is_not(None))
            .group_by(articles.c.story_id, sources.c.category)
        ):
            cats.setdefault(sid, []).append(cat)
        recent = dict(
            conn.execute(
                select(articles.c.story_id, func.count())
                .join(stories, stories.c.id == articles.c.story_id)
                .where(articles.c.story_id.in_(ids), ARTICLE_TIME >= since)
                .group_by(articles.c.story_id)
            ).all()
        )
        for sid in ids:
            out[sid] = (tuple(sorted(set(cats.get(sid, ())), key=str.casefold)), recent.get(sid, 0))
    return out


# --- cursors ------------------------------------------------------------------------------


def encode_cursor(value: int | str) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"web: bad cursor {cursor!r}") from exc


def cursor_int(cursor: str | None) -> int:
    raw = decode_cursor(cursor)
    if raw is None:
        return 0
    try:
        return max(0, int(raw))
    except ValueError as exc:
        raise InputError(f"web: bad cursor {cursor!r}") from exc


# --- one story ----------------------------------------------------------------------------


@dataclass
class StoryView:
    """A story with its newest page (``page`` is None when none was written yet)."""

    story_id: int
    short_id: str
    requested_id: str
    first_seen: datetime
    last_article: datetime
    article_count: int
    outlet_count: int
    country_count: int
    page: dict | None
    page_status: str | None
    revision: int | None
    written_at: datetime | None
    checked_at: datetime | None
    previous_written_at: datetime | None
    articles: list[dict] = field(default_factory=list)
    merged_ids: list[str] = field(default_factory=list)
    #: "developing" (news within ``story_settle_hours``) or "settled"
    status: str = "developing"

    @property
    def moved(self) -> bool:
        """The id asked for was merged into another story (``short_id``)."""
        return self.requested_id != self.short_id

    @property
    def complete(self) -> bool:
        return self.page is not None and self.page_status == "complete"

    @property
    def headline(self) -> str:
        if self.page and self.page.get("headline"):
            return self.page["headline"]
        titles = [a["title"] for a in self.articles if a.get("title")]
        return titles[0] if titles else f"Story {self.short_id}"

    def to_json(self) -> dict:
        page = dict(self.page or {})
        page.pop("revision", None)
        return {
            "id": self.short_id,
            "url": f"/t/{self.short_id}",
            "merged_ids": self.merged_ids,
            "first_seen": iso(self.first_seen),
            "last_article": iso(self.last_article),
            "updated": iso(self.written_at),
            "status": self.status,
            "article_count": self.article_count,
            "outlet_count": self.outlet_count,
            "country_count": self.country_count,
            "page_status": self.page_status,
            "revision": self.revision,
            "page": page or None,
            "articles": self.articles,
        }


STORY_COLUMNS = (
    stories.c.id,
    stories.c.short_id,
    stories.c.first_seen,
    stories.c.last_article,
    stories.c.updated,
    stories.c.article_count,
    stories.c.outlet_count,
    stories.c.country_count,
    stories.c.merged_into,
)


def _story_select(where):
    """A story row, with a fingerprint of its article set (count and newest id)."""
    mine = articles.c.story_id == stories.c.id
    return select(
        *STORY_COLUMNS,
        select(func.count()).where(mine).correlate(stories).scalar_subquery().label("n"),
        select(func.max(articles.c.id))
        .where(mine)
        .correlate(stories)
        .scalar_subquery()
        .label("last_id"),
    ).where(where)


# Statements of the story page, built once (building a statement costs more than running it).
_STORY_BY_SHORT_ID = _story_select(stories.c.short_id == bindparam("sid"))
_STORY_BY_ID = _story_select(stories.c.id == bindparam("story_id"))
_REVISIONS = (
    select(
        story_pages.c.id,
        story_pages.c.revision,
        story_pages.c.written_at,
        story_pages.c.checked_at,
        story_pages.c.status,
    )
    .where(story_pages.c.story_id == bindparam("story_id"))
    .order_by(story_pages.c.revision.desc())
    .limit(2)
)
_PAGE_JSON = select(story_pages.c.page).where(story_pages.c.id == bindparam("page_id"))
# BETWEEN and not "=": once SQLite has statistics (ANALYZE), merged_into, NULL for nearly
# every story, looks unselective to it and "=" scans the table (~1 ms for 10,000 stories);
# a closed range keeps the lookup on ix_stories_merged_into.
_MERGED_IDS = select(stories.c.short_id).where(
    stories.c.merged_into.between(bindparam("story_id"), bindparam("story_id"))
)


#: One article that was in the story when the recluster under way began.
_HAD_ARTICLES = (
    select(articles.c.id).where(articles.c.prior_story_id == bindparam("story_id")).limit(1)
)


def _merged_by_recluster(conn: Connection, story_id: int) -> bool:
    """Merged by the recluster under way (it had articles when the recluster began, and merges
    made before left it none): shown as it was until the recluster is done."""
    return (
        recluster_under_way(conn)
        and conn.execute(_HAD_ARTICLES, {"story_id": story_id}).first() is not None
    )


def _resolve_row(conn: Connection, sid: str):
    """The live story row for a short id, following merges (not those a recluster under way
    made: the story is shown as it was before it began)."""
    row = conn.execute(_STORY_BY_SHORT_ID, {"sid": sid}).first()
    if row is None:
        raise NotFound(f"web: no story {sid!r}")
    seen = set()
    while row.merged_into is not None and row.id not in seen:
        if _merged_by_recluster(conn, row.id):
            break
        seen.add(row.id)
        row = conn.execute(_STORY_BY_ID, {"story_id": row.merged_into}).one()
    return row


def merged_ids(conn: Connection, story_id: int) -> list[str]:
    """The short ids merged into a story (they redirect to it), sorted."""
    return sorted(conn.execute(_MERGED_IDS, {"story_id": story_id}).scalars())


@dataclass(frozen=True)
class StoryRef:
    """A short id resolved to its live story, with a fingerprint of what its page shows.

    The fingerprint changes whenever the story's page, counts, dates, articles or merged ids
    do (page revisions are immutable; the pipeline refreshes ``stories.updated`` whenever
    articles join or leave): a page rendered for one fingerprint can be served again while
    it is current, whatever else in the database changed.
    """

    requested_id: str
    row: Any
    revisions: tuple
    merged_ids: tuple[str, ...]
    #: "developing" or "settled", read against the clock when the ref was made
    status: str = "developing"
    #: when a developing story settles (None once settled)
    settles_at: datetime | None = None

    @property
    def short_id(self) -> str:
        return self.row.short_id

    @property
    def moved(self) -> bool:
        return self.requested_id != self.row.short_id

    @property
    def fingerprint(self) -> tuple:
        # not checked_at: the writer touches it on every check, and no page shows it
        pages = tuple((r.id, r.revision, r.written_at, r.status) for r in self.revisions)
        return (tuple(self.row), pages, self.merged_ids, self.status)


def story_ref(conn: Connection, sid: str, settle_hours: float = SETTLE_HOURS) -> StoryRef:
    """Resolve a short id (following merges) and read what identifies its page: three
    small indexed queries, and neither the page's JSON nor its articles. The story is
    settled ``settle_hours`` after its newest article (``Settings.story_settle_hours``).

    Raises:
        NotFound: no story has this id.
    """
    return _ref(conn, sid, _resolve_row(conn, sid), settle_hours)


def live_story_ref(
    conn: Connection, story_id: int, settle_hours: float = SETTLE_HOURS
) -> StoryRef | None:
    """:func:`story_ref` by the story's row id, or None when it is gone or merged away."""
    row = conn.execute(_STORY_BY_ID, {"story_id": story_id}).first()
    if row is None or row.merged_into is not None:
        return None
    return _ref(conn, row.short_id, row, settle_hours)


def _ref(conn: Connection, requested_id: str, row, settle_hours: float) -> StoryRef:
    revisions = conn.execute(_REVISIONS, {"story_id": row.id}).all()
    last_article = _utc(row.last_article)
    status = story_status(last_article, datetime.now(UTC), settle_hours)
    return StoryRef(
        requested_id,
        row,
        tuple(revisions),
        tuple(merged_ids(conn, row.id)),
        status,
        settles_at(last_article, settle_hours) if status == "developing" else None,
    )


def story_view(conn: Connection, ref: StoryRef, *, before: bool = False) -> StoryView:
    """The story of ``ref`` with its newest page (parsed) and its articles; ``before``: while a
    recluster is under way, with the articles it had when the recluster began (and those
    stored since that joined it) and the counts of those, not as half rebuilt."""
    row, revisions = ref.row, ref.revisions
    latest = revisions[0] if revisions else None
    page = None
    if latest is not None:
        raw = conn.execute(_PAGE_JSON, {"page_id": latest.id}).scalar_one()
        try:
            page = json.loads(raw)
        except ValueError:
            page = None
    listed = story_articles(conn, row.id, before=before)
    return StoryView(
        story_id=row.id,
        short_id=row.short_id,
        requested_id=ref.requested_id,
        first_seen=_utc(row.first_seen),
        last_article=_utc(row.last_article),
        article_count=len(listed) if before else row.article_count,
        outlet_count=len({a["outlet"] for a in listed}) if before else row.outlet_count,
        country_count=(
            len({a["country"] for a in listed} - {None}) if before else row.country_count
        ),
        page=page,
        page_status=latest.status if latest else None,
        revision=latest.revision if latest else None,
        written_at=_utc(latest.written_at) if latest else None,
        checked_at=_utc(latest.checked_at) if latest else None,
        previous_written_at=_utc(revisions[1].written_at) if len(revisions) > 1 else None,
        articles=listed,
        merged_ids=list(ref.merged_ids),
        status=ref.status,
    )


def story_page(conn: Connection, sid: str) -> StoryView:
    """A story, by its short id, with its newest page and its articles.

    Raises:
        NotFound: no story has this id (merged ids resolve to the surviving story).
    """
    return story_view(conn, story_ref(conn, sid))


ARTICLE_COLUMNS = (
    articles.c.id,
    articles.c.external_id,
    articles.c.url,
    articles.c.title,
    func.coalesce(articles.c.source_name, sources.c.name).label("outlet"),
    articles.c.author,
    articles.c.published,
    articles.c.fetched,
    articles.c.kind,
    articles.c.language,
    articles.c.image,
    articles.c.paywalled,
    sources.c.country,
    sources.c.lean,
    articles.c.duplicate_of,
    stories.c.short_id.label("story"),
    articles.c.story_reason,
)


def _article_json(r) -> dict:
    # unpacked by position (ARTICLE_COLUMNS' order): a third of the cost of r.name lookups
    (id_, external_id, url, title, outlet, author, published, fetched, kind, language, image,
     paywalled, country, lean, duplicate_of, story, reason) = r  # fmt: skip
    return {
        "id": id_,
        "external_id": external_id,
        "url": url,
        "title": title,
        "outlet": outlet,
        "author": author,
        "published": iso(published),
        "fetched": iso(fetched),
        "kind": kind,
        "language": language,
        "image": image,
        "paywalled": bool(paywalled),
        "country": country,
        "lean": lean,
        "duplicate_of": duplicate_of,
        "story": story,
        "reason": reason,
    }


def _article_select():
    return (
        select(*ARTICLE_COLUMNS)
        .outerjoin(sources, sources.c.id == articles.c.source_id)
        .outerjoin(stories, stories.c.id == articles.c.story_id)
    )


_STORY_ARTICLES = (
    _article_select()
    .where(articles.c.story_id == bindparam("story_id"))
    .order_by(ARTICLE_TIME, articles.c.id)
)
# while a recluster is under way: the articles that were in the story when it began (each
# remembers it until the sweep), and those stored since that joined it
_STORY_ARTICLES_BEFORE = (
    _article_select()
    .where(
        or_(
            articles.c.prior_story_id == bindparam("story_id"),
            and_(articles.c.story_id == bindparam("story_id"), articles.c.prior_story_id.is_(None)),
        )
    )
    .order_by(ARTICLE_TIME, articles.c.id)
)


def story_articles(conn: Connection, story_id: int, *, before: bool = False) -> list[dict]:
    """A story's articles in time order; ``before``: as ``story_view`` says."""
    query = _STORY_ARTICLES_BEFORE if before else _STORY_ARTICLES
    return [_article_json(r) for r in conn.execute(query, {"story_id": story_id})]


# --- articles -----------------------------------------------------------------------------


@dataclass
class ArticlePage:
    articles: list[dict]
    next_cursor: str | None


def list_articles(
    conn: Connection,
    *,
    story: str | None = None,
    source_id: int | None = None,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> ArticlePage:
    """Articles, newest stored first (by id), with keyset pagination on the id."""
    q = _article_select()
    if story:
        q = q.where(articles.c.story_id == _resolve_row(conn, story).id)
    if source_id is not None:
        q = q.where(articles.c.source_id == source_id)
    if kind:
        q = q.where(articles.c.kind == kind)
    before = cursor_int(cursor) if cursor else None
    if before:
        q = q.where(articles.c.id < before)
    rows = conn.execute(q.order_by(articles.c.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return ArticlePage(
        [_article_json(r) for r in rows], encode_cursor(rows[-1].id) if more and rows else None
    )


# --- sources ------------------------------------------------------------------------------


@dataclass
class OutletHealth:
    """A source (or an outlet known only from imported articles) with its health."""

    id: int | None
    name: str
    url: str | None
    html_url: str | None
    country: str | None
    language: str | None
    lean: str | None
    category: str | None
    articles: int
    last_article: datetime | None
    last_fetch: datetime | None
    last_success: datetime | None
    last_error: str | None
    error_count: int
    recent_errors: int
    next_fetch: datetime | None
    poll_interval: float | None = None  # seconds, chosen from how often it publishes
    #: The newest of ``recent_errors`` ("kind: message", with the page's URL when it has one).
    recent_error: str | None = None

    @property
    def health(self) -> str:
        if self.id is None:
            return "imported"
        if self.last_fetch is None:
            return "not fetched yet"
        if self.error_count:
            return "failing"
        return "ok"

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "html_url": self.html_url,
            "country": self.country,
            "language": self.language,
            "lean": self.lean,
            "category": self.category,
            "articles": self.articles,
            "last_article": iso(self.last_article),
            "last_fetch": iso(self.last_fetch),
            "last_success": iso(self.last_success),
            "last_error": self.last_error,
            "error_count": self.error_count,
            "errors_last_7_days": self.recent_errors,
            "latest_error_last_7_days": self.recent_error,
            "next_fetch": iso(self.next_fetch),
            "poll_interval": self.poll_interval,
            "health": self.health,
        }


def outlets(conn: Connection, now: datetime | None = None) -> list[OutletHealth]:
    """Every source with counts and health, then outlets seen only in imported articles."""
    now = now or datetime.now(UTC)
    counts = {
        sid: (n, last)
        for sid, n, last in conn.execute(
            select(articles.c.source_id, func.count(), func.max(ARTICLE_TIME))
            .where(articles.c.source_id.is_not(None))
            .group_by(articles.c.source_id)
        )
    }
    errors, newest = {}, []  # the week's errors by source: how many, and the latest
    for source_id, n, last in conn.execute(
        select(ingest_errors.c.source_id, func.count(), func.max(ingest_errors.c.id))
        .where(ingest_errors.c.at >= now - timedelta(days=7))
        .group_by(ingest_errors.c.source_id)
    ):
        errors[source_id] = n
        newest.append(last)
    latest = {
        r.source_id: f"{r.kind}: {r.message}" + (f" ({r.url})" if r.url else "")
        for r in conn.execute(select(ingest_errors).where(ingest_errors.c.id.in_(newest)))
    }
    out = []
    for s in conn.execute(select(sources).order_by(func.lower(sources.c.name), sources.c.id)):
        n, last = counts.get(s.id, (0, None))
        out.append(
            OutletHealth(
                id=s.id,
                name=s.name or s.url,
                url=s.url,
                html_url=s.html_url,
                country=s.country,
                language=s.language,
                lean=s.lean,
                category=s.category,
                articles=n,
                last_article=_utc(last),
                last_fetch=_utc(s.last_fetch),
                last_success=_utc(s.last_success),
                last_error=s.last_error,
                error_count=s.error_count or 0,
                recent_errors=errors.get(s.id, 0),
                next_fetch=_utc(s.next_fetch),
                poll_interval=s.poll_interval,
                recent_error=latest.get(s.id),
            )
        )
    for name, n, last in conn.execute(
        select(articles.c.source_name, func.count(), func.max(ARTICLE_TIME))
        .where(articles.c.source_id.is_(None))
        .group_by(articles.c.source_name)
        .order_by(func.lower(func.coalesce(articles.c.source_name, "")))
    ):
        out.append(
            OutletHealth(
                id=None,
                name=name or "(unnamed)",
                url=None,
                html_url=None,
                country=None,
                language=None,
                lean=None,
                category=None,
                articles=n,
                last_article=_utc(last),
                last_fetch=None,
                last_success=None,
                last_error=None,
                error_count=0,
                recent_errors=0,
                next_fetch=None,
            )
        )
    return out


# --- what changed -------------------------------------------------------------------------


def labels_version(conn: Connection) -> str:
    """A fingerprint of the sources' categories (a story's categories are its outlets'): a
    category given to a source reaches its stories' cards and feeds without a new article."""
    rows = conn.execute(select(sources.c.id, sources.c.category).order_by(sources.c.id)).all()
    return hashlib.sha1(repr(rows).encode()).hexdigest()


def data_version(conn: Connection) -> dict[str, tuple]:
    """Cheap fingerprints of what the site shows, by kind; each changes when its data does.

    ``pages``: story pages, stories and merges (front page, story pages, feeds);
    ``articles``: stored articles (article lists, search); ``sources``: sources and their
    errors (source health).
    """
    merged = select(func.count()).select_from(stories).where(stories.c.merged_into.is_not(None))
    return {
        "pages": (
            conn.execute(select(func.max(story_pages.c.id))).scalar(),
            conn.execute(select(func.max(stories.c.updated))).scalar(),
            conn.execute(merged).scalar(),
            labels_version(conn),
        ),
        "articles": (conn.execute(select(func.max(articles.c.id))).scalar(),),
        "sources": (
            *conn.execute(select(func.count(), func.max(sources.c.last_fetch))).one(),
            conn.execute(select(func.max(ingest_errors.c.id))).scalar(),
        ),
    }


def queue_refresh(conn: Connection, source_id: int | None, now: datetime) -> int:
    """Make sources due now (one, or all): the running poller picks them up next."""
    q = update(sources).values(next_fetch=now)
    if source_id is not None:
        if conn.execute(select(sources.c.id).where(sources.c.id == source_id)).first() is None:
            raise NotFound(f"web: no source with id {source_id}")
        q = q.where(sources.c.id == source_id)
    else:
        q = q.where(or_(sources.c.next_fetch.is_(None), sources.c.next_fetch > now))
    return conn.execute(q).rowcount or 0
