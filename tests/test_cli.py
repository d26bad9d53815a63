"""The `newsloom` command: sources, extract, run --once, clear errors."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import page
from lxml import etree
from werkzeug import Response

from newsloom.cli import default_sources_path, main
from newsloom.config import load_settings

DATA = Path(__file__).parent / "data"


def cli(settings, *args, private="1", **extra):
    env = {
        "NEWSLOOM_DATA_DIR": str(settings.data_dir),
        "NEWSLOOM_DATABASE_URL": settings.database_url or "",
        "NEWSLOOM_ALLOW_PRIVATE_ADDRESSES": private,
        "NEWSLOOM_PER_HOST_DELAY": "0",
        **extra,
    }
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def newsloom(settings, *args, **extra) -> subprocess.CompletedProcess:
    """`newsloom ARGS` as a process of its own (its logging set up as a user's would be)."""
    env = {
        **os.environ,
        "NEWSLOOM_DATA_DIR": str(settings.data_dir),
        "NEWSLOOM_DATABASE_URL": settings.database_url or "",
        "NEWSLOOM_ALLOW_PRIVATE_ADDRESSES": "1",
        "NEWSLOOM_PER_HOST_DELAY": "0",
        "NEWSLOOM_EXTRACT_WORKERS": "1",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "newsloom", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def feed(base: str, title: str | None, items: list[tuple[str, str]]) -> str:
    """An RSS feed (with a channel title unless None) of (path, title) items."""
    entries = "".join(
        f"<item><title>{t}</title><link>{base}{path}</link>"
        "<pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate></item>"
        for path, t in items
    )
    head = f"<title>{title}</title>" if title else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{head}'
        f"<link>{base}/</link>{entries}</channel></rss>"
    )


def test_sources_import_list_export_add(db_settings, tmp_path):
    opml = DATA / "feeds" / "sources.opml"
    out = cli(db_settings, "sources", "import", str(opml))
    assert out.exit_code == 0 and "added" in out.output, out.output
    again = cli(db_settings, "sources", "import", str(opml))
    assert "0 added" in again.output

    added = cli(
        db_settings,
        "sources",
        "add",
        "--no-check",  # (no such host: added as it is, to be polled later)
        "https://new.example/feed.xml",
        "--name",
        "New",
        "--country",
        "ie",
        "--language",
        "EN",
        "--lean",
        "center",
    )
    assert added.exit_code == 0 and "added: New" in added.output

    listed = [
        json.loads(x) for x in cli(db_settings, "sources", "list", "--json").output.splitlines()
    ]
    new = next(s for s in listed if s["url"] == "https://new.example/feed.xml")
    assert (new["country"], new["language"], new["lean"], new["articles"]) == (
        "IE",
        "en",
        "center",
        0,
    )
    assert new["last_fetch"] is None and new["error_count"] == 0

    table = cli(db_settings, "sources", "list").output
    assert "New" in table and "never" in table

    exported = cli(db_settings, "sources", "export").output.encode()
    root = etree.fromstring(exported)
    urls = {o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")}
    assert "https://new.example/feed.xml" in urls and len(urls) == len(listed)
    outline = next(
        o for o in root.iter("outline") if o.get("xmlUrl") == "https://new.example/feed.xml"
    )
    assert (outline.get("country"), outline.get("language"), outline.get("lean")) == (
        "IE",
        "en",
        "center",
    )


def test_sources_add_rejects_non_http(settings):
    out = cli(settings, "sources", "add", "ftp://x.example/feed")
    assert out.exit_code == 1
    assert "error: sources: 'ftp://x.example/feed' is not an http(s) feed URL" in out.output


def test_bad_opml_is_a_clear_error(settings, tmp_path):
    bad = tmp_path / "bad.opml"
    bad.write_text("<html><body>not opml</body></html>")
    out = cli(settings, "sources", "import", str(bad))
    assert out.exit_code == 1 and out.output.startswith("error: ")
    assert "Traceback" not in out.output


def test_bad_config_is_a_clear_error(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("timeout = 'soon'\n")
    out = CliRunner().invoke(main, ["--config", str(cfg), "sources", "list"])
    assert out.exit_code != 0
    assert "bad value for timeout" in out.output


@pytest.mark.parametrize(
    "source, value, said",
    [
        ("env", "0", "must be more than 0 (got 0)"),
        ("env", "-5", "must be more than 0 (got -5)"),
        ("env", "nan", "not a finite number: 'nan'"),
        ("env", "1e400", "not a finite number: '1e400'"),
        ("toml", "inf", "not a finite number: inf"),
        ("toml", "true", "not a number: True"),
    ],
)
def test_a_setting_out_of_its_range_is_refused_before_anything_runs(tmp_path, source, value, said):
    """A window of 0 hours, nan or inf crashed `recluster` half way (ZeroDivisionError,
    "cannot convert float NaN to integer"), leaving it stopped with no stories; a negative one
    was taken and made every article a story of its own. Each is now a one-line error naming
    the setting and where its value came from, before the store is opened."""
    env = {"NEWSLOOM_DATA_DIR": str(tmp_path / "data")}
    args = ["recluster"]
    if source == "env":
        env["NEWSLOOM_CLUSTER_WINDOW_HOURS"] = value
        where = "(NEWSLOOM_CLUSTER_WINDOW_HOURS)"
    else:
        cfg = tmp_path / "c.toml"
        cfg.write_text(f"cluster_window_hours = {value}\n")
        args = ["--config", str(cfg), *args]
        where = f"in {cfg}"
    out = CliRunner().invoke(main, args, env=env)
    assert out.exit_code == 1 and out.output == (
        f"error: config: bad value for cluster_window_hours {where}: {said}\n"
    ), out.output
    assert not (tmp_path / "data").exists()  # nothing was opened, nothing reset


def test_whole_numbers_levels_and_formats_take_only_what_they_mean(tmp_path):
    """`min_outlets = 2.9` was taken as 2 and `min_outlets = true` as 1, and `--log-level
    LOUD` was accepted; a level is read in any case."""
    cfg = tmp_path / "c.toml"
    for line, said in (
        ("min_outlets = 2.9", "bad value for min_outlets in {cfg}: not a whole number: 2.9"),
        ("min_outlets = 0", "bad value for min_outlets in {cfg}: must be at least 1 (got 0)"),
        ("log_format = 'xml'", "bad value for log_format in {cfg}: 'xml' is none of text, json"),
    ):
        cfg.write_text(line + "\n")
        out = CliRunner().invoke(main, ["--config", str(cfg), "sources", "list"])
        assert out.output == f"error: config: {said.format(cfg=cfg)}\n", out.output
    out = CliRunner().invoke(main, ["--log-level", "LOUD", "sources", "list"])
    assert out.output == (
        "error: config: bad value for log_level (--log-level): 'LOUD' is none of DEBUG, INFO, "
        "WARNING, ERROR\n"
    ), out.output
    assert load_settings(env={}, log_level="debug").log_level == "DEBUG"


def test_extract_files_and_gz(settings, tmp_path):
    html = (
        "<html lang='en'><head><title>Ferry strike ends</title>"
        '<script type=\'application/ld+json\'>{"@type": "OpinionNewsArticle", '
        '"isAccessibleForFree": false}</script></head><body><article><h1>Ferry strike ends</h1>'
        + "<p>The ferry workers returned to work on Monday after the union and the operator "
        "agreed a new pay deal, ending a strike that had lasted eleven days and stranded "
        "hundreds of island residents, the union said in a statement.</p>"
        * 3
        + "</article></body></html>"
    )
    plain = tmp_path / "a.html"
    plain.write_text(html)
    packed = tmp_path / "b.html.gz"
    packed.write_bytes(gzip.compress(html.encode()))
    out = cli(settings, "extract", str(plain), str(packed), str(tmp_path / "missing.html"))
    assert out.exit_code == 0, out.output
    lines = [json.loads(x) for x in out.output.splitlines()]
    assert [x["path"] for x in lines] == [str(plain), str(packed), str(tmp_path / "missing.html")]
    for rec in lines[:2]:
        assert rec["title"] == "Ferry strike ends"
        assert "ferry workers returned" in rec["text"]
        assert rec["kind"] == "opinion" and rec["paywalled"] is True
        assert rec["language"] == "en"
        assert set(rec) >= {"title", "text", "published", "author", "language", "kind", "paywalled"}
    assert "error" in lines[2]


def test_extract_url(settings, httpserver):
    httpserver.expect_request("/story").respond_with_data(
        "<html><head><title>Dam opens</title></head><body><article><h1>Dam opens</h1>"
        + "<p>The new dam opened on Friday after six years of building work, officials said, "
        "and will supply water to three towns in the valley during dry summers.</p>"
        * 3
        + "</article></body></html>",
        content_type="text/html; charset=utf-8",
    )
    out = cli(settings, "extract", httpserver.url_for("/story"))
    rec = json.loads(out.output)
    assert rec["url"] == httpserver.url_for("/story") and rec["title"] == "Dam opens"
    # by default, local addresses are refused (server-side request forgery guard)
    refused = json.loads(cli(settings, "extract", httpserver.url_for("/story"), private="0").output)
    assert "NEWSLOOM_ALLOW_PRIVATE_ADDRESSES=1" in refused["error"]


def test_shipped_sources_load(settings):
    from newsloom.ingest.opml import read_opml

    sources = read_opml(default_sources_path().read_bytes())
    assert len(sources) >= 60


@pytest.mark.parametrize(
    "args",
    [
        ("serve", "--port", "99999"),
        ("serve", "--port", "0"),
        ("run", "--port", "65536"),
        ("worker", "--metrics-port", "99999"),
        ("worker", "--metrics-port", "-1"),
    ],
)
def test_ports_outside_1_to_65535_are_usage_errors(settings, args):
    """uvicorn said "running on :99999" and listened elsewhere: refused before anything runs."""
    out = cli(settings, *args)
    assert out.exit_code == 2, out.output
    assert "is not in the range 1<=x<=65535" in out.output and "Usage: " in out.output
    assert not settings.data_dir.exists()


READERS = [
    ("status",),
    ("status", "--json"),
    ("sources", "list"),
    ("sources", "export"),
    ("export", "articles"),
    ("export", "stories"),
    ("serve", "--port", "8765"),
    ("cluster",),
    ("recluster",),
    ("write",),
    ("publish",),
]


@pytest.mark.parametrize("args", READERS)
def test_a_reading_command_refuses_a_data_dir_without_a_database(settings, args):
    """A mistyped --data-dir made `status` create an empty database and report zeros."""
    typo = settings.data_dir.parent / "typo-dir"
    out = CliRunner().invoke(main, ["--data-dir", str(typo), *args], catch_exceptions=False)
    assert out.exit_code == 1, out.output
    assert out.output.startswith(f"error: store: no newsloom database in the data directory {typo}")
    assert "`newsloom run`" in out.output and "`newsloom sources add FEED_URL`" in out.output
    assert "`newsloom import FILE`" in out.output  # a researcher's way in
    assert len(out.output.splitlines()) == 1
    assert not typo.exists()  # nothing created


def test_reading_commands_refuse_a_database_without_newsloom_tables(db_settings):
    """The same with an explicit database URL (a SQLite file, or PostgreSQL) that is empty."""
    from newsloom.store.db import make_engine

    engine = make_engine(db_settings.db_url)
    with engine.connect():  # the SQLite file exists, without tables
        pass
    engine.dispose()
    out = cli(db_settings, "status")
    assert out.exit_code == 1 and "error: store: no newsloom database in the database " in (
        out.output
    )


def test_commands_that_bring_data_in_start_the_database(settings, tmp_path):
    """`make run` on a fresh machine runs `newsloom run`; `fetch`, `import` and `sources add`
    start a database too (and a reading command then works on it)."""
    out = cli(settings, "fetch")
    assert out.exit_code == 0, out.output
    assert "no sources yet: add some with `newsloom sources add FEED_URL`" in out.output
    assert (settings.data_dir / "newsloom.db").is_file()
    assert json.loads(cli(settings, "status", "--json").output)["sources"] == 0

    rows = tmp_path / "in.jsonl"
    rows.write_text(json.dumps({"url": "https://a.example/1", "title": "Dam opens"}) + "\n")
    for i, args in enumerate(
        [
            ("sources", "add", "--no-check", "https://a.example/feed.xml"),
            ("import", str(rows)),
            ("migrate",),
        ]
    ):
        fresh = tmp_path / f"fresh-{i}"
        made = CliRunner().invoke(main, ["--data-dir", str(fresh), *args], catch_exceptions=False)
        assert made.exit_code == 0, made.output
        assert (fresh / "newsloom.db").is_file(), args


def test_an_unusable_data_dir_is_a_one_line_error(tmp_path):
    """`--data-dir /proc/nonexist status` ended in a FileNotFoundError traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    under = blocker / "data"
    for args in (["status"], ["export", "articles"]):
        out = CliRunner().invoke(main, ["--data-dir", str(under), *args], catch_exceptions=False)
        assert out.exit_code == 1, out.output
        assert out.output == (
            f"error: store: no newsloom database in the data directory {under} (a mistyped "
            "--data-dir?); start one with `newsloom run`, `newsloom sources add FEED_URL`, "
            "`newsloom sources import FILE.opml` or `newsloom import FILE`\n"
        )
    for args in (["fetch"], ["sources", "add", "https://a.example/feed.xml"], ["migrate"]):
        out = CliRunner().invoke(main, ["--data-dir", str(under), *args], catch_exceptions=False)
        assert out.exit_code == 1, out.output
        assert out.output.startswith(f"error: store: cannot use the data directory {under}: ")
        assert len(out.output.splitlines()) == 1, out.output
    if Path("/proc/self").is_dir():  # the QA's own case, where there is a /proc
        out = CliRunner().invoke(
            main, ["--data-dir", "/proc/nonexist", "fetch"], catch_exceptions=False
        )
        assert out.exit_code == 1 and out.output.startswith(
            "error: store: cannot use the data directory /proc/nonexist: "
        ), out.output


def test_fetch_fails_when_every_source_failed_and_says_why_when_nothing_is_due(
    settings, httpserver
):
    """`fetch` exited 0 with "0 ok, 5 failed"; with nothing due it said nothing useful."""
    base = httpserver.url_for("")[:-1]
    httpserver.expect_request("/gone.xml").respond_with_data("gone", status=404)
    httpserver.expect_request("/page.xml").respond_with_data(
        "<html><body>a page</body></html>", content_type="text/html"
    )
    for path in ("/gone.xml", "/page.xml"):
        out = cli(settings, "sources", "add", base + path, "--name", path)
        assert out.exit_code == 1 and "; not added (`--no-check` adds it anyway" in out.output
        assert cli(settings, "sources", "add", "--no-check", base + path).exit_code == 0
    out = cli(settings, "fetch")
    assert out.exit_code == 3, out.output
    assert "polled 2 sources: 0 ok, 2 failed; 0 new articles" in out.output
    assert "error: every source polled failed" in out.output

    # both are now backing off: nothing is due, and the command says so and what to do
    out = cli(settings, "fetch")
    assert out.exit_code == 0, out.output
    assert out.output.startswith("nothing due: 2 sources, the next due at ")
    assert "; 2 in back-off after errors, until " in out.output
    assert out.output.rstrip().endswith("`newsloom fetch --all` polls them all now")

    # `run --once` with nothing due says so too, then what the round did
    out = cli(settings, "run", "--once")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert "one round over 2 sources (0 due now)" in lines[0]
    assert lines[1].startswith("nothing due: 2 sources, the next due at ")
    assert lines[2].endswith(
        "polled 0 sources (0 failed), 0 new articles; 0 new stories; 0 pages written"
    )
    assert lines[3] == "stopped"

    # one source answering is enough for `fetch` to succeed
    httpserver.expect_request("/good.xml").respond_with_data(
        feed(base, "Good", []), content_type="application/rss+xml"
    )
    assert cli(settings, "sources", "add", base + "/good.xml").exit_code == 0
    out = cli(settings, "fetch", "--all")
    assert out.exit_code == 0, out.output
    assert "polled 3 sources: 1 ok, 2 failed" in out.output
    assert "every source polled failed" not in out.output


def test_run_once_fails_when_every_source_failed(settings, httpserver):
    """`run --once` is what a cron job runs: a round in which every source failed is an exit
    status, as for `fetch`."""
    base = httpserver.url_for("")[:-1]
    httpserver.expect_request("/gone.xml").respond_with_data("gone", status=404)
    assert cli(settings, "sources", "add", "--no-check", base + "/gone.xml").exit_code == 0
    out = cli(settings, "run", "--once")
    assert "polled 1 sources (1 failed), 0 new articles" in out.output
    assert out.exit_code == 3, out.output
    assert "error: every source polled failed" in out.output


def test_trafilaturas_parse_errors_stay_out_of_the_output(settings, httpserver, tmp_path):
    """An empty article page made trafilatura log "ERROR trafilatura.utils: lxml parsing
    failed: Document is empty" beside newsloom's own report of that page."""
    base = httpserver.url_for("")[:-1]
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed(base, "Kelsby Courier", [("/empty.html", "An empty page"), ("/ok.html", "Ferry")]),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/empty.html").respond_with_data("", content_type="text/html")
    httpserver.expect_request("/ok.html").respond_with_data(
        page("Ferry terminal reopens", 1), content_type="text/html"
    )
    assert cli(settings, "sources", "add", base + "/feed.xml").exit_code == 0
    done = newsloom(settings, "fetch")
    assert done.returncode == 0, done.stderr
    assert "polled 1 sources: 1 ok, 0 failed" in done.stdout
    assert "trafilatura" not in done.stderr, done.stderr
    # newsloom's own report of the page is still there
    assert f"article page failed source_id=1 url={base}/empty.html kind=extract" in done.stderr

    empty = tmp_path / "empty.html"
    empty.write_text("")
    done = newsloom(settings, "extract", str(empty), f"{base}/empty.html")
    assert done.returncode == 0, done.stderr
    assert "trafilatura" not in done.stderr, done.stderr
    for line in done.stdout.splitlines():
        assert json.loads(line)["error"].startswith("extract: ")
    # DEBUG shows everything, the library's messages included
    debug = newsloom(settings, "--log-level", "DEBUG", "extract", str(empty))
    assert "trafilatura" in debug.stderr


def test_a_source_added_without_a_name_takes_its_feeds_title(db_settings, httpserver):
    """`sources add URL` kept the URL as the source's name forever."""
    base = httpserver.url_for("")[:-1]
    titled = feed(base, "Civic Review", [("/c/1", "Council votes")])
    httpserver.expect_request("/civic.xml").respond_with_data(
        titled, content_type="application/rss+xml"
    )
    httpserver.expect_request("/given.xml").respond_with_data(
        feed(base, "Its Own Title", [("/g/1", "Harbour opens")]),
        content_type="application/rss+xml",
    )
    untitled = [feed(base, None, [("/u/1", "Storm warning")])]
    httpserver.expect_request("/untitled.xml").respond_with_handler(
        lambda _request: Response(untitled[0], content_type="application/rss+xml")
    )
    for path, seed in (("/c/1", 1), ("/g/1", 2), ("/u/1", 3), ("/u/2", 4)):
        httpserver.expect_request(path).respond_with_data(
            page(f"Story {seed}", seed), content_type="text/html"
        )
    assert cli(db_settings, "sources", "add", base + "/civic.xml").output == (
        f"source 1 added: Civic Review <{base}/civic.xml>; its feed lists 1 item\n"
    )
    cli(db_settings, "sources", "add", base + "/given.xml", "--name", "Given Name")
    cli(db_settings, "sources", "add", base + "/untitled.xml")
    assert cli(db_settings, "fetch").exit_code == 0

    def names():
        listed = cli(db_settings, "sources", "list", "--json").output.splitlines()
        return {s["url"][len(base) :]: s["name"] for s in map(json.loads, listed)}

    def sources_of_articles():
        exported = cli(db_settings, "export", "articles").output.splitlines()
        return {a["url"][len(base) :]: a["source"] for a in map(json.loads, exported)}

    assert names() == {
        "/civic.xml": "Civic Review",  # named before its articles were stored under it
        "/given.xml": "Given Name",  # a name someone gave is kept
        "/untitled.xml": base + "/untitled.xml",  # a feed without a title: nothing to take
    }
    assert sources_of_articles() == {
        "/c/1": "Civic Review",
        "/g/1": "Given Name",
        "/u/1": base + "/untitled.xml",
    }

    # the feed gains a title: the source takes it, and so do the articles stored under the URL
    untitled[0] = feed(base, "Storm Desk", [("/u/1", "Storm warning"), ("/u/2", "Storm ends")])
    assert cli(db_settings, "fetch", "--all").exit_code == 0
    assert names()["/untitled.xml"] == "Storm Desk"
    assert sources_of_articles() == {
        "/c/1": "Civic Review",
        "/g/1": "Given Name",
        "/u/1": "Storm Desk",
        "/u/2": "Storm Desk",
    }
    # a name given later is kept from then on
    cli(db_settings, "sources", "add", base + "/civic.xml", "--name", "The Civic Review")
    cli(db_settings, "fetch", "--all")
    assert names()["/civic.xml"] == "The Civic Review"
