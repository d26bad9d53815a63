"""End to end in a real browser: the real server (``serve`` in a subprocess), Debian's
chromium driven by Playwright. Screenshots at phone and desktop widths go to
``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from helpers import free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

sys.path.insert(0, str(Path(__file__).parent / "data" / "cluster"))
from events import ARTICLES  # noqa: E402

pytestmark = [
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="browser tests need Debian's chromium: apt-get install chromium",
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real server over a SQLite database filled through the pipeline."""
    pytest.importorskip("playwright", reason="pip install playwright (no `playwright install`)")
    from newsloom.config import Settings
    from newsloom.pipeline import Clusterer, import_file, write_pending
    from newsloom.store.db import open_store

    data = tmp_path_factory.mktemp("web") / "data"
    settings = Settings(data_dir=data)
    engine = open_store(settings)
    path = data / "articles.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    import_file(engine, settings, path)
    Clusterer(engine, settings).run()
    write_pending(engine, settings)
    engine.dispose()

    port = free_port()
    env = {**os.environ, "NEWSLOOM_DATA_DIR": str(data), "NEWSLOOM_LOG_LEVEL": "WARNING"}
    code = (
        "from newsloom.config import load_settings; from newsloom.web.app import serve; "
        f"serve(load_settings(), '127.0.0.1', {port})"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/healthz", timeout=1).text == "ok":
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("the server exited before answering")
            time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _page(browser, viewport, errors, scheme="light"):
    page = browser.new_page(viewport=viewport, color_scheme=scheme)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_reader_journey(server, browser):
    errors: list[str] = []
    page = _page(browser, DESKTOP, errors)
    page.goto(server + "/")
    assert page.locator("h1").first.inner_text() == "Top stories"
    cards = page.locator("ol.cards > li")
    assert cards.count() >= 1
    _shot(page, "home-desktop")

    # keyboard: the first Tab reaches the skip link, which moves to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"

    # follow the first story
    first = cards.first.locator("h2 a")
    headline = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert re.search(r"/t/[a-z0-9]+$", page.url)
    assert page.locator("h1#headline").inner_text() == headline
    for section in ("Highlights", "Story", "Opinions", "Sources", "Timeline", "What changed"):
        assert page.get_by_role("heading", name=section, exact=True).is_visible(), section
    assert page.get_by_text("You've reached the end of this story.").is_visible()

    # the tone label opens its definition without JavaScript
    details = page.locator("details.tone-details")
    details.locator("summary").click()
    assert details.locator(".tone-why").is_visible()
    assert details.locator("a[href^='/about/tone']").count() == 1
    _shot(page, "story-desktop")

    # a citation marker jumps to the cited article in Sources, which links out
    cite = page.locator(".story-text a.cite").first
    target = cite.get_attribute("href")
    assert target.startswith("#ref-")
    cite.click()
    assert page.evaluate("location.hash") == target
    ref = page.locator(target)
    assert ref.is_visible()
    out = ref.locator("a").first.get_attribute("href")
    assert out.startswith(("http://", "https://"))

    # search from the header
    page.locator("#site-q").fill("barrier")
    page.locator("#site-q").press("Enter")
    page.wait_for_load_state()
    assert "/search?q=barrier" in page.url
    assert page.locator("mark").count() >= 1
    assert page.locator("ol.results a[href^='/t/']").count() >= 1
    _shot(page, "search-desktop")
    page.close()
    assert not errors, errors  # no script errors, no CSP violations


def test_api_docs_render_offline(server, browser):
    """Swagger UI comes from the server itself: no request leaves 127.0.0.1, and its
    strict CSP (no CDN, no inline script but its own set-up) reports no violation."""
    errors: list[str] = []
    hosts: list[str] = []
    page = _page(browser, DESKTOP, errors)
    page.on("request", lambda r: hosts.append(urlsplit(r.url).hostname or r.url))
    page.goto(server + "/api/docs")
    operations = page.locator(".opblock")
    operations.first.wait_for(timeout=15_000)
    assert operations.count() >= 5
    assert page.locator(".opblock-summary-path", has_text="/api/v1/stories/{sid}").count() == 1
    assert page.get_by_text("newsloom", exact=False).first.is_visible()
    # open one operation: its parameters render from the OpenAPI document
    page.locator(".opblock-summary", has_text="/api/v1/stories/{sid}").first.click()
    page.locator(".parameters").first.wait_for(timeout=5_000)
    _shot(page, "api-docs-desktop")
    page.close()
    assert hosts and set(hosts) == {"127.0.0.1"}, hosts
    assert not errors, errors


def test_phone_and_dark_mode_screenshots(server, browser):
    errors: list[str] = []
    phone = _page(browser, PHONE, errors)
    phone.goto(server + "/")
    _shot(phone, "home-phone")
    # nothing is wider than the screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.locator("ol.cards > li h2 a").first.click()
    phone.wait_for_load_state()
    _shot(phone, "story-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.goto(server + "/sources")
    _shot(phone, "sources-phone")
    phone.close()

    dark = _page(browser, DESKTOP, errors, scheme="dark")
    dark.goto(server + "/")
    background = dark.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(251, 250, 247)"  # the dark palette is in use
    dark.locator("ol.cards > li h2 a").first.click()
    dark.wait_for_load_state()
    _shot(dark, "story-desktop-dark")
    dark.goto(server + "/about/tone")
    _shot(dark, "tone-desktop-dark")
    dark.close()
    assert not errors, errors
