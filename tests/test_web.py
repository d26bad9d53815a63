"""The reader's site, JSON API and Atom feeds, over HTTP, on SQLite and PostgreSQL.

The database is filled through the real pipeline (import -> cluster -> write) from the
team's invented events, plus a story whose outlets send hostile titles, authors and texts.
The app is called in-process through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import gzip
import hashlib
import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from newsloom.cluster.embed import make_embedder
from newsloom.model import Source
from newsloom.pipeline import Clusterer, import_file, write_pending
from newsloom.store import pages as store_pages
from newsloom.store import sources as store_sources
from newsloom.store import stories as store_stories
from newsloom.store.db import transaction
from newsloom.store.schema import articles as articles_table
from newsloom.store.schema import stories as stories_table
from newsloom.store.schema import story_pages
from newsloom.web import queries
from newsloom.web.app import create_app

sys.path.insert(0, str(Path(__file__).parent / "data" / "cluster"))
from events import ARTICLES  # noqa: E402

TOKEN = "s3cret-token"
XSS = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
JS_URL = "javascript:alert(1)"

#: An invented event whose outlets send markup everywhere they can.
HOSTILE = [
    dict(
        id="h1",
        source=f"Quill Courier {IMG}",
        url="https://quillcourier.example/news/bridge-closure",
        published="2026-11-20T08:00:00Z",
        title=f"Quillon harbour bridge to close for six weeks of repairs {XSS}",
        author=f"Ann Writer {SVG}",
        text="The harbour bridge in Quillon will close for six weeks of repairs from "
        "Monday, the city's transport office said on Friday. Engineers found corrosion in "
        f"two of the bridge's steel cables during an inspection in October {XSS}. Ferries "
        "will run every twenty minutes while the bridge is closed, the office said.",
    ),
    dict(
        id="h2",
        source="Harbour Times",
        url="https://harbourtimes.example/city/quillon-bridge",
        published="2026-11-20T09:00:00Z",
        title=f"Quillon bridge shut for repairs after cable corrosion found {IMG}",
        text="Quillon's harbour bridge will be shut for six weeks from Monday so that "
        "engineers can replace two corroded steel cables, the city's transport office "
        f"said. {SVG} Extra ferries will run every twenty minutes during the closure, and "
        "cyclists will be carried free of charge.",
    ),
    dict(
        id="h3",
        source="Quill Courier",
        url="https://quillcourier.example/opinion/bridge",
        published="2026-11-20T10:00:00Z",
        kind="opinion",
        author=f"{IMG} Columnist",
        title=f"Opinion: Quillon should have fixed its bridge years ago {XSS}",
        text="Quillon's leaders knew about the corroded cables of the harbour bridge for "
        "years and did nothing. Six weeks of closure is the price of that neglect. The city "
        "should publish every inspection report of the bridge.",
    ),
]

HTML_PAGES = ["/", "/sources", "/about/tone", "/search?q=bridge", "/search?q=" + XSS]


@functools.cache
def _embedder():
    return make_embedder("use", 2)


def _fill(engine, settings, tmp_path) -> None:
    path = tmp_path / "articles.jsonl"
    rows = ARTICLES + HOSTILE
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    import_file(engine, settings, path)
    Clusterer(engine, settings, embedder=_embedder()).run()
    write_pending(engine, settings)


class Client:
    """A synchronous face on httpx.AsyncClient over the app (ASGITransport)."""

    def __init__(self, app):
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )

    def request(self, method: str, url: str, **kw) -> httpx.Response:
        return self.loop.run_until_complete(self.http.request(method, url, **kw))

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw) -> httpx.Response:
        return self.request("POST", url, **kw)

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture
def site(engine, db_settings, tmp_path):
    """(client, settings, engine) over a database filled through the pipeline."""
    settings = replace(db_settings, api_token=TOKEN)
    _fill(engine, settings, tmp_path)
    client = Client(create_app(settings, engine, recheck_seconds=0))
    yield client, settings, engine
    client.close()


def _story_ids(engine) -> list[str]:
    """Short ids of live stories with a complete page."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(stories_table.c.short_id, story_pages.c.status)
            .join(story_pages, story_pages.c.story_id == stories_table.c.id)
            .where(stories_table.c.merged_into.is_(None))
            .order_by(stories_table.c.id, story_pages.c.revision)
        ).all()
    latest = {sid: status for sid, status in rows}
    return [sid for sid, status in latest.items() if status == "complete"]


def _story_with(client, ids, needle: str) -> str:
    for sid in ids:
        if needle in client.get(f"/t/{sid}").text:
            return sid
    raise AssertionError(f"no story page contains {needle!r}")


class _Audit(HTMLParser):
    """Collects what would run or navigate: script tags, on* attributes, link targets."""

    def __init__(self):
        super().__init__()
        self.scripts = 0
        self.handlers: list[str] = []
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}={value}")
            if name in ("href", "src", "action", "formaction") and value:
                self.urls.append(value)
            if name == "id" and value:
                self.ids.add(value)


def audit(html: str) -> _Audit:
    parser = _Audit()
    parser.feed(html)
    assert parser.scripts == 0, "a script element was rendered"
    assert not parser.handlers, f"event-handler attributes rendered: {parser.handlers}"
    bad = [u for u in parser.urls if u.strip().lower().startswith(("javascript:", "data:"))]
    assert not bad, f"unsafe links rendered: {bad}"
    for raw in (XSS, IMG, "<svg onload"):
        assert raw not in html
    return parser


# --- pages ----------------------------------------------------------------------------------


def test_home_lists_ranked_stories_with_pages(site):
    client, _settings, engine = site
    ids = _story_ids(engine)
    assert ids, "the pipeline wrote no complete page"
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = audit(r.text)
    listed = [u.removeprefix("/t/") for u in page.urls if u.startswith("/t/")]
    assert set(listed) == set(ids)
    assert "outlets" in r.text and "updated" in r.text
    assert 'class="tone' in r.text
    for landmark in ("<header", "<main", "<nav", "<footer", 'role="search"'):
        assert landmark in r.text
    # the language filter keeps only stories in that language
    r = client.get("/?language=de")
    assert r.status_code == 200
    assert "German" in r.text
    r = client.get("/?language=xx")
    assert "No stories match these filters" in r.text
    assert client.get("/?page=0").status_code == 400


def test_story_page_sections_and_citations(site):
    client, _settings, engine = site
    ids = _story_ids(engine)
    sid = _story_with(client, ids, "Gamma Review")  # the one with the opinion piece
    r = client.get(f"/t/{sid}")
    assert r.status_code == 200
    page = audit(r.text)
    for heading in ("Highlights", "Story", "Opinions", "Sources", "Timeline", "What changed"):
        assert f">{heading}</h2>" in r.text
    assert "reached the end of this story" in r.text
    assert "First seen" in r.text and "Updated" in r.text
    assert 'href="/about/tone#' in r.text and "<details" in r.text
    cites = [u for u in page.urls if u.startswith("#ref-")]
    assert cites, "no citation markers"
    assert {c[1:] for c in cites} <= page.ids, "a citation points nowhere"
    assert "Gamma Review" in r.text and "Opinion: The Bank of Varland" in r.text
    assert "No opinion pieces yet" not in r.text
    # a story without opinion pieces says so
    others = [s for s in ids if s != sid]
    texts = [client.get(f"/t/{s}").text for s in others]
    assert any("No opinion pieces yet" in t for t in texts)


def test_story_without_complete_page_is_not_listed(site):
    client, _settings, engine = site
    sid = _story_ids(engine)[0]
    assert f'href="/t/{sid}"' in client.get("/").text
    new_revision(
        engine,
        sid,
        status="not_enough_material",
        status_reason="covered by 1 outlet(s)",
        highlights=[],
        story=[],
    )
    assert f'href="/t/{sid}"' not in client.get("/").text
    assert sid not in {s["id"] for s in client.get("/api/v1/stories").json()["stories"]}
    r = client.get(f"/t/{sid}")  # still reachable, and says why it is thin
    assert r.status_code == 200
    assert "Not enough material for a story yet: covered by 1 outlet(s)." in r.text
    assert "No highlights yet." in r.text and ">Sources</h2>" in r.text


def test_story_without_any_page_shows_its_dated_articles(site):
    """A story reached before its first page is written (or whose page went) says so once,
    and still shows when its articles came."""
    client, _settings, engine = site
    sid = _story_ids(engine)[0]
    with transaction(engine) as conn:
        story_id, _ = store_stories.resolve(conn, sid)
        conn.execute(story_pages.delete().where(story_pages.c.story_id == story_id))
        first = conn.execute(
            select(articles_table.c.published)
            .where(articles_table.c.story_id == story_id)
            .order_by(articles_table.c.published)
        ).first()[0]
    html = client.get(f"/t/{sid}").text
    assert "No page has been written for this story yet: one is written once" in html
    assert "Undated" not in html and "first version of this page" not in html
    assert "Nothing yet: this story has no page." in html
    first = (first if first.tzinfo else first.replace(tzinfo=UTC)).astimezone(UTC)
    assert f'<p class="tl-at"><time datetime="{first:%Y-%m-%dT%H:%M:%SZ}">' in html
    audit(html)


def test_unknown_story_is_404_page(site):
    client, *_ = site
    r = client.get("/t/nosuchstory")
    assert r.status_code == 404
    assert "text/html" in r.headers["content-type"]
    assert "Page not found" in r.text
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "Page not found" in r.text
    r = client.get("/api/v1/stories/nosuchstory")
    assert r.status_code == 404
    assert r.json()["error"]["status"] == 404


def test_merged_story_redirects_permanently(site):
    client, _settings, engine = site
    survivor = _story_ids(engine)[0]
    with transaction(engine) as conn:
        survivor_id, _ = store_stories.resolve(conn, survivor)
        when = datetime(2026, 11, 19, tzinfo=UTC)
        absorbed = store_stories.create_story(conn, 10**9, "https://x.example/merged", when)
        gone = conn.execute(
            select(stories_table.c.short_id).where(stories_table.c.id == absorbed)
        ).scalar_one()
        store_stories.merge(conn, absorbed, survivor_id)
    r = client.get(f"/t/{gone}", follow_redirects=False)
    assert r.status_code in (301, 308)
    assert r.headers["location"] == f"/t/{survivor}"
    r = client.get(f"/api/v1/stories/{gone}", follow_redirects=False)
    assert r.status_code in (301, 308)
    assert r.headers["location"] == f"/api/v1/stories/{survivor}"
    assert client.get(f"/api/v1/stories/{gone}", follow_redirects=True).json()["id"] == survivor
    assert gone in client.get(f"/t/{survivor}").text  # "also reached as"


def new_revision(engine, short_id: str, headline: str | None = None, **changes) -> None:
    """A new revision of a story's page: the last one with ``headline`` and ``changes``."""
    if headline is not None:
        changes["headline"] = headline
    with transaction(engine) as conn:
        story_id, _ = store_stories.resolve(conn, short_id)
        page = json.loads(store_pages.latest_row(conn, story_id).page)
        page.update(changes)
        store_pages.save_page(
            conn,
            story_id,
            page,
            written_at=datetime.now(UTC),
            articles_digest="x",
            content_digest=hashlib.sha1(repr(sorted(changes.items())).encode()).hexdigest(),
        )


# issue 5: story pages are kept by what they show, not by the whole database's version
def test_story_renderings_follow_their_own_changes_only(site):
    _client, settings, engine = site
    app = create_app(settings, engine, recheck_seconds=0)
    client = Client(app)
    kept = app.state.site.stories
    try:
        sid, other = _story_ids(engine)[:2]
        first = client.get(f"/t/{sid}")
        api = client.get(f"/api/v1/stories/{sid}").json()
        assert len(kept) == 2

        # another story changes: the data version moves on, this page is not rendered again
        new_revision(engine, other, "Another story's new headline")
        assert "Another story&#39;s new headline" in client.get(f"/t/{other}").text
        again = client.get(f"/t/{sid}")
        assert again.headers["etag"] == first.headers["etag"] and again.text == first.text
        assert len(kept) == 3  # only the other story's page was rendered

        # its own new revision shows at once, on the page and in the API
        new_revision(engine, sid, "A headline of its own")
        assert "A headline of its own" in client.get(f"/t/{sid}").text
        fresh = client.get(f"/api/v1/stories/{sid}").json()
        assert fresh["revision"] == api["revision"] + 1

        # an article joining it shows too, even with its story row untouched (only the
        # story it left is refreshed, which moves the data version on)
        with transaction(engine) as conn:
            other_id, _ = store_stories.resolve(conn, other)
            story_id, _ = store_stories.resolve(conn, sid)
            moved_id, title = conn.execute(
                select(articles_table.c.id, articles_table.c.title)
                .where(articles_table.c.story_id == other_id)
                .limit(1)
            ).one()
            conn.execute(
                articles_table.update()
                .where(articles_table.c.id == moved_id)
                .values(story_id=story_id)
            )
            store_stories.refresh_counts(conn, {other_id})
        body = client.get(f"/api/v1/stories/{sid}").json()
        assert moved_id in {a["id"] for a in body["articles"]}

        # a client that does not take gzip gets the same page, inflated
        plain = client.get(f"/t/{sid}", headers={"Accept-Encoding": "identity"})
        packed = client.get(f"/t/{sid}", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert int(plain.headers["content-length"]) == len(plain.content) > 1000
        assert plain.content == packed.content and plain.headers["etag"] == packed.headers["etag"]
    finally:
        client.close()


def test_merged_ids_are_found_by_index(engine):
    """With SQLite's statistics, ``merged_into = ?`` looked unselective (it is NULL for nearly
    every story) and scanned the table on every story page: ~1 ms per 10,000 stories."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query planner only")

    with transaction(engine) as conn:
        when = datetime(2026, 11, 19, tzinfo=UTC)
        ids = [
            store_stories.create_story(conn, 10**6 + i, f"https://x.example/{i}", when)
            for i in range(50)
        ]
        conn.exec_driver_sql("ANALYZE")  # statistics from before any merge, as in bench/serve.py
        store_stories.merge(conn, ids[1], ids[0])
        sql = str(queries._MERGED_IDS.compile(conn))
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, (ids[0], ids[0])).all()
        assert "ix_stories_merged_into" in " ".join(str(p) for p in plan), plan
        assert queries.merged_ids(conn, ids[0]) == [
            conn.execute(
                select(stories_table.c.short_id).where(stories_table.c.id == ids[1])
            ).scalar_one()
        ]


def test_hostile_content_is_escaped_everywhere(site):
    client, _settings, engine = site
    ids = _story_ids(engine)
    sid = _story_with(client, ids, "Quillon")
    r = client.get(f"/t/{sid}")
    audit(r.text)
    assert "&lt;" in r.text  # the markup arrived, escaped
    # a page revision (as an LLM writer might produce) with markup and javascript: links
    with transaction(engine) as conn:
        story_id, _ = store_stories.resolve(conn, sid)
        page = json.loads(store_pages.latest_row(conn, story_id).page)
        page.update(
            headline=f"Bridge {XSS}",
            highlights=[{"text": f"High {IMG}", "citations": [JS_URL]}],
            story=[{"text": f"Story {SVG}", "citations": [JS_URL, "data:text/html,x"]}],
            opinions=[
                {
                    "outlet": f"Out {IMG}",
                    "author": f"Au {XSS}",
                    "title": f"T {SVG}",
                    "url": JS_URL,
                    "gist": f"G {IMG}",
                    "kind": "opinion",
                }
            ],
            sources=[{"outlet": f"S {XSS}", "country": IMG, "lean": SVG, "urls": [JS_URL]}],
            timeline=[{"at": None, "developments": [{"title": XSS, "url": JS_URL, "outlet": IMG}]}],
            changes=[{"type": "new_article", "url": JS_URL, "title": XSS, "outlet": IMG}],
            one_sided=f"one {XSS}",
        )
        page["tone"] = {**page["tone"], "definition": XSS, "evidence": [IMG]}
        store_pages.save_page(
            conn,
            story_id,
            page,
            written_at=datetime.now(UTC),
            articles_digest="x",
            content_digest="y",
        )
        store_sources.upsert_source(
            conn, Source(url="https://evil.example/feed", name=f"Evil {XSS}", html_url=JS_URL)
        )
    for url in [f"/t/{sid}", *HTML_PAGES, "/search?q=Bridge"]:
        r = client.get(url)
        assert r.status_code == 200, url
        audit(r.text)
    assert "Bridge &lt;script&gt;" in client.get(f"/t/{sid}").text
    assert "<mark>Bridge</mark> &lt;script&gt;" in client.get("/search?q=bridge").text
    feed = client.get("/feed.xml").text
    ET.fromstring(feed)  # still well-formed XML
    assert XSS not in feed and IMG not in feed
    api = client.get(f"/api/v1/stories/{sid}").json()
    assert api["page"]["headline"] == f"Bridge {XSS}"  # JSON carries data, not markup
    hits = client.get("/api/v1/search", params={"q": "bridge"}).json()["stories"]
    assert all("<script>" not in h["title_html"] for h in hits)


def test_sources_and_tone_pages(site):
    client, _settings, engine = site
    with transaction(engine) as conn:
        src, _ = store_sources.upsert_source(
            conn, Source(url="https://feeds.example/rss", name="Feeds Example", country="NO")
        )
        store_sources.record_error(conn, src.id, src.url, "http", "HTTP 503")
        page = "https://feeds.example/news/empty"
        store_sources.record_error(conn, src.id, page, "extract", "no article text found")
    r = client.get("/sources")
    assert r.status_code == 200
    audit(r.text)
    assert "Feeds Example" in r.text and "not fetched yet" in r.text
    # what the errors of the week were, not only how many
    assert f"(2 errors this week, the latest: extract: no article text found ({page}))" in r.text
    assert "Alpha Post" in r.text and "imported" in r.text
    sources = client.get("/api/v1/sources").json()["sources"]
    feeds = next(s for s in sources if s["name"] == "Feeds Example")
    assert feeds["errors_last_7_days"] == 2 and feeds["health"] == "not fetched yet"
    assert feeds["latest_error_last_7_days"] == f"extract: no article text found ({page})"
    r = client.get("/about/tone")
    assert r.status_code == 200
    for label in ("Informative", "Tense", "Somber", "Contentious", "Provocative", "Hopeful"):
        assert f'id="{label.lower()}"' in r.text


def test_search_finds_and_highlights(site):
    client, *_ = site
    r = client.get("/search", params={"q": "barrier"})
    assert r.status_code == 200
    audit(r.text)
    assert "<mark>barrier</mark>" in r.text.lower() or "<mark>Barrier</mark>" in r.text
    assert 'href="/t/' in r.text
    # prefixes match: "corrod" finds "corroded"
    r = client.get("/api/v1/search", params={"q": "corrod"})
    body = r.json()
    assert body["articles"], body
    assert "<mark>corroded</mark>" in body["articles"][0]["snippet_html"]
    assert "<mark>" not in body["articles"][0]["snippet"]
    # FTS syntax in a query is just words
    for q in ['"', "AND OR NOT", "bar*", "a:b", "(", "'; drop table articles; --"]:
        assert client.get("/api/v1/search", params={"q": q}).status_code == 200, q
        assert client.get("/search", params={"q": q}).status_code == 200, q
    assert client.get("/api/v1/search", params={"q": "zzzqqqxxx"}).json()["stories"] == []


# --- API ------------------------------------------------------------------------------------


def test_api_story_list_cursor_pagination(site):
    client, _settings, engine = site
    ids = _story_ids(engine)
    seen: list[str] = []
    cursor = None
    for _ in range(50):
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/stories", params=params).json()
        assert body["total"] == len(ids)
        seen += [s["id"] for s in body["stories"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    ranked = client.get("/api/v1/stories").json()["stories"]
    scores = [s["score"] for s in ranked]
    assert scores == sorted(scores, reverse=True)
    recent = client.get("/api/v1/stories", params={"sort": "recent"}).json()["stories"]
    times = [s["last_article"] for s in recent]
    assert times == sorted(times, reverse=True)
    assert client.get("/api/v1/stories", params={"cursor": "!!"}).status_code == 400

    one = client.get(f"/api/v1/stories/{ids[0]}").json()
    assert one["page"]["headline"] and one["articles"] and one["page_status"] == "complete"
    assert one["url"] == f"/t/{ids[0]}"

    urls: list[str] = []
    cursor = None
    for _ in range(100):
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/articles", params=params).json()
        urls += [a["url"] for a in body["articles"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(urls) == len(set(urls)) == len(ARTICLES) + len(HOSTILE)
    story_articles = client.get("/api/v1/articles", params={"story": ids[0]}).json()
    assert {a["story"] for a in story_articles["articles"]} == {ids[0]}
    # each article says why it is in its story: the clusterer's decision, as stored
    with engine.connect() as conn:
        query = select(articles_table.c.url, articles_table.c.story_reason)
        stored = dict(conn.execute(query).all())
    # the id given at import comes back, as in the export (url and external_id join them)
    given = {r["url"]: r.get("id") for r in ARTICLES + HOSTILE}
    assert all(a["external_id"] == given[a["url"]] for a in story_articles["articles"])
    assert any(a["external_id"] for a in story_articles["articles"])
    for a in story_articles["articles"]:
        assert a["reason"] == stored[a["url"]]
        assert a["reason"].startswith(("new:", "joined", "duplicate of")), a["reason"]

    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/stories", "/api/v1/stories/{sid}", "/api/v1/search", "/api/v1/refresh"):
        assert path in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_write_endpoints_need_the_token(site, engine):
    client, settings, _ = site
    new = {"url": "https://newfeed.example/rss.xml", "name": "New Feed", "country": "se"}
    assert client.post("/api/v1/sources", json=new).status_code == 401
    r = client.post("/api/v1/sources", json=new, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = client.post("/api/v1/sources", json=new, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["country"] == "SE" and r.json()["new"] is True
    assert client.post("/api/v1/sources", json=new, headers=auth).status_code == 200
    bad = {"url": JS_URL}
    assert client.post("/api/v1/sources", json=bad, headers=auth).status_code == 400
    assert client.post("/api/v1/refresh", headers={"Authorization": "Bearer x"}).status_code == 401
    r = client.post("/api/v1/refresh", headers=auth)
    assert r.status_code == 202 and r.json()["queued"] >= 1
    r = client.post("/api/v1/refresh", json={"source_id": 10**6}, headers=auth)
    assert r.status_code == 404
    # no token configured: writing is disabled, reading is not
    closed = Client(create_app(replace(settings, api_token=None), engine, recheck_seconds=0))
    try:
        assert closed.post("/api/v1/sources", json=new, headers=auth).status_code == 403
        assert closed.get("/api/v1/sources").status_code == 200
    finally:
        closed.close()
    # the public site is read-only
    assert client.post("/").status_code == 405


# --- HTTP ----------------------------------------------------------------------------------


def test_conditional_get_and_gzip(site):
    client, _settings, engine = site
    sid = _story_ids(engine)[0]
    for url in ("/", f"/t/{sid}", f"/api/v1/stories/{sid}", "/api/v1/stories", "/feed.xml"):
        r = client.get(url)
        assert r.status_code == 200, url
        etag = r.headers["etag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.content == b"" and again.headers["etag"] == etag
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    r = client.get(f"/t/{sid}")
    last = r.headers["last-modified"]
    assert client.get(f"/t/{sid}", headers={"If-Modified-Since": last}).status_code == 304
    raw = client.get(f"/t/{sid}", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert "Highlights" in raw.text  # httpx decoded it
    assert gzip.compress(b"x")  # (gzip is what the server used)


def test_security_headers(site):
    client, _settings, engine = site
    for url in ("/", f"/t/{_story_ids(engine)[0]}", "/api/v1/stories", "/t/nope", "/feed.xml"):
        r = client.get(url)
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "style-src 'self'" in csp, url
        assert "unsafe-inline" not in csp and "script-src" not in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"]
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "prefers-color-scheme: dark" in css.text


def test_api_docs_are_served_from_this_server(engine, db_settings):
    """Swagger UI's files come from the server itself: no CDN, and a CSP naming no origin."""
    client = Client(create_app(db_settings, engine, recheck_seconds=0))
    try:
        r = client.get("/api/docs")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        page = _Audit()
        page.feed(r.text)
        assert page.urls and all(u.startswith("/") and not u.startswith("//") for u in page.urls)
        assert "://" not in r.text
        csp = r.headers["content-security-policy"]
        assert "://" not in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        # the one inline script (Swagger UI's set-up) is allowed by its hash, nothing else
        inline = r.text.split("<script>")[1].split("</script>")[0].encode()
        digest = base64.b64encode(hashlib.sha256(inline).digest()).decode()
        assert f"script-src 'self' 'sha256-{digest}';" in csp

        wanted = {".js": "text/javascript", ".css": "text/css"}
        assets = [u for u in page.urls if u.startswith("/api/docs/assets/")]
        assert sorted(u.split("?")[0].rsplit(".", 1)[1] for u in assets) == ["css", "js"]
        for url in assets:
            a = client.get(url, headers={"Accept-Encoding": "gzip"})
            assert a.status_code == 200, url
            kind = wanted["." + url.split("?")[0].rsplit(".", 1)[1]]
            assert a.headers["content-type"].startswith(kind), url
            assert a.headers["content-encoding"] == "gzip"
            assert "immutable" in a.headers["cache-control"]
            assert len(a.content) > 50_000
            again = client.get(url, headers={"If-None-Match": a.headers["etag"]})
            assert again.status_code == 304
        js = next(u for u in assets if ".js" in u)
        assert "SwaggerUIBundle" in client.get(js).text
        assert client.get("/api/docs/assets/swagger-ui.js.map").status_code == 404
        assert client.get("/api/docs/assets/..%2fcore.py").status_code == 404
        assert client.get("/api/v1/openapi.json").json()["openapi"].startswith("3.1")
    finally:
        client.close()


def test_atom_feeds(site):
    client, settings, engine = site
    ns = {"a": "http://www.w3.org/2005/Atom"}
    r = client.get("/feed.xml")
    assert r.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(r.content)
    entries = feed.findall("a:entry", ns)
    ids = set(_story_ids(engine))
    assert len(entries) == len(ids)
    for e in entries:
        link = e.find("a:link", ns).get("href")
        assert (
            link.startswith("http://testserver/t/")
            and link.removeprefix("http://testserver/t/") in ids
        )
        assert e.find("a:id", ns).text == link
    # updated is when the page last changed, not when it was last checked
    sid = entries[0].find("a:link", ns).get("href").rsplit("/", 1)[1]
    with transaction(engine) as conn:
        story_id, _ = store_stories.resolve(conn, sid)
        row = store_pages.latest_row(conn, story_id)
        store_pages.mark_checked(
            conn, story_id, row.revision, datetime.now(UTC) + timedelta(days=1)
        )
    fresh = Client(create_app(settings, engine, recheck_seconds=0))
    try:
        feed = ET.fromstring(fresh.get("/feed.xml").content)
    finally:
        fresh.close()
    entry = next(e for e in feed.findall("a:entry", ns) if e.find("a:id", ns).text.endswith(sid))
    updated = datetime.fromisoformat(entry.find("a:updated", ns).text.replace("Z", "+00:00"))
    assert abs((updated - row.written_at.replace(tzinfo=UTC)).total_seconds()) < 1

    r = client.get("/feed/search.xml", params={"q": "bridge"})
    assert r.status_code == 200
    search_feed = ET.fromstring(r.content)
    titles = [e.find("a:title", ns).text for e in search_feed.findall("a:entry", ns)]
    assert any("bridge" in t.lower() for t in titles)
    assert client.get("/feed/category/nosuch.xml").status_code == 404


def test_category_filter_and_feed(site):
    client, _settings, engine = site
    with transaction(engine) as conn:
        src, _ = store_sources.upsert_source(
            conn,
            Source(url="https://alphapost.example/rss", name="Alpha Post", category="World"),
        )
    # articles imported before the source existed are not linked; link Alpha Post's now
    from sqlalchemy import update

    from newsloom.store.schema import articles

    with transaction(engine) as conn:
        conn.execute(
            update(articles).where(articles.c.source_name == "Alpha Post").values(source_id=src.id)
        )
        conn.execute(update(stories_table).values(updated=datetime.now(UTC)))
    r = client.get("/", params={"category": "World"})
    assert r.status_code == 200
    assert "World" in r.text and 'href="/t/' in r.text
    body = client.get("/api/v1/stories", params={"category": "world"}).json()
    assert body["stories"] and all("World" in s["categories"] for s in body["stories"])
    feed = ET.fromstring(client.get("/feed/category/World.xml").content)
    assert feed.findall("{http://www.w3.org/2005/Atom}entry")


def test_a_category_given_to_a_source_reaches_a_running_site(site):
    """`sources import` gives an outlet a category: its stories are in that category's
    listing and feed at once, not after their next article or a restart of the site."""
    from sqlalchemy import update

    from newsloom.store.schema import articles

    client, _settings, engine = site
    with transaction(engine) as conn:
        src, _ = store_sources.upsert_source(
            conn, Source(url="https://alphapost.example/rss", name="Alpha Post")
        )
        conn.execute(
            update(articles).where(articles.c.source_name == "Alpha Post").values(source_id=src.id)
        )
        conn.execute(update(stories_table).values(updated=datetime.now(UTC)))
    assert client.get("/").status_code == 200  # the site has read every story's categories
    assert client.get("/feed/category/Local.xml").status_code == 404

    with transaction(engine) as conn:  # what `sources import` does with a category in the OPML
        store_sources.upsert_source(
            conn, Source(url="https://alphapost.example/rss", name="Alpha Post", category="Local")
        )
    feed = client.get("/feed/category/Local.xml")
    assert feed.status_code == 200, feed.text
    assert ET.fromstring(feed.content).findall("{http://www.w3.org/2005/Atom}entry")
    body = client.get("/api/v1/stories", params={"category": "Local"}).json()
    assert body["stories"] and all("Local" in s["categories"] for s in body["stories"])
