"""`newsloom run` as a service: a clean stop on SIGTERM, and a restart after SIGKILL that
resumes where it stopped, with nothing lost and nothing done twice (SQLite and PostgreSQL).

The service runs as a real process against a local news site (tests/newsfeeds.py) whose
article pages answer slowly, so the signals arrive while work is in flight.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from helpers import free_port
from newsfeeds import ARTICLES, NewsSite
from service import (
    add_sources,
    check_final_state,
    db_rows,
    finish,
    newsloom,
    running,
    service_env,
    stop,
    stored_count,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def site():
    with NewsSite(page_delay=1.0) as s:
        yield s


@pytest.mark.parametrize(("sig", "grace"), [(signal.SIGTERM, 60), (signal.SIGINT, 1)])
def test_a_signal_finishes_or_hands_back_work_then_a_restart_completes_it(
    tmp_path, db_url, site, sig, grace
):
    env = service_env(tmp_path / "data", db_url, NEWSLOOM_SHUTDOWN_GRACE=grace)
    add_sources(tmp_path / "sources.opml", site, env)
    port = free_port()
    with running(newsloom("run", "--port", str(port), env=env)) as proc:
        # pages take a second each, two at a time: signal while the first poll is in flight
        wait_for(lambda: any(p.startswith("/a/") for p in site.requests), 90, "page fetches", proc)
        time.sleep(1.5)
        out, took = stop(proc, sig)
    assert proc.returncode == 0, out
    assert f"{sig.name}: finishing the work in hand" in out, out
    assert out.rstrip().endswith("stopped"), out
    assert "Traceback" not in out, out
    stored = stored_count(db_url)
    if grace == 60:  # the polls in flight were allowed to finish: every page was stored
        assert stored == len(ARTICLES), out
        assert "first round: 8/8 sources polled, 15 new articles so far" in out, out
    else:  # the grace ran out: polls cancelled within it, the rest handed back
        assert took < 20, f"stopped in {took:.1f}s with a 1s grace"
        assert stored < len(ARTICLES), out
    fetched_before = sum(p.startswith("/a/") for p in site.requests)
    site.page_delay = 0
    out = finish(newsloom("run", "--once", env=env), 240)
    assert "Traceback" not in out, out
    check_final_state(db_url, site)
    refetched = sum(p.startswith("/a/") for p in site.requests) - fetched_before
    # nothing done twice: only pages not stored before the stop are fetched again
    assert refetched == len(ARTICLES) - stored, (refetched, stored)


def test_a_second_signal_stops_at_once_then_a_restart_completes_the_work(tmp_path, db_url, site):
    env = service_env(tmp_path / "data", db_url, NEWSLOOM_SHUTDOWN_GRACE=60)
    add_sources(tmp_path / "sources.opml", site, env)
    site.page_delay = 5.0  # the polls in hand would take half a minute to finish
    with running(newsloom("run", "--port", str(free_port()), env=env)) as proc:
        wait_for(lambda: any(p.startswith("/a/") for p in site.requests), 90, "page fetches", proc)
        # a second after the first (handled: the polls in hand are left to finish), another
        out, took = stop(proc, signal.SIGTERM, signal.SIGINT)
    assert proc.returncode == 0, out
    assert "SIGTERM: finishing the work in hand" in out and "second signal: stopping now" in out
    assert took < 15, f"stopped {took:.1f}s after the second signal (grace 60s)"
    assert "Traceback" not in out, out
    assert stored_count(db_url) < len(ARTICLES)
    # a page cut off by the stop is not stored from the feed's text (here: none) in its place
    assert not db_rows(db_url, "SELECT url FROM articles WHERE coalesce(text, '') = ''")
    site.page_delay = 0
    out = finish(newsloom("run", "--once", env=env), 240)
    assert "Traceback" not in out, out
    check_final_state(db_url, site)


def test_sigkill_mid_run_then_restart_loses_nothing_and_repeats_nothing(tmp_path, db_url, site):
    """With extraction in worker processes: they go with the killed process, and its port is
    free at once (forked workers held the site's socket and the database, ignored SIGTERM,
    and a restart on the same port failed until someone found and killed them)."""
    env = service_env(tmp_path / "data", db_url, NEWSLOOM_EXTRACT_WORKERS=2)
    add_sources(tmp_path / "sources.opml", site, env)
    port = free_port()
    proc = newsloom("run", "--port", str(port), env=env)
    try:
        wait_for(lambda: stored_count(db_url) >= 3, 120, "three stored articles", proc)
        workers = _descendants(proc.pid)
        assert workers, "extraction runs in worker processes"
    finally:
        proc.kill()  # SIGKILL: no chance to clean up
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    wait_for(lambda: not any(_alive(pid) for pid in workers), 15, "the workers gone", None)
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))  # free: a restart can serve on it
    before = {r.url for r in db_rows(db_url, "SELECT url FROM articles")}
    assert 3 <= len(before) < len(ARTICLES)
    fetched = [p for p in site.requests if p.startswith("/a/")]
    site.page_delay = 0
    del site.requests[:]
    out = finish(newsloom("run", "--once", env=env), 240)
    assert "Traceback" not in out, out
    check_final_state(db_url, site)
    refetched = {site.base + p for p in site.requests if p.startswith("/a/")}
    assert not refetched & before, "pages stored before the kill are not fetched again"
    assert len(fetched) <= len(ARTICLES) + 2  # the killed run fetched each page at most once


def test_json_logs_are_one_object_a_line_with_the_facts_as_fields(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"url": "https://a.example/1", "title": "T", "text": "x"}\nnot json\n')
    env = service_env(tmp_path / "data", f"sqlite:///{tmp_path / 'j.db'}")
    env["NEWSLOOM_LOG_FORMAT"] = "json"
    proc = subprocess.run(
        [sys.executable, "-m", "newsloom", "import", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    entries = [json.loads(line) for line in proc.stderr.splitlines() if line.strip()]
    rejected = [e for e in entries if e["message"].startswith("import record rejected")]
    assert rejected and rejected[0]["level"] == "WARNING", entries
    assert rejected[0]["where"].endswith(":2"), rejected[0]
    assert rejected[0]["reason"].startswith("invalid JSON"), rejected[0]


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        here = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{here}/task")
        except FileNotFoundError:  # (it ended meanwhile)
            continue
        for task in tasks:
            try:
                with open(f"/proc/{here}/task/{task}/children") as fh:
                    kids = [int(k) for k in fh.read().split()]
            except FileNotFoundError:
                continue
            out += kids
            todo += kids
    return out


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its parent does not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_second_run_on_the_same_database_is_refused(tmp_path, db_url, site):
    """Two `newsloom run` on one database both polled, clustered and wrote, until the second
    died on `UNIQUE constraint failed: story_pages.story_id, story_pages.revision` (found by a
    QA pass). The second is refused in one line while the first runs, and runs once it ends."""
    env = service_env(tmp_path / "data", db_url)
    add_sources(tmp_path / "sources.opml", site, env)
    first = newsloom("run", "--port", str(free_port()), env=env)
    with running(first):
        wait_for(lambda: stored_count(db_url) >= 1, 120, "a stored article", first)
        second = finish(newsloom("run", "--once", env=env), 60)
        assert second.splitlines()[-1] == (
            "error: run: another `newsloom run` is running on this database: stop it first "
            "(two would poll, cluster and write the same stories; for more hands, `newsloom "
            "run --workers N` on PostgreSQL)"
        ), second
        stop(first, signal.SIGTERM)
    site.page_delay = 0
    out = finish(newsloom("run", "--once", env=env), 240)
    assert "Traceback" not in out and "error:" not in out, out
