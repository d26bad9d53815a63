"""Parse feed bytes into :class:`~newsloom.model.FeedEntry` records. No I/O here.

Formats: RSS 0.9x, RSS 1.0 (RDF) and RSS 2.0 and Atom (via feedparser), JSON Feed
1.0/1.1, and Google news sitemaps (``<urlset>``, parsed with lxml with entity
resolution and network access turned off).

Behaviour worth knowing:

* **Character sets.** We decode the bytes ourselves (:func:`decode_body`) and hand
  feedparser UTF-8 with ``charset=utf-8``, because feedparser trusts a wrong
  header charset whenever the bytes happen to decode under it (every byte string
  decodes as ISO-8859-1), which gives mojibake. Order: a BOM (or UTF-16/32
  without a BOM); pure ASCII; bytes that are valid UTF-8 are UTF-8 whatever the
  labels say (a legacy-charset text is practically never valid UTF-8); mostly
  UTF-8 with a few stray bytes is UTF-8 with the stray bytes read as
  windows-1252; then the HTTP charset, then the XML declaration's encoding --
  except that a header of ISO-8859-1/windows-1252/US-ASCII (typical server
  defaults) yields to a different encoding declared in the document. ISO-8859-1
  and US-ASCII labels are read as windows-1252 (as browsers do), so curly quotes
  and the euro sign survive. Last resort: windows-1252, then ISO-8859-1.
  *What cannot be fixed:* a text in one legacy single-byte charset labelled
  (everywhere) as another one, e.g. KOI8-R labelled windows-1251; that needs
  statistical guessing, which we don't do.
* **Links.** Relative links are resolved against ``base_url`` (passed to
  feedparser as ``Content-Location``) and the feed's ``xml:base``. Only http(s)
  links are kept; items with no usable link are skipped and counted in
  :attr:`ParsedFeed.skipped`. Items repeating an earlier link or guid are dropped
  (first one wins, not counted as skipped).
* **Dates** are timezone-aware UTC. Unparsable dates and dates more than
  ``max_future_hours`` after ``now`` become ``None``. RSS/Atom: published, else
  updated. JSON Feed: ``date_published``, else ``date_modified``. Sitemaps: only
  ``news:publication_date`` (``<lastmod>`` is a modification time, not a
  publication time, so it is ignored).
* **Text.** Titles and summaries are plain text: tags stripped, entities
  unescaped, whitespace collapsed; empty becomes ``None``. The summary is the
  item's summary/description, else its content, cut to :data:`SUMMARY_MAX_CHARS`.
  An entry's language is its own (Atom ``xml:lang``, JSON Feed 1.1 ``language``,
  ``news:language``), else the feed's.
* **Sitemaps.** A ``<urlset>`` without the news namespace is accepted too (kind
  ``"sitemap"``, entries with URLs only). A ``<sitemapindex>`` raises
  :class:`SitemapIndexError` (a :class:`FeedError`) whose ``sitemaps`` attribute
  lists the child sitemap URLs, so a caller may offer those instead.
* **Errors.** Empty bodies, binary data (including undecoded gzip), HTML pages,
  invalid JSON, JSON that isn't a JSON Feed, and XML that is no feed raise
  :class:`FeedError`. A malformed feed that still yields a feed version or
  entries is returned, with a logged warning and :attr:`ParsedFeed.warning` set;
  a malformed sitemap from which no URL can be recovered raises.
"""

from __future__ import annotations

import codecs
import html
import io
import json
import logging
import re
from calendar import timegm
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree

from newsloom.errors import FeedError
from newsloom.model import EARLIEST, FeedEntry
from newsloom.words import INLINE_TAG

log = logging.getLogger(__name__)

#: The values :attr:`ParsedFeed.kind` takes.
KINDS = ("rss", "atom", "rdf", "jsonfeed", "sitemap")

#: Summaries longer than this are cut at a word boundary and end with "…".
SUMMARY_MAX_CHARS = 2000

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass
class ParsedFeed:
    kind: str  # one of KINDS
    title: str | None
    link: str | None  # the site's home page
    language: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    #: items dropped because they had no http(s) link
    skipped: int = 0
    #: set when the feed was malformed but still readable (the parser's complaint)
    warning: str | None = None


class SitemapIndexError(FeedError):
    """The URL is a sitemap index: it lists sitemaps, not articles."""

    def __init__(self, message: str, sitemaps: list[str]):
        super().__init__(message)
        self.sitemaps = sitemaps


def parse(
    base_url: str,
    data: bytes,
    content_type: str | None = None,
    *,
    now: datetime | None = None,
    max_future_hours: float = 24.0,
) -> ParsedFeed:
    """Parse ``data`` (the body fetched from ``base_url``) into a :class:`ParsedFeed`.

    ``content_type`` is the response's Content-Type header, used for its charset.
    Raises :class:`FeedError` when the bytes are not a feed we can read.
    """
    if not data or not data.strip():
        raise FeedError(f"feeds: {base_url} returned an empty body")
    if data[:2] == b"\x1f\x8b":
        raise FeedError(
            f"feeds: {base_url} returned gzip-compressed bytes (undecoded Content-Encoding?),"
            " not a feed"
        )
    header_charset = _charset_param(content_type)
    text, encoding = decode_body(data, header_charset)
    text = text.lstrip("\ufeff")
    if _looks_binary(text):
        raise FeedError(f"feeds: {base_url} returned binary data, not a feed")

    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    ctx = _Context(base_url, now + timedelta(hours=max_future_hours))

    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        return _parse_jsonfeed(ctx, stripped)
    root = _root_name(text)
    if root in ("urlset", "sitemapindex"):
        return _parse_sitemap(ctx, text)
    if root == "html":
        raise FeedError(f"feeds: {base_url} is an HTML page, not a feed")
    if root == "opml":
        raise FeedError(f"feeds: {base_url} is an OPML list of feeds, not a feed; import it")
    return _parse_feedparser(ctx, text, root, content_type, encoding)


# --- decoding -----------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NO_BOM = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_UTF8_SEQ = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# labels servers send by default; a document's own declaration beats them
_SERVER_DEFAULTS = {"cp1252", "latin-1", "ascii"}


def _cp1252_fallback(err: UnicodeDecodeError) -> tuple[str, int]:
    bad = err.object[err.start : err.end]
    return bad.decode("cp1252", errors="replace"), err.end


codecs.register_error("newsloom-cp1252", _cp1252_fallback)


def _charset_param(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = re.search(r"""charset\s*=\s*["']?([^\s;"']+)""", content_type, re.I)
    return m.group(1) if m else None


def _codec(label: str | None) -> str | None:
    """A Python codec name for an encoding label, None when unknown or not ASCII-based."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    if name in ("iso8859-1", "latin-1", "ascii"):
        return "cp1252"  # as browsers do (WHATWG Encoding)
    if name == "gb2312":
        return "gb18030"
    if name.startswith(("utf-16", "utf-32", "utf-7")):
        return None  # a BOM-less body we did not sniff as such can't be in these
    return name


def decode_body(data: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode a feed body, returning ``(text, encoding used)``. See the module docstring."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace"), enc
    for marker, enc in _NO_BOM:
        if data.startswith(marker):
            return data.decode(enc, errors="replace"), enc
    if not _NON_ASCII.search(data):
        return data.decode("ascii"), "ascii"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sequences = _UTF8_SEQ.findall(data)
    valid = len(sequences)
    invalid = len(_NON_ASCII.findall(data)) - sum(len(m) for m in sequences)
    if valid and valid >= 3 * invalid:
        return data.decode("utf-8", errors="newsloom-cp1252"), "utf-8"
    m = _XML_ENCODING.match(data[:1024])
    header = _codec(header_charset)
    declared = _codec(m.group(1).decode("ascii")) if m else None
    candidates = [header, declared]
    if header in _SERVER_DEFAULTS and declared and declared != header:
        candidates = [declared, header]
    for enc in (*candidates, "cp1252"):
        if not enc or enc == "utf-8":
            continue
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1"), "latin-1"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UNIX_DIGITS = re.compile(r"\d{9,13}")


def _looks_binary(text: str) -> bool:
    head = text[:4096]
    if "\x00" in head:
        return True
    return len(_CONTROL.findall(head)) > max(2, len(head) // 50)


# --- sniffing -----------------------------------------------------------------

_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)", re.S | re.I)
_FIRST_TAG = re.compile(r"\s*<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_HTML_HINT = re.compile(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.I)


def _root_name(text: str) -> str | None:
    """The local name (lower case) of the first element, skipping the prolog."""
    head = text[:65536]
    pos = 0
    while m := _PROLOG.match(head, pos):
        if m.end() == pos:
            break
        pos = m.end()
    m = _FIRST_TAG.match(head, pos)
    return m.group(1).lower() if m else None


# --- helpers ------------------------------------------------------------------


@dataclass
class _Context:
    base_url: str
    latest: datetime  # dates after this are dropped

    def url(self, link: object, base: str | None = None) -> str | None:
        if not isinstance(link, str) or not link.strip():
            return None
        try:
            link = urljoin(base or self.base_url, link.strip())
            parts = urlsplit(link)
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                return None
        except ValueError:  # e.g. a broken IPv6 literal
            return None
        return link

    def date(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return None if value > self.latest or value < EARLIEST else value


class _Collector:
    """Keeps entries in order, dropping repeats of a link or guid."""

    def __init__(self) -> None:
        self.entries: list[FeedEntry] = []
        self.skipped = 0
        self._links: set[str] = set()
        self._guids: set[str] = set()

    def add(self, entry: FeedEntry | None) -> None:
        if entry is None:
            self.skipped += 1
            return
        if entry.url in self._links or (entry.guid and entry.guid in self._guids):
            log.debug("feeds: duplicate item %s (guid %s) dropped", entry.url, entry.guid)
            return
        self._links.add(entry.url)
        if entry.guid:
            self._guids.add(entry.guid)
        self.entries.append(entry)


def _build_times_dropped(entries: list[FeedEntry]) -> list[FeedEntry]:
    """An ``updated`` time every item shares is when the feed was built, not when an item
    changed (some systems stamp each item so at every build): it is dropped, or every poll
    would take every item for a correction."""
    if len(entries) > 1 and len({e.updated for e in entries}) == 1:
        for e in entries:
            e.updated = None
    return entries


_TAG = re.compile(r"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>|</?[A-Za-z][^<>]*>", re.S | re.I)
_WS = re.compile(r"\s+")


def plain_text(value: object, *, html_markup: bool = True) -> str | None:
    """Tags stripped (when ``html_markup``), entities unescaped, whitespace collapsed."""
    if not isinstance(value, str):
        return None
    if html_markup:
        value = _TAG.sub(" ", INLINE_TAG.sub("", value))
    value = html.unescape(value)
    if html_markup and "<" in value:  # markup that had been escaped twice
        value = _TAG.sub(" ", INLINE_TAG.sub("", value))
    value = _WS.sub(" ", value).strip()
    return value or None


def _summary(value: object, *, html_markup: bool = True) -> str | None:
    text = plain_text(value, html_markup=html_markup)
    if text and len(text) > SUMMARY_MAX_CHARS:
        cut = text[: SUMMARY_MAX_CHARS - 1]
        space = cut.rfind(" ")
        if space > SUMMARY_MAX_CHARS // 2:
            cut = cut[:space]
        text = cut.rstrip() + "…"
    return text


def _clean(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def parse_date(value: object) -> datetime | None:
    """A W3C/ISO 8601 or RFC 822 date string, or Unix time, to a datetime (naive when no zone
    given)."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if unix := unix_time(value):
        return unix
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        pass
    parsed = feedparser.datetimes._parse_date(value)  # feedparser's many-format parser
    return _struct_date(parsed)


def unix_time(value: object) -> datetime | None:
    """A date written as Unix time (9 to 13 digits: seconds, or milliseconds from 13 on), which
    some feeds put in ``pubDate``; feedparser reads "1764325200" as a day of the year 1764."""
    if isinstance(value, str) and _UNIX_DIGITS.fullmatch(value.strip()):
        seconds = int(value.strip())
        return datetime.fromtimestamp(seconds / 1000 if seconds >= 10**12 else seconds, UTC)
    return None


def _struct_date(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(timegm(value), UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# --- RSS / Atom ---------------------------------------------------------------


def _feed_kind(version: str, root: str | None) -> str:
    if version in ("rss090", "rss10") or (not version and root == "rdf"):
        return "rdf"
    if version.startswith("atom") or (not version and root == "feed"):
        return "atom"
    return "rss"


def _detail_is_html(entry: dict, key: str) -> bool:
    detail = entry.get(f"{key}_detail") or {}
    return detail.get("type", "text/html") != "text/plain"


def _parse_feedparser(
    ctx: _Context, text: str, root: str | None, content_type: str | None, encoding: str
) -> ParsedFeed:
    url = ctx.base_url
    # Wrapped in BytesIO: feedparser treats a bytes argument that names a file as a path.
    result = feedparser.parse(
        io.BytesIO(text.encode("utf-8")),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": url,
        },
    )
    version = result.get("version") or ""
    raw_entries = result.get("entries") or []
    if not version and not raw_entries:
        mime = (content_type or "").split(";")[0].strip().lower()
        if mime in ("text/html", "application/xhtml+xml") or _HTML_HINT.search(text[:4096]):
            raise FeedError(f"feeds: {url} is an HTML page, not a feed")
        why = result.get("bozo_exception")
        detail = f" ({why})" if why else ""
        raise FeedError(f"feeds: {url} is not a feed (no RSS, Atom or sitemap found){detail}")

    warning = None
    if result.get("bozo"):
        why = result.get("bozo_exception")
        if isinstance(why, feedparser.ThingsNobodyCaresAboutButMe):  # a charset, a content type
            log.debug("feeds: %s: %s", url, why)
        else:  # broken XML: what follows the break is lost
            warning = str(why or "malformed feed")
            log.warning(
                "feeds: %s is malformed (%s); kept %d entries", url, warning, len(raw_entries)
            )

    feed = result.get("feed") or {}
    language = _clean(feed.get("language"))
    out = _Collector()
    for e in raw_entries:
        out.add(_feedparser_entry(ctx, e, language))
    title = plain_text(feed.get("title"), html_markup=_detail_is_html(feed, "title"))
    log.debug("feeds: %s parsed as %s (%s), %d entries", url, version, encoding, len(out.entries))
    return ParsedFeed(
        kind=_feed_kind(version, root),
        title=title,
        link=ctx.url(feed.get("link")),
        language=language,
        entries=_build_times_dropped(out.entries),
        skipped=out.skipped,
        warning=warning,
    )


def _feedparser_entry(ctx: _Context, e: dict, feed_language: str | None) -> FeedEntry | None:
    link = ctx.url(e.get("link"))
    if link is None:
        for candidate in e.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate":
                link = ctx.url(candidate.get("href"))
                if link:
                    break
    if link is None:
        return None
    summary = None
    if e.get("summary"):
        summary = _summary(e.get("summary"), html_markup=_detail_is_html(e, "summary"))
    if summary is None:
        for content in e.get("content") or []:
            summary = _summary(
                content.get("value"), html_markup=content.get("type") != "text/plain"
            )
            if summary:
                break
    published = None
    for key in ("published", "updated", "created"):
        raw = dict.get(e, key)  # plain dict lookup: skips feedparser's deprecated aliasing
        value = dict.get(e, f"{key}_parsed")
        if raw or value:
            published = unix_time(raw) or _struct_date(value)
            break
    updated = dict.get(e, "updated_parsed")
    updated = unix_time(dict.get(e, "updated")) or (_struct_date(updated) if updated else None)
    language = None
    for key in ("title_detail", "summary_detail"):
        language = language or _clean((e.get(key) or {}).get("language"))
    return FeedEntry(
        url=link,
        title=plain_text(e.get("title"), html_markup=_detail_is_html(e, "title")),
        published=ctx.date(published),
        summary=summary,
        author=_author(e),
        guid=_clean(e.get("id")),
        language=language or feed_language,
        updated=ctx.date(updated),
    )


_EMAIL_PAREN = re.compile(r"^\s*[^\s@()<>]+@[^\s()<>]+\s*\((.+)\)\s*$")  # a@b.c (Name)
_NAME_ANGLE = re.compile(r"^\s*(.+?)\s*<[^\s<>@]+@[^\s<>]+>\s*$")  # Name <a@b.c>
_BARE_EMAIL = re.compile(r"^\s*(?:mailto:)?[^\s@()<>]+@[^\s@()<>]+\s*$")


def _author(e: dict) -> str | None:
    """The author's name; feedparser mangles RSS "email (Name)" when the TLD is long."""
    raw = e.get("author")
    if isinstance(raw, str):
        for pattern in (_EMAIL_PAREN, _NAME_ANGLE):
            if m := pattern.match(raw):
                return plain_text(m.group(1), html_markup=False)
        if _BARE_EMAIL.match(raw):
            return None  # an address alone names nobody
    name = (e.get("author_detail") or {}).get("name")
    if isinstance(name, str) and "@" not in name:
        return plain_text(name, html_markup=False)
    if isinstance(raw, str) and "@" not in raw:
        return plain_text(raw, html_markup=False)
    return None


# --- JSON Feed ----------------------------------------------------------------


def _parse_jsonfeed(ctx: _Context, text: str) -> ParsedFeed:
    url = ctx.base_url
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise FeedError(f"feeds: {url} is not valid JSON ({exc})") from None
    version = obj.get("version") if isinstance(obj, dict) else None
    if not isinstance(version, str) or not re.match(r"https?://jsonfeed\.org/version/", version):
        raise FeedError(f"feeds: {url} is JSON but not a JSON Feed (no jsonfeed.org version)")
    language = _clean(obj.get("language"))
    items = obj.get("items")
    warning = None
    if not isinstance(items, list):
        warning = "JSON Feed has no items list"
        log.warning("feeds: %s: %s", url, warning)
        items = []
    feed_author = _json_author(obj)
    out = _Collector()
    for item in items:
        if isinstance(item, dict):
            out.add(_json_entry(ctx, item, language, feed_author))
        else:
            out.skipped += 1
    return ParsedFeed(
        kind="jsonfeed",
        title=plain_text(obj.get("title"), html_markup=False),
        link=ctx.url(obj.get("home_page_url")),
        language=language,
        entries=_build_times_dropped(out.entries),
        skipped=out.skipped,
        warning=warning,
    )


def _json_author(obj: dict) -> str | None:
    authors = obj.get("authors")
    if isinstance(authors, list):
        for a in authors:
            if isinstance(a, dict) and plain_text(a.get("name"), html_markup=False):
                return plain_text(a.get("name"), html_markup=False)
    author = obj.get("author")  # JSON Feed 1.0
    if isinstance(author, dict):
        return plain_text(author.get("name"), html_markup=False)
    return None


def _json_entry(
    ctx: _Context, item: dict, feed_language: str | None, feed_author: str | None
) -> FeedEntry | None:
    link = ctx.url(item.get("url")) or ctx.url(item.get("external_url"))
    if link is None:
        return None
    summary = (
        _summary(item.get("summary"), html_markup=False)
        or _summary(item.get("content_text"), html_markup=False)
        or _summary(item.get("content_html"))
    )
    published = parse_date(item.get("date_published")) or parse_date(item.get("date_modified"))
    guid = item.get("id")
    return FeedEntry(
        url=link,
        title=plain_text(item.get("title"), html_markup=False),
        published=ctx.date(published),
        summary=summary,
        author=_json_author(item) or feed_author,
        guid=str(guid).strip() or None if guid is not None else None,
        language=_clean(item.get("language")) or feed_language,
        updated=ctx.date(parse_date(item.get("date_modified"))),
    )


# --- sitemaps -----------------------------------------------------------------

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def _xml_parser(recover: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        recover=recover,
        encoding="utf-8",
    )


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _child(el: etree._Element, name: str) -> etree._Element | None:
    for c in el:
        if _local(c) == name:
            return c
    return None


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return plain_text("".join(el.itertext()), html_markup=False)


def _loc(el: etree._Element) -> str | None:
    """A ``<loc>``'s URL: whitespace trimmed, nothing unescaped (``&not=`` must stay)."""
    loc = _child(el, "loc")
    return "".join(loc.itertext()).strip() or None if loc is not None else None


def _parse_sitemap(ctx: _Context, text: str) -> ParsedFeed:
    url = ctx.base_url
    body = _XML_DECL.sub("", text, count=1).encode("utf-8")
    warning = None
    try:
        root = etree.fromstring(body, _xml_parser(recover=False))
    except etree.XMLSyntaxError as exc:
        warning = str(exc)
        try:
            root = etree.fromstring(body, _xml_parser(recover=True))
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            raise FeedError(f"feeds: {url} is a malformed sitemap ({exc})") from None
        log.warning("feeds: %s is a malformed sitemap (%s); reading what parses", url, exc)

    if _local(root) == "sitemapindex":
        children = []
        for sm in root:
            if _local(sm) == "sitemap":
                child = ctx.url(_loc(sm))
                if child:
                    children.append(child)
        raise SitemapIndexError(
            f"feeds: {url} is a sitemap index listing {len(children)} sitemaps, not articles;"
            " add one of its news sitemaps instead",
            children,
        )

    out = _Collector()
    title = language = None
    for node in root:
        if _local(node) != "url":
            continue
        link = ctx.url(_loc(node))
        if link is None:
            out.add(None)
            continue
        news = next(
            (
                c
                for c in node
                if isinstance(c.tag, str)
                and etree.QName(c).namespace == NEWS_NS
                and _local(c) == "news"
            ),
            None,
        )
        entry = FeedEntry(url=link)
        if news is not None:
            pub = _child(news, "publication")
            name = _text(_child(pub, "name")) if pub is not None else None
            lang = _text(_child(pub, "language")) if pub is not None else None
            title = title or name
            language = language or lang
            entry.title = _text(_child(news, "title"))
            entry.published = ctx.date(parse_date(_text(_child(news, "publication_date"))))
            entry.language = lang
        out.add(entry)
    if warning and not out.entries and not out.skipped:
        raise FeedError(f"feeds: {url} is a malformed sitemap with no readable URLs ({warning})")
    for entry in out.entries:
        entry.language = entry.language or language
    return ParsedFeed(
        kind="sitemap",
        title=title,
        link=None,
        language=language,
        entries=out.entries,
        skipped=out.skipped,
        warning=warning,
    )
