"""Measure story clustering across languages on labelled articles (by default allsides-dev's),
one article of each story machine-translated into German or Spanish.

    scripts/llm-server.sh serve 8765 &                       # a local OpenAI-compatible server
    .venv/bin/python bench/cluster_languages.py              # translate (once, cached), measure
    .venv/bin/python bench/cluster_languages.py --sweep      # also the cross-language settings
    .venv/bin/python bench/cluster_languages.py --llm none   # measure what is cached, ask nothing

allsides-dev is all English, so ``bench/cluster_quality.py`` never exercises the decision an
article in another language gets: the embedding alone, against the crowd around it
(``cross_threshold``, ``w_background_cross``, ``cross_floor`` in ``ClusterParams``). Here each
story's center article (``"stance": "center"``; else its first by id, ids compared as text)
is replaced by a translation, German or Spanish
by sha1(label), made by whatever model the server at ``--llm`` runs (the title and the text
asked for separately, temperature 0). The translation must then find its story's other
articles, written independently by other outlets, among every other story of the set, as a
report by a German or Spanish outlet would. A small local model translates loosely (names
kept, grammar and idiom often not), so the figures are a floor for real translations and a
fair test of precision: a look-alike story is as close as ever.

The translations are derived from the data set (research use only): they are cached outside
the project (the temp directory, or ``--cache``), never committed or shipped. The articles,
modes, split and metrics are ``bench/cluster_quality.py``'s: each part (tuning, held-out, all)
in each mode (true dates, busy day, spread) is clustered twice, all English and with the
translations, and the script prints B-cubed figures for both and what became of each
translation: joined its own story (alone with it, or with other stories' articles too),
stayed alone, or went with other stories' articles only; in all, then language by language.
``--sweep`` runs a grid over the three cross-language settings on the tuning part and picks
by ``cluster_quality``'s rule among the points that lose no more than its ``SLACK`` of
precision in either mode against the settings it starts from (the defaults, or ``--set``).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster_quality as cq  # noqa: E402

from newsloom.cluster.assign import ClusterParams  # noqa: E402

LANGUAGES = {"de": "German", "es": "Spanish"}
SWEEP = {
    "cross_threshold": [0.25, 0.3, 0.35, 0.4, 0.45],
    "w_background_cross": [0.0, 0.25, 0.5],
    "cross_floor": [0.5, 0.55, 0.6, 0.65],
}


#: How ``picks`` chooses, for messages and docs/clustering.md.
PICK_RULE = 'one article a story: the one with "stance": "center", else the first by id'


def picks(rows: list[dict]) -> dict[str, str]:
    """The article translated in each story (its id -> language): the center outlet's (a
    ``stance`` of ``center``), else the first by id (compared as text)."""
    by_label: dict[str, list[dict]] = {}
    for r in rows:
        by_label.setdefault(r["label"], []).append(r)
    out = {}
    for label, arts in by_label.items():
        center = [a for a in arts if a.get("stance") == "center"]
        pick = (center or sorted(arts, key=lambda a: a["id"]))[0]
        digest = int(hashlib.sha1(label.encode("utf-8")).hexdigest(), 16)
        out[pick["id"]] = "de" if digest % 2 else "es"
    return out


def read_cache(cache: Path) -> dict[str, dict]:
    """The translations in ``cache`` by article id (none when there is no such file), or
    ValueError naming the line of the first that is not ``{id, lang, title, text}``."""
    have: dict[str, dict] = {}
    if not cache.exists():
        return have
    try:
        text = cache.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read it ({exc})") from None
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        t = cq._json_object(line, lineno)
        missing = [k for k in ("id", "lang") if t.get(k) in (None, "")]
        missing += [k for k in ("title", "text") if not isinstance(t.get(k), str)]
        if missing:
            raise ValueError(f"line {lineno}: no {' or '.join(missing)}")
        t["id"] = str(t["id"])
        have[t["id"]] = t
    return have


def translate(rows, want: dict[str, str], cache: Path, llm: str | None, model: str | None):
    """Translations by article id, from ``cache`` and, for those missing, from the server at
    ``llm`` (appended to the cache as they come, so an interrupted run loses nothing).
    ``read_cache`` reads the cache before anything is asked (its ValueError passes on)."""
    have = read_cache(cache)
    missing = [r for r in rows if r["id"] in want and r["id"] not in have]
    if missing and llm:
        from openai import OpenAI

        client = OpenAI(base_url=llm, api_key="none", timeout=600)
        model = model or client.models.list().data[0].id
        cache.parent.mkdir(parents=True, exist_ok=True)
        print(f"translating {len(missing)} articles with {model} at {llm} ...", flush=True)
        with cache.open("a", encoding="utf-8") as fh:
            for n, r in enumerate(missing, 1):
                lang = want[r["id"]]

                def ask(text: str, max_tokens: int, lang=lang) -> str:
                    answer = client.chat.completions.create(
                        model=model,
                        messages=[
                            {
                                "role": "system",
                                "content": "You are a professional news translator. Translate "
                                f"the user's text from English into {LANGUAGES[lang]}. Output "
                                "only the translation, nothing else.",
                            },
                            {"role": "user", "content": text},
                        ],
                        temperature=0,
                        max_tokens=max_tokens,
                    )
                    return (answer.choices[0].message.content or "").strip()

                t = {"id": r["id"], "lang": lang, "title": ask(r["title"], 80)}
                t["text"] = ask(r["text"], 400)
                fh.write(json.dumps(t, ensure_ascii=False) + "\n")
                fh.flush()
                have[r["id"]] = t
                if n % 10 == 0:
                    print(f"  {n} / {len(missing)}", flush=True)
    return have


def fates(recs: list[dict], pred: list, translated: set[str]) -> Counter:
    """What became of each translation: ``own`` (with its story's articles only), ``own+``
    (and other stories' too), ``alone``, ``wrong`` (other stories' articles only)."""
    members: dict[object, list[dict]] = {}
    for r, p in zip(recs, pred, strict=True):
        members.setdefault(p, []).append(r)
    out: Counter = Counter()
    for r, p in zip(recs, pred, strict=True):
        if r["id"] not in translated:
            continue
        others = [o for o in members[p] if o["id"] != r["id"]]
        own = any(o["_label"] == r["_label"] for o in others)
        wrong = any(o["_label"] != r["_label"] for o in others)
        out["alone" if not others else ("own+" if wrong else "own") if own else "wrong"] += 1
    return out


def measure(rows, vecs, params: ClusterParams, part: str, mode: str, translated: dict[str, str]):
    """B-cubed metrics, the translations' fates, and the fates of each language's translations
    (``{lang: Counter}``) for one part and mode; ``translated``: article id -> language."""
    recs = cq.records(cq.part_rows(rows, part), mode)
    pred = cq.run_direct(recs, vecs, params)
    in_part = {r["id"]: translated[r["id"]] for r in recs if r["id"] in translated}
    by_lang = {
        lang: fates(recs, pred, {i for i, lg in in_part.items() if lg == lang})
        for lang in sorted(set(in_part.values()))
    }
    m = cq.metrics(pred, [r["_label"] for r in recs])
    return m, fates(recs, pred, set(in_part)), by_lang


def _fate(f: Counter) -> str:
    return " ".join(f"{k}={f[k]}" for k in ("own", "own+", "alone", "wrong"))


def sweep(mixed, vecs, translated: dict[str, str], base: ClusterParams) -> ClusterParams:
    """The grid on the tuning part; ``cluster_quality``'s rule chooses among the points that
    lose at most ``SLACK`` of precision in either mode against ``base`` (precision is never
    sacrificed for recall), ``base`` included."""
    names = list(SWEEP)
    start = {mode: measure(mixed, vecs, base, "tuning", mode, translated)[0] for mode in cq.MODES}
    print(f"  the settings the sweep starts from: {cq._cells(start)}", flush=True)
    results = [(base, start)]
    for combo in itertools.product(*SWEEP.values()):
        params = replace(base, **dict(zip(names, combo, strict=True)))
        cells = {
            mode: measure(mixed, vecs, params, "tuning", mode, translated)[0] for mode in cq.MODES
        }
        results.append((params, cells))
        vals = " ".join(f"{k}={getattr(params, k)}" for k in names)
        print(f"  {vals}: {cq._cells(cells)}", flush=True)
    kept = [
        (k, m)
        for k, m in results
        if all(m[mode]["P"] >= start[mode]["P"] - cq.SLACK for mode in cq.MODES)
    ]
    best, cells = cq.choose(kept)
    vals = " ".join(f"{k}={getattr(best, k)}" for k in names)
    print(f"chosen by the rule: {vals}: {cq._cells(cells)}")
    return best


def _some(ids: list[str], n: int = 10) -> str:
    return ", ".join(ids[:n]) + (f" and {len(ids) - n} more" if len(ids) > n else "")


def _none_picked(cache: Path, have: dict[str, dict], want: dict[str, str]) -> str:
    """Why nothing is measured when no picked article has a translation."""
    if not have:
        return f"no translations in {cache} and none asked for"
    return (
        f"{cache} holds {len(have)} translation{'s' if len(have) != 1 else ''}, none of an "
        f"article this script translates ({PICK_RULE}); it looked for "
        f"{_some(sorted(want))} (and none was asked for)"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        default=cq.DEFAULT_DATA,
        metavar="PATH",
        help="labelled articles, as bench/cluster_quality.py reads them (default: "
        "allsides-dev's articles.jsonl)",
    )
    ap.add_argument(
        "--split",
        default=cq.SPLIT_DATE,
        metavar="DATE",
        help="articles dated before DATE are the tuning part, the rest held out",
    )
    ap.add_argument(
        "--llm",
        default="http://127.0.0.1:8765/v1",
        help="OpenAI-compatible base URL that translates the missing articles "
        "('none': ask nothing)",
    )
    ap.add_argument("--model", default=None, help="model name (default: the server's first)")
    ap.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="translations file, one {id, lang, title, text} a line, for the article each "
        "story has translated (the one with stance center, else its first by id; default: "
        "in the temp directory, named after the data file)",
    )
    ap.add_argument("--sweep", action="store_true", help="grid over the cross-language settings")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a ClusterParams field (repeatable)",
    )
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"cluster_languages: data not found at {args.data}", file=sys.stderr)
        return 2
    try:
        args.split = cq.split_date(args.split)
        params = cq.with_settings(args.set)
    except ValueError as exc:
        print(f"cluster_languages: {exc}", file=sys.stderr)
        return 2
    try:
        rows = cq.load(args.data, args.split)
    except ValueError as exc:
        print(f"cluster_languages: {args.data}: {exc}", file=sys.stderr)
        return 2
    want = picks(rows)
    key = hashlib.sha1(args.data.read_bytes()).hexdigest()[:12]
    cache = args.cache or cq.CACHE / f"translations-{key}.jsonl"
    llm = None if args.llm == "none" else args.llm
    try:
        have = translate(rows, want, cache, llm, args.model)
    except ValueError as exc:  # a bad line in the translations file
        print(f"cluster_languages: {cache}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the server is down, or answered something unreadable
        print(
            f"cluster_languages: translating through {llm} failed ({exc}); start a server "
            "(scripts/llm-server.sh serve 8765) or pass --llm none to measure what is cached",
            file=sys.stderr,
        )
        return 1
    translated = {i: have[i]["lang"] for i in want if i in have}  # id -> language
    if not translated:
        print(f"cluster_languages: {_none_picked(cache, have, want)}", file=sys.stderr)
        return 2
    ignored = sorted(set(have) & {r["id"] for r in rows} - set(want))
    if ignored:
        many = len(ignored) != 1
        print(
            f"cluster_languages: warning: {len(ignored)} translation{'s' if many else ''} in "
            f"{cache} {'are' if many else 'is'} not of the article its story has translated "
            f"({PICK_RULE}), so not used: {_some(ignored)}",
            file=sys.stderr,
            flush=True,
        )
    # only the stories with a translation, so both sets hold the same stories
    labels = {r["label"] for r in rows if r["id"] in translated}
    english = [r for r in rows if r["label"] in labels]
    mixed = [
        {**r, "title": have[r["id"]]["title"], "text": have[r["id"]]["text"]}
        if r["id"] in translated
        else r
        for r in english
    ]
    count = Counter(translated.values())
    print(
        f"{len(english)} articles in {len(labels)} stories, {len(translated)} of them translated "
        f"({', '.join(f'{n} into {LANGUAGES.get(k, k)}' for k, n in sorted(count.items()))}); "
        f"translations cached in {cache}"
    )
    problem = cq.parts_problem(english, args.split)
    if problem:  # the split is taken over the stories with a translation
        print(f"cluster_languages: among them, {problem}", file=sys.stderr)
        return 2
    cut = cq.straddling(english, args.split)
    if cut:
        sys.stdout.flush()
        print(f"cluster_languages: {cut}", file=sys.stderr, flush=True)
    vecs = cq.vectors(english)
    vecs_mixed = cq.vectors(mixed)
    if args.sweep:
        params = sweep(mixed, vecs_mixed, translated, params)
    print(
        "\nB-cubed P / R / F1, ARI; all English | with the translations | what became of the "
        "translations (own: with its story only; own+: and other stories' articles; alone; "
        "wrong: other stories' articles only)"
    )
    by_language = []
    for part in cq.PARTS:
        for mode in cq.ALL_MODES:
            m_en, _, _ = measure(english, vecs, params, part, mode, {})
            m_mx, fate, by_lang = measure(mixed, vecs_mixed, params, part, mode, translated)
            print(f"  {part:>8} {mode:>6}: {cq.fmt(m_en)} | {cq.fmt(m_mx)} | {_fate(fate)}")
            each = " | ".join(f"{LANGUAGES.get(k, k)} {_fate(f)}" for k, f in by_lang.items())
            by_language.append(f"  {part:>8} {mode:>6}: {each}")
    print("\nwhat became of the translations, by language:")
    print("\n".join(by_language))
    return 0


if __name__ == "__main__":
    sys.exit(main())
