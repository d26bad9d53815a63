"""Storage against real SQLite and PostgreSQL: migrations, sources, articles, once per URL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from newsloom.model import Article, Source
from newsloom.store import articles as store_articles
from newsloom.store import sources as store_sources
from newsloom.store.db import migrate, transaction
from newsloom.store.meta import held, hold


def test_migrate_is_idempotent(engine):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from newsloom.store.db import MIGRATIONS

    migrate(engine)  # a second run changes nothing and does not fail
    with engine.connect() as conn:
        version = conn.execute(text("select version_num from alembic_version")).scalar_one()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert version == ScriptDirectory.from_config(cfg).get_current_head()


def test_sqlite_uses_wal(settings):
    from newsloom.store.db import open_store

    eng = open_store(settings)
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert (settings.data_dir / "newsloom.db").exists()


def test_upsert_source_keeps_fetch_state(engine):
    with transaction(engine) as conn:
        src, new = store_sources.upsert_source(conn, Source(url="https://a.example/feed", name="A"))
        assert new
        src.etag, src.error_count, src.last_error = '"v1"', 3, "boom"
        store_sources.save_fetch_state(conn, src)
        again, new2 = store_sources.upsert_source(
            conn, Source(url="https://a.example/feed", name="A News", country="GB")
        )
    assert not new2
    assert again.id == src.id
    assert (again.name, again.country) == ("A News", "GB")
    assert (again.etag, again.error_count, again.last_error) == ('"v1"', 3, "boom")


def test_article_stored_once_per_url(engine):
    published = datetime(2026, 11, 1, 12, 30, tzinfo=UTC)
    art = Article(url="https://a.example/x", title="T", text="body", published=published)
    with transaction(engine) as conn:
        first, new1 = store_articles.insert_article(conn, art)
        second, new2 = store_articles.insert_article(conn, art)
    assert new1 and not new2 and first == second
    with engine.connect() as conn:
        assert store_articles.article_count(conn) == 1
        got = store_articles.article_by_url(conn, "https://a.example/x")
    assert got.published == published  # timezone-aware UTC on both backends
    assert got.published.tzinfo is not None


def test_list_sources_counts_articles_and_due(engine):
    now = datetime.now(UTC)
    with transaction(engine) as conn:
        a, _ = store_sources.upsert_source(conn, Source(url="https://a.example/feed", name="a"))
        b, _ = store_sources.upsert_source(conn, Source(url="https://b.example/feed", name="B"))
        for i in range(3):
            store_articles.insert_article(
                conn, Article(url=f"https://a.example/{i}", title="t", source_id=a.id)
            )
        b.next_fetch = now + timedelta(hours=1)
        store_sources.save_fetch_state(conn, b)
    with engine.connect() as conn:
        listed = store_sources.list_sources(conn)
        due = store_sources.due_sources(conn, now)
    assert [(s.name, s.article_count) for s in listed] == [("a", 3), ("B", 0)]
    assert [s.id for s in due] == [a.id]


def test_articles_stored_before_the_language_guess_get_it_when_migrated(engine):
    """Migration 0013 gives an article stored without a language (before the guess was made
    at storing) the language its text reads as, and drops the kept renderings that show it."""
    from alembic import command
    from alembic.config import Config

    from newsloom.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
        rows = {
            "https://de.example/1": (
                "Hochwasser in Marlowe",
                "Hunderte Bewohner wurden am Dienstag in Sicherheit gebracht, nachdem der Fluss "
                "über die Ufer getreten war.",
            ),
            "https://short.example/1": ("Marlowe", "Evacuated."),
        }
        for url, (title, body) in rows.items():
            article = Article(url=url, title=title, text=body, fetched=datetime.now(UTC))
            store_articles.insert_article(conn, article, None, None)
    migrate(engine)
    with engine.connect() as conn:
        got = dict(conn.execute(text("select url, language from articles")).all())
    assert got == {"https://de.example/1": "de", "https://short.example/1": None}


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from newsloom.store.db import make_engine
    from newsloom.store.meta import hold
    with hold(make_engine(sys.argv[1]), "test-lock") as mine:
        print("held" if mine else "taken", flush=True)
        time.sleep(120)
    """
)


def test_a_lock_held_by_a_process_goes_with_it_however_it_ends(db_settings, engine):
    """What a running recluster holds (``store.meta.hold``): another process sees it held and
    cannot take it, and sees it free as soon as the holder is killed with SIGKILL (no code of
    its own runs then): on PostgreSQL the server ends its session, on SQLite the operating
    system drops its file lock. Nothing to wait for, no clock to trust."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, db_settings.db_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        with engine.connect() as conn:
            assert held(conn, "test-lock")
        with hold(engine, "test-lock") as mine:
            assert mine is False
        proc.kill()
        proc.wait(10)
        deadline = time.monotonic() + 10  # (PostgreSQL ends the session a moment later)
        while True:
            with engine.connect() as conn:
                if not held(conn, "test-lock"):
                    break
            assert time.monotonic() < deadline, "still held after its process was killed"
            time.sleep(0.05)
        with hold(engine, "test-lock") as mine:
            assert mine is True
            with engine.connect() as conn:
                assert held(conn, "test-lock")
            with hold(engine, "test-lock") as again:  # another holder, in this process too
                assert again is False
        with engine.connect() as conn:
            assert not held(conn, "test-lock")
    finally:
        proc.kill()
        proc.wait(10)
