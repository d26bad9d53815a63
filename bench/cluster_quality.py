"""Measure story clustering (``newsloom.cluster.assign``) on labelled articles (by default
allsides-dev's; your own with ``--data``, see docs/clustering.md).

    .venv/bin/python bench/cluster_quality.py                # through the CLI (import, cluster,
                                                             #   export stories), both modes
    .venv/bin/python bench/cluster_quality.py --direct       # in memory: StoryAssigner directly
    .venv/bin/python bench/cluster_quality.py --direct --sweep   # grid search on the tuning split
    .venv/bin/python bench/cluster_quality.py --direct --errors 10  # also worst merges/splits
    .venv/bin/python bench/cluster_quality.py --direct --ceiling    # also offline clustering over
                                                                    #   newsloom's own pair score
    .venv/bin/python bench/cluster_quality.py --data big.jsonl --split 2026-06-01 --direct \
        --no-baselines --modes dates,spread --parts held-out   # a large file: only what you need

The data (AllSides stories, research use only) is read at run time and never copied anywhere;
a missing file is reported and the script exits 2. Error listings go to the terminal only.

Input. Each article becomes an import record {url, id, title, text, published, source}.
``published`` is the story's date (the set has no per-article time, so the articles of a story
share one timestamp). Two modes:

- ``dates``: true dates; articles sorted by (date, id).
- ``busy``: every article gets the same date ("a busy day": hundreds of stories at once, no
  help from time); articles sorted by sha1(id), a fixed pseudo-random order that interleaves
  the stories, so a story's articles do not arrive back to back.

and one diagnostic mode, reported beside them and weighed by the sweep only when ``--select``
names it:

- ``spread``: where a story's articles all carry one timestamp (allsides-dev: every story),
  each gets its own: its day from its URL (/2021/05/12/ or 2021-05-12; 288 of allsides-dev's
  671 have one), else the story's day, at a time of day drawn from sha1(id); articles sorted
  by time. In ``dates`` such a story's articles arrive back to back at one instant; in a real
  feed they come hours or days apart, between other stories' articles. This mode shows what
  the time signals are worth when they are not a gift of the data set. Stories whose
  articles have times of their own keep them (there ``dates`` is already realistic).

Split. Stories dated before 2021-06-01 are the tuning part (thresholds are chosen on it only);
stories from 2021-06-01 are held out. Each part is clustered on its own (the held-out articles
never see the tuning ones and vice versa), and so is the full set.

Undated. ``summaries.jsonl`` beside the data file, when there is one (allsides-dev's: 286 more
AllSides clusters of three articles, title and text only: no date, outlet or URL; none of them
in ``articles.jsonl``), is a second held-out set, never tuned on, measured in the ``busy``
mode only (without dates there is nothing else to measure) by newsloom and both baselines at
their chosen settings. ``--undated PATH`` names another such file, ``--undated none`` skips it.

Metrics. B-cubed precision, recall and F1 over articles, and the adjusted Rand index, against
the AllSides story label.

Selection rule (newsloom and both baselines): on the tuning part, among the settings whose
precision is at least their recall in both modes, those within ``SLACK`` (0.005) of the highest
mean B-cubed F1 over the two modes; of these, the one with the highest mean precision (a wrong
merge costs more than a missed one, and F1 differences that small are noise on 327 articles).
In ``--sweep``'s one-at-a-time stage a value that lowers precision by more than ``SLACK`` in
either mode is not taken at all: precision is never sacrificed for recall.

Baselines, same data, same split, same rule:

- ``tfidf+agglomerative``: scikit-learn TfidfVectorizer (sublinear tf, English stop words) over
  title + text, fitted on the articles clustered; AgglomerativeClustering, average linkage over
  cosine distance, ``distance_threshold`` tuned. In ``dates`` mode, pairs further apart than the
  72-hour window get the largest distance (2.0), so clusters stay inside a window.
- ``use-threshold``: the same USE vectors as newsloom; online, each article joins the story of
  its most similar earlier article (inside the window in ``dates`` mode) if the cosine reaches
  ``t``, else starts a story; ``t`` tuned.

Ceiling (``--ceiling``, a diagnostic, not a baseline): newsloom's own pair score
(``StoryAssigner.pair_scores``, IDF over the whole part; pairs further apart than the window,
and pairs in different languages, which have no pair score, never linked) clustered offline
by average-link and complete-link agglomeration, every article in view at once, threshold
chosen by the same rule. It shows what the online arrival order costs, as against what the
pair score itself cannot tell apart.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import asdict, fields, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsloom.cluster.assign import ClusterParams, Item, StoryAssigner  # noqa: E402
from newsloom.cluster.embed import article_text  # noqa: E402
from newsloom.ingest.classify import classify  # noqa: E402
from newsloom.ingest.normalize import canonical_url  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "allsides-dev" / "articles.jsonl"
#: A second held-out set beside ``DEFAULT_DATA``: clusters with no date, outlet or URL.
DEFAULT_UNDATED = DEFAULT_DATA.parent / "summaries.jsonl"
UNDATED = "undated"
SPLIT_DATE = "2021-06-01"
BUSY_DATE = "2021-06-01T12:00:00+00:00"
MODES = ("dates", "busy")
#: Reported beside MODES, never used to choose settings (see the module docstring).
DIAGNOSTIC_MODES = ("spread",)
ALL_MODES = MODES + DIAGNOSTIC_MODES
#: A date in an article's URL (/2021/05/12/ or 2021-05-12): the day the outlet published it.
URL_DAY = re.compile(r"/(20\d\d)/(\d\d?)/(\d\d?)/|(20\d\d)-(\d\d)-(\d\d)")
PARTS = ("tuning", "held-out", "all")
CACHE = Path(tempfile.gettempdir()) / "newsloom-bench-cache"
#: Settings within this much mean F1 of the best count as tied (the most precise wins), and
#: the one-at-a-time stage refuses a value that costs more than this much precision.
SLACK = 0.005

#: The grid ``--sweep`` searches (every combination), on the tuning part, both modes.
SWEEP = {
    "join_threshold": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
    "w_background": [0.25, 0.5],
    "background_k": [1, 3],
    "w_lex": [1.0, 2.0],
    "w_title": [0.5, 1.0],
    "w_days": [0.3, 0.6, 0.9],
}
#: Then searched one at a time around the best grid point, in this order (a value is kept
#: only when the rule prefers it).
SWEEP_ALSO = {
    "join_threshold": [-0.1, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2],
    "w_ents": [0.0, 0.25, 0.5],
    "idf_power": [1.0, 1.5, 2.0],
    "w_time": [0.0, 0.2, 0.4, 0.6, 0.8],
    "w_days": [0.0, 0.3, 0.45, 0.6, 0.75, 0.9, 1.2],
    "w_days_adjacent": [0.0, 0.5, 1.0],
    "days_words": [20, 40, 80, 150],
    "days_in_background": [False, True],
    "average_share": [0.5, 0.75, 1.0],
    "min_average": [0.1, 0.2, 0.3, 0.4],
    "background_members": [1, 3, 5],
    "merge_threshold": [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 9.0],
    "opinion_relief": [0.0, 0.1, 0.2, 0.3],
}


# --- data --------------------------------------------------------------------------------------


def load(path: Path, split: str = SPLIT_DATE) -> list[dict]:
    """The labelled articles, each marked with its part (tuning: dated before ``split``) and
    the kind ``newsloom import`` would give it. ``label`` and ``date`` are required; a missing
    ``id`` is the line number, a missing ``url`` is made up from the id (``.invalid``, a name
    reserved for no real site), ``title``, ``text`` and ``source`` may be missing. Raises
    ValueError naming the line of the first bad record, the ids that repeat (every article is
    looked up by its id), or a file with no article at all."""
    rows, lines = [], []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                rows.append(_row(_json_object(line, lineno), lineno))
                lines.append(lineno)
    if not rows:
        raise ValueError("the file holds no articles")
    repeated = repeated_ids([(r["id"], n) for r, n in zip(rows, lines, strict=True)])
    if repeated:
        raise ValueError(repeated)
    for r, lineno in zip(rows, lines, strict=True):
        # the day as written (allsides-dev's dates are US Pacific time)
        day = datetime.fromisoformat(r["date"]).date().isoformat()
        r["_part"] = "tuning" if day < split else "held-out"
        try:
            r["_kind"] = _kind(r)
        except ValueError:
            raise ValueError(f"line {lineno}: url {r['url']!r} is not an http(s) URL") from None
    return rows


def repeated_ids(seen: list[tuple[str, int]]) -> str | None:
    """What repeats among (id, line) pairs, naming each repeated id and its lines, or None."""
    where: dict[str, list[int]] = defaultdict(list)
    for id_, lineno in seen:
        where[id_].append(lineno)
    repeated = [(id_, lines) for id_, lines in where.items() if len(lines) > 1]
    if not repeated:
        return None

    def on(lines: list[int]) -> str:
        if len(set(lines)) == 1:
            return f"repeats {len(lines)} times on line {lines[0]}"
        return f"repeats on lines {', '.join(map(str, lines[:-1]))} and {lines[-1]}"

    named = "; ".join(f"id {id_!r} {on(lines)}" for id_, lines in repeated[:5])
    more = f"; and {len(repeated) - 5} more repeated ids" if len(repeated) > 5 else ""
    return f"{named}{more} (each article needs an id of its own)"


def _json_object(line: str, lineno: int) -> dict:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {lineno}: not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"line {lineno}: not a JSON object")
    return obj


def _row(r: dict, lineno: int) -> dict:
    """One article with the fields every mode reads (see ``load``)."""
    missing = [k for k in ("label", "date") if r.get(k) in (None, "")]
    if missing:
        raise ValueError(f"line {lineno}: no {' or '.join(missing)}")
    try:
        _when(str(r["date"]))
    except ValueError:
        raise ValueError(f"line {lineno}: date {r['date']!r} is not ISO 8601") from None
    r["id"] = str(r.get("id") or f"line-{lineno}")
    r["label"], r["date"] = str(r["label"]), str(r["date"])
    r["title"], r["text"] = r.get("title") or "", r.get("text") or ""
    r["source"] = r.get("source") or None
    r["url"] = r.get("url") or f"https://article.invalid/{r['id']}"
    return r


def load_undated(path: Path) -> list[dict]:
    """``summaries.jsonl``'s clusters (``{cluster_id, articles: [{id, title, text}]}``: no
    date, outlet or URL) as rows of the ``undated`` part, read as ``load`` reads an article,
    measured in the busy-day mode only (without dates there is nothing else to measure). Never
    tuned on. Its ids are its own (its vectors are kept apart from ``--data``'s), but must not
    repeat within it; an article without one is ``line-N-K`` (the K-th of line N's cluster).
    Raises ValueError naming the line of the first bad cluster, the ids that repeat, or a file
    with no cluster at all."""
    rows, seen = [], []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            cluster = _json_object(line, lineno)
            articles = cluster.get("articles")
            if cluster.get("cluster_id") in (None, "") or not isinstance(articles, list):
                raise ValueError(f"line {lineno}: no cluster_id or no articles list")
            for k, a in enumerate(articles, 1):
                if not isinstance(a, dict):
                    raise ValueError(f"line {lineno}: an article is not a JSON object")
                a = {**a, "id": a.get("id") or f"line-{lineno}-{k}"}
                row = _row({**a, "date": BUSY_DATE, "label": cluster["cluster_id"]}, lineno)
                row["_part"], row["_kind"] = UNDATED, _kind(row)
                rows.append(row)
                seen.append((row["id"], lineno))
    if not rows:
        raise ValueError("the file holds no clusters")
    repeated = repeated_ids(seen)
    if repeated:
        raise ValueError(repeated)
    return rows


def split_date(value: str) -> str:
    """``--split`` as an ISO date, or ValueError saying what it wants."""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"--split wants a date (YYYY-MM-DD), not {value!r}") from None


def parts_problem(rows: list[dict], split: str) -> str | None:
    """What is wrong with the split (a part with no articles), or None."""
    sizes = {p: len(part_rows(rows, p)) for p in ("tuning", "held-out")}
    if all(sizes.values()):
        return None
    return (
        f"{sizes['tuning']} articles dated before {split} (tuning) and {sizes['held-out']} from "
        "it on (held out): pick a --split that leaves some in both"
    )


def straddling(rows: list[dict], split: str) -> str | None:
    """A warning about the labels with articles on both sides of the split (each part measures
    its share of such a story as a story of its own), or None."""
    parts: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        parts[r["label"]].add(r["_part"])
    cut = sorted(label for label, seen in parts.items() if len(seen) > 1)
    if not cut:
        return None
    named = ", ".join(repr(label) for label in cut[:5]) + (", ..." if len(cut) > 5 else "")
    return (
        f"warning: {len(cut)} label{'s' if len(cut) != 1 else ''} ({named}) "
        f"{'have' if len(cut) != 1 else 'has'} articles on both sides of --split {split}: "
        "the tuning and held-out parts each measure their share as a story of its own "
        "(the 'all' rows keep it whole)"
    )


#: ``ClusterParams`` fields that must be above 0 (a window, a fading distance, counts of
#: members or neighbours: at 0 ``recent_members`` would mean every member); the other whole
#: numbers and the weights (``w_*``, ``idf_power``) must not be below 0, a share lies between
#: 0 and 1, and every number must be finite.
POSITIVE = {
    "window_hours",
    "days_hours",
    "background_k",
    "background_members",
    "neighbours",
    "recent_members",
}
NON_NEGATIVE = {"idf_power"}
SHARES = {"average_share"}


def _fits(name: str, value) -> str | None:
    """What a ``--set`` value must be when it does not fit ``name`` (see ``POSITIVE``), or
    None."""
    if isinstance(value, bool):
        return None
    if not math.isfinite(value):
        return "a finite number"
    if name in POSITIVE and value <= 0:
        return "a number above 0" if isinstance(value, float) else "a whole number above 0"
    if name in SHARES and not 0 <= value <= 1:
        return "a number from 0 to 1"
    if (name in NON_NEGATIVE or name.startswith("w_") or isinstance(value, int)) and value < 0:
        return "a whole number of 0 or more" if isinstance(value, int) else "a number of 0 or more"
    return None


def with_settings(sets: list[str]) -> ClusterParams:
    """The ``ClusterParams`` defaults with each ``--set NAME=VALUE`` applied, or ValueError
    naming the one that is not a field with a value of its type, or whose value does not fit
    (``_fits``: nan, a negative window, no recent members)."""
    params = ClusterParams()
    names = {f.name for f in fields(ClusterParams)}
    for kv in sets:
        name, sep, value = (x.strip() for x in kv.partition("="))
        if not sep or name not in names:
            raise ValueError(f"--set wants NAME=VALUE with NAME a ClusterParams field, not {kv!r}")
        kind = type(getattr(params, name))
        flags = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
        try:
            typed = flags[value.lower()] if kind is bool else kind(value)
        except (KeyError, ValueError):
            want = {bool: "true or false", int: "a whole number"}.get(kind, "a number")
            raise ValueError(f"--set {name} wants {want}, not {value!r}") from None
        want = _fits(name, typed)
        if want:
            raise ValueError(f"--set {name} wants {want}, not {value!r}")
        params = replace(params, **{name: typed})
    return params


def part_rows(rows: list[dict], part: str) -> list[dict]:
    if part in ("tuning", "held-out"):
        return [r for r in rows if r["_part"] == part]
    return list(rows)


def _hash(s: str) -> str:
    return hashlib.sha1(s.encode("utf-8")).hexdigest()


def records(rows: list[dict], mode: str) -> list[dict]:
    """Import records in arrival order for a mode (see the module docstring)."""
    retime = _dated_per_story(rows) if mode == "spread" else set()
    out = [
        {
            "url": r["url"],
            "id": r["id"],
            "title": r["title"],
            "text": r["text"],
            "published": (
                BUSY_DATE if mode == "busy" else _spread(r) if r["label"] in retime else r["date"]
            ),
            "source": r["source"],
            "_label": r["label"],
            "_kind": r["_kind"],
        }
        for r in rows
    ]
    if mode == "busy":
        out.sort(key=lambda r: _hash(r["id"]))
    else:
        out.sort(key=lambda r: (_when(r["published"]), r["id"]))
    return out


def _dated_per_story(rows: list[dict]) -> set[str]:
    """Labels whose articles all carry one timestamp (the story's, not their own): the stories
    ``spread`` gives times of their own."""
    stamps: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        stamps[r["label"]].add(r["date"])
    return {label for label, seen in stamps.items() if len(seen) == 1}


def _spread(row: dict) -> str:
    """The article's own day (from its URL, else the story's) at a time of day drawn from
    sha1(id): the articles of one story spread over hours and days, as in a real feed."""
    day = _when(row["date"]).date()
    m = URL_DAY.search(row["url"])
    if m:
        y, mo, d = (int(g) for g in m.groups() if g)  # whichever form matched
        try:
            day = date(y, mo, d)
        except ValueError:
            pass
    seconds = int(_hash(row["id"])[:8], 16) % 86400
    return (
        datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=seconds)
    ).isoformat()


def _kind(row: dict) -> str:
    """The kind ``newsloom import`` gives the article: the classifier's, from its URL,
    headline and text (AllSides' own opinion tag is not given to newsloom)."""
    return classify(url=canonical_url(row["url"]), title=row["title"], text=row["text"]).kind


def _when(value: str) -> datetime:
    """An ISO 8601 time (a date alone is its midnight); without an offset, UTC."""
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


#: From this many articles a step (embedding, a part in one mode) takes minutes: it is named on
#: stderr before it starts.
PROGRESS_FROM = 2000


def vectors(rows: list[dict], embedder: str = "use") -> dict[str, np.ndarray]:
    """Vectors of article_text(title, text) by article id from the named embedder (a
    ``NEWSLOOM_EMBEDDER`` value), cached in a temp .npy."""
    ids = sorted(r["id"] for r in rows)
    by_id = {r["id"]: r for r in rows}
    texts = [article_text(by_id[i]["title"], by_id[i]["text"]) for i in ids]
    name = "use-multilingual" if embedder == "use" else embedder
    key = _hash(name + "\n" + "\x00".join(texts))[:16]
    path = CACHE / f"use-{key}.npy"
    if path.exists():
        mat = np.load(path)
    else:
        from newsloom.cluster.embed import make_embedder

        if len(texts) >= PROGRESS_FROM:  # minutes on a large file: say what it is doing
            print(f"cluster_quality: embedding {len(texts)} articles", file=sys.stderr, flush=True)
        mat = make_embedder(embedder).encode(texts)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(path, mat)
    return dict(zip(ids, mat, strict=True))


# --- metrics -----------------------------------------------------------------------------------


def bcubed(pred: list, gold: list) -> tuple[float, float, float]:
    by_pred: dict = defaultdict(list)
    by_gold: dict = defaultdict(list)
    for i, (p, g) in enumerate(zip(pred, gold, strict=True)):
        by_pred[p].append(i)
        by_gold[g].append(i)
    prec = rec = 0.0
    for p, g in zip(pred, gold, strict=True):
        same = sum(1 for j in by_pred[p] if gold[j] == g)
        prec += same / len(by_pred[p])
        rec += same / len(by_gold[g])
    n = len(pred)
    prec, rec = prec / n, rec / n
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


def metrics(pred: list, gold: list) -> dict:
    from sklearn.metrics import adjusted_rand_score

    p, r, f = bcubed(pred, gold)
    return {"P": p, "R": r, "F1": f, "ARI": adjusted_rand_score(gold, pred)}


def choose(results: list[tuple[object, dict[str, dict]]]):
    """The selection rule: among the settings with P >= R in every mode, those within SLACK of
    the best mean F1 over modes; of these the most precise (mean P), then the best F1."""
    ok = [(k, m) for k, m in results if all(m[mode]["P"] >= m[mode]["R"] for mode in m)]
    pool = ok or results

    def mean(m: dict[str, dict], key: str) -> float:
        return float(np.mean([m[mode][key] for mode in m]))

    top = max(mean(m, "F1") for _, m in pool)
    near = [(k, m) for k, m in pool if mean(m, "F1") >= top - SLACK]
    return max(near, key=lambda km: (mean(km[1], "P"), mean(km[1], "F1")))


# --- newsloom ------------------------------------------------------------------------------------


def items(recs: list[dict], vecs: dict[str, np.ndarray]) -> list[Item]:
    return [
        Item(
            id=i + 1,
            time=_when(r["published"]),
            title=r["title"],
            text=r["text"],
            vector=vecs[r["id"]],
            source=r["source"],
            language=None,
            duplicate_of=None,
            kind=r["_kind"],
        )
        for i, r in enumerate(recs)
    ]


def run_direct(
    recs: list[dict], vecs, params: ClusterParams, reasons: dict[str, str] | None = None
) -> list[int]:
    """Each article's story, StoryAssigner in memory; ``reasons``, when given, gets each
    decision's reason by article id."""
    assigner = StoryAssigner(params)
    story = {}
    for it in items(recs, vecs):
        d = assigner.add(it)
        story[it.id] = d.story
        if reasons is not None:
            reasons[recs[it.id - 1]["id"]] = d.reason
        for absorbed, survivor in d.merged:
            for k, v in story.items():
                if v == absorbed:
                    story[k] = survivor
    return [story[i + 1] for i in range(len(recs))]


#: A rejection in ``newsloom import``'s log (text format), where it names the line.
REJECTED = re.compile(r"where=articles\.jsonl:(\d+) reason=(.+?)\s*$")


def run_cli(
    recs: list[dict],
    embedder: str = "use",
    window_hours: float = ClusterParams.window_hours,
    reasons: dict[str, str] | None = None,
    lost: dict[str, str] | None = None,
) -> list[str | None]:
    """import -> cluster -> export stories through the ``newsloom`` command, with the window
    given as ``NEWSLOOM_CLUSTER_WINDOW_HOURS`` (the one ``ClusterParams`` field the CLI
    takes). ``reasons``, when given, gets the export's reason by article id; ``lost`` gets
    why each article missing from the export is (it is counted as a story of its own)."""
    exe = Path(sys.executable).parent / "newsloom"  # the CLI of the venv running this script
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "newsloom.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "articles.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for r in recs:
                fh.write(json.dumps({k: v for k, v in r.items() if k != "_label"}) + "\n")
        data = ["--data-dir", str(Path(tmp) / "data")]
        env = {
            **os.environ,
            "NEWSLOOM_EMBEDDER": embedder,
            "NEWSLOOM_CLUSTER_WINDOW_HOURS": str(window_hours),
        }
        logged = ""
        for args in (["import", str(path)], ["cluster"]):
            done = subprocess.run(cmd + data + args, capture_output=True, text=True, env=env)
            if done.returncode != 0:
                raise RuntimeError(f"newsloom {args[0]} failed: {done.stderr.strip()[-2000:]}")
            if args[0] == "import":
                logged = done.stderr
        done = subprocess.run(
            cmd + data + ["export", "stories", "--format", "jsonl"], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"newsloom export stories failed: {done.stderr.strip()[-2000:]}")
    story_of: dict[str, str] = {}
    for line in done.stdout.splitlines():
        if line.strip():
            st = json.loads(line)
            for art in st.get("articles", []):
                story_of[str(art.get("id"))] = str(st["id"])
                if reasons is not None and art.get("reason"):
                    reasons[str(art.get("id"))] = str(art["reason"])
    missing = _why_lost(recs, story_of, logged)
    if lost is not None:
        lost.update(missing)
    if reasons is not None:
        for id_, why in missing.items():
            reasons[id_] = f"not stored by newsloom import ({why}): a story of its own"
    # an article missing from the export is its own story (counted against recall)
    return [story_of.get(r["id"], f"missing:{r['id']}") for r in recs]


def _why_lost(recs: list[dict], story_of: dict[str, str], logged: str) -> dict[str, str]:
    """Why each article of ``recs`` missing from the export is: stored once with an earlier
    line of the same URL, or rejected by ``newsloom import`` (its logged reason, when it logs
    one)."""
    rejected = {}
    for line in logged.splitlines():
        m = REJECTED.search(line)
        if m:
            rejected[int(m[1])] = m[2]
    first: dict[str, str] = {}  # canonical URL -> id of its first line
    out = {}
    for lineno, r in enumerate(recs, 1):
        try:
            url = canonical_url(r["url"])
        except ValueError:  # newsloom import rejects it
            url = r["url"]
        first.setdefault(url, r["id"])
        if r["id"] in story_of:
            continue
        if first[url] != r["id"]:
            out[r["id"]] = f"same URL as {first[url]}, stored once"
        elif lineno in rejected:
            out[r["id"]] = f"rejected: {rejected[lineno]}"
        elif not r["title"].strip() and not r["text"].strip():
            out[r["id"]] = "rejected: no title and no text"
        else:
            out[r["id"]] = "not in the export (rejected by newsloom import)"
    return out


# --- baselines -----------------------------------------------------------------------------------


def tfidf_agglomerative(recs: list[dict], threshold: float, mode: str) -> list[int]:
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(recs) < 2:
        return [0] * len(recs)
    x = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        [f"{r['title']}\n{r['text']}" for r in recs]
    )
    dist = np.clip(1.0 - (x @ x.T).toarray(), 0.0, 2.0)
    if mode != "busy":
        ts = np.array([_when(r["published"]).timestamp() for r in recs])
        dist[np.abs(ts[:, None] - ts[None, :]) > 72 * 3600] = 2.0
    np.fill_diagonal(dist, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    )
    return [int(c) for c in model.fit_predict(dist)]


def use_threshold(recs: list[dict], vecs, t: float, mode: str) -> list[int]:
    mat = np.stack([vecs[r["id"]] for r in recs])
    ts = np.array([_when(r["published"]).timestamp() for r in recs])
    story: list[int] = []
    for i in range(len(recs)):
        if i == 0:
            story.append(0)
            continue
        sims = mat[:i] @ mat[i]
        if mode != "busy":
            sims[ts[i] - ts[:i] > 72 * 3600] = -np.inf
        j = int(np.argmax(sims))
        story.append(story[j] if sims[j] >= t else i)
    return story


# --- reporting -----------------------------------------------------------------------------------


def fmt(m: dict) -> str:
    return f"P={m['P']:.3f} R={m['R']:.3f} F1={m['F1']:.3f} ARI={m['ARI']:.3f}"


def _article(r: dict) -> str:
    """An article in an error listing: its id, then its title (else the start of its text)."""
    shown = r["title"] or (f"(no title) {r['text']}" if r["text"] else "(no title, no text)")
    return f"{r['id']}: {shown[:90]}"


def show_errors(
    recs: list[dict], pred: list, n: int, mode: str, reasons: dict[str, str] | None = None
) -> None:
    """The ``n`` worst merges and splits, each article by id and title, with the reason
    newsloom gave it (``reasons``, by id) where there is one."""
    reasons = reasons or {}

    def why(i: int, indent: int) -> None:
        if recs[i]["id"] in reasons:
            print(f"{'':>{indent}}{reasons[recs[i]['id']]}")

    gold = [r["_label"] for r in recs]
    clusters: dict = defaultdict(list)
    for i, p in enumerate(pred):
        clusters[p].append(i)
    merges = []
    for p, members in clusters.items():
        labels = Counter(gold[i] for i in members)
        if len(labels) > 1:
            merges.append((len(members) - labels.most_common(1)[0][1], len(members), p, members))
    merges.sort(key=lambda x: (-x[0], -x[1], str(x[2])))
    print(f"\n[{mode}] worst merges ({len(merges)} predicted stories mix labels):")
    for wrong, size, _p, members in merges[:n]:
        print(f"  {size} articles, {wrong} not of the majority story:")
        for i in sorted(members, key=lambda i: gold[i]):
            print(f"    {gold[i][-8:]:>8} {recs[i]['published'][:10]} {_article(recs[i])}")
            why(i, 24)
    labels: dict = defaultdict(list)
    for i, g in enumerate(gold):
        labels[g].append(i)
    splits = [
        (len({pred[i] for i in m}), g, m)
        for g, m in labels.items()
        if len({pred[i] for i in m}) > 1
    ]
    splits.sort(key=lambda x: (-x[0], x[1]))
    print(f"\n[{mode}] worst splits ({len(splits)} stories spread over several):")
    for parts, g, members in splits[:n]:
        print(f"  {g}: {parts} predicted stories")
        for i in members:
            print(f"    -> {str(pred[i])[-8:]:>8} {_article(recs[i])}")
            why(i, 16)


def evaluate(rows, params: ClusterParams, vecs, parts=PARTS, modes=MODES) -> dict:
    out: dict = {}
    for part in parts:
        for mode in modes:
            recs = records(part_rows(rows, part), mode)
            pred = run_direct(recs, vecs, params)
            out[(part, mode)] = metrics(pred, [r["_label"] for r in recs])
    return out


def _tuning_score(rows, vecs, params: ClusterParams, modes=MODES) -> dict[str, dict]:
    res = evaluate(rows, params, vecs, parts=("tuning",), modes=modes)
    return {mode: res[("tuning", mode)] for mode in modes}


def _sweep_one(args):
    rows, vecs, params, modes = args
    return params, _tuning_score(rows, vecs, params, modes)


def _cells(m: dict[str, dict]) -> str:
    return " | ".join(f"{mode} {fmt(cell)}" for mode, cell in m.items())


def sweep(rows, vecs, base: ClusterParams, jobs: int, modes=MODES) -> ClusterParams:
    from concurrent.futures import ProcessPoolExecutor

    def run_all(grid: list[ClusterParams]) -> list:
        if jobs > 1:
            with ProcessPoolExecutor(jobs) as pool:
                args = [(rows, vecs, g, modes) for g in grid]
                return list(pool.map(_sweep_one, args, chunksize=4))
        return [_sweep_one((rows, vecs, g, modes)) for g in grid]

    names = list(SWEEP)
    grid = [
        replace(base, **dict(zip(names, combo, strict=True)))
        for combo in itertools.product(*SWEEP.values())
    ]
    print(
        f"sweep: {len(grid)} grid points on the tuning part, modes {', '.join(modes)} ...",
        flush=True,
    )
    results = run_all(grid)
    best, best_m = choose(results)
    ranked = sorted(results, key=lambda km: -np.mean([km[1][m]["F1"] for m in modes]))
    print("top 5 by mean F1 (before the P >= R rule):")
    for params, m in ranked[:5]:
        vals = " ".join(f"{k}={getattr(params, k)}" for k in names)
        print(f"  {vals}: {_cells(m)}")
    vals = " ".join(f"{k}={getattr(best, k)}" for k in names)
    print(f"best grid point by the rule: {vals}")
    for name, values in SWEEP_ALSO.items():
        line = [replace(best, **{name: v}) for v in values]
        res = run_all(line)
        for params, m in res:
            print(f"  {name}={getattr(params, name)}: {_cells(m)}")
        # precision is never sacrificed for recall: a value that costs more than SLACK of
        # precision in either mode is not taken, whatever it does for F1
        kept = [(k, m) for k, m in res if all(m[x]["P"] >= best_m[x]["P"] - SLACK for x in modes)]
        best, best_m = choose([(best, best_m)] + kept)
        print(f"  -> {name}={getattr(best, name)}", flush=True)
    print("\nchosen by the rule (mean F1 over modes, P >= R in each):")
    for f in fields(best):
        mark = (
            "" if getattr(best, f.name) == getattr(base, f.name) else "   (shipped default differs)"
        )
        print(f"  {f.name} = {getattr(best, f.name)}{mark}")
    print(f"  tuning: {_cells(best_m)}")
    return best


def baselines(
    rows, vecs, undated: list[dict] | None = None, undated_vecs=None, parts=PARTS, modes=ALL_MODES
) -> None:
    """Both baselines at the setting the rule chooses on the tuning part (always over
    ``MODES``), measured on ``parts`` in ``modes``; ``undated`` (with its own vectors,
    ``undated_vecs``: its ids are not ``rows``') measured on the busy day."""
    grids = {
        "tfidf+agglomerative": [round(0.5 + 0.025 * i, 3) for i in range(19)],
        "use-threshold": [round(0.4 + 0.025 * i, 3) for i in range(19)],
    }

    def run(name, recs, mode, t, vecs=vecs):
        if name == "tfidf+agglomerative":
            return tfidf_agglomerative(recs, t, mode)
        return use_threshold(recs, vecs, t, mode)

    for name, grid in grids.items():
        results = []
        for t in grid:
            m = {}
            for mode in MODES:
                recs = records(part_rows(rows, "tuning"), mode)
                m[mode] = metrics(run(name, recs, mode, t), [r["_label"] for r in recs])
            results.append((t, m))
        t, _ = choose(results)
        label = "distance_threshold" if name == "tfidf+agglomerative" else "t"
        print(f"\nbaseline {name} ({label}={t}, chosen on the tuning part):")
        for part in parts:
            for mode in modes:
                recs = records(part_rows(rows, part), mode)
                m = metrics(run(name, recs, mode, t), [r["_label"] for r in recs])
                print(f"  {part:>8} {mode:>6}: {fmt(m)}")
        if undated:
            recs = records(undated, "busy")
            m = metrics(run(name, recs, "busy", t, undated_vecs), [r["_label"] for r in recs])
            print(f"  {UNDATED:>8} {'busy':>6}: {fmt(m)}")


def ceiling_scores(recs: list[dict], vecs, params: ClusterParams) -> np.ndarray:
    """newsloom's pair score between every two articles of ``recs``, every article in view at
    once (IDF over all of them); -10 where no pair score exists (other languages) or the two
    are further apart than the window."""
    assigner = StoryAssigner(params)
    its = items(recs, vecs)
    for it in its:
        assigner.restore(it.id, [it])
    scores = assigner.pair_scores([it.id for it in its])
    times = np.array([it.time.timestamp() for it in its])
    scores[np.abs(times[:, None] - times[None, :]) > params.window_hours * 3600.0] = np.nan
    return np.nan_to_num(scores, nan=-10.0)


def ceiling_labels(scores: np.ndarray, link: str, t: float) -> list:
    """Offline agglomerative clustering (``link``age, merging while the linkage score is at
    least ``t``) over a matrix of pair scores."""
    from sklearn.cluster import AgglomerativeClustering

    distance = 10.0 - scores
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage=link, distance_threshold=10.0 - t
    )
    return list(model.fit_predict(distance))


def ceiling(rows, vecs, params: ClusterParams, parts=PARTS, modes=MODES) -> None:
    """How much the online order costs: the same pair scores clustered offline (the
    threshold chosen on the tuning part over ``MODES``; shown for ``parts`` in ``modes``)."""
    grid = [round(0.3 + 0.05 * i, 2) for i in range(21)]
    cells = {}
    wanted = [(part, mode) for part in parts for mode in MODES if mode in modes]
    for part, mode in dict.fromkeys([("tuning", m) for m in MODES] + wanted):
        recs = records(part_rows(rows, part), mode)
        cells[(part, mode)] = (ceiling_scores(recs, vecs, params), [r["_label"] for r in recs])
    for link in ("average", "complete"):
        results = []
        for t in grid:
            tuning = {}
            for mode in MODES:
                scores, gold = cells[("tuning", mode)]
                tuning[mode] = metrics(ceiling_labels(scores, link, t), gold)
            results.append((t, tuning))
        t, _ = choose(results)
        print(f"\nceiling: offline {link}-link over newsloom's pair score (t={t}, tuning part):")
        for part, mode in wanted:
            scores, gold = cells[(part, mode)]
            print(f"  {part:>8} {mode:>5}: {fmt(metrics(ceiling_labels(scores, link, t), gold))}")


#: The ``ClusterParams`` fields ``--set`` can give without ``--direct`` (newsloom's settings
#: take them: ``cluster_window_hours``).
CLI_SETS = ("window_hours",)


def _lost_warning(what: str, lost: dict[str, str]) -> str:
    """The articles of ``what`` (``--data`` or ``--undated``) that ``newsloom import`` did not
    store as articles of their own, each counted as a story of its own, and why."""
    shown = "; ".join(f"{id_} ({why})" for id_, why in sorted(lost.items())[:10])
    more = f"; and {len(lost) - 10} more" if len(lost) > 10 else ""
    n = len(lost)
    return (
        f"warning: {n} article{'s' if n != 1 else ''} of {what} "
        f"{'were' if n != 1 else 'was'} not stored as an article of {'their' if n != 1 else 'its'} "
        f"own by newsloom import, so each counts as a story of its own (in the parts and modes "
        f"where it was left out): {shown}{more}"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="PATH",
        help="labelled articles, one JSON object a line with a label and a date and an id of "
        "its own (docs/clustering.md, 'Measuring it on your own data'; default: allsides-dev's "
        "articles.jsonl)",
    )
    ap.add_argument(
        "--split",
        default=SPLIT_DATE,
        metavar="DATE",
        help="articles dated before DATE are the tuning part, the rest held out",
    )
    ap.add_argument(
        "--undated",
        type=Path,
        default=None,
        metavar="PATH",
        help="a second held-out set in summaries.jsonl's format, measured on the busy day "
        "(default: summaries.jsonl beside --data, when there is one; 'none' to skip)",
    )
    ap.add_argument("--direct", action="store_true", help="run StoryAssigner in memory")
    ap.add_argument("--sweep", action="store_true", help="grid-search thresholds (with --direct)")
    ap.add_argument(
        "--errors",
        type=int,
        default=0,
        metavar="N",
        help="print the N worst merges and splits (each article's id, title and reason)",
    )
    ap.add_argument(
        "--no-baselines",
        action="store_true",
        help="skip the two baselines (TF-IDF + agglomerative, USE threshold)",
    )
    ap.add_argument(
        "--ceiling",
        action="store_true",
        help="also cluster offline over newsloom's pair score (what the online order costs)",
    )
    ap.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="processes for --sweep (default: one a CPU)",
    )
    ap.add_argument(
        "--select",
        default=",".join(MODES),
        metavar="MODES",
        help="modes the sweep's rule weighs, comma-separated "
        f"(of {', '.join(ALL_MODES)}; default {','.join(MODES)})",
    )
    ap.add_argument(
        "--modes",
        default=",".join(ALL_MODES),
        metavar="MODES",
        help="modes measured, comma-separated (of "
        f"{', '.join(ALL_MODES)}; default all; the undated set is measured with busy): on a "
        "large file the busy day, where every article is in view at once, takes longest",
    )
    ap.add_argument(
        "--parts",
        default=",".join(PARTS),
        metavar="PARTS",
        help=f"parts measured, comma-separated (of {', '.join(PARTS)}; default all three)",
    )
    ap.add_argument(
        "--embedder",
        default="use",
        help="embedder for newsloom and the USE-threshold baseline, as NEWSLOOM_EMBEDDER takes it",
    )
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a ClusterParams field (repeatable; without --direct only window_hours, "
        "which the CLI takes as NEWSLOOM_CLUSTER_WINDOW_HOURS)",
    )
    args = ap.parse_args(argv)
    for flag in ("sweep", "ceiling"):
        if getattr(args, flag) and not args.direct:
            print(f"cluster_quality: --{flag} needs --direct", file=sys.stderr)
            return 2
    chosen = {}
    for flag, value, allowed, what in (
        ("select", args.select, ALL_MODES, "modes"),
        ("modes", args.modes, ALL_MODES, "modes"),
        ("parts", args.parts, PARTS, "parts"),
    ):
        names = tuple(dict.fromkeys(m.strip() for m in value.split(",") if m.strip()))
        if not names or set(names) - set(allowed):
            print(
                f"cluster_quality: --{flag} takes {what} from {', '.join(allowed)}, not {value!r}",
                file=sys.stderr,
            )
            return 2
        chosen[flag] = tuple(n for n in allowed if n in names)  # in the usual order
    select, modes, parts = chosen["select"], chosen["modes"], chosen["parts"]
    if args.errors and not set(modes) & set(MODES):
        print(
            f"cluster_quality: --errors lists the errors of {' and '.join(MODES)}: "
            f"--modes {args.modes!r} measures neither",
            file=sys.stderr,
        )
        return 2
    if not args.data.exists():
        print(f"cluster_quality: data not found at {args.data}", file=sys.stderr)
        return 2
    try:
        args.split = split_date(args.split)
        params = with_settings(args.set)
    except ValueError as exc:
        print(f"cluster_quality: {exc}", file=sys.stderr)
        return 2
    if not args.direct:
        # newsloom's CLI reads one ClusterParams field from its settings: the window
        other = [n for n in (kv.partition("=")[0].strip() for kv in args.set) if n not in CLI_SETS]
        if other:
            print(
                f"cluster_quality: --set {other[0]} needs --direct (through the CLI only "
                f"{', '.join(CLI_SETS)} can be set, as NEWSLOOM_CLUSTER_WINDOW_HOURS)",
                file=sys.stderr,
            )
            return 2
    try:
        rows = load(args.data, args.split)
    except ValueError as exc:
        print(f"cluster_quality: {args.data}: {exc}", file=sys.stderr)
        return 2
    beside = args.data.parent / DEFAULT_UNDATED.name
    if args.undated is None and beside.exists():
        args.undated = beside
    if args.undated is not None and str(args.undated) == "none":
        args.undated = None
    if args.undated is not None and not args.undated.exists():
        print(f"cluster_quality: --undated file not found at {args.undated}", file=sys.stderr)
        return 2
    try:
        undated = load_undated(args.undated) if args.undated else []
    except ValueError as exc:
        print(f"cluster_quality: {args.undated}: {exc}", file=sys.stderr)
        return 2
    problem = parts_problem(rows, args.split)
    if problem:
        print(f"cluster_quality: {problem}", file=sys.stderr)
        return 2
    n_stories = {p: len({r["label"] for r in part_rows(rows, p)}) for p in PARTS}
    print(
        f"{len(rows)} articles, {n_stories['all']} stories; tuning part (before {args.split}): "
        f"{len(part_rows(rows, 'tuning'))} articles / {n_stories['tuning']} stories; held-out: "
        f"{len(part_rows(rows, 'held-out'))} / {n_stories['held-out']}"
    )
    if undated:
        print(
            f"undated ({args.undated.name}, held out, busy day only): {len(undated)} articles / "
            f"{len({r['label'] for r in undated})} stories"
        )
    cut = straddling(rows, args.split)
    if cut:
        sys.stdout.flush()
        print(f"cluster_quality: {cut}", file=sys.stderr, flush=True)
    need_vectors = args.direct or not args.no_baselines
    vecs = vectors(rows, args.embedder) if need_vectors else {}
    # the undated set's ids are its own: its vectors are kept apart from --data's
    undated_vecs = vectors(undated, args.embedder) if undated and need_vectors else {}
    if args.sweep:
        params = sweep(rows, vecs, params, args.jobs, select)
    changed = {k: v for k, v in asdict(params).items() if v != getattr(ClusterParams(), k)}
    how = "direct" if args.direct else "CLI"
    print(f"\nnewsloom ({how}), ClusterParams defaults" + (f" except {changed}" if changed else ""))
    preds = {}
    lost: dict[str, str] = {}  # CLI mode: articles missing from the export, and why
    lost_undated: dict[str, str] = {}
    for part in parts:
        for mode in modes:
            recs = records(part_rows(rows, part), mode)
            reasons: dict[str, str] = {}
            if len(recs) >= PROGRESS_FROM:
                print(
                    f"cluster_quality: clustering {part} {mode}: {len(recs)} articles",
                    file=sys.stderr,
                    flush=True,
                )
            if args.direct:
                pred = run_direct(recs, vecs, params, reasons)
            else:
                try:
                    pred = run_cli(recs, args.embedder, params.window_hours, reasons, lost)
                except RuntimeError as exc:
                    print(f"cluster_quality: {exc}", file=sys.stderr)
                    return 1
            preds[(part, mode)] = (recs, pred, reasons)
            print(
                f"  {part:>8} {mode:>6}: {fmt(metrics(pred, [r['_label'] for r in recs]))}",
                flush=True,
            )
    if undated and "busy" in modes:
        recs = records(undated, "busy")
        try:
            if args.direct:
                pred = run_direct(recs, undated_vecs, params)
            else:
                pred = run_cli(recs, args.embedder, params.window_hours, lost=lost_undated)
        except RuntimeError as exc:
            print(f"cluster_quality: {exc}", file=sys.stderr)
            return 1
        print(
            f"  {UNDATED:>8} {'busy':>6}: {fmt(metrics(pred, [r['_label'] for r in recs]))}",
            flush=True,
        )
    for what, missing in (("--data", lost), ("--undated", lost_undated)):
        if missing:
            print(f"cluster_quality: {_lost_warning(what, missing)}", file=sys.stderr, flush=True)
    if not args.no_baselines:
        baselines(rows, vecs, undated if "busy" in modes else None, undated_vecs, parts, modes)
    if args.ceiling:
        ceiling(rows, vecs, params, parts, modes)
    if args.errors:
        for mode in (m for m in MODES if m in modes):
            recs, pred, reasons = preds[("all" if "all" in parts else parts[-1], mode)]
            show_errors(recs, pred, args.errors, mode, reasons)
    return 0


if __name__ == "__main__":
    sys.exit(main())
