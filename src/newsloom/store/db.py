"""Engine creation, SQLite WAL pragmas, migrations and transactions."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, create_engine, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from ..config import Settings
from ..errors import StoreError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def upsert(conn: Connection, table: Table):
    """The connection's dialect's INSERT for ``table``, which has ``on_conflict_do_nothing``
    and ``on_conflict_do_update`` (both databases spell ON CONFLICT the same way)."""
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (the web server) never block the writer
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode and a generous busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


#: The advisory lock key held while migrating PostgreSQL (any fixed 64-bit number).
MIGRATION_LOCK = 0x6E65_7773_6C6F_6F6D >> 2


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # workers starting together take turns
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except SQLAlchemyError as exc:
        raise StoreError(f"store: could not migrate {engine.url!r}: {exc}") from exc


def open_store(settings: Settings) -> Engine:
    """Create (if needed) and migrate the database named by the settings."""
    engine = make_engine(settings.db_url)
    try:
        migrate(engine)
    except StoreError:
        engine.dispose()
        raise
    return engine


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("articles")


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One unit of work: commits on success, rolls back on any error."""
    with engine.begin() as conn:
        yield conn
