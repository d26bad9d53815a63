"""Jinja2 environments for HTML and Atom, with every value escaped, and their filters.

Nothing from an outlet is ever marked safe: titles, authors, names and texts are escaped by
autoescape, control characters are dropped from every output (they are invalid in XML), and
links from sources are rendered only when they are http(s) (:func:`safe_url`).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from newsloom.words import plural

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

LANGUAGES = {
    "ar": "Arabic",
    "bg": "Bulgarian",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sv": "Swedish",
    "sw": "Swahili",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}


def _finalize(value):
    """Applied to every ``{{ }}`` output before escaping: None prints nothing, and
    control characters are removed."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    return value


def clean(value: str | None) -> str:
    return _CONTROL.sub("", value or "")


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL, else None (javascript:, data:, ...)."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if _CONTROL.search(url) or any(c in url for c in ' "<>`'):
        return None
    return url


def host(url: str | None) -> str:
    try:
        name = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    return name[4:] if name.startswith("www.") else name


def language_name(code: str | None) -> str:
    if not code:
        return ""
    return LANGUAGES.get(code.lower().split("-")[0], code)


def as_utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if isinstance(dt, str):
        try:
            dt = datetime.fromisoformat(dt.replace("Z", "+00:00"))
        except ValueError:
            return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def date(dt) -> str:
    """``2 Jul 2025, 14:23 UTC``."""
    dt = as_utc(dt)
    return f"{dt.day} {dt:%b %Y, %H:%M} UTC" if dt else ""


def short_date(dt) -> str:
    dt = as_utc(dt)
    return f"{dt.day} {dt:%b, %H:%M}" if dt else ""


def isodate(dt) -> str:
    dt = as_utc(dt)
    return dt.isoformat().replace("+00:00", "Z") if dt else ""


def ago(dt, now: datetime | None = None) -> str:
    """``just now``, ``12 min ago``, ``3 h ago``, ``2 d ago``, then the date."""
    dt = as_utc(dt)
    if dt is None:
        return "never"
    secs = ((now or datetime.now(UTC)) - dt).total_seconds()
    if secs < 0:
        return date(dt)
    if secs < 90:
        return "just now"
    if secs < 3600:
        return f"{int(secs // 60)} min ago"
    if secs < 86400 * 2:
        return f"{int(secs // 3600)} h ago"
    if secs < 86400 * 30:
        return f"{int(secs // 86400)} d ago"
    return date(dt)


def every(seconds: float | None) -> str:
    """A poll interval: ``45 s``, ``5 min``, ``1 h``, ``1.5 h``; empty when unknown."""
    if not seconds:
        return ""
    if seconds < 60:
        return f"{round(seconds)} s"
    if seconds < 3570:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f}".removesuffix(".0") + " h"


def _static_version() -> str:
    digest = hashlib.sha1()
    for path in sorted(STATIC.glob("*")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


class _Environment(Environment):
    """Looks ``x.name`` up in a plain dict first: the pages' records are dicts (page JSON,
    references, entries), and Jinja would otherwise try (and fail) an attribute lookup on
    each one before the item lookup. A story page renders ~30% faster; the output is the
    same (no template calls a dict method)."""

    def getattr(self, obj, attribute):
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def make_environment() -> Environment:
    env = _Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the package: no stat() per render
    )
    env.filters.update(
        safe_url=safe_url,
        host=host,
        language_name=language_name,
        date=date,
        short_date=short_date,
        isodate=isodate,
        ago=ago,
        every=every,
    )
    env.globals.update(plural=plural, static_version=_static_version())
    return env
