"""Shared fixtures: real SQLite and PostgreSQL databases, settings for local servers."""

from __future__ import annotations

import os
import uuid

import pytest
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
