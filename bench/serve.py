"""Serving speed: requests/s and p50/p99 latency of the site, the API and search.

    .venv/bin/python bench/serve.py [--stories 10000] [--per-story 20] [--connections 64]
                                    [--duration 10] [--rounds 3] [--fresh-duration 2]
                                    [--unpublished] [--only TEXT]

Builds (once; kept in ``bench/out/serve/``) a SQLite database through the real migrations
holding ``--stories`` stories of ``--per-story`` articles each (10,000 and 200,000 by default),
300 sources, and one story page (~10 kB of JSON, like the writer's) per story, a tenth of them
with a second revision. Rows are bulk-inserted with SQL; the search index is kept by the
migration's triggers as in production.

Then it starts the real server (``newsloom.web.app.serve``: uvicorn, one process) and loads it
from a separate process with ``wrk`` (Debian: ``apt-get install wrk``) at ``--connections``
concurrent connections, sending ``Accept-Encoding: gzip`` as browsers do. Each round measures,
one after the other, each after a 2-second warm-up of the same route: ``/healthz`` (the
framework floor: a route returning "ok" from the same server), the home page, one story page,
the same story from the API, a search, story pages picked at random among all stories,
searches for one of 50,000 random invented names (sometimes with a topic word; mostly
uncached), and story pages picked at random among 500 while another process changes one
random story every 0.5 s (as the pipeline does: the site's data version moves on, so no
cached response stays current for long). Then measures of *first requests*, each for
``--fresh-duration`` seconds (2) on a server just restarted (its caches are empty; its front
page is read once, then 1 s to settle): the floor again, then story pages (then, after
another restart, API stories) asked for each in turn, none twice, with no warm-up, so every
response comes from the database (a warning says if a run got through all the stories).
Before measuring, the real publish stage (``newsloom.web.publish``) renders every story's page
and API story ahead, as ``newsloom run`` does after writing pages (and again after the
changing-stories route, for the stories it changed, as the pipeline's next round would);
``--unpublished`` drops those renderings instead, so every first request is built from the
story's data. Figures are
the median over the rounds; each route's rate is also given as a ratio to the floor of the
same round.

The floor goes through the same middleware as every route (security headers, gzip, the
response-cache lookup); a cached page is answered by that lookup without routing, so it can
be cheaper than the floor.

Goals: a story page and the API story at least half the floor's rate, p99 under 50 ms; the
verdict is printed for a page asked for before and for first requests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
OUT = ROOT / "bench" / "out" / "serve"

TOPICS = (
    "harbour bridge election inflation wildfire summit strike vaccine pipeline tariff drought "
    "museum stadium ferry airport satellite reactor budget protest treaty"
).split()
SYLLABLES = "ka lo mi ne ru sa te vo bri dan fel gor hal jun kes lim mor nor pel quin".split()
FILLER = (
    "the council said on Thursday that its plan would cost more than expected while "
    "officials and residents disagreed about what should happen next in the city"
).split()
TONES = ("Informative", "Tense", "Contentious", "Hopeful", "Somber", "Provocative")
CATEGORIES = ("World", "Politics", "Business", "Science", "Sport", "Culture")
COUNTRIES = ("US", "GB", "DE", "FR", "ES", "IT", "NO", "SE", "IN", "JP", "BR", "ZA", "AU", "CA")
LANGUAGES = ("en",) * 7 + ("de", "fr", "es")
#: The "churn" route: stories read, and seconds between changes to one (random) story.
POPULAR = 500
CHURN_S = 0.5


def _ts(dt: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite."""
    return dt.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sentence(rng: random.Random, names: list[str], topic: str, words: int) -> str:
    pool = names + [topic] * 2 + FILLER * 2
    body = " ".join(rng.choice(pool) for _ in range(words))
    return body[0].upper() + body[1:] + "."


def build(path: Path, n_stories: int, per_story: int, seed: int = 7) -> None:
    """A database with synthetic sources, stories, articles and pages (bulk SQL)."""
    from newsloom.config import Settings
    from newsloom.store.db import open_store

    if path.exists():
        path.unlink()
    settings = Settings(data_dir=path.parent, database_url=f"sqlite:///{path}")
    open_store(settings).dispose()  # the real migrations, search triggers included
    rng = random.Random(seed)
    now = datetime.now(UTC)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    n_sources = 300
    sources = []
    for i in range(1, n_sources + 1):
        sources.append(
            (
                i,
                f"https://outlet{i}.example/feed.xml",
                f"Outlet {i}",
                f"https://outlet{i}.example/",
                rng.choice(COUNTRIES),
                rng.choice(LANGUAGES),
                rng.choice((None, "left", "center", "right")),
                rng.choice(CATEGORIES),
                _ts(now - timedelta(minutes=rng.randint(1, 60))),
                0 if rng.random() > 0.05 else rng.randint(1, 5),
                _ts(now - timedelta(days=90)),
            )
        )
    db.executemany(
        "INSERT INTO sources (id, url, name, html_url, country, language, lean, category, "
        "last_fetch, error_count, created) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        sources,
    )
    story_rows, article_rows, page_rows = [], [], []
    article_id = 0
    for s in range(1, n_stories + 1):
        topic = rng.choice(TOPICS)
        names = ["".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() for _ in range(4)]
        last = now - timedelta(hours=rng.uniform(0, 24 * 30))
        first = last - timedelta(hours=rng.uniform(1, 48))
        outlets = rng.sample(range(1, n_sources + 1), k=min(per_story, rng.randint(4, 15)))
        arts = []
        for j in range(per_story):
            article_id += 1
            src = outlets[j % len(outlets)]
            when = first + (last - first) * (j / max(1, per_story - 1))
            title = _sentence(rng, names, topic, rng.randint(7, 12))[:-1]
            text = " ".join(_sentence(rng, names, topic, rng.randint(12, 22)) for _ in range(4))
            kind = "opinion" if rng.random() < 0.05 else "news"
            url = f"https://outlet{src}.example/{s}/{j}"
            arts.append((article_id, url, title, text, src, kind, when))
            article_rows.append(
                (article_id, url, src, title, text, _ts(when), kind, _ts(when), s, "bench")
            )
        story_rows.append(
            (
                s,
                f"s{s:09d}",
                arts[0][0],
                _ts(first),
                _ts(last),
                _ts(last),
                per_story,
                len(outlets),
                len({sources[o - 1][4] for o in outlets}),
            )
        )
        for revision in (1, 2) if s % 10 == 0 else (1,):
            page = _page(rng, arts, sources, topic, revision)
            written = last + timedelta(minutes=5 * revision)
            page_rows.append(
                (
                    s,
                    revision,
                    _ts(written),
                    _ts(written),
                    "extractive",
                    "complete",
                    page["headline"],
                    "x",
                    "y",
                    json.dumps(page, ensure_ascii=False, sort_keys=True),
                )
            )
    db.executemany(
        "INSERT INTO stories (id, short_id, key, first_seen, last_article, updated, "
        "article_count, outlet_count, country_count) VALUES (?,?,?,?,?,?,?,?,?)",
        story_rows,
    )
    db.executemany(
        "INSERT INTO articles (id, url, source_id, title, text, published, kind, fetched, "
        "story_id, kind_rule, paywalled) VALUES (?,?,?,?,?,?,?,?,?,?,0)",
        article_rows,
    )
    db.executemany(
        "INSERT INTO story_pages (story_id, revision, written_at, checked_at, writer, status, "
        "headline, articles_hash, content_hash, page) VALUES (?,?,?,?,?,?,?,?,?,?)",
        page_rows,
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()


def _page(rng, arts, sources, topic, revision) -> dict:
    by_outlet: dict[int, list] = {}
    for a in arts:
        by_outlet.setdefault(a[4], []).append(a)
    news = [a for a in arts if a[5] == "news"] or arts

    def passage(a):
        return {"text": a[3].split(". ")[0] + ".", "citations": [a[1]]}

    tone = rng.choice(TONES)
    return {
        "status": "complete",
        "status_reason": None,
        "headline": news[0][2] + (" (update)" if revision > 1 else ""),
        "language": "en",
        "first_seen": arts[0][6].isoformat(),
        "last_article_at": arts[-1][6].isoformat(),
        "tone": {
            "label": tone,
            "definition": f"{tone}: synthetic definition for the benchmark.",
            "scores": {t: round(rng.random() * 2, 3) for t in TONES},
            "evidence": [topic, "said"],
            "vader": {"compound": 0.1, "negative": 0.1, "positive": 0.2},
        },
        "highlights": [passage(a) for a in news[:3]],
        "story": [passage(a) for a in news[:9]],
        "word_count": 200,
        "opinions": [
            {
                "outlet": sources[a[4] - 1][2],
                "author": "A. Columnist",
                "title": a[2],
                "url": a[1],
                "gist": a[3].split(". ")[1] + ".",
                "kind": "opinion",
                "published": a[6].isoformat(),
            }
            for a in arts
            if a[5] == "opinion"
        ],
        "sources": [
            {
                "outlet": sources[o - 1][2],
                "country": sources[o - 1][4],
                "language": sources[o - 1][5],
                "lean": sources[o - 1][6],
                "articles": len(items),
                "urls": [a[1] for a in items],
            }
            for o, items in by_outlet.items()
        ],
        "one_sided": None,
        "timeline": [
            {
                "at": arts[0][6].isoformat(),
                "developments": [
                    {
                        "title": a[2],
                        "url": a[1],
                        "outlet": sources[a[4] - 1][2],
                        "kind": a[5],
                        "published": a[6].isoformat(),
                    }
                    for a in arts
                ],
            }
        ],
        "changes": [] if revision == 1 else [{"type": "new_outlet", "outlet": "Outlet 1"}],
        "writer": {"backend": "extractive", "version": "1", "written_at": arts[-1][6].isoformat()},
    }


# --- load -----------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url: str, connections: int, duration: int, script: Path | None = None) -> dict:
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        "Accept-Encoding: gzip",
    ]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(lat["50"]),
        "p99": _ms(lat["99"]),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else None,
    }


def _lua(path: Path, prefix: str, values: list[str]) -> Path:
    items = ",".join(json.dumps(v) for v in values)
    path.write_text(
        f"local v = {{{items}}}\n"
        "math.randomseed(os.time())\n"
        "request = function()\n"
        f'  return wrk.format("GET", "{prefix}" .. v[math.random(#v)])\n'
        "end\n",
        encoding="utf-8",
    )
    return path


def _lua_walk(path: Path, prefix: str, values: list[str]) -> Path:
    """Requests ``prefix + value`` for each value in turn: no value is asked for twice
    until all have been."""
    items = ",".join(json.dumps(v) for v in values)
    path.write_text(
        f"local v = {{{items}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #v + 1\n"
        f'  return wrk.format("GET", "{prefix}" .. v[i])\n'
        "end\n",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def _churn(db: Path, n_stories: int):
    """While inside: every CHURN_S seconds, one random story's ``updated`` time moves on, as
    when the pipeline refreshes a story (it changes the site's data version)."""
    done = threading.Event()

    def run() -> None:
        rng = random.Random(11)
        with sqlite3.connect(db, timeout=10) as conn:
            while not done.wait(CHURN_S):
                conn.execute(
                    "UPDATE stories SET updated = ? WHERE id = ?",
                    (_ts(datetime.now(UTC)), rng.randint(1, n_stories)),
                )
                conn.commit()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _publish(db: Path, *, drop: bool) -> str:
    """Run the real publish stage (``newsloom.web.publish``) over the database, or drop what
    it kept. Returns how the stories' pages stand, for the report."""
    from sqlalchemy import delete

    from newsloom.store.db import make_engine, transaction
    from newsloom.store.schema import story_renderings
    from newsloom.web.publish import publish

    engine = make_engine(f"sqlite:///{db}")
    try:
        if drop:
            with transaction(engine) as conn:
                conn.execute(delete(story_renderings))
            return "not published: every first request is built from the database"
        t0 = time.perf_counter()
        tally = publish(engine)
        took = time.perf_counter() - t0
        if tally.rendered:
            rate = tally.rendered / took
            print(
                f"published {tally.rendered} stories in {took:.0f} s ({rate:.0f} stories/s, "
                "page and API story each)",
                file=sys.stderr,
            )
        return "published ahead (newsloom publish)"
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stories", type=int, default=10_000)
    ap.add_argument("--per-story", type=int, default=20)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--fresh-duration",
        type=int,
        default=2,
        help="seconds of each first-requests run (short enough not to ask for a story twice)",
    )
    ap.add_argument("--rebuild", action="store_true", help="build the database again")
    ap.add_argument(
        "--unpublished",
        action="store_true",
        help="drop the pages rendered ahead (the publish stage) first: every first request "
        "is then built from the database (the next run without it publishes them again)",
    )
    ap.add_argument(
        "--only",
        metavar="TEXT",
        help="run only the routes whose name contains TEXT (and the floor), for a quick look",
    )
    args = ap.parse_args()
    if not shutil.which("wrk"):
        print("bench/serve.py needs wrk: apt-get install wrk", file=sys.stderr)
        return 2

    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "newsloom.db"
    marker = OUT / "params.json"
    params = {"stories": args.stories, "per_story": args.per_story, "schema": "0004"}
    if (
        args.rebuild
        or not db.exists()
        or not marker.exists()
        or (json.loads(marker.read_text()) != params)
    ):
        t0 = time.perf_counter()
        build(db, args.stories, args.per_story)
        marker.write_text(json.dumps(params))
        print(f"built {db} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    published = _publish(db, drop=args.unpublished)
    with sqlite3.connect(db) as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("stories", "articles", "story_pages", "sources")
        }
        ids = [r[0] for r in conn.execute("SELECT short_id FROM stories")]
    print(f"database: {counts}, {db.stat().st_size / 1e6:.0f} MB", file=sys.stderr)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "NEWSLOOM_DATA_DIR": str(OUT),
        "NEWSLOOM_DATABASE_URL": f"sqlite:///{db}",
        "NEWSLOOM_LOG_LEVEL": "WARNING",
    }
    code = (
        "from newsloom.config import load_settings; from newsloom.web.app import serve; "
        f"serve(load_settings(), '127.0.0.1', {port})"
    )
    import httpx

    def start() -> tuple[subprocess.Popen, float]:
        """The server, started and answering; and how long its first home page took."""
        proc = subprocess.Popen([sys.executable, "-c", code], env=env)
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=1).text == "ok":
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            stop(proc)
            raise SystemExit("the server did not start")
        t0 = time.perf_counter()
        httpx.get(base + "/", timeout=60)  # waits for the front page's ranking
        took = time.perf_counter() - t0
        time.sleep(1)  # the warm-up thread ends with a garbage collection (web.app.settle_gc)
        return proc, took

    def stop(proc: subprocess.Popen) -> None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()

    server, first_home = start()
    tmp = Path(tempfile.mkdtemp(prefix="newsloom-serve-"))
    try:
        home = httpx.get(base + "/", timeout=60)
        top = re.search(r'href="/t/([a-z0-9]+)"', home.text).group(1)
        rng = random.Random(3)
        queries = [  # an invented name (in a few stories, or none), sometimes with a topic
            "".join(rng.choice(SYLLABLES) for _ in range(3))
            + (f"+{rng.choice(TOPICS)}" if rng.random() < 0.3 else "")
            for _ in range(50_000)
        ]
        shuffled = random.Random(1).sample(ids, len(ids))
        # name: (url, wrk script, mode). "warm": after a warm-up of the route. "churn": the
        # same, while another process changes one story every CHURN_S seconds (as the
        # pipeline does), so the cached responses' data version keeps moving on. "fresh": on
        # a server just restarted, no warm-up, each story asked for once: first requests.
        routes = {
            "floor /healthz": (base + "/healthz", None, "warm"),
            "home /": (base + "/", None, "warm"),
            "story /t/<id>": (base + f"/t/{top}", None, "warm"),
            "API /api/v1/stories/<id>": (base + f"/api/v1/stories/{top}", None, "warm"),
            "search /search?q=harbour": (base + "/search?q=harbour", None, "warm"),
            f"story pages, random among all {len(ids):,}": (
                base,
                _lua(tmp / "stories.lua", "/t/", shuffled),
                "warm",
            ),
            "searches, random names (mostly uncached)": (
                base,
                _lua(tmp / "search.lua", "/search?q=", queries),
                "warm",
            ),
            f"story pages, random among {POPULAR}, a story changing every {CHURN_S} s": (
                base,
                _lua(tmp / "popular.lua", "/t/", shuffled[:POPULAR]),
                "churn",
            ),
            "floor /healthz, just after a restart": (base + "/healthz", None, "fresh"),
            "story pages, first request each": (
                base,
                _lua_walk(tmp / "walk.lua", "/t/", shuffled),
                "fresh",
            ),
            "API stories, first request each": (
                base,
                _lua_walk(tmp / "walk-api.lua", "/api/v1/stories/", shuffled),
                "fresh",
            ),
        }
        if args.only:
            routes = {n: r for n, r in routes.items() if args.only in n or n.startswith("floor")}
        runs: dict[str, list[dict]] = {name: [] for name in routes}
        for r in range(args.rounds):
            for name, (url, script, mode) in routes.items():
                if mode == "fresh":
                    stop(server)
                    server, _ = start()
                else:
                    wrk(url, args.connections, 2, script)  # warm-up
                with _churn(db, len(ids)) if mode == "churn" else contextlib.nullcontext():
                    seconds = args.fresh_duration if mode == "fresh" else args.duration
                    res = wrk(url, args.connections, seconds, script)
                if mode == "churn" and not args.unpublished:
                    _publish(db, drop=False)  # the pipeline's next round publishes them
                if mode == "fresh" and res["requests"] > len(ids):
                    print(f"warning: {name} asked for some stories twice", file=sys.stderr)
                runs[name].append(res)
                print(f"round {r + 1} {name}: {res}", file=sys.stderr)
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)

    floor = runs["floor /healthz"]
    rows = []
    for name, results in runs.items():
        ratios = [res["rps"] / f["rps"] for res, f in zip(results, floor, strict=True)]
        rows.append(
            {
                "route": name,
                "rps": statistics.median(x["rps"] for x in results),
                "requests": [x["requests"] for x in results],
                "ratio_to_floor": statistics.median(ratios),
                "p50_ms": statistics.median(x["p50"] for x in results),
                "p99_ms": statistics.median(x["p99"] for x in results),
                "p99_ms_worst": max(x["p99"] for x in results),
                "non_2xx": sum(x["non_2xx"] for x in results),
            }
        )
    print(
        f"\nServing speed: {counts['stories']} stories, {counts['articles']} articles; "
        f"{args.connections} connections, {args.rounds} rounds x {args.duration} s "
        f"(median; worst p99 in brackets); first home page after start {first_home:.2f} s; "
        f"story pages {published}\n"
    )
    print("| route | requests/s | / floor | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['route']} | {row['rps']:.0f} | {row['ratio_to_floor']:.2f} | "
            f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} ({row['p99_ms_worst']:.1f}) |"
        )
    print()
    for label, names in (
        ("asked for before", ("story /t/<id>", "API /api/v1/stories/<id>")),
        (
            "first requests",
            [n for n, (_, _, m) in routes.items() if m == "fresh" and not n.startswith("floor")],
        ),
    ):
        goals = [r for r in rows if r["route"] in names]
        if not goals:
            continue
        ok = all(r["ratio_to_floor"] >= 0.5 and r["p99_ms"] < 50 for r in goals)
        print(
            f"goal (story page and API >= 0.5 x floor, p99 < 50 ms), {label}: "
            f"{'met' if ok else 'NOT met'}"
        )
    if any(r["non_2xx"] for r in rows):
        print("warning: some responses were not 2xx/3xx:", {r["route"]: r["non_2xx"] for r in rows})
    (OUT / "results.json").write_text(json.dumps({"counts": counts, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
