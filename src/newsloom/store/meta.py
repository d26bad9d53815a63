"""Values and locks shared by every process that uses one database.

``exclusive(conn, name)`` makes the rest of the caller's transaction the only one holding
``name``: on PostgreSQL a transaction-scoped advisory lock, on SQLite the database's write lock
(taken at once, so what the transaction reads next is already current). Several workers, on one
machine or many, use it to take turns at a step that must not run twice at once, such as
assigning articles to stories.

``hold(engine, name)`` holds ``name`` across transactions, for as long as a block of code runs
in this process, and lets it go when the block ends or the process dies, however it dies;
``held(conn, name)`` tells any other process whether someone holds it. A recluster holds one
while it runs (``store.stories.recluster_running``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, select, text, update

from .schema import meta

#: Set by a recluster's reset until clustering has caught up and swept the emptied stories
#: (``newsloom.pipeline.recluster``, ``newsloom.store.stories.sweep``).
STORIES_TO_SWEEP = "stories_to_sweep"
#: The first story row id a recluster makes (``store.stories.sweep``), until its sweep.
RECLUSTER_ROWS_FROM = "recluster_rows_from"
#: The newest article id when a recluster reset the stories, until its sweep: articles
#: stored after it are news the recluster's stories did not have before.
RECLUSTER_ARTICLES_TO = "recluster_articles_to"
#: Held (``hold``) by the process running a recluster, from before its reset to its end.
RECLUSTER_RUNNING = "recluster"
#: Held by a ``newsloom run`` that does the work in its own process (two would write the same
#: pages: a second is refused).
RUN_RUNNING = "run"


def _lock_key(name: str) -> int:
    """A stable 63-bit key for an advisory lock (the same in every process)."""
    return zlib.crc32(f"newsloom:{name}".encode()) | (0x5E << 32)


def _lock_file(engine: Engine, name: str) -> Path | None:
    """SQLite: the file beside the database whose OS lock stands for ``name`` (None for a
    database in memory, which no other process can open)."""
    database = engine.url.database
    if database in (None, "", ":memory:"):
        return None
    return Path(f"{database}.{name}.lock")


@contextlib.contextmanager
def hold(engine: Engine, name: str) -> Iterator[bool]:
    """Hold ``name`` while the block runs, if no other holder has it: yields True when this
    process now holds it, False when another does (nothing is held then). Let go when the
    block ends, and by the operating system or the database server when the process dies
    (killed included): on PostgreSQL a session advisory lock on a connection of its own, on
    SQLite an OS lock (``flock``) on a file beside the database. Not re-entrant: a second
    ``hold`` of the same name in the same process is another holder."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        try:
            mine = conn.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": _lock_key(name)}
            ).scalar()
            conn.commit()  # (a session lock outlives the transaction)
            yield bool(mine)
            if mine:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _lock_key(name)})
                conn.commit()
        except BaseException:
            conn.invalidate()  # closes the session, and so lets the lock go
            raise
        finally:
            conn.close()
        return
    path = _lock_file(engine, name)
    if path is None:
        yield True
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # (closing lets the lock go)


def held(conn: Connection, name: str) -> bool:
    """Whether a process (this one included) holds ``name`` (``hold``) now."""
    if conn.dialect.name == "postgresql":
        key = _lock_key(name)
        return bool(
            conn.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
                    "AND classid = CAST(:high AS oid) AND objid = CAST(:low AS oid) "
                    "AND objsubid = 1 AND granted)"
                ),
                {"high": key >> 32, "low": key & 0xFFFFFFFF},
            ).scalar()
        )
    path = _lock_file(conn.engine, name)
    if path is None or not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def exclusive(conn: Connection, name: str) -> None:
    """Hold ``name`` until the caller's transaction ends (waits for another holder)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(name)})
    else:  # SQLite: any write takes the database's single write lock for the transaction
        conn.execute(update(meta).where(meta.c.key == f"lock:{name}").values(value=""))


def get_int(conn: Connection, key: str, default: int = 0) -> int:
    value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one_or_none()
    return default if value is None else int(value)


def put_int(conn: Connection, key: str, value: int) -> None:
    if not conn.execute(update(meta).where(meta.c.key == key).values(value=str(value))).rowcount:
        conn.execute(meta.insert().values(key=key, value=str(value)))


def bump(conn: Connection, key: str) -> int:
    """Add one to a counter (created at 1) and return it; call it under ``exclusive``."""
    value = get_int(conn, key) + 1
    if conn.execute(update(meta).where(meta.c.key == key).values(value=str(value))).rowcount:
        return value
    conn.execute(meta.insert().values(key=key, value=str(value)))
    return value
