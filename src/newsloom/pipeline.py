"""The stages joined together: load what is pending, run a stage, save its result.

Stages (``ingest.*``) never touch the store; only this module does.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import json
import logging
import random
import re
import signal
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import Engine

from .cluster.assign import ClusterParams, Item, StoryAssigner
from .cluster.embed import article_text, make_embedder
from .config import Settings
from .errors import ExtractError, FeedError, FetchError, InputError
from .ingest import classify as classify_mod
from .ingest.archive import (
    UNREADABLE_DATE,
    BadRecord,
    Record,
    is_warc,
    read_jsonl,
    read_warc,
)
from .ingest.extract import extract
from .ingest.feeds import SitemapIndexError
from .ingest.feeds import parse as parse_feed
from .ingest.fetch import Fetcher
from .ingest.normalize import DuplicateIndex, canonical_url, content_hash
from .ingest.opml import read_opml
from .metrics import ARTICLES_INGESTED, CLUSTER_BATCH_SECONDS, FETCH_ERRORS, POLLS, timed_write
from .model import KINDS, Article, Extracted, FeedEntry, Source, entry_version, story_status
from .store import articles as store_articles
from .store import meta as store_meta
from .store import pages as store_pages
from .store import pending as store_pending
from .store import sources as store_sources
from .store import stories as store_stories
from .store.db import transaction
from .store.stories import RECLUSTER_WAIT, recluster_under_way
from .words import guess_language, plural
from .write.llm import writer_for
from .write.page import SourceArticle, write_page

#: A letter or a digit: an article needs at least one in its title or text to be read.
_WORD = re.compile(r"[^\W_]")

log = logging.getLogger(__name__)

#: How many recent originals the near-duplicate index holds (bounded memory).
DUPLICATE_WINDOW = 50_000
#: Characters of an article's text kept (a long feature runs to about 100,000; the writer reads
#: the first 40,000): a 16 MB "article" in an import file cost 2.4 GB to fingerprint.
MAX_TEXT_CHARS = 200_000
#: Characters of a title kept (at a word's end where one is near): a headline runs to about 150.
MAX_TITLE_CHARS = 1_000

HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", None)
#: Child sitemaps read from a sitemap index per poll (news sitemaps first, in listed order).
SITEMAP_CHILDREN = 3

#: Types some servers send for anything; the body is sniffed before it is refused.
VAGUE_TYPES = ("application/octet-stream", "binary/octet-stream", "application/unknown")


def looks_like_html(content_type: str | None, body: bytes) -> bool:
    """An HTML page by its declared type, or by its first bytes when the type is vague."""
    if content_type in HTML_TYPES:
        return True
    if content_type in VAGUE_TYPES:
        head = body[:1024].lstrip().lower()
        return head.startswith((b"<!doctype html", b"<html", b"<head", b"<!--"))
    return False


@dataclass
class Outcome:
    """What happened to one incoming document."""

    #: "new", "duplicate" (a syndicated copy, stored and linked), "known", "rejected", or
    #: "deferred" (its page failed for a passing reason: tried again later, not yet stored)
    status: str
    article_id: int | None = None
    reason: str | None = None
    #: what was changed on the way in (e.g. a date in the future dropped), for the summary
    warnings: list[str] = field(default_factory=list)


#: Places (``file:line`` or ``file#record``) a summary names per reason or warning; the rest
#: are counted ("and 4 more"), and the log names every one.
SHOWN_PLACES = 3


def _counted(places: list[str]) -> str:
    """``2 (in.jsonl:3, in.jsonl:9)``: a count and the first places, the rest counted."""
    more = f" and {len(places) - SHOWN_PLACES} more" if len(places) > SHOWN_PLACES else ""
    return f"{len(places)} ({', '.join(places[:SHOWN_PLACES])}{more})"


@dataclass
class Tally:
    """Counts for a summary line: read, new, duplicate, known, rejected with reasons (and
    where, when known), deferred (pages to try again), and warnings (taken, but not as they
    came) with where."""

    read: int = 0
    new: int = 0
    duplicate: int = 0
    known: int = 0
    rejected: int = 0
    deferred: int = 0
    #: stored articles whose feed item changed, fetched again and corrected in place
    corrected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    #: reason -> where each rejected line or record was (import only)
    rejected_at: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)

    def warn(self, warning: str, where: str | None) -> None:
        self.warnings.setdefault(warning, []).append(where or "?")

    def add(self, outcome: Outcome, where: str | None = None) -> None:
        ARTICLES_INGESTED.labels(outcome.status).inc()
        self.read += 1
        if outcome.status == "rejected":
            self.rejected += 1
            key = outcome.reason or "unknown"
            self.reasons[key] = self.reasons.get(key, 0) + 1
            if where:
                self.rejected_at.setdefault(key, []).append(where)
        else:
            setattr(self, outcome.status, getattr(self, outcome.status) + 1)

    def summary(self) -> str:
        line = (
            f"read {self.read}, new {self.new}, syndicated copies {self.duplicate}, "
            f"already stored {self.known}, rejected {self.rejected}"
        )
        if self.reasons:
            reasons = ", ".join(
                f"{k}: {_counted(self.rejected_at[k])}" if k in self.rejected_at else f"{k}: {v}"
                for k, v in sorted(self.reasons.items())
            )
            line += f" ({reasons})"
        if self.deferred:
            line += f", pages to try again later {self.deferred}"
        if self.corrected:
            line += f", corrected in place {self.corrected}"
        if self.warnings:
            shown = [f"{w}: {_counted(places)}" for w, places in sorted(self.warnings.items())]
            line += "; warnings: " + ", ".join(shown)
        return line


def _cut_at_word(value: str, limit: int) -> str:
    """``value``'s first ``limit`` characters, ending before the last space in them when that
    keeps more than half."""
    cut = value.rfind(" ", 0, limit)
    return value[: cut if cut > limit // 2 else limit]


class Ingestor:
    """normalize -> classify -> near-duplicate check -> store, for any incoming document."""

    def __init__(self, engine: Engine, settings: Settings):
        self.engine = engine
        self.settings = settings
        self.reload()

    def reload(self) -> None:
        """Read the near-duplicate index from the database again (after a transaction that
        indexed articles was rolled back: their ids are not stored)."""
        self.dups = DuplicateIndex(threshold=self.settings.duplicate_threshold)
        self.last_id = 0  # the newest article whose signature the index has seen
        self._order: deque[int] = deque()  # indexed ids, oldest first (bounded memory)
        with self.engine.connect() as conn:
            for art_id, sig in store_articles.recent_signatures(conn, DUPLICATE_WINDOW):
                self._remember(art_id, sig)

    def _remember(self, art_id: int, sig: bytes) -> None:
        """Index an original; the oldest falls out once the index holds DUPLICATE_WINDOW."""
        self.dups.add(art_id, sig)
        self._order.append(art_id)
        self.last_id = max(self.last_id, art_id)
        while len(self._order) > DUPLICATE_WINDOW:
            self.dups.discard(self._order.popleft())

    def _catch_up(self, conn) -> None:
        """Take the ``ingest`` lock, then learn the originals other processes stored since.

        The lock makes check-then-insert one step across processes sharing the database, so
        two workers fetching two copies of one wire story still link the second to the first.
        """
        store_meta.exclusive(conn, "ingest")
        for art_id, sig in store_articles.signatures_after(conn, self.last_id):
            self._remember(art_id, sig)

    def add(
        self,
        conn,
        art: Article,
        *,
        page_types: Iterable[str] = (),
        declared_kind: str | None = None,
    ) -> Outcome:
        """Store one article (in the caller's transaction) unless it is already stored."""
        try:
            art.url = canonical_url(art.url)
        except ValueError:
            return Outcome("rejected", reason="bad url")
        art.text = (art.text or "").strip()
        art.title = (art.title or "").strip()
        warnings = []
        if len(art.title) > MAX_TITLE_CHARS:
            art.title = _cut_at_word(art.title, MAX_TITLE_CHARS)
            warnings.append(f"title cut to its first {MAX_TITLE_CHARS:,} characters")
        if not _WORD.search(art.text) and not _WORD.search(art.title):
            return Outcome("rejected", reason="no text")  # nothing but marks, dashes or emoji
        if store_articles.known_urls(conn, [art.url]):
            return Outcome("known")
        # a language the source does not declare is guessed from the text, and stored: the
        # clusterer, the writer, the export and the API all read the same one (the guess
        # reads the first 4,000 characters: a long text is not copied whole for it)
        head = f"{art.title}\n{art.text[:4000]}"
        art.language = art.language or guess_language(head, min_words=8)
        now = datetime.now(UTC)
        if len(art.text) > MAX_TEXT_CHARS:
            art.text = _cut_at_word(art.text, MAX_TEXT_CHARS)
            warnings.append(f"text cut to its first {MAX_TEXT_CHARS:,} characters")
        if art.published and art.published > now + timedelta(hours=self.settings.max_future_hours):
            log.info("future date dropped url=%s published=%s", art.url, art.published)
            art.published = None
            warnings.append(future_date_warning(self.settings))
        verdict = classify_mod.classify(
            url=art.url,
            title=art.title,
            text=art.text,
            page_types=list(page_types),
            section=art.section,
            declared_kind=declared_kind if declared_kind in KINDS else None,
            threshold=self.settings.opinion_threshold,
        )
        art.kind, art.kind_rule = verdict.kind, verdict.rule
        art.content_hash = content_hash(art.text) if art.text else None
        sig = self.dups.signature(art.text) if art.text else None
        if sig is not None:
            self._catch_up(conn)
            original = self.dups.find(sig)
            if original is not None:
                art.duplicate_of = store_articles.original_of(conn, original)
        art.fetched = art.fetched or now
        art_id, new = store_articles.insert_article(conn, art, sig, verdict.score)
        if not new:
            return Outcome("known", art_id)
        if art.duplicate_of is not None:
            return Outcome("duplicate", art_id, warnings=warnings)
        if sig is not None:
            self._remember(art_id, sig)
        return Outcome("new", art_id, warnings=warnings)


def future_date_warning(settings: Settings) -> str:
    """The warning for a publication date past ``max_future_hours``: stored without it."""
    return f"published date more than {settings.max_future_hours:g} h in the future ignored"


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def identity_url(ex: Extracted) -> str:
    """The page's canonical URL when it is on the page's own site, else the page URL.

    Syndicated copies often name the original outlet's page as canonical; trusting that would
    make every outlet's copy look like the one article already stored instead of a linked copy.
    """
    if ex.canonical_url and _site(ex.canonical_url) == _site(ex.url):
        return ex.canonical_url
    return ex.url


def article_from_page(ex: Extracted, entry: FeedEntry | None, source: Source | None) -> Article:
    """Merge what the page says with what the feed said (the page wins, the feed fills gaps)."""
    return Article(
        url=identity_url(ex),
        title=ex.title or (entry.title if entry else "") or "",
        text=ex.text or "",
        published=ex.published or (entry.published if entry else None),
        author=ex.author or (entry.author if entry else None),
        entry_version=entry_version(entry) if entry else None,
        language=ex.language or (source.language if source else None),
        source_id=source.id if source else None,
        source_name=source.name if source else ex.site_name,
        site_name=ex.site_name,
        image=ex.image,
        section=ex.section,
        paywalled=ex.paywalled,
    )


def article_from_entry(entry: FeedEntry, source: Source) -> Article:
    """An article from the feed's own text, when the page cannot be (or is not) fetched."""
    return Article(
        url=entry.url,
        title=entry.title or "",
        text=entry.summary or "",
        published=entry.published,
        author=entry.author,
        entry_version=entry_version(entry),
        language=entry.language or source.language,
        source_id=source.id,
        source_name=source.name,
    )


#: How far back a source's items count towards its publishing rate.
RATE_WINDOW = timedelta(days=7)
#: Polls per expected new item: twice, so an item waits a quarter of the gap on average.
POLLS_PER_ITEM = 2.0
#: A "not modified" answer stretches the interval by this much: quiet feeds drift to the maximum.
NOT_MODIFIED_GROWTH = 1.2
#: Spread of each poll's time around its interval, so sources added together poll apart.
POLL_JITTER = 0.1


def publishing_rate(
    entry_times: Iterable[datetime | None], now: datetime, window: timedelta = RATE_WINDOW
) -> float | None:
    """Items per second a feed published over the last ``window``; None when its dates say nothing.

    Counted from the dated entries of one poll that fall in the window: ``n - 1`` gaps from
    the oldest of them to now (not to the newest, so a feed silent since its last item slows
    down too). Measuring from the oldest item suits feeds that list only their newest items,
    and an old pinned item outside the window changes nothing. Fewer than two items in the
    window make ``n / window``. Undated feeds, and feeds that stamp every item with one
    time, give None.
    """
    dated = [t for t in entry_times if t is not None]
    if not dated or (len(dated) > 1 and len(set(dated)) == 1):
        return None
    start = now - window
    recent = sorted(min(t, now) for t in dated if t >= start)
    if len(recent) < 2:
        return len(recent) / window.total_seconds()
    return (len(recent) - 1) / max((now - recent[0]).total_seconds(), 1.0)


def poll_interval(
    settings: Settings,
    entry_times: Iterable[datetime | None] | None,
    previous: float | None,
    now: datetime,
    *,
    stored_recent: int | None = None,
) -> float:
    """Seconds between polls of a source that answered, from how often it publishes.

    As Miniflux's ``entry_frequency`` scheduler: the mean gap between the source's items
    (halved, see ``POLLS_PER_ITEM``), kept within ``fetch_interval_min`` and
    ``fetch_interval_max``. Errors are not handled here: ``next_poll`` backs off instead.

    Args:
        settings: the interval bounds, and ``fetch_interval`` for a rate not known yet.
        entry_times: publication times of the entries the feed just listed (None for an
            undated entry); None when the feed answered "not modified".
        previous: the interval chosen last time, if any.
        now: the time of the poll.
        stored_recent: how many of the source's stored articles date from the last
            ``RATE_WINDOW``; used when the feed's dates say nothing.

    Returns:
        The interval in seconds, before jitter.
    """
    low = settings.fetch_interval_min
    high = max(settings.fetch_interval_max, low)
    if entry_times is None:  # not modified: nothing new since the last poll
        base = (previous or settings.fetch_interval) * NOT_MODIFIED_GROWTH
        return min(max(base, low), high)
    rate = publishing_rate(entry_times, now)
    if rate is None and stored_recent is not None:
        rate = stored_recent / RATE_WINDOW.total_seconds()
    if rate is None:
        interval = float(previous or settings.fetch_interval)
    elif rate <= 0:
        interval = float(high)
    else:
        interval = 1.0 / (rate * POLLS_PER_ITEM)
    return min(max(interval, low), high)


def next_poll(
    settings: Settings, src: Source, now: datetime, retry_after: float | None = None
) -> datetime:
    """When to poll again: the source's own interval (±10%) on success; back-off after errors."""
    if src.error_count == 0:
        interval = src.poll_interval or settings.fetch_interval
        jitter = random.uniform(1.0 - POLL_JITTER, 1.0 + POLL_JITTER)
        return now + timedelta(seconds=interval * jitter)
    backoff = min(settings.max_backoff, settings.fetch_interval * 2 ** (src.error_count - 1))
    backoff = max(backoff, retry_after or 0)
    return now + timedelta(seconds=backoff * random.uniform(1.0, 1.1))


@dataclass
class RefreshResult:
    source_id: int
    status: str  # "ok", "not_modified", "error"
    tally: Tally = field(default_factory=Tally)
    error: str | None = None


class PageExtractor:
    """Runs extraction, the CPU-heavy step, in worker processes so it uses every core.

    ``workers=0`` extracts in a thread of this process instead. A worker that dies (a page
    that crashes the parser) costs that page only: the pool is rebuilt and the error recorded.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # a worker goes when this process goes, however it ends: a forked one holds what
            # this process held (the site's listening socket, the database), so one left
            # behind by a SIGKILL kept the port taken and a restart failed
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=get_context("fork"), initializer=_die_with_parent
            )
        return self._pool

    async def __call__(self, content: bytes, url: str, charset: str | None) -> Extracted:
        if self.workers <= 0:
            return await asyncio.to_thread(extract, content, url, charset=charset)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._get_pool(), _extract_job, content, url, charset)
        except BrokenProcessPool as exc:
            self.close()
            raise ExtractError(f"extract: the extractor crashed on {url}") from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _die_with_parent() -> None:
    """In an extraction worker: be killed when the process that started it ends, however it
    ends (Linux ``PR_SET_PDEATHSIG``; elsewhere a worker ends when its queue closes)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _extract_job(content: bytes, url: str, charset: str | None) -> Extracted:
    return extract(content, url, charset=charset)


#: Fetch failures that another try may mend (``FetchError.kind``): a page that fails so while
#: its feed gives only a teaser is tried again at later polls (``Settings.page_retry_hours``)
#: rather than stored from the teaser for good (an article without its text clusters and
#: reads poorly). Lasting failures (404, 403, robots, not HTML) keep the feed's text at once.
#: ``host_down``: not fetched because the site failed several times in a row (the fetcher's
#: breaker), so a site that is down costs a few time-outs per poll, not one per page.
PASSING = frozenset({"timeout", "connect", "dns", "http_5xx", "http_429", "http_408", "host_down"})
#: A feed text of fewer words than this is a teaser: worth waiting for the page.
TEASER_WORDS = 50
#: The wait before a failed page's second try; it doubles with each try.
RETRY_FIRST_WAIT = timedelta(minutes=10)
#: Stored articles fetched again at most per poll of a source because their feed item changed
#: (a correction): a feed that retitles everything at once costs a few polls, not a flood.
CORRECTIONS_PER_POLL = 10


class Poller:
    """Polls sources: fetch (conditional) -> parse -> fetch new pages -> extract -> store.

    Holds what a polling run shares: the store, the settings, one HTTP client with its
    per-host limits, the extraction workers and the near-duplicate index.
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        ingestor: Ingestor | None = None,
        fetcher: Fetcher | None = None,
    ):
        self.engine = engine
        self.settings = settings
        self.ingestor = ingestor or Ingestor(engine, settings)
        self.fetcher = fetcher or Fetcher(settings)
        self.extractor = PageExtractor(settings.extract_workers)

    async def aclose(self) -> None:
        self.extractor.close()
        await self.fetcher.aclose()

    async def __aenter__(self) -> Poller:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def refresh_due(self, now: datetime | None = None, on_result=None) -> list[RefreshResult]:
        """Poll every source that is due, concurrently within the fetcher's limits.

        ``on_result(result, done, total)`` is called as each source's poll ends.
        """
        with self.engine.connect() as conn:
            due = store_sources.due_sources(conn, now or datetime.now(UTC))
        finished = 0

        async def one(src: Source) -> RefreshResult:
            nonlocal finished
            result = await self.refresh(src)
            finished += 1
            if on_result:
                on_result(result, finished, len(due))
            return result

        return list(await asyncio.gather(*(one(s) for s in due)))

    async def refresh(self, src: Source) -> RefreshResult:
        """Poll one source. Every failure is logged with the source's id and saved on its row."""
        now = datetime.now(UTC)
        result = RefreshResult(source_id=src.id, status="ok")
        retry_after = partial = None
        src.last_fetch = now
        try:
            resp = await self.fetcher.fetch(src.url, etag=src.etag, last_modified=src.last_modified)
            if resp.not_modified:
                result.status = "not_modified"
                src.poll_interval = poll_interval(self.settings, None, src.poll_interval, now)
                await self._ingest_entries(src, [], result)  # pages waiting for another try
            else:
                try:
                    feed = self._parse(resp)
                    entries = feed.entries
                    name_from_feed(self.engine, src, feed.title)
                    if feed.warning:  # read up to where it breaks: say so on the source
                        partial = FeedError(
                            f"feeds: {src.url} is malformed, read in part "
                            f"({len(entries)} entries): {feed.warning}"
                        )
                        what = "feed read in part"
                        self._record_failure(what, src, src.url, partial, "malformed")
                except SitemapIndexError as index:
                    entries = await self._sitemap_index_entries(src, index)
                src.etag, src.last_modified = resp.etag, resp.last_modified
                await self._ingest_entries(src, entries, result)
                src.poll_interval = self._poll_interval(src, entries, now)
            src.error_count, src.last_error, src.last_success = 0, None, now
            if partial is not None:  # a success all the same, with its complaint shown
                src.last_error = str(partial)
        except (FetchError, FeedError) as exc:
            retry_after = getattr(exc, "retry_after", None)
            src.error_count += 1
            src.last_error = str(exc)
            result.status, result.error = "error", str(exc)
            self._record_failure("source refresh failed", src, src.url, exc, "feed")
        src.next_fetch = next_poll(self.settings, src, now, retry_after)
        with transaction(self.engine) as conn:
            store_sources.save_fetch_state(conn, src)
        POLLS.labels(result.status).inc()
        return result

    def _poll_interval(self, src: Source, entries: list[FeedEntry], now: datetime) -> float:
        """The source's interval from its entries' dates, else from its stored articles."""
        times = [e.published for e in entries]
        stored = None
        if publishing_rate(times, now) is None:
            with self.engine.connect() as conn:
                stored = store_sources.recent_article_count(conn, src.id, now - RATE_WINDOW)
        return poll_interval(self.settings, times, src.poll_interval, now, stored_recent=stored)

    def _record_failure(self, what: str, src: Source, url: str, exc: Exception, kind: str):
        """Log a failure with its source and save it for the source's health."""
        kind = getattr(exc, "kind", kind)
        FETCH_ERRORS.labels(kind).inc()
        log.warning("%s source_id=%s url=%s kind=%s error=%s", what, src.id, url, kind, exc)
        with transaction(self.engine) as conn:
            store_sources.record_error(conn, src.id, url, kind, str(exc))

    def _parse(self, resp):
        return parse_feed(
            resp.url,
            resp.content,
            resp.content_type,
            max_future_hours=self.settings.max_future_hours,
        )

    async def _sitemap_index_entries(self, src: Source, index: SitemapIndexError):
        """A sitemap index: read its first few child sitemaps, news sitemaps first."""
        children = sorted(index.sitemaps, key=lambda u: "news" not in u.lower())
        children = children[:SITEMAP_CHILDREN]
        if not children:
            raise index
        entries: list[FeedEntry] = []
        for url in children:
            child = await self.fetcher.fetch(url)
            entries.extend(self._parse(child).entries)
        log.info("sitemap index read source_id=%s children=%d", src.id, len(children))
        return entries

    async def _ingest_entries(self, src: Source, entries: list[FeedEntry], result) -> None:
        entries = sorted(
            entries, key=lambda e: e.published or datetime.min.replace(tzinfo=UTC), reverse=True
        )[: self.settings.max_items_per_feed]
        by_url: dict[str, FeedEntry] = {}
        for entry in entries:
            try:
                by_url.setdefault(canonical_url(entry.url), entry)
            except ValueError:
                result.tally.add(Outcome("rejected", reason="bad url"))
        with self.engine.connect() as conn:
            waiting = {p.url: p for p in store_pending.for_source(conn, src.id)}
            # a page still being tried is tried from here when the feed no longer lists it
            for url, pending in waiting.items():
                by_url.setdefault(url, pending.entry)
            versions = store_articles.entry_versions(conn, list(by_url))  # of the stored ones
        known = set(versions)
        for _ in known:
            result.tally.add(Outcome("known"))
        await self._corrections(
            src, by_url, {u: v for u, v in versions.items() if u not in waiting}, result
        )
        if known & waiting.keys():  # stored meanwhile (another source, another process)
            with transaction(self.engine) as conn:
                for url in known & waiting.keys():
                    store_pending.forget(conn, url)
        now = datetime.now(UTC)
        todo = []
        for url, entry in by_url.items():
            if url in known:
                continue
            if url in waiting and waiting[url].next_try > now and self.settings.fetch_pages:
                result.tally.add(Outcome("deferred", reason="waiting"))
                continue
            todo.append((url, entry))
        if not self.settings.fetch_pages:
            with transaction(self.engine) as conn:
                for url, entry in todo:
                    result.tally.add(self.ingestor.add(conn, article_from_entry(entry, src)))
                    if url in waiting:
                        store_pending.forget(conn, url)
            return

        async def one(url: str, entry: FeedEntry) -> None:
            art, page_types, status = await self._article_for_entry(src, url, entry)
            if status == "deferred":
                result.tally.add(Outcome("deferred", reason="page failed"))
                return
            with transaction(self.engine) as conn:
                if art is None:
                    result.tally.add(Outcome("rejected", reason="no page or text"))
                else:
                    result.tally.add(self.ingestor.add(conn, art, page_types=page_types))
                if url in waiting or status == "given up":
                    store_pending.forget(conn, url)

        await asyncio.gather(*(one(u, e) for u, e in todo))

    async def _corrections(self, src: Source, by_url, versions, result) -> None:
        """Fetch again the stored articles whose feed item changed (a new title, a later
        ``updated``: a correction under the same URL), at most :data:`CORRECTIONS_PER_POLL`
        a poll, and store what changed in place; their stories' pages are written again. An
        article stored before versions were kept (or from an import) only takes the item's."""
        first, changed = [], []
        for url, stored in versions.items():
            version = entry_version(by_url[url])
            if stored is None:
                first.append((url, version))
            elif stored != version:
                changed.append((url, by_url[url], version))
        if first:
            with transaction(self.engine) as conn:
                store_articles.set_entry_versions(conn, first)

        async def one(url: str, entry: FeedEntry, version: str) -> None:
            art = article_from_entry(entry, src)
            if self.settings.fetch_pages:
                try:
                    art, _ = await self._page_article(src, entry)
                except (FetchError, ExtractError) as exc:
                    self._record_failure("corrected article page failed", src, url, exc, "extract")
                    if getattr(exc, "kind", None) in PASSING:
                        return  # the version stays: tried again at the next poll
                    art.text = ""  # keep the page's text rather than the feed's teaser
            text = (art.text or "").strip()
            with transaction(self.engine) as conn:
                corrected, story_id = store_articles.revise(
                    conn,
                    url,
                    version,
                    title=(art.title or "").strip(),
                    text=text,
                    content_hash=content_hash(text) if text else None,
                )
                if corrected:
                    result.tally.corrected += 1
                    log.info("article corrected in place source_id=%s url=%s", src.id, url)
                    if story_id is not None:  # its page is written again, with the correction
                        store_stories.refresh_counts(conn, {story_id})
                        store_pages.stale_articles(conn, story_id)

        await asyncio.gather(*(one(*c) for c in changed[:CORRECTIONS_PER_POLL]))

    async def _page_article(self, src: Source, entry: FeedEntry) -> tuple[Article, list[str]]:
        """The entry's page fetched and extracted: (article, page types).

        Raises:
            FetchError, ExtractError: the page could not be fetched, is no HTML page, or
                holds no article.
        """
        page = await self.fetcher.fetch(entry.url, check_robots=True)
        if not looks_like_html(page.content_type, page.content):
            raise ExtractError(f"extract: {entry.url} is {page.content_type}, not an HTML page")
        ex = await self.extractor(page.content, page.url, page.charset)
        return article_from_page(ex, entry, src), ex.page_types

    async def _article_for_entry(self, src: Source, url: str, entry: FeedEntry):
        """Fetch and extract an entry's page: (article, page types, status).

        Status ``page``: from the page. When that fails, ``feed``: from the feed's own text
        (None without a title); ``deferred``: a passing failure (:data:`PASSING`) while the
        feed gives only a teaser (under :data:`TEASER_WORDS` words), to be tried again at a
        later poll, waiting :data:`RETRY_FIRST_WAIT` and twice as long after each try, until
        ``page_retry_hours`` after the first failure; ``given up``: then, from the feed's text.
        """
        try:
            art, page_types = await self._page_article(src, entry)
            return art, page_types, "page"
        except (FetchError, ExtractError) as exc:
            self._record_failure("article page failed", src, entry.url, exc, "extract")
            status = self._retry_later(src, url, entry, exc)
            if status == "deferred":
                return None, (), status
            art = article_from_entry(entry, src) if entry.title else None
            return art, (), status

    def _retry_later(self, src: Source, url: str, entry: FeedEntry, exc: Exception) -> str:
        """``deferred`` (try the page again later), ``given up`` (tried long enough) or
        ``feed`` (not worth another try: a lasting failure, or the feed has the text)."""
        hours = self.settings.page_retry_hours
        if hours <= 0 or getattr(exc, "kind", None) not in PASSING:
            return "feed"
        if len((entry.summary or "").split()) >= TEASER_WORDS:
            return "feed"
        now = datetime.now(UTC)
        limit = timedelta(hours=hours)
        with transaction(self.engine) as conn:
            pending = store_pending.record_failure(
                conn,
                url,
                src.id,
                entry,
                str(exc),
                now,
                first_wait=min(RETRY_FIRST_WAIT, limit),
                give_up_after=limit,
            )
        if now - pending.first_failed >= limit:
            log.warning(
                "article page given up source_id=%s url=%s tries=%d: stored from the feed",
                src.id,
                entry.url,
                pending.attempts,
            )
            return "given up"
        log.info(
            "article page to try again source_id=%s url=%s tries=%d next=%s",
            src.id,
            entry.url,
            pending.attempts,
            pending.next_try.isoformat(timespec="seconds"),
        )
        return "deferred"


async def refresh_due(
    engine: Engine,
    settings: Settings,
    ingestor: Ingestor | None = None,
    *,
    now: datetime | None = None,
) -> list[RefreshResult]:
    """Poll every due source once with a poller of its own."""
    async with Poller(engine, settings, ingestor=ingestor) as poller:
        return await poller.refresh_due(now)


#: Articles committed together during an import: a crash loses at most one uncommitted batch,
#: and a rerun skips what was committed (the canonical URL is unique).
IMPORT_BATCH = 200


def _source_lookup(engine: Engine) -> dict[str, Source]:
    with engine.connect() as conn:
        found: dict[str, Source] = {}
        for src in store_sources.list_sources(conn):
            for key in (src.name, src.url, src.html_url):
                if key:
                    found.setdefault(key.strip().lower().rstrip("/"), src)
        return found


def article_from_record(
    rec: Record, sources_by_key: dict[str, Source]
) -> tuple[Article, list[str]]:
    """An Article from an archive record, extracting its HTML when it has no text (a record
    with neither is a headline alone)."""
    page_types: list[str] = []
    if (rec.text and rec.text.strip()) or not rec.html:  # text, or a headline alone
        art = Article(
            url=rec.url, title=rec.title or "", text=rec.text or "", published=rec.published
        )
    else:
        ex = extract(rec.html or b"", rec.url, charset=rec.charset)
        art = article_from_page(ex, None, None)
        art.title = rec.title or art.title
        art.published = rec.published or art.published
        page_types = ex.page_types
    src = None
    for key in (rec.source_url, rec.source):
        if key and key.strip().lower().rstrip("/") in sources_by_key:
            src = sources_by_key[key.strip().lower().rstrip("/")]
            break
    art.source_id = src.id if src else None
    # the outlet: as given, else a known source's name, else the name the page gives (its
    # og:site_name, ...), else the site's host, so two sites always count as two outlets
    art.source_name = (
        rec.source or (src.name if src else None) or art.site_name or _site(art.url) or None
    )
    art.author = rec.author or art.author
    art.language = rec.language or art.language or (src.language if src else None)
    art.external_id = rec.external_id
    art.fetched = rec.fetched
    return art, page_types


#: The reason for an HTML page (a WARC record, a line's ``html``) the extractor finds no text in.
NO_TEXT_IN_HTML = "no article text in html"
#: The warning for an ``id`` that an article stored earlier (this import or before) already
#: has, on another URL: both are kept, and both exports give the id.
REPEATED_ID = "id already given to another article (both kept)"
#: The warning for a line whose URL is stored under another id: the stored one is kept.
OTHER_ID = "URL already stored under another id (that id is kept)"
#: The warning for an article imported with no date (none given, none in its HTML) and no
#: ``fetched`` time: it is placed, and counts in its story, at the time of the import.
UNDATED = "no published date: placed and counted at the time of import"


def _not_stored(exc: Exception) -> str:
    """The reason for a record the database refused, for the import summary (one line)."""
    detail = " ".join(str(exc).split())[:160]
    return f"could not be stored ({type(exc).__name__}: {detail})"


def import_file(
    engine: Engine,
    settings: Settings,
    path: Path,
    *,
    ingestor: Ingestor | None = None,
    on_record=None,
) -> Tally:
    """Import a JSON Lines or WARC file. Bad records are counted with their reason, not fatal."""
    ingestor = ingestor or Ingestor(engine, settings)
    reader = read_warc if is_warc(path) else read_jsonl
    lookup = _source_lookup(engine)
    tally = Tally()
    batch: list[tuple[Record, Article, list[str]]] = []
    dropped_date = {UNREADABLE_DATE, future_date_warning(settings)}  # these say it is undated

    def reject(where: str | None, reason: str, **facts) -> None:
        extra = "".join(f" {k}=%s" for k in facts)
        log.warning(
            "import record rejected where=%s reason=%s" + extra, where, reason, *facts.values()
        )
        tally.add(Outcome("rejected", reason=reason), where)

    def warn(where: str | None, warning: str, **facts) -> None:
        extra = "".join(f" {k}=%s" for k in facts)
        log.warning(
            "import record warning where=%s warning=%s" + extra, where, warning, *facts.values()
        )
        tally.warn(warning, where)

    def store(items: list[tuple[Record, Article, list[str]]]) -> list[Callable[[], None]]:
        """Store ``items`` in one transaction; what to count and say once it is committed."""
        said: list[Callable[[], None]] = []
        with transaction(engine) as conn:
            for rec, art, page_types in items:
                outcome = ingestor.add(conn, art, page_types=page_types, declared_kind=rec.kind)
                if outcome.status == "rejected":
                    said.append(
                        partial(reject, rec.where, outcome.reason or "unknown", url=rec.url)
                    )
                    continue
                said.append(partial(tally.add, outcome, rec.where))
                if outcome.status == "known" and art.external_id is not None:
                    stored = store_articles.article_by_url(conn, art.url)
                    if stored is not None and stored.external_id not in (None, art.external_id):
                        said.append(
                            partial(
                                warn,
                                rec.where,
                                OTHER_ID,
                                id=art.external_id,
                                stored_id=stored.external_id,
                            )
                        )
                for warning in outcome.warnings:
                    said.append(partial(warn, rec.where, warning, url=art.url))
                undated = {*rec.warnings, *outcome.warnings} & dropped_date  # said already
                if outcome.status in ("new", "duplicate") and not (art.published or rec.fetched):
                    if not undated:
                        said.append(partial(warn, rec.where, UNDATED, url=art.url))
                if outcome.status in ("new", "duplicate") and art.external_id is not None:
                    other = store_articles.url_with_external_id(
                        conn, art.external_id, outcome.article_id
                    )
                    if other is not None:
                        said.append(
                            partial(
                                warn, rec.where, REPEATED_ID, id=art.external_id, other_url=other
                            )
                        )
        return said

    def flush() -> None:
        try:
            said = store(batch)
        except Exception as exc:  # noqa: BLE001 - one record must not take the others with it
            log.warning("import batch not stored, storing its records one by one error=%r", exc)
            ingestor.reload()  # the rolled-back articles are not there to be copies of
            said = []
            for item in batch:
                try:
                    said += store([item])
                except Exception as exc:  # noqa: BLE001 - said, with the line, and skipped
                    ingestor.reload()
                    log.debug("import record not stored", exc_info=True)
                    rec = item[0]
                    said.append(partial(reject, rec.where, _not_stored(exc), url=rec.url))
        for say in said:
            say()
        batch.clear()

    for rec in reader(path):
        if isinstance(rec, BadRecord):
            reject(rec.where, rec.reason)
        else:
            for warning in rec.warnings:
                warn(rec.where, warning)
            try:
                art, page_types = article_from_record(rec, lookup)
            except ExtractError as exc:
                reject(rec.where, NO_TEXT_IN_HTML, url=rec.url, detail=exc)
            else:
                batch.append((rec, art, page_types))
                if len(batch) >= IMPORT_BATCH:
                    flush()
        if on_record:
            on_record(tally)
    if batch:
        flush()
    return tally


# --- sources ------------------------------------------------------------------------------


def add_source(engine: Engine, src: Source) -> tuple[Source, bool]:
    """Add (or update) one source after checking its URL."""
    check_source_url(src.url)
    src.url = src.url.strip()
    with transaction(engine) as conn:
        return store_sources.upsert_source(conn, src)


def name_from_feed(engine: Engine, src: Source, title: str | None) -> bool:
    """A source added without a name (it goes by its URL) takes its feed's title (at ``sources
    add``, else at its first poll, before its articles are stored under it); a name someone
    gave is kept. Returns whether it was named."""
    title = " ".join((title or "").split())[:200]
    if src.name != src.url or not title:
        return False
    with transaction(engine) as conn:
        named = store_sources.name_from_feed(conn, src.id, src.url, title)
    if named:
        log.info("source named from its feed source_id=%s name=%s", src.id, title)
        src.name = title
    return named


def check_source_url(url: str) -> None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"sources: {url!r} is not an http(s) feed URL")


async def read_feed(settings: Settings, url: str) -> tuple[str | None, int]:
    """Read a feed once, as a poll would (robots.txt, size caps, private addresses refused):
    its title and how many items it lists (a sitemap index: its sitemaps). Stores nothing.

    Raises:
        FetchError, FeedError: what a poll of it would record (not found, not a feed, ...).
    """
    check_source_url(url)
    async with Fetcher(settings) as fetcher:
        resp = await fetcher.fetch(url.strip())
    try:
        feed = parse_feed(
            resp.url, resp.content, resp.content_type, max_future_hours=settings.max_future_hours
        )
    except SitemapIndexError as index:
        return None, len(index.sitemaps)
    return feed.title, len(feed.entries)


def import_sources(engine: Engine, opml: bytes) -> tuple[int, int]:
    """Add every feed of an OPML document. Returns (added, already known)."""
    new = known = 0
    with transaction(engine) as conn:
        for src in read_opml(opml):
            _, created = store_sources.upsert_source(conn, src)
            new, known = new + created, known + (not created)
    return new, known


async def poll_once(
    engine: Engine, settings: Settings, *, force: bool = False
) -> list[RefreshResult]:
    """Poll the due sources (every source with ``force``) once."""
    now = datetime.now(UTC) + (timedelta(days=36500) if force else timedelta(0))
    return await refresh_due(engine, settings, now=now)


async def run_forever(
    engine: Engine,
    settings: Settings,
    *,
    once: bool = False,
    report=None,
    progress=None,
    stop: asyncio.Event | None = None,
):
    """Poll due sources, cluster what arrived and write changed pages, until ``stop`` is set.

    ``report(results, clustered, written)`` is called after each round, ``progress(result,
    done, total)`` as each source's poll ends.

    Pages are rewritten only for stories quiet for ``write_debounce_seconds`` (all of them
    with ``once``), so a story receiving a burst of articles is written once, after it.

    On ``stop`` the stage in progress winds down: clustering and writing end after the batch
    or page in hand; polls in flight get ``shutdown_grace`` seconds, then are cancelled. What
    was committed stays, and a cancelled poll is simply repeated at the next start (its
    articles already stored are recognised by URL), so stopping never loses or doubles work.
    """
    stop = stop or asyncio.Event()
    clusterer: Clusterer | None = None
    published: datetime | None = None  # when the stories last published were looked at
    async with Poller(engine, settings) as poller:
        while not stop.is_set():
            results = await _until_stopped(
                poller.refresh_due(on_result=progress), stop, settings.shutdown_grace
            )
            clusterer = clusterer or Clusterer(engine, settings)
            clustered = await asyncio.to_thread(clusterer.run, stop=stop.is_set)
            debounce = 0.0 if once else settings.write_debounce_seconds
            written = await asyncio.to_thread(
                write_pending, engine, settings, debounce=debounce, stop=stop.is_set
            )
            # the first round looks at every story; later ones at those changed since the
            # round before began (a minute's margin for other processes' clocks)
            began = datetime.now(UTC) - timedelta(seconds=60)
            kept = await asyncio.to_thread(
                publish_pending, engine, settings, since=published, stop=stop.is_set
            )
            # (a recluster under way: its stories are looked at once it is done)
            published = began if not (stop.is_set() or kept.waiting) else published
            if report:
                report(results or [], clustered, written)
            if once or stop.is_set():
                return
            with engine.connect() as conn:  # wake for the next poll or the next page due
                now = datetime.now(UTC)
                wait = store_sources.seconds_until_next_due(conn, now)
                page = store_pages.seconds_until_next_page(
                    conn, settings.min_outlets, settings.write_debounce_seconds, now
                )
            if page is not None:
                wait = min(wait, page)
            try:
                await asyncio.wait_for(stop.wait(), min(60.0, max(1.0, wait)))
            except TimeoutError:
                pass


async def _until_stopped(coro, stop: asyncio.Event, grace: float):
    """Run ``coro``; once ``stop`` is set give it ``grace`` seconds, then cancel it (-> None).

    Cancelled itself (a second signal), it cancels ``coro`` first and waits for it to unwind:
    left running, its fetches would fail as the poller's HTTP client closes under them, and a
    failed page falls back to the feed's text, which would then be stored for good.
    """
    task = asyncio.ensure_future(coro)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            log.info("stopping: waiting up to %.0fs for polls in flight", grace)
            done, _ = await asyncio.wait({task}, timeout=grace)
            if not done:
                log.warning("stopping: polls in flight cancelled; they run again at next start")
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                return None
        return task.result()
    except asyncio.CancelledError:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise
    finally:
        stopping.cancel()


# --- inspection and export ------------------------------------------------------------------


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def extracted_record(ex: Extracted, settings: Settings) -> dict:
    verdict = classify_mod.classify(
        url=ex.canonical_url or ex.url,
        title=ex.title,
        text=ex.text,
        page_types=ex.page_types,
        section=ex.section,
        threshold=settings.opinion_threshold,
    )
    return {
        "title": ex.title,
        "text": ex.text,
        "published": _iso(ex.published),
        "author": ex.author,
        "language": ex.language,
        "kind": verdict.kind,
        "kind_rule": verdict.rule,
        "paywalled": ex.paywalled,
        "canonical_url": ex.canonical_url,
    }


async def extract_inputs(settings: Settings, inputs: Iterable[str]) -> list[dict]:
    """Extract local HTML files (plain or .gz) or URLs; one record per input, errors included."""
    out: list[dict] = []
    fetcher: Fetcher | None = None
    try:
        for item in inputs:
            is_url = item.startswith(("http://", "https://"))
            record: dict = {"url" if is_url else "path": item}
            try:
                if is_url:
                    fetcher = fetcher or Fetcher(settings)
                    page = await fetcher.fetch(item)
                    ex = extract(page.content, page.url, charset=page.charset)
                else:
                    path = Path(item)
                    data = path.read_bytes()
                    if path.suffix == ".gz":
                        data = gzip.decompress(data)
                    ex = extract(data, path.resolve().as_uri())
                record.update(extracted_record(ex, settings))
            except (FetchError, ExtractError, OSError, EOFError) as exc:
                record["error"] = str(exc)
            out.append(record)
    finally:
        if fetcher:
            await fetcher.aclose()
    return out


def export_articles(conn) -> Iterable[dict]:
    """Every stored article as a plain dict (the ``export articles`` format)."""
    originals: dict[int, str | None] = {}
    for art in store_articles.iter_articles(conn):
        dup_url = None
        if art.duplicate_of is not None:
            if art.duplicate_of not in originals:
                orig = store_articles.article_by_id(conn, art.duplicate_of)
                originals[art.duplicate_of] = orig.url if orig else None
            dup_url = originals[art.duplicate_of]
        yield {
            "url": art.url,
            "id": art.external_id,
            "title": art.title,
            "text": art.text,
            "published": _iso(art.published),
            "source": art.source_name,
            "author": art.author,
            "language": art.language,
            "kind": art.kind,
            "kind_rule": art.kind_rule,
            "paywalled": art.paywalled,
            "section": art.section,
            "image": art.image,
            "duplicate_of": dup_url,
            "fetched": _iso(art.fetched),
        }


# --- clustering -----------------------------------------------------------------------------


@dataclass
class ClusterTally:
    articles: int = 0
    new_stories: int = 0
    joined: int = 0
    merges: int = 0
    changed: int | None = None  # after a recluster: stories whose articles are not what they were
    reset: int | None = None  # a recluster: the articles it took to place again
    #: after a recluster: the stories its articles are in (those it touched)
    stories: int | None = None
    took_up: bool = False  # a recluster that went on with one stopped before its end
    swept: bool = False  # this run finished a recluster (its sweep)
    #: it left the articles to a recluster running in another process (``recluster_running``)
    left_to_recluster: bool = False
    #: the story rows this run made (a recluster's sweep may give them back to older stories)
    made: list[int] = field(default_factory=list, repr=False)

    def settle(self, live: set[int]) -> None:
        """After the sweep (``live``: the live rows made since the recluster began): a row
        this run made that is not among them was no new story but an older story rebuilt
        (its own row, or one the sweep gave back to it): its articles joined that story."""
        kept = sum(story_id in live for story_id in self.made)
        self.joined += self.new_stories - kept
        self.new_stories = kept

    def summary(self) -> str:
        out = f"clustered {plural(self.articles, 'article')}"
        if self.left_to_recluster and not self.articles:
            return (
                "clustered no articles: a recluster is running in another process; it places "
                "them (the articles waiting now included)"
            )
        if self.reset is not None:
            out = "re" + out
        if self.reset is not None and self.articles < self.reset:
            out += (
                f" (of the {self.reset} to place again; other processes sharing the database "
                f"placed the other {self.reset - self.articles})"
            )
        if self.reset is not None and self.stories is not None:
            # (a story rebuilt keeps its row: "joined existing stories" would say little)
            out += (
                f": {plural(self.stories, 'story', 'stories')}, {self.new_stories} of them new, "
                f"{plural(self.merges, 'story', 'stories')} merged"
            )
        else:
            out += (
                f": {plural(self.new_stories, 'new story', 'new stories')}, "
                f"{self.joined} joined existing stories, "
                f"{plural(self.merges, 'story', 'stories')} merged"
            )
        if self.took_up:
            out += "; went on with a recluster that had stopped before it was done"
        if self.swept and self.reset is None:
            out += "; finished a recluster that had stopped before it was done"
        if self.left_to_recluster:
            out += "; a recluster running in another process places the rest"
        if self.changed:
            out += (
                f"; {plural(self.changed, 'story has', 'stories have')} other articles than "
                "before: `newsloom write` writes their pages again"
            )
        elif self.changed == 0:
            out += "; every story has the articles it had"
        return out


def _vector(row, embedder) -> np.ndarray | None:
    """The stored vector, if this embedder made it (NULL model: stored before that was kept,
    trusted when the dimension matches)."""
    if row.vector is None or row.vector_model not in (None, embedder.name):
        return None
    vec = np.frombuffer(row.vector, dtype=np.float32)
    return vec if vec.shape[0] == embedder.dim else None


def embed_rows(conn, embedder, rows) -> dict[int, np.ndarray]:
    """Embed these articles (rows with id, title, text) and save their vectors (in ``conn``)."""
    vectors = embedder.encode([article_text(r.title, r.text) for r in rows])
    out = {}
    for row, vec in zip(rows, vectors, strict=True):
        out[row.id] = vec
        store_stories.save_vector(conn, row.id, vec.astype(np.float32).tobytes(), embedder.name)
    return out


def embed_pending(engine: Engine, embedder, source_id: int | None = None, batch: int = 256) -> int:
    """Embed and store the vectors of articles waiting for a story (of one source).

    Workers call it after each poll, so embedding, the costly part of clustering, runs in
    parallel on every worker while story assignment itself has one owner at a time.
    """
    done = 0
    while True:
        with engine.connect() as conn:
            rows = store_stories.unembedded(conn, source_id, batch)
        if not rows:
            return done
        with transaction(engine) as conn:
            embed_rows(conn, embedder, rows)
        done += len(rows)


#: Bumped by every committed clustering batch (and by a reset): see ``Clusterer.run``.
CLUSTER_VERSION = "cluster_version"
# a recluster's marks in the meta table (kept there: ``newsloom status`` reads them too)
STORIES_TO_SWEEP = store_meta.STORIES_TO_SWEEP
RECLUSTER_ROWS_FROM = store_meta.RECLUSTER_ROWS_FROM
RECLUSTER_ARTICLES_TO = store_meta.RECLUSTER_ARTICLES_TO


#: The assigner's keys in its reasons: "merged story 12 into story 3", "duplicate of article 7".
_STORY_KEY = re.compile(r"\bstory (\d+)\b")
_ORIGINAL_KEY = re.compile(r"\bduplicate of article (\d+)\b")

#: How far behind the newest article (a share of the window) an article may arrive and still be
#: placed in the live window without a look at the stories of its own time: a story that left
#: the window since was more than (1 - LATE) of a window before the article, where the time
#: penalty alone is about the whole bar.
LATE = 0.25


class Clusterer:
    """The embed -> cluster stages: every unassigned article joins a story or starts one.

    The assigner's state covers the live time window only; it is rebuilt from the database
    when the clusterer starts (and after any failed batch), so a crash loses nothing. An
    article older than that window is placed with the stories of its own time, rebuilt for it
    (``_ready_for``).
    """

    def __init__(self, engine: Engine, settings: Settings, *, embedder=None, params=None):
        self.engine = engine
        self.settings = settings
        self.embedder = embedder or make_embedder(settings.embedder, settings.embed_threads)
        self.params = params or ClusterParams(window_hours=settings.cluster_window_hours)
        self.assigner: StoryAssigner | None = None
        self.rows: dict[int, int] = {}  # assigner story key -> stories.id
        self.version = -1  # the database's cluster_version this state reflects
        self.around: datetime | None = None  # set while the state is a backfill's, not live

    def _item(self, row, vector: np.ndarray) -> Item:
        return Item(
            id=row.id,
            time=row.published or row.fetched,
            title=row.title or "",
            text=row.text or "",
            vector=vector,
            source=row.source,
            language=row.language,
            duplicate_of=row.duplicate_of,
            kind=row.kind,
        )

    def _embed(self, conn, rows) -> dict[int, np.ndarray]:
        """Vectors for these rows: stored ones, and new ones embedded and saved."""
        out = {}
        missing = []
        for row in rows:
            vec = _vector(row, self.embedder)
            if vec is None:
                missing.append(row)
            else:
                out[row.id] = vec
        if missing:
            out.update(embed_rows(conn, self.embedder, missing))
        return out

    def _restore(self, conn, around: datetime | None = None, live: datetime | None = None) -> None:
        """Rebuild the assigner's state from the database (in ``conn``): the live window (the
        stories of the last ``window_hours`` before the newest assigned article, ``live`` when
        the caller has just read it), or, for an article older than that window (``around``:
        its time), the stories with articles within ``window_hours`` either side of it."""
        self.assigner = StoryAssigner(self.params)
        self.rows = {}
        self.around = around
        window = timedelta(hours=self.params.window_hours)
        if around is None:
            newest = live or store_stories.newest_assigned_time(conn)
            if newest is None:
                return
            rows = store_stories.live_story_articles(conn, newest - window)
        else:
            rows = store_stories.assigned_between(conn, around - window, around + window)
        vectors = self._embed(conn, rows)
        heads = store_stories.story_heads(conn, sorted({r.story_id for r in rows}))
        by_story: dict[int, list[Item]] = {}
        for row in rows:
            by_story.setdefault(row.story_id, []).append(self._item(row, vectors[row.id]))
        for story_id, items in sorted(by_story.items(), key=lambda kv: heads[kv[0]][0]):
            key, first = heads[story_id]
            # live, a story's first article is among its items; around an old article it may
            # not be, and the stored time tells which story is older when two merge
            self.assigner.restore(key, items, first if around is not None else None)
            self.rows[key] = story_id
        if around is not None:
            self.assigner.rewind(around)
        log.info(
            "cluster state restored stories=%d articles=%d%s",
            len(by_story),
            len(rows),
            f" around={around.isoformat()}" if around is not None else "",
        )

    def _ready_for(self, conn, when: datetime) -> None:
        """Make the state fit an article of time ``when`` (articles come in time order).

        An article older than the live window (a backfilled archive, a new source's older
        items) would otherwise expire at once and stand alone: it is placed among the stories
        of its own time instead, and the live window comes back for the first article that
        belongs to it. So is an article inside the window but more than :data:`LATE` of it
        behind the newest, when a story that was live at its time has left the window since
        (a feed that lists a report two days late, a file imported after a newer one): the
        window, counted from the newest article, no longer holds that story."""
        window = timedelta(hours=self.params.window_hours)
        if self.around is not None:
            if self.around <= when <= self.around + window / 2:
                return
        else:
            newest = self.assigner.newest()
            if newest is None or when >= newest - window * LATE:
                return
            if when >= newest - window and not store_stories.ended_between(
                conn, when - window, newest - window
            ):
                return
        live = store_stories.newest_assigned_time(conn)
        if (
            live is not None
            and when >= live - window
            and (
                when >= live - window * LATE
                or not store_stories.ended_between(conn, when - window, live - window)
            )
        ):
            self._restore(conn, live=live)
        else:
            self._restore(conn, around=when)

    def run(
        self, batch: int = 256, on_batch=None, stop=None, *, recluster: bool = False
    ) -> ClusterTally:
        """Assign every unassigned article, in (time, id) order, committing each batch.

        Each batch holds the database's ``cluster`` lock, so processes sharing a database take
        turns; a process whose state is older than the last batch committed (by anyone) first
        rebuilds it. While a recluster runs in another process (``recluster_running``) the
        articles are left to it; one that was stopped before its end is finished here, this
        process holding its lock meanwhile (``recluster``: this run is the recluster's own).
        ``stop`` (a callable) ends the run between batches.
        """
        with contextlib.ExitStack() as finishing:
            if recluster:
                return self._run(batch, on_batch, stop, True)
            taken = self._take_up(finishing)
            return self._run(batch, on_batch, stop, taken, finishing=bool(taken))

    def _take_up(self, finishing: contextlib.ExitStack) -> bool | None:
        """A recluster under way that no process runs is this run's to finish: it holds the
        recluster's lock (in ``finishing``) and says so (True); None when one runs elsewhere
        (its articles are left to it); False when none is under way. Asked before taking the
        ``cluster`` lock, which a recluster's batch holds for seconds."""
        with self.engine.connect() as conn:
            if not recluster_under_way(conn):
                return False
        running = store_meta.hold(self.engine, store_meta.RECLUSTER_RUNNING)
        return True if finishing.enter_context(running) else None

    def _run(
        self, batch, on_batch, stop, recluster: bool | None, *, finishing: bool = False
    ) -> ClusterTally:
        """``finishing``: this run took up a recluster another process stopped, so it counts
        the stories that recluster changed (its own process would have)."""
        tally = ClusterTally()
        if recluster is None:
            tally.left_to_recluster = True
            return tally
        while not (stop and stop()):
            try:
                with transaction(self.engine) as conn:
                    store_meta.exclusive(conn, "cluster")
                    if not recluster and store_stories.recluster_running(conn):
                        tally.left_to_recluster = True
                        return tally
                    version = store_meta.get_int(conn, CLUSTER_VERSION)
                    if self.assigner is None or version != self.version:
                        self._restore(conn)
                    rows = store_stories.unassigned(conn, batch)
                    if not rows:
                        if recluster_under_way(conn):
                            # a recluster's leftovers (even one that crashed)
                            new_from = store_meta.get_int(conn, RECLUSTER_ROWS_FROM) or None
                            upto = store_meta.get_int(conn, RECLUSTER_ARTICLES_TO) or None
                            if finishing:
                                since = store_stories.reclustered_since(conn)
                                before = store_stories.memberships(conn, since, upto)
                            store_stories.sweep(conn, new_from, upto)
                            tally.swept = True
                            if finishing:
                                tally.changed, _ = store_stories.changed_stories(
                                    conn, before, since
                                )
                            if new_from:
                                tally.settle(store_stories.live_from(conn, new_from))
                            for key in (RECLUSTER_ROWS_FROM, RECLUSTER_ARTICLES_TO):
                                store_meta.put_int(conn, key, 0)
                            store_meta.put_int(conn, STORIES_TO_SWEEP, 0)
                            # the sweep may hand a story's articles to another row: rebuild
                            version = store_meta.bump(conn, CLUSTER_VERSION)
                            self.assigner = None
                        self.version = version
                        return tally
                    self._assign_batch(conn, rows, tally)
                    self.version = store_meta.bump(conn, CLUSTER_VERSION)
            except Exception:
                self.assigner = None  # memory may be ahead of the database: rebuild
                raise
            if on_batch:
                on_batch(tally)
        return tally

    def _public(self, conn, reason: str) -> str:
        """The assigner's reason with its keys as a reader can follow them: a story by its
        public id (as in ``/t/<id>``), a syndicated copy's original by its URL."""
        keys = {int(k) for k in _STORY_KEY.findall(reason)} & self.rows.keys()
        if keys:
            ids = store_stories.short_ids(conn, {self.rows[k] for k in keys})
            reason = _STORY_KEY.sub(
                lambda m: f"story {ids.get(self.rows.get(int(m[1]), -1), m[1])}", reason
            )
        dup = _ORIGINAL_KEY.search(reason)
        if dup:
            original = store_articles.article_by_id(conn, int(dup[1]))
            if original is not None:
                reason = (
                    reason[: dup.start()] + f"duplicate of {original.url}" + reason[dup.end() :]
                )
        return reason

    @CLUSTER_BATCH_SECONDS.time()
    def _assign_batch(self, conn, rows, tally: ClusterTally) -> None:
        vectors = self._embed(conn, rows)
        touched: set[int] = set()
        for row in rows:
            self._ready_for(conn, row.published or row.fetched)
            decision = self.assigner.add(self._item(row, vectors[row.id]))
            if decision.new_story:
                self.rows[decision.story] = store_stories.create_story(
                    conn, decision.story, row.url, row.published or row.fetched
                )
                tally.made.append(self.rows[decision.story])
                tally.new_stories += 1
            else:
                tally.joined += 1
            story_id = self.rows[decision.story]
            store_stories.assign(conn, row.id, story_id, self._public(conn, decision.reason))
            touched.add(story_id)
            for absorbed, survivor in decision.merged:
                gone, kept = self.rows.pop(absorbed), self.rows[survivor]
                store_stories.merge(conn, gone, kept)
                touched.discard(gone)
                touched.add(kept)
                tally.merges += 1
                ids = store_stories.short_ids(conn, {gone, kept})
                log.info("stories merged absorbed=%s survivor=%s", ids[gone], ids[kept])
            tally.articles += 1
        store_stories.refresh_counts(conn, touched)


def recluster(
    engine: Engine,
    settings: Settings,
    since: datetime | None = None,
    *,
    on_reset=None,
    on_batch=None,
    batch: int = 256,
    **kw,
) -> ClusterTally:
    """Forget assignments (from ``since`` on) and cluster again: same input, same stories.

    A story rebuilt with the articles it had keeps its row, its page and its ``updated``
    time; once every article is placed again, a story left without articles redirects to
    the story that took most of them (``store.stories.sweep``), or is deleted if none did.
    ``on_reset(n)`` is told how many articles are to be placed again. A recluster stopped
    before it finished (killed, a crash) is taken up where it was: its articles count in the
    stories they had before it, so ids, pages and the summary are those of one whole run.
    While it runs its process holds ``RECLUSTER_RUNNING`` (``store.stories.recluster_running``):
    other processes leave its articles to it, and a second recluster is refused.

    Raises:
        InputError: a recluster is running in another process.
    """
    # made before anything is reset: an embedder that cannot be made (a model directory not
    # there) is an error that leaves every story as it was
    clusterer = Clusterer(engine, settings, **kw)
    with store_meta.hold(engine, store_meta.RECLUSTER_RUNNING) as mine:
        if not mine:
            raise InputError(
                "a recluster is running in another process: let it finish, or stop it and "
                "run `newsloom recluster` again"
            )
        with transaction(engine) as conn:
            store_meta.exclusive(conn, "cluster")
            before = store_stories.memberships(conn, since)
            store_stories.reset(conn, since)
            count = store_stories.unassigned_count(conn)
            # rows from this id on are made by a recluster (see store.stories.sweep): this
            # one's, or from the first row of one stopped before it could sweep
            stopped = store_meta.get_int(conn, STORIES_TO_SWEEP)
            new_from = stopped and store_meta.get_int(conn, RECLUSTER_ROWS_FROM)
            store_meta.put_int(conn, RECLUSTER_ROWS_FROM, new_from or store_stories.next_id(conn))
            upto = stopped and store_meta.get_int(conn, RECLUSTER_ARTICLES_TO)
            newest = upto or store_articles.newest_id(conn)
            store_meta.put_int(conn, RECLUSTER_ARTICLES_TO, newest)
            store_meta.put_int(conn, STORIES_TO_SWEEP, 1)
            store_meta.bump(conn, CLUSTER_VERSION)
        if on_reset:
            on_reset(count)
        tally = clusterer.run(batch=batch, on_batch=on_batch, recluster=True)
    tally.reset = count
    tally.took_up = bool(stopped)
    with transaction(engine) as conn:
        store_meta.exclusive(conn, "cluster")
        tally.changed, tally.stories = store_stories.changed_stories(conn, before, since)
    return tally


def export_stories(conn, settings: Settings) -> Iterable[dict]:
    """Every live story with its articles and its newest page (the ``export stories`` format).

    The page's fields sit beside the story's; the page's own status and revision are
    ``page_status`` and ``page_revision`` (``status`` is the story's: developing/settled).
    """
    now = datetime.now(UTC)
    for story in store_stories.iter_stories(conn):
        row = {
            "id": story.short_id,
            "first_seen": _iso(story.first_seen),
            "updated": _iso(story.updated),
            "last_article": _iso(story.last_article),
            "status": story_status(story.last_article, now, settings.story_settle_hours),
            "article_count": story.article_count,
            "outlet_count": story.outlet_count,
            "country_count": story.country_count,
            "merged_ids": store_stories.merged_aliases(conn, story.id),
            "articles": [
                {
                    "url": a.url,
                    "id": a.external_id,
                    "title": a.title,
                    "source": a.source,
                    "kind": a.kind,
                    "language": a.language,
                    "published": _iso(a.published),
                    "duplicate_of": a.duplicate_of,
                    "reason": a.reason,
                }
                for a in store_stories.story_articles(conn, story.id)
            ],
            "page_status": None,
            "page_revision": None,
        }
        page = store_pages.latest_page(conn, story.id)
        if page is not None:
            page = dict(page)
            row["page_status"] = page.pop("status", None)
            row["page_revision"] = page.pop("revision", None)
            for key, value in page.items():
                row.setdefault(key, value)
        yield row


# --- writing --------------------------------------------------------------------------------

#: Page fields that change on every write and so do not count as a change of the page.
VOLATILE_PAGE_FIELDS = ("writer", "changes", "revision")


def page_digest(page: dict) -> str:
    stable = {k: v for k, v in page.items() if k not in VOLATILE_PAGE_FIELDS}
    return hashlib.sha1(json.dumps(stable, sort_keys=True).encode("utf-8")).hexdigest()


def source_articles(rows) -> list[SourceArticle]:
    return [
        SourceArticle(
            url=r.url,
            title=r.title or "",
            text=r.text or "",
            source=r.source,
            published=r.published,
            author=r.author,
            kind=r.kind,
            language=r.language,
            country=r.country,
            lean=r.lean,
            paywalled=bool(r.paywalled),
            duplicate_of=r.duplicate_of,
        )
        for r in rows
    ]


@dataclass
class WriteTally:
    written: int = 0
    unchanged: int = 0
    not_enough: int = 0
    waiting: bool = False  # a recluster is under way: pages wait until it is done

    def summary(self) -> str:
        if self.waiting:
            return f"wrote no story pages: {RECLUSTER_WAIT}"
        return (
            f"wrote {self.written} story pages ({self.not_enough} marked not enough material), "
            f"{self.unchanged} unchanged"
        )


@timed_write
def write_story(engine: Engine, settings: Settings, story_id: int, *, force: bool = False) -> str:
    """Write (or refresh) one story's page. Returns "written", "unchanged" or "not_enough",
    or "waiting" while a recluster is under way (``recluster_under_way``), forced or not."""
    now = datetime.now(UTC)
    with transaction(engine) as conn:
        if recluster_under_way(conn):
            return "waiting"
        rows = store_pages.page_articles(conn, story_id)
        digest = store_pages.articles_hash([r.url for r in rows])
        latest = store_pages.latest_row(conn, story_id)
        if latest is not None and latest.articles_hash == digest and not force:
            store_pages.mark_checked(conn, story_id, latest.revision, now)
            return "unchanged"
        previous = json.loads(latest.page) if latest is not None else None
        page = write_page(
            source_articles(rows), previous=previous, now=now, writer=writer_for(settings)
        )
        content = page_digest(page)
        if latest is not None and latest.content_hash == content and not force:
            store_pages.mark_checked(conn, story_id, latest.revision, now)
            return "unchanged"
        store_pages.save_page(
            conn, story_id, page, written_at=now, articles_digest=digest, content_digest=content
        )
        public_id = store_stories.short_ids(conn, {story_id}).get(story_id, story_id)
    log.info("story page written story=%s status=%s", public_id, page.get("status"))
    return "written" if page.get("status") == "complete" else "not_enough"


def write_pending(
    engine: Engine,
    settings: Settings,
    *,
    debounce: float = 0.0,
    force: bool = False,
    stop=None,
) -> WriteTally:
    """Write pages for stories with at least ``min_outlets`` outlets that changed since.

    ``stop`` (a callable) ends the run between two pages.
    """
    quiet_before = datetime.now(UTC) - timedelta(seconds=debounce)
    with engine.connect() as conn:
        if recluster_under_way(conn):
            return WriteTally(waiting=True)
        todo = store_pages.stories_needing_pages(conn, settings.min_outlets, quiet_before)
    tally = WriteTally()
    for story_id in todo:
        if stop and stop():
            break
        outcome = write_story(engine, settings, story_id, force=force)
        if outcome == "waiting":  # a recluster began meanwhile
            tally.waiting = True
            break
        if outcome == "written":
            tally.written += 1
        elif outcome == "not_enough":
            tally.not_enough += 1
        else:
            tally.unchanged += 1
    return tally


def publish_pending(
    engine: Engine, settings: Settings, *, since: datetime | None = None, stop=None
):
    """Render the site's pages of stories changed since they were last rendered (the
    publish stage, ``web.publish``), so a reader's first request for them reads one row.
    ``since``: only look at stories changed from then on."""
    from .web.publish import publish  # the web stack, loaded only by what serves or publishes

    tally = publish(engine, since=since, stop=stop, settle_hours=settings.story_settle_hours)
    if tally.rendered:
        log.info("%s", tally.summary())
    return tally


def summarize_file(path: Path, settings: Settings | None = None) -> list[dict]:
    """Pages for hand-picked articles (the import format, grouped by an optional ``story``).

    Nothing is stored: this is the tool for writing a page from a chosen set of articles.
    """
    groups: dict[str, list[SourceArticle]] = {}
    for rec in read_jsonl(path, keep=("story", "country", "lean")):
        if isinstance(rec, BadRecord):
            log.warning("summarize record skipped where=%s reason=%s", rec.where, rec.reason)
            continue
        text = rec.text
        title = rec.title or ""
        if not text:
            try:
                ex = extract(rec.html or b"", rec.url, charset=rec.charset)
            except ExtractError as exc:
                log.warning("summarize record skipped url=%s reason=%s", rec.url, exc)
                continue
            text, title = ex.text or "", title or ex.title or ""
        extra = rec.extra or {}
        groups.setdefault(str(extra.get("story") or ""), []).append(
            SourceArticle(
                url=rec.url,
                title=title,
                text=text or "",
                source=rec.source,
                published=rec.published,
                author=rec.author,
                kind=rec.kind or "news",
                language=rec.language,
                country=extra.get("country"),
                lean=extra.get("lean"),
            )
        )
    pages = []
    writer = writer_for(settings) if settings is not None else None
    for key, arts in groups.items():
        page = write_page(arts, writer=writer)
        page["input_story"] = key or None
        pages.append(page)
    return pages
