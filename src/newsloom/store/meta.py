"""Values and locks shared by every process that uses one database.

``exclusive(conn, name)`` makes the rest of the caller's transaction the only one holding
``name``: on PostgreSQL a transaction-scoped advisory lock, on SQLite the database's write lock
(taken at once, so what the transaction reads next is already current). Several workers, on one
machine or many, use it to take turns at a step that must not run twice at once, such as
assigning articles to stories.
"""

from __future__ import annotations

import zlib

from sqlalchemy import Connection, select, text, update

from .schema import meta

#: Set by a recluster's reset until clustering has caught up and swept the emptied stories
#: (``newsloom.pipeline.recluster``, ``newsloom.store.stories.sweep``).
STORIES_TO_SWEEP = "stories_to_sweep"
#: The first story row id a recluster makes (``store.stories.sweep``), until its sweep.
RECLUSTER_ROWS_FROM = "recluster_rows_from"
#: The newest article id when a recluster reset the stories, until its sweep: articles
#: stored after it are news the recluster's stories did not have before.
RECLUSTER_ARTICLES_TO = "recluster_articles_to"
#: When the process running a recluster last said it is alive (Unix seconds; 0 once it has
#: ended, or stopped with an error): ``store.stories.recluster_running``.
RECLUSTER_BEAT = "recluster_beat"


def _lock_key(name: str) -> int:
    """A stable 63-bit key for an advisory lock (the same in every process)."""
    return zlib.crc32(f"newsloom:{name}".encode()) | (0x5E << 32)


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
