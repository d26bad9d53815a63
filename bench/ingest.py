"""Ingest speed: the whole ingest path next to raw ``trafilatura.extract`` on the same pages.

    .venv/bin/python bench/ingest.py [--pages 300] [--feeds 10] [--rounds 3] [--data PATH]

Builds a few hundred real-looking article pages (the allsides-dev excerpts, read at run time,
inside typical news-site markup: navigation, JSON-LD, related links, footer) and RSS feeds
listing them, serves them from a separate local HTTP server process, then in each round:

1. raw: ``trafilatura.extract(html)`` on every page, already in memory (the floor);
2. pipeline: a fresh SQLite database, the feeds as sources, ``pipeline.refresh_due``: fetch the
   feeds, parse, fetch every page over HTTP, extract (in ``extract_workers`` processes, by
   default one per core up to 4), canonicalize, classify, near-duplicate check, store.
   ``--workers 0`` extracts in the pipeline's own process instead.

It prints articles/s for both, per round and as medians, and the ratio pipeline / raw.
Politeness delays are set to 0 and per-host concurrency to 8 (all pages come from one local
host); everything else is the shipped default.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "allsides-dev" / "articles.jsonl"

NAV = "".join(
    f'<li><a href="/section/{s}">{s.title()}</a></li>'
    for s in (
        "world",
        "politics",
        "business",
        "technology",
        "science",
        "health",
        "sport",
        "culture",
        "opinion",
        "climate",
        "travel",
        "video",
    )
)
MEGAMENU = "".join(
    f'<li class="menu-item"><a class="menu-link" href="/section/{a}/{b}" '
    f'data-track="nav|{a}|{b}">{a.title()} {b.title()}</a></li>'
    for a in (
        "world",
        "us",
        "uk",
        "europe",
        "asia",
        "africa",
        "business",
        "markets",
        "tech",
        "science",
        "health",
        "sport",
        "culture",
        "style",
        "travel",
        "food",
        "opinion",
    )
    for b in (
        "latest",
        "analysis",
        "video",
        "photos",
        "explainers",
        "live",
        "features",
        "interviews",
        "data",
        "podcasts",
        "newsletters",
        "archive",
        "local",
        "regions",
    )
)
FOOTER = "".join(
    f'<a href="/about/{s}">{s}</a> '
    for s in (
        "contact",
        "careers",
        "privacy",
        "terms",
        "cookies",
        "advertise",
        "newsletters",
        "help",
    )
)


def app_state(i: int, art: dict, others: list[dict]) -> str:
    """The JSON blob a JavaScript front end embeds in the page (as Next.js sites do)."""
    teasers = [
        {
            "id": f"{i}-{k}",
            "headline": o["title"],
            "summary": o["text"][:300],
            "image": {"src": f"/img/{i}/{k}.jpg", "width": 1200, "height": 675, "alt": o["title"]},
            "tags": ["news", "world", "politics"],
            "tracking": {"slot": k, "list": "related"},
        }
        for k, o in enumerate(others * 6)
    ]
    state = {
        "props": {
            "pageProps": {
                "article": {
                    "id": i,
                    "headline": art["title"],
                    "body": art["text"],
                    "published": art["date"],
                },
                "related": teasers,
                "ads": [{"slot": f"ad-{n}", "sizes": [[300, 250], [728, 90]]} for n in range(20)],
            }
        }
    }
    return json.dumps(state)


def page_html(i: int, art: dict, others: list[dict], base: str) -> str:
    title = html.escape(art["title"])
    paras = [p for p in art["text"].split("\n") if p.strip()]
    for other in others:  # lengthen to a typical article (several hundred words)
        paras += [p for p in other["text"].split("\n") if p.strip()]
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)
    related = "".join(
        f'<li><a href="{base}/news/{(i + k) % 997}.html">{html.escape(o["title"])}</a></li>'
        for k, o in enumerate(others, 1)
    )
    more = "".join(
        f'<div class="card"><a href="{base}/news/{(i + k) % 997}.html"><img loading="lazy" '
        f'src="/img/t/{k}.jpg" alt=""><h3>{html.escape(o["title"])}</h3></a>'
        f'<p class="teaser">{html.escape(o["text"][:160])}</p></div>'
        for k, o in enumerate(others * 8)
    )
    jsonld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": art["title"],
            "datePublished": art["date"],
            "author": {"@type": "Person", "name": f"Reporter {i % 37}"},
            "isAccessibleForFree": True,
            "articleSection": "World",
        }
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Bench Daily</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:title" content="{title}"><meta property="og:type" content="article">
<meta property="og:site_name" content="Bench Daily">
<meta name="description" content="{html.escape(paras[0][:200])}">
<link rel="canonical" href="{base}/news/{i}.html">
<script type="application/ld+json">{jsonld}</script>
<script id="__NEXT_DATA__" type="application/json">{app_state(i, art, others)}</script>
<script>window.dataLayer = window.dataLayer || [];
function gtag(){{dataLayer.push(arguments);}}</script>
<style>body{{font-family:sans-serif}} .ad{{display:block;height:250px}}</style>
</head><body>
<header><div class="logo"><a href="/">Bench Daily</a></div><nav><ul>{NAV}</ul>
<div class="mega-menu"><ul>{MEGAMENU}</ul></div></nav>
<form action="/search"><input name="q"><button>Search</button></form></header>
<div class="ad">Advertisement</div>
<main><article>
<h1>{title}</h1>
<div class="byline">By <a href="/authors/{i % 37}">Reporter {i % 37}</a>
<time datetime="{art["date"]}">{art["date"][:10]}</time></div>
<div class="share"><a href="#">Share</a> <a href="#">Tweet</a> <a href="#">Email</a></div>
<div class="article-body">{body}</div>
</article>
<aside><h2>Related</h2><ul>{related}</ul></aside>
<section class="more"><h2>More from Bench Daily</h2>{more}</section>
<section class="comments"><h2>Comments</h2><p>Comments are closed.</p></section>
</main>
<footer><p>{FOOTER}</p><p>&copy; 2021 Bench Daily</p></footer>
</body></html>"""


def feed_xml(n: int, items: list[tuple[int, dict]], base: str) -> str:
    now = datetime(2021, 7, 14, tzinfo=UTC)
    rfc822 = "%a, %d %b %Y %H:%M:%S +0000"
    entries = "".join(
        f"""<item><title>{html.escape(a["title"])}</title>
<link>{base}/news/{i}.html?utm_source=rss</link><guid>{base}/news/{i}.html</guid>
<pubDate>{(now - timedelta(minutes=i)).strftime(rfc822)}</pubDate>
<description>{html.escape(a["text"][:200])}</description></item>"""
        for i, a in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Bench feed {n}</title><link>{base}/</link>
<description>bench</description>{entries}</channel></rss>"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_site(root: Path, rows: list[dict], pages: int, feeds: int, base: str) -> list[bytes]:
    (root / "news").mkdir(parents=True)
    (root / "feeds").mkdir()
    bodies = []
    for i in range(pages):
        others = [rows[(i * 7 + k) % len(rows)] for k in (1, 2, 3)]
        data = page_html(i, rows[i % len(rows)], others, base).encode()
        (root / "news" / f"{i}.html").write_bytes(data)
        bodies.append(data)
    per = -(-pages // feeds)
    for n in range(feeds):
        items = [(i, rows[i % len(rows)]) for i in range(n * per, min(pages, (n + 1) * per))]
        (root / "feeds" / f"{n}.xml").write_text(feed_xml(n, items, base), encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    return bodies


def raw_rate(bodies: list[bytes]) -> float:
    import trafilatura

    start = time.perf_counter()
    for data in bodies:
        trafilatura.extract(data)
    return len(bodies) / (time.perf_counter() - start)


def pipeline_rate(settings, feeds: int, base: str) -> tuple[float, int]:
    from newsloom.model import Source
    from newsloom.pipeline import Ingestor, add_source, refresh_due
    from newsloom.store.articles import article_count
    from newsloom.store.db import open_store

    engine = open_store(settings)
    for n in range(feeds):
        add_source(engine, Source(url=f"{base}/feeds/{n}.xml", name=f"Bench {n}"))
    ingestor = Ingestor(engine, settings)
    start = time.perf_counter()
    asyncio.run(refresh_due(engine, settings, ingestor))
    elapsed = time.perf_counter() - start
    with engine.connect() as conn:
        stored = article_count(conn)
    engine.dispose()
    return stored / elapsed, stored


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--feeds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--workers", type=int, default=None, help="extract_workers (default: the shipped default)"
    )
    args = ap.parse_args()
    if not args.data.exists():
        print(f"bench/ingest: data not found at {args.data} (see ../shared/data/README)")
        return 2
    rows = [json.loads(line) for line in args.data.open(encoding="utf-8") if line.strip()]

    from newsloom.config import Settings

    tmp = Path(tempfile.mkdtemp(prefix="newsloom-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bodies = build_site(tmp / "site", rows, args.pages, args.feeds, base)
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp / "site",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        raws, pipes = [], []
        for r in range(args.rounds):
            raw = raw_rate(bodies)
            settings = replace(
                Settings(),
                data_dir=tmp / f"data{r}",
                allow_private_addresses=True,
                per_host_delay=0.0,
                per_host_concurrency=8,
            )
            if args.workers is not None:
                settings = replace(settings, extract_workers=args.workers)
            pipe, stored = pipeline_rate(settings, args.feeds, base)
            raws.append(raw)
            pipes.append(pipe)
            print(
                f"round {r + 1}: raw trafilatura.extract {raw:6.1f} pages/s | "
                f"pipeline {pipe:6.1f} articles/s ({stored} stored) | ratio {pipe / raw:.2f}"
            )
        raw_m, pipe_m = statistics.median(raws), statistics.median(pipes)
        print(
            f"median over {args.rounds} rounds, {args.pages} pages, "
            f"extract_workers={settings.extract_workers}: raw {raw_m:.1f}/s, "
            f"pipeline {pipe_m:.1f}/s, ratio {pipe_m / raw_m:.2f} (goal >= 0.75)"
        )
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
