"""The web application: the reader's site, the JSON API and the Atom feeds.

``create_app(settings, engine)`` builds everything; ``serve(settings, host, port)`` runs it
with uvicorn. The public site is read-only; the API's two write endpoints need the
``api_token`` setting. Errors are typed (:class:`newsloom.errors.NewsloomError`) and
rendered in one place: JSON under ``/api/``, an HTML page elsewhere.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import time
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__, metrics
from ..config import Settings
from ..errors import NewsloomError
from . import api, docs, feeds, pages
from .http import GZIP_MIN, FastPath, Site
from .templating import STATIC, make_environment

log = logging.getLogger(__name__)

#: Scripts are never needed; styles come from our own stylesheet only.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"interest-cohort=(), camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Adds the security headers to every response (a plain ASGI middleware: cheap).

    A response that sets its own Content-Security-Policy (the API docs) keeps it.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = CSP.encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", csp))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, message: str) -> Response:
    """The one place errors are rendered: JSON for the API, an HTML page elsewhere."""
    if _wants_json(request):
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    if status == 404:
        title = "Page not found"
        message = "There is no story or page at this address. It may have been removed."
    env = request.app.state.templates
    body = env.get_template("error.html").render(title=title, message=message)
    return Response(body, status_code=status, media_type="text/html; charset=utf-8")


def _message(exc: Exception) -> str:
    text = str(exc)
    for layer in ("web: ", "store: "):  # the layer prefix is for logs, not for readers
        text = text.removeprefix(layer)
    return text


def settle_gc() -> None:
    """Tune the garbage collector of a serving process, once its start-up data is loaded.

    Python's full collections walk every tracked object: with the modules, the front page's
    ranking and the caches of a running site, each took 50 to 120 ms here, during which no
    request is answered (the first-request p99 of bench/serve.py was 330 to 460 ms, most of
    it these pauses). ``gc.freeze`` moves what exists now out of the collector's sight, and a
    higher first threshold makes collections rarer: that p99 fell to about 26 ms (measured in
    docs/benchmarks.md). Reference counting still frees almost everything at once; only
    cyclic garbage waits longer.
    """
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 100)
    log.info(
        "web warm-up done: %d objects set aside from garbage collection in %.0f ms",
        gc.get_freeze_count(),
        (time.perf_counter() - started) * 1000,
    )


def create_app(
    settings: Settings,
    engine: Engine | None = None,
    *,
    recheck_seconds: float = 1.0,
    tune_gc: bool = False,
) -> FastAPI:
    """The web app over ``engine`` (default: the settings' database, migrated).

    Args:
        settings: the settings (``api_token`` enables the API's write endpoints).
        engine: the database; opened (and migrated) from ``settings`` when None.
        recheck_seconds: how often the data version is re-read; responses are cached
            until it changes.
        tune_gc: a serving process: :func:`settle_gc` once the front page is loaded.
    """
    if engine is None:
        from ..store.db import open_store

        engine = open_store(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        # rank the front page in the background, so the first reader does not wait for it
        def warm_up() -> None:
            site.warm_up()
            if tune_gc:
                settle_gc()

        threading.Thread(target=warm_up, name="newsloom-warm-up", daemon=True).start()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="newsloom",
        version=__version__,
        summary="Stories from many outlets, each with one neutral, sourced page.",
        docs_url=None,  # docs.install: Swagger UI from this server, not a CDN
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    site = Site(settings, engine, recheck_seconds=recheck_seconds)
    app.state.site = site
    app.state.templates = make_environment()
    app.add_middleware(FastPath, site=site)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN, compresslevel=6)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(NewsloomError)
    async def newsloom_error(request: Request, exc: NewsloomError) -> Response:
        if exc.status >= 500:
            log.error("web request failed path=%s error=%s", request.url.path, exc)
        response = error_response(request, exc.status, _message(exc))
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response = error_response(request, exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("web request failed path=%s", request.url.path, exc_info=exc)
        return error_response(request, 500, "Something went wrong on our side.")

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        )
        return error_response(request, 400, f"bad request: {problems}")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    registry = metrics.make_registry(engine, min_outlets=settings.min_outlets)
    app.state.metrics = registry

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        # this process's counters plus gauges read from the database now: never cached
        body, content_type = await run_in_threadpool(metrics.exposition, registry)
        return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})

    static_files = {p.name: p.read_bytes() for p in STATIC.glob("*") if p.is_file()}
    static_types = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}

    @app.get("/static/{name}", include_in_schema=False)
    async def static(request: Request, name: str) -> Response:
        data = static_files.get(name)
        if data is None:
            raise StarletteHTTPException(404)
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000, immutable"}
        if request.headers.get("if-none-match", "").replace("W/", "") == etag:
            return Response(status_code=304, headers=headers)
        suffix = "." + name.rsplit(".", 1)[-1]
        return Response(data, media_type=static_types.get(suffix, "text/plain"), headers=headers)

    app.include_router(pages.router)
    app.include_router(feeds.router)
    app.include_router(api.router)
    docs.install(app)
    return app


def make_server(
    settings: Settings, host: str = "127.0.0.1", port: int = 8000, engine: Engine | None = None
):
    """A uvicorn server for the site, to run in an event loop: ``await server.serve()``
    (beside the poller, for ``newsloom run``); ``server.should_exit = True`` stops it."""
    import uvicorn

    config = uvicorn.Config(
        create_app(settings, engine, tune_gc=True),
        host=host,
        port=port,
        proxy_headers=True,
        server_header=False,
        access_log=False,
        log_level=settings.log_level.lower(),
    )
    return uvicorn.Server(config)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the site with uvicorn until interrupted."""
    log.info("serving http://%s:%s/", host, port)
    make_server(settings, host, port).run()
