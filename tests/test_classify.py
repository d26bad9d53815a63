"""The news/opinion/analysis classifier, on invented examples only."""

from __future__ import annotations

import pytest

from newsloom.config import Settings
from newsloom.ingest.classify import (
    DEFAULT_THRESHOLD,
    classify,
    strip_quotes,
    text_cue_score,
)
from newsloom.model import KINDS

PLAIN_URL = "https://news.example.org/2024/03/05/harbour-bridge-reopens"

OPINION_TEXT = (
    "I have walked across the old harbour bridge every morning for twenty years, and I am "
    "tired of pretending the council knows what it is doing. Why should we pay twice for a "
    "repair that was botched the first time? The whole affair is a disgrace, and frankly the "
    "people responsible must answer for it. You deserve better, and so do your children."
)

NEWS_TEXT = (
    "The harbour bridge reopened to traffic on Tuesday after eight months of repairs, the city "
    "council said in a statement. The work cost 4.2 million dollars, according to council "
    "figures. “I drove across it this morning and I was relieved,” said Maria Lopez, 52, who "
    "commutes from the east bank. “We waited a long time for this, and our business suffered,” "
    "said Tom Reyes, who runs a cafe near the bridge. Officials said the footpath would reopen "
    "next week."
)


def kind_rule(**kw):
    kw.setdefault("url", PLAIN_URL)
    kw.setdefault("title", "Harbour bridge reopens")
    kw.setdefault("text", None)
    c = classify(**kw)
    return c.kind, c.rule


# --- 1. declared --------------------------------------------------------------------------------


def test_declared_kind_wins_over_everything():
    assert kind_rule(
        url="https://x.example/opinion/a",
        declared_kind="analysis",
        page_types=["OpinionNewsArticle"],
    ) == ("analysis", "declared")
    assert kind_rule(declared_kind=" Opinion ") == ("opinion", "declared")


def test_invalid_declared_kind_is_ignored():
    assert kind_rule(url="https://x.example/opinion/a", declared_kind="rant") == (
        "opinion",
        "url:/opinion/",
    )


# --- 2. page types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["NewsArticle", "OpinionNewsArticle"], ("opinion", "jsonld:OpinionNewsArticle")),
        (["https://schema.org/AnalysisNewsArticle"], ("analysis", "jsonld:AnalysisNewsArticle")),
        (["BackgroundNewsArticle"], ("analysis", "jsonld:BackgroundNewsArticle")),
        (["ReviewNewsArticle"], ("opinion", "jsonld:ReviewNewsArticle")),
        (["ReportageNewsArticle"], ("news", "jsonld:ReportageNewsArticle")),
        (["SatiricalArticle"], ("other", "jsonld:SatiricalArticle")),
        (["VideoObject"], ("other", "jsonld:VideoObject")),
        (["video.other"], ("other", "og:video.other")),
        (["og:video.episode"], ("other", "og:video.episode")),
    ],
)
def test_page_types(types, expected):
    assert kind_rule(page_types=types) == expected


def test_page_types_beat_url():
    assert kind_rule(url="https://x.example/opinion/a", page_types=["ReportageNewsArticle"]) == (
        "news",
        "jsonld:ReportageNewsArticle",
    )


def test_embedded_video_does_not_make_an_article_other():
    kind, rule = kind_rule(page_types=["NewsArticle", "VideoObject", "article"])
    assert kind == "news" and not rule.startswith("jsonld")


# --- 3. URL -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/opinion/the-bridge-we-deserve", ("opinion", "url:/opinion/")),
        ("/2024/03/05/opinion/bridge.html", ("opinion", "url:/opinion/")),
        ("/opinions/2024/03/05/bridge/", ("opinion", "url:/opinions/")),
        ("/commentary/bridge", ("opinion", "url:/commentary/")),
        ("/opinion/editorials/bridge", ("opinion", "url:/opinion/")),
        ("/editorials/bridge", ("opinion", "url:/editorials/")),
        ("/columnists/jdoe/2024/03/05/bridge", ("opinion", "url:/columnists/")),
        ("/column/bridge", ("opinion", "url:/column/")),
        ("/op-ed/bridge", ("opinion", "url:/op-ed/")),
        ("/oped/bridge", ("opinion", "url:/oped/")),
        ("/letters/bridge", ("opinion", "url:/letters/")),
        ("/voices/bridge", ("opinion", "url:/voices/")),
        ("/perspectives/bridge", ("opinion", "url:/perspectives/")),
        ("/views/bridge", ("opinion", "url:/views/")),
        ("/commentisfree/2024/mar/05/bridge", ("opinion", "url:/commentisfree/")),
        ("/analysis/bridge", ("analysis", "url:/analysis/")),
        ("/news-analysis/bridge", ("analysis", "url:/news-analysis/")),
        ("/explainer/bridge", ("analysis", "url:/explainer/")),
        ("/fact-check/bridge-claims", ("analysis", "url:/fact-check/")),
        ("/video/bridge-reopens", ("other", "url:/video/")),
        ("/podcasts/episode-12", ("other", "url:/podcasts/")),
        ("/quiz/bridge", ("other", "url:/quiz/")),
        ("/news/opinion-the-bridge-we-deserve", ("opinion", "url:slug:opinion")),
        ("/bridge-repairs-went-wrong-opinion-1234567", ("opinion", "url:slug:opinion")),
        ("/News/OPINION/bridge", ("opinion", "url:/opinion/")),
    ],
)
def test_url_segments(path, expected):
    assert kind_rule(url="https://news.example.org" + path) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/reviews/best-bridges",  # not /views/
        "/live/bridge-reopening-updates",  # live coverage is news
        "/obituaries/jane-doe",
        "/news/opinionated-chef-opens-restaurant",  # a slug word, not the opinion- prefix
        "/news/analysis-finds-bridge-safe",  # analysis in a slug is not decisive
        "/world/europe/bridge",
    ],
)
def test_url_non_matches(path):
    _, rule = kind_rule(url="https://news.example.org" + path)
    assert not rule.startswith("url:")


def test_blog_segment_only_adds_a_cue():
    url = "https://news.example.org/blogs/harbour/bridge"
    c = classify(url=url, title="Harbour bridge reopens", text=NEWS_TEXT)
    assert c.kind == "news" and c.rule.startswith("text:")
    plain = classify(url=PLAIN_URL, title="Harbour bridge reopens", text=NEWS_TEXT)
    assert c.score > plain.score
    assert "blog_url" in c.rule


# --- 4. section ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("Opinion", ("opinion", "section:Opinion")),
        ("Opinion > Columnists", ("opinion", "section:Opinion > Columnists")),
        ("Commentary", ("opinion", "section:Commentary")),
        ("Editorials", ("opinion", "section:Editorials")),
        ("Letters to the Editor", ("opinion", "section:Letters to the Editor")),
        ("News Analysis", ("analysis", "section:News Analysis")),
        ("Analysis", ("analysis", "section:Analysis")),
        ("Video", ("other", "section:Video")),
    ],
)
def test_section(section, expected):
    assert kind_rule(section=section) == expected


@pytest.mark.parametrize("section", ["Politics", "Reviews", "World News", "", None])
def test_section_non_matches(section):
    _, rule = kind_rule(section=section)
    assert not rule.startswith("section:")


def test_url_beats_section():
    assert kind_rule(url="https://x.example/analysis/a", section="Opinion") == (
        "analysis",
        "url:/analysis/",
    )


# --- 5. title -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Opinion: The bridge we deserve", ("opinion", "title:Opinion")),
        ("OPINION | The bridge we deserve", ("opinion", "title:Opinion")),
        ("Opinion - The bridge we deserve", ("opinion", "title:Opinion")),
        ("Column: The bridge we deserve", ("opinion", "title:Column")),
        ("Column | The bridge we deserve", ("opinion", "title:Column")),
        ("Editorial: Fix the bridge", ("opinion", "title:Editorial")),
        ("Commentary: Fix the bridge", ("opinion", "title:Commentary")),
        ("Letter: Fix the bridge", ("opinion", "title:Letter")),
        ("Op-Ed: Fix the bridge", ("opinion", "title:Op-ed")),
        ("Perspective | Fix the bridge", ("opinion", "title:Perspective")),
        ("Review: A bridge too far, on stage", ("opinion", "title:Review")),
        ("Fix the bridge | Opinion", ("opinion", "title:Opinion")),
        ("Fix the bridge - Opinion - The Daily Example", ("opinion", "title:Opinion")),
        ("Fix the bridge (Opinion)", ("opinion", "title:Opinion")),
        ("Analysis: What the bridge vote means", ("analysis", "title:Analysis")),
        ("ANALYSIS: What the bridge vote means", ("analysis", "title:Analysis")),
        ("News analysis: What the bridge vote means", ("analysis", "title:News analysis")),
        ("Explainer: How a bridge is inspected", ("analysis", "title:Explainer")),
        ("Fact check: Did the bridge cost 4 million?", ("analysis", "title:Fact check")),
        ("Watch: The bridge reopens", ("other", "title:Watch")),
        ("Podcast: Bridges of the world", ("other", "title:Podcast")),
    ],
)
def test_title_labels(title, expected):
    assert kind_rule(title=title) == expected


@pytest.mark.parametrize(
    "title",
    [
        "Analysis finds bridge safe to reopen",
        "Opinionated chef opens restaurant by the bridge",
        "Council reviews bridge columns after inspection",
        "Harbour bridge reopens - The Daily Example",
    ],
)
def test_title_non_matches(title):
    _, rule = kind_rule(title=title)
    assert not rule.startswith("title:")


def test_section_beats_title():
    assert kind_rule(title="Analysis: x", section="Opinion") == ("opinion", "section:Opinion")


# --- 6. text cues -------------------------------------------------------------------------------


def test_strip_quotes_removes_quoted_speech():
    s = strip_quotes("He said “I am here” and ‘we won’, then \"you lose\" and 'our turn'.")
    assert "I am" not in s and "we won" not in s and "you lose" not in s and "our turn" not in s
    assert s.startswith("He said") and s.rstrip().endswith(".")


def test_strip_quotes_keeps_apostrophes_and_runs_open_quotes_to_paragraph_end():
    s = strip_quotes("The mayor’s plan isn’t new.\n\n“I will finish it,\n\nsaid the mayor.")
    assert "mayor’s plan isn’t new." in s
    assert "I will" not in s
    assert "said the mayor." in s


def test_invented_opinion_paragraph_is_opinion():
    c = classify(url=PLAIN_URL, title="The council has failed us on the bridge", text=OPINION_TEXT)
    assert c.kind == "opinion"
    assert c.rule.startswith("text:score=")
    assert c.score is not None and c.score >= DEFAULT_THRESHOLD
    score, cues = text_cue_score("The council has failed us on the bridge", OPINION_TEXT)
    assert score == c.score
    for cue in (
        "first_person_singular",
        "first_person_plural",
        "second_person",
        "modal",
        "question",
        "evaluative",
    ):
        assert cue in cues, cue
    assert all(v > 0 for v in cues.values())


def test_invented_news_paragraph_with_quoted_first_person_is_news():
    c = classify(url=PLAIN_URL, title="Harbour bridge reopens after repairs", text=NEWS_TEXT)
    assert c.kind == "news"
    assert c.rule.startswith("text:score=")
    score, cues = text_cue_score("Harbour bridge reopens after repairs", NEWS_TEXT)
    assert score < 0.3
    # "I drove", "We waited", "our business" are inside quotes: not the writer's voice.
    assert "first_person_singular" not in cues
    assert "first_person_plural" not in cues


def test_same_words_outside_quotes_do_count():
    unquoted = NEWS_TEXT.replace("“", "").replace("”", "")
    _, cues = text_cue_score("Harbour bridge reopens", unquoted)
    assert "first_person_singular" in cues and "first_person_plural" in cues


def test_roman_numeral_and_country_are_not_pronouns():
    text = (
        "Veterans of World War I were honoured at the bridge. The US and Canada sent "
        "delegations, officials said."
    )
    _, cues = text_cue_score("Veterans honoured", text)
    assert "first_person_singular" not in cues and "first_person_plural" not in cues


def test_headline_quoting_a_named_speaker_is_not_first_person():
    _, cues = text_cue_score("Jane Doe: I will not resign over bridge", NEWS_TEXT)
    assert "title_person" not in cues
    _, cues = text_cue_score("Why we should keep the old bridge", None)
    assert "title_person" in cues and "title_why" in cues


def test_question_in_quotes_is_not_rhetorical():
    text = "“Who will pay for it?” asked a resident at the meeting on Monday, the council said."
    _, cues = text_cue_score("Meeting on bridge", text)
    assert "question" not in cues
    _, cues = text_cue_score("Meeting on bridge", "Who will pay for it? Nobody, it seems.")
    assert "question" in cues


def test_score_is_in_unit_interval_and_threshold_is_honoured():
    for title, text in [(None, OPINION_TEXT), ("x", NEWS_TEXT), ("Why?", "Why? Why! I, we, you.")]:
        score, _ = text_cue_score(title, text)
        assert 0.0 <= score <= 1.0
    assert classify(url=PLAIN_URL, title="x", text=NEWS_TEXT, threshold=0.0).kind == "opinion"
    assert classify(url=PLAIN_URL, title="x", text=OPINION_TEXT, threshold=1.0).kind == "news"


def test_nothing_to_go_on_is_news_by_default():
    c = classify(url="", title=None, text=None)
    assert (c.kind, c.rule, c.score) == ("news", "default", None)
    assert text_cue_score(None, None) == (0.0, {})


def test_title_only_uses_text_cues():
    c = classify(url=PLAIN_URL, title="Harbour bridge reopens", text=None)
    assert c.kind == "news" and c.rule.startswith("text:score=")


def test_default_threshold_matches_settings():
    assert Settings().opinion_threshold == DEFAULT_THRESHOLD


@pytest.mark.parametrize("text", [OPINION_TEXT, NEWS_TEXT, "", "?!", "I"])
def test_kind_is_always_valid(text):
    assert classify(url="not a url", title=text, text=text).kind in KINDS


def test_only_the_lead_is_read():
    filler = "The council met again on Tuesday and approved the budget, officials said. " * 30
    tail = "I think we should all be ashamed. Why do you put up with this? It is a disgrace!"
    score_long, cues = text_cue_score("Council approves budget", filler + tail)
    assert "first_person_singular" not in cues and "question" not in cues
    score_short, _ = text_cue_score("Council approves budget", tail)
    assert score_short > score_long
