"""Domain records: plain dataclasses that every layer passes around.

Nothing here imports a framework; the store turns rows into these and back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

#: The kinds an article can have, see ``ingest.classify``.
KINDS = ("news", "opinion", "analysis", "other")
#: Hours without news after which a story is "settled" (``Settings.story_settle_hours``).
SETTLE_HOURS = 24.0
#: Publication dates before this are a zero written as a date (1970-01-01T00:00:00Z, the Unix
#: epoch, in any time zone), not when anything was published: feeds and imports treat them as
#: unknown.
EARLIEST = datetime(1970, 1, 2, tzinfo=UTC)


def story_status(last_article: datetime, now: datetime, settle_hours: float = SETTLE_HOURS) -> str:
    """``"developing"`` until ``settle_hours`` after the newest article, then ``"settled"``."""
    return "developing" if now < settles_at(last_article, settle_hours) else "settled"


def settles_at(last_article: datetime, settle_hours: float = SETTLE_HOURS) -> datetime:
    """When a story whose newest article is ``last_article`` becomes "settled"."""
    return last_article + timedelta(hours=settle_hours)


@dataclass
class Source:
    """An outlet's feed (RSS/Atom/JSON Feed) or news sitemap."""

    url: str
    name: str = ""
    html_url: str | None = None
    country: str | None = None
    language: str | None = None
    lean: str | None = None
    category: str | None = None
    id: int | None = None
    # fetch state, kept on the row (as Miniflux does)
    etag: str | None = None
    last_modified: str | None = None
    last_fetch: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    error_count: int = 0
    next_fetch: datetime | None = None
    poll_interval: float | None = None  # seconds, chosen from how often it publishes
    article_count: int = 0


@dataclass
class FeedEntry:
    """One item of a feed or news sitemap, before its page is fetched."""

    url: str
    title: str | None = None
    published: datetime | None = None
    summary: str | None = None
    author: str | None = None
    guid: str | None = None
    language: str | None = None
    #: when the feed says the item last changed (Atom ``updated``, JSON Feed
    #: ``date_modified``); None where it does not say (RSS)
    updated: datetime | None = None


def entry_version(entry: FeedEntry) -> str:
    """What identifies a version of a feed item: its title and the time the feed says it
    changed. Not its publication date: some feeds give every item a new one at each build."""
    updated = entry.updated.isoformat() if entry.updated else ""
    return hashlib.sha1(f"{entry.title or ''}\0{updated}".encode()).hexdigest()


@dataclass
class Extracted:
    """What extraction found in one HTML page (``ingest.extract``)."""

    url: str
    canonical_url: str | None = None
    title: str | None = None
    text: str | None = None
    author: str | None = None
    published: datetime | None = None
    language: str | None = None
    site_name: str | None = None
    image: str | None = None
    description: str | None = None
    # evidence for classification
    page_types: list[str] = field(default_factory=list)  # JSON-LD @type values, og:type
    section: str | None = None
    paywalled: bool = False


@dataclass
class Classification:
    kind: str  # one of KINDS
    rule: str  # the evidence that decided it, e.g. "jsonld:OpinionNewsArticle"
    score: float | None = None  # the text-cue score, when text cues were used


@dataclass
class Article:
    """A stored article. ``url`` is the canonical URL, the article's identity."""

    url: str
    title: str = ""
    text: str = ""
    published: datetime | None = None
    author: str | None = None
    language: str | None = None
    source_id: int | None = None
    source_name: str | None = None
    site_name: str | None = None
    image: str | None = None
    section: str | None = None
    kind: str = "news"
    kind_rule: str = "default"
    paywalled: bool = False
    external_id: str | None = None
    content_hash: str | None = None
    duplicate_of: int | None = None
    fetched: datetime | None = None
    #: the feed item it came from, as :func:`entry_version` gives it (a correction changes it)
    entry_version: str | None = None
    id: int | None = None
