"""Measure the news/opinion classifier (``newsloom.ingest.classify``) on the allsides-dev set.

    .venv/bin/python bench/classify_quality.py [--data PATH] [--threshold T] [--errors N]

The data (AllSides tags, research use only) is read at run time and never copied anywhere; a
missing file is reported and the script exits 2.

Positive: ``opinion_tag`` OPINION or ANALYSIS (the classifier's "opinion" or "analysis").
Negative: ``opinion_tag`` null (straight news). FACT CHECK and DATA pieces (5 of 671) are
neither and are left out of the figures; how they were classified is printed separately.
The set has url, title and an excerpt of about 90 words; no JSON-LD, no section metadata.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsloom.ingest.classify import DEFAULT_THRESHOLD, classify  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "allsides-dev" / "articles.jsonl"
SPLIT_DATE = "2021-06-01"  # tune on articles dated before this, report on the rest
MIN_PRECISION = 0.8


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def label(row: dict) -> bool | None:
    tag = row.get("opinion_tag")
    if tag in ("OPINION", "ANALYSIS"):
        return True
    if tag is None:
        return False
    return None  # FACT CHECK, DATA: left out


def run(rows: list[dict], threshold: float):
    out = []
    for r in rows:
        c = classify(
            url=r.get("url") or "", title=r.get("title"), text=r.get("text"), threshold=threshold
        )
        out.append((r, c))
    return out


def family(rule: str) -> str:
    return rule.split(":", 1)[0] if ":" in rule else rule


def prf(pairs) -> dict:
    tp = fp = fn = tn = 0
    for r, c in pairs:
        y = label(r)
        if y is None:
            continue
        pred = c.kind in ("opinion", "analysis")
        if pred and y:
            tp += 1
        elif pred:
            fp += 1
        elif y:
            fn += 1
        else:
            tn += 1
    p = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * rec / (p + rec) if p + rec else 0.0
    f05 = 1.25 * p * rec / (0.25 * p + rec) if p + rec else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": p,
        "recall": rec,
        "f1": f1,
        "f05": f05,
    }


def fmt(m: dict) -> str:
    return (
        f"P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} F0.5={m['f05']:.3f} "
        f"(tp={m['tp']} fp={m['fp']} fn={m['fn']} tn={m['tn']})"
    )


THRESHOLDS = [round(0.20 + 0.05 * i, 2) for i in range(16)]  # 0.20 .. 0.95


def choose(rows: list[dict]) -> float:
    """The threshold with the best F0.5 (precision weighted twice recall) among those with
    precision >= MIN_PRECISION; ties go to the higher threshold."""
    best = None
    for t in THRESHOLDS:
        m = prf(run(rows, t))
        key = (m["precision"] >= MIN_PRECISION, m["f05"], t)
        if best is None or key > best[0]:
            best = (key, t)
    return best[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="articles.jsonl")
    ap.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"text-cue threshold for the full-set figures (default {DEFAULT_THRESHOLD})",
    )
    ap.add_argument(
        "--errors",
        type=int,
        default=0,
        help="print up to N misclassified titles of each kind (terminal only)",
    )
    args = ap.parse_args(argv)

    if not args.data.is_file():
        print(
            f"classify_quality: data not found: {args.data}\n"
            "  (the allsides-dev set lives in ../shared/data/allsides-dev/; pass --data PATH)",
            file=sys.stderr,
        )
        return 2
    rows = load(args.data)
    tags = Counter(r.get("opinion_tag") or "null" for r in rows)
    print(
        f"data: {args.data} ({len(rows)} articles; tags: "
        + ", ".join(f"{k}={v}" for k, v in sorted(tags.items()))
        + ")"
    )
    print("positive = OPINION|ANALYSIS, negative = null; FACT CHECK/DATA left out\n")

    pairs = run(rows, args.threshold)
    print(f"== full set, threshold {args.threshold:.2f}")
    print("  " + fmt(prf(pairs)))
    print("  page rules only (text cues off): " + fmt(prf(run(rows, 1.01))))

    for tag in ("OPINION", "ANALYSIS"):
        group = [(r, c) for r, c in pairs if r.get("opinion_tag") == tag]
        hit = sum(1 for _, c in group if c.kind in ("opinion", "analysis"))
        print(f"  recall on {tag}: {hit}/{len(group)} = {hit / max(len(group), 1):.3f}")

    print("\n== by rule family (which rule fired)")
    fams: dict[str, list] = defaultdict(list)
    for r, c in pairs:
        if label(r) is None:
            continue
        fam = family(c.rule)
        if fam == "text":
            fam = "text->opinion" if c.kind == "opinion" else "text->news"
        fams[fam].append((r, c))
    for fam in sorted(fams):
        group = fams[fam]
        pos = sum(1 for r, _ in group if label(r))
        print(
            f"  {fam:14s} fired {len(group):4d}  of which positive {pos:4d} "
            f"({pos / len(group):.0%})"
        )
    rule_counts = Counter(c.rule for _, c in pairs if not c.rule.startswith("text"))
    print("  page-evidence rules: " + ", ".join(f"{k}={v}" for k, v in rule_counts.most_common()))

    print("\n== threshold sweep (full set)")
    for t in THRESHOLDS:
        print(f"  t={t:.2f}  " + fmt(prf(run(rows, t))))

    dev = [r for r in rows if (r.get("date") or "") < SPLIT_DATE]
    test = [r for r in rows if (r.get("date") or "") >= SPLIT_DATE]
    t_best = choose(dev)
    print(
        f"\n== split: tune on {len(dev)} articles dated before {SPLIT_DATE}, "
        f"report on {len(test)} after"
    )
    print(f"  chosen on tuning part (best F0.5 with precision >= {MIN_PRECISION}): t={t_best:.2f}")
    print("  tuning part: " + fmt(prf(run(dev, t_best))))
    print("  held-out   : " + fmt(prf(run(test, t_best))))
    print(
        f"  held-out at default t={DEFAULT_THRESHOLD:.2f}: "
        + fmt(prf(run(test, DEFAULT_THRESHOLD)))
    )

    others = [(r, c) for r, c in pairs if label(r) is None]
    if others:
        print("\n== FACT CHECK / DATA (left out of the figures)")
        print("  " + ", ".join(f"{r['opinion_tag']}->{c.kind}" for r, c in others))

    if args.errors:
        flagged = ("opinion", "analysis")
        fp = [(r, c) for r, c in pairs if label(r) is False and c.kind in flagged]
        fn = [(r, c) for r, c in pairs if label(r) is True and c.kind not in flagged]
        print(f"\n== false positives (news called opinion), first {args.errors}")
        for r, c in fp[: args.errors]:
            print(f"  [{c.rule}] {r['title'][:90]}")
        print(f"\n== false negatives (opinion/analysis called news), first {args.errors}")
        for r, c in fn[: args.errors]:
            print(f"  [{r['opinion_tag']}; {c.rule}] {r['title'][:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
