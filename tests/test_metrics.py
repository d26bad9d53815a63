"""/metrics and `newsloom status` tell the truth about the database, on SQLite and PostgreSQL.

The database is filled through the real pipeline: a local feed server (one good feed, one
that answers 500), an import of the team's invented events, clustering and page writing.
The figures are then checked against plain SQL counts of the same tables, and the counters
of this process against what the work did.
"""

from __future__ import annotations

import asyncio
import functools
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from newsloom.cluster.embed import make_embedder
from newsloom.metrics import make_registry
from newsloom.model import Source
from newsloom.pipeline import (
    Clusterer,
    Ingestor,
    add_source,
    import_file,
    refresh_due,
    write_pending,
)
from newsloom.store import pages as store_pages
from newsloom.store.schema import (
    articles,
    ingest_errors,
    pending_pages,
    sources,
    stories,
    story_pages,
)
from newsloom.web.app import create_app

sys.path.insert(0, str(Path(__file__).parent / "data" / "cluster"))
from events import ARTICLES  # noqa: E402
from helpers import cli, page, write_jsonl  # noqa: E402

Samples = dict[tuple[str, frozenset], float]


@functools.cache
def _embedder():
    return make_embedder("use", 2)


def _rss(base: str, paths: list[str]) -> str:
    pub = format_datetime(datetime.now(UTC) - timedelta(minutes=5))
    items = "".join(
        f"<item><title>Item {p}</title><link>{base}{p}</link><pubDate>{pub}</pubDate></item>"
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    )


class Client:
    """A synchronous face on httpx.AsyncClient over the app (ASGITransport)."""

    def __init__(self, app):
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )

    def get(self, url: str, **kw) -> httpx.Response:
        return self.loop.run_until_complete(self.http.get(url, **kw))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


def scrape(client: Client) -> Samples:
    resp = client.get("/metrics")
    assert resp.status_code == 200
    out: Samples = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(after: Samples, before: Samples, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def _count(conn, table, *where) -> int:
    return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def db_truth(engine, min_outlets: int) -> dict:
    """The figures by plain SQL, independent of store.stats."""
    now = datetime.now(UTC)
    with engine.connect() as conn:
        return {
            "sources": _count(conn, sources),
            "sources_due": _count(
                conn, sources, sources.c.next_fetch.is_(None) | (sources.c.next_fetch <= now)
            ),
            "sources_failing": _count(conn, sources, sources.c.error_count > 0),
            "articles": _count(conn, articles),
            "articles_last_hour": _count(
                conn, articles, articles.c.fetched >= now - timedelta(hours=1)
            ),
            "syndicated": _count(conn, articles, articles.c.duplicate_of.is_not(None)),
            "stories": len(
                set(conn.execute(select(articles.c.story_id).distinct()).scalars()) - {None}
            ),
            "stories_with_page": len(
                set(
                    conn.execute(
                        select(story_pages.c.story_id)
                        .join(stories, stories.c.id == story_pages.c.story_id)
                        .where(stories.c.merged_into.is_(None))
                        .where(stories.c.id.in_(select(articles.c.story_id)))
                    ).scalars()
                )
            ),
            "unclustered": _count(conn, articles, articles.c.story_id.is_(None)),
            "page_retries": _count(conn, pending_pages),
            "pages": len(store_pages.stories_needing_pages(conn, min_outlets, now)),
            "errors": dict(
                conn.execute(
                    select(ingest_errors.c.kind, func.count()).group_by(ingest_errors.c.kind)
                ).all()
            ),
        }


def assert_gauges_match(samples: Samples, truth: dict) -> None:
    assert value(samples, "newsloom_database_up") == 1
    for name, key in (
        ("newsloom_sources", "sources"),
        ("newsloom_sources_due", "sources_due"),
        ("newsloom_sources_failing", "sources_failing"),
        ("newsloom_articles", "articles"),
        ("newsloom_articles_last_hour", "articles_last_hour"),
        ("newsloom_articles_syndicated", "syndicated"),
        ("newsloom_stories", "stories"),
        ("newsloom_stories_with_page", "stories_with_page"),
    ):
        assert value(samples, name) == truth[key], name
    assert value(samples, "newsloom_queue_depth", queue="unclustered") == truth["unclustered"]
    assert value(samples, "newsloom_queue_depth", queue="pages") == truth["pages"]
    assert value(samples, "newsloom_queue_depth", queue="sources_due") == truth["sources_due"]
    assert value(samples, "newsloom_queue_depth", queue="page_retries") == truth["page_retries"]
    exposed = {
        dict(labels)["kind"]: v
        for (name, labels), v in samples.items()
        if name == "newsloom_ingest_errors_24h"
    }
    assert exposed == truth["errors"]


@pytest.fixture
def site(engine, db_settings, tmp_path):
    settings = replace(db_settings, extract_workers=0, fetch_pages=True)
    client = Client(create_app(settings, engine, recheck_seconds=0))
    yield client, settings
    client.close()


def test_metrics_and_status_match_the_database(site, engine, httpserver, tmp_path):
    client, settings = site
    base = httpserver.url_for("")[:-1]
    httpserver.expect_request("/good.xml").respond_with_data(
        _rss(base, ["/p/1", "/p/2"]), content_type="application/rss+xml"
    )
    for i in (1, 2):
        httpserver.expect_request(f"/p/{i}").respond_with_data(
            page(f"Harbour budget vote {i}", i), content_type="text/html"
        )
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    add_source(engine, Source(url=f"{base}/good.xml", name="Good"))
    add_source(engine, Source(url=f"{base}/broken.xml", name="Broken"))

    empty = scrape(client)
    assert_gauges_match(empty, db_truth(engine, settings.min_outlets))
    assert value(empty, "newsloom_sources_due") == 2  # never polled: due now

    # poll: one source ok, one failing with a 500
    results = asyncio.run(refresh_due(engine, settings, Ingestor(engine, settings)))
    assert sorted(r.status for r in results) == ["error", "ok"]
    polled = scrape(client)
    assert delta(polled, empty, "newsloom_polls_total", status="ok") == 1
    assert delta(polled, empty, "newsloom_polls_total", status="error") == 1
    assert delta(polled, empty, "newsloom_fetch_errors_total", kind="http_5xx") == 1
    assert delta(polled, empty, "newsloom_articles_ingested_total", outcome="new") == 2
    assert value(polled, "newsloom_ingest_errors_24h", kind="http_5xx") == 1
    assert value(polled, "newsloom_sources_failing") == 1
    assert value(polled, "newsloom_sources_due") == 0
    assert value(polled, "newsloom_last_poll_timestamp_seconds") > 0
    assert_gauges_match(polled, db_truth(engine, settings.min_outlets))

    # import the invented events (some are syndicated copies), then import them again
    path = write_jsonl(tmp_path / "events.jsonl", ARTICLES)
    tally = import_file(engine, settings, path)
    again = import_file(engine, settings, path)
    imported = scrape(client)
    assert tally.duplicate > 0
    for outcome in ("new", "duplicate", "rejected"):
        assert delta(imported, polled, "newsloom_articles_ingested_total", outcome=outcome) == (
            getattr(tally, outcome) + getattr(again, outcome)
        ), outcome
    assert delta(imported, polled, "newsloom_articles_ingested_total", outcome="known") == len(
        ARTICLES
    )
    truth = db_truth(engine, settings.min_outlets)
    assert truth["unclustered"] == truth["articles"] == 2 + tally.new + tally.duplicate
    assert_gauges_match(imported, truth)

    # cluster: the unclustered queue empties, stories appear, pages are waiting
    Clusterer(engine, settings, embedder=_embedder()).run()
    clustered = scrape(client)
    assert delta(clustered, imported, "newsloom_cluster_batch_seconds_count") >= 1
    truth = db_truth(engine, settings.min_outlets)
    assert truth["unclustered"] == 0 and truth["stories"] > 0 and truth["pages"] > 0
    assert_gauges_match(clustered, truth)

    # write: every waiting story gets a page, each write is counted and timed
    written = write_pending(engine, settings)
    after = scrape(client)
    with engine.connect() as conn:
        revisions = _count(conn, story_pages)
    assert written.written + written.not_enough == revisions > 0
    assert delta(after, clustered, "newsloom_stories_written_total", outcome="written") == (
        written.written
    )
    assert delta(after, clustered, "newsloom_page_write_seconds_count") == (
        written.written + written.not_enough
    )
    assert delta(after, clustered, "newsloom_page_write_seconds_sum") > 0
    assert value(after, "newsloom_newest_page_timestamp_seconds") > 0
    truth = db_truth(engine, settings.min_outlets)
    assert truth["pages"] == 0 and truth["stories_with_page"] == revisions
    assert_gauges_match(after, truth)

    # nothing changed: a second pass is counted as unchanged, not timed
    write_pending(engine, settings, force=False)
    with engine.connect() as conn:
        assert _count(conn, story_pages) == revisions

    # `newsloom status --json` reports the same figures
    status = json.loads(cli(settings, "status", "--json"))
    for key in (
        "sources",
        "sources_due",
        "sources_failing",
        "articles",
        "articles_last_hour",
        "syndicated",
        "stories",
        "stories_with_page",
        "unclustered",
    ):
        assert status[key] == truth[key], key
    assert status["queues"] == {
        "unclustered": truth["unclustered"],
        "pages": truth["pages"],
        "sources_due": truth["sources_due"],
        "page_retries": truth["page_retries"],
    }
    assert status["errors_24h"] == truth["errors"] == {"http_5xx": 1}
    assert status["newest_page"] and datetime.fromisoformat(status["newest_page"]).tzinfo
    text = cli(settings, "status")
    assert f"articles  {truth['articles']}:" in text
    assert "in the last 24 h: http_5xx 1" in text
    assert f"{truth['stories']} (merged ones not counted)" in text


def test_metrics_response_is_fresh_and_plain(site, engine, tmp_path):
    client, settings = site
    resp = client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain; version=")
    assert resp.headers["cache-control"] == "no-store"
    assert "etag" not in resp.headers
    assert resp.headers.get("content-encoding") == "gzip"  # decoded by httpx: parsed below
    first = scrape(client)
    assert value(first, "newsloom_articles") == 0
    write_jsonl(tmp_path / "one.jsonl", ARTICLES[:1])
    import_file(engine, settings, tmp_path / "one.jsonl")
    # never served from the response cache: the next scrape sees the new article
    assert value(scrape(client), "newsloom_articles") == 1
    assert value(scrape(client), "newsloom_queue_depth", queue="unclustered") == 1
    # not part of the public API's documentation
    assert "/metrics" not in client.get("/api/v1/openapi.json").text


def test_registries_do_not_collide(engine, db_settings):
    # two apps (and a bare registry) in one process each expose the shared counters
    a, b = make_registry(engine), make_registry(engine)
    create_app(db_settings, engine)
    create_app(db_settings, engine)
    names_a = {m.name for m in a.collect()}
    assert "newsloom_polls" in names_a and "newsloom_sources" in names_a
    assert names_a == {m.name for m in b.collect()}
    assert "newsloom_sources" not in {m.name for m in make_registry().collect()}
