"""Full-text search over story pages and articles (SQLite FTS5 / PostgreSQL tsvector).

The index is kept current by the database (migration 0004). A query is reduced to its words;
every word must match, as a prefix (``flood`` finds *floods*). Results are ranked (BM25 on
SQLite, ``ts_rank_cd`` on PostgreSQL), titles and headlines weigh more than text.

Matches are shown by :func:`highlight`: the text is escaped first, then the matched words are
wrapped in ``<mark>``, so nothing from a source is ever rendered as markup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from markupsafe import Markup, escape
from sqlalchemy import Connection, text

from .queries import iso

#: Most words taken from a query.
MAX_TERMS = 8
#: Matches ranked per query: the newest this many (by id). A word found in most of the
#: archive ("the") would otherwise rank every article; news search favours the recent anyway.
MAX_CANDIDATES = 2000
_WORD = re.compile(r"\w+", re.UNICODE)


def terms(query: str | None) -> list[str]:
    """The words of a query, lower-cased, in order, without repeats."""
    out: list[str] = []
    for w in _WORD.findall((query or "").lower()):
        w = w.strip("_")
        if w and w not in out:
            out.append(w)
    return out[:MAX_TERMS]


def _fts5_query(words: list[str]) -> str:
    # each word quoted (no FTS syntax can slip in) and matched as a prefix; all must match
    return " ".join(f'"{w}"*' for w in words)


def _tsquery(words: list[str]) -> str:
    return " & ".join(f"'{w}':*" for w in words)


@dataclass
class Hit:
    kind: str  # "story" or "article"
    title: str
    url: str  # /t/<id> for stories; the article's own URL for articles
    snippet: Markup
    outlet: str | None = None
    story: str | None = None
    published: datetime | None = None
    rank: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def title_marked(self) -> Markup:
        return highlight(self.title, self.extra.get("terms", []), width=0)

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "title": self.title,
            "title_html": str(self.title_marked),
            "url": self.url,
            "story": self.story,
            "outlet": self.outlet,
            "published": iso(self.published),
            "snippet_html": str(self.snippet),
            "snippet": _plain(self.snippet),
            "rank": round(self.rank, 4),
            **{k: v for k, v in self.extra.items() if k != "terms"},
        }


@dataclass
class Results:
    query: str
    terms: list[str]
    stories: list[Hit]
    articles: list[Hit]


def _plain(markup: Markup) -> str:
    return Markup(markup).striptags()


def highlight(value: str | None, words: list[str], width: int = 240) -> Markup:
    """``value`` escaped, with matches of ``words`` (as prefixes) in ``<mark>``.

    With ``width`` > 0 only a window of about that many characters around the first match is
    kept (with ellipses); 0 keeps the whole text.
    """
    value = value or ""
    if not words:
        pattern = None
    else:
        alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        pattern = re.compile(rf"(?<!\w)(?:{alts})\w*", re.IGNORECASE | re.UNICODE)
    start, end = 0, len(value)
    if width and len(value) > width:
        first = pattern.search(value) if pattern else None
        centre = first.start() if first else 0
        start = max(0, centre - width // 3)
        if start:  # begin at a word boundary
            space = value.find(" ", start)
            start = space + 1 if 0 <= space < centre else start
        end = min(len(value), start + width)
        if end < len(value):
            space = value.rfind(" ", start, end)
            end = space if space > start else end
    part = value[start:end]
    out = [Markup("…") if start else Markup("")]
    pos = 0
    for m in pattern.finditer(part) if pattern else ():
        out.append(escape(part[pos : m.start()]))
        out.append(Markup("<mark>") + escape(m.group(0)) + Markup("</mark>"))
        pos = m.end()
    out.append(escape(part[pos:]))
    if end < len(value):
        out.append(Markup("…"))
    return Markup("").join(out)


def search(conn: Connection, query: str, *, limit: int = 20) -> Results:
    """Stories (live, with a complete page) and articles matching ``query``, best first."""
    words = terms(query)
    if not words:
        return Results(query or "", [], [], [])
    if conn.dialect.name == "postgresql":
        params = {"q": _tsquery(words), "n": limit, "m": MAX_CANDIDATES}
        story_rows = conn.execute(text(_PG_STORIES), params).all()
        article_rows = conn.execute(text(_PG_ARTICLES), params).all()
    else:
        params = {"q": _fts5_query(words), "n": limit, "m": MAX_CANDIDATES}
        story_rows = conn.execute(text(_SQLITE_STORIES), params).all()
        article_rows = conn.execute(text(_SQLITE_ARTICLES), params).all()
    stories = []
    for r in story_rows:
        try:
            page = json.loads(r.page)
        except ValueError:
            page = {}
        body = " ".join(
            p.get("text", "") for p in (page.get("highlights") or []) + (page.get("story") or [])
        )
        stories.append(
            Hit(
                kind="story",
                title=r.headline or r.short_id,
                url=f"/t/{r.short_id}",
                snippet=highlight(body, words),
                story=r.short_id,
                published=_utc(r.written_at),
                rank=-float(r.rank),
                extra={
                    "terms": words,
                    "tone": (page.get("tone") or {}).get("label"),
                    "outlet_count": r.outlet_count,
                },
            )
        )
    articles = [
        Hit(
            kind="article",
            title=r.title or "",
            url=r.url,
            snippet=highlight(r.text, words),
            outlet=r.outlet,
            story=r.story,
            published=_utc(r.published),
            rank=-float(r.rank),
            extra={"terms": words, "id": r.id, "kind_of_article": r.kind},
        )
        for r in article_rows
    ]
    return Results(query, words, stories, articles)


def _utc(dt):
    if dt is None:
        return None
    if isinstance(dt, str):
        dt = datetime.fromisoformat(dt)
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


_LATEST = "p.revision = (SELECT max(q.revision) FROM story_pages q WHERE q.story_id = s.id)"

_SQLITE_STORIES = f"""
WITH hits AS (
  SELECT rowid AS story_id, bm25(story_pages_fts, 5.0, 1.0) AS rank FROM story_pages_fts
  WHERE story_pages_fts MATCH :q ORDER BY rowid DESC LIMIT :m
)
SELECT s.short_id, s.outlet_count, p.headline, p.page, p.written_at, hits.rank
FROM hits
JOIN stories s ON s.id = hits.story_id
JOIN story_pages p ON p.story_id = s.id AND {_LATEST}
WHERE s.merged_into IS NULL AND p.status = 'complete'
ORDER BY hits.rank LIMIT :n
"""

_SQLITE_ARTICLES = """
WITH hits AS (
  SELECT rowid AS id, bm25(articles_fts, 10.0, 1.0) AS rank FROM articles_fts
  WHERE articles_fts MATCH :q ORDER BY rowid DESC LIMIT :m
), best AS (SELECT id, rank FROM hits ORDER BY rank LIMIT :n)
SELECT a.id, a.url, a.title, substr(a.text, 1, 20000) AS text, a.published, a.kind,
       coalesce(a.source_name, src.name) AS outlet, s.short_id AS story, best.rank
FROM best
JOIN articles a ON a.id = best.id
LEFT JOIN sources src ON src.id = a.source_id
LEFT JOIN stories s ON s.id = a.story_id
ORDER BY best.rank
"""

_PG_STORIES = f"""
WITH query AS (SELECT to_tsquery('simple', :q) AS q),
hits AS (
  SELECT p.id FROM story_pages p, query WHERE p.search @@ query.q ORDER BY p.id DESC LIMIT :m
)
SELECT s.short_id, s.outlet_count, p.headline, p.page, p.written_at,
       -ts_rank_cd(p.search, query.q) AS rank
FROM hits
JOIN story_pages p ON p.id = hits.id
JOIN stories s ON s.id = p.story_id, query
WHERE {_LATEST} AND s.merged_into IS NULL AND p.status = 'complete'
ORDER BY rank LIMIT :n
"""

_PG_ARTICLES = """
WITH query AS (SELECT to_tsquery('simple', :q) AS q),
hits AS (
  SELECT a.id, -ts_rank_cd(a.search, query.q) AS rank FROM articles a, query
  WHERE a.search @@ query.q ORDER BY a.id DESC LIMIT :m
), best AS (SELECT id, rank FROM hits ORDER BY rank LIMIT :n)
SELECT a.id, a.url, a.title, left(a.text, 20000) AS text, a.published, a.kind,
       coalesce(a.source_name, src.name) AS outlet, s.short_id AS story, best.rank
FROM best
JOIN articles a ON a.id = best.id
LEFT JOIN sources src ON src.id = a.source_id
LEFT JOIN stories s ON s.id = a.story_id
ORDER BY best.rank
"""
