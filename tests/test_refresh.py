"""Polling sources end to end against a real local HTTP server, on SQLite and PostgreSQL.

Each broken source gives a logged, source-attributed error or a clean skip; the run goes on;
nothing already stored is lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from helpers import page
from werkzeug import Response

from newsloom.model import Source
from newsloom.pipeline import Ingestor, add_source, refresh_due
from newsloom.store import articles as store_articles
from newsloom.store import pending as store_pending
from newsloom.store import sources as store_sources
from newsloom.store.schema import pending_pages
from newsloom.store.stats import pipeline_stats


def rss(base: str, items: list[tuple[str, str | None]], pub: datetime | None = None) -> str:
    pub = pub or datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    body = "".join(
        f"<item>{f'<title>{t}</title>' if t else ''}<link>{base}{path}</link>"
        f"<pubDate>{format_datetime(pub)}</pubDate><description>About {t}</description></item>"
        for path, t in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>{base}/</link>{body}</channel></rss>"
    )


class _StallHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.server.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
        self.wfile.flush()
        time.sleep(6)

    def log_message(self, *args):
        pass


@pytest.fixture
def stall_server():
    """A server that starts every answer and never finishes it: ``.url``, ``.asked`` (paths)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StallHandler)
    server.daemon_threads = True
    server.asked = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def poll(engine, settings):
    return asyncio.run(refresh_due(engine, settings, Ingestor(engine, settings)))


def test_good_and_broken_sources_in_one_run(engine, db_settings, httpserver, stall_server):
    base = httpserver.url_for("")[:-1]
    hs = httpserver
    hs.expect_request("/good.xml").respond_with_data(
        rss(
            base,
            [
                ("/a/1", "One"),
                ("/a/2", "Two"),
                ("/a/1", "One again"),
                ("/a/nolink-title", None),
                ("/a/binary", "Binary"),
            ],
        ),
        content_type="text/html; charset=utf-8",  # as many servers label feeds
    )
    for i in (1, 2):
        hs.expect_request(f"/a/{i}").respond_with_data(
            page(f"Story {i}", i), content_type="text/html"
        )
    hs.expect_request("/a/nolink-title").respond_with_data(
        page("Untitled in feed", 9), content_type="text/html"
    )
    hs.expect_request("/a/binary").respond_with_data(
        b"\x89PNG\r\n\x1a\n" + bytes(500), content_type="image/png"
    )
    hs.expect_request("/html.xml").respond_with_data(
        page("Not a feed", 3), content_type="text/html"
    )
    hs.expect_request("/truncated.xml").respond_with_data(
        rss(base, [("/a/1", "One")])[:-40], content_type="application/rss+xml"
    )
    hs.expect_request("/gone.xml").respond_with_data("gone", status=410)
    hs.expect_request("/missing.xml").respond_with_data("nope", status=404)
    hs.expect_request("/error.xml").respond_with_data("oops", status=500)
    hs.expect_request("/busy.xml").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7200"}
    )
    hs.expect_request("/loop.xml").respond_with_response(
        Response(status=302, headers={"Location": "/loop.xml"})
    )
    hs.expect_request("/huge.xml").respond_with_data(
        b"<rss>" + b" " * 6_000_000, content_type="application/rss+xml"
    )
    hs.expect_request("/binary.xml").respond_with_data(
        bytes(range(256)) * 20, content_type="application/octet-stream"
    )
    broken = {
        "html": "/html.xml",
        "gone": "/gone.xml",
        "missing": "/missing.xml",
        "error": "/error.xml",
        "busy": "/busy.xml",
        "loop": "/loop.xml",
        "huge": "/huge.xml",
        "binary": "/binary.xml",
    }
    good, _ = add_source(engine, Source(url=f"{base}/good.xml", name="Good"))
    ids = {
        name: add_source(engine, Source(url=f"{base}{path}", name=name))[0].id
        for name, path in broken.items()
    }
    ids["stall"] = add_source(engine, Source(url=f"{stall_server.url}/feed", name="stall"))[0].id
    trunc, _ = add_source(engine, Source(url=f"{base}/truncated.xml", name="Truncated"))

    started = time.monotonic()
    results = {r.source_id: r for r in poll(engine, db_settings)}
    assert time.monotonic() - started < 30

    assert results[good.id].status == "ok"
    tally = results[good.id].tally
    # 1, 2, the item without a title, and the binary page kept from the feed; the repeat dropped
    assert (tally.new, tally.rejected) == (4, 0)
    with engine.connect() as conn:
        stored = {a.url: a for a in store_articles.iter_articles(conn)}
        srcs = {s.id: s for s in store_sources.list_sources(conn)}
        errors = store_sources.recent_errors(conn, limit=100)
    assert f"{base}/a/1" in stored and stored[f"{base}/a/1"].title == "Story 1"
    assert stored[f"{base}/a/nolink-title"].title == "Untitled in feed"
    # the binary page could not be extracted: the feed's own title and summary are kept
    assert stored[f"{base}/a/binary"].text == "About Binary"
    assert any(e["url"] == f"{base}/a/binary" and e["source_id"] == good.id for e in errors)
    # a truncated feed that still yields items is read, and its source's health says what
    # was wrong (what followed the break is lost until it is whole again)
    assert results[trunc.id].status == "ok"
    assert srcs[trunc.id].error_count == 0 and srcs[trunc.id].last_success is not None
    assert "malformed, read in part" in srcs[trunc.id].last_error  # `sources list` shows it
    (cut,) = [e for e in errors if e["source_id"] == trunc.id]
    assert cut["kind"] == "malformed" and "read in part (1 entries)" in cut["message"]
    # the good feed, served as text/html: no complaint about its content type
    assert not [e for e in errors if e["source_id"] == good.id and e["url"] == good.url]

    expected_kind = {
        "gone": "http_410",
        "missing": "http_404",
        "error": "http_5xx",
        "busy": "http_429",
        "loop": "redirect_loop",
        "huge": "too_large",
        "stall": "timeout",
    }
    for name, sid in ids.items():
        src = srcs[sid]
        assert results[sid].status == "error", name
        assert src.error_count == 1 and src.last_error, name
        assert src.next_fetch > datetime.now(UTC), name
        kinds = {e["kind"] for e in errors if e["source_id"] == sid}
        if name in expected_kind:
            assert kinds == {expected_kind[name]}, (name, kinds)
        else:
            assert kinds == {"feed"}, (name, kinds)
    # 429 with a long Retry-After: the source is not polled again before it
    assert srcs[ids["busy"]].next_fetch >= datetime.now(UTC) + timedelta(seconds=7000)
    assert "HTML page" in srcs[ids["html"]].last_error


def test_second_poll_is_conditional_and_keeps_articles(engine, db_settings, httpserver):
    base = httpserver.url_for("")[:-1]
    feed = rss(base, [("/n/1", "First")])
    calls = {"304": 0}

    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            calls["304"] += 1
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(feed, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    httpserver.expect_request("/feed.xml").respond_with_handler(handler)
    httpserver.expect_request("/n/1").respond_with_data(page("First", 1), content_type="text/html")
    src, _ = add_source(engine, Source(url=f"{base}/feed.xml", name="Cond"))
    first = poll(engine, db_settings)
    assert first[0].tally.new == 1

    with engine.begin() as conn:  # make it due again
        src = store_sources.source_by_id(conn, src.id)
        src.next_fetch = None
        store_sources.save_fetch_state(conn, src)
    second = poll(engine, db_settings)
    assert second[0].status == "not_modified" and calls["304"] == 1
    with engine.connect() as conn:
        assert store_articles.article_count(conn) == 1
        assert store_sources.source_by_id(conn, src.id).etag == '"v1"'


def test_errors_back_off_then_recover(engine, db_settings, httpserver):
    base = httpserver.url_for("")[:-1]
    state = {"fail": True}

    def handler(request):
        if state["fail"]:
            return Response("down", status=503)
        return Response(rss(base, []), content_type="application/rss+xml")

    httpserver.expect_request("/flaky.xml").respond_with_handler(handler)
    src, _ = add_source(engine, Source(url=f"{base}/flaky.xml", name="Flaky"))
    waits = []
    for _ in range(3):
        now = datetime.now(UTC)
        asyncio.run(refresh_due(engine, db_settings, now=now + timedelta(days=365)))
        with engine.connect() as conn:
            s = store_sources.source_by_id(conn, src.id)
        waits.append((s.next_fetch - now).total_seconds())
    assert s.error_count == 3
    assert waits[0] < waits[1] < waits[2]  # exponential back-off
    state["fail"] = False
    asyncio.run(refresh_due(engine, db_settings, now=datetime.now(UTC) + timedelta(days=365)))
    with engine.connect() as conn:
        s = store_sources.source_by_id(conn, src.id)
    assert (s.error_count, s.last_error) == (0, None)
    assert s.last_success is not None


def test_news_sitemap_index_is_followed(engine, db_settings, httpserver):
    base = httpserver.url_for("")[:-1]
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    news = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    httpserver.expect_request("/sitemap.xml").respond_with_data(
        f'<?xml version="1.0"?><sitemapindex {ns}>'
        f"<sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap>"
        f"<sitemap><loc>{base}/sitemap-news.xml</loc></sitemap></sitemapindex>",
        content_type="application/xml",
    )
    httpserver.expect_request("/sitemap-news.xml").respond_with_data(
        f'<?xml version="1.0"?><urlset {ns} {news}><url><loc>{base}/s/1</loc><news:news>'
        "<news:publication><news:name>S</news:name><news:language>en</news:language>"
        "</news:publication><news:publication_date>2026-11-20T08:00:00Z</news:publication_date>"
        "<news:title>Sitemap story</news:title></news:news></url></urlset>",
        content_type="application/xml",
    )
    httpserver.expect_request("/sitemap-pages.xml").respond_with_data(
        f'<?xml version="1.0"?><urlset {ns}><url><loc>{base}/about</loc></url></urlset>',
        content_type="application/xml",
    )
    httpserver.expect_request("/s/1").respond_with_data(
        page("Sitemap story", 5), content_type="text/html"
    )
    httpserver.expect_request("/about").respond_with_data(
        page("About us", 6), content_type="text/html"
    )
    add_source(engine, Source(url=f"{base}/sitemap.xml", name="Sitemapped"))
    (result,) = poll(engine, db_settings)
    assert result.status == "ok", result.error
    with engine.connect() as conn:
        urls = {a.url for a in store_articles.iter_articles(conn)}
    assert f"{base}/s/1" in urls


def test_run_once_polls_clusters_and_writes(engine, db_settings, httpserver):
    from newsloom.pipeline import run_forever
    from newsloom.store import pages as store_pages

    base = httpserver.url_for("")[:-1]
    for feed, items in (("/one.xml", [("/x/1", "Dam opens")]), ("/two.xml", [("/y/1", "Dam")])):
        httpserver.expect_request(feed).respond_with_data(
            rss(base, items), content_type="application/rss+xml"
        )
    text = (
        "<p>The new Sella dam opened on Friday after six years of work, the water authority "
        "said. It will supply three valley towns during dry summers, officials said.</p>"
    )
    for path, title in (("/x/1", "Sella dam opens after six years"), ("/y/1", "Sella dam opens")):
        httpserver.expect_request(path).respond_with_data(
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{text * 3}</article></body></html>",
            content_type="text/html",
        )
    add_source(engine, Source(url=f"{base}/one.xml", name="One"))
    add_source(engine, Source(url=f"{base}/two.xml", name="Two"))
    reports = []
    asyncio.run(run_forever(engine, db_settings, once=True, report=lambda *r: reports.append(r)))
    ((results, clustered, written),) = reports
    assert sum(r.tally.new + r.tally.duplicate for r in results) == 2
    assert clustered.articles == 2 and clustered.new_stories == 1
    assert written.written == 1
    with engine.connect() as conn:
        from newsloom.store.stories import iter_stories

        (story,) = list(iter_stories(conn))
        assert store_pages.latest_page(conn, story.id)["headline"]


def _due(engine, source_id: int) -> None:
    """Make a source due for its next poll now."""
    with engine.begin() as conn:
        src = store_sources.source_by_id(conn, source_id)
        src.next_fetch = None
        store_sources.save_fetch_state(conn, src)


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_page_failing_for_a_passing_reason_is_tried_again(engine, db_settings, httpserver):
    """A page that answers 503 (or refuses the connection) while the feed gives only a teaser
    is not stored from the teaser: it waits, is tried at a later poll even after the feed has
    dropped it, and is stored from its page once the page answers."""
    base = httpserver.url_for("")[:-1]
    down = f"http://127.0.0.1:{_closed_port()}/p/refused"
    items = [("/p/1", "One"), ("/p/404", "Gone")]
    feed = {"body": rss(base, items)}
    feed["body"] = feed["body"].replace(
        "</channel>",
        f"<item><title>Refused</title><link>{down}</link><description>Teaser</description>"
        "</item></channel>",
    )

    def feed_handler(request):  # conditional, as real feeds are: unchanged gives 304
        tag = '"' + hashlib.sha1(feed["body"].encode()).hexdigest()[:12] + '"'
        if request.headers.get("If-None-Match") == tag:
            return Response(status=304, headers={"ETag": tag})
        return Response(feed["body"], content_type="application/rss+xml", headers={"ETag": tag})

    httpserver.expect_request("/feed.xml").respond_with_handler(feed_handler)
    state = {"up": False, "calls": 0}

    def flaky(request):
        state["calls"] += 1
        if state["up"]:
            return Response(page("Story One", 1), content_type="text/html")
        return Response("busy", status=503)

    httpserver.expect_request("/p/1").respond_with_handler(flaky)
    httpserver.expect_request("/p/404").respond_with_data("no such page", status=404)
    src, _ = add_source(engine, Source(url=f"{base}/feed.xml", name="Flaky pages"))

    first = poll(engine, db_settings)[0]
    # the 404 is a lasting failure: the feed's title and teaser are kept at once
    assert (first.tally.new, first.tally.deferred) == (1, 2), first.tally.summary()
    assert "pages to try again later 2" in first.tally.summary()
    with engine.connect() as conn:
        stored = {a.url: a for a in store_articles.iter_articles(conn)}
        waiting = {p.url: p for p in store_pending.for_source(conn, src.id)}
        stats = pipeline_stats(conn, datetime.now(UTC))
    assert set(stored) == {f"{base}/p/404"} and stored[f"{base}/p/404"].text == "About Gone"
    assert set(waiting) == {f"{base}/p/1", down}
    assert waiting[f"{base}/p/1"].attempts == 1 and "503" in waiting[f"{base}/p/1"].last_error
    assert waiting[down].entry.title == "Refused"
    assert stats.queues["page_retries"] == 2
    calls = state["calls"]
    # the first retry waits ten minutes: an immediate poll does not fetch the page again
    wait = waiting[f"{base}/p/1"].next_try - waiting[f"{base}/p/1"].first_failed
    assert timedelta(minutes=9) < wait <= timedelta(minutes=10)
    _due(engine, src.id)
    second = poll(engine, db_settings)[0]
    assert second.status == "not_modified"
    assert (second.tally.new, second.tally.deferred) == (0, 2)
    assert state["calls"] == calls

    # the feed drops the item, the page comes back, the wait is over: fetched from the queue
    feed["body"] = rss(base, [("/p/404", "Gone")])
    state["up"] = True
    with engine.begin() as conn:
        conn.execute(pending_pages.update().values(next_try=datetime.now(UTC)))
    _due(engine, src.id)
    third = poll(engine, db_settings)[0]
    assert third.tally.new == 1 and third.tally.deferred == 1  # the refused one fails again
    with engine.connect() as conn:
        one = store_articles.article_by_url(conn, f"{base}/p/1")
        waiting = {p.url: p for p in store_pending.for_source(conn, src.id)}
    assert one.title == "Story One" and len(one.text.split()) > 100
    assert set(waiting) == {down} and waiting[down].attempts == 2
    # the second wait is twice the first
    assert waiting[down].next_try - datetime.now(UTC) > timedelta(minutes=19)

    # a feed that answers "not modified" still has its waiting pages tried when they are due
    with engine.begin() as conn:
        conn.execute(pending_pages.update().values(next_try=datetime.now(UTC)))
    _due(engine, src.id)
    fourth = poll(engine, db_settings)[0]
    assert fourth.status == "not_modified" and fourth.tally.deferred == 1
    with engine.connect() as conn:
        assert store_pending.get(conn, down).attempts == 3


def test_a_page_that_keeps_failing_is_stored_from_the_feed_in_the_end(
    engine, db_settings, httpserver
):
    base = httpserver.url_for("")[:-1]
    long_summary = " ".join(["harbour council vote"] * 20)  # 60 words: more than a teaser
    feed = rss(base, [("/q/1", "Down"), ("/q/2", "Long")]).replace(
        "<description>About Long</description>", f"<description>{long_summary}</description>"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed, content_type="application/rss+xml"
    )
    for path in ("/q/1", "/q/2"):
        httpserver.expect_request(path).respond_with_data("down", status=502)
    src, _ = add_source(engine, Source(url=f"{base}/feed.xml", name="Down"))
    settings = replace(db_settings, page_retry_hours=1.0)

    first = poll(engine, settings)[0]
    # a feed that gives the text is stored from it at once; the teaser waits for its page
    assert (first.tally.new, first.tally.deferred) == (1, 1)
    with engine.connect() as conn:
        assert store_articles.article_by_url(conn, f"{base}/q/2").text == long_summary
        (waiting,) = store_pending.for_source(conn, src.id)
    # the last try is due when the hours are up, not later
    assert waiting.next_try - waiting.first_failed == timedelta(minutes=10)

    # an hour later the page still fails: the feed's title and teaser are stored, once
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1, seconds=1)
    with engine.begin() as conn:
        conn.execute(pending_pages.update().values(first_failed=an_hour_ago, next_try=an_hour_ago))
    _due(engine, src.id)
    second = poll(engine, settings)[0]
    assert (second.tally.new, second.tally.known, second.tally.deferred) == (1, 1, 0)
    with engine.connect() as conn:
        down = store_articles.article_by_url(conn, f"{base}/q/1")
        assert store_pending.for_source(conn, src.id) == []
        errors = [e for e in store_sources.recent_errors(conn, limit=50) if e["url"]]
    assert (down.title, down.text) == ("Down", "About Down")
    assert sum(e["url"] == f"{base}/q/1" for e in errors) == 2  # both failures on record

    # with page_retry_hours 0 a teaser is stored at once, as before
    httpserver.expect_request("/feed2.xml").respond_with_data(
        rss(base, [("/q/3", "Now")]), content_type="application/rss+xml"
    )
    httpserver.expect_request("/q/3").respond_with_data("down", status=503)
    add_source(engine, Source(url=f"{base}/feed2.xml", name="Now"))
    now = {r.source_id: r for r in poll(engine, replace(db_settings, page_retry_hours=0))}
    assert [(r.tally.new, r.tally.deferred) for r in now.values()] == [(1, 0)]


def test_a_site_that_hangs_costs_a_few_timeouts_and_loses_nothing(
    engine, db_settings, httpserver, stall_server
):
    """Every page of a source hangs (a tarpit): after a few time-outs in a row the fetcher
    leaves the host alone, so the poll ends in seconds instead of one time-out per page and
    retry, and every item waits in the retry queue, none stored from its teaser, none lost."""
    items = "".join(
        f"<item><title>Item {i}</title><link>{stall_server.url}/a/{i}</link>"
        f"<description>Teaser {i}</description></item>"
        for i in range(12)
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(httpserver.url_for("")[:-1], []).replace("</channel>", items + "</channel>"),
        content_type="application/rss+xml",
    )
    src, _ = add_source(engine, Source(url=httpserver.url_for("/feed.xml"), name="Tarpit"))
    settings = replace(db_settings, timeout=0.3, retries=1)
    started = time.monotonic()
    (result,) = poll(engine, settings)
    elapsed = time.monotonic() - started
    # five requests in a row time out (two in flight at a time); the other pages are not asked
    # for. Without the pause: 12 pages x 2 tries = 24 time-outs, two at a time, 3.6 s at least.
    assert len(stall_server.asked) <= 6, stall_server.asked
    assert elapsed < 3.5, elapsed
    assert result.status == "ok" and (result.tally.new, result.tally.deferred) == (0, 12)
    with engine.connect() as conn:
        waiting = store_pending.for_source(conn, src.id)
        assert list(store_articles.iter_articles(conn)) == []
    assert len(waiting) == 12
    assert sum("not tried" in p.last_error for p in waiting) >= 6


def _strike_page(drivers: str, title: str) -> str:
    paras = [
        f"Bus drivers in Calderon walked out on Monday morning, and {drivers} drivers left their "
        "buses in the depots as the strike over pay began across the city.",
        "The Calderon Transit Workers union said talks with the city's bus operator had broken "
        "down on Sunday night after the company refused to raise its pay offer again.",
        "Commuters queued for taxis and trams in the city centre, and several schools told "
        "pupils to stay at home until the buses run again.",
        "The operator said it regretted the strike and was ready to return to talks at any time, "
        "but that the union's demand would cost more than the city could pay this year.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f"<html lang='en'><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{body}</article></body></html>"
    )


def _atom(base: str, title: str, updated: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Calderon Ledger</title><id>{base}/</id><updated>{updated}</updated>"
        f'<entry><title>{title}</title><link href="{base}/strike"/><id>{base}/strike</id>'
        f"<published>2026-11-27T08:00:00Z</published><updated>{updated}</updated>"
        "<summary>Bus drivers walk out.</summary></entry>"
        # an RSS-style item whose date the feed renews at every build: not a correction
        f'<entry><title>Weather</title><link href="{base}/weather"/><id>{base}/weather</id>'
        f"<published>{updated}</published><summary>Rain.</summary></entry></feed>"
    )


def test_a_correction_under_the_same_url_is_stored_in_place(engine, db_settings, httpserver):
    """An outlet corrects its report under the same URL (a new title, the feed's `updated`
    later): the stored article takes the correction, its story's page is written again with
    it; an item whose only change is its date is not fetched again."""
    from sqlalchemy import select

    from newsloom.pipeline import Clusterer, write_pending
    from newsloom.store import pages as store_pages
    from newsloom.store.schema import articles as articles_table

    settings = replace(db_settings, min_outlets=1)
    base = httpserver.url_for("")[:-1]
    state = {"feed": _atom(base, "800 drivers strike in Calderon", "2026-11-27T08:00:00Z")}
    state["page"] = _strike_page("800", "800 drivers strike in Calderon")
    fetched = []

    def feed(request):
        return Response(state["feed"], content_type="application/atom+xml")

    def article(request):
        fetched.append(request.path)
        html = state["page"] if request.path == "/strike" else page("Weather", 7)
        return Response(html, content_type="text/html")

    httpserver.expect_request("/feed.xml").respond_with_handler(feed)
    httpserver.expect_request("/strike").respond_with_handler(article)
    httpserver.expect_request("/weather").respond_with_handler(article)
    src, _ = add_source(engine, Source(url=f"{base}/feed.xml", name="Calderon Ledger"))

    def poll_now():
        later = datetime.now(UTC) + timedelta(days=365)  # every source due
        (result,) = asyncio.run(refresh_due(engine, settings, now=later))
        return result.tally

    assert poll_now().new == 2
    Clusterer(engine, settings).run()
    write_pending(engine, settings)
    with engine.connect() as conn:
        story_id = conn.execute(
            select(articles_table.c.story_id).where(articles_table.c.url == f"{base}/strike")
        ).scalar_one()
        first = store_pages.latest_page(conn, story_id)
    assert "800 drivers" in first["headline"] + str(first["story"])
    assert sorted(fetched) == ["/strike", "/weather"]

    # the same items again, the weather item with a new date: nothing is fetched
    state["feed"] = _atom(base, "800 drivers strike in Calderon", "2026-11-27T08:00:00Z")
    state["feed"] = state["feed"].replace(
        "<published>2026-11-27T08:00:00Z</published><summary>Rain",
        "<published>2026-11-27T09:30:00Z</published><summary>Rain",
    )
    assert poll_now().corrected == 0 and len(fetched) == 2

    # the correction: 1,200 drivers, a new title, a later `updated`
    state["feed"] = _atom(base, "1,200 drivers strike in Calderon", "2026-11-27T11:00:00Z")
    state["page"] = _strike_page("1,200", "1,200 drivers strike in Calderon")
    tally = poll_now()
    assert tally.corrected == 1 and "corrected in place 1" in tally.summary()
    assert fetched.count("/strike") == 2 and fetched.count("/weather") == 1
    with engine.connect() as conn:
        art = store_articles.article_by_url(conn, f"{base}/strike")
        assert art.title == "1,200 drivers strike in Calderon"
        assert "1,200 drivers left" in art.text
        assert store_articles.article_count(conn) == 2  # stored in place, not twice
    assert write_pending(engine, settings).written == 1  # its story's page, written again
    with engine.connect() as conn:
        latest = store_pages.latest_page(conn, story_id)
    shown = latest["headline"] + " " + " ".join(p["text"] for p in latest["story"])
    assert "1,200" in shown and "800 drivers" not in shown
    assert poll_now().corrected == 0 and fetched.count("/strike") == 2  # once per correction
