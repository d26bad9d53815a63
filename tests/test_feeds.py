"""newsloom.ingest.feeds: parse captured-style feed bodies (tests/data/feeds/)."""

from __future__ import annotations

import gzip
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsloom.errors import FeedError
from newsloom.ingest import feeds
from newsloom.ingest.feeds import ParsedFeed, SitemapIndexError, decode_body, parse

DATA = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2024, 5, 7, 12, 0, tzinfo=UTC)


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse_file(name: str, base: str = "https://site.example/feeds/x.xml", ct=None, **kw):
    kw.setdefault("now", NOW)
    return parse(base, load(name), ct, **kw)


def dt(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def by_url(feed: ParsedFeed) -> dict:
    return {e.url: e for e in feed.entries}


# --- formats ------------------------------------------------------------------


def test_rss2():
    feed = parse_file("rss2.xml", "https://www.harbourgazette.example/rss/top.xml")
    assert feed.kind == "rss"
    assert feed.title == "The Harbour Gazette - Top Stories"
    assert feed.link == "https://www.harbourgazette.example/"
    assert feed.language == "en-gb"
    assert feed.warning is None
    assert len(feed.entries) == 3
    assert feed.skipped == 1  # the javascript: link

    first = feed.entries[0]
    assert first.url == (
        "https://www.harbourgazette.example/news/2024/05/07/council-green-harbour-plan"
        "?utm_source=rss"
    )
    assert first.title == "Council approves \u2018green harbour\u2019 plan after marathon session"
    assert first.published == dt(2024, 5, 7, 7, 30)
    assert first.published.tzinfo is UTC
    assert first.author == "Priya Natarajan"
    assert first.guid == "hg-news-118342"
    assert first.language == "en-gb"
    # description (not content:encoded), tags stripped, entities unescaped, whitespace collapsed
    assert first.summary == (
        "Councillors voted 31\u201312 in favour of the plan, which will electrify the ferry"
        " terminal by 2028."
    )

    second = feed.entries[1]
    assert second.url == "https://www.harbourgazette.example/opinion/2024/05/06/ferry-fare-rise"
    assert second.title == "Opinion: Why the ferry fare rise is a mistake"
    assert second.author == "Tomasz Wrobel"  # from "letters@... (Tomasz Wrobel)"
    assert second.summary == "Fares are up 14% & commuters are paying the price."

    third = feed.entries[2]  # permalink guid and no <link>: the guid is the link
    assert third.url == "https://www.harbourgazette.example/weather/2024/05/06/storm-warning"
    assert third.guid == third.url


def test_rss091_with_netscape_doctype():
    feed = parse_file("rss091.xml")
    assert feed.kind == "rss"
    assert feed.title == "Valley Courier Headlines"
    assert feed.language == "en-us"
    assert [e.title for e in feed.entries] == [
        "Mill Road bridge to close for repairs",
        "School board elects new chair",
        "Letters to the editor",
    ]
    assert all(e.published is None for e in feed.entries)
    assert feed.entries[1].summary == "Margaret O'Neill was elected chair on a 5-2 vote."
    assert feed.entries[2].summary is None


def test_rdf10():
    feed = parse_file("rdf10.xml")
    assert feed.kind == "rdf"
    assert feed.title == "Nordlicht Zeitung"
    assert feed.link == "https://nordlicht-zeitung.example/"
    assert feed.language == "de"
    first, second = feed.entries
    assert first.title == "Landtag beschließt Haushalt für 2024"
    assert first.published == dt(2024, 5, 7, 3, 45)
    assert first.author == "Jörg Hansen"
    assert first.language == "de"
    assert second.title == "Werft erhält Großauftrag über drei Fähren"
    assert second.published == dt(2024, 5, 6, 16, 20)


def test_atom():
    feed = parse_file("atom.xml", "https://www.lemessager.example/international/atom.xml")
    assert feed.kind == "atom"
    assert feed.title == "Le Messager \u2014 International"  # type="html": tags gone
    assert feed.link == "https://www.lemessager.example/international/"  # via xml:base
    assert feed.language == "fr-FR"
    first, second, third = feed.entries

    assert first.url == (
        "https://www.lemessager.example/international/article/2024/05/07/"
        "sommet-europeen-energie_88231.html"
    )  # relative to the feed's xml:base, and the alternate link, not the enclosure
    assert first.title == "Sommet européen : accord sur l'énergie"
    assert first.published == dt(2024, 5, 7, 7, 15)  # <published>, not <updated>
    assert first.author == "Claire Dubois"
    assert first.guid == "tag:lemessager.example,2024:88231"
    assert first.summary == "Les Vingt-Sept ont trouvé un compromis sur le prix de l'électricité."
    assert first.language == "fr-FR"

    # entry-level xml:base; xhtml title; content used when there is no summary
    assert second.url == (
        "https://www.lemessager.example/afrique/2024/05/06/elections-senegal_88190.html"
    )
    assert second.title == "Élections au Sénégal : ce qu'il faut savoir"
    assert second.published == dt(2024, 5, 6, 16, 2)  # only <updated>
    assert second.summary == "Le scrutin présidentiel aura lieu dimanche."
    assert second.author is None

    assert third.language == "en"  # the entry's own xml:lang
    assert third.summary is None


def test_jsonfeed():
    feed = parse_file("jsonfeed.json", "https://riversidedispatch.example/feed.json")
    assert feed.kind == "jsonfeed"
    assert feed.title == "Riverside Dispatch"
    assert feed.link == "https://riversidedispatch.example/"
    assert feed.language == "en-US"
    assert feed.skipped == 1  # the item with no url
    assert len(feed.entries) == 4
    water, library, transit, photo = feed.entries

    assert water.title == "Water rates to rise 9% in July"
    assert water.published == dt(2024, 5, 7, 11, 30)  # -05:00 to UTC, date_published
    assert water.summary == "The utility board approved the increase on Monday night."
    assert water.author == "Dana Whitfield"  # 1.1 "authors"
    assert water.guid == "https://riversidedispatch.example/2024/05/07/water-rates"
    assert water.language == "en-US"

    assert library.url == "https://riversidedispatch.example/2024/05/06/library-hours"
    assert library.author == "Sam Ortiz"  # 1.0 "author"
    assert library.summary == "Starting June 1, branches will open on Sundays. More soon."
    assert library.language == "es"
    assert library.guid == "4471"

    assert transit.url == "https://othernews.example/story/regional-transit-plan"  # external_url
    assert transit.author == "Riverside Dispatch staff"  # the feed's author

    assert photo.title is None
    assert photo.published is None  # "not a date"
    assert photo.summary == "Photo of the week: the old mill at dusk."


def test_jsonfeed_10_version_and_numeric_id():
    body = (
        b'{"version": "https://jsonfeed.org/version/1", "title": "T", '
        b'"items": [{"id": 7, "url": "https://a.example/7", "title": "Seven",'
        b' "date_modified": "2024-05-01T10:00:00+02:00"}]}'
    )
    feed = parse("https://a.example/feed.json", body, "application/feed+json", now=NOW)
    assert feed.kind == "jsonfeed"
    (entry,) = feed.entries
    assert entry.guid == "7"
    assert entry.published == dt(2024, 5, 1, 8, 0)


@pytest.mark.parametrize(
    "body, message",
    [
        (b'{"version": "1.0", "items": []}', "is JSON but not a JSON Feed"),
        (b'[{"url": "https://a.example/"}]', "is JSON but not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "is not valid JSON"),
    ],
)
def test_json_that_is_not_a_json_feed(body, message):
    with pytest.raises(FeedError, match=message):
        parse("https://a.example/feed.json", body, "application/json")


def test_news_sitemap():
    feed = parse_file("news-sitemap.xml", "https://www.dailymeridian.example/news-sitemap.xml")
    assert feed.kind == "sitemap"
    assert feed.title == "The Daily Meridian"
    assert feed.link is None
    assert feed.language == "en"
    assert feed.skipped == 2  # an ftp: loc and a url with no loc
    assert [e.url for e in feed.entries] == [
        "https://www.dailymeridian.example/world/2024/05/07/ceasefire-talks-resume",
        "https://www.dailymeridian.example/business/2024/05/07/rate-decision",  # trimmed
        "https://www.dailymeridian.example/sport/2024/05/06/cup-final-report",
    ]  # the repeated ceasefire URL appears once
    talks, rates, cup = feed.entries
    assert talks.title == "Ceasefire talks resume in Cairo & Doha"
    assert talks.published == dt(2024, 5, 7, 9, 30)
    assert talks.language == "en"
    assert rates.published == dt(2024, 5, 7)  # a date alone: midnight UTC
    assert cup.published == dt(2024, 5, 6, 20, 47)  # no seconds, +01:00


def test_plain_sitemap_has_urls_but_no_dates():
    feed = parse_file("plain-sitemap.xml")
    assert feed.kind == "sitemap"
    assert [e.url for e in feed.entries] == [
        "https://smalltown.example/about",
        "https://smalltown.example/news/fair-returns",
    ]
    assert all(e.published is None and e.title is None for e in feed.entries)


def test_sitemap_index_raises_with_children():
    with pytest.raises(SitemapIndexError, match="is a sitemap index listing 3 sitemaps") as info:
        parse_file("sitemap-index.xml", "https://www.dailymeridian.example/sitemap.xml")
    assert isinstance(info.value, FeedError)
    assert info.value.sitemaps == [
        "https://www.dailymeridian.example/sitemaps/news.xml",
        "https://www.dailymeridian.example/sitemaps/2024-05.xml",
        "https://www.dailymeridian.example/sitemaps/2024-04.xml",
    ]


def test_truncated_sitemap_is_read_with_a_warning(caplog):
    body = load("news-sitemap.xml")
    body = body[: body.index(b"<news:title>Cup final")]
    with caplog.at_level(logging.WARNING, logger="newsloom.ingest.feeds"):
        feed = parse("https://www.dailymeridian.example/s.xml", body, now=NOW)
    assert feed.warning
    assert "malformed sitemap" in caplog.text
    assert len(feed.entries) >= 2


def test_empty_channel_is_fine():
    feed = parse_file("empty-channel.xml")
    assert feed.kind == "rss"
    assert feed.title == "Quiet Valley Notes"
    assert feed.entries == []
    assert feed.skipped == 0


# --- lenient parsing and errors -----------------------------------------------


def test_truncated_feed_returns_entries_and_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="newsloom.ingest.feeds"):
        feed = parse_file("truncated.xml")
    assert feed.kind == "rss"
    assert [e.title for e in feed.entries] == [
        "Lifeboat crew rescues two kayakers",
        "Pier restoration wins heritage award",
    ]
    assert feed.warning
    assert "is malformed" in caplog.text


@pytest.mark.parametrize("name", ["html-page.html", "html-no-doctype.html"])
def test_html_page_is_not_a_feed(name):
    url = "https://www.harbourgazette.example/rss"
    with pytest.raises(FeedError) as info:
        parse(url, load(name), "text/html; charset=utf-8")
    assert str(info.value) == f"feeds: {url} is an HTML page, not a feed"


def test_html_fragment_served_as_html():
    with pytest.raises(FeedError, match="is an HTML page, not a feed"):
        parse("https://a.example/", b"<div><p>Moved to our new site</p></div>", "text/html")


@pytest.mark.parametrize("body", [b"", b"   \r\n\t  "])
def test_empty_body(body):
    with pytest.raises(FeedError, match="returned an empty body"):
        parse("https://a.example/rss", body)


def test_empty_file():
    with pytest.raises(FeedError, match="returned an empty body"):
        parse_file("empty.xml")


def test_binary_garbage():
    with pytest.raises(FeedError, match="returned binary data, not a feed"):
        parse_file("garbage.bin", ct="application/rss+xml")


def test_gzip_body_names_the_likely_cause():
    with pytest.raises(FeedError, match="gzip"):
        parse("https://a.example/rss", gzip.compress(load("rss2.xml")), "application/rss+xml")


def test_nul_bytes_are_binary():
    with pytest.raises(FeedError, match="binary data"):
        parse("https://a.example/rss", b"<rss>\x00\x00\x00\x01\x02</rss>")


def test_text_that_is_not_a_feed():
    with pytest.raises(FeedError, match="is not a feed"):
        parse("https://a.example/rss", b"Service temporarily unavailable. Try again later.")


def test_xml_that_is_not_a_feed():
    with pytest.raises(FeedError, match="is not a feed"):
        parse("https://a.example/rss", b'<?xml version="1.0"?><error><code>404</code></error>')


def test_opml_is_not_a_feed():
    opml = b'<?xml version="1.0"?><opml version="2.0"><head/><body/></opml>'
    with pytest.raises(FeedError, match="OPML"):
        parse("https://a.example/list.opml", opml)


def test_bytes_naming_a_file_are_not_opened(tmp_path):
    # feedparser.parse(b"/some/path") would read that file; parse() must not.
    secret = tmp_path / "secret.xml"
    secret.write_bytes(load("rss2.xml"))
    with pytest.raises(FeedError):
        parse("https://a.example/rss", str(secret).encode())


def _hostname() -> str | None:
    try:
        return Path("/etc/hostname").read_text().strip() or None
    except OSError:
        return None


def _all_text(feed: ParsedFeed) -> str:
    parts = [feed.title or "", feed.link or ""]
    for e in feed.entries:
        parts += [e.title or "", e.summary or "", e.url]
    return "\n".join(parts)


@pytest.mark.parametrize("name", ["xxe.xml", "sitemap-xxe.xml"])
def test_entities_are_not_resolved(name):
    feed = parse_file(name)
    text = _all_text(feed)
    assert "lollollol" not in text
    host = _hostname()
    if host:
        assert host not in text
    assert feed.entries[0].url == "https://entities.example/a/1"


# --- items --------------------------------------------------------------------


def test_items_without_links_or_titles():
    feed = parse_file("no-links.xml")
    # no link/guid, a non-permalink guid only, a mailto: link
    assert feed.skipped == 3
    assert [(e.url, e.title) for e in feed.entries] == [
        ("https://fenlandweekly.example/news/untitled-1", None),
        ("https://fenlandweekly.example/news/blank-title", None),
        ("https://fenlandweekly.example/news/good-item", "Good item"),
    ]


def test_duplicates_appear_once():
    feed = parse_file("duplicates.xml", "https://metroledger.example/rss")
    assert [(e.url, e.guid) for e in feed.entries] == [
        ("https://metroledger.example/a/transit-strike", "ml-1001"),  # same link later: dropped
        ("https://metroledger.example/a/budget-vote?ref=rss", "ml-1002"),  # same guid: dropped
        ("https://metroledger.example/a/distinct", "ml-1003"),
    ]  # the relative link resolves to the first URL and is dropped too
    assert feed.skipped == 0
    assert feed.entries[0].title == "Transit strike called off"  # the first one wins


def test_dates():
    feed = parse_file("dates.xml")
    dates = {e.title: e.published for e in feed.entries}
    assert dates == {
        "RFC 822 with offset": dt(2024, 5, 7, 8, 0),
        "Named zone": dt(2024, 5, 7, 9, 0),
        "Unparsable": None,
        "Far future": None,
        "Slightly ahead": dt(2024, 5, 8, 2, 0),  # 14 h ahead of NOW: within 24 h
        "Next week": None,
        "Dublin Core date, no zone": dt(2024, 5, 6, 23, 15),  # no zone: UTC
        "No date at all": None,
    }
    assert all(d is None or d.tzinfo is UTC for d in dates.values())


def test_a_zero_date_is_unknown_and_unix_time_is_read_as_such():
    """A feed found by a QA pass gave `Thu, 01 Jan 1970 00:00:00 +0000` (a zero written as a
    date) and `1764325200` (Unix time, which feedparser reads as a day of the year 1764): both
    were stored as publication dates, so the reports started one-article stories of their own
    in 1970 and 1764 instead of joining their live stories."""
    items = "".join(
        f"<item><title>{title}</title><link>https://a.example/{n}</link>"
        f"<pubDate>{date}</pubDate></item>"
        for n, (title, date) in enumerate(
            [
                ("epoch", "Thu, 01 Jan 1970 00:00:00 +0000"),
                ("epoch east", "Thu, 01 Jan 1970 05:00:00 +0500"),
                ("unix", "1764325200"),
                ("unix ms", "1764325200000"),
                ("real", "Tue, 01 Jun 2021 10:00:00 GMT"),
            ]
        )
    )
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://a.example/</link>{items}</channel></rss>"
    )
    feed = parse("https://a.example/feed", rss.encode(), now=datetime(2026, 1, 1, tzinfo=UTC))
    assert {e.title: e.published for e in feed.entries} == {
        "epoch": None,
        "epoch east": None,
        "unix": dt(2025, 11, 28, 10, 20),
        "unix ms": dt(2025, 11, 28, 10, 20),
        "real": dt(2021, 6, 1, 10, 0),
    }


def test_max_future_hours():
    strict = {e.title: e.published for e in parse_file("dates.xml", max_future_hours=0).entries}
    assert strict["Slightly ahead"] is None
    assert strict["RFC 822 with offset"] == dt(2024, 5, 7, 8, 0)
    loose = parse_file("dates.xml", max_future_hours=24 * 365 * 100)
    assert {e.title: e.published for e in loose.entries}["Far future"] == dt(2100, 1, 1)


def test_naive_now_is_utc():
    feed = parse_file("dates.xml", now=datetime(2024, 5, 7, 12, 0))
    assert {e.title: e.published for e in feed.entries}["Slightly ahead"] == dt(2024, 5, 8, 2)


def test_default_now_drops_far_future_dates():
    feed = parse("https://a.example/", load("dates.xml"))
    assert {e.title: e.published for e in feed.entries}["Far future"] is None


RSS_ITEM = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title><link>https://a.example/</link>
<item><title>{title}</title><link>https://a.example/1</link>
<description>{description}</description></item></channel></rss>"""


@pytest.mark.parametrize(
    "title, expected",
    [
        ("A &lt;b&gt;bold&lt;/b&gt;   move", "A bold move"),
        ("<![CDATA[Cd <i>ata</i> &amp; more]]>", "Cd ata & more"),
        ("AT&amp;amp;T profits", "AT&T profits"),  # escaped twice
        ("&amp;lt;em&amp;gt;Breaking&amp;lt;/em&amp;gt;", "Breaking"),
        (
            "&lt;em&gt;Live&lt;/em&gt;: mayor &lt;a href='/x'&gt;names&lt;/a&gt;, deputy",
            "Live: mayor names, deputy",
        ),
        ("5 &lt; 6 and 7 &gt; 3", "5 < 6 and 7 > 3"),
        ("Caf&#233; &#x2014;\n   news", "Café — news"),
        ("   ", None),
    ],
)
def test_title_cleaning(title, expected):
    body = RSS_ITEM.format(title=title, description="x").encode()
    (entry,) = parse("https://a.example/rss", body, now=NOW).entries
    assert entry.title == expected


def test_long_summary_is_cut():
    words = " ".join(f"word{i}" for i in range(2000))
    body = RSS_ITEM.format(title="t", description=f"&lt;p&gt;{words}&lt;/p&gt;").encode()
    (entry,) = parse("https://a.example/rss", body, now=NOW).entries
    assert len(entry.summary) <= feeds.SUMMARY_MAX_CHARS
    assert entry.summary.endswith("…")
    assert entry.summary.startswith("word0 word1")


def test_script_content_is_not_summary_text():
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1",'
        b' "url": "https://a.example/1", "content_html":'
        b' "<script>var x = 1;</script><style>p{}</style><p>Real text</p>"}]}'
    )
    (entry,) = parse("https://a.example/feed.json", body, now=NOW).entries
    assert entry.summary == "Real text"


# --- character sets -----------------------------------------------------------

LATIN1_TITLES = [
    "Prefeitura anuncia obras na praça São João",
    "Café da região ganha prêmio nacional",
]


@pytest.mark.parametrize(
    "content_type",
    [
        None,  # only the XML declaration says ISO-8859-1
        "text/xml",  # RFC 3023 would say us-ascii
        "application/rss+xml",
        "application/rss+xml; charset=utf-8",  # wrong header
        "text/xml; charset=UTF-8",  # wrong header
    ],
)
def test_latin1_feed(content_type):
    feed = parse_file("latin1.xml", ct=content_type)
    assert feed.title == "Diário da Serra"
    assert [e.title for e in feed.entries] == LATIN1_TITLES
    assert feed.entries[0].summary == "As obras começam em junho e devem durar três meses."


def test_windows1252_declared_as_latin1():
    # Curly quotes, the euro sign and "…" exist in windows-1252, not ISO-8859-1.
    feed = parse_file("windows1252.xml", ct="application/rss+xml")
    assert feed.title == "Le Petit Écho"
    (entry,) = feed.entries
    assert entry.title == "\u201cBudget 2024\u201d : la mairie prévoit 2 M€ d\u2019investissements"
    assert entry.summary == "Le maire a présenté son œuvre… et ses priorités."


@pytest.mark.parametrize(
    "content_type", ["text/xml; charset=iso-8859-1", "application/xml; charset=windows-1252"]
)
def test_utf8_feed_with_wrong_legacy_header_charset(content_type):
    # Valid UTF-8 with non-ASCII bytes is UTF-8, whatever the header says.
    feed = parse_file("rdf10.xml", ct=content_type)
    assert feed.entries[0].title == "Landtag beschließt Haushalt für 2024"


def test_document_declaration_beats_server_default_header():
    # feedparser alone trusts the header here and returns "Ìýðèÿ óòâåðäèëà ...".
    feed = parse_file("cp1251.xml", ct="text/xml; charset=ISO-8859-1")
    assert feed.title == "Вечерний вестник"
    assert feed.entries[0].title == "Мэрия утвердила план ремонта дорог"


def test_header_charset_is_honoured():
    body = load("cp1251.xml").replace(b'encoding="windows-1251"', b"")
    feed = parse("https://vestnik.example/rss", body, "application/rss+xml; charset=windows-1251")
    assert feed.title == "Вечерний вестник"


def test_mostly_utf8_with_a_stray_windows1252_byte():
    # feedparser alone falls back to ISO-8859-2 for the whole body here ("Ĺťegluga").
    feed = parse_file("mixed-encoding.xml", ct="application/rss+xml; charset=utf-8")
    assert feed.title == "Gazeta Północna"
    assert feed.entries[0].title == "Żegluga: nowy prom dla Gdańska"
    assert feed.entries[0].summary == "Wodowanie zaplanowano na wrzesień. Cena: 5€"
    assert feed.entries[1].title == "Łódź ratunkowa na plaży w Sopocie"


def test_utf16_with_bom():
    feed = parse_file("utf16.xml", ct="application/rss+xml")
    assert feed.title == "Ōsaka Shimbun Digest"
    assert feed.entries[0].title == "大阪港で新ターミナル開業"


def test_limitation_mislabelled_single_byte_charset():
    # Documented limitation: windows-1251 bytes labelled windows-1252 everywhere decode
    # without error as windows-1252; without statistical guessing we can't tell.
    body = load("cp1251.xml").replace(b"windows-1251", b"windows-1252")
    feed = parse("https://vestnik.example/rss", body, "text/xml; charset=windows-1252")
    assert feed.title != "Вечерний вестник"
    assert feed.entries[0].url == "https://vestnik.example/news/remont-dorog"


@pytest.mark.parametrize(
    "data, header, text, encoding",
    [
        (b"plain ascii", None, "plain ascii", "ascii"),
        ("naïve".encode(), "iso-8859-1", "naïve", "utf-8"),
        ("naïve".encode("latin-1"), "utf-8", "naïve", "cp1252"),
        (b"\xef\xbb\xbfbom", None, "bom", "utf-8"),
        ("“q”".encode("cp1252"), "iso-8859-1", "“q”", "cp1252"),
        (b"\x81\x8d", None, "\x81\x8d", "latin-1"),  # undefined in windows-1252
        ("€".encode("cp1252"), "no-such-charset", "€", "cp1252"),
    ],
)
def test_decode_body(data, header, text, encoding):
    assert decode_body(data, header) == (text, encoding)


def test_sitemap_loc_is_not_html_unescaped():
    body = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc> https://a.example/story?id=1&amp;not=2&amp;copy=3 </loc></url></urlset>"
    )
    (entry,) = parse("https://a.example/sitemap.xml", body, now=NOW).entries
    assert entry.url == "https://a.example/story?id=1&not=2&copy=3"


def test_hopeless_sitemap():
    with pytest.raises(FeedError, match="malformed sitemap"):
        parse("https://a.example/sitemap.xml", b"<urlset <<<>>> &&&")


def _atom_items(*updated: str) -> bytes:
    items = "".join(
        f"<entry><title>Item {i}</title><link href='https://a.example/{i}'/><id>i{i}</id>"
        f"<published>2024-05-01T0{i}:00:00Z</published><updated>{u}</updated></entry>"
        for i, u in enumerate(updated)
    )
    return (
        f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>T</title>{items}"
        "</feed>"
    ).encode()


def test_an_item_says_when_it_changed_unless_every_item_says_the_same():
    """`updated` tells a correction (newsloom fetches the item again); one time stamped on
    every item is the feed's build time, not a change of each."""
    feed = parse(
        "https://a.example/atom",
        _atom_items("2024-05-02T10:00:00Z", "2024-05-01T01:00:00Z"),
        now=NOW,
    )
    assert [e.updated for e in feed.entries] == [
        datetime(2024, 5, 2, 10, tzinfo=UTC),
        datetime(2024, 5, 1, 1, tzinfo=UTC),
    ]
    built = _atom_items("2024-05-03T08:00:00Z", "2024-05-03T08:00:00Z", "2024-05-03T08:00:00Z")
    feed = parse("https://a.example/atom", built, now=NOW)
    assert [e.updated for e in feed.entries] == [None, None, None]
    assert [e.published.hour for e in feed.entries] == [0, 1, 2]
