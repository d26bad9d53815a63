"""The fetcher against real local HTTP servers (pytest-httpserver and a raw socket server)."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import socket
import socketserver
import threading
import time
from collections.abc import Callable

import httpx
import pytest
from werkzeug import Request, Response

from newsloom.config import Settings
from newsloom.errors import FetchError
from newsloom.ingest.fetch import (
    Fetcher,
    FetchResult,
    is_public_address,
    parse_retry_after,
)

BASE = Settings(allow_private_addresses=True, per_host_delay=0, timeout=2, retries=1)


def settings(**changes) -> Settings:
    return dataclasses.replace(BASE, **changes)


async def _fetch(cfg: Settings, url: str, fetcher_cls=Fetcher, **kw) -> FetchResult:
    async with fetcher_cls(cfg) as fetcher:
        fetcher.backoff_base = 0.01
        return await fetcher.fetch(url, **kw)


def fetch(url: str, cfg: Settings = BASE, **kw) -> FetchResult:
    return asyncio.run(_fetch(cfg, url, **kw))


def fetch_error(url: str, cfg: Settings = BASE, **kw) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, cfg, **kw)
    return info.value


def paths(httpserver) -> list[str]:
    return [req.path for req, _ in httpserver.log]


# -- a raw threaded server for what werkzeug cannot do (stall, trickle, huge, in-flight) ----


class RawServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RawHandler)
        self.routes: dict[str, Callable[[socket.socket, RawServer], None]] = {}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent: dict[str, int] = {}
        self.inflight = 0
        self.max_inflight = 0
        self.starts: list[float] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _RawHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return
            data += chunk
        path = data.split(b" ", 2)[1].decode().split("?")[0]
        try:
            self.server.routes[path](sock, self.server)
        except OSError:
            pass  # the client hung up, as it should in most of these tests


@pytest.fixture
def raw():
    server = RawServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.stop.set()
    server.shutdown()
    server.server_close()


def _pump(sock: socket.socket, server: RawServer, key: str, piece: bytes, total: int) -> None:
    sent = 0
    while sent < total and not server.stop.is_set():
        sock.sendall(piece)
        sent += len(piece)
        with server.lock:
            server.sent[key] = sent


def huge_with_length(sock, server):
    sock.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Length: 52428800\r\n\r\n"
    )
    _pump(sock, server, "length", b"x" * 65536, 50 * 1024 * 1024)


def huge_chunked(sock, server):
    sock.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    _pump(sock, server, "chunked", b"10000\r\n" + b"x" * 65536 + b"\r\n", 50 * 1024 * 1024)
    sock.sendall(b"0\r\n\r\n")


def stall(sock, server):
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n")
    sock.sendall(b"x" * 100)
    server.stop.wait(10)


def trickle(sock, server):
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(1000):
        if server.stop.wait(0.1):
            return
        sock.sendall(b"x")


def slow(sock, server):
    with server.lock:
        server.starts.append(time.monotonic())
        server.inflight += 1
        server.max_inflight = max(server.max_inflight, server.inflight)
    time.sleep(0.15)
    with server.lock:
        server.inflight -= 1
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


# -- success, conditional GET, headers -----------------------------------------------------


def test_200_then_conditional_304(httpserver):
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(
            "<rss/>",
            headers={
                "Content-Type": "application/rss+xml; charset=UTF-8",
                "ETag": '"v1"',
                "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT",
            },
        )

    httpserver.expect_request("/feed").respond_with_handler(handler)
    url = httpserver.url_for("/feed")

    first = fetch(url)
    assert first.status == 200 and not first.not_modified
    assert first.url == url
    assert first.content == b"<rss/>"
    assert first.content_type == "application/rss+xml"
    assert first.charset == "UTF-8"
    assert first.etag == '"v1"'
    assert first.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert first.headers["etag"] == '"v1"'

    second = fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert second.status == 304 and second.not_modified
    assert second.content == b""
    assert second.etag == '"v1"'
    assert second.last_modified == first.last_modified  # kept from the request
    request = httpserver.log[-1][0]
    assert request.headers["If-Modified-Since"] == first.last_modified


def test_sends_user_agent_accept_and_decodes_gzip(httpserver):
    body = b"<html>" + b"word " * 1000 + b"</html>"
    httpserver.expect_request("/page").respond_with_data(
        gzip.compress(body),
        headers={"Content-Encoding": "gzip", "Content-Type": "text/html"},
    )
    result = fetch(httpserver.url_for("/page"), accept="text/html")
    assert result.content == body
    assert result.content_type == "text/html" and result.charset is None
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == BASE.user_agent
    assert request.headers["Accept"] == "text/html"
    assert "gzip" in request.headers["Accept-Encoding"]

    fetch(httpserver.url_for("/page"))
    assert "application/rss+xml" in httpserver.log[1][0].headers["Accept"]


# -- HTTP errors and retries ---------------------------------------------------------------


@pytest.mark.parametrize("status,kind", [(404, "http_404"), (410, "http_410"), (403, "http_403")])
def test_4xx_is_not_retried(httpserver, status, kind):
    httpserver.expect_request("/gone").respond_with_data("no", status=status)
    url = httpserver.url_for("/gone")
    err = fetch_error(url, settings(retries=3))
    assert err.kind == kind
    assert url in str(err) and str(status) in str(err)
    assert len(httpserver.log) == 1


def test_404_message_is_readable(httpserver):
    httpserver.expect_request("/feed").respond_with_data("no", status=404)
    url = httpserver.url_for("/feed")
    assert str(fetch_error(url)) == f"fetch: {url} returned 404 NOT FOUND"


def test_500_is_retried_then_raised(httpserver):
    httpserver.expect_request("/err").respond_with_data("boom", status=500)
    err = fetch_error(httpserver.url_for("/err"), settings(retries=2))
    assert err.kind == "http_5xx"
    assert "500" in str(err)
    assert len(httpserver.log) == 3  # one try + two retries


def test_503_then_success(httpserver):
    httpserver.expect_oneshot_request("/flaky").respond_with_data("busy", status=503)
    httpserver.expect_request("/flaky").respond_with_data("fine")
    assert fetch(httpserver.url_for("/flaky")).content == b"fine"
    assert len(httpserver.log) == 2


def test_429_short_retry_after_is_waited_for(httpserver):
    httpserver.expect_oneshot_request("/feed").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_request("/feed").respond_with_data("ok")
    started = time.monotonic()
    assert fetch(httpserver.url_for("/feed")).content == b"ok"
    assert time.monotonic() - started >= 0.9
    assert len(httpserver.log) == 2


def test_429_long_retry_after_raises_at_once(httpserver):
    httpserver.expect_request("/feed").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3600"}
    )
    started = time.monotonic()
    err = fetch_error(httpserver.url_for("/feed"), settings(retries=3))
    assert time.monotonic() - started < 1
    assert err.kind == "http_429"
    assert err.retry_after == 3600
    assert len(httpserver.log) == 1


def test_parse_retry_after():
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 30) == 30
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 + 30) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_connection_refused_is_connect_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = fetch_error(f"http://127.0.0.1:{port}/feed")
    assert err.kind == "connect"
    assert f"127.0.0.1:{port}/feed" in str(err)


@pytest.mark.parametrize("url", ["ftp://example.com/feed", "file:///etc/passwd", "feed", "http://"])
def test_bad_url(url):
    assert fetch_error(url).kind == "bad_url"


# -- redirects -----------------------------------------------------------------------------


def _redirect(httpserver, path: str, to: str, status: int = 301) -> None:
    httpserver.expect_request(path).respond_with_data("", status=status, headers={"Location": to})


def test_redirect_chain(httpserver):
    _redirect(httpserver, "/a", "/b", 301)
    _redirect(httpserver, "/b", httpserver.url_for("/c"), 302)
    _redirect(httpserver, "/c", "/final", 308)
    httpserver.expect_request("/final").respond_with_data("here", content_type="text/plain")
    result = fetch(httpserver.url_for("/a"))
    assert result.url == httpserver.url_for("/final")
    assert result.content == b"here"
    assert paths(httpserver) == ["/a", "/b", "/c", "/final"]


def test_redirect_loop(httpserver):
    _redirect(httpserver, "/a", "/b")
    _redirect(httpserver, "/b", "/a")
    err = fetch_error(httpserver.url_for("/a"))
    assert err.kind == "redirect_loop"
    assert "loop" in str(err)


def test_too_many_redirects(httpserver):
    for i in range(5):
        _redirect(httpserver, f"/r{i}", f"/r{i + 1}")
    httpserver.expect_request("/r5").respond_with_data("end")
    err = fetch_error(httpserver.url_for("/r0"), settings(max_redirects=2))
    assert err.kind == "too_many_redirects"
    assert len(httpserver.log) == 3
    assert fetch(httpserver.url_for("/r0"), settings(max_redirects=5)).content == b"end"


def test_redirect_to_other_scheme_is_bad_url(httpserver):
    _redirect(httpserver, "/a", "file:///etc/passwd")
    assert fetch_error(httpserver.url_for("/a")).kind == "bad_url"


# -- size and time limits ------------------------------------------------------------------


def test_huge_body_with_content_length_is_refused_unread(raw):
    raw.routes["/big"] = huge_with_length
    started = time.monotonic()
    err = fetch_error(raw.url("/big"), settings(max_bytes=1_000_000))
    assert time.monotonic() - started < 3
    assert err.kind == "too_large"
    assert "1000000" in str(err)
    time.sleep(0.1)
    assert raw.sent.get("length", 0) < 25 * 1024 * 1024


def test_huge_chunked_body_is_cut_off(raw):
    raw.routes["/big"] = huge_chunked
    started = time.monotonic()
    err = fetch_error(raw.url("/big"), settings(max_bytes=1_000_000))
    assert time.monotonic() - started < 3
    assert err.kind == "too_large"
    time.sleep(0.1)
    assert raw.sent.get("chunked", 0) < 25 * 1024 * 1024


def test_stall_mid_body_times_out(raw):
    raw.routes["/stall"] = stall
    started = time.monotonic()
    err = fetch_error(raw.url("/stall"), settings(timeout=0.5, retries=0))
    assert time.monotonic() - started < 3
    assert err.kind == "timeout"
    assert raw.url("/stall") in str(err)


def test_trickling_body_hits_the_overall_deadline(raw):
    # each byte arrives well within the read time-out; only the deadline (3 x timeout) stops it
    raw.routes["/trickle"] = trickle
    started = time.monotonic()
    err = fetch_error(raw.url("/trickle"), settings(timeout=0.5, retries=0))
    elapsed = time.monotonic() - started
    assert 1.2 < elapsed < 3
    assert err.kind == "timeout"
    assert "did not finish within 1.5s" in str(err)


# -- politeness ----------------------------------------------------------------------------


async def _many(cfg: Settings, urls: list[str]) -> list[FetchResult]:
    async with Fetcher(cfg) as fetcher:
        return await asyncio.gather(*(fetcher.fetch(u) for u in urls))


def test_per_host_concurrency_bounds_in_flight_requests(raw):
    raw.routes["/slow"] = slow
    urls = [raw.url(f"/slow?i={i}") for i in range(6)]
    results = asyncio.run(_many(settings(per_host_concurrency=2, concurrency=16), urls))
    assert [r.content for r in results] == [b"ok"] * 6
    assert raw.max_inflight == 2


def test_global_concurrency_bounds_in_flight_requests(raw):
    raw.routes["/slow"] = slow
    urls = [raw.url(f"/slow?i={i}") for i in range(3)]
    asyncio.run(_many(settings(per_host_concurrency=4, concurrency=1), urls))
    assert raw.max_inflight == 1


def test_per_host_delay_spaces_request_starts(raw):
    raw.routes["/slow"] = slow
    urls = [raw.url(f"/slow?i={i}") for i in range(3)]
    asyncio.run(_many(settings(per_host_concurrency=3, per_host_delay=0.25), urls))
    starts = sorted(raw.starts)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.2


# -- robots.txt ----------------------------------------------------------------------------


async def _fetch_all(cfg: Settings, urls: list[str], **kw) -> list[FetchResult | FetchError]:
    out: list[FetchResult | FetchError] = []
    async with Fetcher(cfg) as fetcher:
        for url in urls:
            try:
                out.append(await fetcher.fetch(url, **kw))
            except FetchError as exc:
                out.append(exc)
    return out


def test_robots_disallow(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /\n\nUser-agent: newsloom\nDisallow: /private\n",
        content_type="text/plain",
    )
    httpserver.expect_request("/public").respond_with_data("yes")
    httpserver.expect_request("/private/x").respond_with_data("secret")
    urls = [httpserver.url_for("/public"), httpserver.url_for("/private/x")]
    ok, refused = asyncio.run(_fetch_all(BASE, urls, check_robots=True))
    assert isinstance(ok, FetchResult) and ok.content == b"yes"
    assert isinstance(refused, FetchError) and refused.kind == "robots"
    assert "robots.txt" in str(refused) and urls[1] in str(refused)
    assert paths(httpserver) == ["/robots.txt", "/public"]  # fetched once, page never asked

    # without check_robots, or with respect_robots off, robots.txt is not consulted
    httpserver.clear_log()
    asyncio.run(_fetch_all(BASE, urls))
    asyncio.run(_fetch_all(settings(respect_robots=False), urls, check_robots=True))
    assert paths(httpserver) == ["/public", "/private/x"] * 2


def test_robots_is_read_again_once_its_time_is_up(httpserver):
    """robots.txt was read once per process and kept for good: a site that closed a path was
    still fetched from weeks later, until a restart (found by a QA pass). It is kept for
    ``robots_ttl`` (24 hours by default, RFC 9309), then read again."""
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/a").respond_with_data("page")
    url = httpserver.url_for("/a")

    async def fetch_twice(ttl: float, between) -> list:
        out = []
        async with Fetcher(BASE, robots_ttl=ttl) as fetcher:
            for step in range(2):
                if step:
                    between()
                try:
                    out.append(await fetcher.fetch(url, check_robots=True))
                except FetchError as exc:
                    out.append(exc)
        return out

    def close_the_site():
        httpserver.clear()
        httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
        httpserver.expect_request("/a").respond_with_data("page")

    kept = asyncio.run(fetch_twice(3600, close_the_site))
    assert [isinstance(r, FetchResult) for r in kept] == [True, True]  # within its time
    httpserver.clear()
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/a").respond_with_data("page")
    again = asyncio.run(fetch_twice(0.2, lambda: (time.sleep(0.3), close_the_site())))
    assert isinstance(again[0], FetchResult)
    assert isinstance(again[1], FetchError) and again[1].kind == "robots"


def test_robots_disallow_applies_to_redirect_hops(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /no\n")
    _redirect(httpserver, "/yes", "/no/page")
    err = fetch_error(httpserver.url_for("/yes"), check_robots=True)
    assert err.kind == "robots"
    assert paths(httpserver) == ["/robots.txt", "/yes"]


@pytest.mark.parametrize("status", [404, 500])
def test_missing_or_broken_robots_allows_all(httpserver, status):
    httpserver.expect_request("/robots.txt").respond_with_data("x", status=status)
    httpserver.expect_request("/page").respond_with_data("yes")
    results = asyncio.run(_fetch_all(BASE, [httpserver.url_for("/page")] * 2, check_robots=True))
    assert [r.content for r in results] == [b"yes", b"yes"]
    assert paths(httpserver).count("/robots.txt") == 1


def test_robots_crawl_delay_is_honoured(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 0.4\n")
    httpserver.expect_request("/page").respond_with_data("yes")
    url = httpserver.url_for("/page")

    async def go() -> float:
        async with Fetcher(BASE) as fetcher:
            await fetcher.fetch(url, check_robots=True)
            started = time.monotonic()
            await fetcher.fetch(url, check_robots=True)
            return time.monotonic() - started

    assert asyncio.run(go()) >= 0.35


# -- SSRF guard ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1%eth0",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "not-an-ip",
    ],
)
def test_guard_refuses_non_public_addresses(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_guard_allows_public_addresses(address):
    assert is_public_address(address)


def test_fetch_refuses_loopback_unless_allowed(httpserver):
    httpserver.expect_request("/feed").respond_with_data("ok")
    port = httpserver.port
    guarded = settings(allow_private_addresses=False)
    for host in ("127.0.0.1", "localhost", "[::1]"):
        err = fetch_error(f"http://{host}:{port}/feed", guarded)
        assert err.kind == "blocked_address"
        assert "NEWSLOOM_ALLOW_PRIVATE_ADDRESSES=1" in str(err)
    assert httpserver.log == []  # nothing was sent
    assert fetch(httpserver.url_for("/feed")).content == b"ok"  # allowed in BASE


class _LoopbackOneAllowed(Fetcher):
    """Treat 127.0.0.1 as public so a redirect hop to another address can be tested."""

    def _address_allowed(self, address: str) -> bool:
        return address == "127.0.0.1"


def test_guard_checks_every_redirect_hop(raw):
    port = raw.server_address[1]

    def to_private(sock, server):
        sock.sendall(
            f"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.2:{port}/meta\r\n"
            "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )

    raw.routes["/go"] = to_private
    raw.routes["/meta"] = slow
    guarded = settings(allow_private_addresses=False)
    with pytest.raises(FetchError) as info:
        asyncio.run(_fetch(guarded, raw.url("/go"), fetcher_cls=_LoopbackOneAllowed))
    assert info.value.kind == "blocked_address"
    assert "127.0.0.2" in str(info.value)
    assert raw.starts == []  # the second hop was never requested


def test_custom_transport_is_used(httpserver):
    httpserver.expect_request("/feed").respond_with_data("ok")

    async def go() -> FetchResult:
        transport = httpx.AsyncHTTPTransport(retries=0)
        async with Fetcher(BASE, transport=transport) as fetcher:
            return await fetcher.fetch(httpserver.url_for("/feed"))

    assert asyncio.run(go()).content == b"ok"


# -- a host that is down -------------------------------------------------------------------


def _pausing(after: int, pause: float = 300.0) -> Fetcher:
    """A fetcher without retries that leaves a host alone after ``after`` failures."""
    fetcher = Fetcher(settings(retries=0))
    fetcher.host_down_after, fetcher.host_down_for = after, pause
    return fetcher


async def _outcomes(fetcher: Fetcher, urls: list[str]) -> list[str]:
    """Fetch one after another: 'ok' or the error's kind for each URL."""
    out = []
    for url in urls:
        try:
            await fetcher.fetch(url)
            out.append("ok")
        except FetchError as exc:
            out.append(exc.kind)
    return out


def test_host_down_after_failures_in_a_row_then_a_probe(httpserver):
    httpserver.expect_request("/down").respond_with_data("busy", status=503)
    httpserver.expect_request("/up").respond_with_data("fine")
    down, up = httpserver.url_for("/down"), httpserver.url_for("/up")

    async def run():
        async with _pausing(3, 0.5) as fetcher:
            first = await _outcomes(fetcher, [down] * 5 + [up])
            with pytest.raises(FetchError) as info:
                await fetcher.fetch(up)
            asked = len(httpserver.log)
            await asyncio.sleep(0.6)  # the pause ends: requests go through again
            later = await _outcomes(fetcher, [up, down, down, up])
            return first, info.value, asked, later

    first, err, asked, later = asyncio.run(run())
    assert first == ["http_5xx"] * 3 + ["host_down"] * 3
    assert asked == 3  # nothing reached the server while the host was left alone
    assert err.kind == "host_down"
    assert f"{up} not tried: localhost failed 3 times in a row, left alone for 1s more" in str(err)
    # the first answer after the pause ended it; two failures are not three in a row
    assert later == ["ok", "http_5xx", "http_5xx", "ok"]
    assert len(httpserver.log) == 7


def test_a_tarpit_costs_a_few_timeouts_not_one_per_page(raw):
    asked = []

    def tarpit(sock, server):
        asked.append(1)
        stall(sock, server)

    raw.routes.update({f"/page{i}": tarpit for i in range(20)})
    cfg = settings(timeout=0.3, retries=2, per_host_concurrency=2)

    async def run():
        async with Fetcher(cfg) as fetcher:
            fetcher.backoff_base = 0.01
            return await asyncio.gather(
                *(_outcomes(fetcher, [raw.url(f"/page{i}")]) for i in range(20))
            )

    started = time.monotonic()
    kinds = [k for [k] in asyncio.run(run())]
    elapsed = time.monotonic() - started
    # every page fails, the first ones' retries included, as host_down once five requests in a
    # row timed out (two at a time); without the breaker: 20 pages x 3 tries, 60 time-outs
    assert set(kinds) <= {"timeout", "host_down"} and kinds.count("host_down") >= 15
    assert len(asked) <= 6
    assert elapsed < 10 * cfg.timeout, elapsed


def test_answers_that_are_not_5xx_keep_the_host_up(httpserver):
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    url = httpserver.url_for("/gone")

    async def run():
        async with _pausing(2) as fetcher:
            return await _outcomes(fetcher, [url] * 4)

    assert asyncio.run(run()) == ["http_404"] * 4
    assert len(httpserver.log) == 4


def test_robots_is_not_taken_as_allow_all_while_the_host_is_left_alone(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private\n", content_type="text/plain"
    )
    httpserver.expect_request("/down").respond_with_data("busy", status=503)
    httpserver.expect_request("/private/1").respond_with_data("secret")
    down, private = httpserver.url_for("/down"), httpserver.url_for("/private/1")

    async def run():
        async with _pausing(2, 0.3) as fetcher:
            paused = await _outcomes(fetcher, [down, down])
            with pytest.raises(FetchError) as during:
                await fetcher.fetch(private, check_robots=True)
            await asyncio.sleep(0.4)
            with pytest.raises(FetchError) as after:
                await fetcher.fetch(private, check_robots=True)
            return paused, during.value.kind, after.value.kind

    assert asyncio.run(run()) == (["http_5xx", "http_5xx"], "host_down", "robots")
    assert paths(httpserver) == ["/down", "/down", "/robots.txt"]
