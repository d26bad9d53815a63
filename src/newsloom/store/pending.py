"""Feed items whose page is to be tried again: take a Connection, return model objects.

A page that failed for a passing reason while its feed gave only a teaser is kept here (the
feed item as JSON, when it first failed, how often) until it is fetched or given up on
(``pipeline.Poller``). The row outlives the feed listing the item.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select

from ..model import FeedEntry
from .db import upsert
from .schema import pending_pages


@dataclass
class Pending:
    url: str  # canonical
    source_id: int
    entry: FeedEntry
    first_failed: datetime
    attempts: int
    next_try: datetime
    last_error: str


def _entry_json(entry: FeedEntry) -> str:
    data = asdict(entry)
    data["published"] = entry.published.isoformat() if entry.published else None
    return json.dumps(data, ensure_ascii=False)


def _entry(text: str) -> FeedEntry:
    data = json.loads(text)
    if data.get("published"):
        data["published"] = datetime.fromisoformat(data["published"])
    known = {f.name for f in fields(FeedEntry)}  # a row from another version: drop the rest
    return FeedEntry(**{k: v for k, v in data.items() if k in known})


def _pending(row) -> Pending:
    m = row._mapping
    return Pending(
        url=m["url"],
        source_id=m["source_id"],
        entry=_entry(m["entry"]),
        first_failed=m["first_failed"],
        attempts=m["attempts"],
        next_try=m["next_try"],
        last_error=m["last_error"],
    )


def for_source(conn: Connection, source_id: int) -> list[Pending]:
    """The source's items waiting for another try, the oldest failure first."""
    q = (
        select(pending_pages)
        .where(pending_pages.c.source_id == source_id)
        .order_by(pending_pages.c.first_failed, pending_pages.c.url)
    )
    return [_pending(r) for r in conn.execute(q)]


def get(conn: Connection, url: str) -> Pending | None:
    row = conn.execute(select(pending_pages).where(pending_pages.c.url == url)).first()
    return _pending(row) if row is not None else None


def record_failure(
    conn: Connection,
    url: str,
    source_id: int,
    entry: FeedEntry,
    error: str,
    now: datetime,
    *,
    first_wait: timedelta,
    give_up_after: timedelta,
) -> Pending:
    """Count one more failed try of ``url``. The next try waits ``first_wait``, doubled with
    each try, but never past ``give_up_after`` from the first failure (the last try is then)."""
    old = get(conn, url)
    attempts = (old.attempts if old else 0) + 1
    first = old.first_failed if old else now
    next_try = min(now + first_wait * 2 ** (attempts - 1), first + give_up_after)
    values = {
        "source_id": source_id,
        "entry": _entry_json(entry),
        "first_failed": first,
        "attempts": attempts,
        "next_try": next_try,
        "last_error": error[:2000],
    }
    stmt = upsert(conn, pending_pages).values(url=url, **values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[pending_pages.c.url], set_={k: stmt.excluded[k] for k in values}
        )
    )
    return Pending(url, source_id, entry, first, attempts, next_try, error[:2000])


def forget(conn: Connection, url: str) -> None:
    """The page was stored (or given up on and stored from the feed): nothing to retry."""
    conn.execute(delete(pending_pages).where(pending_pages.c.url == url))
