"""extract: text and metadata from invented pages in tests/data/pages/ and built here."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsloom.errors import ExtractError
from newsloom.ingest.extract import decode_html, extract, parse_datetime
from newsloom.model import Extracted

PAGES = Path(__file__).parent / "data" / "pages"
URL = "https://www.example-news.test/section/story.html"

PARAGRAPHS = [
    "The city's oldest swimming pool will close for good at the end of the summer, the "
    "leisure trust that runs it announced on Monday, after engineers found cracks in its tank.",
    "The trust said repairing the Victorian building would cost more than building a new pool, "
    "and that it would consult residents on a site for a replacement before the end of the year.",
    "Regular swimmers gathered outside on Monday evening to protest. Many said they had learned "
    "to swim there as children and had taught their own children in the same water.",
    "Councillors from all parties said they would ask the trust to publish the engineers' report "
    "in full so that residents could judge the decision for themselves.",
]


def page(head: str = "", body: str | None = None, html_attrs: str = "") -> str:
    """A small invented article page with extra head markup."""
    if body is None:
        body = (
            "<article><h1>Old pool to close</h1>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
            + "</article>"
        )
    return (
        f"<!DOCTYPE html><html{html_attrs}><head><meta charset='utf-8'>"
        f"<title>Old pool to close</title>{head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"{body}<footer>Contact us</footer></body></html>"
    )


def load(name: str) -> bytes:
    return (PAGES / name).read_bytes()


# --- fixture pages --------------------------------------------------------------------------


def test_news_page_with_jsonld_graph() -> None:
    got = extract(load("news_graph.html"), URL)
    assert isinstance(got, Extracted)
    assert got.url == URL
    # <link rel=canonical> wins over og:url, resolved against the page URL
    assert got.canonical_url == (
        "https://www.example-news.test/news/2023/05/harbour-bridge-reopens?utm_source=feed"
    )
    assert got.title == "Harbour bridge reopens after six-month repair"
    assert got.author == "Marta Okonjo"
    assert got.published == datetime(2023, 5, 16, 7, 30, tzinfo=UTC)
    assert got.published.tzinfo is UTC
    assert got.language == "en"
    assert got.site_name == "The Riverside Courier"
    assert got.image == "https://cdn.riverside-courier.test/img/bridge.jpg"
    assert got.description.startswith("The Old Harbour Bridge carried traffic again")
    assert got.page_types == ["NewsArticle", "ReportageNewsArticle", "article"]
    assert got.section == "Transport"  # JSON-LD articleSection before article:section
    assert got.paywalled is False

    lines = got.text.split("\n")
    assert lines[0].startswith("The Old Harbour Bridge carried traffic again")
    assert lines[-1].startswith("A weight limit of eighteen tonnes")
    assert all(line == line.strip() and line for line in lines)
    assert "\n\n" not in got.text
    for junk in ("do not extract me", "color: red", "Most read", "Copyright 2023", "Took them"):
        assert junk not in got.text


def test_opinion_page_with_jsonld_list_and_broken_block() -> None:
    got = extract(load("opinion_list.html"), URL)
    assert got.page_types == ["OpinionNewsArticle", "article"]  # schema.org prefix removed
    assert got.section == "Opinion"
    assert got.paywalled is False  # "True" is free
    assert got.canonical_url == "https://veilleur-nord.test/opinion/trams-de-nuit"  # og:url
    assert got.author == "Élodie Marchand"  # only in JSON-LD
    assert got.published == datetime(2022, 11, 3, 17, 45, tzinfo=UTC)
    assert got.language == "fr"  # no <html lang>: og:locale / content-language
    assert got.site_name == "Le Veilleur du Nord"
    assert got.title == "Pourquoi les trams de nuit sont une bonne idée"
    assert "métropole" in got.text
    assert "Accueil" not in got.text


def test_paywalled_analysis_page() -> None:
    got = extract(load("paywalled.html"), URL)
    assert got.paywalled is True
    assert got.page_types == ["AnalysisNewsArticle", "article"]
    assert got.published == datetime(2024, 2, 29, 19, 0, tzinfo=UTC)  # -05:00 to UTC
    assert got.author == "Samuel Reyes"
    # no canonical link or og:url: the article's mainEntityOfPage
    assert got.canonical_url == "https://northgate-herald.test/analysis/water-budget"
    assert got.section is None


@pytest.mark.parametrize("header", [None, "utf-8", "iso-8859-1", "no-such-charset"])
def test_latin1_page_decodes_whatever_the_header_says(header: str | None) -> None:
    got = extract(load("latin1.html"), URL, charset=header)
    assert "Hauptstraße" in got.text and "Fußgängerzone" in got.text
    assert "\ufffd" not in got.text
    assert got.title == "Café owners welcome pedestrian zone"
    assert got.language == "de"  # og:locale de_DE
    # no JSON-LD or article:published_time: htmldate reads <meta name="date">
    assert got.published == datetime(2021, 6, 2, tzinfo=UTC)


def test_hostile_page_leaks_no_markup() -> None:
    got = extract(load("hostile.html"), URL)
    assert got.title == "Mayor opens new library"
    assert got.author == "Priya Nandakumar"
    for value in (got.title, got.author, got.text):
        assert "<" not in value and ">" not in value
    assert "alert" not in got.text.lower()
    assert "injected paragraph" not in got.text
    assert "display: none" not in got.text
    assert got.text.startswith("The mayor cut the ribbon")


def test_page_without_article_text_raises() -> None:
    with pytest.raises(
        ExtractError, match=r"^extract: no article text found in https://x\.test/v$"
    ):
        extract(load("no_text.html"), "https://x.test/v")


SHELL = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Marlow Falls bridge: live updates</title>
<meta property="article:published_time" content="2026-11-25T21:30:00+00:00"></head>
<body><nav>Home | World | Local</nav><article><h1>Marlow Falls bridge: live updates</h1>
<time datetime="2026-11-25T21:30:00+00:00">2026-11-25T21:30:00+00:00</time>%s</article>
<footer>(c) Odd Times</footer></body></html>"""


def test_a_page_with_a_headline_a_date_and_a_menu_only_has_no_article_text() -> None:
    """A live page's empty shell: its menu and date are not the article's words (the
    pipeline falls back to what the feed says of it)."""
    with pytest.raises(ExtractError, match="no article text"):
        extract(SHELL % "", "https://odd.example/live")
    one = "<p>Divers found a car in the Arden River below the collapsed bridge on Tuesday.</p>"
    got = extract(SHELL % one, "https://odd.example/live")
    assert "Divers found a car" in got.text


@pytest.mark.parametrize(
    "html",
    ["", b"", "   ", b"\x00\x01\x02\xff\xfe" * 10, "just some words, no markup", "<html></html>"],
)
def test_empty_or_non_html_raises(html: str | bytes) -> None:
    with pytest.raises(ExtractError):
        extract(html, URL)


# --- hostile input built here ---------------------------------------------------------------


def nested_page(depth: int) -> str:
    nested = "<div><span>" * depth + "deep" + "</span></div>" * depth
    return page(
        body=nested + "<article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article>"
    )


def test_nested_tags_within_parser_limits() -> None:
    got = extract(nested_page(100), URL)
    assert got.text.split("\n") == PARAGRAPHS


@pytest.mark.parametrize("depth", [500, 20_000])
def test_deeply_nested_tags_do_not_crash(depth: int) -> None:
    # libxml2 stops building the tree at depth 256: the page is refused, never a crash
    try:
        got = extract(nested_page(depth), URL)
    except ExtractError as exc:
        assert str(exc).startswith("extract: ")
        return
    assert "<" not in got.text


def test_huge_attribute_values_are_capped() -> None:
    head = f"<meta property='og:title' content='{'T' * 1_000_000}'>"
    body = (
        f"<article><p data-x='{'A' * 3_000_000}'>{PARAGRAPHS[0]}</p>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[1:])
        + "</article>"
    )
    got = extract(page(head=head, body=body), URL)
    assert len(got.title) <= 1001
    assert "AAAA" not in got.text
    assert "oldest swimming pool" in got.text


def test_script_in_title_element() -> None:
    html = page().replace(
        "<title>Old pool to close</title>",
        "<title><script>steal()</script><b>Old</b> pool to close</title>",
    )
    got = extract(html, URL)
    assert got.title and "<" not in got.title and "steal" not in got.title


def test_escaped_markup_in_paragraphs_is_dropped() -> None:
    body = (
        "<article>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + (
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;Residents can comment until June.</p>"
            "</article>"
        )
    )
    got = extract(page(body=body), URL)
    assert "Residents can comment until June." in got.text
    assert "<script" not in got.text and "alert(1)" not in got.text


# --- JSON-LD and meta evidence --------------------------------------------------------------


def ld(block: str) -> str:
    return f'<script type="application/ld+json">{block}</script>'


def test_jsonld_graph_haspart_boolean_false_is_paywalled() -> None:
    head = ld(
        '{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},'
        '{"@type":"NewsArticle","isAccessibleForFree":true,'
        '"hasPart":[{"@type":"WebPageElement","isAccessibleForFree":false}]}]}'
    )
    got = extract(page(head=head), URL)
    assert got.paywalled is True
    assert got.page_types == ["NewsArticle"]


@pytest.mark.parametrize("value", ["false", '"false"', '"False"'])
def test_is_accessible_for_free_spellings(value: str) -> None:
    head = ld(f'{{"@type":"Article","isAccessibleForFree":{value}}}')
    assert extract(page(head=head), URL).paywalled is True


def test_locked_content_tier_is_paywalled() -> None:
    head = "<meta property='article:content_tier' content='locked'>"
    assert extract(page(head=head), URL).paywalled is True


def test_free_article_is_not_paywalled() -> None:
    head = ld('{"@type":"NewsArticle","isAccessibleForFree":"true"}')
    assert extract(page(head=head), URL).paywalled is False


def test_tolerant_jsonld_reading() -> None:
    head = (
        ld("{ not json at all")
        + ld("")
        + ld(
            '<!-- {"@type": "BlogPosting", "headline": "x",} -->'
        )  # comment wrapper, trailing comma
        + ld('[{"@type": ["ReviewNewsArticle", "NewsArticle"], "articleSection": ["", "Arts"]}]')
        + ld('{"@type": "Organization", "name": "Not an article"}')
        + ld('{"@type": "http://schema.org/BackgroundNewsArticle"}')
        + ld("[" * 5000 + "]" * 5000)  # absurd nesting
    )
    got = extract(page(head=head), URL)
    assert got.page_types == [
        "BlogPosting",
        "ReviewNewsArticle",
        "NewsArticle",
        "BackgroundNewsArticle",
    ]
    assert got.section == "Arts"


def test_article_section_meta_and_og_type_only() -> None:
    head = (
        "<meta property='og:type' content='article'>"
        "<meta property='article:section' content='Sport'>"
    )
    got = extract(page(head=head), URL)
    assert got.page_types == ["article"]
    assert got.section == "Sport"


def test_jsonld_fills_in_headline_author_and_date() -> None:
    body = "<div>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>"
    html = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        + ld(
            '{"@type":"NewsArticle","headline":"Pool to close &amp; be replaced",'
            '"author":[{"@type":"Person","name":"Ana Ruiz"},{"name":"Tom Bell"},"Kim Lee"],'
            '"datePublished":"2024-07-01T09:15:00+02:00","inLanguage":"es-ES"}'
        )
        + f"</head><body>{body}</body></html>"
    )
    got = extract(html, URL)
    assert got.title == "Pool to close & be replaced"
    assert got.author == "Ana Ruiz, Tom Bell, Kim Lee"
    assert got.published == datetime(2024, 7, 1, 7, 15, tzinfo=UTC)
    assert got.language == "es"


@pytest.mark.parametrize(
    "head",
    [
        "<meta property='article:published_time' content='2022-03-04T05:06:07Z'>",
        "<meta itemprop='datePublished' content='2022-03-04T06:06:07+01:00'>",
    ],
)
def test_meta_published_time(head: str) -> None:
    assert extract(page(head=head), URL).published == datetime(2022, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_date_from_htmldate_when_markup_is_silent() -> None:
    url = "https://www.example-news.test/2020/01/15/old-pool-to-close.html"
    assert extract(page(), url).published == datetime(2020, 1, 15, tzinfo=UTC)
    assert extract(page(), URL).published is None


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            "<link rel='canonical' href='https://example-news.test/a'>",
            "https://example-news.test/a",
        ),
        ("<link rel='Canonical amphtml' href='/b'>", "https://www.example-news.test/b"),
        (
            "<link rel='canonical' href='javascript:x()'><meta property='og:url' content='/c'>",
            "https://www.example-news.test/c",
        ),
        ("<link rel='alternate' href='/d'>", None),
        # a home page declared canonical on an article page is a CMS mistake
        ("<link rel='canonical' href='https://www.example-news.test/'>", None),
        (
            "<link rel='canonical' href='/'><meta property='og:url' content='/e'>",
            "https://www.example-news.test/e",
        ),
    ],
)
def test_canonical_url(head: str, expected: str | None) -> None:
    assert extract(page(head=head), URL).canonical_url == expected


@pytest.mark.parametrize(
    ("attrs", "head", "expected"),
    [
        (" lang='pt-BR'", "", "pt"),
        (" lang='DE'", "", "de"),
        (" lang='x'", "<meta property='og:locale' content='it_IT'>", "it"),
        ("", "<meta http-equiv='content-language' content='nl, en'>", "nl"),
        ("", "", None),
    ],
)
def test_language(attrs: str, head: str, expected: str | None) -> None:
    assert extract(page(head=head, html_attrs=attrs), URL).language == expected


def test_text_drops_leading_title_line() -> None:
    got = extract(page(), URL)
    assert got.title == "Old pool to close"
    assert got.text.split("\n") == PARAGRAPHS


# --- decoding -------------------------------------------------------------------------------

TEXT = "<html><body><p>Größere Straßen, café crème, naïve façade</p></body></html>"


@pytest.mark.parametrize(
    ("data", "header"),
    [
        (TEXT.encode("utf-8"), None),
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8"), "iso-8859-1"),  # server says latin-1, bytes are UTF-8
        (TEXT.encode("cp1252"), None),
        (TEXT.encode("cp1252"), "utf-8"),  # server says UTF-8, bytes are latin-1
        (TEXT.encode("cp1252"), "windows-1252"),
        (TEXT.encode("cp1252"), "bogus"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "iso-8859-1"),
        (TEXT.encode("utf-16"), None),  # BOM
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.replace("<html>", "<html><meta charset=iso-8859-1>").encode("cp1252"), None),
        (
            TEXT.replace(
                "<html>",
                '<html><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
            ).encode("cp1252"),
            None,
        ),
    ],
)
def test_decode_html(data: bytes, header: str | None) -> None:
    text = decode_html(data, header)
    assert "Größere Straßen, café crème, naïve façade" in text
    assert "\ufffd" not in text


def test_decode_html_meta_and_detection_for_other_scripts() -> None:
    ru = "Городской совет утвердил новый бюджет на следующий год. " * 20
    declared = f"<html><head><meta charset='koi8-r'></head><body>{ru}</body></html>"
    assert ru in decode_html(declared.encode("koi8-r"))
    # undeclared: charset_normalizer, not a windows-1252 misreading
    assert ru in decode_html(f"<p>{ru}</p>".encode("cp1251"))
    jp = "市議会は来年度の予算案を可決した。" * 20
    assert jp in decode_html(f"<meta charset=shift_jis><p>{jp}</p>".encode("shift_jis"))


def test_decode_html_never_raises() -> None:
    assert decode_html(b"") == ""
    assert isinstance(decode_html(bytes(range(256)) * 4, "utf-8"), str)
    assert isinstance(decode_html(b"<meta charset='utf-16'>abc"), str)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-05-16T07:30:00Z", datetime(2023, 5, 16, 7, 30, tzinfo=UTC)),
        ("2023-05-16T09:30:00+02:00", datetime(2023, 5, 16, 7, 30, tzinfo=UTC)),
        ("2023-05-16 07:30:00", datetime(2023, 5, 16, 7, 30, tzinfo=UTC)),
        ("2023-05-16", datetime(2023, 5, 16, tzinfo=UTC)),
        ("Tue, 16 May 2023 07:30:00 GMT", datetime(2023, 5, 16, 7, 30, tzinfo=UTC)),
        (["2023-05-16"], datetime(2023, 5, 16, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
        (20230516, None),
    ],
)
def test_parse_datetime(value: object, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected
