"""A small local news site for tests that run newsloom as a service: one RSS feed per outlet
of the clustering fixture (tests/data/cluster/events.py: five events, eight outlets, fifteen
articles in three languages), and each article as an HTML page.

``NewsSite(page_delay=1.0)`` answers every article page after a delay, so a test can stop or
kill newsloom while pages are still being fetched.
"""

from __future__ import annotations

import html
import http.server
import re
import sys
import threading
import time
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "data" / "cluster"))
from events import ARTICLES  # noqa: E402


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class NewsSite:
    """A threaded HTTP server on 127.0.0.1 (a context manager); ``base`` is its address."""

    def __init__(self, page_delay: float = 0.0, articles=ARTICLES):
        self.page_delay = page_delay
        self.articles = {a["id"]: a for a in articles}
        self.outlets = sorted({a["source"] for a in articles})
        self.requests: list[str] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                site.requests.append(self.path)
                status, ctype, body = site.respond(self.path)
                data = body.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (a killed newsloom): nothing to answer

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> NewsSite:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def feed_url(self, outlet: str) -> str:
        return f"{self.base}/feed/{slug(outlet)}.xml"

    def article_url(self, art: dict) -> str:
        return f"{self.base}/a/{art['id']}.html"

    def opml(self) -> str:
        outlines = "".join(
            f'<outline type="rss" text="{html.escape(o)}" title="{html.escape(o)}" '
            f'xmlUrl="{self.feed_url(o)}"/>'
            for o in self.outlets
        )
        return f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>'

    def respond(self, path: str) -> tuple[int, str, str]:
        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nAllow: /\n"
        if m := re.fullmatch(r"/feed/([a-z0-9-]+)\.xml", path):
            items = [a for a in self.articles.values() if slug(a["source"]) == m.group(1)]
            if not items:
                return 404, "text/plain", "no such feed"
            return 200, "application/rss+xml", self.rss(items)
        if m := re.fullmatch(r"/a/([a-z0-9]+)\.html", path):
            art = self.articles.get(m.group(1))
            if art is None:
                return 404, "text/plain", "no such article"
            if self.page_delay:
                time.sleep(self.page_delay)
            return 200, "text/html; charset=utf-8", self.page(art)
        return 404, "text/plain", "not found"

    def rss(self, items: list[dict]) -> str:
        body = "".join(
            f"<item><title>{html.escape(a['title'])}</title><link>{self.article_url(a)}</link>"
            f"<guid>{self.article_url(a)}</guid>"
            f"<pubDate>{format_datetime(_time(a['published']))}</pubDate></item>"
            for a in items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{html.escape(items[0]['source'])}</title><link>{self.base}/</link>"
            f"{body}</channel></rss>"
        )

    def page(self, art: dict) -> str:
        sentences = re.split(r"(?<=[.!?])\s+", art["text"])
        paras = "".join(f"<p>{html.escape(s)}</p>" for s in sentences)
        title = html.escape(art["title"])
        return (
            f"<!doctype html><html><head><title>{title}"
            f"</title><meta property='og:site_name' content='{html.escape(art['source'])}'>"
            f"<meta property='article:published_time' content='{art['published']}'></head>"
            f"<body><article><h1>{title}</h1>{paras}</article></body></html>"
        )


def _time(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))
