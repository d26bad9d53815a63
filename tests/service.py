"""Helpers for tests that run newsloom as real processes against a local news site."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from newsfeeds import ARTICLES, NewsSite
from sqlalchemy import create_engine, text

from newsloom.store import renderings
from newsloom.web.http import RENDER_VERSION

EXPECTED = sorted(
    sorted(a["id"] for a in ARTICLES if a["story"] == s) for s in {a["story"] for a in ARTICLES}
)


def service_env(data_dir: Path, db_url: str, **extra) -> dict:
    env = {
        **os.environ,
        "NEWSLOOM_DATA_DIR": str(data_dir),
        "NEWSLOOM_DATABASE_URL": db_url,
        "NEWSLOOM_ALLOW_PRIVATE_ADDRESSES": "1",
        "NEWSLOOM_PER_HOST_DELAY": "0",
        "NEWSLOOM_PER_HOST_CONCURRENCY": "2",
        "NEWSLOOM_RETRIES": "0",
        "NEWSLOOM_WRITE_DEBOUNCE_SECONDS": "0",
        "NEWSLOOM_EXTRACT_WORKERS": "0",
        "NEWSLOOM_EMBED_THREADS": "1",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def newsloom(*args, env, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsloom", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kw,
    )


def finish(proc: subprocess.Popen, timeout: float) -> str:
    out, _ = proc.communicate(timeout=timeout)
    return out


@contextlib.contextmanager
def running(proc: subprocess.Popen):
    """``proc``, killed on the way out if it is still running (a failed test leaves none)."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)


def stop(proc: subprocess.Popen, *signals: int, pause: float = 1.0, timeout: float = 60):
    """Send ``signals`` ``pause`` seconds apart: (the output, seconds from the last signal to
    the exit)."""
    for i, sig in enumerate(signals):
        if i:
            time.sleep(pause)
        proc.send_signal(sig)
    started = time.monotonic()
    out = finish(proc, timeout)
    return out, time.monotonic() - started


def db_rows(db_url: str, sql: str) -> list:
    eng = create_engine(db_url)
    try:
        with eng.connect() as conn:
            return list(conn.execute(text(sql)))
    finally:
        eng.dispose()


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"newsloom exited early ({proc.returncode}):\n{proc.stdout.read()}")
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def stored_count(db_url: str) -> int:
    try:
        return db_rows(db_url, "SELECT count(*) FROM articles")[0][0]
    except Exception:  # the service may not have created the tables yet
        return 0


def check_final_state(db_url: str, site: NewsSite, *, published: bool = True) -> None:
    """Every article once, each in one story, stories as the fixture's events, pages written
    (and, with ``published``, rendered for the site: each current, none missing)."""
    by_url = {site.article_url(a): a["id"] for a in ARTICLES}
    rows = db_rows(db_url, "SELECT url, story_id FROM articles")
    urls = [r.url for r in rows]
    assert sorted(urls) == sorted(by_url), "every published article is stored exactly once"
    assert all(r.story_id is not None for r in rows), "every article is in a story"
    groups = defaultdict(list)
    for r in rows:
        groups[r.story_id].append(by_url[r.url])
    assert sorted(sorted(g) for g in groups.values()) == EXPECTED, sorted(groups.values())
    live = db_rows(db_url, "SELECT id, outlet_count FROM stories WHERE merged_into IS NULL")
    paged = {r[0] for r in db_rows(db_url, "SELECT DISTINCT story_id FROM story_pages")}
    assert {s.id for s in live if s.outlet_count >= 2} <= paged, "multi-outlet stories have pages"
    assert not db_rows(db_url, "SELECT url, kind FROM ingest_errors"), "no ingest errors"
    if published:
        eng = create_engine(db_url)
        try:
            with eng.connect() as conn:
                left = renderings.stale(conn, RENDER_VERSION)
                assert not left, f"every page rendered, current: {left}"
        finally:
            eng.dispose()
        rendered = {r[0] for r in db_rows(db_url, "SELECT story_id FROM story_renderings")}
        assert paged & {s.id for s in live} <= rendered, "every live page published"


def add_sources(opml: Path, site: NewsSite, env: dict) -> None:
    opml.write_text(site.opml(), encoding="utf-8")
    out = finish(newsloom("sources", "import", str(opml), env=env), 120)
    assert "8" in out, out


def story_partition(db_url: str) -> set[frozenset[str]]:
    """The stories as sets of article URLs: comparable across databases and runs.

    (Story ids are not compared: an id comes from the first article the clusterer saw, and
    which one that is depends on what had arrived when each batch was clustered.)
    """
    rows = db_rows(
        db_url,
        "SELECT s.id, a.url FROM articles a JOIN stories s ON s.id = a.story_id",
    )
    groups: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        groups[r.id].add(r.url)
    return {frozenset(urls) for urls in groups.values()}
