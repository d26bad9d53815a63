"""The reader's site: server-rendered HTML that needs no JavaScript.

Each view reads through :mod:`newsloom.web.queries` (the same functions the API uses) and
renders a template; :func:`newsloom.web.http.cached` keeps the result until the data changes.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from jinja2 import Environment
from markupsafe import Markup, escape
from sqlalchemy import Connection

from . import queries
from .http import MEDIA_TYPES, Rendered, cached, site_of
from .search import search
from .templating import clean, host, language_name, safe_url

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
#: Sentences per paragraph of the story text.
SENTENCES_PER_PARAGRAPH = 3


def link(url: str | None, text: str | None) -> Markup:
    """An outbound link when ``url`` is http(s), else the text alone; both escaped."""
    href = safe_url(url)
    text = escape(clean(text) or "(untitled)")
    if not href:
        return text
    return Markup(f'<a href="{escape(href)}" rel="noopener noreferrer nofollow">{text}</a>')


def marker(n: int, title: str, outlet: str) -> Markup:
    """A citation marker ``[n]`` pointing at source n in the Sources list."""
    return Markup(
        f'<a class="cite" href="#ref-{n}" title="{escape(title)}" '
        f'aria-label="source {n}: {escape(outlet)}">[{n}]</a>'
    )


def html(request: Request, template: str, status: int = 200, **context) -> Rendered:
    env = request.app.state.templates
    body = env.get_template(template).render(**context).encode("utf-8")
    return Rendered(body, "text/html; charset=utf-8", status=status)


# --- home ---------------------------------------------------------------------------------


@router.get("/")
async def home(
    request: Request,
    language: Annotated[str | None, Query(max_length=16)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    language = language or None
    category = category or None

    def build(conn: Connection) -> Rendered:
        return render_home(request, conn, language, category, page)

    return await cached(
        request,
        ("home", language, category, page),
        build,
        depends=("pages",),
        per_minute=True,
    )


def render_home(request, conn, language, category, page: int) -> Rendered:
    front = site_of(request).ranked(conn)
    part = front.select(
        language=language, category=category, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
    )
    pages = max(1, -(-part.total // PER_PAGE))

    def page_url(n: int) -> str:
        params = {k: v for k, v in (("language", language), ("category", category)) if v}
        if n > 1:
            params["page"] = str(n)
        return "/" + ("?" + urlencode(params) if params else "")

    out = html(
        request,
        "home.html",
        nav="home",
        cards=part.cards,
        total=part.total,
        offset=part.offset,
        page=page,
        pages=pages,
        prev_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if page < pages else None,
        language=language,
        category=category,
        languages=front.languages,
        categories=front.categories,
    )
    out.last_modified = max((c.written_at for c in part.cards), default=None)
    return out


# --- one story ----------------------------------------------------------------------------


@router.get("/t/{sid}")
async def story(request: Request, sid: str) -> Response:
    def build(conn: Connection) -> Rendered:
        ref = queries.story_ref(conn, sid, site_of(request).settings.story_settle_hours)
        if ref.moved:
            return moved(f"/t/{ref.short_id}")
        env = request.app.state.templates
        return site_of(request).story(
            conn,
            "page",
            ref,
            lambda before: render_story(env, queries.story_view(conn, ref, before=before)),
        )

    return await cached(request, ("story", sid), build)


def moved(location: str) -> Rendered:
    """A permanent redirect (308 keeps the method) to where a merged story now lives."""
    return Rendered(
        b"",
        "text/plain",
        status=308,
        headers={"Location": location},
        cache_control="public, max-age=3600",
    )


def story_context(view: queries.StoryView) -> dict:
    """What the story template shows, with citations numbered in Sources order."""
    page = view.page or {}
    by_url = {a["url"]: a for a in view.articles}
    refs: dict[str, dict] = {}

    def ref(url: str, outlet: str | None = None) -> dict:
        if url not in refs:
            art = by_url.get(url, {})
            n = len(refs) + 1
            title = clean(art.get("title"))
            name = clean(outlet or art.get("outlet") or "")
            refs[url] = {
                "n": n,
                "url": url,
                "link": link(url, title or host(url)),
                "marker": marker(n, f"{name}: {title}" if title else name, name),
                "published": art.get("published"),
                "kind": art.get("kind"),
                "syndicated": bool(art.get("duplicate_of")),
            }
        return refs[url]

    outlets = []
    groups = page.get("sources")
    if not groups:  # no page yet: group the story's articles by outlet
        grouped: dict[str, dict] = {}
        for a in view.articles:
            g = grouped.setdefault(
                a["outlet"] or "",
                {"outlet": a["outlet"] or "", "country": a["country"], "language": a["language"]},
            )
            g.setdefault("urls", []).append(a["url"])
            g["lean"] = a["lean"]
        groups = list(grouped.values())
    for g in groups:
        facts = [
            x
            for x in (
                g.get("country"),
                _language(g.get("language")),
                f"lean: {g['lean']}" if g.get("lean") else None,
            )
            if x
        ]
        outlets.append(
            {
                "outlet": g.get("outlet") or "",
                "facts": facts,
                "refs": [ref(u, g.get("outlet")) for u in g.get("urls") or []],
            }
        )

    def cited(part: dict) -> dict:
        markers = [ref(u)["marker"] for u in part.get("citations") or []]
        return {"text": part.get("text", ""), "markers": Markup("").join(markers)}

    highlights = [cited(h) for h in page.get("highlights") or []]
    sentences = [cited(s) for s in page.get("story") or []]
    paragraphs = [
        sentences[i : i + SENTENCES_PER_PARAGRAPH]
        for i in range(0, len(sentences), SENTENCES_PER_PARAGRAPH)
    ]

    def entry(e: dict) -> dict:
        known = refs.get(e.get("url"))
        return {**e, "link": link(e.get("url"), e.get("title")), "n": known and known["n"]}

    opinions = [entry(o) for o in page.get("opinions") or []]
    timeline = [
        {"at": g.get("at"), "entries": [entry(e) for e in g.get("developments") or []]}
        for g in page.get("timeline") or []
    ]
    if not page and view.articles:  # no page yet: the articles as they came, dated first
        dated = [a for a in view.articles if a.get("published")]
        undated = [a for a in view.articles if not a.get("published")]
        timeline = []
        if dated:
            first = min(a["published"] for a in dated)
            timeline.append({"at": first, "entries": [entry(a) for a in dated]})
        if undated:
            timeline.append({"at": None, "entries": [entry(a) for a in undated]})
    image = None
    for a in view.articles:
        url = safe_url(a.get("image"))
        if url and a.get("kind") == "news":
            image = {"url": url, "outlet": a.get("outlet") or ""}
            break
    notice = None
    if view.page is None:
        notice = (
            "No page has been written for this story yet: one is written once enough outlets "
            "have covered it and its coverage has paused for a moment."
        )
    elif view.page_status != "complete":
        reason = page.get("status_reason")
        notice = "Not enough material for a story yet" + (f": {reason}." if reason else ".")
    description = highlights[0]["text"] if highlights else ""
    return {
        "s": view,
        "headline": view.headline,
        "lang": page.get("language"),
        "tone": page.get("tone"),
        "highlights": highlights,
        "paragraphs": paragraphs,
        "opinions": opinions,
        "outlets": outlets,
        "one_sided": page.get("one_sided"),
        "timeline": timeline,
        "changes": [_change(c, ref) for c in page.get("changes") or []],
        "writer": page.get("writer"),
        "merged_ids": view.merged_ids,
        "image": image,
        "notice": notice,
        "description": description,
    }


def _language(code: str | None) -> str | None:
    return language_name(code) or None


def _change(c: dict, ref) -> dict:
    kind = c.get("type")
    if kind == "headline":
        return {"label": "Headline changed", "text": f"was “{c.get('from')}”"}
    if kind == "tone":
        return {"label": "Tone changed", "text": f"from {c.get('from')} to {c.get('to')}"}
    if kind == "new_outlet":
        return {"label": "New outlet", "text": c.get("outlet")}
    if kind == "new_article":
        title = c.get("title") or c.get("url")
        return {"label": f"New article from {c.get('outlet')}", "link": link(c.get("url"), title)}
    if kind == "article_removed":
        title = c.get("title") or c.get("url")
        return {
            "label": f"No longer in this story, from {c.get('outlet')}",
            "link": link(c.get("url"), title),
        }
    if kind in ("new_highlight", "new_sentence"):
        markers = [ref(u)["marker"] for u in c.get("citations") or []]
        return {
            "label": "New highlight" if kind == "new_highlight" else "New in the story",
            "text": c.get("text"),
            "markers": Markup("").join(markers),
        }
    return {"label": str(kind or "change").replace("_", " "), "text": None}


def render_story(env: Environment, view: queries.StoryView) -> Rendered:
    """A story's page (HTML): what ``/t/<id>`` serves and ``web.publish`` keeps."""
    body = env.get_template("story.html").render(**story_context(view)).encode("utf-8")
    return Rendered(body, MEDIA_TYPES["page"], last_modified=view.written_at)


# --- sources, tone, search ----------------------------------------------------------------


@router.get("/sources")
async def sources_page(request: Request) -> Response:
    def build(conn: Connection) -> Rendered:
        outlets = queries.outlets(conn)
        return html(
            request,
            "sources.html",
            nav="sources",
            outlets=outlets,
            ok=sum(o.health == "ok" for o in outlets),
            failing=sum(o.health == "failing" for o in outlets),
            imported=sum(o.health == "imported" for o in outlets),
        )

    return await cached(
        request, ("sources",), build, depends=("sources", "articles"), per_minute=True
    )


@router.get("/about/tone")
async def tone_page(request: Request) -> Response:
    def build(_conn: Connection) -> Rendered:
        from ..write import tone

        labels = []
        for name, t in tone.TAXONOMY.items():
            words = sorted((tone.LEXICONS.get(name) or {}).items(), key=lambda kv: (-kv[1], kv[0]))
            labels.append((name, {**t, "words": [(w, _weight(v)) for w, v in words]}))
        return html(
            request,
            "tone.html",
            nav="tone",
            labels=labels,
            threshold=tone.THRESHOLD,
            unrated=tone.UNRATED,
            unrated_definition=tone.UNRATED_DEFINITION,
            loaded=list(tone.LOADED_TERMS),
        )

    return await cached(request, ("tone",), build, depends=())


def _weight(v: float) -> str | int:
    return int(v) if float(v).is_integer() else f"{v:g}"


@router.get("/search")
async def search_page(
    request: Request, q: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    query = (q or "").strip()

    def build(conn: Connection) -> Rendered:
        results = search(conn, query) if query else None
        return html(request, "search.html", query=query, results=results)

    return await cached(request, ("search", query), build, depends=("pages", "articles"))
