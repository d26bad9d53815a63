"""The interactive API docs (Swagger UI) at ``/api/docs``, served by this server alone.

Swagger UI's script and stylesheet (Apache-2.0) come from the ``fastapi-offline`` package
(PyPI), which ships Swagger UI 5 (the first to read OpenAPI 3.1, FastAPI's version); only its
files are used. They are served under ``/api/docs/assets/``, so the docs work offline and
their Content-Security-Policy names no other origin. FastAPI's page starts Swagger UI with
one inline script: the policy allows exactly that script, by its hash.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .http import Rendered

DOCS_PATH = "/api/docs"
ASSETS_PATH = "/api/docs/assets"
#: The files of Swagger UI that the page loads, with their types.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}
#: Everything Swagger UI needs, from this server only; its set-up script is added by hash.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' {scripts}; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@functools.cache
def asset(name: str) -> Rendered | None:
    """One Swagger UI file as a response (read, hashed and gzipped once per process)."""
    media_type = ASSETS.get(name)
    if media_type is None:
        return None
    body = (files("fastapi_offline") / "static" / name).read_bytes()
    # the URLs carry the file's hash (?v=), so browsers may keep them for good
    return Rendered(body, media_type, cache_control="public, max-age=31536000, immutable")


def _version(name: str) -> str:
    return asset(name).etag.strip('W/"')[:12]


def docs_page(openapi_url: str, title: str) -> tuple[bytes, str]:
    """The Swagger UI page and the Content-Security-Policy that lets it run."""
    js, css = "swagger-ui-bundle.js", "swagger-ui.css"
    body = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS_PATH}/{js}?v={_version(js)}",
        swagger_css_url=f"{ASSETS_PATH}/{css}?v={_version(css)}",
        swagger_favicon_url="/static/favicon.svg",
        oauth2_redirect_url=None,
        swagger_ui_parameters={"validatorUrl": None},  # no badge from validator.swagger.io
    ).body
    inline = re.findall(rb"<script>(.*?)</script>", body, re.S)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s).digest()).decode() + "'" for s in inline
    )
    return body, DOCS_CSP.format(scripts=hashes)


def install(app: FastAPI) -> None:
    """Add ``/api/docs`` and its assets to ``app`` (created with ``docs_url=None``)."""
    body, csp = docs_page(app.openapi_url or "/openapi.json", f"{app.title} API")
    page = Rendered(body, "text/html; charset=utf-8", headers={"Content-Security-Policy": csp})

    @app.get(DOCS_PATH, include_in_schema=False)
    async def api_docs(request: Request) -> Response:
        return page.respond(request)

    @app.get(ASSETS_PATH + "/{name}", include_in_schema=False)
    async def api_docs_asset(request: Request, name: str) -> Response:
        item = asset(name)
        if item is None:
            raise StarletteHTTPException(404)
        return item.respond(request)
