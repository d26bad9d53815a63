"""Per-source polling intervals, adapted to how often each source publishes (issue 6).

Unit tests of the interval rule, then real polls of a busy and a quiet feed served locally,
on SQLite and PostgreSQL: their intervals land in the database, `sources list` and /sources.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
from helpers import cli
from werkzeug import Response

from newsloom.config import Settings
from newsloom.model import Article, Source
from newsloom.pipeline import (
    NOT_MODIFIED_GROWTH,
    add_source,
    next_poll,
    poll_interval,
    publishing_rate,
    refresh_due,
)
from newsloom.store import articles as store_articles
from newsloom.store import sources as store_sources
from newsloom.store.db import transaction
from newsloom.web.app import create_app

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
S = Settings()  # fetch_interval 900, min 300, max 3600
MIN, MAX, DEFAULT = S.fetch_interval_min, S.fetch_interval_max, S.fetch_interval


def every(gap: timedelta, n: int, newest: datetime = NOW) -> list[datetime]:
    """``n`` publication times ``gap`` apart, the newest first."""
    return [newest - i * gap for i in range(n)]


# --- the rule ------------------------------------------------------------------------------


def test_busy_feed_is_polled_at_the_minimum():
    times = every(timedelta(minutes=3), 40)  # a truncated feed: its newest 40 items
    assert publishing_rate(times, NOW) == 39 / (39 * 180)
    assert poll_interval(S, times, None, NOW) == MIN


def test_interval_follows_the_rate_between_the_bounds():
    hourly = every(timedelta(hours=1), 24)
    assert poll_interval(S, hourly, None, NOW) == 1800  # half the gap between items
    twice_an_hour = every(timedelta(minutes=30), 20)
    assert poll_interval(S, twice_an_hour, None, NOW) == 900


def test_daily_feed_is_polled_at_the_maximum():
    daily = every(timedelta(days=1), 10)  # days 0 to 7 count: 7 gaps in 7 days
    assert publishing_rate(daily, NOW) == 7 / (7 * 86400)
    assert poll_interval(S, daily, 600, NOW) == MAX


def test_a_burst_long_ago_drifts_to_the_maximum():
    # busy once, silent for three days since: measured up to now, not to the newest item
    burst = every(timedelta(minutes=5), 30, newest=NOW - timedelta(days=3))
    assert poll_interval(S, burst, MIN, NOW) == MAX
    # nothing at all in the last week
    assert publishing_rate(every(timedelta(days=1), 5, NOW - timedelta(days=9)), NOW) == 0.0
    assert poll_interval(S, [NOW - timedelta(days=30)], MIN, NOW) == MAX
    assert poll_interval(S, [NOW - timedelta(minutes=1)], MIN, NOW) == MAX  # one item a week


def test_an_old_pinned_item_does_not_hide_a_busy_feed():
    pinned = [*every(timedelta(minutes=3), 40), NOW - timedelta(days=400)]
    assert publishing_rate(pinned, NOW) == publishing_rate(pinned[:-1], NOW)
    assert poll_interval(S, pinned, None, NOW) == MIN


def test_recent_silence_slows_a_busy_feed_down():
    fresh = every(timedelta(minutes=10), 20)
    quiet = every(timedelta(minutes=10), 20, newest=NOW - timedelta(hours=5))
    assert poll_interval(S, fresh, None, NOW) == MIN
    assert MIN < poll_interval(S, quiet, None, NOW) < MAX


def test_no_dates_fall_back_to_stored_articles():
    undated = [None, None, None]
    assert publishing_rate(undated, NOW) is None
    # 2,016 articles in 7 days: one every 5 minutes
    assert poll_interval(S, undated, None, NOW, stored_recent=2016) == MIN
    assert poll_interval(S, undated, None, NOW, stored_recent=84) == MAX  # two an hour: 1 h
    assert poll_interval(S, undated, None, NOW, stored_recent=0) == MAX
    # nothing known at all: the previous interval, else the default
    assert poll_interval(S, undated, None, NOW) == DEFAULT
    assert poll_interval(S, [], 1200.0, NOW) == 1200.0


def test_one_date_on_every_item_says_nothing():
    # some feeds stamp every item with the time the feed was built
    stamped = [NOW - timedelta(seconds=5)] * 30
    assert publishing_rate(stamped, NOW) is None
    assert poll_interval(S, stamped, None, NOW, stored_recent=0) == MAX


def test_future_dates_count_as_now():
    times = [NOW + timedelta(hours=2), *every(timedelta(minutes=2), 20, NOW - timedelta(minutes=2))]
    assert poll_interval(S, times, None, NOW) == MIN


def test_not_modified_grows_the_interval_gently_up_to_the_maximum():
    assert poll_interval(S, None, 600.0, NOW) == 600.0 * NOT_MODIFIED_GROWTH
    assert poll_interval(S, None, None, NOW) == DEFAULT * NOT_MODIFIED_GROWTH
    interval, steps = float(MIN), 0
    while interval < MAX:
        interval, steps = poll_interval(S, None, interval, NOW), steps + 1
    assert interval == MAX and 5 < steps < 20


def test_bounds_come_from_settings():
    tight = replace(S, fetch_interval_min=60, fetch_interval_max=120)
    assert poll_interval(tight, every(timedelta(seconds=30), 50), None, NOW) == 60
    assert poll_interval(tight, every(timedelta(days=1), 9), None, NOW) == 120
    upside_down = replace(S, fetch_interval_min=600, fetch_interval_max=300)
    assert poll_interval(upside_down, every(timedelta(days=1), 9), None, NOW) == 600


def test_errors_back_off_whatever_the_rate():
    busy = Source(url="https://x.example/feed", id=1, poll_interval=MIN)
    wait = (next_poll(S, busy, NOW, None) - NOW).total_seconds()
    assert MIN * 0.9 <= wait <= MIN * 1.1
    busy.error_count = 1
    wait = (next_poll(S, busy, NOW, None) - NOW).total_seconds()
    assert wait >= DEFAULT > MIN
    busy.error_count = 4
    assert (next_poll(S, busy, NOW, None) - NOW).total_seconds() >= DEFAULT * 8
    busy.error_count = 1
    assert (next_poll(S, busy, NOW, 7200) - NOW).total_seconds() >= 7200  # Retry-After


def test_polls_are_spread_by_jitter():
    src = Source(url="https://x.example/feed", id=1, poll_interval=600.0)
    waits = [(next_poll(S, src, NOW) - NOW).total_seconds() for _ in range(200)]
    assert all(540 <= w <= 660 for w in waits)
    assert max(waits) - min(waits) > 60  # 200 sources added at once do not fire together
    never = Source(url="https://x.example/other", id=2)
    assert 0.9 * DEFAULT <= (next_poll(S, never, NOW) - NOW).total_seconds() <= 1.1 * DEFAULT


def test_recent_article_count(engine):
    src, _ = add_source(engine, Source(url="https://counted.example/feed", name="Counted"))
    now = datetime.now(UTC)
    rows = [
        ("/1", now - timedelta(days=1), None),
        ("/2", now - timedelta(days=6), None),
        ("/3", now - timedelta(days=20), None),  # published before the week
        ("/4", None, now - timedelta(hours=1)),  # undated: counted by when it was fetched
        ("/5", None, now - timedelta(days=8)),
    ]
    with transaction(engine) as conn:
        for path, published, fetched in rows:
            art = Article(
                url=f"https://counted.example{path}",
                title=path,
                text="text",
                published=published,
                fetched=fetched,
                source_id=src.id,
            )
            store_articles.insert_article(conn, art)
    with engine.connect() as conn:
        week = store_sources.recent_article_count(conn, src.id, now - timedelta(days=7))
        assert week == 3
        assert store_sources.recent_article_count(conn, src.id + 1, now - timedelta(days=7)) == 0


# --- real polls ----------------------------------------------------------------------------


def rss(base: str, prefix: str, times: list[datetime]) -> str:
    items = "".join(
        f"<item><title>Item {i}</title><link>{base}/{prefix}/{i}</link>"
        f"<pubDate>{format_datetime(t)}</pubDate><description>About item {i} of {prefix}"
        "</description></item>"
        for i, t in enumerate(times)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    )


def _sources(engine) -> dict[str, Source]:
    with engine.connect() as conn:
        return {s.name: s for s in store_sources.list_sources(conn)}


def test_busy_and_quiet_feeds_get_their_own_intervals(engine, db_settings, httpserver):
    settings = replace(db_settings, fetch_pages=False)
    base = httpserver.url_for("")[:-1]
    now = datetime.now(UTC)
    busy_feed = rss(base, "busy", every(timedelta(minutes=4), 30, now - timedelta(minutes=1)))
    state = {"busy_down": False}

    def busy(request):
        if state["busy_down"]:
            return Response("gone fishing", status=404)
        if request.headers.get("If-None-Match") == '"b1"':
            return Response(status=304, headers={"ETag": '"b1"'})
        return Response(busy_feed, content_type="application/rss+xml", headers={"ETag": '"b1"'})

    httpserver.expect_request("/busy.xml").respond_with_handler(busy)
    httpserver.expect_request("/quiet.xml").respond_with_data(
        rss(base, "quiet", every(timedelta(days=1), 12, now - timedelta(hours=3))),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/hourly.xml").respond_with_data(
        rss(base, "hourly", every(timedelta(hours=1), 20, now - timedelta(minutes=5))),
        content_type="application/rss+xml",
    )
    for name in ("Busy", "Quiet", "Hourly"):
        add_source(engine, Source(url=f"{base}/{name.lower()}.xml", name=name))
    assert all(s.poll_interval is None for s in _sources(engine).values())

    started = datetime.now(UTC)
    results = asyncio.run(refresh_due(engine, settings))
    assert {r.status for r in results} == {"ok"} and sum(r.tally.new for r in results) == 62
    srcs = _sources(engine)
    busy_src, quiet, hourly = srcs["Busy"], srcs["Quiet"], srcs["Hourly"]
    assert busy_src.poll_interval == settings.fetch_interval_min
    assert quiet.poll_interval == settings.fetch_interval_max
    assert 1700 < hourly.poll_interval < 1900  # half an hour: half the gap between items
    for src in srcs.values():  # next_fetch is the interval, spread by ±10%
        wait = (src.next_fetch - started).total_seconds()
        assert 0.9 * src.poll_interval - 1 <= wait <= 1.1 * src.poll_interval + 5, src.name
    assert busy_src.next_fetch < hourly.next_fetch < quiet.next_fetch

    # the command and the web page show how often each is polled
    table = cli(settings, "sources", "list")
    row = {line.split("│")[2].strip(): line for line in table.splitlines() if "│" in line}
    assert "5 min" in row["Busy"] and "30 min" in row["Hourly"] and "1 h" in row["Quiet"]
    assert "every" in table
    listed = [json.loads(x) for x in cli(settings, "sources", "list", "--json").splitlines()]
    listed = {s["name"]: s for s in listed}
    assert listed["Quiet"]["poll_interval"] == settings.fetch_interval_max
    page = asyncio.run(_get(create_app(settings, engine, recheck_seconds=0), "/sources"))
    assert "every 5 min" in page and "every 1 h" in page

    # not modified: the busy feed's interval grows a little
    due = datetime.now(UTC) + timedelta(hours=2)
    (again,) = asyncio.run(refresh_due(engine, settings, now=busy_src.next_fetch))
    assert again.status == "not_modified"
    busy_src = _sources(engine)["Busy"]
    assert busy_src.poll_interval == settings.fetch_interval_min * NOT_MODIFIED_GROWTH

    # an error: back-off wins over the busy feed's short interval, which is kept for later
    state["busy_down"] = True
    results = asyncio.run(refresh_due(engine, settings, now=due))
    failed = next(r for r in results if r.source_id == busy_src.id)
    assert failed.status == "error"
    busy_src = _sources(engine)["Busy"]
    assert busy_src.error_count == 1
    assert busy_src.poll_interval == settings.fetch_interval_min * NOT_MODIFIED_GROWTH
    assert (busy_src.next_fetch - datetime.now(UTC)).total_seconds() > settings.fetch_interval - 5


async def _get(app, path: str) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        resp = await client.get(path)
        assert resp.status_code == 200
        return resp.text
