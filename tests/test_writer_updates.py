"""A developing story: a later report of a quantity ("1,500 hectares" after "1,200 hectares")
replaces the earlier figure in the headline, the highlights and the story; reports close in
time are two accounts, and figures of different things are not compared.

Every article here is invented (places, outlets, people and events do not exist).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from newsloom.write import SourceArticle, write_page
from newsloom.write.extractive import quantities, supersedes

T = datetime(2026, 8, 14, 6, 0, tzinfo=UTC)
NOW = T + timedelta(hours=12)

NORTH = """A wildfire in the hills above Korvel has burned 1,200 hectares of forest and scrub, \
the regional fire service said on Friday.
More than 300 firefighters and six water-bombing aircraft were fighting the blaze, which started \
on Thursday afternoon near the village of Dernau.
About 900 residents of Dernau and two nearby hamlets were evacuated overnight, the district \
office said.
Firefighters hoped that weaker winds overnight would let them contain the fire."""
VALLEY = """The Korvel wildfire has burned 1,200 hectares since it broke out on Thursday, fire \
service spokesman Ivo Mertens said.
Strong winds pushed the flames toward Dernau, where about 900 residents were evacuated \
overnight, the district office said.
The cause of the fire was not yet known, Mertens said.
Six water-bombing aircraft joined more than 300 firefighters on the ground on Friday morning."""
COAST = """Firefighters battled a wildfire near Korvel on Friday that has burned 1,200 hectares \
of forest, the regional fire service said.
About 900 people were evacuated from Dernau and two hamlets overnight as strong winds fanned \
the flames.
No injuries have been reported, the fire service said.
Firefighters hoped that weaker winds overnight would let them contain the fire, Mertens said."""
HILL = """The wildfire near Korvel has burned 1,500 hectares and firefighters have contained \
about 40 percent of it, the regional fire service said on Friday evening.
Weaker winds in the afternoon helped more than 300 firefighters and six aircraft slow the \
blaze, fire service spokesman Ivo Mertens said.
Residents of Dernau are not yet allowed to return home, the district office said."""


def earlier() -> list[SourceArticle]:
    return [
        SourceArticle(
            "https://northledger.example/korvel-fire",
            "Korvel wildfire burns 1,200 hectares as 900 evacuated",
            NORTH,
            source="North Ledger",
            published=T,
        ),
        SourceArticle(
            "https://valleypost.example/fire",
            "Wildfire near Korvel burns 1,200 hectares",
            VALLEY,
            source="Valley Post",
            published=T + timedelta(hours=1),
        ),
        SourceArticle(
            "https://coastwire.example/korvel",
            "Wildfire near Korvel has burned 1,200 hectares",
            COAST,
            source="Coast Wire",
            published=T + timedelta(hours=1, minutes=30),
        ),
    ]


UPDATE = SourceArticle(
    "https://hilltimes.example/korvel-update",
    "Firefighters gain ground on wildfire near Korvel",
    HILL,
    source="Hill Times",
    published=T + timedelta(hours=10),
)


def texts(page: dict) -> list[str]:
    return [page["headline"]] + [p["text"] for p in page["highlights"] + page["story"]]


@pytest.fixture(scope="module")
def pages() -> tuple[dict, dict]:
    first = write_page(earlier(), now=T + timedelta(hours=2))
    second = write_page(earlier() + [UPDATE], previous=first, now=NOW)
    return first, second


def test_first_revision_has_the_first_figure(pages):
    first, _ = pages
    assert "1,200 hectares" in first["headline"]
    assert any("1,200 hectares" in p["text"] for p in first["highlights"])


def test_update_replaces_the_figure_everywhere(pages):
    _, second = pages
    assert second["status"] == "complete"
    assert not any("1,200" in t for t in texts(second)), texts(second)
    assert "1,500 hectares" in second["highlights"][0]["text"]
    assert any("1,500 hectares" in p["text"] for p in second["story"])
    # the updated sentence cites the article that reports it, not those with the old figure
    top = second["highlights"][0]
    assert top["citations"] == [UPDATE.url]


def test_headline_with_an_old_figure_is_not_used(pages):
    _, second = pages
    assert "1,200" not in second["headline"]
    assert second["headline"]


def test_newer_title_with_the_new_figure_becomes_the_headline():
    update = replace(UPDATE, title="Korvel wildfire grows to 1,500 hectares, 40 percent contained")
    page = write_page(earlier() + [update], now=NOW)
    assert page["headline"] == "Korvel wildfire grows to 1,500 hectares, 40 percent contained"


def test_reports_close_in_time_are_not_an_update():
    # an hour apart, two figures are two accounts: the earlier one is not withdrawn
    update = replace(UPDATE, published=T + timedelta(hours=2))
    page = write_page(earlier() + [update], now=NOW)
    assert any("1,200 hectares" in t for t in texts(page))


def test_undated_articles_are_never_replaced():
    arts = [replace(a, published=None) for a in earlier()] + [replace(UPDATE, published=None)]
    page = write_page(arts, now=NOW)
    assert any("1,200 hectares" in t for t in texts(page))


def test_quantities_and_supersedes():
    q = quantities("It has burned 1,200 hectares, 40% is contained and 12 people died in 2025.")
    assert q == {
        "burn hectare": {"1200"},
        "cont percent": {"40"},
        "cont people": {"12"},
        "died people": {"12"},
        "dead": {"12"},
    }
    # a toll is one quantity however it is worded, by the casualty word nearest the figure
    assert quantities("The death toll rose to 15 on Tuesday.") == {"dead": {"15"}}
    assert quantities("The landslide hit the village, killing 12.") == {"dead": {"12"}}
    assert quantities("Officials said 15 dead and 40 injured")["injured"] == {"40"}
    assert quantities("The blast destroyed 12 buildings, killing 3")["dead"] == {"3"}
    assert "dead" not in quantities("The blast destroyed 12 buildings")
    assert quantities("A 12-year-old boy was killed") == {}
    assert quantities("Lifts reopen at 15 on Tuesday.") == {}
    assert quantities("About 40 per cent was contained.") == {"cont percent": {"40"}}
    assert quantities("crews contained about 40 percent") == {"cont percent": {"40"}}
    assert supersedes({"burn hectare": {"1500"}}, {"burn hectare": {"1200"}})
    assert not supersedes({"burn hectare": {"1200"}}, {"burn hectare": {"1200"}})
    assert not supersedes({"died people": {"15"}}, {"burn hectare": {"1200"}})
    # "up from 1,200 to 1,500": the earlier figure is repeated, not contradicted
    assert not supersedes({"burn hectare": {"1200", "1500"}}, {"burn hectare": {"1200"}})
    # the same unit, said of other things: 3 arrested, then 12 injured
    arrested = quantities("Police arrested 3 people after protesters blocked the road")
    injured = quantities("Clashes left 12 people injured on Saturday evening")
    assert not supersedes(injured, arrested)


def test_a_later_figure_of_another_kind_replaces_nothing():
    """Three arrests reported in the morning, twelve injured in the evening: both stay."""
    morning = (
        "Police in Varden arrested 3 people after protesters blocked the harbour road on "
        "Saturday, the city police said.\nThe protest was organised by dock workers who oppose "
        "the sale of the port to a private operator."
    )
    also = (
        "Police in Varden arrested 3 people as dock workers blocked the harbour road in protest "
        "at the planned sale of the port, police said.\nThe city council is due to vote on the "
        "sale next month."
    )
    evening = (
        "Clashes between police and protesters on the harbour road in Varden left 12 people "
        "injured on Saturday evening, police said.\nAmbulances took the injured to the city "
        "hospital, where two remained in serious condition."
    )
    arts = [
        SourceArticle(
            "https://alpha.example/varden",
            "Varden police arrest 3 at port protest",
            morning,
            source="Alpha",
            published=T,
        ),
        SourceArticle(
            "https://beta.example/varden",
            "Dock workers block Varden harbour road",
            also,
            source="Beta",
            published=T + timedelta(hours=1),
        ),
        SourceArticle(
            "https://gamma.example/varden",
            "12 injured in Varden harbour clashes",
            evening,
            source="Gamma",
            published=T + timedelta(hours=6),
        ),
    ]
    page = write_page(arts, now=T + timedelta(hours=8))
    shown = " ".join(p["text"] for p in page["story"])
    assert "arrested 3 people" in shown and "left 12 people injured" in shown


def test_a_toll_worded_another_way_replaces_the_first():
    """ "killing 12" in the morning, "the death toll rose to 15" in the evening: one toll,
    updated; the injured, counted beside it, are another quantity and stay."""
    morning = (
        "A landslide buried part of the mountain village of Orsk on Monday, killing 12, the "
        "regional emergency service said.\nRescuers were searching the mud for people still "
        "missing, the service said."
    )
    also = (
        "A landslide swept through the village of Orsk after days of heavy rain on Monday, the "
        "regional emergency service said, and 8 people were taken to hospital with injuries.\n"
        "Rescuers with dogs searched the mud through the afternoon, the service said."
    )
    evening = (
        "The death toll from the landslide in the mountain village of Orsk rose to 15 on "
        "Monday evening, the regional emergency service said.\nThe search for the missing "
        "would go on through the night, the service said."
    )
    arts = [
        SourceArticle(
            "https://alpha.example/orsk",
            "Landslide hits Orsk",
            morning,
            source="Alpha",
            published=T,
        ),
        SourceArticle(
            "https://beta.example/orsk",
            "Landslide in Orsk after heavy rain",
            also,
            source="Beta",
            published=T + timedelta(hours=1),
        ),
        SourceArticle(
            "https://gamma.example/orsk",
            "Orsk landslide toll rises",
            evening,
            source="Gamma",
            published=T + timedelta(hours=8),
        ),
    ]
    page = write_page(arts, now=T + timedelta(hours=9))
    shown = " ".join(texts(page))
    assert "killing 12" not in shown, shown
    assert "rose to 15" in shown
    assert "8 people were taken to hospital" in shown
    # two hours apart, the two figures are two accounts: the first is not withdrawn
    close = [arts[0], arts[1], replace(arts[2], published=T + timedelta(hours=2))]
    shown = " ".join(texts(write_page(close, now=T + timedelta(hours=3))))
    assert "killing 12" in shown, shown
