"""Read archives: JSON Lines of articles, and WARC files of fetched pages. No storage here."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dateutil import parser as dateparser

from ..errors import InputError
from ..model import EARLIEST, KINDS


@dataclass
class Record:
    """One article from an archive, before extraction and normalization."""

    url: str
    title: str | None = None
    text: str | None = None
    html: bytes | str | None = None
    charset: str | None = None
    published: datetime | None = None
    source: str | None = None
    source_url: str | None = None
    author: str | None = None
    language: str | None = None
    kind: str | None = None
    external_id: str | None = None
    fetched: datetime | None = None  # when the page was captured (WARC-Date), not published
    extra: dict | None = None  # fields a caller asked ``read_jsonl`` to keep
    where: str | None = None  # the file and line (or record number) it came from
    #: what was wrong with it but not enough to reject it (e.g. a date that is not a date,
    #: ignored), for the import summary
    warnings: list[str] = field(default_factory=list)


@dataclass
class BadRecord:
    """A line or record that could not be read, with the reason shown to the user."""

    where: str
    reason: str


#: The warning for a ``published`` (or ``date``) value that is no date: the article is
#: imported without it (or with the date its HTML gives).
UNREADABLE_DATE = "unreadable published date ignored"
#: The warning for a date such as 03/05/2021, which is the 5th of March or the 3rd of May:
#: it is read month first, as dateutil does; ISO 8601 (2021-03-05) says which.
AMBIGUOUS_DATE = "ambiguous published date (03/05/2021) read month first"
_DAY_MONTH = re.compile(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b")
#: The warning for a ``kind`` that is none of ``KINDS``: the classifier decides instead.
UNKNOWN_KIND = f"unknown kind ignored (accepted: {', '.join(KINDS)})"
#: Names other tools give the fields newsloom reads (news APIs, scrapers, feed exports): a
#: line that has one and not the field itself gets a warning naming the field to use (its
#: text would otherwise be lost without a word: a `content` read as no text).
ALIASES = {
    "link": "url",
    "href": "url",
    "headline": "title",
    "content": "text",
    "body": "text",
    "description": "text",
    "summary": "text",
    "maintext": "text",
    "article": "text",
    "pubDate": "published",
    "pub_date": "published",
    "published_at": "published",
    "publishedAt": "published",
    "date_published": "published",
    "datePublished": "published",
    "timestamp": "published",
    "outlet": "source",
    "publisher": "source",
    "source_name": "source",
    "lang": "language",
}


def _alias_hint(obj: dict, *fields: str) -> str:
    """`` (newsloom reads 'url', not 'link')`` for each of ``fields`` the line gives under
    another name; empty when it gives none so."""
    said = [
        f"{field!r}, not {alias!r}"
        for field in fields
        for alias in [a for a, f in ALIASES.items() if f == field and obj.get(a) not in (None, "")][
            :1
        ]
    ]
    return f" (newsloom reads {'; '.join(said)})" if said else ""


#: The longest language tag kept ("en", "pt-BR", "zh-Hant-TW"); a longer value is no tag.
MAX_LANGUAGE_CHARS = 16
#: The reason for a line whose bytes are not UTF-8 (e.g. a Latin-1 file): it is skipped.
NOT_UTF8 = "not UTF-8"


#: Two defaults a date is read with: a value that gives two different days names no whole
#: date (``17``, ``June``, ``2021``, ``3 PM``), and is unreadable rather than a made-up day.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))
#: A number as a date is Unix time: seconds from 1973 to 5138, else milliseconds (JSON
#: exports often write either); any other number is no date.
_UNIX_SECONDS = (1e8, 1e11)
_YEAR_OR_MONTH = re.compile(r"[+-]?\d{4}(-\d{2})?")
_UNIX_MILLISECONDS = (1e11, 1e14)


def parse_date(value) -> datetime | None:
    """ISO 8601 (or any whole date dateutil reads: day, month and year), or a number of Unix
    seconds or milliseconds, to an aware UTC datetime; None if unreadable, incomplete, out of
    range or with an offset no time zone has."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            seconds = float(value)
            if _UNIX_MILLISECONDS[0] <= abs(seconds) < _UNIX_MILLISECONDS[1]:
                seconds /= 1000
            if not _UNIX_SECONDS[0] <= seconds < _UNIX_SECONDS[1]:
                return None
            return datetime.fromtimestamp(seconds, UTC)
        text = str(value).strip()
        if _YEAR_OR_MONTH.fullmatch(text):  # ISO 8601 allows them; no day is named
            return None
        try:
            dt = dateparser.isoparse(text)
        except (ValueError, OverflowError):
            one, two = (dateparser.parse(text, default=d) for d in _DEFAULTS)
            if one.date() != two.date():
                return None
            dt = one
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        dt = dt.astimezone(UTC)
        return None if dt < EARLIEST else dt  # (the epoch: a zero written as a date)
    except (ValueError, OverflowError, TypeError):  # (dateutil's ParserError is a ValueError)
        return None


def _lines(fh) -> Iterator[tuple[int, bytes | str]]:
    """(line number, bytes) for each line of ``fh``; where reading fails (a ``.gz`` that is no
    gzip file, or is cut short), a last (line number, reason) with the reason as text."""
    lineno = 0
    try:
        for lineno, raw in enumerate(fh, 1):  # noqa: B007 - read after the loop
            yield lineno, raw
    except gzip.BadGzipFile:
        yield lineno + 1, "not a gzip file (named .gz): nothing read from here on"
    except EOFError:
        yield lineno + 1, "the compressed file ends here (cut short?): the lines after are lost"
    except (OSError, zlib.error) as exc:
        yield lineno + 1, f"cannot be read from here on ({exc})"


def _open(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")


def is_warc(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz"))


def read_jsonl(path: Path, keep: tuple[str, ...] = ()) -> Iterator[Record | BadRecord]:
    """One Record per valid line; a BadRecord (never an exception) for each bad one.

    ``keep`` names further fields to carry in ``Record.extra`` (e.g. ``story``).
    """
    try:
        fh = _open(path)
    except OSError as exc:
        raise InputError(f"import: cannot open {path}: {exc.strerror or exc}") from exc
    with fh:
        for lineno, raw in _lines(fh):
            where = f"{path.name}:{lineno}"
            if isinstance(raw, str):  # the file cannot be read on from here
                yield BadRecord(where, raw)
                return
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8-sig")  # a byte order mark is not part of the JSON
            except UnicodeDecodeError:
                yield BadRecord(where, NOT_UTF8)
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield BadRecord(where, f"invalid JSON ({exc.msg})")
                continue
            if not isinstance(obj, dict):
                yield BadRecord(where, "not a JSON object")
                continue
            repaired = []
            if "\\u" in line:  # (only JSON's escapes can make a lone surrogate)
                fixed = _repair(obj)
                if fixed != obj:
                    obj = fixed
                    repaired.append(LONE_SURROGATE)
            url = obj.get("url")
            if not url or not isinstance(url, str):
                yield BadRecord(where, "missing url" + _alias_hint(obj, "url"))
                continue
            text, html, title = obj.get("text"), obj.get("html"), obj.get("title")
            has_text = isinstance(text, str) and bool(text.strip())
            has_title = isinstance(title, str) and bool(title.strip())
            if not has_text and not (isinstance(html, str) and html.strip()) and not has_title:
                # a headline alone is an article (a feed of headlines gives no more)
                yield BadRecord(
                    where, "missing title, text and html" + _alias_hint(obj, "title", "text")
                )
                continue
            ext = obj.get("id")
            raw_date = obj.get("published") or obj.get("date")
            repaired += [
                f"field {alias!r} not read: newsloom reads {field!r}"
                for alias, field in ALIASES.items()
                if obj.get(alias) not in (None, "")
                and obj.get(field) in (None, "")
                and not (field == "published" and raw_date)
                and not (field == "text" and html)
                and field != "url"
            ]
            published = parse_date(raw_date)
            warnings = repaired + ([UNREADABLE_DATE] if raw_date and published is None else [])
            fields = {}
            for name in ("title", "source", "source_url", "author", "language"):
                value = obj.get(name)
                if value is None or isinstance(value, str):
                    fields[name] = _str(value)
                else:  # a list, a number, an object: not text; never its Python spelling
                    fields[name] = None
                    warnings.append(f"{name} is not text: ignored")
            if fields["language"] and len(fields["language"]) > MAX_LANGUAGE_CHARS:
                warnings.append(f"language longer than {MAX_LANGUAGE_CHARS} characters: ignored")
                fields["language"] = None  # (guessed from the text instead)
            if ext is not None and not isinstance(ext, str | int):
                warnings.append("id is neither text nor a whole number: ignored")
                ext = None
            if published is not None and (m := _DAY_MONTH.match(str(raw_date))):
                if m[1] != m[2] and int(m[1]) <= 12 and int(m[2]) <= 12:
                    warnings.append(AMBIGUOUS_DATE)
            kind = _str(obj.get("kind"))
            if kind is not None:
                kind = kind.lower()
                if kind not in KINDS:
                    warnings.append(UNKNOWN_KIND)
                    kind = None
            yield Record(
                url=url.strip(),
                title=fields["title"],
                text=text if isinstance(text, str) else None,
                html=html
                if isinstance(html, str) and not (isinstance(text, str) and text.strip())
                else None,
                published=published,
                source=fields["source"],
                source_url=fields["source_url"],
                author=fields["author"],
                language=fields["language"],
                kind=kind,
                external_id=None if ext is None else str(ext),  # kept as a string: 17 is "17"
                extra={k: obj[k] for k in keep if obj.get(k) is not None} if keep else None,
                where=where,
                warnings=warnings,
            )


#: The warning for a line whose text holds a lone UTF-16 surrogate (``"\\ud800"``, valid JSON,
#: no character): each is replaced by U+FFFD and the article imported.
LONE_SURROGATE = "invalid character (a lone UTF-16 surrogate) replaced"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _repair(value):
    """``value`` (parsed JSON) with every lone surrogate in its strings replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_repair(v) for v in value]
    if isinstance(value, dict):
        return {_repair(k): _repair(v) for k, v in value.items()}
    return value


def _str(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def read_warc(path: Path) -> Iterator[Record | BadRecord]:
    """HTML responses from a WARC file (gzipped or not); other records are passed over."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(f"import: cannot open {path}: {exc.strerror or exc}") from exc
    with fh:
        try:
            for n, rec in enumerate(ArchiveIterator(fh), 1):
                if rec.rec_type != "response" or rec.http_headers is None:
                    continue
                url = rec.rec_headers.get_header("WARC-Target-URI")
                status = rec.http_headers.get_statuscode()
                ctype = rec.http_headers.get_header("Content-Type") or ""
                if not url:
                    yield BadRecord(f"{path.name}#{n}", "record without WARC-Target-URI")
                    continue
                if not status.startswith("2"):
                    yield BadRecord(f"{path.name}#{n}", f"HTTP {status} response")
                    continue
                if "html" not in ctype.lower():
                    continue
                charset = None
                if "charset=" in ctype.lower():
                    charset = ctype.lower().split("charset=", 1)[1].split(";")[0].strip() or None
                yield Record(
                    url=url,
                    where=f"{path.name}#{n}",
                    html=rec.content_stream().read(),
                    charset=charset,
                    fetched=parse_date(rec.rec_headers.get_header("WARC-Date")),
                )
        except ArchiveLoadFailed as exc:
            yield BadRecord(path.name, f"not a readable WARC file: {exc}")
