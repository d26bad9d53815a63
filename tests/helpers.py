"""Helpers shared by the tests that drive the `newsloom` command."""

from __future__ import annotations

import json
import random
import socket
from pathlib import Path

from click.testing import CliRunner

from newsloom.cli import main


def recluster_stopped_after_a_batch(settings, engine=None, *, batch: int = 256, **kw) -> None:
    """A recluster stopped (as by a kill) once its first batch of ``batch`` articles is
    committed: the stories reset, some rebuilt, the recluster's marks left and nothing swept.
    ``kw`` goes to the clusterer (``embedder``); ``engine``: the settings' store, when none."""
    from newsloom.pipeline import recluster
    from newsloom.store.db import open_store

    class Stopped(Exception):
        pass

    def stop(tally):
        raise Stopped

    store = engine or open_store(settings)
    try:
        recluster(store, settings, batch=batch, on_batch=stop, **kw)
    except Stopped:
        pass
    finally:
        if engine is None:
            store.dispose()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (as the system hands it out)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(settings, *args, check: bool = True, **env) -> str:
    """Run `newsloom ARGS` in-process against the settings' data dir and database."""
    environ = {
        "NEWSLOOM_DATA_DIR": str(settings.data_dir),
        "NEWSLOOM_DATABASE_URL": settings.database_url or "",
        **env,
    }
    result = CliRunner().invoke(main, list(args), env=environ, catch_exceptions=False)
    if check:
        assert result.exit_code == 0, result.output
    return result.output


def write_jsonl(path: Path, rows) -> Path:
    """One JSON object a line (rows that are already strings are written as they are)."""
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(row if isinstance(row, str) else json.dumps(row))
            fh.write("\n")
    return path


WORDS = "harbour council vote bridge storm budget school minister river energy".split()


def page(title: str, seed: int) -> str:
    """An article page with distinct text per seed (not a syndicated copy of another)."""
    rng = random.Random(seed)
    paras = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + ".</p>"
        for _ in range(4)
    )
    return (
        f"<html lang='en'><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{paras}</article></body></html>"
    )
