"""Several `newsloom worker` processes sharing one PostgreSQL database: one is killed with
SIGKILL midway; the survivors finish its work. The database ends with every article exactly
once and the same stories (the same articles in each) as a single-process run on the same
input.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.request

import pytest
from helpers import free_port
from newsfeeds import ARTICLES, NewsSite
from prometheus_client.parser import text_string_to_metric_families
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
    story_partition,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.pg]


@pytest.fixture
def pg_url(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("workers share their work through PostgreSQL; SQLite is `newsloom run`")
    return db_url


def all_done(url: str) -> bool:
    if stored_count(url) < len(ARTICLES):
        return False
    if db_rows(url, "SELECT count(*) FROM articles WHERE story_id IS NULL")[0][0]:
        return False
    multi = db_rows(url, "SELECT id FROM stories WHERE merged_into IS NULL AND outlet_count >= 2")
    paged = {r[0] for r in db_rows(url, "SELECT DISTINCT story_id FROM story_pages")}
    return {r.id for r in multi} <= paged


def test_two_workers_one_killed_match_a_single_process_run(tmp_path, pg_url):
    with NewsSite(page_delay=0.7) as site:
        # arrivals pause while the killed worker's jobs wait to be taken over (15 s): settle
        # for longer, so the survivor clusters the whole batch, as one process would
        env = service_env(
            tmp_path / "data",
            pg_url,
            NEWSLOOM_CLUSTER_SETTLE_SECONDS=25,
            NEWSLOOM_CLUSTER_MAX_WAIT_SECONDS=120,
        )
        add_sources(tmp_path / "sources.opml", site, env)
        metrics_port = free_port()
        workers = [
            newsloom("worker", "--name", "w1", "--concurrency", "3", env=env),
            newsloom(
                "worker",
                "--name",
                "w2",
                "--concurrency",
                "3",
                "--metrics-port",
                str(metrics_port),
                env=env,
            ),  # fmt: skip
        ]
        try:
            wait_for(lambda: stored_count(pg_url) >= 4, 120, "four stored articles", workers[0])
            workers[0].kill()  # SIGKILL midway: its jobs stall and are retried by the other
            out1, _ = workers[0].communicate(timeout=30)
            assert workers[0].returncode == -signal.SIGKILL
            assert stored_count(pg_url) < len(ARTICLES), "killed while work was left"
            wait_for(lambda: all_done(pg_url), 180, "the survivor to finish", workers[1])
            url = f"http://127.0.0.1:{metrics_port}/metrics"
            with urllib.request.urlopen(url, timeout=10) as resp:
                families = {f.name: f for f in text_string_to_metric_families(resp.read().decode())}
            polls = {s.labels["status"]: s.value for s in families["newsloom_polls"].samples}
            assert polls.get("ok", 0) >= 1, polls  # the survivor's own polls, counted
            workers[1].send_signal(signal.SIGTERM)
            out2 = finish(workers[1], 60)
        finally:
            for proc in workers:
                if proc.poll() is None:
                    proc.kill()
        assert workers[1].returncode == 0, out2
        assert "worker stopped" in out2 and "Traceback" not in out2, out2
        check_final_state(pg_url, site, published=False)  # stopped with page jobs pending
        distributed = story_partition(pg_url)

        # the same input through one process, into a fresh SQLite database
        single_url = f"sqlite:///{tmp_path / 'single' / 'newsloom.db'}"
        single_env = service_env(tmp_path / "single", single_url)
        add_sources(tmp_path / "single.opml", site, single_env)
        site.page_delay = 0
        out = finish(newsloom("run", "--once", env=single_env), 240)
        assert "Traceback" not in out, out
        check_final_state(single_url, site)
        assert story_partition(single_url) == distributed


def test_worker_refuses_sqlite_with_a_clear_message(tmp_path):
    env = service_env(tmp_path / "data", f"sqlite:///{tmp_path / 'x.db'}")
    out = finish(newsloom("worker", env=env), 60)
    assert "PostgreSQL" in out and "NEWSLOOM_DATABASE_URL" in out, out
    assert "Traceback" not in out


def test_run_with_workers_serves_the_site_and_stops_cleanly(tmp_path, pg_url):
    with NewsSite() as site:
        env = service_env(tmp_path / "data", pg_url)
        add_sources(tmp_path / "sources.opml", site, env)
        port = free_port()
        with running(newsloom("run", "--workers", "2", "--port", str(port), env=env)) as proc:
            wait_for(lambda: all_done(pg_url), 180, "the workers to finish", proc)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                assert r.status == 200
            status = json.loads(finish(newsloom("status", "--json", env=env), 60))
            assert status["workers"] == 2, status  # both heartbeating
            assert status["queues"]["unclustered"] == 0 and isinstance(status["jobs"], dict)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
                families = {f.name: f for f in text_string_to_metric_families(r.read().decode())}
            assert families["newsloom_workers"].samples[0].value == 2
            time.sleep(0.5)
            out, _ = stop(proc, signal.SIGTERM, timeout=90)
    assert proc.returncode == 0, out
    assert out.count("started (pid") == 2 and out.count("worker stopped") == 2, out
    assert "Traceback" not in out, out
    check_final_state(pg_url, site)


def test_run_with_workers_stops_at_once_on_a_second_signal(tmp_path, pg_url):
    with NewsSite(page_delay=5.0) as site:  # the jobs in hand would take half a minute
        env = service_env(tmp_path / "data", pg_url, NEWSLOOM_SHUTDOWN_GRACE=60)
        add_sources(tmp_path / "sources.opml", site, env)
        run = newsloom("run", "--workers", "1", "--port", str(free_port()), env=env)
        with running(run) as proc:
            wait_for(
                lambda: any(p.startswith("/a/") for p in site.requests), 120, "page fetches", proc
            )
            # a second after the first (handled: the worker is finishing its jobs), another
            out, took = stop(proc, signal.SIGTERM, signal.SIGTERM)
        assert proc.returncode == 0, out
        assert "SIGTERM: stopping the workers and the site" in out, out
        assert "second signal: stopping the workers now" in out, out
        assert took < 15, f"stopped {took:.1f}s after the second signal (grace 60s)"
        assert stored_count(pg_url) < len(ARTICLES)
        # the next start takes the killed worker's jobs back (stalled-job recovery)
        site.page_delay = 0
        run = newsloom("run", "--workers", "1", "--port", str(free_port()), env=env)
        with running(run) as proc:
            wait_for(lambda: all_done(pg_url), 180, "the restarted worker to finish", proc)
            out, _ = stop(proc, signal.SIGTERM, timeout=90)
        assert proc.returncode == 0 and "Traceback" not in out, out
    check_final_state(pg_url, site)


def test_a_dead_workers_job_already_queued_again_does_not_stall_the_queue(db_settings, pg_url):
    """A worker killed while it clusters leaves its `cluster` job `doing`; meanwhile a tick
    has queued the next `cluster` (one waiting job per queueing lock). Taking the dead job
    back must not fail on that lock (it did, every tick, for good: nothing was clustered
    again): the queued job does the work and the dead one is closed."""
    import asyncio
    from datetime import UTC, datetime

    from sqlalchemy import text

    from newsloom.store.db import open_store, transaction
    from newsloom.store.stats import pipeline_stats
    from newsloom.worker import build_app, ensure_queue_schema

    engine = open_store(db_settings)
    ensure_queue_schema(engine)
    app = build_app(db_settings, engine)
    cluster = app.tasks["newsloom.cluster"].configure(lock="cluster", queueing_lock="cluster")

    async def scenario() -> None:
        async with app.open_async():
            dead = await cluster.defer_async()
            with transaction(engine) as conn:  # a worker took it, then stopped beating
                worker = conn.execute(text("SELECT procrastinate_register_worker_v1()")).scalar()
                conn.execute(text("SELECT procrastinate_fetch_job_v2(NULL, :w)"), {"w": worker})
                conn.execute(
                    text(
                        "UPDATE procrastinate_workers SET last_heartbeat = now() - interval "
                        "'1 hour' WHERE id = :w"
                    ),
                    {"w": worker},
                )
            queued = await cluster.defer_async()  # the tick's next cluster job, waiting
            with engine.connect() as conn:  # `newsloom status` shows the job held by the dead
                assert pipeline_stats(conn, datetime.now(UTC)).jobs_stalled == 1
            await app.tasks["newsloom.tick"](timestamp=0)  # it takes the dead job back
            with engine.connect() as conn:
                assert pipeline_stats(conn, datetime.now(UTC)).jobs_stalled == 0
            with engine.connect() as conn:
                status = dict(conn.execute(text("SELECT id, status FROM procrastinate_jobs")).all())
            assert status[dead] == "aborted" and status[queued] == "todo", status

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()


def test_workers_stop_when_run_is_killed(tmp_path, pg_url):
    """`run --workers` killed with SIGKILL (out of memory, kill -9) used to leave its workers
    running with nothing to stop them; a restart then ran twice the workers."""
    import os

    env = service_env(tmp_path / "data", pg_url)
    run = newsloom("run", "--workers", "1", "--port", str(free_port()), env=env)
    with running(run) as proc:
        line = ""
        deadline = time.monotonic() + 120
        while "started (pid" not in line and time.monotonic() < deadline:
            line = proc.stdout.readline()
        assert "started (pid" in line, line
        child = int(line.split("(pid ")[1].rstrip(")\n"))
        time.sleep(3)  # the worker is up and watching
        proc.kill()
        proc.wait(timeout=30)

    def gone() -> bool:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return True
        try:  # reaped by init, or a zombie left to it
            with open(f"/proc/{child}/stat") as fh:
                return fh.read().split(") ")[1].startswith("Z")
        except OSError:
            return True

    try:
        wait_for(gone, 60, "the orphaned worker to stop")
    finally:
        if not gone():
            os.kill(child, signal.SIGKILL)


def test_workers_finish_a_recluster_stopped_before_its_sweep_and_write_no_page_before(
    db_settings, pg_url, tmp_path
):
    """A recluster killed once every article was placed, but before it settled the stories it
    emptied, left them on the site (zero articles, their old pages) and no article waiting,
    so the workers' tick never clustered and nothing swept them. Now the tick queues a
    `cluster` job while a recluster is under way, writes no page meanwhile (a story half
    rebuilt, or a row the sweep gives back, would get one), and the job sweeps; then pages go."""
    import asyncio
    import sys
    from dataclasses import replace
    from pathlib import Path

    from sqlalchemy import text

    from newsloom.pipeline import Clusterer, recluster_under_way
    from newsloom.store.db import open_store
    from newsloom.worker import build_app, ensure_queue_schema

    sys.path.insert(0, str(Path(__file__).parent / "data" / "cluster"))
    from events import ARTICLES as EVENTS
    from events import write_labelled
    from helpers import cli, recluster_stopped_after_a_batch

    assert cli(db_settings, "import", str(write_labelled(tmp_path / "in.jsonl"))).strip()
    engine = open_store(db_settings)
    ensure_queue_schema(engine)
    Clusterer(engine, db_settings).run()
    # after the one batch that places every article, before the sweep
    recluster_stopped_after_a_batch(db_settings, engine)
    app = build_app(replace(db_settings, write_debounce_seconds=0.0), engine)

    def jobs() -> list[tuple[str, str]]:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT task_name, status FROM procrastinate_jobs"))
            return sorted((t.removeprefix("newsloom."), str(s)) for t, s in rows)

    async def scenario() -> None:
        async with app.open_async():
            with engine.connect() as conn:
                assert recluster_under_way(conn)
                waiting = conn.execute(text("SELECT count(*) FROM articles WHERE story_id IS NULL"))
                assert waiting.scalar() == 0
            await app.tasks["newsloom.tick"](timestamp=0)
            assert jobs() == [("cluster", "todo")]  # and no write job
            await app.tasks["newsloom.cluster"]()  # what a worker does with the job
            with engine.connect() as conn:
                assert not recluster_under_way(conn)
                emptied = (
                    "SELECT count(*) FROM stories WHERE merged_into IS NULL AND article_count = 0"
                )
                assert conn.execute(text(emptied)).scalar() == 0
            assert ("write", "todo") in jobs()  # the cluster job defers the pages at its end

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()
    stories = [json.loads(line) for line in cli(db_settings, "export", "stories").splitlines()]
    assert sum(s["article_count"] for s in stories) == len(EVENTS)
