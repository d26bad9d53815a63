"""A polite, bounded async HTTP fetcher (httpx + protego).

Everything the ingest layer downloads (feeds, sitemaps, article pages) goes through
:class:`Fetcher`. It never follows a redirect, reads a body or waits without a limit:

* **Time.** ``settings.timeout`` bounds connect, each read and each write; on top of that
  every HTTP exchange (one hop: connect, headers and the whole body) must finish within
  ``DEADLINE_FACTOR * settings.timeout`` (3 x), so a server that trickles bytes cannot
  hang a run. Waiting for a free slot (see below) does not count against that deadline.
* **Size.** Bodies are streamed; a ``Content-Length`` over ``settings.max_bytes`` is refused
  before reading, otherwise the (decoded) bytes are counted as they arrive.
* **Politeness.** A clear ``User-Agent``; at most ``settings.per_host_concurrency`` requests in
  flight per host and ``settings.concurrency`` overall; at least ``settings.per_host_delay``
  seconds between two request starts to one host (or the host's robots.txt ``Crawl-delay``
  when larger, capped at ``MAX_CRAWL_DELAY``).
* **robots.txt** (``check_robots=True`` and ``settings.respect_robots``): fetched once per
  origin and cached for ``ROBOTS_TTL`` (24 hours, as RFC 9309 asks of crawlers; a service
  runs for weeks), matched for the product token ``newsloom``.
  Any failure to get it (4xx, 5xx, time-out, unreachable, too large) means *allow all*;
  while its host is left alone (``host_down``, below) it is not asked for, nor cached.
  Every redirect hop is checked too.
* **Redirects** are followed by hand (301, 302, 303, 307, 308, always as GET), at most
  ``settings.max_redirects``, each hop checked by the SSRF guard; a loop is an error.
* **Retries**: up to ``settings.retries`` more attempts on 5xx, time-outs and connection
  errors, with exponential back-off (``backoff_base * 2**attempt``, jittered x0.5-1.5).
  429 waits for ``Retry-After`` (seconds or HTTP date) when that is at most
  ``MAX_RETRY_AFTER`` seconds; a longer one is raised at once with ``retry_after`` set, so
  the caller backs off the source. Other 4xx are never retried.
* **A host that is down** is left alone for a while: after ``Fetcher.host_down_after``
  exchanges in a row with one host have failed (time-out, refused or dropped connection, 5xx
  answer), requests to it fail at once with ``host_down`` for ``Fetcher.host_down_for``
  seconds; then requests go through again: any answer that is not a 5xx ends it, one more
  failure starts another pause. A site that hangs every request (a tarpit) so costs a handful
  of time-outs per pause (up to ``per_host_concurrency`` may be in flight when it starts)
  instead of one per page and retry.
* **SSRF guard**: unless ``settings.allow_private_addresses``, only http/https URLs whose host
  resolves exclusively to global unicast addresses are fetched (checked per hop). The check
  resolves the name itself, so a DNS answer that changes between the check and httpx's own
  resolution (rebinding) is not caught; it is a guard against mistakes and plain internal
  URLs, not a sandbox. Proxy settings from the environment are not used (``trust_env`` off).

One Fetcher serves one event loop (its semaphores and connection pool belong to it); open
it with ``async with`` inside the coroutine that uses it.

Errors are :class:`newsloom.errors.FetchError` with a stable ``kind``:

==========================  ===========================================================
``http_<code>``             any 4xx answer, e.g. ``http_403``, ``http_404``, ``http_410``,
                            ``http_429`` (``retry_after`` set when the server sent one);
                            also an unusable 1xx/3xx answer (e.g. ``http_300``)
``http_5xx``                any 5xx answer (the message keeps the exact code)
``timeout``                 connect/read time-out or the per-exchange deadline
``too_large``               body over ``settings.max_bytes``
``redirect_loop``           a redirect back to a URL already visited
``too_many_redirects``      more than ``settings.max_redirects`` hops
``bad_redirect``            a 3xx redirect without a ``Location``
``blocked_address``         the host is (or resolves to) a non-public address
``robots``                  disallowed by robots.txt
``dns``                     the host name does not resolve (not retried: it will not
                            resolve a second later; the source backs off instead)
``connect``                 refused connection, connection dropped mid-answer
``decode``                  a broken gzip/deflate body
``host_down``               not tried: the host failed ``host_down_after`` times in a row
                            and is left alone until its pause ends (not retried)
``bad_url``                 not an http/https URL, or no host
==========================  ===========================================================
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import logging
import math
import random
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from protego import Protego

from ..config import Settings
from ..errors import FetchError

log = logging.getLogger(__name__)

#: Product token matched against robots.txt ``User-agent`` lines.
ROBOTS_TOKEN = "newsloom"
#: Sent when the caller gives no ``accept``: feeds first, then pages, then anything.
DEFAULT_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, application/xhtml+xml;q=0.8, "
    "*/*;q=0.5"
)
#: One exchange (a single hop, body included) may take at most this many ``timeout``s.
DEADLINE_FACTOR = 3.0
#: A 429's ``Retry-After`` longer than this is not waited for; the error is raised instead.
MAX_RETRY_AFTER = 60.0
#: A robots.txt ``Crawl-delay`` is honoured up to this many seconds.
MAX_CRAWL_DELAY = 60.0
#: robots.txt bodies larger than this are ignored (allow all), as Google does at 500 KiB.
ROBOTS_MAX_BYTES = 512 * 1024
#: Seconds a robots.txt is used before it is fetched again (RFC 9309: at most 24 hours).
ROBOTS_TTL = 24 * 3600.0

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRYABLE_KINDS = frozenset({"http_5xx", "timeout", "connect"})


@dataclass
class FetchResult:
    url: str  # final URL after redirects (the URL as given when there was none)
    status: int  # 200, 304, ...
    content: bytes  # b"" on 304
    content_type: str | None  # media type without params, lower-case, e.g. "text/html"
    charset: str | None  # charset param of Content-Type if any
    etag: str | None
    last_modified: str | None
    not_modified: bool  # True on 304
    headers: dict[str, str]  # response headers, names lower-case


@dataclass
class _Host:
    sem: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    crawl_delay: float = 0.0
    failures: int = 0  # exchanges in a row that failed (RETRYABLE_KINDS)
    down_until: float = 0.0  # loop time before which requests fail with host_down


@dataclass
class _Answer:
    url: httpx.URL
    status: int
    reason: str
    headers: httpx.Headers
    content: bytes


def is_public_address(address: str) -> bool:
    """True when ``address`` (an IPv4/IPv6 literal) is a global unicast address.

    Private, loopback, link-local, multicast, reserved, unspecified, shared (CGNAT) and
    documentation ranges are not public; IPv4-mapped IPv6 addresses are judged as IPv4.
    Anything that does not parse is not public.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _split_content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    parts = value.split(";")
    media = parts[0].strip().lower() or None
    charset = None
    for param in parts[1:]:
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'").strip() or None
    return media, charset


class Fetcher:
    """Fetch URLs politely. Use as ``async with Fetcher(settings) as f: await f.fetch(url)``."""

    #: Base of the exponential back-off between retries, in seconds.
    backoff_base: float = 0.5
    #: Exchanges in a row with one host that fail before the host is left alone ...
    host_down_after: int = 5
    #: ... for this many seconds (then one more failure starts another pause).
    host_down_for: float = 300.0

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        robots_ttl: float = ROBOTS_TTL,
    ):
        self.settings = settings
        self.robots_ttl = robots_ttl
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(
                max_connections=max(1, settings.concurrency),
                max_keepalive_connections=max(1, settings.concurrency),
            ),
            trust_env=False,
        )
        self._global = asyncio.Semaphore(max(1, settings.concurrency))
        self._hosts: dict[tuple[str, int], _Host] = {}
        self._robots: dict[str, tuple[Protego | None, float]] = {}  # origin -> (rules, read at)
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- public ---------------------------------------------------------------------------

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        check_robots: bool = False,
        accept: str | None = None,
    ) -> FetchResult:
        """GET ``url``; see the module docstring for limits, retries and error kinds."""
        start = self._parse_url(url)
        headers = {"Accept": accept or DEFAULT_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        robots = check_robots and self.settings.respect_robots
        attempt = 0
        while True:
            try:
                answer = await self._follow(start, url, headers, robots, self.settings.max_bytes)
                return self._result(answer, url, start, etag, last_modified)
            except FetchError as exc:
                wait = self._retry_wait(exc, attempt)
                if wait is None:
                    # the caller logs it with its context (source, entry)
                    log.debug("fetch failed url=%s kind=%s error=%s", url, exc.kind, exc)
                    raise
                attempt += 1
                log.info(
                    "fetch retry url=%s kind=%s attempt=%d wait=%.2f", url, exc.kind, attempt, wait
                )
                await asyncio.sleep(wait)

    def _address_allowed(self, address: str) -> bool:
        """The SSRF policy for one resolved address (a seam for tests)."""
        return is_public_address(address)

    # -- steps ----------------------------------------------------------------------------

    def _retry_wait(self, exc: FetchError, attempt: int) -> float | None:
        if exc.kind == "http_429":
            if exc.retry_after is not None and exc.retry_after > MAX_RETRY_AFTER:
                return None
            if attempt >= self.settings.retries:
                return None
            if exc.retry_after is not None:
                return exc.retry_after
        elif exc.kind not in RETRYABLE_KINDS or attempt >= self.settings.retries:
            return None
        return self.backoff_base * (2**attempt) * random.uniform(0.5, 1.5)

    @staticmethod
    def _parse_url(url: str, base: httpx.URL | None = None) -> httpx.URL:
        try:
            parsed = httpx.URL(url) if base is None else base.join(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise FetchError(f"fetch: bad URL {url!r}: {exc}", kind="bad_url") from exc
        if parsed.scheme not in ("http", "https"):
            raise FetchError(
                f"fetch: bad URL {url!r}: only http and https URLs are fetched", kind="bad_url"
            )
        if not parsed.host:
            raise FetchError(f"fetch: bad URL {url!r}: no host", kind="bad_url")
        return parsed.copy_with(fragment=None)

    async def _follow(
        self,
        start: httpx.URL,
        original: str,
        headers: dict[str, str],
        check_robots: bool,
        max_bytes: int,
    ) -> _Answer:
        current = start
        visited = {str(start)}
        for hop in range(self.settings.max_redirects + 1):
            label = str(current) if hop == 0 else f"{current} (redirected from {original})"
            if check_robots:
                await self._check_robots(current, label)
            await self._guard(current, label)
            answer = await self._exchange(current, label, headers, max_bytes)
            if answer.status not in REDIRECT_STATUSES:
                return answer
            location = answer.headers.get("location")
            if not location:
                raise FetchError(
                    f"fetch: {label} returned {answer.status} {answer.reason} without a Location",
                    kind="bad_redirect",
                )
            nxt = self._parse_url(location, base=current)
            if str(nxt) in visited:
                raise FetchError(
                    f"fetch: {label} redirects in a loop (back to {nxt})", kind="redirect_loop"
                )
            visited.add(str(nxt))
            log.debug("fetch redirect url=%s status=%d location=%s", current, answer.status, nxt)
            current = nxt
        raise FetchError(
            f"fetch: {original} redirected more than {self.settings.max_redirects} times "
            "(NEWSLOOM_MAX_REDIRECTS)",
            kind="too_many_redirects",
        )

    async def _guard(self, url: httpx.URL, label: str) -> None:
        if self.settings.allow_private_addresses:
            return
        host = url.host
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            addresses = [host]
        except ValueError:
            port = url.port or (443 if url.scheme == "https" else 80)
            loop = asyncio.get_running_loop()
            try:
                infos = await asyncio.wait_for(
                    loop.getaddrinfo(host, port, type=socket.SOCK_STREAM),
                    timeout=self.settings.timeout,
                )
            except (OSError, TimeoutError) as exc:
                raise FetchError(
                    f"fetch: could not resolve host {host!r} of {label}: "
                    f"{exc or type(exc).__name__}",
                    kind="dns",
                ) from exc
            addresses = [info[4][0] for info in infos]
        for address in addresses:
            if not self._address_allowed(address):
                raise FetchError(
                    f"fetch: {label} refused: {host} is a non-public address ({address}); "
                    "set NEWSLOOM_ALLOW_PRIVATE_ADDRESSES=1 to allow private addresses",
                    kind="blocked_address",
                )

    def _host(self, url: httpx.URL) -> _Host:
        key = (url.host, url.port or (443 if url.scheme == "https" else 80))
        state = self._hosts.get(key)
        if state is None:
            state = _Host(sem=asyncio.Semaphore(max(1, self.settings.per_host_concurrency)))
            self._hosts[key] = state
        return state

    @asynccontextmanager
    async def _slot(self, url: httpx.URL) -> AsyncIterator[_Host]:
        """Hold a per-host and a global slot, starting no sooner than the host's delay; give
        the host's state."""
        state = self._host(url)
        loop = asyncio.get_running_loop()
        async with state.sem:
            async with state.lock:
                wait = state.next_start - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self._global.acquire()
                delay = max(self.settings.per_host_delay, state.crawl_delay)
                state.next_start = loop.time() + delay
            try:
                yield state
            finally:
                self._global.release()

    async def _exchange(
        self, url: httpx.URL, label: str, headers: dict[str, str], max_bytes: int
    ) -> _Answer:
        deadline = DEADLINE_FACTOR * self.settings.timeout
        async with self._slot(url) as state:
            self._check_host_up(state, url, label)
            try:
                answer = await self._attempt(url, label, headers, max_bytes, deadline)
            except FetchError as exc:
                self._host_outcome(state, url, failed=exc.kind in RETRYABLE_KINDS, why=str(exc))
                raise
            self._host_outcome(
                state, url, failed=answer.status >= 500, why=f"{answer.status} {answer.reason}"
            )
            return answer

    def _check_host_up(self, state: _Host, url: httpx.URL, label: str) -> None:
        left = state.down_until - asyncio.get_running_loop().time()
        if left > 0:
            raise FetchError(
                f"fetch: {label} not tried: {url.host} failed {state.failures} times in a row, "
                f"left alone for {math.ceil(left)}s more",
                kind="host_down",
            )

    def _host_outcome(self, state: _Host, url: httpx.URL, *, failed: bool, why: str) -> None:
        """Count an exchange's outcome; open the host's breaker after enough failures."""
        if not failed:
            state.failures = 0
            return
        state.failures += 1
        if state.failures >= self.host_down_after:
            state.down_until = asyncio.get_running_loop().time() + self.host_down_for
            log.warning(
                "host down host=%s failures=%d pause=%gs last=%s",
                url.host,
                state.failures,
                self.host_down_for,
                why,
            )

    async def _attempt(
        self, url: httpx.URL, label: str, headers: dict[str, str], max_bytes: int, deadline: float
    ) -> _Answer:
        """One request within the exchange deadline, its failures as :class:`FetchError`."""
        try:
            async with asyncio.timeout(deadline):
                return await self._request(url, label, headers, max_bytes)
        except TimeoutError as exc:
            raise FetchError(
                f"fetch: {label} did not finish within {deadline:g}s", kind="timeout"
            ) from exc
        except httpx.TimeoutException as exc:
            raise FetchError(
                f"fetch: {label} timed out after {self.settings.timeout:g}s ({type(exc).__name__})",
                kind="timeout",
            ) from exc
        except httpx.ConnectError as exc:
            dns = isinstance(exc.__context__, socket.gaierror) or "Name or service" in str(exc)
            raise FetchError(
                f"fetch: could not connect to {label}: {exc or type(exc).__name__}",
                kind="dns" if dns else "connect",
            ) from exc
        except httpx.DecodingError as exc:
            raise FetchError(
                f"fetch: {label} sent a body that could not be decoded: {exc}", kind="decode"
            ) from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise FetchError(
                f"fetch: connection to {label} failed: {exc or type(exc).__name__}",
                kind="connect",
            ) from exc

    async def _request(
        self, url: httpx.URL, label: str, headers: dict[str, str], max_bytes: int
    ) -> _Answer:
        async with self._client.stream("GET", url, headers=headers) as resp:
            status = resp.status_code
            reason = resp.reason_phrase or ""
            if status in REDIRECT_STATUSES or status == 304 or status >= 400:
                return _Answer(url, status, reason, resp.headers, b"")
            too_large = FetchError(
                f"fetch: {label} is larger than {max_bytes} bytes (NEWSLOOM_MAX_BYTES)",
                kind="too_large",
            )
            length = resp.headers.get("content-length")
            if length is not None and length.strip().isdigit() and int(length) > max_bytes:
                raise too_large
            body = bytearray()
            async for chunk in resp.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise too_large
            return _Answer(url, status, reason, resp.headers, bytes(body))

    def _result(
        self,
        answer: _Answer,
        original: str,
        start: httpx.URL,
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        status = answer.status
        final = original if answer.url == start else str(answer.url)
        label = final if final == original else f"{final} (redirected from {original})"
        if not (200 <= status < 300 or status == 304):
            reason = f"{status} {answer.reason}".strip()
            if 500 <= status < 600:
                raise FetchError(f"fetch: {label} returned {reason}", kind="http_5xx")
            retry_after = None
            if status == 429:
                retry_after = parse_retry_after(answer.headers.get("retry-after"))
            extra = f" (Retry-After {retry_after:g}s)" if retry_after is not None else ""
            raise FetchError(
                f"fetch: {label} returned {reason}{extra}",
                kind=f"http_{status}",
                retry_after=retry_after,
            )
        media, charset = _split_content_type(answer.headers.get("content-type"))
        not_modified = status == 304
        result = FetchResult(
            url=final,
            status=status,
            content=b"" if not_modified else answer.content,
            content_type=media,
            charset=charset,
            etag=answer.headers.get("etag") or (etag if not_modified else None),
            last_modified=answer.headers.get("last-modified")
            or (last_modified if not_modified else None),
            not_modified=not_modified,
            headers=dict(answer.headers),
        )
        log.debug("fetch ok url=%s status=%d bytes=%d", final, status, len(result.content))
        return result

    # -- robots.txt -----------------------------------------------------------------------

    async def _check_robots(self, url: httpx.URL, label: str) -> None:
        rules = await self._robots_for(url)
        if rules is not None and not rules.can_fetch(str(url), ROBOTS_TOKEN):
            raise FetchError(
                f"fetch: {label} is disallowed by robots.txt for {ROBOTS_TOKEN} "
                "(NEWSLOOM_RESPECT_ROBOTS=0 turns the check off)",
                kind="robots",
            )

    async def _robots_for(self, url: httpx.URL) -> Protego | None:
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        cached = self._robots.get(origin)
        if cached is not None and time.monotonic() - cached[1] < self.robots_ttl:
            return cached[0]
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            cached = self._robots.get(origin)
            if cached is not None and time.monotonic() - cached[1] < self.robots_ttl:
                return cached[0]
            rules = await self._load_robots(origin)
            self._robots[origin] = (rules, time.monotonic())
            if rules is not None:
                delay = rules.crawl_delay(ROBOTS_TOKEN)
                if delay:
                    self._host(url).crawl_delay = min(float(delay), MAX_CRAWL_DELAY)
            return rules

    async def _load_robots(self, origin: str) -> Protego | None:
        robots_url = origin + "/robots.txt"
        try:
            answer = await self._follow(
                httpx.URL(robots_url),
                robots_url,
                {"Accept": "text/plain, */*;q=0.5"},
                False,
                ROBOTS_MAX_BYTES,
            )
        except FetchError as exc:
            if exc.kind == "host_down":  # not asked: the page is not asked for either
                raise
            log.info("robots unavailable url=%s kind=%s allow=all", robots_url, exc.kind)
            return None
        if answer.status != 200:
            log.info("robots unavailable url=%s status=%d allow=all", robots_url, answer.status)
            return None
        try:
            return Protego.parse(answer.content.decode("utf-8", errors="replace"))
        except Exception as exc:  # a parser bug must not stop the crawl
            log.info("robots unparsable url=%s error=%s allow=all", robots_url, exc)
            return None
