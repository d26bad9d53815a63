"""`newsloom import` and `export articles`: JSON Lines and WARC, bad lines, crashes mid-run."""

from __future__ import annotations

import io
import json
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


def test_import_warc(db_settings, tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "pages.warc.gz"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(3):
            body = (
                f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>"
                + "".join(f"<p>{story_text(random.Random(i * 10 + j), 40)}</p>" for j in range(3))
                + "</article></body></html>"
            ).encode()
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            rec = writer.create_warc_record(
                f"https://warc.example/story/{i}",
                "response",
                payload=io.BytesIO(body),
                http_headers=headers,
            )
            writer.write_record(rec)
        notfound = writer.create_warc_record(
            "https://warc.example/missing",
            "response",
            payload=io.BytesIO(b"gone"),
            http_headers=StatusAndHeaders(
                "404 Not Found", [("Content-Type", "text/html")], protocol="HTTP/1.1"
            ),
        )
        writer.write_record(notfound)
    result = run_cli(db_settings, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "read 4, new 3" in result.output and "HTTP 404 response: 1" in result.output


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
    assert "read 4, new 2, syndicated copies 0, already stored 0, rejected 2 (no text: 2)" in (
        result.output
    )
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
    ]
    src = tmp_path / "in.jsonl"
    write_jsonl(src, rows)
    result = run_cli(db_settings, "import", str(src))
    assert result.exit_code == 0, result.output
    assert result.output == (
        "in.jsonl: read 4, new 4, syndicated copies 0, already stored 0, rejected 0; "
        "warnings: unreadable published date ignored: 2 (in.jsonl:2, in.jsonl:3)\n"
    )
    out = run_cli(db_settings, "export", "articles")
    published = {a["url"][-1]: a["published"] for a in map(json.loads, out.output.splitlines())}
    assert published["1"].startswith("2026-11-20T00:00:00")
    assert published["2"] is published["3"] is published["4"] is None


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
