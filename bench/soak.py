"""Soak: ``newsloom run`` against 200 local feeds for several minutes, measured and checked.

    .venv/bin/python bench/soak.py [--seconds 300] [--feeds 200] [--period 5] [--per-tick 20]
                                   [--events 30] [--seed 1] [--keep DIR] [--json FILE]

Starts the feed farm (``tests/feedfarm.py``: outlets on one loopback server whose feeds
change every few seconds, several outlets writing about each of ``--events`` events), imports
its feeds into a fresh SQLite data directory and runs ``newsloom run`` as a real process
against it for ``--seconds``; then the farm stops publishing, the run is given time to catch
up, and it is stopped with SIGTERM. The whole procedure, and what it checks, is
``tests/soak.py`` (``tests/test_soak.py`` runs a 90-second version in ``make test``).

Prints the figures (items published, articles stored, stories, pages, polls, memory start /
peak / end and its growth after the warm-up, lags, CPU) and the checks that failed, if any;
``--json`` also writes the whole report. Exits 1 when a check failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from soak import SoakConfig, allowed_growth_mib, problems, run_soak, summary  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=300.0, help="how long the farm publishes")
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--period", type=float, default=5.0, help="seconds between farm ticks")
    ap.add_argument("--per-tick", type=int, default=20, help="outlets publishing per tick")
    ap.add_argument("--events", type=int, default=30, help="over 30: look-alike events too")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--warmup", type=float, default=30.0, help="seconds left out of memory")
    ap.add_argument("--keep", type=Path, help="run in this directory and keep it (log, db)")
    ap.add_argument("--json", type=Path, help="write the whole report here")
    ap.add_argument(
        "--workers",
        type=int,
        default=0,
        help="run `newsloom run --workers N` on PostgreSQL (a fresh schema of --pg)",
    )
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    schema = None
    if args.workers:
        schema = "soak_" + uuid.uuid4().hex[:10]
        with create_engine(args.pg).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    cfg = SoakConfig(
        seconds=args.seconds,
        feeds=args.feeds,
        period=args.period,
        per_tick=args.per_tick,
        events=args.events,
        seed=args.seed,
        warmup=args.warmup,
        workers=args.workers,
        database_url=(
            f"{args.pg}{'&' if '?' in args.pg else '?'}options=-csearch_path%3D{schema}"
            if schema
            else None
        ),
    )
    try:
        return _run(args, cfg)
    finally:
        if schema:
            with create_engine(args.pg).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _run(args, cfg) -> int:
    if args.keep:
        report = run_soak(cfg, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="newsloom-soak-") as tmp:
            report = run_soak(cfg, Path(tmp))
    print()
    print(summary(report))
    m = report["memory"]
    print(
        f"memory bound: growth {m.get('growth_mib')} MiB, allowed "
        f"{allowed_growth_mib(report):.1f} MiB; RSS series (s, MiB): {report['rss_series']}"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))
    failed = problems(report)
    print("checks:", "all passed" if not failed else "FAILED")
    for why in failed:
        print("  -", why)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
