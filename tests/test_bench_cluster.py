"""bench/cluster_quality.py on a labelled set of one's own (docs/clustering.md, "Measuring it on
your own data"): the team's fixture, written in the benchmark's input format, measured as a
user would measure their sources."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent / "data" / "cluster"))
from events import ARTICLES, write_labelled  # noqa: E402

BENCH = ROOT / "bench" / "cluster_quality.py"
FIGURES = re.compile(
    r"^\s*(tuning|held-out|all)\s+(dates|busy|spread): P=([\d.]+) R=([\d.]+) F1=([\d.]+)"
)


@pytest.fixture
def labelled(tmp_path) -> Path:
    """The fixture's articles with their event as the label, split on 2026-11-20."""
    return write_labelled(tmp_path / "mine.jsonl")


def bench(tmp_path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # the vector cache and CLI runs stay here
    return subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, env=env, timeout=600
    )


def figures(out: str) -> dict[tuple[str, str], list[tuple[float, float, float]]]:
    found: dict = {}
    for line in out.splitlines():
        m = FIGURES.match(line)
        if m:
            found.setdefault((m[1], m[2]), []).append(tuple(float(x) for x in m.groups()[2:]))
    return found


def test_own_data_measured_directly_with_baselines_ceiling_and_errors(tmp_path, labelled):
    done = bench(
        tmp_path, "--data", str(labelled), "--split", "2026-11-20", "--direct", "--ceiling",
        "--errors", "3",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "15 articles, 5 stories" in out and "tuning part (before 2026-11-20): 10 articles" in out
    got = figures(out)
    # every part and mode: newsloom, the two baselines, the two offline ceilings (the
    # diagnostic ``spread`` mode has no ceiling)
    assert all(
        len(got[(part, mode)]) == {"spread": 3}.get(mode, 5)
        for part in ("tuning", "held-out", "all")
        for mode in ("dates", "busy", "spread")
    )
    # newsloom (printed first) finds the team's five events exactly, in every mode, although
    # two articles are translations and one event is a look-alike of another
    assert all(rows[0] == (1.0, 1.0, 1.0) for rows in got.values())
    # the baselines and the offline ceiling do not (no cross-language handling)
    assert any(rows[i][2] < 1.0 for rows in got.values() for i in range(1, 5))
    assert "ceiling: offline average-link" in out and "ceiling: offline complete-link" in out
    assert "[dates] worst merges (0 predicted stories mix labels)" in out
    assert "[busy] worst splits (0 stories spread over several)" in out


def test_own_data_measured_through_the_cli(tmp_path, labelled):
    done = bench(tmp_path, "--data", str(labelled), "--split", "2026-11-20", "--no-baselines")
    assert done.returncode == 0, done.stderr
    assert "newsloom (CLI)" in done.stdout
    got = figures(done.stdout)
    assert len(got) == 9 and all(rows == [(1.0, 1.0, 1.0)] for rows in got.values())


@pytest.fixture
def undated(tmp_path) -> Path:
    """The fixture's events as undated clusters, in summaries.jsonl's format (title and text
    only: no date, outlet or URL)."""
    path = tmp_path / "clusters.jsonl"
    events: dict[str, list[dict]] = {}
    for a in ARTICLES:
        events.setdefault(a["story"], []).append(
            {"id": f"u-{a['id']}", "title": a["title"], "text": a["text"]}
        )
    with path.open("w", encoding="utf-8") as fh:
        for story, arts in sorted(events.items()):
            fh.write(json.dumps({"cluster_id": f"event-{story}", "articles": arts}) + "\n")
    return path


@pytest.mark.parametrize("how", [["--direct"], []])
def test_a_second_held_out_set_without_dates_is_measured_on_the_busy_day(
    tmp_path, labelled, undated, how
):
    done = bench(
        tmp_path, "--data", str(labelled), "--split", "2026-11-20", "--undated", str(undated),
        *how,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "undated (clusters.jsonl, held out, busy day only): 15 articles / 5 stories" in out
    lines = [ln for ln in out.splitlines() if re.match(r"\s*undated\s+busy: ", ln)]
    # newsloom, then each baseline at the setting it chose on the tuning part
    assert len(lines) == 3, out
    figures = [re.search(r"P=([\d.]+) R=([\d.]+) F1=([\d.]+)", ln).groups() for ln in lines]
    # newsloom finds the five events without dates, outlets or URLs, translations included
    assert figures[0] == ("1.000", "1.000", "1.000")
    assert any(f != ("1.000", "1.000", "1.000") for f in figures[1:])  # the baselines do not

    bad = tmp_path / "bad-clusters.jsonl"
    bad.write_text('{"cluster_id": "x", "articles": [{"id": "a", "title": "t"}]}\n{"id": 1}\n')
    done = bench(tmp_path, "--data", str(labelled), "--split", "2026-11-20", "--undated", str(bad))
    assert done.returncode == 2 and "line 2: no cluster_id or no articles list" in done.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "{missing}"], "data not found at"),
        (["--split", "June"], "--split wants a date (YYYY-MM-DD), not 'June'"),
        (["--split", "2020-01-01"], "0 articles dated before 2020-01-01 (tuning)"),
        (["--ceiling"], "--ceiling needs --direct"),
        (["--sweep"], "--sweep needs --direct"),
        (["--direct", "--select", "dates,weekly"], "--select takes modes from dates, busy, spread"),
        (["--undated", "{missing}"], "--undated file not found at"),
        (["--set", "w_lexx=1"], "--set wants NAME=VALUE with NAME a ClusterParams field, not"),
        (["--set", "days_words=80.5"], "--set days_words wants a whole number, not '80.5'"),
        (["--set", "days_in_background=maybe"], "wants true or false, not 'maybe'"),
        # values of the right type that do not fit the field
        (["--set", "join_threshold=nan"], "--set join_threshold wants a finite number, not 'nan'"),
        (["--set", "w_lex=inf"], "--set w_lex wants a finite number, not 'inf'"),
        (["--set", "window_hours=-5"], "--set window_hours wants a number above 0, not '-5'"),
        (["--set", "recent_members=0"], "recent_members wants a whole number above 0, not '0'"),
        (["--set", "days_words=-1"], "days_words wants a whole number of 0 or more, not '-1'"),
        (["--set", "w_time=-0.5"], "--set w_time wants a number of 0 or more, not '-0.5'"),
        (["--set", "average_share=1.5"], "average_share wants a number from 0 to 1, not '1.5'"),
        # the CLI takes only the window from its settings: any other setting needs --direct
        (["--set", "join_threshold=5"], "--set join_threshold needs --direct"),
        (["--data", "{empty}"], "holds no articles"),
        (["--modes", "dates,weekly"], "--modes takes modes from dates, busy, spread, not"),
        (["--parts", "held-out,later"], "--parts takes parts from tuning, held-out, all, not"),
        (["--direct", "--modes", "spread", "--errors", "3"], "--errors lists the errors of"),
    ],
)
def test_bad_arguments_get_a_clear_error(tmp_path, labelled, args, message):
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    args = [a.replace("{missing}", str(tmp_path / "nope.jsonl")) for a in args]
    args = [a.replace("{empty}", str(tmp_path / "empty.jsonl")) for a in args]
    if "--data" not in args:
        args = ["--data", str(labelled), *args]
    done = bench(tmp_path, *args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr
    assert "Traceback" not in done.stderr and "newsloom (" not in done.stdout  # nothing measured


def test_only_the_modes_and_parts_named_are_measured(tmp_path, labelled):
    """``--modes`` and ``--parts`` measure what is named, for newsloom, the baselines (still
    tuned on the tuning part over the true dates and the busy day) and the ceiling; the
    errors listed are those of the last part named."""
    done = bench(
        tmp_path, "--data", str(labelled), "--split", "2026-11-20", "--direct", "--ceiling",
        "--modes", "spread,dates", "--parts", "held-out", "--errors", "2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    got = figures(done.stdout)
    # newsloom and the two baselines in both modes, the two ceilings with true dates only
    assert {k: len(v) for k, v in got.items()} == {
        ("held-out", "dates"): 5,
        ("held-out", "spread"): 3,
    }
    assert got[("held-out", "dates")][0] == (1.0, 1.0, 1.0)
    assert "[dates] worst merges" in done.stdout and "[busy]" not in done.stdout


def test_settings_are_given_by_name_and_typed(tmp_path, labelled):
    """``--set`` takes any ``ClusterParams`` field; a flag reads "false" as false."""
    run = ["--data", str(labelled), "--split", "2026-11-20", "--direct", "--no-baselines"]
    done = bench(tmp_path, *run, "--set", "days_in_background=false", "--set", "days_words=60")
    assert done.returncode == 0, done.stderr
    assert "ClusterParams defaults except {'days_words': 60}" in done.stdout
    done = bench(tmp_path, *run, "--set", "days_in_background=true")
    assert "ClusterParams defaults except {'days_in_background': True}" in done.stdout


def test_spread_gives_articles_of_a_story_dated_once_their_own_times():
    """allsides-dev dates every article with its story's timestamp; ``spread`` gives each its
    own day (from its URL when it names one) and time, and leaves articles with their own
    times alone."""
    sys.path.insert(0, str(BENCH.parent))
    import cluster_quality as cq

    def row(id_, url, date, label):
        return {"id": id_, "url": url, "title": "t", "text": "x", "source": "s", "date": date,
                "label": label, "_kind": "news"}  # fmt: skip

    once = "2021-05-12T18:00:00+00:00"
    rows = [
        row("a1", "https://a.example/news/2021/05/11/pipeline-hack", once, "A"),
        row("a2", "https://b.example/2021-05-12-gas-prices", once, "A"),
        row("a3", "https://c.example/story/gas-lines", once, "A"),
        row("b1", "https://d.example/x", "2021-05-12T08:00:00+00:00", "B"),
        row("b2", "https://e.example/y", "2021-05-12T09:30:00+00:00", "B"),
    ]
    got = {r["id"]: r["published"] for r in cq.records(rows, "spread")}
    assert got["a1"][:10] == "2021-05-11"  # the day in its URL
    assert got["a2"][:10] == "2021-05-12" and got["a3"][:10] == "2021-05-12"
    assert len({got["a1"], got["a2"], got["a3"]}) == 3  # no longer one instant
    assert got["b1"] == rows[3]["date"] and got["b2"] == rows[4]["date"]  # their own times kept
    assert got == {r["id"]: r["published"] for r in cq.records(rows, "spread")}  # deterministic
    order = [r["published"] for r in cq.records(rows, "spread")]
    assert order == sorted(order, key=cq._when)  # arrival in time order


def test_own_data_with_fewer_fields_is_measured_and_bad_lines_named(tmp_path):
    """Labelled data as people have it: integer ids and labels, dates without a time, no URL
    or outlet, an article with a headline only. A line without a label or with a date that is
    not ISO 8601 is named, not a traceback."""
    path = tmp_path / "plain.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i, a in enumerate(ARTICLES, 1):
            row = {"id": i, "title": a["title"], "label": ord(a["story"])}
            row["date"] = "2026-11-20" if a["story"] in "DE" else "2026-11-19"
            if i != 3:  # the third is a headline alone
                row["text"] = a["text"]
            fh.write(json.dumps(row) + "\n")
    done = bench(tmp_path, "--data", str(path), "--split", "2026-11-20", "--direct")
    assert done.returncode == 0, done.stderr
    assert "15 articles, 5 stories" in done.stdout
    got = figures(done.stdout)
    assert len(got) == 9 and all(len(rows) == 3 for rows in got.values())

    for bad, message in (
        ({"id": "x", "title": "t", "date": "2026-11-19"}, "line 2: no label"),
        ({"id": "x", "label": 1, "date": "19/11/2026"}, "line 2: date '19/11/2026' is not ISO"),
        ("[1, 2]", "line 2: not a JSON object"),
    ):
        broken = tmp_path / "broken.jsonl"
        good = {"id": "a", "title": "t", "label": 1, "date": "2026-11-19"}
        lines = [json.dumps(good), bad if isinstance(bad, str) else json.dumps(bad)]
        broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
        done = bench(tmp_path, "--data", str(broken), "--direct", "--no-baselines")
        assert done.returncode == 2 and message in done.stderr, (bad, done.stderr)
        assert "Traceback" not in done.stderr


def test_repeated_ids_are_named_and_the_undated_set_keeps_its_own(tmp_path, labelled):
    """Vectors are looked up by id: an id that repeats in ``--data`` is named with its lines
    and nothing is measured; ``--undated`` may reuse ``--data``'s ids (its vectors are its
    own), but not its own."""
    rows = [json.loads(x) for x in labelled.read_text(encoding="utf-8").splitlines()]
    twice = tmp_path / "twice.jsonl"
    rows_twice = [rows[0], {**rows[5], "id": rows[0]["id"]}, *rows[1:5]]
    twice.write_text("".join(json.dumps(r) + "\n" for r in rows_twice), encoding="utf-8")
    done = bench(tmp_path, "--data", str(twice), "--split", "2026-11-20", "--direct")
    assert done.returncode == 2 and "newsloom (" not in done.stdout
    assert "id 'a1' repeats on lines 1 and 2 (each article needs an id of its own)" in done.stderr

    # undated clusters under --data's ids, each id now on another event's text
    by_event: dict[str, list[dict]] = {}
    for i, a in enumerate(ARTICLES):
        other = ARTICLES[(i + 3) % len(ARTICLES)]
        by_event.setdefault(other["story"], []).append(
            {"id": a["id"], "title": other["title"], "text": other["text"]}
        )
    clusters = tmp_path / "clusters.jsonl"
    with clusters.open("w", encoding="utf-8") as fh:
        for story, arts in sorted(by_event.items()):
            fh.write(json.dumps({"cluster_id": f"event-{story}", "articles": arts}) + "\n")
    run = ["--data", str(labelled), "--split", "2026-11-20", "--direct", "--no-baselines"]
    done = bench(tmp_path, *run, "--undated", str(clusters))
    assert done.returncode == 0, done.stderr
    got = figures(done.stdout)
    assert len(got) == 9 and all(rows == [(1.0, 1.0, 1.0)] for rows in got.values())
    assert re.search(r"undated\s+busy: P=1.000 R=1.000 F1=1.000", done.stdout), done.stdout

    twice_in_undated = [
        {"cluster_id": "x", "articles": [{"id": "u1", "title": "t"}, {"id": "u2", "title": "t"}]},
        {"cluster_id": "y", "articles": [{"id": "u1", "title": "s"}]},
    ]
    clusters.write_text("".join(json.dumps(c) + "\n" for c in twice_in_undated))
    done = bench(tmp_path, *run, "--undated", str(clusters))
    assert done.returncode == 2 and "id 'u1' repeats on lines 1 and 2" in done.stderr


def test_a_story_cut_by_the_split_is_named_in_a_warning(tmp_path, labelled):
    rows = [json.loads(x) for x in labelled.read_text(encoding="utf-8").splitlines()]
    moved = next(r for r in rows if r["label"] == "D")
    moved["date"] = moved["date"].replace("2026-11-20", "2026-11-19")
    labelled.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run = ["--data", str(labelled), "--split", "2026-11-20", "--direct", "--no-baselines"]
    done = bench(tmp_path, *run)
    assert done.returncode == 0, done.stderr
    assert (
        "warning: 1 label ('D') has articles on both sides of --split 2026-11-20" in done.stderr
    ), done.stderr


def _cq():
    sys.path.insert(0, str(BENCH.parent))
    import cluster_quality as cq

    return cq


def test_errors_name_each_article_by_id_with_its_reason(capsys):
    cq = _cq()

    def rec(id_, title, text, label):
        return {"id": id_, "title": title, "text": text, "_label": label,
                "published": "2026-11-19T09:00:00+00:00"}  # fmt: skip

    recs = [
        rec("a1", "Barrier approved", "x", "A"),
        rec("a2", "", "The barrier across the Elde was approved.", "A"),
        rec("b1", "Wall rejected", "y", "B"),
        rec("a3", "", "", "A"),
    ]
    reasons = {"a1": "new: no live neighbour", "a2": "joined: vec=0.9", "b1": "joined: vec=0.7"}
    cq.show_errors(recs, [1, 2, 1, 3], 5, "dates", reasons)
    out = capsys.readouterr().out
    assert "A 2026-11-19 a1: Barrier approved\n" in out
    assert "B 2026-11-19 b1: Wall rejected\n" in out and "joined: vec=0.7" in out
    assert "a2: (no title) The barrier across the Elde was approved." in out
    assert "a3: (no title, no text)" in out
    assert not re.search(r"-> +\d+ *\n", out)  # no blank article lines


def test_articles_the_cli_does_not_store_are_named_with_why():
    """CLI mode: an article ``newsloom import`` rejects, or stores once with an earlier line
    of the same URL, is missing from the export (counted as a story of its own): say which
    and why."""
    cq = _cq()

    def rec(id_, url, title="t", text="x"):
        return {"id": id_, "url": url, "title": title, "text": text}

    recs = [
        rec("a1", "https://a.example/x"),
        rec("a2", "https://a.example/x?utm_source=feed"),
        rec("a3", "https://a.example/y", title="", text=""),
        rec("a4", "not a url"),
        rec("a5", "https://a.example/z"),
    ]
    logged = (
        "WARNING newsloom.pipeline: import record rejected where=articles.jsonl:3 reason=oops\n"
    )
    lost = cq._why_lost(recs, {"a1": "s1", "a5": "s2"}, logged)
    assert lost == {
        "a2": "same URL as a1, stored once",
        "a3": "rejected: oops",
        "a4": "not in the export (rejected by newsloom import)",
    }
    assert cq._why_lost(recs[2:3], {}, "")["a3"] == "rejected: no title and no text"
    warning = cq._lost_warning("--data", lost)
    assert warning.startswith("warning: 3 articles of --data were not stored")
    assert "a2 (same URL as a1, stored once); a3 (rejected: oops)" in warning
