"""newsloom.ingest.opml: read and write OPML subscription lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from newsloom.errors import InputError
from newsloom.ingest.opml import read_opml, write_opml
from newsloom.model import Source

DATA = Path(__file__).parent / "data" / "feeds"

FIELDS = ("url", "name", "html_url", "category", "country", "language", "lean")


def fields(source: Source) -> tuple:
    return tuple(getattr(source, f) for f in FIELDS)


def test_read_nested_file():
    sources = read_opml((DATA / "sources.opml").read_bytes())
    assert [fields(s) for s in sources] == [
        (
            "https://www.dailymeridian.example/world/rss.xml",
            "The Daily Meridian — World",
            "https://www.dailymeridian.example/world/",
            "World",  # from the enclosing folder
            "GB",
            "en",
            "center",
        ),
        (
            "https://www.lemessager.example/international/atom.xml",
            "Le Messager International",
            "https://www.lemessager.example/international/",
            "Europe",  # the nearest folder
            "FR",
            "fr",  # xml:lang
            "center-left",
        ),
        (
            "https://nordlicht-zeitung.example/rss",
            "Nordlicht Zeitung",
            None,
            "Regional",  # own category beats the folder; first path component
            "DE",
            "de",
            None,
        ),
        (
            "https://riversidedispatch.example/feed.json",
            "Riverside Dispatch",
            None,
            "Community",
            None,
            None,
            None,
        ),
        (
            "https://www.harbourgazette.example/rss/top.xml",  # listed twice: first wins
            "Harbour Gazette (listed twice)",
            None,
            "Local",
            None,
            None,
            None,
        ),
        (
            "http://www.valleycourier.example/rss.xml",  # feed:// and upper-case attributes
            "Valley Courier",
            "http://www.valleycourier.example/",
            None,
            None,
            None,
            None,
        ),
        ("https://coastlinepost.example/feed/", "Coastline Post", None, None, None, None, None),
    ]  # the link outline, the file: URL and the blank xmlUrl are skipped


def test_title_preferred_over_text_and_defaults():
    data = b"""<?xml version="1.0"?><opml version="1.0"><head/><body>
      <outline text="Short" title="Full Title" xmlUrl="https://a.example/rss"/>
      <outline xmlUrl="https://b.example/rss"/>
    </body></opml>"""
    a, b = read_opml(data)
    assert a.name == "Full Title"
    assert b.name == ""
    assert b.category is None and b.html_url is None


def test_category_forms():
    data = b"""<opml version="2.0"><head/><body>
      <outline text="F" xmlUrl="https://a.example/1" category="/World/Europe,/News"/>
      <outline text="F" xmlUrl="https://a.example/2" category="Politics"/>
      <outline text="F" xmlUrl="https://a.example/3" category=" , /Ignored"/>
      <outline text="Folder"><outline text="F" xmlUrl="https://a.example/4" category="/"/></outline>
    </body></opml>"""
    assert [s.category for s in read_opml(data)] == ["World", "Politics", None, "Folder"]


def test_language_attribute_beats_xml_lang():
    data = b"""<opml version="2.0"><head/><body>
      <outline text="x" xmlUrl="https://a.example/1" language="pt-BR" xml:lang="es"/>
    </body></opml>"""
    assert read_opml(data)[0].language == "pt-BR"


def test_bare_ampersands_are_repaired(caplog):
    data = b"""<opml version="2.0"><head><title>News & views</title></head><body>
      <outline text="Q&A Daily" xmlUrl="https://a.example/rss?a=1&b=2"/>
      <outline text="Fine &amp; dandy" xmlUrl="https://b.example/rss?a=1&amp;b=2"/>
    </body></opml>"""
    a, b = read_opml(data)
    assert (a.name, a.url) == ("Q&A Daily", "https://a.example/rss?a=1&b=2")
    assert (b.name, b.url) == ("Fine & dandy", "https://b.example/rss?a=1&b=2")
    assert "repaired" in caplog.text


def test_no_feeds_is_an_empty_list():
    assert read_opml(b'<opml version="2.0"><head/><body/></opml>') == []


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"  \n ", "empty"),
        (b"this is not xml", "not well-formed XML"),
        (b'<opml version="2.0"><body><outline text="x"', "not well-formed XML"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "root element is <rss>"),
        (b"<html><body>Login required</body></html>", "root element is <html>"),
        (b'<opml version="2.0"><head/></opml>', "no <body>"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not well-formed XML"),
    ],
)
def test_bad_input(data, message):
    with pytest.raises(InputError, match=message):
        read_opml(data)


def test_entities_are_not_resolved():
    data = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/hostname"><!ENTITY x "expanded">]>
<opml version="2.0"><head/><body>
  <outline text="&x;" xmlUrl="https://a.example/rss"/>
</body></opml>"""
    with pytest.raises(InputError, match="entity declarations"):
        read_opml(data)


def test_plain_doctype_is_fine():
    data = b"""<?xml version="1.0"?><!DOCTYPE opml>
<opml version="2.0"><head/><body><outline text="A" xmlUrl="https://a.example/rss"/></body></opml>"""
    assert [s.url for s in read_opml(data)] == ["https://a.example/rss"]


SOURCES = [
    Source(
        url="https://www.dailymeridian.example/world/rss.xml",
        name="The Daily Meridian — World",
        html_url="https://www.dailymeridian.example/world/",
        country="GB",
        language="en",
        lean="center",
        category="World",
    ),
    Source(
        url="https://www.lemessager.example/international/atom.xml?a=1&b=2",
        name='Le Messager "International" <beta>',
        country="FR",
        language="fr",
        lean="center-left",
        category="World",
    ),
    Source(
        url="https://nordlicht-zeitung.example/rss", name="Nordlicht Zeitung", category="Regional"
    ),
    Source(url="https://vestnik.example/rss", name="Вечерний вестник", language="ru", lean="left"),
]


def test_round_trip():
    again = read_opml(write_opml(SOURCES))
    assert sorted(fields(s) for s in again) == sorted(fields(s) for s in SOURCES)


def test_round_trip_of_the_sample_file():
    first = read_opml((DATA / "sources.opml").read_bytes())
    again = read_opml(write_opml(first))
    assert sorted(fields(s) for s in again) == sorted(fields(s) for s in first)


def test_written_document_shape():
    out = write_opml(SOURCES, title="Desk feeds")
    assert out.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(out)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Desk feeds"
    folders = [o for o in root.find("body") if o.get("xmlUrl") is None]
    assert [f.get("text") for f in folders] == ["World", "Regional"]
    world = folders[0]
    assert [o.get("xmlUrl") for o in world] == [SOURCES[0].url, SOURCES[1].url]
    first = world[0]
    assert first.get("type") == "rss"
    assert first.get("text") == first.get("title") == "The Daily Meridian — World"
    assert first.get("htmlUrl") == "https://www.dailymeridian.example/world/"
    assert first.get("category") == "/World"
    assert (first.get("country"), first.get("language"), first.get("lean")) == (
        "GB",
        "en",
        "center",
    )
    loose = [o for o in root.find("body") if o.get("xmlUrl")]
    assert [o.get("xmlUrl") for o in loose] == ["https://vestnik.example/rss"]
    assert loose[0].get("category") is None and loose[0].get("htmlUrl") is None


def test_nameless_source_is_written_with_its_url_as_text():
    out = write_opml([Source(url="https://a.example/rss")])
    (outline,) = etree.fromstring(out).find("body")
    assert outline.get("text") == "https://a.example/rss"
    assert outline.get("title") is None


def test_write_empty_list():
    root = etree.fromstring(write_opml([]))
    assert len(root.find("body")) == 0
    assert read_opml(write_opml([])) == []
