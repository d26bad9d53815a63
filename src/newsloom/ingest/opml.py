"""Read and write OPML subscription lists as :class:`~newsloom.model.Source` records.

Reading:

* Each ``<outline>`` with an ``xmlUrl`` is a source; outlines without one are
  skipped, and when they have children they are folders. Attribute names are
  matched case-insensitively (``xmlurl``, ``XMLURL`` occur in the wild).
* ``title`` (else ``text``) -> ``name``; ``xmlUrl`` -> ``url`` (``feed://`` and
  ``feed:https://`` become http(s); other non-http(s) URLs are skipped with a
  warning); ``htmlUrl`` -> ``html_url``.
* ``category``: OPML 2.0 comma-separated, slash-delimited categories; the first
  path component of the first one is kept (``"/World/Europe,/News"`` -> ``"World"``).
  An outline without a category takes the text of its nearest enclosing folder.
* newsloom's extension attributes ``country``, ``language`` and ``lean``;
  ``xml:lang`` is read as ``language`` too.
* The same feed URL listed twice is read once (the first occurrence wins).
* Parsing uses lxml with entity resolution, DTD loading and network access off;
  a document declaring entities (``<!ENTITY>``) is refused.
  Files with bare ``&`` in attributes (not well-formed, but common in exports)
  are repaired and read, with a warning; anything else that isn't well-formed
  XML, or isn't OPML, raises :class:`InputError`.

Writing produces OPML 2.0: sources with a category are grouped in a folder
outline named after it (what feed readers import as folders) and also carry a
``category="/Name"`` attribute; the other sources follow at the top level. A
source with no name is written with ``text`` set to its URL, and so reads back
with that URL as its name.
"""

from __future__ import annotations

import logging
import re

from lxml import etree

from newsloom.errors import InputError
from newsloom.model import Source

log = logging.getLogger(__name__)

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_BARE_AMP = re.compile(rb"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def read_opml(data: bytes) -> list[Source]:
    """The sources listed in an OPML file. Raises :class:`InputError` on bad input."""
    if not data or not data.strip():
        raise InputError("opml: the file is empty")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        repaired = _BARE_AMP.sub(b"&amp;", data)
        if repaired == data:
            raise InputError(f"opml: not well-formed XML ({exc})") from None
        try:
            root = etree.fromstring(repaired, _parser())
        except etree.XMLSyntaxError:
            raise InputError(f"opml: not well-formed XML ({exc})") from None
        log.warning("opml: repaired unescaped '&' characters in the file")
    if root is None or not isinstance(root.tag, str):
        raise InputError("opml: no root element")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        # lxml expands internal entities in attribute values even with resolve_entities off
        raise InputError("opml: entity declarations (<!ENTITY>) are not allowed in OPML")
    name = etree.QName(root).localname
    if name.lower() != "opml":
        raise InputError(f"opml: the root element is <{name}>, not <opml>; is this an OPML file?")
    body = next((c for c in root if _local(c) == "body"), None)
    if body is None:
        raise InputError("opml: no <body> element")

    sources: list[Source] = []
    seen: set[str] = set()
    _walk(body, None, sources, seen)
    return sources


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname.lower() if isinstance(el.tag, str) else ""


def _attrs(el: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in el.attrib.items():
        key = "xml:lang" if key == _XML_LANG else etree.QName(key).localname.lower()
        value = value.strip()
        if value and key not in out:
            out[key] = value
    return out


def _category(value: str | None) -> str | None:
    if not value:
        return None
    first = value.split(",")[0].strip().lstrip("/")
    first = first.split("/")[0].strip()
    return first or None


def _feed_url(value: str) -> str | None:
    url = value.strip()
    lower = url.lower()
    if lower.startswith("feed:"):
        rest = url[5:]
        url = rest if rest.lower().startswith(("http://", "https://")) else "http:" + rest
        lower = url.lower()
    if lower.startswith(("http://", "https://")) and len(url) > len("https://"):
        return url
    return None


def _walk(parent: etree._Element, folder: str | None, out: list[Source], seen: set[str]) -> None:
    for el in parent:
        if _local(el) != "outline":
            continue
        a = _attrs(el)
        category = _category(a.get("category")) or folder
        raw_url = a.get("xmlurl")
        if raw_url:
            url = _feed_url(raw_url)
            if url is None:
                log.warning("opml: skipped %r: not an http(s) feed URL", raw_url)
            elif url in seen:
                log.info("opml: %s is listed twice; keeping the first", url)
            else:
                seen.add(url)
                out.append(
                    Source(
                        url=url,
                        name=a.get("title") or a.get("text") or "",
                        html_url=a.get("htmlurl"),
                        country=a.get("country"),
                        language=a.get("language") or a.get("xml:lang"),
                        lean=a.get("lean"),
                        category=category,
                    )
                )
            _walk(el, category, out, seen)  # a feed outline with children: rare, but read them
        else:
            _walk(el, a.get("text") or a.get("title") or folder, out, seen)


def write_opml(sources: list[Source], title: str = "newsloom sources") -> bytes:
    """An OPML 2.0 document listing ``sources``, grouped in folders by category."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")

    folders: dict[str, etree._Element] = {}
    loose: list[Source] = []
    for source in sources:
        if source.category:
            folder = folders.get(source.category)
            if folder is None:
                folder = etree.SubElement(body, "outline", text=source.category)
                folders[source.category] = folder
            _outline(folder, source)
        else:
            loose.append(source)
    for source in loose:
        _outline(body, source)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _outline(parent: etree._Element, source: Source) -> None:
    attrs = {"type": "rss", "text": source.name or source.url}
    if source.name:
        attrs["title"] = source.name
    attrs["xmlUrl"] = source.url
    for key, value in (
        ("htmlUrl", source.html_url),
        ("category", f"/{source.category}" if source.category else None),
        ("country", source.country),
        ("language", source.language),
        ("lean", source.lean),
    ):
        if value:
            attrs[key] = value
    etree.SubElement(parent, "outline", attrs)
