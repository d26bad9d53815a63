"""Settings: one typed object, read from env vars and an optional TOML file, passed down.

Precedence (highest first): command-line options, ``NEWSLOOM_*`` env vars, the TOML file
(``--config``, ``NEWSLOOM_CONFIG``, or ``newsloom.toml`` in the data directory), defaults.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .model import SETTLE_HOURS

#: The names of the shipped embedder (``newsloom.cluster.embed.make_embedder``).
USE_EMBEDDERS = ("use", "use-multilingual")


def _setting(
    default: Any,
    doc: str,
    *,
    above: float | None = None,
    least: float | None = None,
    most: float | None = None,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """A setting with its doc and what a value must be: ``above`` (exclusive) or ``least``
    (inclusive) and ``most`` for numbers, ``choices`` (case-insensitive) for text."""
    check = {"above": above, "least": least, "most": most, "choices": choices}
    return field(default=default, metadata={"doc": doc, **check})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(Path("newsloom-data"), "Where the SQLite database and caches live.")
    database_url: str | None = _setting(
        None,
        "SQLAlchemy URL; default is SQLite in the data directory. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    user_agent: str = _setting(
        "newsloom/0.1 (self-hosted news aggregator)",
        "User-Agent sent with every request.",
    )
    timeout: float = _setting(20.0, "Seconds before a connect/read times out.", above=0)
    max_bytes: int = _setting(
        5_000_000, "Largest response body read, in bytes (streamed).", least=1
    )
    max_redirects: int = _setting(5, "Redirects followed before giving up.", least=0)
    retries: int = _setting(
        2, "Retries on 5xx, 429 and time-outs, with exponential back-off.", least=0
    )
    per_host_concurrency: int = _setting(2, "Requests in flight at once per host.", least=1)
    per_host_delay: float = _setting(1.0, "Seconds between two requests to the same host.", least=0)
    concurrency: int = _setting(16, "Requests in flight at once overall.", least=1)
    respect_robots: bool = _setting(True, "Obey robots.txt when fetching article pages.")
    allow_private_addresses: bool = _setting(
        False, "Allow fetching private, loopback and link-local addresses (SSRF guard off)."
    )
    fetch_interval: int = _setting(
        900,
        "Seconds between two polls of a source whose publishing rate is not known yet.",
        least=1,
    )
    fetch_interval_min: int = _setting(
        300, "Shortest seconds between two polls, for the busiest sources.", least=1
    )
    fetch_interval_max: int = _setting(
        3600,
        "Longest seconds between two polls, for quiet sources (errors back off further).",
        least=1,
    )
    max_backoff: int = _setting(
        86_400, "Longest back-off after repeated errors, in seconds.", least=1
    )
    fetch_pages: bool = _setting(
        True, "Fetch each feed item's article page (off: use the feed's own text)."
    )
    extract_workers: int = _setting(
        min(4, os.cpu_count() or 1),
        "Processes that extract article pages in parallel (0: extract in this process).",
        least=0,
    )
    page_retry_hours: float = _setting(
        6.0,
        "Hours an article page that fails for a passing reason (time-out, connection, 5xx, "
        "429) is tried again when its feed gives only a teaser, before the feed's own text is "
        "stored instead (0: store it at once).",
        least=0,
    )
    max_items_per_feed: int = _setting(100, "Newest items taken from one feed per poll.", least=1)
    max_future_hours: float = _setting(
        24.0, "Publication dates further in the future are treated as unknown.", least=0
    )
    duplicate_threshold: float = _setting(
        0.8,
        "MinHash Jaccard similarity above which an article is a syndicated copy.",
        above=0,
        most=1,
    )
    opinion_threshold: float = _setting(
        0.55, "Text-cue score above which an article without page evidence is opinion.", least=0
    )
    embedder: str = _setting(
        "use",
        "Article embedder: 'use' (multilingual Universal Sentence Encoder, shipped) or "
        "'st:MODEL' (a sentence-transformers model on disk, optional extra; never downloaded).",
    )
    embed_threads: int = _setting(
        min(4, os.cpu_count() or 1), "Threads the embedder may use.", least=1
    )
    cluster_window_hours: float = _setting(
        72.0, "A story takes new articles for this long after its latest one.", above=0
    )
    story_settle_hours: float = _setting(
        SETTLE_HOURS,
        "A story without news for this long is 'settled' instead of 'developing'.",
        above=0,
    )
    min_outlets: int = _setting(2, "Stories covered by fewer outlets get no page.", least=1)
    write_debounce_seconds: float = _setting(
        300.0,
        "`newsloom run` rewrites a story's page only after it has had no new article this long.",
        least=0,
    )
    cluster_settle_seconds: float = _setting(
        10.0,
        "Workers cluster once no new article has been stored for this long (a round of "
        "polls has ended).",
        least=0,
    )
    cluster_max_wait_seconds: float = _setting(
        30.0,
        "Workers cluster anyway once an article has waited this long for a story (under a "
        "steady flow arrivals never settle).",
        least=0,
    )
    shutdown_grace: float = _setting(
        20.0,
        "Seconds polls in flight get to finish on SIGINT/SIGTERM before they are cancelled "
        "(and repeated at the next start).",
        least=0,
    )
    llm_base_url: str | None = _setting(
        None,
        "OpenAI-compatible endpoint for the LLM writer, e.g. http://127.0.0.1:11434/v1 "
        "(Ollama); unset: extractive writer only.",
    )
    llm_model: str | None = _setting(
        None, "Model name for the LLM writer; unset: the first model the endpoint lists."
    )
    llm_api_key: str | None = _setting(
        None, "API key for the LLM endpoint (local servers need none)."
    )
    llm_timeout: float = _setting(
        120.0,
        "Seconds before an LLM request times out; then the page is written extractively.",
        above=0,
    )
    api_token: str | None = _setting(
        None,
        "Bearer token that enables the API's write endpoints (POST /api/v1/sources, "
        "/api/v1/refresh); unset: they answer 403.",
    )
    log_level: str = _setting(
        "INFO",
        "Logging level: DEBUG, INFO, WARNING, ERROR.",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
    )
    log_format: str = _setting(
        "text",
        "Log lines as `text` (for people) or `json` (one object a line, for collectors).",
        choices=("text", "json"),
    )

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newsloom.db').resolve()}"


def env_name(name: str) -> str:
    return "NEWSLOOM_" + name.upper()


def _coerce(name: str, raw: Any, f: Any, source: str | None = None) -> Any:
    """``raw`` (text from the environment, a TOML value, an option) as the setting's type,
    or ConfigError naming the setting and where the value came from (``source``: "in FILE",
    "(--option)"; by default its environment variable)."""
    typ = str(f.type)
    try:
        if "bool" in typ:
            if isinstance(raw, bool):
                return raw
            val = str(raw).strip().lower()
            if val in ("1", "true", "yes", "on"):
                return True
            if val in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(f"not a boolean: {raw!r}")
        if "int" in typ or "float" in typ:
            if isinstance(raw, bool):  # TOML's true is no number (Python's bool is an int)
                raise ValueError(f"not a number: {raw!r}")
            if "int" in typ:
                if isinstance(raw, float) and not raw.is_integer():
                    raise ValueError(f"not a whole number: {raw!r}")
                value = int(raw)
            else:
                value = float(raw)
                if not math.isfinite(value):
                    raise ValueError(f"not a finite number: {raw!r}")
            return _in_range(value, f.metadata)
        if "Path" in typ:
            return Path(os.path.expanduser(str(raw)))
        if raw is None:
            return None
        value = str(raw)
        choices = f.metadata.get("choices")
        if choices:
            chosen = {c.upper(): c for c in choices}.get(value.strip().upper())
            if chosen is None:
                raise ValueError(f"{raw!r} is none of {', '.join(choices)}")
            return chosen
        if name == "embedder" and not _embedder_name(value):
            raise ValueError(f"unknown embedder {raw!r}: use 'use' or 'st:MODEL_DIRECTORY'")
        return value
    except (ValueError, OverflowError) as exc:
        source = source or f"({env_name(name)})"
        raise ConfigError(f"config: bad value for {name} {source}: {exc}") from exc


def _in_range(value: float, meta: dict) -> Any:
    """``value`` if it is within the setting's bounds (its ``_setting`` metadata), else
    ValueError saying what it must be."""
    above, least, most = meta.get("above"), meta.get("least"), meta.get("most")
    if above is not None and not value > above:
        raise ValueError(f"must be more than {above:g} (got {value:g})")
    if least is not None and not value >= least:
        raise ValueError(f"must be at least {least:g} (got {value:g})")
    if most is not None and not value <= most:
        raise ValueError(f"must be at most {most:g} (got {value:g})")
    return value


def _embedder_name(value: str) -> bool:
    """Whether ``value`` names an embedder ``newsloom.cluster.embed.make_embedder`` makes."""
    return value in USE_EMBEDDERS or (value.startswith("st:") and bool(value[3:].strip()))


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False where it cannot be looked at (a data directory that
    cannot be used is reported when the store is opened, in one line)."""
    try:
        return path.is_file()
    except OSError:
        return False


def load_settings(
    config_file: str | os.PathLike | None = None,
    env: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build Settings from defaults, a TOML file, env vars and explicit overrides."""
    env = dict(os.environ if env is None else env)
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}

    data_dir = overrides.get("data_dir") or env.get("NEWSLOOM_DATA_DIR") or "newsloom-data"
    path = config_file or env.get("NEWSLOOM_CONFIG")
    if path is None and _is_file(Path(data_dir) / "newsloom.toml"):
        path = Path(data_dir) / "newsloom.toml"
    if path is not None:
        try:
            with open(path, "rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"config: file not found: {path}") from exc
        except OSError as exc:
            raise ConfigError(f"config: cannot read {path}: {exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config: {path} is not valid TOML: {exc}") from exc
        for key, val in raw.items():
            name = key.replace("-", "_")
            if name not in known:
                raise ConfigError(f"config: unknown setting {key!r} in {path}")
            values[name] = _coerce(name, val, known[name], f"in {path}")

    for name, f in known.items():
        if env_name(name) in env:
            values[name] = _coerce(name, env[env_name(name)], f)

    for name, val in overrides.items():
        if val is not None:
            if name not in known:
                raise ConfigError(f"config: unknown setting {name!r}")
            values[name] = _coerce(name, val, known[name], f"(--{name.replace('_', '-')})")

    return replace(Settings(), **values)


def documented_settings() -> list[tuple[str, str, Any, str]]:
    """(name, env var, default, doc) for every setting, for the README and its test."""
    return [
        (f.name, env_name(f.name), f.default, f.metadata.get("doc", "")) for f in fields(Settings)
    ]
