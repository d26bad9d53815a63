"""HTTP plumbing shared by pages, API and feeds: rendered responses, validators, the cache.

Every GET view builds a :class:`Rendered` (body, type, validators) from the database. Built
responses are kept in a small LRU keyed by the request and the *data version*, a cheap
fingerprint of the database re-read at most every ``recheck_seconds``; when the data changes
the cache is dropped. A response is therefore at most ``recheck_seconds`` stale, and a hit
costs no database work at all. Cached bodies of ``GZIP_MIN`` bytes or more are kept gzipped
only (:meth:`Rendered.pack`). Story pages and API stories are also kept by what they show
(:meth:`Site.story`), so a change elsewhere in the database costs them a fingerprint check,
not a new build.

While a recluster is under way (``store.stories.recluster_under_way``: the stories are being
rebuilt, some of them half way) the site goes on showing them as they were before it began:
the front page, lists and feeds keep the last ranking read, a story page or API story is its
kept rendering (``web.publish`` renders nothing meanwhile) or, for a story with none, is
built from the articles it had when the recluster began, a story merged during it is not
redirected yet, and no response built from the database is cached, so nothing half rebuilt
outlives the recluster.

Conditional GET: every response carries an ``ETag`` (a hash of its body, weak because gzip
may re-encode it) and, where the data has a time, ``Last-Modified``; ``If-None-Match`` and
``If-Modified-Since`` answer 304.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import __version__
from ..errors import NewsloomError
from ..store import renderings
from ..store.stories import recluster_under_way
from . import queries

log = logging.getLogger(__name__)

#: Bodies smaller than this are sent as they are.
GZIP_MIN = 1000
#: Responses built concurrently (in worker threads) on cache misses.
BUILDERS = 4
#: Bytes of responses each cache may hold (the three share most of their items).
CACHE_BYTES = 64 * 1024 * 1024
#: The media type of each kind of story rendering.
MEDIA_TYPES = {"page": "text/html; charset=utf-8", "api": "application/json"}
#: Routes of a story's kept renderings (``store.renderings``): path prefix, kind.
KEPT_ROUTES = (("/t/", "page"), ("/api/v1/stories/", "api"))
_SHORT_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
#: Bytes counted per cached response beyond its body: the object and its header lists.
ENTRY_OVERHEAD = 512


class Unauthorized(NewsloomError):
    """A state-changing request without the right bearer token."""

    status = 401


class Forbidden(NewsloomError):
    """State-changing endpoints are disabled (no ``api_token`` is set)."""

    status = 403


def _render_version() -> str:
    """A hash of the code, templates and static files that render pages (and the package's
    version): renderings kept in the database by older code are never served."""
    digest = hashlib.sha1(__version__.encode())
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*.py"), *here.glob("templates/*"), *here.glob("static/*")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


#: Which code rendered a kept rendering (``store.renderings``).
RENDER_VERSION = _render_version()


def made_from(ref: queries.StoryRef) -> tuple:
    """What a story's renderings are made from now (``store.renderings.SOURCE``)."""
    row = ref.row
    return (row.updated, row.n, row.last_id, ref.revisions[0].id, RENDER_VERSION, ref.status)


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC).replace(microsecond=0), usegmt=True)


@dataclass
class Rendered:
    """A built response: what the cache keeps and every request gets a copy of."""

    body: bytes
    media_type: str
    status: int = 200
    last_modified: datetime | None = None
    cache_control: str = "public, max-age=30"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    #: When it stops being true with the data unchanged (a developing story settles), as
    #: ``time.time()``; None: only a change of the data ends it. Caches drop it then.
    expires: float | None = None
    _gz: bytes | None = None
    _headers: dict | None = None
    _packed: bool = False

    @classmethod
    def kept(cls, row, media_type: str) -> Rendered:
        """A rendering read back from the database (``store.renderings``), already packed."""
        item = cls(b"", media_type, last_modified=row.last_modified, etag=row.etag)
        item._gz, item._packed = bytes(row.body), True
        item._raw("gzip")
        return item

    def __post_init__(self) -> None:
        if not self.etag:
            self.etag = 'W/"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'

    @property
    def size(self) -> int:
        """Bytes held, counting a rough overhead for the object and its header lists."""
        return len(self.body) + len(self._gz or b"") + ENTRY_OVERHEAD

    def gz(self) -> bytes:
        if self._gz is None:
            self._gz = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gz

    def pack(self) -> Rendered:
        """Build the header lists and the gzip once, then keep a large body gzipped only:
        browsers ask for gzip, and the rare client that does not gets it inflated. A cached
        story page then takes ~4 kB instead of ~25 kB."""
        self._raw("plain")
        if self._gz is not None and not self._packed:
            self.body, self._packed = b"", True
        return self

    def plain(self) -> bytes:
        return gzip.decompress(self._gz) if self._packed else self.body

    def validators(self) -> dict[str, str]:
        out = {"ETag": self.etag, "Cache-Control": self.cache_control}
        if self.last_modified is not None:
            out["Last-Modified"] = http_date(self.last_modified)
        return out

    def _raw(self, kind: str) -> list[tuple[bytes, bytes]]:
        """Header lists built once per response: "plain", "gzip" or "304". The plain one of
        a packed body is built only when a client that takes no gzip asks (its length needs
        the body inflated)."""
        if self._headers is None:
            base = dict(self.headers)
            if self.status == 200:
                base.update(self.validators())
            common = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in base.items()]
            self._headers = {"304": common}
            if self._packed or len(self.body) >= GZIP_MIN:
                self._headers["gzip"] = [
                    *common,
                    *self._typed(),
                    (b"content-encoding", b"gzip"),
                    (b"content-length", str(len(self.gz())).encode()),
                ]
        if kind == "plain" and "plain" not in self._headers:
            length = str(len(self.plain())).encode()
            self._headers["plain"] = [
                *self._headers["304"],
                *self._typed(),
                (b"content-length", length),
            ]
        return self._headers[kind]

    def _typed(self) -> list[tuple[bytes, bytes]]:
        return [(b"vary", b"Accept-Encoding"), (b"content-type", self.media_type.encode("latin-1"))]

    def respond(self, request: Request) -> Response:
        if self.status == 200 and not_modified(request, self.etag, self.last_modified):
            return Prepared(b"", 304, list(self._raw("304")))
        self._raw("304")  # builds the header lists
        if "gzip" in self._headers and "gzip" in request.headers.get("accept-encoding", ""):
            return Prepared(self._gz, self.status, list(self._headers["gzip"]))
        headers = self._raw("plain")
        return Prepared(self.plain(), self.status, list(headers))


class Prepared(Response):
    """A response whose body and header list are already built (the cache's hit path)."""

    def __init__(self, body: bytes, status: int, raw_headers: list[tuple[bytes, bytes]]):
        self.status_code = status
        self.background = None
        self.body = body
        self.raw_headers = raw_headers


def _etags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match wins (weak comparison); else If-Modified-Since."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = _etags(inm)
        return "*" in tags or etag.removeprefix("W/") in tags
    ims = request.headers.get("if-modified-since")
    if ims and last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified.replace(microsecond=0) <= since
    return False


class ResponseCache:
    """A thread-safe LRU (of Rendered responses), bounded by entries and by ``.size`` bytes."""

    def __init__(self, max_entries: int = 2048, max_bytes: int = 64 * 1024 * 1024):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        """The item kept under ``key``, or None (never kept, dropped, or expired)."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                if item.expires is not None and item.expires <= time.time():
                    del self._items[key]
                    self._bytes -= item.size
                    return None
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple, item) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._items[key] = item
            self._bytes += item.size
            while self._items and (
                len(self._items) > self.max_entries or self._bytes > self.max_bytes
            ):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


def _raw_key(scope: Scope) -> tuple:
    host = b""
    for name, value in scope["headers"]:
        if name == b"host":
            host = value
            break
    return (scope["path"], scope["query_string"], host)


@dataclass
class RawEntry:
    item: Rendered
    depends: tuple[str, ...]
    version: tuple
    minute: int | None

    @property
    def size(self) -> int:
        return self.item.size  # shared with the main cache: memory is at most the sum

    @property
    def expires(self) -> float | None:
        return self.item.expires


class FastPath:
    """Answers a GET that was answered before, for the same data, straight from the cache.

    A plain ASGI middleware in front of the router: a hit costs no routing, no parameter
    parsing and no database work. On SQLite it also answers a story page or API story not
    asked for before from its current kept rendering (:meth:`Site.kept_response`, one row).
    Misses (and everything else) go on to the app, whose views fill the cache through
    :func:`cached`.
    """

    def __init__(self, app: ASGIApp, site: Site):
        self.app = app
        self.site = site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            site = self.site
            await site.sync()
            key = _raw_key(scope)
            entry = site.raw.get(key)
            if entry is not None and site.current(entry):
                await entry.item.respond(Request(scope))(scope, receive, send)
                return
            if site.local and (item := site.kept_response(scope["path"])) is not None:
                site.raw.put(key, RawEntry(item, ("pages",), site.version(("pages",)), None))
                await item.respond(Request(scope))(scope, receive, send)
                return
        await self.app(scope, receive, send)


class Site:
    """What the web app shares between requests: engine, settings, front page, cache."""

    def __init__(self, settings, engine: Engine, *, recheck_seconds: float = 1.0):
        self.settings = settings
        self.engine = engine
        #: A database in a local file (SQLite): a one-row read is cheaper than a thread.
        self.local = engine.dialect.name == "sqlite" and engine.url.database not in (
            None,
            "",
            ":memory:",
        )
        self._thread = threading.local()  # the FastPath's own reader of kept renderings
        self.recheck_seconds = recheck_seconds
        self.cache = ResponseCache(max_entries=32768, max_bytes=CACHE_BYTES)
        #: The same responses by raw request (path, query, host): the FastPath's index.
        self.raw = ResponseCache(max_entries=65536, max_bytes=CACHE_BYTES)
        #: Story pages and API stories by what they show (``queries.StoryRef.fingerprint``):
        #: they outlive data-version changes elsewhere in the database.
        self.stories = ResponseCache(max_entries=32768, max_bytes=CACHE_BYTES)
        self.front = queries.Front()
        self.versions: dict[str, tuple] = {}
        self._checked = 0.0
        self._check_lock = asyncio.Lock()
        #: Responses built at once: more would only contend for the GIL and the pool.
        self.builders = asyncio.Semaphore(BUILDERS)
        self._front_lock = threading.Lock()
        self._front_version: tuple | None = None
        self._front_at = 0.0
        self._front_read = False  # (by warm_up or a request): what a recluster leaves shown

    def version(self, depends: tuple[str, ...]) -> tuple:
        return tuple(self.versions.get(kind) for kind in depends)

    def current(self, entry: RawEntry) -> bool:
        if entry.minute is not None and entry.minute != int(time.time() // 60):
            return False
        return entry.version == self.version(entry.depends)

    def _read_versions(self) -> dict[str, tuple]:
        with self.engine.connect() as conn:
            return queries.data_version(conn)

    async def sync(self) -> None:
        """Re-read the data versions when older than ``recheck_seconds``. Cached responses
        of an older version are never served again (and age out of the LRU)."""
        if time.monotonic() - self._checked < self.recheck_seconds and self.versions:
            return
        if self._check_lock.locked() and self.versions:
            return  # another request is checking; serve what we have
        async with self._check_lock:
            if time.monotonic() - self._checked < self.recheck_seconds and self.versions:
                return
            self.versions = await run_in_threadpool(self._read_versions)
            self._checked = time.monotonic()

    def ranked(self, conn: Connection) -> queries.Front:
        """The front-page snapshot, refreshed when the pages changed (or every 5 minutes,
        as ranking decays with time); kept as it is while a recluster is under way."""
        with self._front_lock:
            stale = time.monotonic() - self._front_at > 300
            version = self.version(("pages",))
            if (self._front_version != version or stale) and not (
                self._front_read and recluster_under_way(conn)
            ):
                pages = version[0]
                self.front.refresh(conn, labels=pages[3] if pages else None)
                self._front_version = version
                self._front_at = time.monotonic()
                self._front_read = True
        return self.front

    def warm_up(self) -> None:
        """Read everything the front page ranks (later refreshes only read what changed)."""
        try:
            with self.engine.connect() as conn:
                self.front.refresh(conn, labels=queries.labels_version(conn))
            self._front_read = True
        except Exception:  # the first request will try again and report it
            log.warning("web warm-up failed", exc_info=True)

    def build(self, fn: Callable[[Connection], Rendered]) -> tuple[Rendered, bool]:
        """The response ``fn`` builds, and whether it may be cached: not while a recluster
        is under way (read after the build: one that began during it may show in it)."""
        with self.engine.connect() as conn:
            item = fn(conn)
            keep = not recluster_under_way(conn)
        return item.pack(), keep  # compressed and headers built once, in the worker thread

    def kept_response(self, path: str) -> Rendered | None:
        """The current rendering kept by ``web.publish`` of the story page or API story at
        ``path``, read in one query on the event loop's own thread (only for a database in
        a local file, where that costs less than the hand-off to a worker thread)."""
        for prefix, kind in KEPT_ROUTES:
            if path.startswith(prefix):
                sid = path[len(prefix) :]
                if not _SHORT_ID.fullmatch(sid):
                    return None
                try:
                    read = getattr(self._thread, "read_kept", None)
                    if read is None:
                        read = self._thread.read_kept = renderings.local_reader(self.engine)
                    row = read(sid, kind, RENDER_VERSION, self.settings.story_settle_hours)
                except Exception:  # e.g. a database not migrated yet: the app will say
                    log.debug("kept rendering not read path=%s", path, exc_info=True)
                    return None
                if row is None:
                    return None
                item = Rendered.kept(row, MEDIA_TYPES[kind])
                item.expires = row.expires.timestamp() if row.expires else None  # it settles
                return item
        return None

    def story(
        self,
        conn: Connection,
        kind: str,
        ref: queries.StoryRef,
        render: Callable[[bool], Rendered],
    ) -> Rendered:
        """The ``kind`` rendering ("page", "api") of a story, rendered once per fingerprint:
        when the data version changes, an unchanged story costs ``queries.story_ref``'s
        three small queries instead of reading and rendering its page again. A story not
        in memory is read from its rendering kept in the database (``web.publish`` keeps
        them current) when that is current, else rendered here (``render(before)``). While a
        recluster is under way the story is shown as it was before it began, not half
        rebuilt: its kept rendering as it is, else rendered with ``before`` (kept in memory by
        no fingerprint: its own is half rebuilt)."""
        key = (kind, ref.fingerprint)
        item = self.stories.get(key)
        if item is None:
            row = renderings.get(conn, ref.row.id, kind) if ref.revisions else None
            if row is not None and renderings.is_current(tuple(row[3:]), made_from(ref)):
                item = Rendered.kept(row, MEDIA_TYPES[kind])
            elif recluster_under_way(conn):
                if row is not None and row.version == RENDER_VERSION:
                    return Rendered.kept(row, MEDIA_TYPES[kind])
                return render(True)
            else:
                item = render(False).pack()
            # it shows the story's status: true until the story settles
            item.expires = ref.settles_at.timestamp() if ref.settles_at else None
            self.stories.put(key, item)
        return item


def site_of(request: Request) -> Site:
    return request.app.state.site


async def cached(
    request: Request,
    key: tuple,
    build: Callable[[Connection], Rendered],
    *,
    depends: tuple[str, ...] = ("pages",),
    per_minute: bool = False,
) -> Response:
    """The response for ``key``: from the cache, or built in a worker thread and kept.

    ``depends`` names the data the response shows (see ``queries.data_version``): it is
    rebuilt when that changes. ``per_minute`` views show relative times ("2 h ago") and are
    rebuilt every minute too.
    """
    site = site_of(request)
    await site.sync()
    version, minute = site.version(depends), int(time.time() // 60) if per_minute else None
    full = (key, version, minute)
    item = site.cache.get(full)
    if item is None:
        async with site.builders:  # a few builds at a time, first come first served
            item = site.cache.get(full)  # built while this request waited?
            if item is None:
                item, keep = await run_in_threadpool(site.build, build)
                if not keep:  # a recluster is under way
                    return item.respond(request)
                site.cache.put(full, item)
    site.raw.put(_raw_key(request.scope), RawEntry(item, depends, version, minute))
    return item.respond(request)
