"""Story clustering end to end: import -> cluster -> export stories, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from newsloom.store import stories as store_stories
from newsloom.store.db import open_store, transaction

sys.path.insert(0, str(Path(__file__).parent / "data" / "cluster"))
from events import ARTICLES, COMMENT_B  # noqa: E402
from helpers import cli, recluster_stopped_after_a_batch  # noqa: E402
from helpers import write_jsonl as write  # noqa: E402

EXPECTED = sorted(
    sorted(a["id"] for a in ARTICLES if a["story"] == s) for s in {a["story"] for a in ARTICLES}
)


def exported(settings) -> list[dict]:
    return [json.loads(x) for x in cli(settings, "export", "stories").splitlines()]


def partition(stories: list[dict]) -> list[list[str]]:
    return sorted(sorted(a["id"] for a in s["articles"]) for s in stories)


def test_fixture_gives_exactly_the_expected_stories(db_settings, tmp_path):
    cli(db_settings, "import", str(write(tmp_path / "events.jsonl", ARTICLES)))
    out = cli(db_settings, "cluster")
    assert f"clustered {len(ARTICLES)} articles:" in out
    stories = exported(db_settings)
    assert partition(stories) == EXPECTED

    a = next(s for s in stories if any(x["id"] == "a1" for x in s["articles"]))
    assert a["article_count"] == 5 and a["outlet_count"] == 5
    assert a["first_seen"].startswith("2026-11-19T09:00:00")
    assert a["status"] == "settled"  # no news for more than a day
    assert len(a["id"]) == 10
    wire = next(x for x in a["articles"] if x["id"] == "a3")
    assert wire["duplicate_of"] == "https://alphapost.example/news/marenholt-barrier"
    assert [x["id"] for x in a["articles"]] == ["a1", "a2", "a3", "a4", "a5"]  # by time
    assert set(a["articles"][0]) == {
        "url",
        "id",
        "title",
        "source",
        "kind",
        "language",
        "published",
        "duplicate_of",
        "reason",
    }
    # the languages the feeds declared (de, es), and the one the English reports' text reads as
    assert {x["language"] for x in a["articles"]} == {"en", "de", "es"}
    # each article says why it is in the story, in the assigner's words
    reasons = {x["id"]: x["reason"] for x in a["articles"]}
    assert reasons["a1"].startswith("new")
    assert reasons["a2"].startswith("joined: vec=")
    # the wire copy names its original as the export does, by URL
    assert reasons["a3"] == "duplicate of https://alphapost.example/news/marenholt-barrier"
    assert any("other language" in reasons[k] for k in ("a4", "a5"))
    c = next(s for s in stories if any(x["id"] == "c3" for x in s["articles"]))
    assert {x["id"]: x["kind"] for x in c["articles"]}["c3"] == "opinion"


def test_a_comment_joins_the_story_it_argues_about(db_settings, tmp_path):
    """The classifier's kind reaches the clusterer: an opinion piece that shares a name and few
    words with the reports (it would stand alone as news) joins their story, and says why."""
    cli(db_settings, "import", str(write(tmp_path / "events.jsonl", [*ARTICLES, COMMENT_B])))
    cli(db_settings, "cluster")
    stories = exported(db_settings)
    b = next(s for s in stories if any(x["id"] == "b3" for x in s["articles"]))
    assert sorted(x["id"] for x in b["articles"]) == ["b1", "b2", "b3"]
    comment = next(x for x in b["articles"] if x["id"] == "b3")
    assert comment["kind"] == "opinion"
    assert "commentary=-" in comment["reason"]
    assert partition([s for s in stories if s is not b]) == [g for g in EXPECTED if "b1" not in g]


def test_recluster_is_deterministic_and_online_matches_batch(db_settings, tmp_path):
    half = len(ARTICLES) // 2
    by_time = sorted(ARTICLES, key=lambda a: a["published"])
    cli(db_settings, "import", str(write(tmp_path / "first.jsonl", by_time[:half])))
    cli(db_settings, "cluster")
    cli(db_settings, "import", str(write(tmp_path / "second.jsonl", by_time[half:])))
    cli(db_settings, "cluster")  # a new process: the window state is rebuilt from the database
    online = exported(db_settings)
    assert partition(online) == EXPECTED

    cli(db_settings, "recluster")
    first = exported(db_settings)
    cli(db_settings, "recluster")
    second = exported(db_settings)

    def without_clock(stories):  # `updated` is when the row last changed: wall-clock time
        return [{k: v for k, v in s.items() if k != "updated"} for s in stories]

    assert without_clock(first) == without_clock(second)  # same input, same stories, same ids
    assert {s["id"] for s in first} == {s["id"] for s in online}

    cli(db_settings, "recluster", "--since", "2026-11-19T12:00")
    assert partition(exported(db_settings)) == EXPECTED
    # the same moment with an offset, as the import format writes times
    cli(db_settings, "recluster", "--since", "2026-11-19T13:00:00+01:00")
    assert without_clock(exported(db_settings)) == without_clock(first)
    out = cli(db_settings, "recluster", "--since", "19/11/2026", check=False)
    assert "'19/11/2026' is not a date: use 2026-05-03 or 2026-05-03T08:00:00Z" in out


def test_merge_keeps_the_older_id_and_redirects_the_other(db_settings, tmp_path):
    cli(db_settings, "import", str(write(tmp_path / "events.jsonl", ARTICLES)))
    cli(db_settings, "cluster")
    engine = open_store(db_settings)
    stories = exported(db_settings)
    older = next(s for s in stories if any(x["id"] == "d1" for x in s["articles"]))
    newer = next(s for s in stories if any(x["id"] == "e1" for x in s["articles"]))
    with transaction(engine) as conn:
        old_id, _ = store_stories.resolve(conn, older["id"])
        new_id, _ = store_stories.resolve(conn, newer["id"])
        store_stories.merge(conn, new_id, old_id)
        store_stories.refresh_counts(conn, {old_id})
    with engine.connect() as conn:
        assert store_stories.resolve(conn, newer["id"]) == (old_id, older["id"])
    after = {s["id"]: s for s in exported(db_settings)}
    assert newer["id"] not in after
    assert after[older["id"]]["merged_ids"] == [newer["id"]]
    assert after[older["id"]]["article_count"] == 5
    engine.dispose()


def test_status_developing_for_fresh_news(db_settings, tmp_path):
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    rows = [dict(a, published=now) for a in ARTICLES if a["story"] == "E"]
    cli(db_settings, "import", str(write(tmp_path / "e.jsonl", rows)))
    cli(db_settings, "cluster")
    (story,) = exported(db_settings)
    assert story["status"] == "developing"


#: An arrival order that once split the German article off: it came before most of the
#: English coverage, so it had nothing in its language to join; the Spanish one, later,
#: joined the English story and (with the bridge) brings the German one along.
TRICKLE = ["e2", "d1", "a1", "e1", "b2", "b1", "a4", "c2", "c1", "d2", "a5", "a2", "d3", "c3"]
TRICKLE += ["a3"]


def test_articles_trickling_in_out_of_order_still_form_the_events(engine, db_settings, tmp_path):
    """Clustered one by one as they arrive (not in time order), the stories are the events."""
    from newsloom.pipeline import Clusterer, Ingestor, import_file

    by_id = {a["id"]: a for a in ARTICLES}
    ingestor, clusterer = Ingestor(engine, db_settings), Clusterer(engine, db_settings)
    for art in TRICKLE:
        import_file(
            engine, db_settings, write(tmp_path / f"{art}.jsonl", [by_id[art]]), ingestor=ingestor
        )
        clusterer.run()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT external_id, story_id, story_reason FROM articles")).all()
    groups: dict[int, list[str]] = {}
    for row in rows:
        groups.setdefault(row.story_id, []).append(row.external_id)
    assert sorted(sorted(g) for g in groups.values()) == EXPECTED
    assert any("joined across languages" in (r.story_reason or "") for r in rows)
    # a reason names stories by their public ids, as in /t/<id>, never by internal keys
    with engine.connect() as conn:
        public = set(conn.execute(text("SELECT short_id FROM stories")).scalars())
    named = [
        m for r in rows for m in re.findall(r"\bstory (\S+?)[:;, ]", (r.story_reason or "") + " ")
    ]
    assert named and set(named) <= public, (named, [r.story_reason for r in rows])


def test_a_vector_from_another_embedder_is_recomputed(db_settings, tmp_path):
    """Stored vectors remember their embedder: one made by another model (of the same size,
    so the dimension cannot tell) is embedded again before it is compared."""
    import numpy as np

    cli(db_settings, "import", str(write(tmp_path / "events.jsonl", ARTICLES)))
    cli(db_settings, "cluster")
    engine = open_store(db_settings)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT DISTINCT vector_model FROM articles")).scalars().all()
    assert rows == ["use-multilingual"]
    noise = np.random.default_rng(0).normal(size=512).astype(np.float32)
    noise /= np.linalg.norm(noise)
    with transaction(engine) as conn:  # another model's vector for every article of story A
        conn.execute(
            text("UPDATE articles SET vector = :v, vector_model = 'st:other' WHERE url LIKE :u"),
            {"v": noise.tobytes(), "u": "%barrier%"},
        )
        other = "SELECT count(*) FROM articles WHERE vector_model = 'st:other'"
        assert conn.execute(text(other)).scalar() == 3
    cli(db_settings, "recluster")
    assert partition(exported(db_settings)) == EXPECTED  # the noise was never used
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT DISTINCT vector_model FROM articles")).scalars().all()
        stored = conn.execute(text("SELECT vector FROM articles WHERE url LIKE '%barrier%'"))
        assert all(bytes(v) != noise.tobytes() for v in stored.scalars())
    assert rows == ["use-multilingual"]
    engine.dispose()


def _week_earlier(rows: list[dict]) -> list[dict]:
    """The same events a week earlier, under other URLs and ids."""
    out = []
    for a in rows:
        when = datetime.fromisoformat(a["published"].replace("Z", "+00:00")) - timedelta(days=7)
        changed = {"url": a["url"] + "-week-before", "id": a["id"] + "-old"}
        out.append(dict(a, **changed, published=when.isoformat(), story=a["story"] + "-old"))
    return out


def test_articles_older_than_the_live_window_join_the_stories_of_their_time(db_settings, tmp_path):
    """A backfill (an archive imported after live running, a new source's older items) is
    placed among the stories of its own time, not left as one story per article."""
    old = _week_earlier(ARTICLES)
    late = next(a for a in old if a["id"] == "a2-old")
    expected = sorted(
        sorted(a["id"] for a in ARTICLES + old if a["story"] == s)
        for s in {a["story"] for a in ARTICLES + old}
    )
    cli(db_settings, "import", str(write(tmp_path / "new.jsonl", ARTICLES)))
    cli(db_settings, "cluster")
    cli(
        db_settings, "import", str(write(tmp_path / "old.jsonl", [a for a in old if a is not late]))
    )
    out = cli(db_settings, "cluster")
    assert f"clustered {len(old) - 1} articles: 5 new stories" in out
    cli(db_settings, "import", str(write(tmp_path / "late.jsonl", [late])))
    cli(db_settings, "cluster")  # later still: joins its week-old story
    incremental = exported(db_settings)
    assert partition(incremental) == expected
    a_old = next(s for s in incremental if any(x["id"] == "a1-old" for x in s["articles"]))
    assert a_old["first_seen"].startswith("2026-11-12T09:00:00")
    cli(db_settings, "recluster")  # the same stories as clustering everything in time order
    assert partition(exported(db_settings)) == expected


def test_recluster_keeps_the_pages_and_times_of_stories_it_rebuilds_unchanged(
    db_settings, tmp_path
):
    """A recluster that gives a story back the articles it had changes nothing a reader sees:
    the same id, page and revision, the same `updated` time, and no page to write again."""
    cli(db_settings, "import", str(write(tmp_path / "events.jsonl", ARTICLES)))
    cli(db_settings, "cluster")
    cli(db_settings, "write")
    before = {s["id"]: s for s in exported(db_settings)}
    assert any(s["page_revision"] == 1 for s in before.values())

    assert "every story has the articles it had" in cli(db_settings, "recluster")
    assert {s["id"]: s for s in exported(db_settings)} == before
    assert "wrote 0 story pages (0 marked not enough material), 0 unchanged" in cli(
        db_settings, "write"
    )
    assert {s["id"]: s for s in exported(db_settings)} == before


def test_recluster_deletes_the_stories_that_no_longer_exist(db_settings, tmp_path):
    """Clustered with a one-hour window, event A's reports hours apart start stories of their
    own; reclustered with the default window they are one story again, and the stories that
    are gone redirect to it, also when the recluster stopped before it could tidy up."""
    cli(db_settings, "import", str(write(tmp_path / "events.jsonl", ARTICLES)))
    cli(db_settings, "cluster", NEWSLOOM_CLUSTER_WINDOW_HOURS="1")
    cli(db_settings, "write", NEWSLOOM_MIN_OUTLETS="1")
    narrow = {s["id"] for s in exported(db_settings)}
    assert len(narrow) > len(EXPECTED)

    engine = open_store(db_settings)
    # stopped after the last batch is committed, before the sweep
    recluster_stopped_after_a_batch(db_settings, engine)
    cli(db_settings, "cluster")  # the next run finishes the job
    stories = exported(db_settings)
    assert partition(stories) == EXPECTED
    with engine.connect() as conn:
        left = (
            conn.execute(text("SELECT short_id FROM stories WHERE merged_into IS NULL"))
            .scalars()
            .all()
        )
        pages = conn.execute(text("SELECT DISTINCT story_id FROM story_pages")).scalars().all()
        ids = conn.execute(text("SELECT id FROM stories")).scalars().all()
        prior = conn.execute(
            text("SELECT count(*) FROM articles WHERE prior_story_id IS NOT NULL")
        ).scalar()
        # a vanished story's id redirects to the story that took its articles, as a merge's
        # does: a link to it that a reader shared keeps working
        moved = {sid: store_stories.resolve(conn, sid)[1] for sid in narrow - set(left)}
    assert sorted(left) == sorted(s["id"] for s in stories)  # no empty story stays live
    assert set(pages) <= set(ids)
    assert prior == 0
    assert {s["id"] for s in stories} <= narrow  # each story kept the id of its first article
    a = next(s for s in stories if any(x["id"] == "a1" for x in s["articles"]))
    assert moved and set(moved.values()) <= set(left), moved
    assert a["merged_ids"] and set(a["merged_ids"]) <= set(moved)
    assert sorted(m for s in stories for m in s["merged_ids"]) == sorted(moved)
    engine.dispose()


#: Event D's second day: the rail strike's follow-up, 19.5 hours after its last report.
STRIKE_DAY_TWO = {
    "id": "d4",
    "source": "Echo Herald",
    "url": "https://echoherald.example/world/rail-strike-day-two",
    "published": "2026-11-20T08:00:00Z",
    "title": "Norland rail strike enters second day as Norbane and ROK union stay apart",
    "text": "Most trains in Norland stayed in their depots on Friday, the second day of the "
    "48-hour strike by the ROK union over pay. Norbane said its 4 percent offer stood; the "
    "union said wages had fallen 12 percent behind inflation. Bus queues in Vessby were "
    "shorter than on Thursday as many commuters worked from home.",
}


def _days_later(rows: list[dict], days: float) -> list[dict]:
    """The same reports ``days`` later, under other URLs and ids: the cup final of event E
    3 days 1.5 hours later is a story of its own (its first report comes just after the old
    one leaves the 72-hour window), and the newest news then, 63.5 hours after the strike's
    second day, 83 after its first."""
    out = []
    for a in rows:
        when = datetime.fromisoformat(a["published"].replace("Z", "+00:00")) + timedelta(days=days)
        changed = {"url": a["url"] + "-later", "id": a["id"] + "-later"}
        out.append(dict(a, **changed, published=when.isoformat()))
    return out


def _story_of(stories: list[dict], article_id: str) -> str:
    return next(s["id"] for s in stories if any(x["id"] == article_id for x in s["articles"]))


def test_a_late_report_inside_the_window_finds_the_story_of_its_time(db_settings, tmp_path):
    """A report that arrives (a feed lists it late, a file imported after a newer one) when
    newer news has pushed its story out of the live window, though not out of the window
    around its own time: it joins that story, as clustering everything in time order does."""
    later = _days_later([a for a in ARTICLES if a["story"] == "E"], 3.0625)  # 11-22, 23:00
    cli(db_settings, "import", str(write(tmp_path / "first.jsonl", ARTICLES + later)))
    cli(db_settings, "cluster")
    cli(db_settings, "import", str(write(tmp_path / "late.jsonl", [STRIKE_DAY_TWO])))
    cli(db_settings, "cluster")
    stories = exported(db_settings)
    assert _story_of(stories, "d4") == _story_of(stories, "d1")
    cli(db_settings, "recluster")
    assert partition(exported(db_settings)) == partition(stories)


def test_recluster_since_keeps_the_stories_live_before_it_in_view(db_settings, tmp_path):
    """`recluster --since` places the articles from that date on among the stories that were
    live then, not in an empty window: the strike's second day still joins the strike."""
    later = _days_later([a for a in ARTICLES if a["story"] == "E"], 3.0625)
    rows = ARTICLES + [STRIKE_DAY_TWO] + later
    cli(db_settings, "import", str(write(tmp_path / "all.jsonl", rows)))
    cli(db_settings, "cluster")
    before = partition(exported(db_settings))
    assert _story_of(exported(db_settings), "d4") == _story_of(exported(db_settings), "d1")
    cli(db_settings, "recluster", "--since", "2026-11-20")
    assert partition(exported(db_settings)) == before


def _strike_started_by_a_later_report(db_settings, tmp_path) -> dict:
    """Story D clustered as a live run would: d2 (10:00) polled first starts it, then d1
    (07:00) and d3 (12:30) join; its page written. Returns its export."""
    strike = [a for a in ARTICLES if a["story"] == "D"]  # d1 07:00, d2 10:00, d3 12:30
    cli(db_settings, "import", str(write(tmp_path / "first.jsonl", strike[1:2])))
    cli(db_settings, "cluster")  # d2 starts the story
    cli(db_settings, "import", str(write(tmp_path / "rest.jsonl", [strike[0], strike[2]])))
    cli(db_settings, "cluster")
    cli(db_settings, "write", NEWSLOOM_MIN_OUTLETS="1")
    (story,) = exported(db_settings)
    return story


def test_recluster_keeps_the_id_of_a_story_a_later_report_started(db_settings, tmp_path):
    """Live, the story is started by whichever report is polled first; a recluster places
    reports in time order, so another one starts it. The story keeps its id, page and
    revisions (and its Atom entry); the row the recluster made for it goes, unseen (no
    merged id appears that nobody ever linked to)."""
    before = _strike_started_by_a_later_report(db_settings, tmp_path)
    assert before["page_revision"] == 1 and before["article_count"] == 3

    assert "every story has the articles it had" in cli(db_settings, "recluster")
    (after,) = exported(db_settings)
    same = ("id", "page_revision", "updated", "first_seen", "headline", "article_count")
    assert {k: after[k] for k in same} == {k: before[k] for k in same}
    assert [a["url"] for a in after["articles"]] == [a["url"] for a in before["articles"]]
    assert after["articles"][0]["reason"] == "new: no live neighbour"  # d1 starts it now
    assert after["merged_ids"] == before["merged_ids"] == []
    engine = open_store(db_settings)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT short_id, merged_into FROM stories")).all()
        assert [tuple(r) for r in rows] == [(before["id"], None)]
    engine.dispose()


def test_reasons_after_a_recluster_name_stories_that_exist(db_settings, tmp_path):
    """The recluster starts the strike in a row of its own (its earliest report, d1, comes
    first), and the bank's rate decision (c1, an hour later) starts a story whose reason names
    that row as the best it had. The sweep gives the strike its own row back and deletes the
    recluster's: the reason then names the strike by the id it has (it named the deleted row,
    a link to nothing: /t/<id> answered 404). The summary counts the stories, and how many
    of them are new, rather than "joined existing stories" for every rebuilt one."""
    before = _strike_started_by_a_later_report(db_settings, tmp_path)
    bank = next(a for a in ARTICLES if a["id"] == "c1")
    cli(db_settings, "import", str(write(tmp_path / "bank.jsonl", [bank])))
    cli(db_settings, "cluster")
    out = cli(db_settings, "recluster")
    assert "reclustered 4 articles: 2 stories, 0 of them new, 0 stories merged" in out, out
    stories = exported(db_settings)
    ids = {s["id"] for s in stories} | {m for s in stories for m in s["merged_ids"]}
    reasons = {a["id"]: a["reason"] for s in stories for a in s["articles"]}
    assert reasons["c1"].startswith(f"new: best story {before['id']}: "), reasons["c1"]
    named = {sid for r in reasons.values() for sid in re.findall(r"\bstory (\w+)", r)}
    assert named and named <= ids, (named, ids)


def test_a_recluster_stopped_half_way_is_taken_up_where_it_was(db_settings, tmp_path):
    """A recluster killed before it finished, then run again, gives what one whole run
    gives: the story keeps its id, page and revisions, no id appears or goes, and the
    summary counts the stories that changed since before the first run (none here). The
    killed run left the story's row emptied and its first article placed in a new row."""
    from newsloom.pipeline import recluster

    before = _strike_started_by_a_later_report(db_settings, tmp_path)
    recluster_stopped_after_a_batch(db_settings, batch=1)
    engine = open_store(db_settings)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT short_id, article_count FROM stories")).all()
        assert len(rows) == 2 and (before["id"], 0) in rows  # emptied, and a new row
        assert json.loads(cli(db_settings, "status", "--json"))["stories"] == 1  # not the emptied
        # no page is written for a story half rebuilt, nor for the row the sweep will undo,
        # even when asked for by name; and `status` says why
        assert "wrote no story pages: a recluster is under way" in cli(db_settings, "write")
        asked = cli(db_settings, "write", "--story", before["id"], "--force")
        assert asked.startswith(f"story {before['id']}: not written: a recluster is under way")
        assert json.loads(cli(db_settings, "status", "--json"))["recluster"] is True
        # (stopped: its process let go as it ended, so it is anyone's to finish at once)
        assert json.loads(cli(db_settings, "status", "--json"))["recluster_running"] is False
        said = " ".join(cli(db_settings, "status").split())
        assert "a recluster was stopped before its end: `newsloom cluster`" in said
        assert "rebuilt so far by the recluster under way (the site shows each as it was" in said
        tally = recluster(engine, db_settings)
        assert json.loads(cli(db_settings, "status", "--json"))["recluster"] is False
        assert tally.changed == 0 and "every story has the articles it had" in tally.summary()
        said = tally.summary()
        assert "; went on with a recluster that had stopped before it was done" in said, said
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT short_id, merged_into FROM stories")).all()
        assert [tuple(r) for r in rows] == [(before["id"], None)]
    finally:
        engine.dispose()
    (after,) = exported(db_settings)
    same = (
        "id", "page_revision", "first_seen", "headline", "article_count", "merged_ids", "updated"
    )  # fmt: skip
    assert {k: after[k] for k in same} == {k: before[k] for k in same}
    assert [a["url"] for a in after["articles"]] == [a["url"] for a in before["articles"]]


def test_a_recluster_stopped_half_way_and_finished_by_cluster_keeps_the_story_as_it_was(
    db_settings, tmp_path
):
    """The stopped recluster is finished by `newsloom cluster` (as by `newsloom run` or a
    worker): the story gets its articles, id, page and its `updated` time back. The time was
    kept in the recluster's memory only, so a recluster finished elsewhere gave every story a
    new one (its renderings and every cache keyed on it then went stale). It says, as the
    recluster itself would have, how many stories changed (before, it said nothing of it):
    none here; then, finishing another stopped recluster that an article stored meanwhile
    joins, one."""
    before = _strike_started_by_a_later_report(db_settings, tmp_path)
    recluster_stopped_after_a_batch(db_settings, batch=1)
    out = cli(db_settings, "cluster")
    assert "clustered 2 articles" in out
    assert "finished a recluster that had stopped before it was done" in out
    assert "every story has the articles it had" in out
    (after,) = exported(db_settings)
    same = ("id", "page_revision", "first_seen", "article_count", "merged_ids", "updated")
    assert {k: after[k] for k in same} == {k: before[k] for k in same}

    recluster_stopped_after_a_batch(db_settings, batch=1)
    strike = [a for a in ARTICLES if a["story"] == "D"]
    late = dict(strike[2], url="https://wire.example/strike-later", id="d4")
    late["published"] = late["published"].replace("12:30", "13:30")
    cli(db_settings, "import", str(write(tmp_path / "late.jsonl", [late])))
    out = cli(db_settings, "cluster")
    assert "; 1 story has other articles than before: `newsloom write`" in out, out
    (again,) = exported(db_settings)
    assert (again["id"], again["article_count"]) == (before["id"], 4)


def test_a_story_that_takes_news_during_a_recluster_keeps_its_new_updated_time(
    db_settings, tmp_path
):
    """An article stored while the recluster runs (a poll between its batches), or stored
    before it and still waiting for a story, joins the strike: the story has changed, so it
    keeps the time the recluster gave it, and the summary counts it as changed."""
    from newsloom.pipeline import recluster

    before = _strike_started_by_a_later_report(db_settings, tmp_path)
    strike = [a for a in ARTICLES if a["story"] == "D"]
    late = dict(strike[2], url="https://wire.example/strike-later", id="d4")
    late["published"] = late["published"].replace("12:30", "13:30")
    engine = open_store(db_settings)

    def a_poll_stores_one(tally):
        if tally.articles == 1:
            cli(db_settings, "import", str(write(tmp_path / "late.jsonl", [late])))

    try:
        tally = recluster(engine, db_settings, batch=1, on_batch=a_poll_stores_one)
        assert tally.changed == 1, tally.summary()
        (after,) = exported(db_settings)
        assert (after["id"], after["article_count"]) == (before["id"], 4)
        assert after["updated"] > before["updated"]
        # and one stored before it began, still waiting for a story: news all the same
        later = dict(late, url="https://wire.example/strike-latest", id="d5")
        cli(db_settings, "import", str(write(tmp_path / "latest.jsonl", [later])))
        tally = recluster(engine, db_settings)
        assert tally.changed == 1, tally.summary()
        (again,) = exported(db_settings)
        assert (again["id"], again["article_count"]) == (before["id"], 5)
        assert again["updated"] > after["updated"]
    finally:
        engine.dispose()


def test_a_page_another_process_writes_for_a_recluster_row_does_not_take_the_story(
    db_settings, tmp_path, monkeypatch
):
    """A process sharing the database that does not know to wait (newsloom before this
    version, which wrote pages during a recluster) writes a page for the row the recluster
    made for the strike while the recluster runs. The sweep still gives the story its id,
    page and revisions back, and the row goes with that page (before, the page made the row
    a story of its own, and the old id redirected to it)."""
    from newsloom import pipeline
    from newsloom.pipeline import RECLUSTER_ROWS_FROM, recluster, write_story
    from newsloom.store import meta as store_meta

    before = _strike_started_by_a_later_report(db_settings, tmp_path)
    engine = open_store(db_settings)
    written = []

    def another_process_writes(tally):
        with engine.connect() as conn:
            new_from = store_meta.get_int(conn, RECLUSTER_ROWS_FROM)
            rows = conn.execute(
                text("SELECT id FROM stories WHERE id >= :n AND article_count >= 2"),
                {"n": new_from},
            ).scalars()
            made = list(rows)
        with monkeypatch.context() as older:  # it does not look whether a recluster is on
            older.setattr(pipeline, "recluster_under_way", lambda conn: False)
            for story_id in made:
                written.append(write_story(engine, db_settings, story_id))

    try:
        tally = recluster(engine, db_settings, batch=1, on_batch=another_process_writes)
        assert "written" in written  # the race happened
        assert tally.changed == 0 and tally.reset == 3 == tally.articles
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT short_id, merged_into FROM stories")).all()
        assert [tuple(r) for r in rows] == [(before["id"], None)]
    finally:
        engine.dispose()
    (after,) = exported(db_settings)
    same = ("id", "page_revision", "first_seen", "headline", "article_count", "merged_ids")
    assert {k: after[k] for k in same} == {k: before[k] for k in same}


def test_other_processes_leave_a_running_recluster_its_articles(db_settings, tmp_path, monkeypatch):
    """While a recluster runs, `newsloom cluster` (and so `newsloom run` and the workers)
    leaves the articles it reset to it, `status` says it is running, and a second recluster is
    refused: each batch another process placed made both rebuild their window from the
    database (about a second each on a 10,000-article window, where a batch of 256 takes one
    or two). A process that does not know to leave them (newsloom before this version) still
    places some; placing is deterministic, so the stories are the same, and the recluster's
    summary says how many it placed rather than counting fewer articles than it reset."""
    from newsloom.pipeline import Clusterer, recluster
    from newsloom.store import stories as store_stories

    before = _strike_started_by_a_later_report(db_settings, tmp_path)
    engine = open_store(db_settings)
    seen = []

    def another_process_looks(tally):
        if seen:
            return
        seen.append(Clusterer(engine, db_settings).run())
        seen.append(json.loads(cli(db_settings, "status", "--json")))
        seen.append(" ".join(cli(db_settings, "status").split()))
        seen.append(cli(db_settings, "recluster", check=False))

    def an_older_process_clusters(tally):
        with monkeypatch.context() as older:  # it does not look whether a recluster runs
            older.setattr(store_stories, "recluster_running", lambda conn: False)
            older.setattr(Clusterer, "_take_up", lambda self, finishing: False)
            Clusterer(engine, db_settings).run()

    try:
        tally = recluster(engine, db_settings, batch=1, on_batch=another_process_looks)
        left, status, said, refused = seen
        assert (left.articles, left.left_to_recluster) == (0, True)
        assert left.summary() == (
            "clustered no articles: a recluster is running in another process; it places them "
            "(the articles waiting now included)"
        )
        assert status["recluster"] is True and status["recluster_running"] is True
        assert "a recluster is running: pages are written once it is done" in said
        assert "a recluster is running in another process: let it finish" in refused
        assert tally.summary().startswith("reclustered 3 articles: 1 story, 0 of them new"), (
            tally.summary()
        )
        assert tally.changed == 0

        tally = recluster(engine, db_settings, batch=1, on_batch=an_older_process_clusters)
        assert tally.summary().startswith(
            "reclustered 1 article (of the 3 to place again; other processes sharing the "
            "database placed the other 2)"
        ), tally.summary()
        assert json.loads(cli(db_settings, "status", "--json"))["recluster"] is False
    finally:
        engine.dispose()
    (after,) = exported(db_settings)
    assert (after["id"], after["article_count"]) == (before["id"], 3)


def test_a_story_a_recluster_leaves_with_one_outlet_has_its_page_rewritten(db_settings, tmp_path):
    """Its page cited an article that went to another story; `write` skipped it for having
    fewer outlets than a new page needs, so the old page stayed for good."""
    cli(db_settings, "import", str(write(tmp_path / "events.jsonl", ARTICLES)))
    cli(db_settings, "cluster")
    cli(db_settings, "write")
    a = next(s for s in exported(db_settings) if any(x["id"] == "a1" for x in s["articles"]))
    assert a["page_revision"] == 1 and a["outlet_count"] == 5
    # a window of one hour leaves the flood barrier's first story with one report of it
    cli(db_settings, "recluster", NEWSLOOM_CLUSTER_WINDOW_HOURS="1")
    a = next(s for s in exported(db_settings) if s["id"] == a["id"])
    assert a["outlet_count"] < 2
    assert "wrote" in cli(db_settings, "write")
    a = next(s for s in exported(db_settings) if s["id"] == a["id"])
    kept = {x["url"] for x in a["articles"]}
    assert a["page_revision"] == 2
    assert {u for src in a["sources"] for u in src["urls"]} <= kept, (a["sources"], kept)
    # and its "What changed" says which articles left
    gone = {c["url"] for c in a["changes"] if c["type"] == "article_removed"}
    assert gone and not gone & kept


def test_cluster_reports_progress_to_a_log(db_settings, tmp_path, monkeypatch):
    """Run from a service or with stderr to a file, `cluster` says how far it is (on a
    terminal it draws a bar): a line each PROGRESS_EVERY seconds, here each batch."""
    import newsloom.cli as cli_module

    monkeypatch.setattr(cli_module, "PROGRESS_EVERY", 0.0)
    cli(db_settings, "import", str(write(tmp_path / "events.jsonl", ARTICLES)))
    out = cli(db_settings, "cluster")
    assert f"clustering: {len(ARTICLES)} of {len(ARTICLES)} articles placed" in out
    out = cli(db_settings, "recluster")
    assert f"clustering: {len(ARTICLES)} of {len(ARTICLES)} articles placed" in out
