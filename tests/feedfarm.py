"""A local "feed farm": many news outlets' RSS feeds and article pages on one loopback server.

For soak tests and benchmarks of ``newsloom run``. Outlets publish articles over time, several
outlets write (in their own words) about the same event, so the articles form real multi-outlet
stories; every published item is recorded with its event, so a test can check where each one
ended up.

In a test or a bench script::

    from feedfarm import FeedFarm

    with FeedFarm(feeds=200, period=5.0) as farm:    # serves on 127.0.0.1, a free port
        opml = farm.opml()                          # every feed, for `newsloom sources import`
        ...                                         # run newsloom against farm.feed_urls()
        farm.stop_publishing()                      # no new items; open events completed
        for item in farm.published():               # Published(url, feed, outlet, event, ...)
            ...

By hand (until Ctrl-C)::

    python tests/feedfarm.py --feeds 200 --port 8700 --opml farm.opml

What it serves (all on one host):

- ``/feed/<i>.xml``: outlet ``i``'s RSS 2.0 feed, its newest ``keep`` items (links carry
  ``utm_*`` parameters, as real feeds' do). ``ETag`` and ``Last-Modified``; a conditional GET
  whose validators still match gets 304.
- ``/a/<id>.html``: an article page: ``<title>``, Open Graph and ``article:*`` tags, JSON-LD
  ``NewsArticle`` (``OpinionNewsArticle`` for opinion pieces), ``rel=canonical``, a dated
  article body of a few paragraphs inside site navigation, related links and a footer. 404
  until the item is published.
- ``/o/<i>/``: the outlet's home page; ``/robots.txt``: allows everything.
- ``/farm/published.json`` (every item published so far), ``/farm/stats.json`` (requests
  served by kind), ``/farm/sources.opml`` (the feeds as OPML).

Publishing: the first items go out when the farm starts (after ``backlog`` ticks back-dated
``period`` apart, so feeds start with a history), then every ``period`` seconds ``per_tick``
outlets (a rotating subset, so each outlet publishes every ``feeds / per_tick`` ticks) publish
one item each. Each item is about one *open* event: an outlet takes the oldest open event it
has not yet covered, and an event takes at most ``per_event_tick`` items a tick, so coverage of
one event spreads over a few ticks, as real coverage does. An event closes after ``target``
outlets (drawn from ``targets``) covered it; when no open event is left for an outlet a new
one opens. The catalogue has ``events`` events (``farm_events``: one per topic up to 30; beyond
that, look-alike events of a topic already used, with other names and numbers, which make
clustering much harder); when every event has run, they come round again as follow-ups (new
articles about a known event: a developing story). A share
``opinion_share`` of items are opinion pieces about the event. Everything is deterministic
given ``seed`` (only the publication times come from the clock).

Faults, for fault tests: ``fail_feeds`` answer 500, ``slow_feeds`` wait ``slow_seconds`` before
answering; both can be changed while running with :meth:`FeedFarm.set_faults`.
"""

from __future__ import annotations

import argparse
import email.utils
import functools
import html
import json
import random
import re
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parent))

from farm_events import TOPICS, Event, Names, make_events, write_article  # noqa: E402

_PAPERS = (
    "Courier", "Herald", "Gazette", "Post", "Times", "Chronicle", "Observer", "Ledger",
    "Tribune", "Sentinel", "Express", "Mercury", "Star", "Journal", "Record", "Dispatch",
    "Examiner", "Argus", "Clarion", "Standard",
)  # fmt: skip
_COUNTRIES = ("GB", "US", "IE", "AU", "CA", "NZ", "ZA", "IN")


@dataclass(frozen=True)
class Outlet:
    index: int
    name: str
    country: str
    language: str = "en"


@dataclass(frozen=True)
class Published:
    """One item an outlet published: what a test checks against the database."""

    id: int
    url: str  # the article page's canonical URL (the feed's link adds utm_* parameters)
    feed: int  # outlet index
    outlet: str  # outlet name (the OPML title)
    event: int  # event id in the catalogue
    round: int  # how many times the catalogue had come round when it was published
    topic: str
    kind: str  # "news" or "opinion"
    title: str
    published: datetime

    def to_dict(self) -> dict:
        d = asdict(self)
        d["published"] = self.published.isoformat()
        return d


@dataclass
class _Open:
    """An event being covered in this round."""

    event: Event
    round: int
    target: int
    covered: list[int] = field(default_factory=list)  # outlets, in order
    this_tick: int = 0


def _http_date(dt: datetime) -> str:
    return email.utils.format_datetime(dt.astimezone(UTC), usegmt=True)


class FeedFarm:
    """The farm: a threaded HTTP server on 127.0.0.1 plus a publishing clock.

    Args:
        feeds: how many outlets (one feed each).
        period: seconds between two publishing ticks; ``None``: no clock (call
            :meth:`publish_tick` yourself).
        per_tick: outlets that publish at each tick (default: a tenth of the feeds, at least 1).
        events: size of the event catalogue.
        seed: makes names, events, wordings and the schedule reproducible.
        keep: items a feed lists (its newest).
        targets: (fewest, most) outlets that cover an event in one round.
        per_event_tick: most items one event gets in one tick.
        opinion_share: share of items that are opinion pieces.
        backlog: ticks published at start, dated ``period`` apart in the past, so that feeds
            have a history when they are first read (as real feeds do).
        fail_feeds, slow_feeds, slow_seconds: faults (see the module docstring).
        port: 0 for a free port.
    """

    def __init__(
        self,
        feeds: int = 200,
        *,
        period: float | None = 5.0,
        per_tick: int | None = None,
        events: int = len(TOPICS),
        seed: int = 1,
        keep: int = 20,
        targets: tuple[int, int] = (3, 8),
        per_event_tick: int = 2,
        opinion_share: float = 0.08,
        backlog: int = 0,
        fail_feeds=(),
        slow_feeds=(),
        slow_seconds: float = 2.0,
        port: int = 0,
    ):
        if feeds < 2:
            raise ValueError("feedfarm: a story needs at least two outlets")
        self.feeds = feeds
        self.period = period
        self.per_tick = per_tick or max(1, feeds // 10)
        self.seed = seed
        self.keep = keep
        self.targets = (max(2, targets[0]), min(feeds, max(targets)))
        self.per_event_tick = per_event_tick
        self.opinion_share = opinion_share
        self.backlog = backlog
        self.catalogue = make_events(events, seed)
        self.outlets = self._make_outlets(feeds, seed)
        self.fail_feeds = set(fail_feeds)
        self.slow_feeds = set(slow_feeds)
        self.slow_seconds = slow_seconds
        self._port = port
        self._rng = random.Random(f"feedfarm-schedule-{seed}")
        self._lock = threading.Lock()
        self._items: list[Published] = []
        self._feed_items: list[deque[Published]] = [deque(maxlen=keep) for _ in range(feeds)]
        self._feed_cache: dict[int, tuple[int, bytes]] = {}
        self._open: list[_Open] = []
        self._opened = 0  # events opened so far (over every round)
        self._tick = 0
        self._next_feed = 0  # rotation position
        self._stats: Counter[str] = Counter()
        self._started = datetime.now(UTC)
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop_clock = threading.Event()

    # --- set-up ---------------------------------------------------------------------------

    @staticmethod
    def _make_outlets(n: int, seed: int) -> list[Outlet]:
        names = Names(random.Random(f"feedfarm-outlets-{seed}"))
        return [
            Outlet(i, f"The {names.place()} {_PAPERS[i % len(_PAPERS)]}", _COUNTRIES[i % 8])
            for i in range(n)
        ]

    def start(self) -> FeedFarm:
        """Serve, publish the first tick, and start the clock."""
        handler = functools.partial(_Handler, farm=self)
        self._server = _Server(("127.0.0.1", self._port), handler)
        serve = threading.Thread(target=self._server.serve_forever, name="feedfarm-http")
        serve.daemon = True
        serve.start()
        self._threads.append(serve)
        self._started = datetime.now(UTC)
        step = timedelta(seconds=self.period or 5.0)
        for k in range(self.backlog, 0, -1):
            self.publish_tick(at=self._started - k * step)
        self.publish_tick()
        if self.period:
            clock = threading.Thread(target=self._clock, name="feedfarm-clock", daemon=True)
            clock.start()
            self._threads.append(clock)
        return self

    def close(self) -> None:
        """Stop the clock and the server."""
        self._stop_clock.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> FeedFarm:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _clock(self) -> None:
        t0 = time.monotonic()
        n = 1
        while not self._stop_clock.wait(max(0.0, t0 + n * self.period - time.monotonic())):
            self.publish_tick()
            n += 1

    # --- addresses ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._server is not None, "feedfarm: not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def feed_url(self, i: int) -> str:
        return f"{self.url}/feed/{i}.xml"

    def feed_urls(self) -> list[str]:
        return [self.feed_url(i) for i in range(self.feeds)]

    def article_url(self, item_id: int) -> str:
        return f"{self.url}/a/{item_id}.html"

    def opml(self) -> bytes:
        """Every feed as OPML, with newsloom's ``country`` and ``language`` attributes."""
        rows = "\n".join(
            f'    <outline type="rss" text={quoteattr(o.name)} title={quoteattr(o.name)} '
            f'xmlUrl="{self.feed_url(o.index)}" htmlUrl="{self.url}/o/{o.index}/" '
            f'country="{o.country}" language="{o.language}" category="news"/>'
            for o in self.outlets
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
            "  <head><title>feedfarm</title></head>\n  <body>\n"
            f"{rows}\n  </body>\n</opml>\n"
        ).encode()

    # --- publishing -----------------------------------------------------------------------

    def publish_tick(self, at: datetime | None = None) -> list[Published]:
        """One tick: the next ``per_tick`` outlets in the rotation publish one item each
        (dated ``at``, default now)."""
        at = at or datetime.now(UTC)
        with self._lock:
            for o in self._open:
                o.this_tick = 0
            out = []
            for _ in range(self.per_tick):
                feed = self._next_feed
                self._next_feed = (self._next_feed + 1) % self.feeds
                out.append(self._publish(feed, self._event_for(feed), at))
            self._tick += 1
            return out

    def stop_publishing(self, *, complete: bool = True) -> list[Published]:
        """Stop the clock. With ``complete``, every open event that fewer than two outlets
        covered gets items from more outlets, so every event published has >= 2 outlets.
        Returns the items published to complete them."""
        self._stop_clock.set()
        for t in self._threads:
            if t.name == "feedfarm-clock":
                t.join(timeout=10)
        out: list[Published] = []
        if not complete:
            return out
        with self._lock:
            for o in list(self._open):
                while len(set(o.covered)) < 2:
                    feed = self._next_feed
                    self._next_feed = (self._next_feed + 1) % self.feeds
                    if feed not in o.covered:
                        out.append(self._publish(feed, o, datetime.now(UTC)))
        return out

    def _event_for(self, feed: int) -> _Open:
        for o in self._open:
            if feed not in o.covered and o.this_tick < self.per_event_tick:
                return o
        busy = {o.event.id for o in self._open}
        for _ in range(len(self.catalogue)):
            event = self.catalogue[self._opened % len(self.catalogue)]
            rnd = self._opened // len(self.catalogue)
            self._opened += 1
            if event.id not in busy:
                o = _Open(event, rnd, self._rng.randint(*self.targets))
                self._open.append(o)
                return o
        return self._open[0]  # every event is open: a follow-up by an outlet already on it

    def _publish(self, feed: int, o: _Open, at: datetime) -> Published:
        item_id = len(self._items)
        rng = random.Random(f"feedfarm-item-{self.seed}-{item_id}")
        draw = rng.random()  # drawn for every item: _written() replays this rng
        # the first two items of an event are news, so every story has news to write from
        opinion = len(o.covered) >= 2 and draw < self.opinion_share
        written = write_article(o.event, rng, opinion=opinion)
        item = Published(
            id=item_id,
            url=self.article_url(item_id),
            feed=feed,
            outlet=self.outlets[feed].name,
            event=o.event.id,
            round=o.round,
            topic=o.event.topic.key,
            kind=written.kind,
            title=written.title,
            published=at,
        )
        self._items.append(item)
        self._feed_items[feed].appendleft(item)
        o.covered.append(feed)
        o.this_tick += 1
        if len(o.covered) >= o.target:
            self._open.remove(o)
        return item

    # --- reading --------------------------------------------------------------------------

    def published(self) -> list[Published]:
        """Every item published so far, in order."""
        with self._lock:
            return list(self._items)

    def stats(self) -> dict[str, int]:
        """Requests served, by kind (``feed_200``, ``feed_304``, ``article_200``, ...), and
        ``ticks`` and ``items``."""
        with self._lock:
            out = dict(self._stats)
            out.update(ticks=self._tick, items=len(self._items))
            return out

    def set_faults(self, *, fail_feeds=None, slow_feeds=None, slow_seconds=None) -> None:
        with self._lock:
            if fail_feeds is not None:
                self.fail_feeds = set(fail_feeds)
            if slow_feeds is not None:
                self.slow_feeds = set(slow_feeds)
            if slow_seconds is not None:
                self.slow_seconds = slow_seconds

    def _count(self, what: str, nbytes: int = 0) -> None:
        with self._lock:
            self._stats[what] += 1
            self._stats["bytes"] += nbytes

    # --- documents ------------------------------------------------------------------------

    def _feed_doc(self, feed: int) -> tuple[bytes, str, str] | None:
        """(body, etag, last-modified) of a feed now."""
        with self._lock:
            items = list(self._feed_items[feed])
            newest = items[0].id if items else -1
            cached = self._feed_cache.get(feed)
        outlet = self.outlets[feed]
        modified = items[0].published if items else self._started
        etag = f'"f{feed}-{newest}"'
        if cached is not None and cached[0] == newest:
            return cached[1], etag, _http_date(modified)
        entries = "\n".join(
            "    <item>\n"
            f"      <title>{escape(it.title)}</title>\n"
            f"      <link>{escape(it.url)}?utm_source=rss&amp;utm_medium=feed</link>\n"
            f'      <guid isPermaLink="false">feedfarm-{it.id}</guid>\n'
            f"      <pubDate>{email.utils.format_datetime(it.published)}</pubDate>\n"
            f"      <category>{escape(self._section(it))}</category>\n"
            f"      <description>{escape(self._written(it.id).paragraphs[0])}</description>\n"
            "    </item>"
            for it in items
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n  <channel>\n'
            f"    <title>{escape(outlet.name)}</title>\n"
            f"    <link>{self.url}/o/{feed}/</link>\n"
            f"    <description>News from {escape(outlet.name)}</description>\n"
            f"    <language>{outlet.language}</language>\n"
            f"{entries}\n  </channel>\n</rss>\n"
        ).encode()
        with self._lock:
            self._feed_cache[feed] = (newest, body)
        return body, etag, _http_date(modified)

    def _item(self, item_id: int) -> Published | None:
        with self._lock:
            return self._items[item_id] if 0 <= item_id < len(self._items) else None

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one farm per process, bounded
    def _written(self, item_id: int):
        item = self._items[item_id]
        rng = random.Random(f"feedfarm-item-{self.seed}-{item_id}")
        rng.random()  # the opinion draw in _publish
        return write_article(self.catalogue[item.event], rng, opinion=item.kind == "opinion")

    def _section(self, item: Published) -> str:
        return "Opinion" if item.kind == "opinion" else self.catalogue[item.event].topic.section

    def _article_doc(self, item: Published) -> bytes:
        w = self._written(item.id)
        outlet = self.outlets[item.feed]
        when = item.published.isoformat(timespec="seconds")
        dateline = f"{item.published.day} {item.published:%B %Y}"
        e = html.escape
        ld = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "OpinionNewsArticle" if w.kind == "opinion" else "NewsArticle",
                "headline": w.title,
                "datePublished": when,
                "author": {"@type": "Person", "name": w.author},
                "publisher": {"@type": "Organization", "name": outlet.name},
                "articleSection": w.section,
                "mainEntityOfPage": item.url,
            }
        ).replace("</", "<\\/")
        body = "\n".join(f"      <p>{e(p)}</p>" for p in w.paragraphs)
        related = "".join(
            f'<li><a href="/a/{i}.html">More from {e(outlet.name)}</a></li>'
            for i in range(max(0, item.id - 3), item.id)
        )
        nav = "".join(
            f'<li><a href="/o/{item.feed}/{s.lower()}">{s}</a></li>'
            for s in ("World", "Politics", "Business", "Science", "Sport", "Culture", "Opinion")
        )
        return f"""<!doctype html>
<html lang="{outlet.language}">
<head>
  <meta charset="utf-8">
  <title>{e(w.title)} | {e(outlet.name)}</title>
  <meta name="description" content="{e(w.paragraphs[0])}">
  <meta name="author" content="{e(w.author)}">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{e(w.title)}">
  <meta property="og:site_name" content="{e(outlet.name)}">
  <meta property="og:url" content="{e(item.url)}">
  <meta property="og:description" content="{e(w.paragraphs[0])}">
  <meta property="article:published_time" content="{when}">
  <meta property="article:section" content="{e(w.section)}">
  <link rel="canonical" href="{e(item.url)}">
  <script type="application/ld+json">{ld}</script>
</head>
<body>
  <header class="site-header"><a class="logo" href="/o/{item.feed}/">{e(outlet.name)}</a>
    <nav><ul>{nav}</ul></nav></header>
  <main>
    <article>
      <p class="section">{e(w.section)}</p>
      <h1>{e(w.title)}</h1>
      <p class="byline">By {e(w.author)}, <time datetime="{when}">{dateline}</time></p>
{body}
    </article>
    <aside class="related"><h2>Related</h2><ul>{related}</ul></aside>
  </main>
  <footer><p>&copy; {item.published.year} {e(outlet.name)}. All rights reserved.</p>
    <p><a href="/o/{item.feed}/about">About us</a> <a href="/o/{item.feed}/privacy">Privacy</a>
    </p></footer>
</body>
</html>
""".encode()

    def _outlet_doc(self, feed: int) -> bytes:
        outlet = self.outlets[feed]
        with self._lock:
            items = list(self._feed_items[feed])
        links = "".join(
            f'<li><a href="/a/{it.id}.html">{html.escape(it.title)}</a></li>' for it in items
        )
        name = html.escape(outlet.name)
        return (
            f"<!doctype html><html><head><title>{name}</title></head>"
            f"<body><h1>{name}</h1><ul>{links}</ul></body></html>"
        ).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256


_FEED = re.compile(r"^/feed/(\d+)\.xml$")
_ARTICLE = re.compile(r"^/a/(\d+)\.html$")
_OUTLET = re.compile(r"^/o/(\d+)/")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedfarm/1"

    def __init__(self, *args, farm: FeedFarm, **kw):
        self.farm = farm
        super().__init__(*args, **kw)

    def log_message(self, format, *args) -> None:  # noqa: A002 - http.server's signature
        pass  # quiet: a soak serves tens of thousands of requests

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        farm = self.farm
        path = self.path.split("?", 1)[0]
        if m := _FEED.match(path):
            feed = int(m.group(1))
            if feed >= farm.feeds:
                return self._send(404, b"no such feed", "text/plain", "other_404")
            if feed in farm.slow_feeds:
                time.sleep(farm.slow_seconds)
            if feed in farm.fail_feeds:
                return self._send(500, b"internal error", "text/plain", "feed_500")
            body, etag, modified = farm._feed_doc(feed)
            headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=0"}
            if self._not_modified(etag, modified):
                return self._send(304, b"", None, "feed_304", headers)
            return self._send(200, body, "application/rss+xml; charset=utf-8", "feed_200", headers)
        if m := _ARTICLE.match(path):
            item = farm._item(int(m.group(1)))
            if item is None:
                return self._send(404, b"not found", "text/plain", "other_404")
            etag = f'"a{item.id}"'
            headers = {"ETag": etag, "Last-Modified": _http_date(item.published)}
            if self._not_modified(etag, headers["Last-Modified"]):
                return self._send(304, b"", None, "article_304", headers)
            body = farm._article_doc(item)
            return self._send(200, body, "text/html; charset=utf-8", "article_200", headers)
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain", "robots")
        if m := _OUTLET.match(path):
            feed = int(m.group(1))
            if feed < farm.feeds:
                return self._send(200, farm._outlet_doc(feed), "text/html; charset=utf-8", "outlet")
        if path == "/farm/published.json":
            body = json.dumps([it.to_dict() for it in farm.published()]).encode()
            return self._send(200, body, "application/json", "farm_api")
        if path == "/farm/stats.json":
            return self._send(
                200, json.dumps(farm.stats()).encode(), "application/json", "farm_api"
            )
        if path == "/farm/sources.opml":
            return self._send(200, farm.opml(), "text/x-opml; charset=utf-8", "farm_api")
        return self._send(404, b"not found", "text/plain", "other_404")

    def _not_modified(self, etag: str, modified: str) -> bool:
        """RFC 9110: If-None-Match decides when present; else If-Modified-Since."""
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return etag in tags or "*" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims)
                mod = email.utils.parsedate_to_datetime(modified)
            except (TypeError, ValueError):
                return False
            return since is not None and mod <= since
        return False

    def _send(self, status, body: bytes, ctype, what: str, headers=None) -> None:
        self.farm._count(what, len(body))
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and status != 304:
            self.wfile.write(body)


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--port", type=int, default=0, help="0: a free port")
    ap.add_argument("--period", type=float, default=5.0, help="seconds between ticks")
    ap.add_argument("--per-tick", type=int, default=None, help="outlets publishing per tick")
    ap.add_argument("--events", type=int, default=len(TOPICS), help="more than 30: look-alikes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=int, default=20, help="items per feed")
    ap.add_argument("--backlog", type=int, default=0, help="back-dated ticks at start")
    ap.add_argument("--fail-feeds", type=_ints, default=[], help="e.g. 3,7: these answer 500")
    ap.add_argument("--slow-feeds", type=_ints, default=[], help="these answer slowly")
    ap.add_argument("--slow-seconds", type=float, default=2.0)
    ap.add_argument("--opml", type=Path, help="write the feeds as OPML to this file")
    args = ap.parse_args(argv)
    farm = FeedFarm(
        args.feeds,
        period=args.period,
        per_tick=args.per_tick,
        events=args.events,
        seed=args.seed,
        keep=args.keep,
        backlog=args.backlog,
        fail_feeds=args.fail_feeds,
        slow_feeds=args.slow_feeds,
        slow_seconds=args.slow_seconds,
        port=args.port,
    )
    with farm:
        if args.opml:
            args.opml.write_bytes(farm.opml())
        print(f"feedfarm: {farm.feeds} feeds at {farm.url}/feed/<i>.xml", flush=True)
        print(f"  OPML: {farm.url}/farm/sources.opml (newsloom sources import FILE)")
        print(f"  published items: {farm.url}/farm/published.json; stats: /farm/stats.json")
        print(f"  {farm.per_tick} outlets publish every {farm.period} s (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        print(f"feedfarm: {json.dumps(farm.stats())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
