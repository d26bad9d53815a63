"""The `newsloom` command: sources, extract, run --once, clear errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from newsloom.cli import default_sources_path, main

DATA = Path(__file__).parent / "data"


def cli(settings, *args, private="1"):
    env = {
        "NEWSLOOM_DATA_DIR": str(settings.data_dir),
        "NEWSLOOM_DATABASE_URL": settings.database_url or "",
        "NEWSLOOM_ALLOW_PRIVATE_ADDRESSES": private,
    }
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


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
