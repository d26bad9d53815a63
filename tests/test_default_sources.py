"""The shipped default sources (``newsloom/data/default-sources.opml``) are well formed."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

LEANS = {"left", "lean left", "center", "lean right", "right"}
CATEGORIES = {"general", "world", "politics", "business", "technology", "science"}
_HOST = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _opml_bytes() -> bytes:
    try:
        from importlib.resources import files

        return (files("newsloom") / "data" / "default-sources.opml").read_bytes()
    except (ImportError, FileNotFoundError):
        # the package may be mid-edit: fall back to the file in the source tree
        here = Path(__file__).resolve().parent
        return (here.parent / "src" / "newsloom" / "data" / "default-sources.opml").read_bytes()


@pytest.fixture(scope="module")
def tree():
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(_opml_bytes(), parser)


@pytest.fixture(scope="module")
def feeds(tree):
    return tree.xpath("//outline[@xmlUrl]")


def _assert_https_url(url: str | None, what: str) -> None:
    assert url, f"{what}: missing"
    assert not any(c.isspace() for c in url), f"{what}: whitespace in {url!r}"
    parts = urlsplit(url)
    assert parts.scheme == "https", f"{what}: not https: {url!r}"
    host = parts.hostname or ""
    assert _HOST.fullmatch(host), f"{what}: bad host in {url!r}"
    assert parts.port is None, f"{what}: explicit port in {url!r}"
    assert not parts.username and not parts.password, f"{what}: credentials in {url!r}"
    assert not parts.fragment, f"{what}: fragment in {url!r}"


def test_is_opml_2(tree):
    assert tree.tag == "opml"
    assert tree.get("version") == "2.0"
    assert tree.find("head") is not None
    assert tree.find("body") is not None


def test_enough_feeds(feeds):
    assert len(feeds) >= 60


def test_feeds_are_grouped_by_region(tree, feeds):
    folders = tree.xpath("/opml/body/outline[not(@xmlUrl)]")
    assert len(folders) >= 5
    for folder in folders:
        assert folder.get("text")
    for feed in feeds:
        parent = feed.getparent()
        assert parent.tag == "outline" and parent.get("xmlUrl") is None, feed.get("text")


def test_every_feed_is_named_rss_outline(feeds):
    for feed in feeds:
        assert feed.get("type") == "rss", feed.get("xmlUrl")
        assert (feed.get("text") or "").strip(), feed.get("xmlUrl")
        assert feed.get("title") == feed.get("text"), feed.get("xmlUrl")


def test_urls_are_https_with_valid_hosts(feeds):
    for feed in feeds:
        name = feed.get("text")
        _assert_https_url(feed.get("xmlUrl"), f"{name} xmlUrl")
        _assert_https_url(feed.get("htmlUrl"), f"{name} htmlUrl")


def test_no_duplicate_feed_urls(feeds):
    dupes = [u for u, n in Counter(f.get("xmlUrl") for f in feeds).items() if n > 1]
    assert not dupes


def test_country_and_language_codes(feeds):
    for feed in feeds:
        name = feed.get("text")
        assert re.fullmatch(r"[A-Z]{2}", feed.get("country") or ""), f"{name}: country"
        assert re.fullmatch(r"[a-z]{2}", feed.get("language") or ""), f"{name}: language"


def test_spread_of_countries_and_languages(feeds):
    countries = {f.get("country") for f in feeds}
    languages = Counter(f.get("language") for f in feeds)
    assert len(countries) >= 10
    assert len(languages) >= 5
    assert sum(n for lang, n in languages.items() if lang != "en") >= 15


def test_leans(feeds):
    leans = [f.get("lean") for f in feeds if f.get("lean") is not None]
    assert set(leans) <= LEANS, set(leans) - LEANS
    assert set(leans) == LEANS, f"missing: {LEANS - set(leans)}"


def test_categories(feeds):
    for feed in feeds:
        assert feed.get("category") in CATEGORIES, feed.get("text")
