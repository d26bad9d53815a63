"""Article text and metadata from one HTML page: the only module that imports trafilatura.

``extract(html, url)`` parses the page once with lxml (through trafilatura's own loader, so the
tree is the one trafilatura expects) and hands that tree to ``trafilatura.bare_extraction`` for
the text. The metadata comes from the same tree: our own pass over JSON-LD, ``<meta>`` and
``<link>`` (``@type`` values, ``articleSection``, ``isAccessibleForFree``, canonical URL,
``og:type``, language, headline, authors, ``datePublished``), then trafilatura's metadata helpers
for what the markup left open. We call those helpers rather than ``with_metadata=True`` so that
the slow guesses (byline heuristics, htmldate) run only when the page's own markup is silent,
and trafilatura's categories/tags/licence pass, which we never use, does not run at all: that
keeps the whole call at about 0.9 of raw ``trafilatura.extract`` speed.

Decisions:

* The publication time comes from JSON-LD ``datePublished`` or ``article:published_time``
  when the page has one (they carry a time of day and a zone); htmldate (day precision,
  extensive search off: it costs as much as the extraction) is the fallback, read as midnight
  UTC.
* Canonical URL: ``<link rel=canonical>``, then ``og:url``, then JSON-LD ``mainEntityOfPage``,
  resolved against the page URL; http(s) only; a home-page canonical on an article is ignored.
  It is not normalised here (``normalize.canonical_url`` does that).
* Text: paragraphs one per line, whitespace collapsed, the leading line dropped when it repeats
  the title; fewer than ``MIN_TEXT_CHARS`` characters is no article (``ExtractError``).
* Short metadata fields (title, author, site name, section, description) are stripped of
  anything that looks like markup and capped in length, so hostile pages cannot smuggle tags
  through ``<title>`` or ``og:title``.
* The language is the primary subtag, lower-cased (``en-GB`` -> ``en``, ``fr_FR`` -> ``fr``).
* ``page_types`` lists the ``@type`` values of the page's article-like JSON-LD objects (schema.org
  prefixes removed, in page order, without repeats), then the raw ``og:type`` value (``article``).
"""

from __future__ import annotations

import codecs
import html as htmllib
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura import metadata as _tm  # its helpers, pinned with trafilatura (pyproject)

from ..errors import ExtractError
from ..model import Extracted

log = logging.getLogger(__name__)

__all__ = ["decode_html", "extract", "parse_datetime"]

#: Shortest extracted text (characters) taken as an article; below it the page is a video,
#: a gallery or a menu, and the caller should fall back to the feed's own summary.
MIN_TEXT_CHARS = 60

_MAX_FIELD = 1000  # title, author, site name, section
_MAX_DESCRIPTION = 5000
_MAX_URL = 4096
_MAX_JSONLD_CHARS = 2_000_000  # larger blocks are skipped, not parsed
_MAX_JSONLD_NODES = 5000  # objects visited per page

# --- decoding -------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG Encoding: these labels mean windows-1252 in browsers, and pages rely on it.
_AS_CP1252 = {"iso8859-1", "latin-1", "ascii", "iso8859-9", "cp1252"}


def _codec(label: str | None) -> str | None:
    """Python's codec name for a charset label, or None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "cp1252" if name in _AS_CP1252 else name


def _try(data: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Decode an HTML body to text without replacement characters where any decoding allows.

    Order: a byte-order mark (it is unambiguous, and browsers let it win), the ``charset`` from
    the Content-Type header, the page's ``<meta charset>`` or ``http-equiv`` declaration,
    UTF-8, then charset_normalizer's guess, then windows-1252. A declared 8-bit charset loses to
    UTF-8 when the bytes are valid UTF-8 with non-ASCII characters (a page re-encoded to UTF-8
    whose server still says latin-1), and a declaration that fails to decode is skipped.

    Args:
        data: the response body.
        charset: the charset parameter of the Content-Type header, if any.

    Returns:
        The decoded text; never raises on bad bytes or bad labels.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _try(data[len(bom) :], codec)
            if text is not None:
                return text
            break

    declared = [_codec(charset)]
    match = _META_CHARSET.search(data[:4096])
    if match:
        meta = _codec(match.group(1).decode("ascii", "replace"))
        # a page whose meta tag reads as ASCII cannot be UTF-16/32: WHATWG reads it as UTF-8
        if meta and meta.startswith(("utf-16", "utf-32")):
            meta = "utf-8"
        declared.append(meta)

    utf8 = _try(data, "utf-8")
    for codec in declared:
        if codec is None:
            continue
        if utf8 is not None and codec != "utf-8" and not codec.startswith(("utf-16", "utf-32")):
            # valid UTF-8 with multi-byte sequences is almost never an accident
            return utf8
        text = _try(data, codec)
        if text is not None:
            return text
        log.debug("declared charset does not decode charset=%s", codec)
    if utf8 is not None:
        return utf8
    western = _try(data, "cp1252")
    if western is not None and _looks_western(western):
        return western  # the commonest undeclared legacy charset; detectors misread short text
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best)
    except Exception as exc:  # pragma: no cover - an optional helper misbehaving
        log.debug("charset_normalizer failed: %s", exc)
    return western if western is not None else data.decode("latin-1")


_WESTERN_EXTRA = set("¡¢£¤¥¦€‚„…†‡ˆ‰‹‘’“”•–—˜™›\u00a0«»°±²³´µ·¹º¼½¾¿×÷§©®¨¬¯¶¸")


def _looks_western(text: str) -> bool:
    """True when text decoded as windows-1252 reads like a Western European language.

    Such text has few accented letters among many plain ones; a Cyrillic or Greek page
    misread as windows-1252 is almost all accented letters.
    """
    letters = accented = 0
    for ch in text:
        if ch.isascii():
            letters += ch.isalpha()
        elif ch.isalpha() and "\u00c0" <= ch <= "\u00ff" or ch in "ŠšŽžŒœŸ":
            letters += 1
            accented += 1
        elif ch not in _WESTERN_EXTRA:
            return False
    return letters > 0 and accented <= 0.4 * letters


# --- cleaning helpers -----------------------------------------------------------------------

_SCRIPTISH = re.compile(r"<(script|style|iframe|noscript|template)\b.*?(?:</\1\s*>|$)", re.I | re.S)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.S)
_WS = re.compile(r"\s+")
# markup that reached the text as literal characters (escaped in the page, or a broken page)
_TEXT_MARKUP = re.compile(
    r"<(script|style|iframe)\b[^<>]*>.*?</\1\s*>"
    r"|</?(?:script|style|iframe|object|embed|img|svg|a|div|span|p|br|b|i|em|strong|font|meta|"
    r"link|form|input|button|html|head|body|noscript|h[1-6]|ul|ol|li|table|tr|td|th)"
    r"(?:\s+[\w:.-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s<>\"']+))?)*\s*/?>",
    re.I | re.S,
)


def _clean_field(value: Any, limit: int = _MAX_FIELD) -> str | None:
    """One line of plain text from a metadata value, markup removed, or None when empty."""
    if value is None:
        return None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v)
    text = str(value)[: limit * 4]
    if "&" in text:
        text = htmllib.unescape(text)  # JSON-LD strings often carry entities
    if "<" in text:
        text = _TAG.sub(" ", _SCRIPTISH.sub(" ", text)).replace("<", "").replace(">", "")
    text = _WS.sub(" ", text).strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text or None


def _clean_text(text: str | None) -> str:
    if not text:
        return ""
    if "<" in text:
        text = _TEXT_MARKUP.sub("", text)
    # one space for every run of whitespace within a line (str.split is fast and Unicode-aware)
    return "\n".join(line for line in (" ".join(part.split()) for part in text.split("\n")) if line)


def _http_url(value: Any, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_URL:
        return None
    try:
        url = urljoin(base, value.strip())
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


_LANG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$")


def _language(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    match = _LANG.match(value.split(",")[0])
    return match.group(1).lower() if match else None


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 or RFC 2822 string; naive times are read as UTC."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    value = value.strip()[:64]
    if not value:
        return None
    parsed: datetime | None = None
    candidate = value.replace(" ", "T", 1) if re.match(r"\d{4}-\d\d-\d\d \d", value) else value
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            try:
                parsed = datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
            except ValueError:
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# --- JSON-LD and meta evidence --------------------------------------------------------------

_ARTICLE_TYPES = {
    "BlogPosting",
    "LiveBlogPosting",
    "Report",
    "Review",
    "CriticReview",
    "SocialMediaPosting",
}
_FALSY = {"false", "no", "0"}
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _short_type(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip().rstrip("/")
    for sep in ("/", "#", ":"):
        value = value.rsplit(sep, 1)[-1]
    return value or None


def _types(obj: dict) -> list[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return [t for t in (_short_type(v) for v in values) if t]


def _is_article_type(name: str) -> bool:
    return name.endswith("Article") or name in _ARTICLE_TYPES


def _load_json(text: str) -> Any:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    if text.startswith("//<![CDATA["):
        text = text[11:]
    text = text.strip().removesuffix("//]]>").strip()
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    try:  # the commonest hand-written mistake
        return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)
    except ValueError:
        return None


def _objects(data: Any) -> Iterator[dict]:
    """Every JSON object in a JSON-LD document (lists, @graph and nested values), bounded."""
    stack = [data]
    seen = 0
    while stack and seen < _MAX_JSONLD_NODES:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            seen += 1
            yield item
            stack.extend(reversed([v for v in item.values() if isinstance(v, dict | list)]))


def _accessible_false(value: Any) -> bool:
    if isinstance(value, bool):
        return value is False
    return isinstance(value, str) and value.strip().lower() in _FALSY


def _names(value: Any) -> list[str]:
    out: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            item = item.get("name")
        if isinstance(item, str) and item.strip():
            out.append(item)
    return out


class _Evidence:
    """What the page says about itself in JSON-LD, meta and link tags."""

    __slots__ = (
        "page_types",
        "section",
        "paywalled",
        "canonical",
        "headline",
        "authors",
        "published",
        "language",
        "description",
        "jsonld_url",
        "publisher",
    )

    def __init__(self) -> None:
        self.page_types: list[str] = []
        self.section: str | None = None
        self.paywalled = False
        self.canonical: str | None = None
        self.headline: str | None = None
        self.authors: list[str] = []
        self.published: datetime | None = None
        self.language: str | None = None
        self.description: str | None = None
        self.jsonld_url: Any = None
        self.publisher: str | None = None


def _read_jsonld(tree: HtmlElement, ev: _Evidence) -> None:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = script.text
        if not text or len(text) > _MAX_JSONLD_CHARS:
            continue
        try:
            data = _load_json(text)
        except RecursionError:
            data = None
        if data is None:
            log.debug("unreadable JSON-LD block skipped")
            continue
        for obj in _objects(data):
            types = _types(obj)
            if not any(_is_article_type(t) for t in types):
                if "WebSite" in types and ev.publisher is None:
                    ev.publisher = _clean_field(obj.get("name"))
                continue
            for t in types:
                if t not in ev.page_types:
                    ev.page_types.append(t)
            if ev.section is None:
                section = obj.get("articleSection")
                if isinstance(section, list):
                    section = next((s for s in section if isinstance(s, str) and s.strip()), None)
                ev.section = _clean_field(section) if isinstance(section, str) else None
            parts = obj.get("hasPart")
            parts = parts if isinstance(parts, list) else [parts]
            if _accessible_false(obj.get("isAccessibleForFree")) or any(
                isinstance(p, dict) and _accessible_false(p.get("isAccessibleForFree"))
                for p in parts
            ):
                ev.paywalled = True
            if ev.headline is None:
                ev.headline = _clean_field(obj.get("headline") or obj.get("name"))
            if not ev.authors:
                ev.authors = [a for a in (_clean_field(n) for n in _names(obj.get("author"))) if a]
            if ev.published is None:
                ev.published = parse_datetime(obj.get("datePublished"))
            if ev.language is None:
                ev.language = _language(obj.get("inLanguage"))
            if ev.description is None:
                ev.description = _clean_field(obj.get("description"), _MAX_DESCRIPTION)
            publisher = _names(obj.get("publisher"))
            if publisher:
                ev.publisher = _clean_field(publisher[0])
            if ev.jsonld_url is None:
                page = obj.get("mainEntityOfPage")
                page = page.get("@id") or page.get("url") if isinstance(page, dict) else page
                ev.jsonld_url = page if isinstance(page, str) else obj.get("url")


def _canonical(value: Any, url: str) -> str | None:
    """A declared canonical URL, unless it is the site's home page while the page is not
    (a common CMS misconfiguration that would make every article one)."""
    found = _http_url(value, url)
    if found and urlsplit(found).path in ("", "/") and urlsplit(url).path not in ("", "/"):
        log.debug("home page as canonical ignored url=%s canonical=%s", url, found)
        return None
    return found


def _read_head(tree: HtmlElement, url: str, ev: _Evidence) -> None:
    og_type = og_url = og_locale = http_lang = meta_published = meta_section = None
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if not content:
            continue
        if (meta.get("http-equiv") or "").strip().lower() == "content-language":
            http_lang = http_lang or content
            continue
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        key = key.strip()
        if key == "og:type":
            og_type = og_type or content
        elif key == "og:url":
            og_url = og_url or content
        elif key == "og:locale":
            og_locale = og_locale or content
        elif key in ("article:published_time", "og:published_time", "datepublished"):
            meta_published = meta_published or content
        elif key == "article:section":
            meta_section = meta_section or content
        elif key == "article:content_tier" and content.strip().lower() == "locked":
            ev.paywalled = True

    if og_type:
        og = _clean_field(og_type, 100)
        if og and og not in ev.page_types:
            ev.page_types.append(og)
    if ev.section is None:
        ev.section = _clean_field(meta_section)
    if ev.published is None:
        ev.published = parse_datetime(meta_published)

    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel:
            ev.canonical = _canonical(link.get("href"), url)
            if ev.canonical:
                break
    if ev.canonical is None:
        ev.canonical = _canonical(og_url, url) or _canonical(ev.jsonld_url, url)

    ev.language = (
        _language(tree.get("lang") or tree.get("xml:lang"))
        or ev.language
        or _language(og_locale)
        or _language(http_lang)
    )


# --- metadata through trafilatura's helpers ---------------------------------------------------


def _metadata(tree: HtmlElement, url: str, ev: _Evidence) -> dict[str, Any]:
    """The fields trafilatura's ``extract_metadata`` would give, skipping its costly guesses
    (byline heuristics, htmldate) when the page's own markup already answered, and skipping
    what we never use (categories, tags, licence)."""
    meta = _tm.examine_meta(tree)  # OpenGraph and <meta> tags; JSON-LD was read by us
    if meta.author and " " not in meta.author:
        meta.author = None  # trafilatura's rule: a single word is a handle, not a name

    title = _clean_field(meta.title) or ev.headline or _clean_field(_tm.extract_title(tree))
    # JSON-LD names people one by one; <meta> authors come through trafilatura's cleanup
    author = ", ".join(ev.authors) or _clean_field(meta.author)
    if author is None:
        author = _clean_field(_tm.extract_author(tree))  # byline heuristics: the slow part
    published = ev.published
    if published is None:
        published = parse_datetime(
            find_date(
                tree,
                url=url,
                original_date=True,
                extensive_search=False,  # the free-text search costs as much as extraction
                max_date=datetime.now(UTC).strftime("%Y-%m-%d"),
            )
        )
    site_name = meta.sitename or ev.publisher or _tm.extract_sitename(tree)
    if site_name:
        site_name = site_name.lstrip("@")
    return {
        "title": title,
        "author": author,
        "published": published,
        "site_name": _clean_field(site_name),
        "image": _http_url(meta.image, url),
        "description": _clean_field(meta.description, _MAX_DESCRIPTION) or ev.description,
    }


# --- the entry point ------------------------------------------------------------------------


#: A line that is a menu ("Home | World | Local"): short items between bars.
_MENU = re.compile(r"^\s*[^|]{1,30}(?:\|[^|]{1,30}){2,}\s*$")


def _body(text: str, title: str | None) -> str:
    """``text`` less the lines that are no article: the headline again, a date alone, a menu."""
    kept = []
    for line in text.split("\n"):
        if title and line.casefold() == title.casefold():
            continue
        if _MENU.match(line) or (len(line) <= 40 and parse_datetime(line) is not None):
            continue
        kept.append(line)
    return "\n".join(kept)


def extract(html: str | bytes, url: str, *, charset: str | None = None) -> Extracted:
    """Extract an article's text and metadata from its HTML page.

    Args:
        html: the page, as text or as the response body.
        url: the URL the page was fetched from; relative links resolve against it.
        charset: the Content-Type header's charset, used when ``html`` is bytes.

    Returns:
        An Extracted record; ``text`` holds the article's paragraphs, one per line.

    Raises:
        ExtractError: the page holds no article text (or could not be parsed at all).
    """
    if isinstance(html, bytes):
        html = decode_html(html, charset)
    try:
        tree = trafilatura.load_html(html)  # the one parse; trafilatura's parser settings
    except Exception as exc:  # lxml refusing a page is the page's fault, not ours
        raise ExtractError(f"extract: page could not be parsed: {url}") from exc
    if tree is None:
        raise ExtractError(f"extract: no article text found in {url}")

    try:
        # trafilatura cleans a copy of the tree, so ours stays whole for the metadata below
        doc = trafilatura.bare_extraction(
            tree, url=url, with_metadata=False, include_comments=False, include_tables=True
        )
    except Exception as exc:  # RecursionError on absurd nesting, bugs on odd pages
        log.warning("trafilatura failed url=%s error=%r", url, exc)
        raise ExtractError(f"extract: extraction failed for {url}: {exc!r}") from exc
    text = _clean_text(getattr(doc, "text", None)) if doc is not None else ""
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractError(f"extract: no article text found in {url}")

    ev = _Evidence()
    try:
        _read_jsonld(tree, ev)
        _read_head(tree, url, ev)
        fields = _metadata(tree, url, ev)
    except Exception as exc:  # metadata is a bonus: keep the text, log what broke
        log.warning("metadata extraction failed url=%s error=%r", url, exc)
        fields = {"title": ev.headline, "published": ev.published}

    title = fields.get("title")
    if title:
        # trafilatura often keeps the page's <h1> as the first line; the title is stored apart
        first, _, rest = text.partition("\n")
        if rest and first.casefold() == title.casefold():
            text = rest
    if len(text) < 4 * MIN_TEXT_CHARS and len(_body(text, title)) < MIN_TEXT_CHARS:
        # a page with a headline, a date and a menu but no article (a live page's empty
        # shell): its words are the site's, not the article's
        raise ExtractError(f"extract: no article text found in {url}")
    return Extracted(
        url=url,
        canonical_url=ev.canonical,
        text=text,
        language=ev.language,
        page_types=ev.page_types,
        section=ev.section,
        paywalled=ev.paywalled,
        **fields,
    )
