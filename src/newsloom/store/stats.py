"""The pipeline's figures, read from the database: what `newsloom status` prints and what
``/metrics`` exposes as gauges.

They come from the database, not from a process's memory, so they are true however many
processes share it. Each figure is one aggregate query; the time-windowed ones and the queues
use indexes (``fetched``, ``story_id``, ``merged_into``, primary keys). Two scan their table:
the count of syndicated copies (``duplicate_of``) and the ingest errors of the last 24 h (their
index leads with ``source_id``); an index on ``ingest_errors.at`` would make the latter cheap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, func, select, text

from .pages import count_stories_needing_pages
from .schema import articles, ingest_errors, pending_pages, sources, stories, story_pages
from .stories import recluster_running, recluster_under_way, waiting_span

#: The window of recent ingest errors counted by kind.
ERROR_WINDOW = timedelta(hours=24)


@dataclass
class PipelineStats:
    """A snapshot of the pipeline: sources, articles, stories, queues and recent errors."""

    at: datetime
    sources: int = 0
    sources_due: int = 0  # never polled, or next poll time reached
    sources_failing: int = 0  # the last poll failed (error_count > 0)
    articles: int = 0
    articles_last_hour: int = 0  # by fetch time
    articles_last_day: int = 0
    syndicated: int = 0  # stored copies of an earlier article (duplicate_of set)
    stories: int = 0  # with articles, not merged into another (a merged one redirects)
    stories_with_page: int = 0
    unclustered: int = 0  # articles without a story: the cluster stage's queue
    oldest_unclustered: datetime | None = None  # when the oldest of them was stored
    pages_pending: int = 0  # stories whose page is missing or older than their articles
    page_retries: int = 0  # article pages that failed for a passing reason, to try again
    errors_24h: dict[str, int] = field(default_factory=dict)  # ingest errors by kind
    last_poll: datetime | None = None
    newest_article: datetime | None = None  # by fetch time
    newest_page: datetime | None = None  # when the newest page revision was written
    # with workers (PostgreSQL, `newsloom worker`): the job queue, by task and status
    workers: int | None = None  # workers with a heartbeat in the last 15 s (not stalled)
    jobs: dict[str, dict[str, int]] = field(default_factory=dict)
    # jobs `doing` whose worker has been silent for 15 s or more (a dead worker's, until a
    # tick takes them back)
    jobs_stalled: int = 0
    # a recluster has reset the stories and not swept them yet: running, or stopped before its
    # end (pages wait until it is done)
    recluster: bool = False
    # its process is running it (else it was stopped before its end: `newsloom cluster`
    # finishes it)
    recluster_running: bool = False

    @property
    def queues(self) -> dict[str, int]:
        """Work waiting, by stage: articles to cluster, pages to write, sources to poll,
        article pages to fetch again."""
        return {
            "unclustered": self.unclustered,
            "pages": self.pages_pending,
            "sources_due": self.sources_due,
            "page_retries": self.page_retries,
        }

    def as_dict(self) -> dict:
        """Plain JSON-ready values (times as ISO 8601), with the queues grouped."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat()
        out["queues"] = self.queues
        return out


def _count(conn: Connection, table, *where) -> int:
    return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def pipeline_stats(conn: Connection, now: datetime, *, min_outlets: int = 2) -> PipelineStats:
    """Read the pipeline's figures as of ``now``.

    Args:
        conn: a connection to the store.
        now: the time "due", "last hour" and "last 24 h" are measured from.
        min_outlets: stories with fewer outlets get no page, so they are not in the queue.
    """
    due = sources.c.next_fetch.is_(None) | (sources.c.next_fetch <= now)
    src = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((sources.c.error_count > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(case((due, 1), else_=0)), 0),
            func.max(sources.c.last_fetch),
        ).select_from(sources)
    ).one()
    newest_page_id = select(func.max(story_pages.c.id)).scalar_subquery()
    errors = conn.execute(
        select(ingest_errors.c.kind, func.count())
        .where(ingest_errors.c.at >= now - ERROR_WINDOW)
        .group_by(ingest_errors.c.kind)
        .order_by(ingest_errors.c.kind)
    ).all()
    # not merged into another, and with articles (a recluster under way empties stories)
    live = stories.c.merged_into.is_(None) & (stories.c.article_count > 0)
    workers, jobs, stalled = _job_queue(conn)
    return PipelineStats(
        workers=workers,
        jobs=jobs,
        jobs_stalled=stalled,
        oldest_unclustered=waiting_span(conn)[0],
        recluster=recluster_under_way(conn),
        recluster_running=recluster_running(conn),
        at=now,
        sources=src[0],
        sources_failing=int(src[1]),
        sources_due=int(src[2]),
        last_poll=src[3],
        articles=_count(conn, articles),
        articles_last_hour=_count(conn, articles, articles.c.fetched >= now - timedelta(hours=1)),
        articles_last_day=_count(conn, articles, articles.c.fetched >= now - timedelta(days=1)),
        syndicated=_count(conn, articles, articles.c.duplicate_of.is_not(None)),
        stories=_count(conn, stories, live),
        stories_with_page=conn.execute(
            select(func.count(func.distinct(story_pages.c.story_id)))
            .select_from(story_pages.join(stories, stories.c.id == story_pages.c.story_id))
            .where(live)
        ).scalar_one(),
        unclustered=_count(conn, articles, articles.c.story_id.is_(None)),
        pages_pending=count_stories_needing_pages(conn, min_outlets, now),
        page_retries=_count(conn, pending_pages),
        errors_24h={kind: n for kind, n in errors},
        newest_article=conn.execute(select(func.max(articles.c.fetched))).scalar(),
        newest_page=conn.execute(
            select(story_pages.c.written_at).where(story_pages.c.id == newest_page_id)
        ).scalar(),
    )


def _job_queue(conn: Connection) -> tuple[int | None, dict[str, dict[str, int]], int]:
    """Live workers, jobs by task and status, and jobs stalled (``doing``, their worker
    silent for 15 s), when procrastinate's tables exist here."""
    if conn.dialect.name != "postgresql":
        return None, {}, 0
    if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
        return None, {}, 0
    stalled = conn.execute(
        text(
            "SELECT count(*) FROM procrastinate_jobs j "
            "LEFT JOIN procrastinate_workers w ON w.id = j.worker_id "
            "WHERE j.status = 'doing' "
            "AND (w.id IS NULL OR w.last_heartbeat < now() - interval '15 seconds')"
        )
    ).scalar_one()
    workers = conn.execute(
        text(
            "SELECT count(*) FROM procrastinate_workers "
            "WHERE last_heartbeat > now() - interval '15 seconds'"
        )
    ).scalar_one()
    jobs: dict[str, dict[str, int]] = {}
    rows = conn.execute(
        text(
            "SELECT task_name, status::text, count(*) FROM procrastinate_jobs "
            "WHERE status IN ('todo', 'doing', 'failed') GROUP BY 1, 2 ORDER BY 1, 2"
        )
    ).all()
    for task, status, count in rows:
        jobs.setdefault(task.removeprefix("newsloom."), {})[status] = count
    return workers, jobs, stalled
