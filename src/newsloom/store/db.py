"""Engine creation, SQLite WAL pragmas, migrations and transactions."""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, create_engine, event, inspect, make_url, text
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
    if make_url(url).get_backend_name() == "sqlite":
        path = _sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
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
        reason = getattr(exc, "orig", None) or exc  # one line, without SQLAlchemy's links
        raise StoreError(f"store: could not migrate {engine.url!r}: {reason}") from exc


def _where(settings: Settings) -> str:
    """The database as a person would name it: the data directory for the default SQLite
    file, else the URL (without its password)."""
    if not settings.database_url:
        return f"data directory {settings.data_dir}"
    return f"database {make_url(settings.db_url).render_as_string(hide_password=True)}"


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database, or SQLite in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_store(settings: Settings, *, create: bool = True) -> Engine:
    """Open the database named by the settings and bring its schema up to date.

    Args:
        settings: ``db_url`` names the database (SQLite in ``data_dir`` by default).
        create: create the database (and the data directory) when there is none; False for
            commands that only work on what is stored, so that a mistyped ``--data-dir``
            is an error rather than a new, empty database that looks like lost data.

    Raises:
        StoreError: the data directory cannot be used, the database cannot be migrated, or
            (``create=False``) there is no newsloom database there yet.
    """
    path = _sqlite_file(settings.db_url)
    if path is not None:
        try:
            if not create and not path.is_file():
                raise StoreError(_no_database(settings))
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() and not os.access(path.parent, os.W_OK | os.X_OK):
                raise PermissionError(errno.EACCES, "cannot create a database there")
        except OSError as exc:
            raise StoreError(
                f"store: cannot use the {_where(settings)}: {exc.strerror or exc}"
            ) from exc
    engine = make_engine(settings.db_url)
    try:
        if not create and not has_schema(engine):
            raise StoreError(_no_database(settings))
        migrate(engine)
    except SQLAlchemyError as exc:  # has_schema: the database cannot be reached
        engine.dispose()
        reason = getattr(exc, "orig", None) or exc
        raise StoreError(f"store: cannot open the {_where(settings)}: {reason}") from exc
    except StoreError:
        engine.dispose()
        raise
    return engine


def _no_database(settings: Settings) -> str:
    option = "--database-url" if settings.database_url else "--data-dir"
    return (
        f"store: no newsloom database in the {_where(settings)} (a mistyped {option}?); "
        "start one with `newsloom run`, `newsloom sources add FEED_URL`, "
        "`newsloom sources import FILE.opml` or `newsloom import FILE`"
    )


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("articles")


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One unit of work: commits on success, rolls back on any error."""
    with engine.begin() as conn:
        yield conn
