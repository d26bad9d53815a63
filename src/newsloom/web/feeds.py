"""Atom feeds: top stories, one per category, one per search query.

Each entry's id and link are the story's permalink (``/t/<id>``); its ``updated`` is when
the page last changed (the newest revision's ``written_at``), so a page that was only
re-checked is not published again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup, escape
from sqlalchemy import Connection

from ..errors import NotFound
from . import queries
from .http import Rendered, cached, site_of
from .search import search

router = APIRouter(include_in_schema=False)

ATOM = "application/atom+xml; charset=utf-8"
#: Entries in a feed.
FEED_SIZE = 50


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def entry_html(card: queries.Card) -> str:
    """The entry's content: its highlights as an HTML list (escaped text only)."""
    items = Markup("").join(Markup("<li>") + escape(h) + Markup("</li>") for h in card.highlights)
    parts = [Markup("<ul>") + items + Markup("</ul>")] if card.highlights else []
    parts.append(
        Markup("<p>{} outlets · tone: {}</p>").format(card.outlet_count, card.tone or "not rated")
    )
    return str(Markup("").join(parts))  # a plain str: the XML template escapes it once more


def render_feed(
    request: Request,
    cards: list[queries.Card],
    *,
    title: str,
    subtitle: str,
    self_path: str,
    html_path: str,
) -> Rendered:
    env = request.app.state.templates
    updated = max((c.written_at for c in cards), default=datetime(2000, 1, 1, tzinfo=UTC))
    entries = [
        {
            "short_id": c.short_id,
            "headline": c.headline,
            "first_seen": c.first_seen,
            "written_at": c.written_at,
            "outlet_count": c.outlet_count,
            "tone": c.tone,
            "categories": c.categories,
            "highlight": c.highlight,
            "content_html": entry_html(c),
        }
        for c in cards
    ]
    body = (
        env.get_template("feed.xml")
        .render(
            title=title,
            subtitle=subtitle,
            base=_base(request),
            self_path=self_path,
            html_path=html_path,
            updated=updated,
            entries=entries,
        )
        .encode("utf-8")
    )
    return Rendered(body, ATOM, last_modified=updated if cards else None)


@router.get("/feed.xml")
async def top_feed(
    request: Request, language: Annotated[str | None, Query(max_length=16)] = None
) -> Response:
    def build(conn: Connection) -> Rendered:
        part = site_of(request).ranked(conn).select(language=language or None, limit=FEED_SIZE)
        path = "/feed.xml" + (f"?{urlencode({'language': language})}" if language else "")
        return render_feed(
            request,
            part.cards,
            title="newsloom: top stories",
            subtitle="Stories covered by many outlets, each with a neutral, sourced page.",
            self_path=path,
            html_path="/" + (f"?{urlencode({'language': language})}" if language else ""),
        )

    return await cached(request, ("feed", _base(request), language), build, depends=("pages",))


@router.get("/feed/category/{category}.xml")
async def category_feed(request: Request, category: str) -> Response:
    def build(conn: Connection) -> Rendered:
        front = site_of(request).ranked(conn)
        if not any(name.casefold() == category.casefold() for name, _ in front.categories):
            raise NotFound(f"web: no stories in category {category!r}")
        part = front.select(category=category, limit=FEED_SIZE)
        return render_feed(
            request,
            part.cards,
            title=f"newsloom: {category}",
            subtitle=f"Top stories in {category}.",
            self_path=f"/feed/category/{quote(category, safe='')}.xml",
            html_path=f"/?{urlencode({'category': category})}",
        )

    return await cached(
        request, ("feed-category", _base(request), category), build, depends=("pages",)
    )


@router.get("/feed/search.xml")
async def search_feed(
    request: Request, q: Annotated[str, Query(min_length=1, max_length=200)]
) -> Response:
    """Stories matching a query, the most recently changed first."""
    query = q.strip()

    def build(conn: Connection) -> Rendered:
        front = site_of(request).ranked(conn)
        by_id = {c.short_id: c for c in front.cards}
        hits = search(conn, query, limit=FEED_SIZE).stories
        cards = [by_id[h.story] for h in hits if h.story in by_id]
        cards.sort(key=lambda c: c.written_at, reverse=True)
        return render_feed(
            request,
            cards,
            title=f"newsloom: {query}",
            subtitle=f"Stories matching “{query}”.",
            self_path=f"/feed/search.xml?{urlencode({'q': query})}",
            html_path=f"/search?{urlencode({'q': query})}",
        )

    return await cached(request, ("feed-search", _base(request), query), build)
