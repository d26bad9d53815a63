"""Prometheus metrics: what this process did, and what the database holds.

Two kinds of figures:

- counters and histograms of this process's own work (polls, fetch errors, ingested articles,
  pages written, their latencies), incremented by ``pipeline``;
- gauges read from the database at scrape time (:class:`StatsCollector` over
  :func:`newsloom.store.stats.pipeline_stats`), true across every process sharing it.

Nothing here is registered in prometheus_client's global registry: each web app builds its own
with :func:`make_registry`, so several apps (and tests) in one process never collide. This is
a low layer: it imports the store, never ``pipeline`` or ``web``.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as _generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from .store.stats import pipeline_stats

log = logging.getLogger(__name__)

#: Seconds: from a fast extractive page to a slow LLM one (the LLM times out at 120 s).
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

POLLS = Counter(
    "newsloom_polls",
    "Source polls by outcome: ok, not_modified (HTTP 304) or error.",
    ["status"],
    registry=None,
)
FETCH_ERRORS = Counter(
    "newsloom_fetch_errors",
    "Failures fetching a feed or an article page, by kind (timeout, http_5xx, ...).",
    ["kind"],
    registry=None,
)
ARTICLES_INGESTED = Counter(
    "newsloom_articles_ingested",
    "Incoming articles by outcome: new, duplicate (syndicated copy), known, rejected or "
    "deferred (page to try again).",
    ["outcome"],
    registry=None,
)
STORIES_WRITTEN = Counter(
    "newsloom_stories_written",
    "Story page writes by outcome: written, unchanged or not_enough (material).",
    ["outcome"],
    registry=None,
)
PAGE_WRITE_SECONDS = Histogram(
    "newsloom_page_write_seconds",
    "Seconds to write one story page (writes that stored a new revision).",
    buckets=_LATENCY_BUCKETS,
    registry=None,
)
CLUSTER_BATCH_SECONDS = Histogram(
    "newsloom_cluster_batch_seconds",
    "Seconds to embed and assign one batch of articles to stories.",
    buckets=_LATENCY_BUCKETS,
    registry=None,
)

# every known outcome is exposed from the start (at 0), so rates work from the first scrape
for _status in ("ok", "not_modified", "error"):
    POLLS.labels(_status)
for _outcome in ("new", "duplicate", "known", "rejected", "deferred"):
    ARTICLES_INGESTED.labels(_outcome)
for _outcome in ("written", "unchanged", "not_enough"):
    STORIES_WRITTEN.labels(_outcome)

#: This process's own metrics, registered in every registry :func:`make_registry` builds.
PROCESS_METRICS = (
    POLLS,
    FETCH_ERRORS,
    ARTICLES_INGESTED,
    STORIES_WRITTEN,
    PAGE_WRITE_SECONDS,
    CLUSTER_BATCH_SECONDS,
)


def timed_write(fn: Callable[..., str]) -> Callable[..., str]:
    """Count a page writer's outcome, and time the calls that stored a new revision."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs) -> str:
        start = time.perf_counter()
        outcome = fn(*args, **kwargs)
        STORIES_WRITTEN.labels(outcome).inc()
        if outcome != "unchanged":
            PAGE_WRITE_SECONDS.observe(time.perf_counter() - start)
        return outcome

    return wrapper


def _gauge(name: str, doc: str, value: float | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


class StatsCollector(Collector):
    """Gauges read from the database at each scrape (see ``store.stats``)."""

    def __init__(self, engine: Engine, *, min_outlets: int = 2):
        self.engine = engine
        self.min_outlets = min_outlets

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return self._families(None)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self.engine.connect() as conn:
                stats = pipeline_stats(conn, datetime.now(UTC), min_outlets=self.min_outlets)
        except SQLAlchemyError as exc:
            log.warning("metrics: could not read the pipeline's figures error=%s", exc)
            yield _gauge("newsloom_database_up", "1 when the database answered this scrape.", 0)
            return
        yield _gauge("newsloom_database_up", "1 when the database answered this scrape.", 1)
        yield from self._families(stats)

    def _families(self, stats) -> Iterator[GaugeMetricFamily]:
        def value(attr: str) -> float | None:
            return None if stats is None else float(getattr(stats, attr))

        def ts(attr: str) -> float | None:
            if stats is None:
                return None
            when = getattr(stats, attr)
            return when.timestamp() if when is not None else 0.0

        if stats is None:
            yield _gauge("newsloom_database_up", "1 when the database answered this scrape.")
        for name, attr, doc in (
            ("newsloom_sources", "sources", "Sources (feeds) configured."),
            ("newsloom_sources_due", "sources_due", "Sources due for a poll now."),
            ("newsloom_sources_failing", "sources_failing", "Sources whose last poll failed."),
            ("newsloom_articles", "articles", "Articles stored."),
            (
                "newsloom_articles_last_hour",
                "articles_last_hour",
                "Articles fetched in the last hour.",
            ),
            (
                "newsloom_articles_last_day",
                "articles_last_day",
                "Articles fetched in the last 24 hours.",
            ),
            (
                "newsloom_articles_syndicated",
                "syndicated",
                "Stored articles that are syndicated copies of an earlier one.",
            ),
            ("newsloom_stories", "stories", "Live stories (not merged into another)."),
            ("newsloom_stories_with_page", "stories_with_page", "Live stories with a page."),
        ):
            yield _gauge(name, doc, value(attr))
        for name, attr, doc in (
            (
                "newsloom_last_poll_timestamp_seconds",
                "last_poll",
                "When a source was last polled (Unix time; 0: never).",
            ),
            (
                "newsloom_newest_article_timestamp_seconds",
                "newest_article",
                "When the newest article was fetched (Unix time; 0: none yet).",
            ),
            (
                "newsloom_newest_page_timestamp_seconds",
                "newest_page",
                "When the newest story page was written (Unix time; 0: none yet).",
            ),
        ):
            yield _gauge(name, doc, ts(attr))
        queues = GaugeMetricFamily(
            "newsloom_queue_depth",
            "Work waiting: articles without a story (unclustered), stories whose page is "
            "missing or stale (pages), sources due for a poll (sources_due), article pages "
            "that failed for a passing reason and wait for another try (page_retries).",
            labels=["queue"],
        )
        errors = GaugeMetricFamily(
            "newsloom_ingest_errors_24h",
            "Ingest errors recorded in the last 24 hours, by kind (all processes).",
            labels=["kind"],
        )
        if stats is not None:
            for queue, depth in stats.queues.items():
                queues.add_metric([queue], depth)
            for kind, count in stats.errors_24h.items():
                errors.add_metric([kind], count)
        yield queues
        yield errors
        if stats is not None and stats.workers is not None:
            yield _gauge(
                "newsloom_workers", "Workers with a heartbeat in the last 30 s.", stats.workers
            )
            jobs = GaugeMetricFamily(
                "newsloom_jobs",
                "Jobs in the workers' queue by task and status (todo, doing, failed).",
                labels=["task", "status"],
            )
            for task, by_status in stats.jobs.items():
                for status, count in by_status.items():
                    jobs.add_metric([task, status], count)
            yield jobs


def make_registry(engine: Engine | None = None, *, min_outlets: int = 2) -> CollectorRegistry:
    """A registry with this process's metrics and, given an engine, the database gauges."""
    registry = CollectorRegistry()
    for metric in PROCESS_METRICS:
        registry.register(metric)
    if engine is not None:
        registry.register(StatsCollector(engine, min_outlets=min_outlets))
    return registry


def exposition(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The registry in Prometheus' text format, and its content type."""
    return _generate_latest(registry), CONTENT_TYPE_LATEST
