"""Measure the extractive story writer (``newsloom.write``) on the allsides-dev summaries.

    .venv/bin/python bench/writer_quality.py [--data PATH] [--classify] [--limit N]

Data: ``../shared/data/allsides-dev/summaries.jsonl`` (286 clusters of 3 articles, each with
an editor-written neutral ``summary`` and ``summary_title``; research use only, read at run
time and never copied anywhere). A missing file is reported and the script exits 2.

What it prints:

- ROUGE-1/2/L F1 (the ``rouge-score`` package, Porter stemmer on, its default tokenizer)
  against ``summary`` of (a) the page's highlights and (b) the opening of its story, each cut
  to the references' mean length in words; next to three baselines cut to the same length and
  run here on the same sentences (newsloom's splitter): lead (first sentences of the articles,
  round-robin), LexRank and TextRank (``sumy``, English Snowball stemmer and stop words).
  Figures for the whole set and for its two halves (clusters 0-142 were looked at while
  tuning the writer's weights; 143-285 were not).
- The share of written sentences (highlights and story) that ``verify.supported`` accepts
  against the raw texts of the articles they cite.
- Headline length, how often a headline is over 90 characters, a question, or carries a
  loaded word from the team's list; headline ROUGE-1 against ``summary_title`` next to the
  first article's title.
- Time per page (median and 95th percentile over all clusters, after one warm-up page) and
  the time for a 20-article page built by concatenating clusters (and one with ~900-word
  articles), each the median and minimum of 20 runs; the first also next to LexRank (sumy)
  on the same articles in the same run, as a ratio (machines here are shared and noisy).

``--classify`` first runs newsloom's news/opinion classifier on each article, as the pipeline
does, so that opinion pieces are listed under Opinions and not quoted in the story.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsloom.write import SourceArticle, supported, write_page  # noqa: E402
from newsloom.write.extractive import HEADLINE_MAX_CHARS, clean_headline  # noqa: E402
from newsloom.write.sentences import (  # noqa: E402
    clean_markup,
    split_sentences,
    strip_debris,
)
from newsloom.write.tone import loaded_terms_in  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "allsides-dev" / "summaries.jsonl"
TUNING_CLUSTERS = 143  # the first 143 clusters were looked at while tuning


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def cut(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


def article_sentences(text: str) -> list[str]:
    return split_sentences("\n".join(strip_debris(clean_markup(text))))


# --- baselines ---------------------------------------------------------------------------------


def lead_baseline(texts: list[list[str]], words: int) -> str:
    out, n, i = [], 0, 0
    while n < words and any(i < len(s) for s in texts):
        for sents in texts:
            if i < len(sents) and n < words:
                out.append(sents[i])
                n += len(sents[i].split())
        i += 1
    return " ".join(out)


class _Tokenizer:
    """newsloom's sentence splitter for sumy (no NLTK data needed)."""

    language = "english"

    def to_sentences(self, paragraph: str):
        return split_sentences(paragraph)

    def to_words(self, sentence: str):
        return re.findall(r"[^\W_]+(?:['’][^\W_]+)*", sentence)


def graph_baselines():
    try:
        from sumy.models.dom import ObjectDocumentModel, Paragraph
        from sumy.models.dom import Sentence as SumySentence
        from sumy.nlp.stemmers import Stemmer
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.summarizers.text_rank import TextRankSummarizer
        from sumy.utils import get_stop_words
    except ImportError:
        print("sumy is not installed: pip install sumy (LexRank/TextRank baselines skipped)")
        return {}
    tokenizer = _Tokenizer()
    stemmer = Stemmer("english")
    summarizers = {}
    for name, cls in (("LexRank", LexRankSummarizer), ("TextRank", TextRankSummarizer)):
        s = cls(stemmer)
        s.stop_words = get_stop_words("english")
        summarizers[name] = s

    def make(summarizer):
        def run(texts: list[list[str]], words: int) -> str:
            doc = ObjectDocumentModel(
                [Paragraph([SumySentence(x, tokenizer) for x in sents]) for sents in texts if sents]
            )
            total = sum(len(s) for s in texts)
            chosen: list = []
            for k in range(1, total + 1):
                chosen = list(summarizer(doc, k))
                if sum(len(str(s).split()) for s in chosen) >= words:
                    break
            return " ".join(str(s) for s in chosen)

        return run

    return {name: make(s) for name, s in summarizers.items()}


# --- ROUGE -------------------------------------------------------------------------------------


def scorer():
    try:
        from rouge_score import rouge_scorer
    except ImportError:
        print("rouge-score is not installed: pip install rouge-score", file=sys.stderr)
        sys.exit(2)
    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)


def mean_scores(pairs, rouge) -> dict[str, float]:
    totals = Counter()
    for hyp, ref in pairs:
        s = rouge.score(ref, hyp)
        for k in ("rouge1", "rouge2", "rougeL"):
            totals[k] += s[k].fmeasure
    n = max(1, len(pairs))
    return {k: totals[k] / n for k in ("rouge1", "rouge2", "rougeL")}


# --- the run -----------------------------------------------------------------------------------


def source_articles(row: dict, classify_kinds: bool) -> list[SourceArticle]:
    arts = []
    for k, a in enumerate(row["articles"]):
        url = f"https://outlet{k}.example/{a['id']}"
        kind = "news"
        if classify_kinds:
            from newsloom.ingest.classify import classify

            kind = classify(url=url, title=a.get("title"), text=a.get("text")).kind
        arts.append(
            SourceArticle(
                url=url, title=a.get("title") or "", text=a.get("text") or "", source=f"Outlet {k}"
            )
        )
        arts[-1].kind = kind
    return arts


def timed(fn, runs: int) -> tuple[float, float]:
    """Median and minimum wall time of ``fn()`` over ``runs`` runs (the minimum is the figure
    least disturbed by other work on a shared machine)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--classify", action="store_true", help="mark opinion pieces first")
    ap.add_argument("--limit", type=int, default=None, help="only the first N clusters")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(
            f"data not found: {args.data}\n(the allsides-dev set lives in ../shared/data/; "
            "pass --data PATH)",
            file=sys.stderr,
        )
        return 2
    rows = load(args.data)[: args.limit]
    rouge = scorer()
    length = round(statistics.mean(len(r["summary"].split()) for r in rows))
    baselines = {"lead": lead_baseline, **graph_baselines()}

    outputs: dict[str, list[tuple[str, str]]] = {
        k: [] for k in ("highlights", "story opening", *baselines)
    }
    per_page, verified, written, kinds = [], 0, 0, Counter()
    unsupported: list[tuple[str, dict]] = []
    headlines, head_pairs, head_base = [], [], []
    tones, statuses, words = Counter(), Counter(), []
    per_page_highlights, highlight_words = Counter(), []
    arts0 = source_articles(rows[0], args.classify)
    write_page(arts0)  # warm-up: lexicons, VADER
    for r in rows:
        arts = source_articles(r, args.classify)
        kinds.update(a.kind for a in arts)
        t = time.perf_counter()
        page = write_page(arts)
        per_page.append(time.perf_counter() - t)
        ref = r["summary"]
        statuses[page["status"]] += 1
        tones[page["tone"]["label"]] += 1
        words.append(page["word_count"])
        per_page_highlights[len(page["highlights"])] += 1
        highlight_words += [len(h["text"].split()) for h in page["highlights"]]
        outputs["highlights"].append(
            (cut(" ".join(h["text"] for h in page["highlights"]), length), ref)
        )
        outputs["story opening"].append(
            (cut(" ".join(s["text"] for s in page["story"]), length), ref)
        )
        texts = [article_sentences(a.text) for a in arts]
        for name, fn in baselines.items():
            outputs[name].append((cut(fn(texts, length), length), ref))
        by_url = {a.url: a.text for a in arts}
        for p in page["highlights"] + page["story"]:
            ok, details = supported(p["text"], [by_url[u] for u in p["citations"]])
            written += 1
            verified += ok
            if not ok:
                unsupported.append((p["text"], details))
        h = page["headline"]
        headlines.append(h)
        head_pairs.append((h, r["summary_title"]))
        head_base.append((clean_headline(arts[0].title, set()), r["summary_title"]))

    print(f"clusters: {len(rows)}; reference mean length: {length} words; kinds: {dict(kinds)}")
    print(f"pages: {dict(statuses)}; story words: median {statistics.median(words):.0f}")
    print(f"tone labels: {dict(tones.most_common())}")
    print(
        f"highlights per page: {dict(sorted(per_page_highlights.items(), reverse=True))}; "
        f"{len(highlight_words)} highlights, {sum(n > 35 for n in highlight_words)} over 35 "
        f"words, longest {max(highlight_words, default=0)}"
    )
    print()
    parts = {"all": slice(None)}
    if len(rows) > TUNING_CLUSTERS:
        parts["tuning 0-142"] = slice(0, TUNING_CLUSTERS)
        parts[f"held-out {TUNING_CLUSTERS}-{len(rows) - 1}"] = slice(TUNING_CLUSTERS, None)
    for part, sl in parts.items():
        print(f"ROUGE F1 at {length} words ({part}):")
        print(f"  {'system':<16} {'R-1':>6} {'R-2':>6} {'R-L':>6}")
        for name, pairs in outputs.items():
            s = mean_scores(pairs[sl], rouge)
            print(f"  {name:<16} {s['rouge1']:6.3f} {s['rouge2']:6.3f} {s['rougeL']:6.3f}")
        print()
    share = verified / written if written else 0.0
    print(f"verified sentences: {verified}/{written} ({share:.1%})")
    for text, details in unsupported[:5]:
        print(f"  unsupported: {text[:100]!r} {details}")
    chars = [len(h) for h in headlines]
    n = len(headlines)
    print(
        f"headlines: chars mean {statistics.mean(chars):.1f}, median "
        f"{statistics.median(chars):.0f}, max {max(chars)}; words mean "
        f"{statistics.mean(len(h.split()) for h in headlines):.1f}; "
        f"> {HEADLINE_MAX_CHARS} chars {sum(c > HEADLINE_MAX_CHARS for c in chars)}/{n}; "
        f"questions {sum(h.rstrip().endswith('?') for h in headlines)}/{n}; "
        f"empty {sum(not h for h in headlines)}/{n}"
    )
    loaded = [h for h in headlines if loaded_terms_in(h)]
    loaded_titles = [t for t, _ in head_base if loaded_terms_in(t)]
    print(
        f"headlines with a loaded word: {len(loaded)}/{n} "
        f"(first article's title: {len(loaded_titles)}/{n})"
    )
    hs = mean_scores(head_pairs, rouge)["rouge1"]
    bs = mean_scores(head_base, rouge)["rouge1"]
    print(f"headline ROUGE-1 F1 vs summary_title: {hs:.3f} (first article's title: {bs:.3f})")
    print()
    med = statistics.median(per_page) * 1000
    p95 = sorted(per_page)[int(0.95 * (len(per_page) - 1))] * 1000
    print(f"time per page (3 articles): median {med:.1f} ms, p95 {p95:.1f} ms")
    big = [a for r in rows[:7] for a in source_articles(r, args.classify)][:20]
    for i, a in enumerate(big):
        a.source = f"Outlet {i}"
    med, best = timed(lambda: write_page(big), 20)
    line = (
        f"20-article page (7 clusters concatenated): median {med * 1000:.1f} ms, "
        f"min {best * 1000:.1f} ms"
    )
    if "LexRank" in baselines:
        texts = [article_sentences(a.text) for a in big]
        lex_med, _ = timed(lambda: baselines["LexRank"](texts, length), 5)
        line += (
            f"; LexRank (sumy) on the same articles {lex_med * 1000:.1f} ms "
            f"(writer / LexRank {med / lex_med:.2f})"
        )
    print(line)
    pool = [a["text"] for r in rows for a in r["articles"]]
    long = []
    for i, a in enumerate(big):
        text = "\n".join(pool[(i * 15 + j) % len(pool)] for j in range(15))
        long.append(SourceArticle(url=a.url, title=a.title, text=text, source=a.source))
    mean_words = statistics.mean(len(a.text.split()) for a in long)
    med, best = timed(lambda: write_page(long), 20)
    print(
        f"20-article page, ~{mean_words:.0f}-word articles: median {med * 1000:.1f} ms, "
        f"min {best * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
