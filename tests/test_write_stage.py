"""Story pages in the pipeline: written once, revised when the story changes, exported."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "data" / "cluster"))
from events import ARTICLES  # noqa: E402
from helpers import cli  # noqa: E402
from helpers import write_jsonl as write  # noqa: E402

PAGE_FIELDS = {
    "headline",
    "tone",
    "highlights",
    "story",
    "opinions",
    "sources",
    "one_sided",
    "timeline",
    "changes",
    "writer",
    "page_status",
    "page_revision",
}


def stories(settings) -> dict[str, dict]:
    out = {}
    for line in cli(settings, "export", "stories").splitlines():
        story = json.loads(line)
        key = next(a["id"] for a in story["articles"])[0]  # the event letter of its articles
        out[key] = story
    return out


def test_pages_are_written_revised_and_exported(db_settings, tmp_path):
    first = [a for a in ARTICLES if a["id"] != "c3"]
    cli(db_settings, "import", str(write(tmp_path / "a.jsonl", first)))
    cli(db_settings, "cluster")
    assert "wrote 5 story pages" in cli(db_settings, "write")
    assert "wrote 0 story pages (0 marked not enough material), 0 unchanged" in cli(
        db_settings, "write"
    )

    pages = stories(db_settings)
    c = pages["c"]
    assert PAGE_FIELDS <= set(c)
    assert c["page_status"] == "complete" and c["page_revision"] == 1
    assert c["status"] == "settled" and c["opinions"] == []
    urls = {a["url"] for a in c["articles"]}
    for part in c["highlights"] + c["story"]:
        assert part["citations"] and set(part["citations"]) <= urls

    # the opinion piece arrives: only that story gets a new revision, with what changed
    cli(
        db_settings,
        "import",
        str(write(tmp_path / "b.jsonl", [a for a in ARTICLES if a["id"] == "c3"])),
    )
    cli(db_settings, "cluster")
    out = cli(db_settings, "write")
    assert "wrote 1 story pages" in out and "4 unchanged" not in out
    c2 = stories(db_settings)["c"]
    assert c2["page_revision"] == 2
    assert [o["url"] for o in c2["opinions"]] == [
        "https://gammareview.example/opinion/varland-rates"
    ]
    assert c2["changes"]

    story_id = c2["id"]
    assert f"story {story_id}: written" in cli(db_settings, "write", "--story", story_id, "--force")
    assert stories(db_settings)["c"]["page_revision"] == 3


def test_single_outlet_stories_get_no_page(db_settings, tmp_path):
    rows = [a for a in ARTICLES if a["id"] == "e1"]
    cli(db_settings, "import", str(write(tmp_path / "e.jsonl", rows)))
    cli(db_settings, "cluster")
    assert "wrote 0 story pages" in cli(db_settings, "write")
    (story,) = stories(db_settings).values()
    assert story["page_status"] is None and "headline" not in story


def test_summarize_groups_by_story_and_stores_nothing(settings, tmp_path):
    src = write(tmp_path / "in.jsonl", ARTICLES)
    out = cli(settings, "summarize", str(src))
    pages = {p["input_story"]: p for p in map(json.loads, out.splitlines())}
    assert set(pages) == {"A", "B", "C", "D", "E"}
    a = pages["A"]
    assert a["status"] == "complete" and a["headline"]
    assert {s["outlet"] for s in a["sources"]} >= {"Alpha Post", "Beta Daily", "Nordblatt"}
    assert not (settings.data_dir / "newsloom.db").exists()

    ungrouped = write(
        tmp_path / "one.jsonl",
        [{k: v for k, v in r.items() if k != "story"} for r in ARTICLES if r["story"] == "D"],
    )
    (page,) = map(json.loads, cli(settings, "summarize", str(ungrouped)).splitlines())
    assert page["input_story"] is None and len(page["sources"]) == 3
