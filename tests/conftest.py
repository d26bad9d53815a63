"""Shared fixtures: real SQLite and PostgreSQL databases, settings for local servers, the real
local model server."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from helpers import free_port
from sqlalchemy import text

from newsloom.config import Settings
from newsloom.store.db import make_engine

PG_URL = os.environ.get("NEWSLOOM_TEST_PG_URL")
PG_SKIP = (
    "PostgreSQL tests are off: set NEWSLOOM_TEST_PG_URL="
    "postgresql+psycopg://postgres@127.0.0.1:5432/test to run them (.ci/run does)"
)


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings for tests: a temporary data dir, local servers allowed, no politeness delay."""
    return Settings(
        data_dir=tmp_path / "data",
        allow_private_addresses=True,
        per_host_delay=0.0,
        timeout=3.0,
        retries=1,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A database URL for each backend (PostgreSQL confined to a fresh schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'newsloom.db'}"
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def db_settings(settings, db_url) -> Settings:
    """Settings pointing at an empty database of each backend."""
    from dataclasses import replace

    return replace(settings, database_url=db_url)


@pytest.fixture
def engine(db_settings):
    from newsloom.store.db import open_store

    eng = open_store(db_settings)
    yield eng
    eng.dispose()


# The local model server (tests marked ``llm``)

CACHE = Path(os.environ.get("NEWSLOOM_LLM_CACHE", Path.home() / ".cache" / "newsloom-llm"))
MODEL = CACHE / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
SERVER_PYTHON = CACHE / "venv" / "bin" / "python"


@pytest.fixture(scope="session")
def real_server():
    """The real llama-cpp-python server with the cached model (``scripts/llm-server.sh`` builds
    both), on a free port, for the tests marked ``llm``; its base URL."""
    built = any((CACHE / "venv" / "lib").glob("python3*/site-packages/llama_cpp/server"))
    if not (MODEL.is_file() and SERVER_PYTHON.is_file() and built):
        pytest.skip(
            f"no local model server in {CACHE}: run scripts/llm-server.sh to build the local "
            "model server"
        )
    port = free_port()
    log = open(CACHE / "test-server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(SERVER_PYTHON), "-m", "llama_cpp.server", "--model", str(MODEL)]
        + ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited ({proc.returncode}); see {log.name}")
            try:
                with urllib.request.urlopen(url + "/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start in 120 s; see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
