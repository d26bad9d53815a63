"""`newsloom import` and `export articles`: JSON Lines and WARC, bad lines, crashes mid-run."""

from __future__ import annotations

import io
import json
import logging
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from newsloom.cli import main
from newsloom.store.db import make_engine

WORDS = (
    "council harbour minister budget river bridge storm vote court school hospital road "
    "election energy price farmers strike museum railway treaty border water police fire "
    "tax union trade coast island mayor festival drought bank report airport market park "
    "science vaccine satellite mountain village factory port forest nurses teachers data"
).split()


def story_text(rng: random.Random, n: int = 80) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(row if isinstance(row, str) else json.dumps(row))
            fh.write("\n")


def run_cli(db_settings, *args):
    env = {
        "NEWSLOOM_DATA_DIR": str(db_settings.data_dir),
        "NEWSLOOM_DATABASE_URL": db_settings.database_url or "",
    }
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result


WIRE = (
    "The regional council approved a new flood barrier for the old harbour on Tuesday after "
    "three days of debate, the mayor said. The barrier will cost 40 million euros and should "
    "be finished by 2029, according to engineers who presented the plan. Fishermen who use "
    "the harbour said they feared losing access during construction, while shop owners along "
    "the quay welcomed the decision after two floods in five years damaged their stock."
)


def test_import_jsonl_counts_and_exports(db_settings, tmp_path):
    rows = [
        {
            "url": "https://a.example/news/1?utm_source=x",
            "title": "Council backs barrier",
            "text": WIRE,
            "published": "2026-11-20T08:00:00Z",
            "source": "Alpha Post",
            "id": "ext-1",
        },
        # the same article under its clean URL: stored once
        {
            "url": "https://a.example/news/1",
            "title": "Council backs barrier",
            "text": WIRE,
            "source": "Alpha Post",
        },
        # a syndicated copy on another site: stored and linked to the first
        {
            "url": "https://b.example/wire/flood",
            "title": "Harbour barrier approved",
            "text": "By Wire Staff\n" + WIRE + "\nCopyright 2026.",
            "source": "Beta Daily",
            "id": 7,
        },
        {
            "url": "https://c.example/opinion/why-the-barrier-is-wrong",
            "title": "The barrier is wrong",
            "text": story_text(random.Random(1)),
            "source": "Gamma",
            "kind": "opinion",
        },
        "{not json",
        {"title": "no url", "text": "x"},
        # a headline alone is an article (a feed of headlines gives no more); nothing at all is not
        {"url": "https://d.example/headline", "title": "Ferry capsizes off Varna", "text": ""},
        {"url": "https://d.example/blank", "title": " ", "text": ""},
        [1, 2, 3],
    ]
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [r if isinstance(r, (dict, str)) else json.dumps(r) for r in rows])
    result = run_cli(db_settings, "import", str(src))
    assert result.exit_code == 0, result.output
    assert "read 9, new 3, syndicated copies 1, already stored 1, rejected 4" in result.output
    assert "invalid JSON" in result.output and "missing url" in result.output
    assert "missing title, text and html: 1" in result.output

    out = run_cli(db_settings, "export", "articles", "--format", "jsonl")
    exported = [json.loads(line) for line in out.output.splitlines()]
    by_url = {a["url"]: a for a in exported}
    assert set(by_url) == {
        "https://a.example/news/1",
        "https://b.example/wire/flood",
        "https://c.example/opinion/why-the-barrier-is-wrong",
        "https://d.example/headline",
    }
    headline = by_url["https://d.example/headline"]
    assert (headline["title"], headline["text"]) == ("Ferry capsizes off Varna", "")
    first = by_url["https://a.example/news/1"]
    assert first["id"] == "ext-1" and first["source"] == "Alpha Post"
    assert first["published"].startswith("2026-11-20T08:00:00")
    assert by_url["https://b.example/wire/flood"]["duplicate_of"] == "https://a.example/news/1"
    assert by_url["https://b.example/wire/flood"]["id"] == "7"
    opinion = by_url["https://c.example/opinion/why-the-barrier-is-wrong"]
    assert (opinion["kind"], opinion["kind_rule"]) == ("opinion", "declared")

    # importing the same file again stores nothing new
    again = run_cli(db_settings, "import", str(src))
    assert "new 0, syndicated copies 0, already stored 5" in again.output


def test_import_html_records_are_extracted(db_settings, tmp_path):
    html = (
        "<html lang='en'><head><title>Bridge reopens | Delta</title>"
        "<link rel='canonical' href='https://delta.example/news/bridge'></head><body><article>"
        "<h1>Bridge reopens after repairs</h1>"
        + "".join(f"<p>{story_text(random.Random(i), 40)}</p>" for i in range(4))
        + "</article></body></html>"
    )
    src = tmp_path / "html.jsonl"
    write_jsonl(
        src,
        [{"url": "https://delta.example/news/bridge?ref=home", "html": html, "source": "Delta"}],
    )
    result = run_cli(db_settings, "import", str(src))
    assert "new 1" in result.output, result.output
    out = run_cli(db_settings, "export", "articles")
    art = json.loads(out.output)
    assert art["url"] == "https://delta.example/news/bridge"
    assert art["title"] == "Bridge reopens after repairs"
    assert len(art["text"].split()) > 100


def write_warc(path, pages):
    """A gzipped WARC file of (url, status line, content type, body) responses."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, status, ctype, body in pages:
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body.encode()), http_headers=headers
            )
            writer.write_record(rec)
    return path


def test_import_warc(db_settings, tmp_path):
    pages = [
        (
            f"https://warc.example/story/{i}",
            "200 OK",
            "text/html; charset=utf-8",
            f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>"
            + "".join(f"<p>{story_text(random.Random(i * 10 + j), 40)}</p>" for j in range(3))
            + "</article></body></html>",
        )
        for i in range(3)
    ]
    pages.append(("https://warc.example/missing", "404 Not Found", "text/html", "gone"))
    path = write_warc(tmp_path / "pages.warc.gz", pages)
    result = run_cli(db_settings, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "read 4, new 3" in result.output
    assert "HTTP 404 response: 1 (pages.warc.gz#4)" in result.output


HERALD = (
    "Engineers opened the spillway of the Harwick dam on Thursday after a week of heavy rain "
    "raised the reservoir to its highest level in forty years, the regional water board said. "
    "About 300 homes downstream along the river Tamm were told to move to higher ground. "
    "Board director Lena Orsk said the dam itself was safe and that the release of water "
    "would continue until the reservoir fell by two metres."
)
METRO = (
    "The Harwick dam spillway was opened on Thursday as heavy rain pushed the reservoir to a "
    "forty-year high, according to the regional water board. Some 300 households along the "
    "river Tamm were asked to leave for higher ground. Water board director Lena Orsk said the "
    "dam was safe and water would be released until the level dropped two metres."
)


def test_warc_pages_from_two_sites_are_two_outlets_and_get_a_page(db_settings, tmp_path):
    """A WARC page has no `source`: its outlet was none, so a story of two sites counted
    0 outlets and never got a page (min_outlets 2). The page's site name, else its host."""
    herald = (
        "<html lang='en'><head><title>Harwick dam spillway opened after heavy rain</title>"
        "<meta property='og:site_name' content='Daily Herald'>"
        "<meta property='article:published_time' content='2026-10-01T08:00:00Z'></head>"
        "<body><article><h1>Harwick dam spillway opened after heavy rain</h1>"
        f"<p>{HERALD}</p></article></body></html>"
    )
    metro = (
        "<html lang='en'><head><title>Harwick dam opens spillway as reservoir peaks</title>"
        "<meta property='article:published_time' content='2026-10-01T09:30:00Z'></head>"
        "<body><article><h1>Harwick dam opens spillway as reservoir peaks</h1>"
        f"<p>{METRO}</p></article></body></html>"
    )
    path = write_warc(
        tmp_path / "dam.warc.gz",
        [
            ("https://www.daily-herald.example/2026/10/01/dam", "200 OK", "text/html", herald),
            ("https://www.metro-wire.example/news/dam", "200 OK", "text/html", metro),
        ],
    )
    result = run_cli(db_settings, "import", str(path))
    assert "read 2, new 2" in result.output, result.output
    articles = {
        a["url"]: a["source"]
        for a in map(json.loads, run_cli(db_settings, "export", "articles").output.splitlines())
    }
    assert articles == {
        "https://www.daily-herald.example/2026/10/01/dam": "Daily Herald",  # its og:site_name
        "https://www.metro-wire.example/news/dam": "metro-wire.example",  # its host, no "www."
    }
    run_cli(db_settings, "cluster")
    (story,) = map(json.loads, run_cli(db_settings, "export", "stories").output.splitlines())
    assert (story["article_count"], story["outlet_count"]) == (2, 2)
    assert "wrote 1 story pages" in run_cli(db_settings, "write").output


def test_a_line_without_source_counts_its_site_as_the_outlet(db_settings, tmp_path):
    """The same rule for JSON Lines: `source`, else the site name its html gives, else the
    host; two sites are never one outlet, nor none."""
    rows = [
        {"url": "https://www.alpha.example/a", "title": "Dam opens", "text": HERALD},
        {"url": "https://beta.example/b", "title": "Dam spillway", "text": METRO, "source": "Beta"},
        {
            "url": "https://gamma.example/c",
            "html": "<html><head><meta property='og:site_name' content='Gamma Courier'>"
            f"</head><body><article><h1>Harbour barrier</h1><p>{WIRE}</p></article></body></html>",
        },
    ]
    write_jsonl(tmp_path / "in.jsonl", rows)
    assert "new 3" in run_cli(db_settings, "import", str(tmp_path / "in.jsonl")).output
    out = run_cli(db_settings, "export", "articles").output
    assert {a["url"]: a["source"] for a in map(json.loads, out.splitlines())} == {
        "https://www.alpha.example/a": "alpha.example",
        "https://beta.example/b": "Beta",
        "https://gamma.example/c": "Gamma Courier",
    }


def test_every_rejected_line_is_named_in_the_log_and_the_summary(db_settings, tmp_path, caplog):
    """ "bad url", "no text" and "no article text in html" were counted with no line."""
    src = tmp_path / "in.jsonl"
    write_jsonl(
        src,
        [
            {"url": "https://a.example/ok", "title": "Ferry capsizes", "text": WIRE},
            {"url": "not a url", "title": "Ferry", "text": "Ferry capsizes off Varna."},
            {"url": "https://a.example/marks", "title": "...", "text": "-"},
            {"url": "https://a.example/empty", "html": "<html><body><p>.</p></body></html>"},
            {"url": "ftp://a.example/file", "title": "Ferry", "text": "Ferry capsizes."},
            {"url": "https://a.example/dots", "title": "…", "text": "!"},
            {"url": "https://a.example/dash", "title": "-", "text": "—"},
            {"url": "https://a.example/emoji", "title": "🔥", "text": "💥"},
        ],
    )
    with caplog.at_level(logging.WARNING, logger="newsloom"):
        result = run_cli(db_settings, "import", str(src))
    assert result.exit_code == 0, result.output
    assert (
        "rejected 7 (bad url: 2 (in.jsonl:2, in.jsonl:5), "
        "no article text in html: 1 (in.jsonl:4), "
        "no text: 4 (in.jsonl:3, in.jsonl:6, in.jsonl:7 and 1 more))"
    ) in result.output
    logged = [r.getMessage() for r in caplog.records if "import record rejected" in r.getMessage()]
    assert len(logged) == 7, logged
    for line, reason in [(2, "bad url"), (3, "no text"), (4, "no article text in html")]:
        assert any(f"where=in.jsonl:{line} reason={reason}" in m for m in logged), logged
    assert any("where=in.jsonl:8 reason=no text" in m for m in logged), logged

    empty = (
        "https://warc.example/empty",
        "200 OK",
        "text/html",
        "<html><body></body></html>",
    )
    warc = write_warc(tmp_path / "p.warc.gz", [empty])
    result = run_cli(db_settings, "import", str(warc))
    assert "rejected 1 (no article text in html: 1 (p.warc.gz#1))" in result.output


def test_import_warns_about_repeated_ids_unknown_kinds_and_future_dates(db_settings, tmp_path):
    """Each was taken silently: two articles with one `id`, `"kind": "blog"` dropped, a date
    in 2031 dropped with an INFO line naming no line, an article with no date placed at the
    time of the import."""
    rows = [
        {"url": "https://a.example/1", "title": "Dam opens", "text": HERALD, "id": "x-1"},
        {"url": "https://b.example/2", "title": "Rates rise", "text": WIRE, "id": "x-1"},
        {"url": "https://c.example/3", "title": "Ports need tugs", "text": "Tugs.", "kind": "blog"},
        {"url": "https://c.example/4", "title": "Tugs now", "text": "Tug.", "kind": "Opinion"},
        {
            "url": "https://d.example/5",
            "title": "Ferry",
            "text": "Ferry.",
            "published": "2031-01-01",
        },
        {"url": "https://d.example/6", "title": "Bus", "text": "Bus.", "published": "2026-01-01"},
    ]
    write_jsonl(tmp_path / "in.jsonl", rows)
    result = run_cli(db_settings, "import", str(tmp_path / "in.jsonl"))
    assert result.exit_code == 0, result.output
    assert result.output == (
        "in.jsonl: read 6, new 6, syndicated copies 0, already stored 0, rejected 0; warnings: "
        "id already given to another article (both kept): 1 (in.jsonl:2), "
        "no published date: placed and counted at the time of import: 4 (in.jsonl:1, "
        "in.jsonl:2, in.jsonl:3 and 1 more), "
        "published date more than 24 h in the future ignored: 1 (in.jsonl:5), "
        "unknown kind ignored (accepted: news, opinion, analysis, other): 1 (in.jsonl:3)\n"
    )
    out = run_cli(db_settings, "export", "articles").output
    by_url = {a["url"]: a for a in map(json.loads, out.splitlines())}
    assert by_url["https://d.example/5"]["published"] is None
    assert by_url["https://d.example/6"]["published"].startswith("2026-01-01")
    assert by_url["https://c.example/4"]["kind_rule"] == "declared"  # any case is a kind
    assert by_url["https://c.example/3"]["kind_rule"] != "declared"

    # the same file again: the same articles, already stored; an id on its own URL is no repeat
    again = run_cli(db_settings, "import", str(tmp_path / "in.jsonl")).output
    assert "already stored 6" in again and "id already given" not in again
    # an id stored by an earlier import, on a new URL
    write_jsonl(
        tmp_path / "more.jsonl", [{"url": "https://e.example/7", "title": "T", "id": "x-1"}]
    )
    more = run_cli(db_settings, "import", str(tmp_path / "more.jsonl")).output
    assert "id already given to another article (both kept): 1 (more.jsonl:1)" in more
    # a stored URL under another id: already stored, and the id it keeps is said
    write_jsonl(tmp_path / "renamed.jsonl", [dict(rows[0], id="y-1"), dict(rows[5], id="y-6")])
    renamed = run_cli(db_settings, "import", str(tmp_path / "renamed.jsonl")).output
    assert "already stored 2" in renamed
    assert "URL already stored under another id (that id is kept): 1 (renamed.jsonl:1)" in renamed


def test_a_line_that_is_not_utf8_says_so(db_settings, tmp_path):
    """A Latin-1 line was rejected as "invalid JSON ('utf-8' codec can't decode ...)"."""
    src = tmp_path / "in.jsonl"
    with open(src, "wb") as fh:
        fh.write(
            b"\xef\xbb\xbf" + json.dumps({"url": "https://a.example/1", "title": "Bom"}).encode()
        )
        fh.write(b'\n{"url": "https://a.example/2", "title": "M\xfcnchen Stra\xdfe"}\n')
        fh.write(json.dumps({"url": "https://a.example/3", "title": "München"}).encode() + b"\n")
    result = run_cli(db_settings, "import", str(src))
    assert result.exit_code == 0, result.output
    assert "read 3, new 2" in result.output
    assert "rejected 1 (not UTF-8: 1 (in.jsonl:2))" in result.output
    assert "invalid JSON" not in result.output


def test_import_help_names_the_formats_and_the_readme_section(tmp_path):
    out = " ".join(CliRunner().invoke(main, ["import", "--help"]).output.split())
    for words in ("JSON Lines", "one JSON object an article a line", "WARC", "README.md"):
        assert words in out, out
    assert "The import format" in out


def test_import_missing_file_is_a_clear_error(db_settings, tmp_path):
    result = run_cli(db_settings, "import", str(tmp_path / "nope.jsonl"))
    assert result.exit_code != 0
    assert "does not exist" in result.output


@pytest.mark.slow
def test_sigkill_mid_import_then_rerun_loses_and_duplicates_nothing(db_settings, tmp_path):
    rng = random.Random(42)
    total = 3000
    rows = [
        {
            "url": f"https://k.example/a/{i}",
            "title": f"Item {i}",
            "text": story_text(rng, 60),
            "source": "Kilo",
            "id": f"k{i}",
        }
        for i in range(total)
    ]
    src = tmp_path / "big.jsonl"
    write_jsonl(src, rows)
    env = dict(os.environ)
    env.update(
        NEWSLOOM_DATA_DIR=str(db_settings.data_dir),
        NEWSLOOM_DATABASE_URL=db_settings.database_url,
        NEWSLOOM_LOG_LEVEL="WARNING",
    )
    cmd = [sys.executable, "-m", "newsloom.cli", "import", str(src)]
    engine = make_engine(db_settings.database_url)

    def stored() -> int:
        try:
            with engine.connect() as conn:
                return conn.execute(text("select count(*) from articles")).scalar_one()
        except Exception:  # table not created yet
            return 0

    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while stored() < 400 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "import finished before it could be killed: make the file bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = stored()
    assert 0 < killed_at < total

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with engine.connect() as conn:
        count, distinct = conn.execute(
            text("select count(*), count(distinct external_id) from articles")
        ).one()
    engine.dispose()
    assert count == distinct == total
    assert f"already stored {killed_at}" in done.stdout


def test_an_article_with_nothing_to_read_is_rejected(db_settings, tmp_path):
    rows = [
        {"url": "https://a.example/dots", "title": "...", "text": "-"},
        {"url": "https://a.example/emoji", "title": "🔥", "text": "💥 💥"},
        {"url": "https://a.example/title-only", "title": "Ferry capsizes off Varna", "text": "…"},
        {"url": "https://a.example/digits", "title": "", "text": "2026"},
    ]
    src = tmp_path / "in.jsonl"
    write_jsonl(src, rows)
    result = run_cli(db_settings, "import", str(src))
    assert result.exit_code == 0, result.output
    assert (
        "read 4, new 2, syndicated copies 0, already stored 0, rejected 2 "
        "(no text: 2 (in.jsonl:1, in.jsonl:2))"
    ) in result.output
    out = run_cli(db_settings, "export", "articles", "--format", "jsonl")
    urls = {json.loads(line)["url"] for line in out.output.splitlines()}
    assert urls == {"https://a.example/title-only", "https://a.example/digits"}


def test_a_published_value_that_is_no_date_is_a_warning_naming_its_line(db_settings, tmp_path):
    """`"published": "not a date"` was stored as no date without a word."""
    rows = [
        {"url": "https://a.example/1", "title": "Dated", "text": WIRE, "published": "2026-11-20"},
        {
            "url": "https://a.example/2",
            "title": "Undated",
            "text": "Ferry.",
            "published": "not a date",
        },
        {"url": "https://a.example/3", "title": "Also", "text": "Dam.", "date": "31/31/2026"},
        {"url": "https://a.example/4", "title": "None given", "text": "Storm."},
        {"url": "https://a.example/5", "title": "Which day", "text": "Fog.", "date": "03/05/2026"},
        {"url": "https://a.example/6", "title": "Only one", "text": "Hail.", "date": "25/05/2026"},
    ]
    src = tmp_path / "in.jsonl"
    write_jsonl(src, rows)
    result = run_cli(db_settings, "import", str(src))
    assert result.exit_code == 0, result.output
    assert result.output == (
        "in.jsonl: read 6, new 6, syndicated copies 0, already stored 0, rejected 0; "
        "warnings: ambiguous published date (03/05/2021) read month first: 1 (in.jsonl:5), "
        "no published date: placed and counted at the time of import: 1 (in.jsonl:4), "
        "unreadable published date ignored: 2 (in.jsonl:2, in.jsonl:3)\n"
    )
    out = run_cli(db_settings, "export", "articles")
    published = {a["url"][-1]: a["published"] for a in map(json.loads, out.output.splitlines())}
    assert published["1"].startswith("2026-11-20T00:00:00")
    assert published["2"] is published["3"] is published["4"] is None
    assert published["5"].startswith("2026-03-05") and published["6"].startswith("2026-05-25")


def test_many_warnings_name_the_first_lines_and_count_the_rest(db_settings, tmp_path):
    rows = [
        {"url": f"https://a.example/{i}", "title": f"Item {i}", "published": "soon"}
        for i in range(6)
    ]
    write_jsonl(tmp_path / "in.jsonl", rows)
    result = run_cli(db_settings, "import", str(tmp_path / "in.jsonl"))
    assert (
        "warnings: unreadable published date ignored: 6 (in.jsonl:1, in.jsonl:2, in.jsonl:3 "
        "and 3 more)" in result.output
    )


def test_export_to_a_gz_file_is_gzipped_and_the_help_says_so(db_settings, tmp_path):
    import gzip

    write_jsonl(tmp_path / "in.jsonl", [{"url": "https://a.example/1", "title": "Dam opens"}])
    run_cli(db_settings, "import", str(tmp_path / "in.jsonl"))
    for what in ("articles", "stories"):
        out = tmp_path / f"{what}.jsonl.gz"
        assert run_cli(db_settings, "export", what, "-o", str(out)).exit_code == 0
        with gzip.open(out, "rt", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        assert len(lines) == (1 if what == "articles" else 0)
        helped = " ".join(CliRunner().invoke(main, ["export", what, "--help"]).output.split())
        assert "gzip-compressed when FILE ends in .gz" in helped, helped


def test_a_huge_text_is_cut_with_a_warning(db_settings, tmp_path):
    """A 4 MB "article" (a dump pasted into one line) is kept to its first 200,000
    characters, cut between words, and the summary says so; it cost gigabytes to
    fingerprint whole."""
    words = " ".join(f"w{i % 997}" for i in range(800_000))  # about 4 MB
    rows = [
        {"url": "https://a.example/huge", "title": "A very long one", "text": words},
        {"url": "https://a.example/short", "title": "Short", "text": "A ferry sank."},
    ]
    src = tmp_path / "in.jsonl"
    write_jsonl(src, rows)
    result = run_cli(db_settings, "import", str(src))
    assert result.exit_code == 0, result.output
    assert result.output == (
        "in.jsonl: read 2, new 2, syndicated copies 0, already stored 0, rejected 0; "
        "warnings: no published date: placed and counted at the time of import: 2 "
        "(in.jsonl:1, in.jsonl:2), text cut to its first 200,000 characters: 1 (in.jsonl:1)\n"
    )
    out = run_cli(db_settings, "export", "articles")
    texts = {a["url"]: a["text"] for a in map(json.loads, out.output.splitlines())}
    huge = texts["https://a.example/huge"]
    assert 100_000 < len(huge) <= 200_000 and words.startswith(huge) and not huge.endswith(" ")
    assert words[len(huge)] == " "  # cut between two words


def test_a_language_the_line_does_not_declare_is_guessed_and_stored(db_settings, tmp_path):
    """The language a line does not give is guessed from its words (or, in another script,
    its letters) and stored, so the export, the API, the clusterer and the writer all read
    the same one; a declared language is kept as declared, and a text too short to tell has
    none."""
    rows = [
        {
            "url": "https://de.example/1",
            "title": "Hochwasser in Marlowe",
            "text": "Hunderte Bewohner wurden am Dienstag in Sicherheit gebracht, nachdem der "
            "Fluss über die Ufer getreten war, teilte die Feuerwehr mit.",
        },
        {
            "url": "https://it.example/1",
            "title": "Alluvione a Marlowe",
            "text": "Centinaia di abitanti sono stati evacuati martedì dopo che il fiume è "
            "esondato, hanno detto i vigili del fuoco della contea.",
        },
        {
            "url": "https://zh.example/1",
            "title": "马洛洪水",
            "text": "数百名居民在河水泛滥后被疏散。",
        },
        {
            "url": "https://en.example/1",
            "title": "Hochwasser: the German word for flood",
            "text": "A declared language is kept even where the words say otherwise.",
            "language": "de",
        },
        {"url": "https://short.example/1", "title": "Marlowe", "text": "Evacuated."},
    ]
    src = tmp_path / "in.jsonl"
    write_jsonl(src, rows)
    assert run_cli(db_settings, "import", str(src)).exit_code == 0
    out = run_cli(db_settings, "export", "articles").output
    language = {a["url"]: a["language"] for a in map(json.loads, out.splitlines())}
    assert language == {
        "https://de.example/1": "de",
        "https://it.example/1": "it",
        "https://zh.example/1": "zh",
        "https://en.example/1": "de",
        "https://short.example/1": None,
    }
    assert run_cli(db_settings, "cluster").exit_code == 0
    out = run_cli(db_settings, "export", "stories").output
    in_stories = {
        a["url"]: a["language"] for s in map(json.loads, out.splitlines()) for a in s["articles"]
    }
    assert in_stories == language


def test_lines_with_dates_no_day_has_or_bad_characters_are_imported_with_a_warning(
    db_settings, tmp_path
):
    """Each of these aborted the whole import with a traceback, losing the good lines (an
    offset of 25 hours, a date that overflows once in UTC, a lone UTF-16 surrogate), or was
    stored as a day made up from today ("17", "June", "3 PM", a bare year). Now each line is
    imported: no date where none is whole, the character replaced, the summary naming the
    line. A number is Unix time (seconds or milliseconds), as JSON exports write it; a title
    that is a list is no title; a language that is no tag is guessed instead; a title too
    long for one is cut between words."""
    rows = [
        {"url": "https://a.example/good", "title": "Good", "text": WIRE, "published": "2021-06-01"},
        {"url": "https://a.example/tz", "title": "Fire", "text": "A fire.",
         "published": "2021-06-01T10:00:00+25:00"},
        {"url": "https://a.example/far", "title": "Far", "text": "A dam.",
         "published": "9999-12-31T23:00:00-05:00"},
        '{"url": "https://a.example/sur", "title": "Bad \\ud800 char", "text": "A storm."}',
        {"url": "https://a.example/17", "title": "Day", "text": "Fog.", "published": "17"},
        {"url": "https://a.example/june", "title": "Month", "text": "Hail.", "date": "June"},
        {"url": "https://a.example/pm", "title": "Hour", "text": "Rain.", "published": "3 PM"},
        {"url": "https://a.example/year", "title": "Year", "text": "Snow.", "published": "2021"},
        {"url": "https://a.example/unix", "title": "S", "text": "Wind.", "published": 1622548800},
        {"url": "https://a.example/ms", "title": "M", "text": "Heat.", "published": 1622548800000},
        {"url": "https://a.example/list", "title": ["a", "list"], "text": "A ferry sank."},
        {"url": "https://a.example/lang", "title": "Lang", "text": WIRE.replace("flood", "storm"),
         "language": "English (United States of America)"},
        {"url": "https://a.example/long", "title": "word " * 300, "text": "A bridge."},
        {"url": "https://a.example/zero", "title": "Zero", "text": "A quay.",
         "published": "1970-01-01T00:00:00Z"},
    ]  # fmt: skip
    src = tmp_path / "in.jsonl"
    write_jsonl(src, rows)
    result = run_cli(db_settings, "import", str(src))
    assert result.exit_code == 0, result.output
    said = result.output
    assert said.startswith("in.jsonl: read 14, new 14, syndicated copies 0, already stored 0, "
                           "rejected 0; warnings: "), said  # fmt: skip
    assert (
        "unreadable published date ignored: 7 (in.jsonl:2, in.jsonl:3, in.jsonl:5 and 4 more)"
        in said
    )
    assert "invalid character (a lone UTF-16 surrogate) replaced: 1 (in.jsonl:4)" in said
    assert "title is not text: ignored: 1 (in.jsonl:11)" in said
    assert "language longer than 16 characters: ignored: 1 (in.jsonl:12)" in said
    assert "title cut to its first 1,000 characters: 1 (in.jsonl:13)" in said
    out = run_cli(db_settings, "export", "articles")
    got = {a["url"].rsplit("/", 1)[1]: a for a in map(json.loads, out.output.splitlines())}
    assert got["good"]["published"].startswith("2021-06-01T00:00:00")
    for undated in ("tz", "far", "17", "june", "pm", "year", "zero"):
        assert got[undated]["published"] is None, undated
    assert got["unix"]["published"].startswith("2021-06-01T12:00:00")
    assert got["ms"]["published"] == got["unix"]["published"]
    assert got["sur"]["title"] == "Bad \ufffd char"
    assert got["list"]["title"] == ""
    assert got["lang"]["language"] == "en"  # guessed from its words
    assert len(got["long"]["title"]) <= 1000 and got["long"]["title"].endswith("word")


def test_a_gz_that_is_no_gzip_or_is_cut_short_is_a_rejected_line_and_the_next_file_is_read(
    db_settings, tmp_path
):
    """Both stopped the command with a traceback (`BadGzipFile`) or click's bare `Aborted!`
    (the gzip stream's EOFError), and the files after it on the command line were not read."""
    import gzip

    rng = random.Random(3)  # (text that compresses little: the cut falls after many lines)
    rows = [
        {"url": f"https://a.example/{i}", "title": f"Item {i}", "text": story_text(rng, 200)}
        for i in range(400)
    ]
    whole = tmp_path / "whole.jsonl.gz"
    with gzip.open(whole, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    fake = tmp_path / "fake.jsonl.gz"
    fake.write_text("not gzip at all\n")
    last = tmp_path / "last.jsonl"
    write_jsonl(last, [{"url": "https://b.example/1", "title": "Last", "text": "A quay."}])
    result = run_cli(db_settings, "import", str(fake), str(cut), str(last))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "fake.jsonl.gz: read 1, new 0, syndicated copies 0, already stored 0, rejected 1 (not a "
        "gzip file (named .gz): nothing read from here on: 1 (fake.jsonl.gz:1))"
    )
    assert lines[1].startswith("cut.jsonl.gz: read ") and (
        "the compressed file ends here (cut short?): the lines after are lost: 1" in lines[1]
    ), lines[1]
    assert lines[2].startswith("last.jsonl: read 1, new 1"), lines[2]
    out = run_cli(db_settings, "export", "articles").output.splitlines()
    read = int(lines[1].split("read ")[1].split(",")[0])
    assert 0 < read - 1 < 400 and len(out) == read - 1 + 1  # the cut file's whole lines, and last


def test_a_line_the_database_refuses_is_rejected_and_the_others_are_stored(db_settings, tmp_path):
    """A row the database itself refuses (here a trigger, as a constraint added by an operator
    would) rolled back the whole batch and ended the import with a traceback: every line of
    the batch was lost. Now the batch is stored line by line and only that line is rejected,
    with the database's reason; near-duplicates are still found after the retry."""
    from newsloom.store.db import open_store

    engine = open_store(db_settings)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN NEW.url LIKE '%refused%' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the operator'); END"
            ))  # fmt: skip
        else:
            conn.execute(text(
                "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                "IF NEW.url LIKE '%refused%' THEN RAISE EXCEPTION 'refused by the operator'; "
                "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ))  # fmt: skip
            conn.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON articles FOR EACH ROW "
                "EXECUTE FUNCTION refuse()"
            ))  # fmt: skip
    rng = random.Random(7)
    rows = [{"url": f"https://a.example/{i}", "title": f"Item {i}", "text": story_text(rng)}
            for i in range(5)]  # fmt: skip
    rows.insert(2, {"url": "https://a.example/refused", "title": "No", "text": story_text(rng)})
    rows.append({"url": "https://copy.example/1", "title": "Copy", "text": rows[0]["text"]})
    src = tmp_path / "in.jsonl"
    write_jsonl(src, rows)
    try:
        result = run_cli(db_settings, "import", str(src))
        assert result.exit_code == 0, result.output
        said = result.output
        assert (
            "read 7, new 5, syndicated copies 1, already stored 0, rejected 1 (could not be "
            "stored ("
            in said
            and "refused by the operator" in said
            and "(in.jsonl:3)" in said
        )
        out = run_cli(db_settings, "export", "articles").output.splitlines()
        assert len(out) == 6 and not any("refused" in line for line in out)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER refuse" + ("" if engine.dialect.name == "sqlite"
                                                        else " ON articles")))  # fmt: skip
        engine.dispose()


def test_fields_under_other_tools_names_are_named_with_the_field_to_use(db_settings, tmp_path):
    """A file from a news API or a scraper writes `link`, `headline`, `content`, `pubDate`,
    `outlet`: the lines were rejected as missing a url or text without a hint, or, worse,
    stored as bare headlines without their dates and outlets, without a word."""
    rows = [
        {"link": "https://a.example/1", "title": "Flood", "content": "Water rose."},
        {"url": "https://a.example/2", "headline": "Fire", "content": "A fire in the old town."},
        {"url": "https://a.example/3", "title": "Fire", "content": "A fire in the old town.",
         "pubDate": "Tue, 01 Jun 2021 10:00:00 GMT", "outlet": "Herald"},
        {"url": "https://a.example/4", "title": "Dam", "text": WIRE, "description": "A dam.",
         "date": "2021-06-01", "source": "Courier"},
    ]  # fmt: skip
    write_jsonl(tmp_path / "in.jsonl", rows)
    said = run_cli(db_settings, "import", str(tmp_path / "in.jsonl")).output
    assert said == (
        "in.jsonl: read 4, new 2, syndicated copies 0, already stored 0, rejected 2 (missing "
        "title, text and html (newsloom reads 'title', not 'headline'; 'text', not 'content'): "
        "1 (in.jsonl:2), missing url (newsloom reads 'url', not 'link'): 1 (in.jsonl:1)); "
        "warnings: field 'content' not read: newsloom reads 'text': 1 (in.jsonl:3), field "
        "'outlet' not read: newsloom reads 'source': 1 (in.jsonl:3), field 'pubDate' not read: "
        "newsloom reads 'published': 1 (in.jsonl:3), no published date: placed and counted at "
        "the time of import: 1 (in.jsonl:3)\n"
    ), said
