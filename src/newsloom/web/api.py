"""The JSON API under ``/api/v1``: the same queries as the pages, rendered as JSON.

Reads are public and cached like the pages (ETag, Last-Modified, 304). The two
state-changing endpoints (adding a source, queueing a refresh) need
``Authorization: Bearer <api_token>``; with no token configured they are disabled.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from ..errors import InputError
from ..model import Source, settles_at, story_status
from ..store import sources as store_sources
from ..store.db import transaction
from . import queries
from .http import Forbidden, Rendered, Unauthorized, cached, site_of
from .pages import moved
from .search import search

router = APIRouter(prefix="/api/v1", tags=["api"])


def as_json(data: Any, status: int = 200, last_modified: datetime | None = None) -> Rendered:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Rendered(body, "application/json", status=status, last_modified=last_modified)


def render_story(view: queries.StoryView) -> Rendered:
    """A story as the API gives it (JSON): what ``/api/v1/stories/<id>`` serves and
    ``web.publish`` keeps."""
    return as_json(view.to_json(), last_modified=view.written_at)


# --- models (for the OpenAPI document) ------------------------------------------------------

STATUS_DOC = (
    "'developing' until story_settle_hours (default 24) after last_article (the newest "
    "article's publication time), then 'settled'"
)


class StoryCard(BaseModel):
    id: str = Field(description="Short id; the story's page is /t/{id}")
    url: str
    headline: str
    tone: str | None
    highlights: list[str]
    language: str | None
    categories: list[str]
    article_count: int
    outlet_count: int
    country_count: int
    first_seen: str
    last_article: str
    updated: str = Field(description="When the page last changed")
    revision: int
    score: float = Field(description="Significance used for ranking")
    status: Literal["developing", "settled"] = Field(description=STATUS_DOC)


class StoryList(BaseModel):
    stories: list[StoryCard]
    total: int
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page")


class ArticleOut(BaseModel):
    id: int = Field(description="newsloom's id of the article (``duplicate_of`` refers to it)")
    external_id: str | None = Field(
        description="The id given at import (the `id` of `newsloom export`), null for "
        "fetched articles"
    )
    url: str
    title: str
    outlet: str | None
    author: str | None
    published: str | None
    fetched: str | None
    kind: str
    language: str | None = Field(
        description="ISO 639-1 code: as the source declared it, else guessed from the text when "
        "the article was stored; null when the text is too short to tell"
    )
    image: str | None
    paywalled: bool
    country: str | None
    lean: str | None
    duplicate_of: int | None
    story: str | None
    reason: str | None = Field(
        description="Why the clusterer put the article in its story: the decision and its "
        "signals, e.g. 'joined: vec=0.81 lex=0.42 title=0.30 ents=5 score=1.21 bg=0.31' "
        "(docs/clustering.md explains each); null before clustering"
    )


class StoryOut(BaseModel):
    id: str
    url: str
    merged_ids: list[str]
    first_seen: str
    last_article: str
    updated: str | None = Field(
        description="When the page last changed (null until it has one), as in the story "
        "list; `newsloom export stories` gives instead when clustering last changed the story"
    )
    status: Literal["developing", "settled"] = Field(description=STATUS_DOC)
    article_count: int
    outlet_count: int
    country_count: int
    page_status: str | None
    revision: int | None
    page: dict | None = Field(description="The story page (headline, tone, highlights, ...)")
    articles: list[ArticleOut]


class ArticleList(BaseModel):
    articles: list[ArticleOut]
    next_cursor: str | None


class SourceOut(BaseModel):
    id: int | None
    name: str
    url: str | None
    html_url: str | None
    country: str | None
    language: str | None
    lean: str | None
    category: str | None
    articles: int
    last_article: str | None
    last_fetch: str | None
    last_success: str | None
    last_error: str | None
    error_count: int
    errors_last_7_days: int
    next_fetch: str | None
    poll_interval: float | None = Field(
        None, description="Seconds between polls, chosen from how often the source publishes"
    )
    health: str


class SourceList(BaseModel):
    sources: list[SourceOut]


class SearchHit(BaseModel):
    kind: Literal["story", "article"]
    title: str
    title_html: str = Field(description="Escaped title with matches in <mark>")
    url: str
    story: str | None
    outlet: str | None
    published: str | None
    snippet: str
    snippet_html: str = Field(description="Escaped snippet with matches in <mark>")
    rank: float


class SearchOut(BaseModel):
    query: str
    terms: list[str]
    stories: list[SearchHit]
    articles: list[SearchHit]


class Problem(BaseModel):
    error: dict = Field(description="{status, message}")


class NewSource(BaseModel):
    url: str = Field(description="The feed's http(s) URL (RSS, Atom, JSON Feed, news sitemap)")
    name: str = ""
    html_url: str | None = None
    country: str | None = Field(None, max_length=8)
    language: str | None = Field(None, max_length=16)
    lean: str | None = Field(None, max_length=16)
    category: str | None = Field(None, max_length=100)


class RefreshRequest(BaseModel):
    source_id: int | None = Field(None, description="One source; all sources when left out")


ERRORS = {404: {"model": Problem}, 400: {"model": Problem}}

# --- reads --------------------------------------------------------------------------------


@router.get("/stories", responses={200: {"model": StoryList}, **ERRORS})
async def list_stories(
    request: Request,
    language: Annotated[
        str | None,
        Query(
            max_length=16,
            description="Stories whose page is in this language (ISO 639-1): a page is in "
            "English when any of its reports is, else in the language most of them are in",
        ),
    ] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    sort: Literal["significance", "recent"] = "significance",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Live stories with a complete page, ranked by significance (or most recent first)."""
    offset = queries.cursor_int(cursor)

    def build(conn: Connection) -> Rendered:
        part = (
            site_of(request)
            .ranked(conn)
            .select(
                language=language or None,
                category=category or None,
                sort=sort,
                offset=offset,
                limit=limit,
            )
        )
        settle_hours = site_of(request).settings.story_settle_hours
        now = datetime.now(UTC)
        cards, settling = [], []
        for card in part.cards:
            status = story_status(card.last_article, now, settle_hours)
            cards.append({**card.to_json(), "status": status})
            if status == "developing":
                settling.append(settles_at(card.last_article, settle_hours))
        data = {"stories": cards, "total": part.total, "next_cursor": part.next_cursor}
        out = as_json(data, last_modified=max((c.written_at for c in part.cards), default=None))
        out.expires = min(settling).timestamp() if settling else None  # a status changes
        return out

    return await cached(
        request,
        ("api-stories", language, category, sort, limit, offset),
        build,
        depends=("pages",),
    )


@router.get("/stories/{sid}", responses={200: {"model": StoryOut}, 308: {}, **ERRORS})
async def get_story(request: Request, sid: str) -> Response:
    """One story with its newest page and its articles. Merged ids redirect (308)."""

    def build(conn: Connection) -> Rendered:
        ref = queries.story_ref(conn, sid, site_of(request).settings.story_settle_hours)
        if ref.moved:
            return moved(f"/api/v1/stories/{ref.short_id}")

        return site_of(request).story(
            conn,
            "api",
            ref,
            lambda before: render_story(queries.story_view(conn, ref, before=before)),
        )

    return await cached(request, ("api-story", sid), build)


@router.get("/articles", responses={200: {"model": ArticleList}, **ERRORS})
async def list_articles(
    request: Request,
    story: Annotated[str | None, Query(max_length=16, description="A story's short id")] = None,
    source_id: int | None = None,
    kind: Literal["news", "opinion", "analysis", "other"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Stored articles, newest first, with cursor pagination."""

    def build(conn: Connection) -> Rendered:
        part = queries.list_articles(
            conn, story=story, source_id=source_id, kind=kind, cursor=cursor, limit=limit
        )
        return as_json({"articles": part.articles, "next_cursor": part.next_cursor})

    return await cached(
        request,
        ("api-articles", story, source_id, kind, limit, cursor),
        build,
        depends=("pages", "articles"),
    )


@router.get("/sources", responses={200: {"model": SourceList}})
async def list_sources(request: Request) -> Response:
    """Every outlet with its article count and health (last fetch, errors)."""

    def build(conn: Connection) -> Rendered:
        return as_json({"sources": [o.to_json() for o in queries.outlets(conn)]})

    return await cached(request, ("api-sources",), build, depends=("sources", "articles"))


@router.get("/search", responses={200: {"model": SearchOut}, **ERRORS})
async def search_api(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Full-text search over story pages and articles, ranked, with matches marked."""

    def build(conn: Connection) -> Rendered:
        res = search(conn, q, limit=limit)
        return as_json(
            {
                "query": res.query,
                "terms": res.terms,
                "stories": [h.to_json() for h in res.stories],
                "articles": [h.to_json() for h in res.articles],
            }
        )

    return await cached(
        request, ("api-search", q.strip(), limit), build, depends=("pages", "articles")
    )


# --- writes (bearer token) ----------------------------------------------------------------

bearer = HTTPBearer(auto_error=False, description="The `api_token` setting")


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    token = getattr(site_of(request).settings, "api_token", None)
    if not token:
        raise Forbidden("web: writing through the API is disabled (set NEWSLOOM_API_TOKEN)")
    given = credentials.credentials if credentials else ""
    if not secrets.compare_digest(given.encode(), token.encode()):
        raise Unauthorized("web: a valid bearer token is required")


WRITE_ERRORS = {401: {"model": Problem}, 403: {"model": Problem}, 400: {"model": Problem}}


@router.post(
    "/sources",
    status_code=201,
    dependencies=[Depends(require_token)],
    responses={200: {"model": SourceOut}, 201: {"model": SourceOut}, **WRITE_ERRORS},
)
async def add_source(request: Request, body: NewSource) -> JSONResponse:
    """Add a source (or update the details of a known feed URL)."""
    parts = urlsplit(body.url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"web: {body.url!r} is not an http(s) feed URL")
    if body.html_url is not None:
        page = urlsplit(body.html_url.strip())
        if page.scheme not in ("http", "https") or not page.netloc:
            raise InputError(f"web: {body.html_url!r} is not an http(s) URL")
    src = Source(
        url=body.url.strip(),
        name=body.name.strip(),
        html_url=body.html_url,
        country=body.country.upper() if body.country else None,
        language=body.language.lower() if body.language else None,
        lean=body.lean,
        category=body.category,
    )

    def save():
        with transaction(site_of(request).engine) as conn:
            return store_sources.upsert_source(conn, src)

    from starlette.concurrency import run_in_threadpool

    saved, new = await run_in_threadpool(save)
    data = {
        "id": saved.id,
        "name": saved.name,
        "url": saved.url,
        "html_url": saved.html_url,
        "country": saved.country,
        "language": saved.language,
        "lean": saved.lean,
        "category": saved.category,
        "new": new,
    }
    return JSONResponse(data, status_code=201 if new else 200)


@router.post(
    "/refresh",
    status_code=202,
    dependencies=[Depends(require_token)],
    responses={404: {"model": Problem}, **WRITE_ERRORS},
)
async def refresh(request: Request, body: RefreshRequest | None = None) -> JSONResponse:
    """Make sources due now; the running `newsloom run` polls them on its next pass."""
    source_id = body.source_id if body else None
    now = datetime.now(UTC)

    def queue() -> int:
        with transaction(site_of(request).engine) as conn:
            return queries.queue_refresh(conn, source_id, now)

    from starlette.concurrency import run_in_threadpool

    count = await run_in_threadpool(queue)
    return JSONResponse({"queued": count}, status_code=202)
