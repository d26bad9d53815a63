"""The publish stage: story pages and API stories rendered ahead and kept in the database.

A database filled through the real pipeline (import -> cluster -> write), then
``web.publish.publish``; the site (a fresh app each time, so nothing comes from its memory)
must serve what was kept while it is current, and never once the story has moved on. On
SQLite the kept rows are read by the FastPath's own reader, on PostgreSQL in a worker thread:
both are run.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from helpers import recluster_stopped_after_a_batch
from sqlalchemy import select, update
from test_web import Client, _embedder, _fill, _story_ids, new_revision

from newsloom.model import Source
from newsloom.pipeline import Clusterer, import_file
from newsloom.store import renderings
from newsloom.store import sources as store_sources
from newsloom.store import stories as store_stories
from newsloom.store.db import transaction
from newsloom.store.schema import articles as articles_table
from newsloom.store.schema import stories as stories_table
from newsloom.store.schema import story_pages, story_renderings
from newsloom.web.app import create_app
from newsloom.web.http import RENDER_VERSION
from newsloom.web.publish import publish


def _get(settings, engine, path: str, **kw):
    """One request to a freshly created app (empty caches)."""
    client = Client(create_app(settings, engine, recheck_seconds=0))
    try:
        return client.get(path, **kw)
    finally:
        client.close()


def _tamper(engine, short_id: str, kind: str, body: bytes) -> None:
    """Replace a kept rendering's body, leaving what it was made from: only a site that
    serves the kept row can show it."""
    with transaction(engine) as conn:
        story_id, _ = store_stories.resolve(conn, short_id)
        conn.execute(
            update(story_renderings)
            .where(story_renderings.c.story_id == story_id, story_renderings.c.kind == kind)
            .values(body=gzip.compress(body))
        )


def _live_paged(engine) -> int:
    """Live stories with a page: what publishing renders."""
    with engine.connect() as conn:
        return len(
            conn.execute(
                select(stories_table.c.id).where(
                    stories_table.c.merged_into.is_(None),
                    stories_table.c.id.in_(select(story_pages.c.story_id)),
                )
            ).all()
        )


def test_kept_renderings_are_served_only_while_current(engine, db_settings, tmp_path):
    settings = db_settings
    _fill(engine, settings, tmp_path)
    sid, other = _story_ids(engine)[:2]
    built = _get(settings, engine, f"/t/{sid}")  # before publishing: built from the database
    built_api = _get(settings, engine, f"/api/v1/stories/{sid}")

    tally = publish(engine)
    live_paged = _live_paged(engine)
    assert tally.rendered == live_paged > 2
    with engine.connect() as conn:
        assert renderings.stale(conn, RENDER_VERSION) == []
    assert publish(engine).rendered == 0  # nothing changed: nothing to do

    # a kept rendering is the page the site would build, byte for byte, with its validators
    kept = _get(settings, engine, f"/t/{sid}")
    assert kept.status_code == 200 and kept.content == built.content
    assert kept.headers["etag"] == built.headers["etag"]
    assert kept.headers["last-modified"] == built.headers["last-modified"]
    assert kept.headers["content-type"] == built.headers["content-type"]
    kept_api = _get(settings, engine, f"/api/v1/stories/{sid}")
    assert kept_api.json() == built_api.json()
    assert kept_api.headers["etag"] == built_api.headers["etag"]
    # conditional GET and a client that takes no gzip work on a kept rendering too
    etag = kept.headers["etag"]
    assert _get(settings, engine, f"/t/{sid}", headers={"If-None-Match": etag}).status_code == 304
    plain = _get(settings, engine, f"/t/{sid}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == built.content

    # the site really reads the kept row (a marked body shows) ...
    _tamper(engine, sid, "page", b"<p>kept page</p>")
    _tamper(engine, sid, "api", b'{"kept": true}')
    assert _get(settings, engine, f"/t/{sid}").text == "<p>kept page</p>"
    assert _get(settings, engine, f"/api/v1/stories/{sid}").json() == {"kept": True}

    # ... and never once the story has a new page revision
    new_revision(engine, sid, "A newer headline for this story")
    assert "A newer headline for this story" in _get(settings, engine, f"/t/{sid}").text
    assert "newer headline" in _get(settings, engine, f"/api/v1/stories/{sid}").text
    later = datetime.now(UTC)
    with engine.connect() as conn:  # a pipeline round looks only at what changed since
        assert len(renderings.stale(conn, RENDER_VERSION, since=later - timedelta(minutes=1))) == 1
        assert renderings.stale(conn, RENDER_VERSION, since=later) == []
    assert publish(engine).rendered == 1  # only that story is rendered again
    _tamper(engine, sid, "page", b"<p>kept page</p>")
    assert _get(settings, engine, f"/t/{sid}").text == "<p>kept page</p>"

    # nor once an article joins it, even with its story row untouched
    with transaction(engine) as conn:
        other_id, _ = store_stories.resolve(conn, other)
        story_id, _ = store_stories.resolve(conn, sid)
        moved = conn.execute(
            select(articles_table.c.id).where(articles_table.c.story_id == other_id).limit(1)
        ).scalar_one()
        conn.execute(
            update(articles_table).where(articles_table.c.id == moved).values(story_id=story_id)
        )
    page = _get(settings, engine, f"/t/{sid}").text
    assert page != "<p>kept page</p>" and "A newer headline for this story" in page
    assert moved in {
        a["id"] for a in _get(settings, engine, f"/api/v1/stories/{sid}").json()["articles"]
    }
    with transaction(engine) as conn:  # as the pipeline does after moving articles
        store_stories.refresh_counts(conn, {story_id, other_id})
        assert set(renderings.stale(conn, RENDER_VERSION)) == {story_id, other_id}

    # nor when other code rendered it (an upgrade changed the templates)
    publish(engine)
    _tamper(engine, sid, "page", b"<p>kept page</p>")
    with transaction(engine) as conn:
        conn.execute(update(story_renderings).values(version="older-code"))
    assert _get(settings, engine, f"/t/{sid}").text != "<p>kept page</p>"
    with engine.connect() as conn:
        assert len(renderings.stale(conn, RENDER_VERSION)) == live_paged


def test_merges_and_outlet_changes_retire_kept_renderings(engine, db_settings, tmp_path):
    settings = db_settings
    _fill(engine, settings, tmp_path)
    survivor, absorbed = _story_ids(engine)[:2]
    publish(engine)

    # a story merged away redirects, though its old renderings are still in the table
    with transaction(engine) as conn:
        kept_id, _ = store_stories.resolve(conn, survivor)
        gone_id, _ = store_stories.resolve(conn, absorbed)
        store_stories.merge(conn, gone_id, kept_id)
        store_stories.refresh_counts(conn, {kept_id})
    r = _get(settings, engine, f"/t/{absorbed}", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == f"/t/{survivor}"
    r = _get(settings, engine, f"/api/v1/stories/{absorbed}", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == f"/api/v1/stories/{survivor}"
    assert absorbed in _get(settings, engine, f"/t/{survivor}").text  # "also reached as"
    tally = publish(engine)
    assert tally.rendered == 1 and tally.gone == 0  # the survivor; the absorbed is not live

    # an outlet's name or country shows on every page of its stories: all are let go
    feed = Source(url="https://quillcourier.example/feed.xml", name="Quill Courier")
    with transaction(engine) as conn:
        assert renderings.stale(conn, RENDER_VERSION) == []
        store_sources.upsert_source(conn, feed)  # a new outlet: no page shows it yet
        store_sources.upsert_source(conn, feed)  # nothing changed
        assert conn.execute(select(story_renderings.c.story_id)).first() is not None
        store_sources.upsert_source(conn, Source(url=feed.url, name=feed.name, country="NZ"))
        assert conn.execute(select(story_renderings.c.story_id)).first() is None
    assert publish(engine).rendered == _live_paged(engine)


def test_a_story_settles_on_the_clock_alone(engine, db_settings, tmp_path):
    """A story is "developing" until ``story_settle_hours`` after its newest article, then
    "settled": with no change to the data, its page, its API story, the API's list and
    the kept renderings all change over when that time comes."""
    settings = replace(db_settings, story_settle_hours=1.0)
    _fill(engine, settings, tmp_path)
    sid = _story_ids(engine)[0]
    lead = 6.0  # seconds until it settles
    settles = datetime.now(UTC) + timedelta(seconds=lead)
    with transaction(engine) as conn:
        story_id, _ = store_stories.resolve(conn, sid)
        conn.execute(
            update(stories_table)
            .where(stories_table.c.id == story_id)
            .values(last_article=settles - timedelta(hours=1))
        )
    assert publish(engine, settle_hours=1.0).rendered == _live_paged(engine)
    with engine.connect() as conn:
        assert renderings.stale(conn, RENDER_VERSION, settle_hours=1.0) == []
    # the same site all along: its data versions are not re-read within the minute, so only
    # the clock can retire what it keeps in memory
    client = Client(create_app(settings, engine, recheck_seconds=60))
    try:

        def listed() -> str:
            cards = client.get("/api/v1/stories?limit=100").json()["stories"]
            return next(c["status"] for c in cards if c["id"] == sid)

        page = client.get(f"/t/{sid}").text
        assert "Developing</strong> · latest report" in page and ">Settled<" not in page
        assert client.get(f"/api/v1/stories/{sid}").json()["status"] == "developing"
        assert listed() == "developing"
        # a kept rendering is served while the story is developing (a marked body shows) ...
        _tamper(engine, sid, "page", b"<p>kept page, developing</p>")
        assert _get(settings, engine, f"/t/{sid}").text == "<p>kept page, developing</p>"
        assert datetime.now(UTC) < settles, "the developing phase took too long to check"

        time.sleep(max(0.0, (settles - datetime.now(UTC)).total_seconds()) + 0.2)
        page = client.get(f"/t/{sid}").text
        assert "Settled</strong> · no report since" in page and ">Developing<" not in page
        assert client.get(f"/api/v1/stories/{sid}").json()["status"] == "settled"
        assert listed() == "settled"
    finally:
        client.close()
    # ... and never once it has settled; publishing renders that story again, and only it
    assert "Settled</strong>" in _get(settings, engine, f"/t/{sid}").text
    with engine.connect() as conn:
        assert renderings.stale(conn, RENDER_VERSION, settle_hours=1.0) == [story_id]
    assert publish(engine, settle_hours=1.0).rendered == 1
    _tamper(engine, sid, "page", b"<p>kept page, settled</p>")
    assert _get(settings, engine, f"/t/{sid}").text == "<p>kept page, settled</p>"


def _cards(html: str) -> list[str]:
    """The home page's story links, in rank order, each with the outlets its card counts."""
    return re.findall(r'href="/t/([^"]+)".*?(\d+ outlets?)', html, flags=re.S)


LONE = dict(
    id="lone-1",
    source="Lorvik Ledger",
    url="https://lorvikledger.example/news/library-hours",
    published="2026-11-20T07:00:00Z",
    title="Lorvik's public library opens on Sundays from next month",
    text="The public library in Lorvik will open on Sundays from December, the town council "
    "said. Volunteers will staff the reading room from ten until four, and the children's "
    "section will hold a story hour at eleven.",
)


def _urls(story: dict) -> list[str]:
    return [a["url"] for a in story["articles"]]


def _counts(engine) -> dict[str, int]:
    """Each live story's article count, by its public id."""
    with engine.connect() as conn:
        return dict(
            conn.execute(
                select(stories_table.c.short_id, stories_table.c.article_count).where(
                    stories_table.c.merged_into.is_(None)
                )
            ).all()
        )


def test_a_recluster_under_way_leaves_the_site_as_it_was(engine, db_settings, tmp_path):
    """While a recluster is under way (here one stopped after placing its first article:
    every other story is emptied, waiting to be rebuilt) the site shows every story as it
    was before it began, to a running site and a new one alike: its page and its API story;
    a running site's front page stays as it was. Publishing renders nothing meanwhile, and
    nothing the site builds is kept past the recluster. Once it is done the site moves on."""
    settings = db_settings
    _fill(engine, settings, tmp_path)
    lone = tmp_path / "lone.jsonl"  # one outlet: a story with no page
    lone.write_text(json.dumps(LONE) + "\n", encoding="utf-8")
    import_file(engine, settings, lone)
    Clusterer(engine, settings, embedder=_embedder()).run()
    publish(engine)
    ids = _story_ids(engine)
    running = Client(create_app(settings, engine, recheck_seconds=0))
    app = create_app(settings, engine, recheck_seconds=0)
    app.state.site.warm_up()  # as when it starts serving: read, but no request for `/` yet
    warmed = Client(app)
    try:
        front = running.get("/").text
        pages = {sid: running.get(f"/t/{sid}").text for sid in ids}
        stories = {sid: running.get(f"/api/v1/stories/{sid}").json() for sid in ids}
        assert len(_cards(front)) == len(ids) > 2
        before = _counts(engine)
        pageless = {  # no page, so no kept rendering: shown from the articles it had
            sid: _urls(running.get(f"/api/v1/stories/{sid}").json())
            for sid in before
            if sid not in ids
        }
        assert pageless
        recluster_stopped_after_a_batch(settings, engine, batch=1, embedder=_embedder())
        counts = _counts(engine)
        emptied = [sid for sid in ids if counts[sid] == 0]
        assert emptied and len(emptied) < len(ids)  # half way
        # a story the recluster merged into another (as it would a story it finds is one
        # with another) is shown as it was until the recluster is done, not redirected yet
        # (here the rebuild brings it back: its first article starts it again)
        absorbed, survivor = emptied[0], next(sid for sid in ids if sid != emptied[0])
        with transaction(engine) as conn:
            store_stories.merge(
                conn,
                store_stories.resolve(conn, absorbed)[0],
                store_stories.resolve(conn, survivor)[0],
            )

        tally = publish(engine)
        assert (tally.rendered, tally.waiting) == (0, True)
        assert tally.summary().startswith("published no story pages: a recluster is under way")
        fresh = Client(create_app(settings, engine, recheck_seconds=0))
        try:
            assert _cards(running.get("/").text) == _cards(front)
            assert _cards(warmed.get("/").text) == _cards(front)
            # a site started meanwhile has no ranking from before: it lists the stories
            # rebuilt so far, never an emptied one
            shown = {sid for sid, _ in _cards(fresh.get("/").text)}
            assert shown and not shown & set(emptied)
            for client in (running, fresh):
                for sid in ids:
                    assert client.get(f"/t/{sid}").text == pages[sid], sid
                    assert client.get(f"/api/v1/stories/{sid}").json() == stories[sid], sid
                for sid, urls in pageless.items():
                    shown = client.get(f"/api/v1/stories/{sid}").json()
                    assert (_urls(shown), shown["article_count"]) == (urls, len(urls)), sid
                    assert client.get(f"/t/{sid}").status_code == 200
        finally:
            fresh.close()
        listed = running.get("/api/v1/articles?limit=100").json()["articles"]
        assert any(a["story"] is None for a in listed)  # (what the database says meanwhile)

        clustered = Clusterer(engine, settings, embedder=_embedder()).run()
        assert clustered.swept and "finished a recluster" in clustered.summary()
        # the rows it made for stories the recluster rebuilt went back to them: none is new
        assert (clustered.new_stories, clustered.joined) == (0, clustered.articles)
        assert _counts(engine) == before  # (the fixture's stories come out as they were)
        listed = running.get("/api/v1/articles?limit=100").json()["articles"]
        assert all(a["story"] is not None for a in listed)
        assert _cards(running.get("/").text) == _cards(front)
        assert publish(engine).waiting is False
    finally:
        running.close()
        warmed.close()
