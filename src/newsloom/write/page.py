"""Assemble a story page from the story's articles.

:func:`write_page` is the one entry point. It cleans every article (markup, debris,
datelines), decides what each article can be used for, asks the writer (the extractive writer
by default) for headline, highlights and story, checks every written sentence against the
articles it cites (:mod:`newsloom.write.verify`), rates the tone, and adds the opinion
pieces, the outlets, one-sided-coverage flags, the timeline and the changes since the previous
version of the page.

What each article is used for (its *role*):

- ``body``: a news (or "other") article in the page's language with text: sentences come from
  these;
- ``copy``: a syndicated copy (``duplicate_of`` names another article of the story, or its text
  is the same as an earlier article's): never quoted, and cited only where its original is
  not (a copy is not a second source); listed under Sources;
- ``opinion``: opinion and analysis pieces: listed under Opinions with a one-sentence gist,
  never used for the story's facts;
- ``stub``: a paywalled article with too little text; ``empty``: no text at all;
- ``language``: a news article in another language than the page's (English when the story
  has English news; otherwise the language most of its news is in).

Every article, whatever its role, is listed under Sources and in the timeline (copies only
under Sources). A page is ``complete`` only with a headline and at least one story sentence
from at least ``min_outlets`` outlets; otherwise it is ``not_enough_material`` with the reason,
and still lists what it has (headline when one can be made, sources, opinions, timeline).
A sentence's citations are listed in the order of the Sources list, where a page numbers them.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from newsloom.words import guess_language
from newsloom.write.extractive import (
    MAX_SENTENCES,
    Doc,
    Draft,
    ExtractiveWriter,
    Passage,
    pronoun_speaker,
    usable,
)
from newsloom.write.sentences import (
    Sentence,
    base_language,
    clean_markup,
    clean_title,
    content_words,
    is_debris,
    split_paragraph,
    strip_debris,
    word_count,
)
from newsloom.write.tone import rate, unrated
from newsloom.write.verify import Checker

log = logging.getLogger(__name__)

#: Characters of an article's text read (a huge article's tail adds cost, not story).
MAX_CHARS = 40_000
#: A paywalled article with fewer words than this is a stub.
PAYWALL_MIN_WORDS = 60
#: A new development starts after this gap between articles.
TIMELINE_GAP = timedelta(hours=6)
#: Sentences of each article rated for tone (with every headline).
TONE_SENTENCES = 3

_KINDS = ("news", "opinion", "analysis", "other")
_LEANS = {
    "left": "left",
    "lean left": "left",
    "leans left": "left",
    "center-left": "left",
    "centre-left": "left",
    "center": "center",
    "centre": "center",
    "lean right": "right",
    "leans right": "right",
    "center-right": "right",
    "centre-right": "right",
    "right": "right",
}


@dataclass
class SourceArticle:
    """One article of the story, as the writer receives it."""

    url: str
    title: str
    text: str
    source: str | None = None  # outlet name
    published: datetime | None = None
    author: str | None = None
    kind: str = "news"  # news / opinion / analysis / other
    language: str | None = None
    country: str | None = None
    lean: str | None = None  # left / lean left / center / lean right / right
    paywalled: bool = False
    duplicate_of: str | None = None  # URL of the original when a syndicated copy


# ---------------------------------------------------------------------------------------------
# Preparing the articles


def _host(url: str) -> str:
    m = re.match(r"^[a-z][a-z0-9+.-]*://(?:www\.)?([^/:?#]+)", url or "", re.IGNORECASE)
    return m.group(1).lower() if m else (url or "unknown")


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _iso(dt: datetime | None) -> str | None:
    dt = _aware(dt)
    return dt.isoformat() if dt else None


def _sentences(index: int, paragraphs: list[str]) -> list[Sentence]:
    out: list[Sentence] = []
    for paragraph in paragraphs:
        for text in split_paragraph(paragraph):
            if is_debris(text):
                continue
            # words only where the writer reads (MAX_SENTENCES per article)
            words = content_words(text) if len(out) < MAX_SENTENCES else []
            out.append(Sentence(text, index, len(out), words))
    return out


def prepare(articles: list[SourceArticle]) -> tuple[list[Doc], str | None]:
    """Clean the articles, give each its role, and choose the page's language."""
    docs: list[Doc] = []
    for i, a in enumerate(articles):
        title = clean_title(a.title)
        paragraphs = strip_debris(clean_markup((a.text or "")[:MAX_CHARS]))
        text = "\n".join(paragraphs)
        kind = (a.kind or "news").strip().lower()
        kind = kind if kind in _KINDS else "news"
        language = base_language(a.language) or guess_language(f"{title}\n{text}")
        docs.append(
            Doc(
                index=i,
                url=(a.url or "").strip(),
                title=title,
                text=text,
                outlet=clean_title(a.source) or _host(a.url),
                kind=kind,
                published=_aware(a.published),
                language=language,
                sentences=_sentences(i, paragraphs),
            )
        )
    # roles
    by_url = {d.url: d.index for d in reversed(docs)}
    seen_text: dict[str, int] = {}
    for d, a in zip(docs, articles, strict=True):
        if d.kind in ("opinion", "analysis"):
            d.role = "opinion"
            continue
        original = by_url.get((a.duplicate_of or "").strip())
        key = " ".join(d.text.lower().split())
        if original is not None and original != d.index:
            d.role, d.copy_of = "copy", original
        elif key and key in seen_text:
            d.role, d.copy_of = "copy", seen_text[key]
        elif a.paywalled and word_count(d.text) < PAYWALL_MIN_WORDS:
            d.role = "stub"
        elif not d.sentences:
            d.role = "empty"
        if key and d.role != "copy":
            seen_text.setdefault(key, d.index)
    for d in docs:  # a copy of a copy cites the first original
        seen = set()
        while d.role == "copy" and d.copy_of is not None and docs[d.copy_of].role == "copy":
            if d.copy_of in seen:
                break
            seen.add(d.copy_of)
            d.copy_of = docs[d.copy_of].copy_of
    languages = Counter(d.language for d in docs if d.role == "body" and d.language)
    if "en" in languages:
        language: str | None = "en"
    elif languages:
        language = max(sorted(languages), key=lambda k: languages[k])
    else:
        language = None
    if language:
        for d in docs:
            if d.role in ("body", "copy") and d.language and d.language != language:
                d.role = "language"
    return docs, language


# ---------------------------------------------------------------------------------------------
# Parts of the page


def gist(doc: Doc) -> str | None:
    """One sentence of an opinion piece that carries its argument: the most central usable
    sentence among its first ones (overlap with its title and its own frequent words)."""
    sentences = doc.sentences[:15]
    if not sentences:
        return None
    counts = Counter(w for s in doc.sentences[:MAX_SENTENCES] for w in set(s.words))
    title_words = set(content_words(doc.title))
    best, best_score = None, -1.0
    for s in sentences:
        if not usable(s.text, opinion=True, max_words=45) or not s.words:
            continue
        if pronoun_speaker(s.text):  # '"...," she said': whose words?
            continue
        unique = set(s.words)
        central = sum(counts[w] - 1 for w in unique) / (len(unique) + 3)
        title = len(unique & title_words) / (len(title_words) or 1)
        score = central + 2.0 * title + 0.5 / (1 + s.position)
        if score > best_score:
            best, best_score = s.text, score
    if best is None:
        first = sentences[0].text
        return first if len(first.split()) <= 60 else None
    return best


def _lean_side(lean: str | None) -> str | None:
    if not lean:
        return None
    return _LEANS.get(" ".join(lean.lower().replace("_", " ").split()))


def sources_of(docs: list[Doc], articles: list[SourceArticle]) -> list[dict]:
    groups: dict[str, dict] = {}
    for d, a in zip(docs, articles, strict=True):
        g = groups.setdefault(
            d.outlet,
            {"outlet": d.outlet, "country": None, "language": None, "lean": None, "urls": []},
        )
        g["country"] = g["country"] or (a.country.strip() if a.country else None)
        g["language"] = g["language"] or base_language(a.language) or d.language
        g["lean"] = g["lean"] or (a.lean.strip().lower() if a.lean else None)
        if d.url and d.url not in g["urls"]:
            g["urls"].append(d.url)
    out = []
    for g in groups.values():
        g["articles"] = len(g["urls"])
        out.append(g)
    out.sort(key=lambda g: (-g["articles"], g["outlet"].casefold()))
    return [
        {k: g[k] for k in ("outlet", "country", "language", "lean", "articles", "urls")}
        for g in out
    ]


def cited_urls(citations: list[int], docs: list[Doc], sources: list[dict]) -> list[str]:
    """The URLs a sentence cites, in the order of the Sources list (where a page numbers
    them), each once; a syndicated copy is left out when its original is cited (it is the
    same report, not a second source)."""
    cited = set(citations)
    urls = {
        docs[i].url
        for i in cited
        if docs[i].url and not (docs[i].role == "copy" and docs[i].copy_of in cited)
    }
    order = [u for g in sources for u in g["urls"]]
    return sorted(urls, key=lambda u: (order.index(u) if u in order else len(order), u))


def one_sided(sources: list[dict]) -> str | None:
    """A short reason when the coverage comes from one side or one place, else None."""
    if not sources:
        return None
    if len(sources) == 1:
        return "one outlet only"
    reasons = []
    sides = [_lean_side(s["lean"]) for s in sources]
    rated = [s for s in sides if s]
    if len(rated) >= 2 and len(set(rated)) == 1 and rated[0] in ("left", "right"):
        if len(rated) == len(sides):
            reasons.append(f"all outlets lean {rated[0]}")
        else:
            reasons.append(
                f"all rated outlets lean {rated[0]} ({len(rated)} of {len(sides)} rated)"
            )
    countries = [(s["country"] or "").strip().upper() for s in sources]
    if all(countries) and len(set(countries)) == 1:
        reasons.append(f"all outlets from one country ({countries[0]})")
    return "; ".join(reasons) or None


def timeline_of(docs: list[Doc]) -> list[dict]:
    """Articles in time order, grouped into developments split by gaps of TIMELINE_GAP."""
    entries = [d for d in docs if d.role != "copy"]
    dated = sorted((d for d in entries if d.published), key=lambda d: (d.published, d.index))
    groups: list[dict] = []
    last: datetime | None = None
    for d in dated:
        if last is None or d.published - last > TIMELINE_GAP:
            groups.append({"at": _iso(d.published), "developments": []})
        groups[-1]["developments"].append(_entry(d))
        last = d.published
    undated = [d for d in entries if not d.published]
    if undated:
        groups.append({"at": None, "developments": [_entry(d) for d in undated]})
    return groups


def _entry(d: Doc) -> dict:
    return {
        "title": d.title,
        "url": d.url,
        "outlet": d.outlet,
        "kind": d.kind,
        "published": _iso(d.published),
    }


def changes_since(previous: dict | None, page: dict) -> list[dict]:
    """What is new on ``page`` since ``previous`` (an earlier result of write_page), and the
    articles it no longer has."""
    if not previous:
        return []
    prev_sources = previous.get("sources") or []
    prev_outlets = {s.get("outlet") for s in prev_sources}
    prev_urls = {u for s in prev_sources for u in (s.get("urls") or [])}
    prev_highlights = {p.get("text") for p in previous.get("highlights") or []}
    prev_story = {p.get("text") for p in previous.get("story") or []}
    out: list[dict] = []
    if previous.get("headline") and previous.get("headline") != page["headline"]:
        out.append({"type": "headline", "from": previous["headline"], "to": page["headline"]})
    prev_tone = (previous.get("tone") or {}).get("label")
    if prev_tone and prev_tone != page["tone"]["label"]:
        out.append({"type": "tone", "from": prev_tone, "to": page["tone"]["label"]})
    for s in page["sources"]:
        if s["outlet"] not in prev_outlets:
            out.append({"type": "new_outlet", "outlet": s["outlet"]})
    for group in page["timeline"]:
        for e in group["developments"]:
            if e["url"] not in prev_urls:
                out.append(
                    {
                        "type": "new_article",
                        "url": e["url"],
                        "title": e["title"],
                        "outlet": e["outlet"],
                    }
                )
    listed = {e["url"] for g in page["timeline"] for e in g["developments"]}
    for s in page["sources"]:  # copies are not in the timeline
        for u in s["urls"]:
            if u not in prev_urls and u not in listed:
                out.append({"type": "new_article", "url": u, "title": None, "outlet": s["outlet"]})
    # articles that left the story (a recluster placed them elsewhere): the facts they gave
    # may have gone from the page, and the reader is told why
    now_urls = {u for s in page["sources"] for u in s["urls"]} | listed
    prev_titles = {
        e.get("url"): e.get("title")
        for g in previous.get("timeline") or []
        for e in g.get("developments") or []
    }
    for s in prev_sources:
        for u in s.get("urls") or []:
            if u not in now_urls:
                out.append(
                    {
                        "type": "article_removed",
                        "url": u,
                        "title": prev_titles.get(u),
                        "outlet": s.get("outlet"),
                    }
                )
    for p in page["highlights"]:
        if p["text"] not in prev_highlights:
            out.append({"type": "new_highlight", "text": p["text"], "citations": p["citations"]})
    for p in page["story"]:
        if p["text"] not in prev_story:
            out.append({"type": "new_sentence", "text": p["text"], "citations": p["citations"]})
    return out


def _why_no_story(docs: list[Doc]) -> str:
    roles = Counter(d.role for d in docs)
    if not docs:
        return "no articles"
    if roles["body"]:
        return "no sentence in the articles can stand on its own"
    if roles["opinion"] and not (roles["stub"] or roles["empty"] or roles["copy"]):
        return "only opinion or analysis pieces; no news report to write from"
    if roles["stub"] and roles["stub"] + roles["opinion"] == len(docs):
        return "only paywalled stubs (and opinion pieces)"
    return "no article has usable text"


# ---------------------------------------------------------------------------------------------
# The page


def write_page(
    articles: list[SourceArticle],
    *,
    previous: dict | None = None,
    now: datetime | None = None,
    min_outlets: int = 1,
    writer: ExtractiveWriter | None = None,
) -> dict:
    """The story page for ``articles`` as a JSON-serialisable dict.

    Args:
        articles: the story's articles (news, opinion, copies, in any order).
        previous: the page written last time for this story, to list what changed.
        now: the writing time (default: the current UTC time).
        min_outlets: fewer distinct outlets than this gives ``not_enough_material``.
        writer: anything with ``write(docs) -> Draft``; the extractive writer by default.

    Returns:
        The page (see ``docs`` and the design's "The story page"); never raises on bad
        article content.
    """
    now = _aware(now) or datetime.now(UTC)
    writer = writer or ExtractiveWriter()
    docs, language = prepare(list(articles))

    n_outlets = len({d.outlet for d in docs if d.role != "copy"})
    draft: Draft
    if docs and n_outlets >= min_outlets:
        draft = writer.write(docs)
    else:
        draft = Draft(headline=ExtractiveWriter().headline(docs, [], None), highlights=[], story=[])

    # every written sentence must be supported by the articles it cites
    checker = Checker({d.index: d.text for d in docs}, clean=False)
    sources = sources_of(docs, list(articles))

    def checked(passages: list[Passage]) -> list[dict]:
        out = []
        for p in passages:
            ok, details = checker.check(p.text, p.citations)
            if not ok:
                log.warning("write: dropped unsupported sentence details=%s", details)
                continue
            out.append({"text": p.text, "citations": cited_urls(p.citations, docs, sources)})
        return out

    highlights = checked(draft.highlights)
    story = checked(draft.story)

    status, reason = "complete", None
    if not docs:
        status, reason = "not_enough_material", "no articles"
    elif n_outlets < min_outlets:
        status = "not_enough_material"
        reason = f"covered by {n_outlets} outlet(s); at least {min_outlets} needed"
    elif not story:
        status, reason = "not_enough_material", _why_no_story(docs)
    elif not draft.headline:
        status, reason = "not_enough_material", "no headline could be written"
    if status != "complete":
        highlights, story = [], []

    # tone: headlines and opening sentences, in English only
    if language in ("en", None):
        tone_text = [draft.headline] if draft.headline else []
        for d in docs:
            if d.role in ("body", "opinion", "stub", "empty") and d.language in ("en", None):
                tone_text.append(d.title)
                tone_text.extend(s.text for s in d.sentences[:TONE_SENTENCES])
        tone = rate(tone_text)
    else:
        tone = unrated()

    opinions = [
        {
            "outlet": d.outlet,
            "author": clean_title(articles[d.index].author) or None,
            "title": d.title,
            "url": d.url,
            "gist": gist(d),
            "kind": d.kind,
            "published": _iso(d.published),
        }
        for d in sorted(
            (d for d in docs if d.role == "opinion"),
            key=lambda d: (d.published or now, d.index),
        )
    ]
    dates = [d.published for d in docs if d.published]
    page = {
        "status": status,
        "status_reason": reason,
        "headline": draft.headline,
        "language": language,
        "first_seen": _iso(min(dates)) if dates else None,
        "last_article_at": _iso(max(dates)) if dates else None,
        "tone": tone,
        "highlights": highlights,
        "story": story,
        "word_count": sum(word_count(p["text"]) for p in story),
        "opinions": opinions,
        "sources": sources,
        "one_sided": one_sided(sources),
        "timeline": timeline_of(docs),
        "writer": {
            "backend": draft.backend,
            "version": draft.version,
            "written_at": _iso(now),
            **(getattr(draft, "info", None) or {}),  # the LLM writer's model, drops, fallback
        },
    }
    page["changes"] = changes_since(previous, page)
    return page
