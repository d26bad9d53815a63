"""Settings: one typed object, read from env vars and an optional TOML file, passed down.

Precedence (highest first): command-line options, ``NEWSLOOM_*`` env vars, the TOML file
(``--config``, ``NEWSLOOM_CONFIG``, or ``newsloom.toml`` in the data directory), defaults.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .model import SETTLE_HOURS


def _setting(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


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
    timeout: float = _setting(20.0, "Seconds before a connect/read times out.")
    max_bytes: int = _setting(5_000_000, "Largest response body read, in bytes (streamed).")
    max_redirects: int = _setting(5, "Redirects followed before giving up.")
    retries: int = _setting(2, "Retries on 5xx, 429 and time-outs, with exponential back-off.")
    per_host_concurrency: int = _setting(2, "Requests in flight at once per host.")
    per_host_delay: float = _setting(1.0, "Seconds between two requests to the same host.")
    concurrency: int = _setting(16, "Requests in flight at once overall.")
    respect_robots: bool = _setting(True, "Obey robots.txt when fetching article pages.")
    allow_private_addresses: bool = _setting(
        False, "Allow fetching private, loopback and link-local addresses (SSRF guard off)."
    )
    fetch_interval: int = _setting(
        900, "Seconds between two polls of a source whose publishing rate is not known yet."
    )
    fetch_interval_min: int = _setting(
        300, "Shortest seconds between two polls, for the busiest sources."
    )
    fetch_interval_max: int = _setting(
        3600, "Longest seconds between two polls, for quiet sources (errors back off further)."
    )
    max_backoff: int = _setting(86_400, "Longest back-off after repeated errors, in seconds.")
    fetch_pages: bool = _setting(
        True, "Fetch each feed item's article page (off: use the feed's own text)."
    )
    extract_workers: int = _setting(
        min(4, os.cpu_count() or 1),
        "Processes that extract article pages in parallel (0: extract in this process).",
    )
    page_retry_hours: float = _setting(
        6.0,
        "Hours an article page that fails for a passing reason (time-out, connection, 5xx, "
        "429) is tried again when its feed gives only a teaser, before the feed's own text is "
        "stored instead (0: store it at once).",
    )
    max_items_per_feed: int = _setting(100, "Newest items taken from one feed per poll.")
    max_future_hours: float = _setting(
        24.0, "Publication dates further in the future are treated as unknown."
    )
    duplicate_threshold: float = _setting(
        0.8, "MinHash Jaccard similarity above which an article is a syndicated copy."
    )
    opinion_threshold: float = _setting(
        0.55, "Text-cue score above which an article without page evidence is opinion."
    )
    embedder: str = _setting(
        "use",
        "Article embedder: 'use' (multilingual Universal Sentence Encoder, shipped) or "
        "'st:MODEL' (a sentence-transformers model on disk, optional extra; never downloaded).",
    )
    embed_threads: int = _setting(min(4, os.cpu_count() or 1), "Threads the embedder may use.")
    cluster_window_hours: float = _setting(
        72.0, "A story takes new articles for this long after its latest one."
    )
    story_settle_hours: float = _setting(
        SETTLE_HOURS, "A story without news for this long is 'settled' instead of 'developing'."
    )
    min_outlets: int = _setting(2, "Stories covered by fewer outlets get no page.")
    write_debounce_seconds: float = _setting(
        300.0,
        "`newsloom run` rewrites a story's page only after it has had no new article this long.",
    )
    cluster_settle_seconds: float = _setting(
        10.0,
        "Workers cluster once no new article has been stored for this long (a round of "
        "polls has ended).",
    )
    cluster_max_wait_seconds: float = _setting(
        30.0,
        "Workers cluster anyway once an article has waited this long for a story (under a "
        "steady flow arrivals never settle).",
    )
    shutdown_grace: float = _setting(
        20.0,
        "Seconds polls in flight get to finish on SIGINT/SIGTERM before they are cancelled "
        "(and repeated at the next start).",
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
        120.0, "Seconds before an LLM request times out; then the page is written extractively."
    )
    api_token: str | None = _setting(
        None,
        "Bearer token that enables the API's write endpoints (POST /api/v1/sources, "
        "/api/v1/refresh); unset: they answer 403.",
    )
    log_level: str = _setting("INFO", "Logging level: DEBUG, INFO, WARNING, ERROR.")
    log_format: str = _setting(
        "text", "Log lines as `text` (for people) or `json` (one object a line, for collectors)."
    )

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newsloom.db').resolve()}"


def env_name(name: str) -> str:
    return "NEWSLOOM_" + name.upper()


def _coerce(name: str, raw: Any, typ: Any) -> Any:
    typ = str(typ)
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
        if "int" in typ:
            return int(raw)
        if "float" in typ:
            return float(raw)
        if "Path" in typ:
            return Path(os.path.expanduser(str(raw)))
        return None if raw is None else str(raw)
    except ValueError as exc:
        raise ConfigError(f"config: bad value for {name} ({env_name(name)}): {exc}") from exc


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
            values[name] = _coerce(name, val, known[name].type)

    for name, f in known.items():
        if env_name(name) in env:
            values[name] = _coerce(name, env[env_name(name)], f.type)

    for name, val in overrides.items():
        if val is not None:
            if name not in known:
                raise ConfigError(f"config: unknown setting {name!r}")
            values[name] = _coerce(name, val, known[name].type)

    return replace(Settings(), **values)


def documented_settings() -> list[tuple[str, str, Any, str]]:
    """(name, env var, default, doc) for every setting, for the README and its test."""
    return [
        (f.name, env_name(f.name), f.default, f.metadata.get("doc", "")) for f in fields(Settings)
    ]
