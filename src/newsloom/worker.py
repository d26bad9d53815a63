"""The pipeline's stages as tasks on procrastinate, PostgreSQL's own job queue, so any number
of ``newsloom worker`` processes, on one machine or many, share the work.

Why procrastinate: newsloom already needs PostgreSQL to scale out, and procrastinate keeps
its queue in that same database: no broker to run, jobs deferred in the same database the
work lands in, per-key locks (``lock``: jobs with one lock run one after another) and
queueing locks (``queueing_lock``: at most one waiting job per key), periodic tasks run by
whichever worker is up, and worker heartbeats that expose jobs of a dead worker.

The tasks:

- ``tick`` (every few seconds, exactly once per tick across all workers): claims the due
  sources and defers one ``poll`` each; defers ``cluster`` once arrivals settle (nothing new
  stored for ``cluster_settle_seconds``, or an article has waited ``cluster_max_wait_seconds``:
  as ``newsloom run`` clusters after each round of polls, so articles are assigned in time
  order in batches rather than one by one as they trickle in); defers ``write`` for each
  story whose page is out of date; retries the jobs of workers that
  stopped sending heartbeats (killed, or their machine lost).
- ``poll(source_id)``: fetch, extract and store one source's new articles (as ``newsloom
  run`` does), then embed them: embedding is the costly part of clustering, and here it runs
  on every worker at once.
- ``cluster``: assign waiting articles to stories. One at a time across every worker (the
  ``cluster`` lock here, and the database lock in ``Clusterer.run`` under it), so two workers
  never start two stories for one event; cross-language joins need one owner, so stories are
  not split by language.
- ``write(story_id)``: write one story's page; pages of different stories are written in
  parallel (the slow step when an LLM writes them).

A job that fails or is cut short loses nothing committed and is safe to run again: articles
are unique by URL, clustering takes only unassigned articles, and a page is rewritten only
when its articles changed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from .cluster.embed import make_embedder
from .config import Settings
from .errors import InputError
from .store import pages as store_pages
from .store import sources as store_sources
from .store import stories as store_stories
from .store.db import open_store, transaction

log = logging.getLogger(__name__)

#: How often the tick runs (a cron with seconds: procrastinate's periodic tasks).
TICK_CRON = "* * * * * */5"
#: A claimed source is handed out again after this long if its poll never reports back.
POLL_LEASE_SECONDS = 600.0
#: Worker heartbeats, and how long without one before a worker's jobs are retried.
HEARTBEAT_SECONDS = 2.0
STALLED_AFTER_SECONDS = 15.0


def require_postgresql(settings: Settings) -> str:
    """The database URL, or a clear error when it is not PostgreSQL."""
    url = settings.db_url
    if not url.startswith("postgresql"):
        raise InputError(
            "workers share their work through PostgreSQL: set NEWSLOOM_DATABASE_URL to a "
            "postgresql+psycopg://user@host/db URL (SQLite serves one process: `newsloom run`)"
        )
    return url


def core_share(workers: int, environ: dict | None = None) -> dict[str, str]:
    """Settings for each of ``workers`` worker processes on one machine, so that together
    they use the cores once: extraction processes and embedding threads split between them.
    Settings already in ``environ`` win.

    Measured (``bench/pipeline.py``, 2 cores): two workers with two extraction processes and
    two embedding threads each took 65 s for a backlog that the same two with one share each
    (extraction in-process, one thread) finished in 48 s.
    """
    environ = os.environ if environ is None else environ
    share = max(1, (os.cpu_count() or 1) // max(1, workers))
    wanted = {
        "NEWSLOOM_EXTRACT_WORKERS": str(share if share > 1 else 0),
        "NEWSLOOM_EMBED_THREADS": str(share),
    }
    return {k: v for k, v in wanted.items() if k not in environ}


def conninfo(database_url: str) -> str:
    """A libpq connection URI for the SQLAlchemy URL (search_path options kept)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def ensure_queue_schema(engine: Engine) -> None:
    """Create procrastinate's tables in newsloom's database (once; workers take turns)."""
    from procrastinate.schema import SchemaManager

    with transaction(engine) as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(7102026)"))
        if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
            with conn.connection.cursor() as cur:  # no parameters: the SQL is run as it is
                cur.execute(SchemaManager.get_schema())
            log.info("procrastinate job queue schema created")


@dataclass
class WorkerState:
    """What one worker process keeps between jobs: the store, a poller, the clusterer."""

    settings: Settings
    engine: Engine
    poller: object | None = None
    clusterer: object | None = None
    embedder: object | None = None
    templates: object | None = None
    done: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.done[what] = self.done.get(what, 0) + 1

    def get_embedder(self):
        """The embedder, loaded on first use and shared by polls and clustering."""
        if self.embedder is None:
            self.embedder = make_embedder(self.settings.embedder, self.settings.embed_threads)
        return self.embedder

    def get_templates(self):
        """The site's template environment, for publishing the pages this worker writes."""
        if self.templates is None:
            from .web.templating import make_environment

            self.templates = make_environment()
        return self.templates


def build_app(settings: Settings, engine: Engine | None = None):
    """The procrastinate app with newsloom's tasks bound to these settings."""
    import procrastinate
    from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
    from procrastinate.jobs import Status

    from . import pipeline
    from .web.publish import publish_story

    url = require_postgresql(settings)
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(url), min_size=1, max_size=4),
    )
    state = WorkerState(settings, engine or open_store(settings))
    app.newsloom_state = state  # for commands and tests

    async def defer(task, lock: str, **kwargs) -> bool:
        try:
            await task.configure(lock=lock, queueing_lock=lock).defer_async(**kwargs)
            return True
        except AlreadyEnqueued:
            return False

    async def defer_writes() -> None:
        """A ``write`` job for each story whose page is out of date (and quiet long enough);
        none while a recluster is under way (``pipeline.recluster_under_way``)."""
        quiet_before = datetime.now(UTC) - timedelta(seconds=settings.write_debounce_seconds)
        with state.engine.connect() as conn:
            if pipeline.recluster_under_way(conn):
                return
            stale = store_pages.stories_needing_pages(conn, settings.min_outlets, quiet_before)
        for story_id in stale:
            await defer(write, f"write:{story_id}", story_id=story_id)

    @app.periodic(cron=TICK_CRON, periodic_id="tick")
    @app.task(name="newsloom.tick", lock="tick", queueing_lock="tick")
    async def tick(timestamp: int) -> None:
        now = datetime.now(UTC)
        with transaction(state.engine) as conn:
            claimed = store_sources.claim_due_sources(conn, now, POLL_LEASE_SECONDS)
            oldest, newest = store_stories.waiting_span(conn)
            reclustering = pipeline.recluster_under_way(conn)
            running = store_stories.recluster_running(conn)  # (under way, and its process lives)
        for source_id in claimed:
            await defer(poll, f"poll:{source_id}", source_id=source_id)
        # a recluster running in another process places every article, new ones too; one
        # stopped before its end (killed, crashed) is finished here, as `newsloom run` does
        if not running and (
            reclustering
            or (
                oldest is not None
                and (
                    now - newest >= timedelta(seconds=settings.cluster_settle_seconds)
                    or now - oldest >= timedelta(seconds=settings.cluster_max_wait_seconds)
                )
            )
        ):
            await defer(cluster, "cluster")
        if oldest is None or now - oldest >= timedelta(seconds=settings.cluster_max_wait_seconds):
            # pages are written once the articles waiting for a story are placed (the cluster
            # job defers them as it ends), unless clustering has fallen far behind
            await defer_writes()
        for job in await app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=STALLED_AFTER_SECONDS
        ):
            await take_back(job)

    async def take_back(job) -> None:
        """Queue a dead worker's job again; where the same job (its queueing lock) is queued
        already (a tick deferred the next ``cluster`` while the dead one ran), that one does
        the work, and the dead one is closed as aborted (nothing failed: ``newsloom status``
        counts failed jobs) so that its lock is let go."""
        try:
            await app.job_manager.retry_job(job)
            log.warning("retrying job of a stalled worker job_id=%s task=%s", job.id, job.task_name)
        except UniqueViolation:
            await app.job_manager.finish_job_by_id_async(
                job.id, status=Status.ABORTED, delete_job=False
            )
            log.warning(
                "job of a stalled worker closed, the same job is queued job_id=%s task=%s",
                job.id,
                job.task_name,
            )
        except Exception:  # one job that cannot be taken back must not strand the others
            log.exception("job of a stalled worker not taken back job_id=%s", job.id)

    @app.task(name="newsloom.poll")
    async def poll(source_id: int) -> None:
        if state.poller is None:
            state.poller = pipeline.Poller(state.engine, settings)
        with state.engine.connect() as conn:
            src = store_sources.source_by_id(conn, source_id)
        try:
            result = await state.poller.refresh(src)
        except asyncio.CancelledError:  # stopped mid-poll: hand the source back at once
            with transaction(state.engine) as conn:
                store_sources.release_source(conn, source_id, datetime.now(UTC))
            raise
        state.count("poll")
        if result.tally.new or result.tally.duplicate:  # embed here, in parallel with others
            embedder = state.get_embedder()
            await asyncio.to_thread(pipeline.embed_pending, state.engine, embedder, source_id)
        log.info(
            "polled source_id=%s status=%s %s", source_id, result.status, result.tally.summary()
        )

    @app.task(name="newsloom.cluster")
    async def cluster() -> None:
        if state.clusterer is None:
            state.clusterer = pipeline.Clusterer(
                state.engine, settings, embedder=state.get_embedder()
            )
        tally = await asyncio.to_thread(state.clusterer.run)
        state.count("cluster")
        log.info("%s", tally.summary())
        await defer_writes()  # pages of the stories just changed, without waiting for a tick

    @app.task(name="newsloom.write")
    def write(story_id: int) -> None:
        with state.engine.connect() as conn:
            if not store_stories.is_live(conn, story_id):
                return  # merged into another (or gone) since the job was queued
        if pipeline.write_story(state.engine, settings, story_id) == "waiting":
            return  # a recluster is under way: deferred again once it has swept
        state.count("write")
        # the site's renderings of it (its articles may have changed even if its page did not)
        with transaction(state.engine) as conn:
            if not pipeline.recluster_under_way(conn):  # (one may have begun since the write)
                publish_story(conn, state.get_templates(), story_id, settings.story_settle_hours)

    return app


async def run_worker(settings: Settings, *, concurrency: int = 8, name: str | None = None):
    """One worker until SIGINT/SIGTERM (running jobs get ``shutdown_grace`` to finish)."""
    app = build_app(settings)
    ensure_queue_schema(app.newsloom_state.engine)
    name = name or f"{socket.gethostname()}:{os.getpid()}"
    try:
        async with app.open_async():
            await app.run_worker_async(
                concurrency=concurrency,
                name=name,
                shutdown_graceful_timeout=settings.shutdown_grace,
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_AFTER_SECONDS,
                delete_jobs="successful",
            )
    finally:
        state = app.newsloom_state
        if state.poller is not None:
            await state.poller.aclose()
        state.engine.dispose()
