"""Read archives: JSON Lines of articles, and WARC files of fetched pages. No storage here."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dateutil import parser as dateparser

from ..errors import InputError
from ..model import KINDS


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
#: The reason for a line whose bytes are not UTF-8 (e.g. a Latin-1 file): it is skipped.
NOT_UTF8 = "not UTF-8"


def parse_date(value) -> datetime | None:
    """ISO 8601 (or anything dateutil reads) to an aware UTC datetime; None if unreadable."""
    if not value:
        return None
    try:
        dt = dateparser.isoparse(str(value))
    except (ValueError, OverflowError):
        try:
            dt = dateparser.parse(str(value))
        except (ValueError, OverflowError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


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
        for lineno, raw in enumerate(fh, 1):
            where = f"{path.name}:{lineno}"
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
            url = obj.get("url")
            if not url or not isinstance(url, str):
                yield BadRecord(where, "missing url")
                continue
            text, html, title = obj.get("text"), obj.get("html"), obj.get("title")
            has_text = isinstance(text, str) and bool(text.strip())
            has_title = isinstance(title, str) and bool(title.strip())
            if not has_text and not (isinstance(html, str) and html.strip()) and not has_title:
                # a headline alone is an article (a feed of headlines gives no more)
                yield BadRecord(where, "missing title, text and html")
                continue
            ext = obj.get("id")
            raw_date = obj.get("published") or obj.get("date")
            published = parse_date(raw_date)
            warnings = [UNREADABLE_DATE] if raw_date and published is None else []
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
                title=_str(obj.get("title")),
                text=text if isinstance(text, str) else None,
                html=html
                if isinstance(html, str) and not (isinstance(text, str) and text.strip())
                else None,
                published=published,
                source=_str(obj.get("source")),
                source_url=_str(obj.get("source_url")),
                author=_str(obj.get("author")),
                language=_str(obj.get("language")),
                kind=kind,
                external_id=None if ext is None else str(ext),  # kept as a string: 17 is "17"
                extra={k: obj[k] for k in keep if obj.get(k) is not None} if keep else None,
                where=where,
                warnings=warnings,
            )


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
