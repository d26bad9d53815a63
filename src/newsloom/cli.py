"""The ``newsloom`` command: thin commands that parse options and call one library function."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import json
import logging
import os
import re
import signal
import sys
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import click

from . import __version__
from .config import load_settings
from .errors import InputError, NewsloomError
from .words import plural

log = logging.getLogger("newsloom")


def default_sources_path() -> Path:
    return Path(str(resources.files("newsloom") / "data" / "default-sources.opml"))


class Context:
    def __init__(self, settings):
        self.settings = settings
        self._engine = None
        #: create the database when there is none (off for commands marked ``reads_store``)
        self.create = True

    @property
    def engine(self):
        if self._engine is None:
            from .store.db import open_store

            self._engine = open_store(self.settings, create=self.create)
        return self._engine


def reads_store(fn):
    """Mark a command that works on what is stored (status, exports, the site, clustering and
    writing): given a data directory without a database it stops with an error naming the
    directory, rather than create an empty database that makes a typo look like lost data.
    The commands that bring data in (run, fetch, import, sources add/import, migrate) create
    the database."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        click.get_current_context().find_object(Context).create = False
        return fn(*args, **kwargs)

    return wrapper


#: A TCP port (0 would be any free port, which the messages could not name).
PORT = click.IntRange(1, 65535)


class Moment(click.ParamType):
    """An ISO 8601 date or time (``2026-05-03``, ``2026-05-03T08:00``, ``...Z``,
    ``...+02:00``), as the import format writes them; one without an offset is UTC."""

    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            when = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(
                f"{value!r} is not a date: use 2026-05-03 or 2026-05-03T08:00:00Z", param, ctx
            )
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


#: ``newsloom fetch``'s and ``run --once``'s exit status when sources were polled and every one
#: failed (1 is any other error, 2 a usage error).
EXIT_ALL_FAILED = 3


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the ``key=value`` pairs the
    message carries (newsloom logs its facts that way) as fields of their own."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        for key, value in re.findall(r"(\w+)=(.*?)(?=\s\w+=|$)", message):
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _setup_logging(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), handlers=[handler])
    if level.upper() != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
        # the job queue logs every job start and end at INFO: newsloom logs what matters
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
        # one line per request: newsloom logs failures itself, with the source
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("httpcore").setLevel(logging.WARNING)
        # trafilatura logs ERRORs for pages it cannot parse (an empty page: "lxml parsing
        # failed: Document is empty"); newsloom reports each such page itself, with its
        # source and URL (``extract: no article text found in URL``), so they are DEBUG only
        logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


class NewsloomGroup(click.Group):
    """Turns any NewsloomError into a one-line message and exit status 1, no traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NewsloomError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=NewsloomGroup)
@click.version_option(__version__, prog_name="newsloom")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data directory (default ./newsloom-data, env NEWSLOOM_DATA_DIR).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML settings file (env NEWSLOOM_CONFIG).",
)
@click.option("--database-url", help="SQLAlchemy database URL (env NEWSLOOM_DATABASE_URL).")
@click.option("--log-level", help="DEBUG, INFO, WARNING or ERROR (env NEWSLOOM_LOG_LEVEL).")
@click.pass_context
def main(ctx, data_dir, config_file, database_url, log_level):
    """newsloom: many outlets, one neutral, sourced page per story."""
    settings = load_settings(
        config_file, data_dir=data_dir, database_url=database_url, log_level=log_level
    )
    _setup_logging(settings.log_level, settings.log_format)
    ctx.obj = Context(settings)
    ctx.obj.config_file = config_file


@main.command()
@click.pass_obj
def migrate(obj):
    """Create the database or bring its schema up to date."""
    obj.engine  # noqa: B018 - opening the store runs the migrations
    click.echo(f"database ready: {obj.settings.db_url}")


# --- sources -------------------------------------------------------------------------------


@main.group()
def sources():
    """Manage the outlets' feeds: import/export OPML, add, list with health."""


@sources.command("import")
@click.argument("opml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def sources_import(obj, opml_file):
    """Add every feed in an OPML file (known feeds get their details updated)."""
    from .pipeline import import_sources

    new, updated = import_sources(obj.engine, opml_file.read_bytes())
    click.echo(f"sources: {new} added, {updated} already known (details updated)")


@sources.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@reads_store
@click.pass_obj
def sources_export(obj, output):
    """Write every source as OPML (to stdout, or to --output)."""
    from .ingest.opml import write_opml
    from .store.sources import list_sources

    with obj.engine.connect() as conn:
        data = write_opml(list_sources(conn))
    if output:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise InputError(f"sources: cannot write {output}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.buffer.write(data)


@sources.command("add")
@click.argument("feed_url")
@click.option("--name", default="", help="The outlet's name.")
@click.option("--country", help="ISO 3166 country code, e.g. GB.")
@click.option("--language", help="ISO 639-1 language code, e.g. en.")
@click.option(
    "--lean",
    type=click.Choice(["left", "lean left", "center", "lean right", "right"]),
    help="Political lean, when a rating gives one.",
)
@click.option("--category", help="Topic category, e.g. world.")
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Read the feed once first and refuse a URL that gives no feed (--no-check: add it "
    "as it is, e.g. offline).",
)
@click.pass_obj
def sources_add(obj, feed_url, name, country, language, lean, category, check):
    """Add one feed (RSS, Atom, JSON Feed or news sitemap) by its URL."""
    from .errors import FeedError, FetchError
    from .model import Source
    from .pipeline import add_source, name_from_feed, read_feed

    engine = obj.engine  # an unusable data directory is said before any fetch
    title, listed = None, ""
    if check:
        try:
            title, items = asyncio.run(read_feed(obj.settings, feed_url))
        except (FetchError, FeedError) as exc:
            raise InputError(
                f"{exc}; not added (`--no-check` adds it anyway, to be polled later)"
            ) from exc
        listed = f"; its feed lists {plural(items, 'item')}"
    src, new = add_source(
        engine,
        Source(
            url=feed_url,
            name=name,
            country=country.upper() if country else None,
            language=language.lower() if language else None,
            lean=lean,
            category=category,
        ),
    )
    if new:  # named after its feed now rather than at its first poll
        name_from_feed(engine, src, title)
    click.echo(f"source {src.id} {'added' if new else 'updated'}: {src.name} <{src.url}>{listed}")


def _span(secs: float) -> str | None:
    """``3d``, ``5h``, ``12m`` (whole units, rounded down); None under a minute."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if abs(secs) >= size:
            return f"{int(secs // size)}{unit}"
    return None


def _ago(dt: datetime | None) -> str:
    if dt is None:
        return "never"
    span = _span((datetime.now(UTC) - dt).total_seconds())
    return f"{span} ago" if span else "just now"


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source.")
@reads_store
@click.pass_obj
def sources_list(obj, as_json):
    """Every source with its health: last fetch, poll interval, last error, article count."""
    from .store.sources import list_sources

    with obj.engine.connect() as conn:
        rows = list_sources(conn)
    if as_json:
        for s in rows:
            click.echo(
                json.dumps(
                    {
                        "id": s.id,
                        "name": s.name,
                        "url": s.url,
                        "html_url": s.html_url,
                        "country": s.country,
                        "language": s.language,
                        "lean": s.lean,
                        "category": s.category,
                        "last_fetch": s.last_fetch.isoformat() if s.last_fetch else None,
                        "last_success": s.last_success.isoformat() if s.last_success else None,
                        "last_error": s.last_error,
                        "error_count": s.error_count,
                        "next_fetch": s.next_fetch.isoformat() if s.next_fetch else None,
                        "poll_interval": s.poll_interval,
                        "articles": s.article_count,
                    },
                    ensure_ascii=False,
                )
            )
        return
    if not rows:
        click.echo("no sources yet: add some with `newsloom sources import FILE.opml`")
        return
    from rich.console import Console
    from rich.table import Table

    from .web.templating import every

    table = Table(show_lines=False)
    for col in (
        "id",
        "name",
        "cc",
        "lang",
        "lean",
        "articles",
        "last fetch",
        "every",
        "errors",
        "last error",
    ):
        table.add_column(col, overflow="fold")
    for s in rows:
        table.add_row(
            str(s.id),
            s.name,
            s.country or "",
            s.language or "",
            s.lean or "",
            str(s.article_count),
            _ago(s.last_fetch),
            every(s.poll_interval),
            str(s.error_count),
            (s.last_error or "")[:80],
        )
    Console(width=200 if not sys.stdout.isatty() else None).print(table)


# --- ingest --------------------------------------------------------------------------------


@main.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.pass_obj
def import_cmd(obj, files):
    """Import articles from JSON Lines (one article a line) or WARC files.

    A JSON Lines file (.jsonl, or .jsonl.gz) holds one JSON object an article a line: url
    (required), title, text or html, published, source, and optional source_url, author,
    language, kind and id. A WARC file (.warc, .warc.gz) gives its HTML responses, run
    through the extractor. The format is described in README.md, section "The import
    format".

    Prints, per file, what was read, new, syndicated copies, already stored and rejected
    (each reason with the lines or records it concerns), then warnings: what was taken but
    not as it came (a date that is no date, an unknown kind, a repeated id, ...), with its
    line. A bad line is skipped; the rest of the file is imported.
    """
    from .pipeline import Ingestor, import_file

    ingestor = Ingestor(obj.engine, obj.settings)
    for path in files:
        if sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as progress:
                task = progress.add_task(f"importing {path.name}", total=None)
                tally = import_file(
                    obj.engine,
                    obj.settings,
                    path,
                    ingestor=ingestor,
                    on_record=lambda _t, task=task: progress.advance(task),
                )
        else:
            tally = import_file(obj.engine, obj.settings, path, ingestor=ingestor)
        click.echo(f"{path.name}: {tally.summary()}")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.pass_obj
def extract(obj, inputs):
    """Print one JSON object per input (local HTML file, .gz, or URL): text and metadata."""
    from .pipeline import extract_inputs

    for record in asyncio.run(extract_inputs(obj.settings, inputs)):
        click.echo(json.dumps(record, ensure_ascii=False))


def _in(dt: datetime, now: datetime) -> str:
    """A coming time as a person reads it: the local clock time (with the date when it is not
    today) and how long until then."""
    local, today = dt.astimezone(), now.astimezone().date()
    clock = local.strftime("%H:%M" if local.date() == today else "%Y-%m-%d %H:%M")
    span = _span((dt - now).total_seconds())  # (dt is later than now)
    return f"{clock} (in {span})" if span else f"{clock} (in under a minute)"


def _nothing_due(engine) -> str:
    """Why a round polled nothing, and how to poll anyway."""
    from .store.sources import list_sources

    now = datetime.now(UTC)
    with engine.connect() as conn:
        rows = list_sources(conn)
    if not rows:
        return (
            "no sources yet: add some with `newsloom sources add FEED_URL` or "
            "`newsloom sources import FILE.opml`"
        )
    waiting = [s.next_fetch for s in rows if s.next_fetch and s.next_fetch > now]
    failing = [s.next_fetch for s in rows if s.error_count and s.next_fetch and s.next_fetch > now]
    line = f"nothing due: {plural(len(rows), 'source')}"
    if waiting:
        line += f", the next due at {_in(min(waiting), now)}"
    if failing:
        line += f"; {len(failing)} in back-off after errors, until {_in(max(failing), now)}"
    return line + f"; `newsloom fetch --all` polls {'them all' if len(rows) > 1 else 'it'} now"


@main.command()
@click.option("--all", "all_sources", is_flag=True, help="Poll every source, due or not.")
@click.pass_obj
def fetch(obj, all_sources):
    """Poll the sources that are due once, ingest new articles, and stop.

    Exits with status 3 when sources were polled and every one of them failed."""
    from .pipeline import poll_once

    results = asyncio.run(poll_once(obj.engine, obj.settings, force=all_sources))
    if not results:
        click.echo(_nothing_due(obj.engine))
        return
    ok = sum(r.status != "error" for r in results)
    new = sum(r.tally.new + r.tally.duplicate for r in results)
    click.echo(
        f"polled {len(results)} sources: {ok} ok, {len(results) - ok} failed; {new} new articles"
        + _corrected(results)
    )
    if not ok:
        _every_source_failed()


def _corrected(results) -> str:
    """The summary's note of stored articles the polls found corrected by their feed
    (", 2 corrected in place"), or nothing."""
    n = sum(r.tally.corrected for r in results)
    return f", {n} corrected in place" if n else ""


def _host_port(fn):
    fn = click.option(
        "--port", type=PORT, default=8000, show_default=True, help="Port to serve on."
    )(fn)
    return click.option(
        "--host", default="127.0.0.1", show_default=True, help="Address to serve on."
    )(fn)


@main.command()
@_host_port
@reads_store
@click.pass_obj
def serve(obj, host, port):
    """Serve the site, the JSON API (/api/v1/) and the Atom feeds."""
    from .web.app import make_server

    engine = obj.engine  # no banner when there is no database to serve
    click.echo(f"newsloom {__version__}: serving http://{host}:{port}/ (Ctrl-C to stop)")
    make_server(obj.settings, host, port, engine).run()


@main.command()
@click.option("--once", is_flag=True, help="Poll, cluster and write once, then stop (no site).")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Run the pipeline in this many `newsloom worker` processes (PostgreSQL only); "
    "0: in this process.",
)
@_host_port
@click.pass_obj
def run(obj, once, workers, host, port):
    """Run newsloom: poll the sources, cluster new articles into stories, write their pages."""
    if workers and once:
        raise click.UsageError("--once runs in this process; leave out --workers")
    if workers:
        from .worker import require_postgresql

        require_postgresql(obj.settings)
    with contextlib.ExitStack() as held:
        if not workers:
            from .store.meta import RUN_RUNNING, hold

            if not held.enter_context(hold(obj.engine, RUN_RUNNING)):
                raise InputError(
                    "run: another `newsloom run` is running on this database: stop it first "
                    "(two would poll, cluster and write the same stories; for more hands, "
                    "`newsloom run --workers N` on PostgreSQL)"
                )
        _run(obj, once, workers, host, port)


def _run(obj, once, workers, host, port):
    from .store.sources import due_sources, source_count

    with obj.engine.connect() as conn:
        empty = source_count(conn) == 0
    if empty:
        from .pipeline import import_sources

        new, _ = import_sources(obj.engine, default_sources_path().read_bytes())
        click.echo(f"no sources configured: using the {new} shipped default sources")
    with obj.engine.connect() as conn:
        count = source_count(conn)
        due = len(due_sources(conn, datetime.now(UTC)))
    where = "" if once else f", site at http://{host}:{port}/"
    what = f"one round over {count} sources ({due} due now)" if once else f"polling {count} sources"
    click.echo(
        f"newsloom {__version__}: {what}, data in {obj.settings.data_dir}{where} (Ctrl-C to stop)"
    )
    if once and not due:
        click.echo(_nothing_due(obj.engine))

    shown = {"at": 0.0, "new": 0, "rounds": 0}

    def progress(result, done: int, total: int) -> None:
        """The first round (every source at once, minutes for hundreds): a line every 5 s."""
        shown["new"] += result.tally.new + result.tally.duplicate
        if shown["rounds"] or total < 2:
            return
        now = time.monotonic()
        if now - shown["at"] >= 5.0 or done == total:
            shown["at"] = now
            click.echo(
                f"{datetime.now().strftime('%H:%M:%S')} first round: {done}/{total} sources "
                f"polled, {shown['new']} new articles so far"
            )

    def report(results, clustered, written) -> None:
        """A line per round that did something (``--once``: always, to say what it did)."""
        shown["rounds"] += 1
        failed = sum(r.status == "error" for r in results)
        shown["all_failed"] = bool(results) and failed == len(results)
        new = sum(r.tally.new + r.tally.duplicate for r in results)
        if once or results or clustered.articles or written.written:
            click.echo(
                f"{datetime.now().strftime('%H:%M:%S')} polled {len(results)} sources "
                f"({failed} failed), {new} new articles{_corrected(results)}; "
                f"{clustered.new_stories} new stories; {written.written} pages written"
            )

    if workers:
        _run_with_workers(obj, workers, host, port)
    else:
        asyncio.run(_run_until_signalled(obj, once, host, port, report, progress))
    click.echo("stopped")
    if once and shown.get("all_failed"):
        _every_source_failed()


def _every_source_failed() -> None:
    click.echo(
        "error: every source polled failed (`newsloom sources list` shows each one's last error)",
        err=True,
    )
    click.get_current_context().exit(EXIT_ALL_FAILED)


def _child_env(obj) -> dict:
    """The environment for a `newsloom worker` child: this process's settings, explicitly."""
    env = dict(os.environ)
    env["NEWSLOOM_DATA_DIR"] = str(obj.settings.data_dir)
    env["NEWSLOOM_DATABASE_URL"] = obj.settings.db_url
    env["NEWSLOOM_LOG_LEVEL"] = obj.settings.log_level
    if obj.config_file:
        env["NEWSLOOM_CONFIG"] = str(obj.config_file)
    return env


#: Set for the workers `run --workers` starts: the pid they stop without (``_orphan_watch``).
PARENT_PID = "NEWSLOOM_PARENT_PID"


def _orphan_watch(parent: int) -> None:
    """Stop this worker (as on SIGTERM: its jobs in hand get their grace) once the process
    that started it is gone, killed with SIGKILL included, which nothing else would tell it:
    a restart of `run --workers` would otherwise run beside the orphans."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        click.echo(f"the process that started this worker (pid {parent}) is gone: stopping")
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _run_with_workers(obj, count: int, host: str, port: int) -> None:
    """The site here, the pipeline in ``count`` worker processes (restarted if one dies)."""
    import subprocess

    from .web.app import make_server
    from .worker import core_share, ensure_queue_schema, require_postgresql

    require_postgresql(obj.settings)
    ensure_queue_schema(obj.engine)
    cmd = [sys.executable, "-m", "newsloom", "worker"]
    env = _child_env(obj)
    env.update(core_share(count, os.environ))
    env[PARENT_PID] = str(os.getpid())  # so that the workers stop if this process is killed

    def start(i: int) -> subprocess.Popen:
        proc = subprocess.Popen([*cmd, "--name", f"worker-{i}"], env=env)
        click.echo(f"worker-{i} started (pid {proc.pid})")
        return proc

    async def main_loop() -> None:
        procs = {i: start(i) for i in range(1, count + 1)}
        server = make_server(obj.settings, host, port, obj.engine)
        server.capture_signals = contextlib.nullcontext  # handled here, for the workers too
        loop = asyncio.get_running_loop()

        def on_signal(signum) -> None:
            if server.should_exit:  # a second signal: do not wait for the work in hand
                click.echo("second signal: stopping the workers now", err=True)
                server.force_exit = True
                for proc in procs.values():
                    if proc.poll() is None:
                        proc.kill()  # its jobs go back to the queue (stalled-job recovery)
                return
            click.echo(f"{signal.Signals(signum).name}: stopping the workers and the site")
            server.should_exit = True

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, on_signal, signum)
        serving = asyncio.create_task(server.serve())
        while not serving.done():
            await asyncio.wait({serving}, timeout=2.0)
            for i, proc in list(procs.items()):
                if proc.poll() is not None and not server.should_exit:
                    click.echo(f"worker-{i} exited with status {proc.returncode}; restarting")
                    procs[i] = start(i)
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = obj.settings.shutdown_grace + 10
        for i, proc in procs.items():
            try:
                await asyncio.to_thread(proc.wait, deadline)
            except subprocess.TimeoutExpired:
                click.echo(f"worker-{i} did not stop in time: killed", err=True)
                proc.kill()

    asyncio.run(main_loop())


async def _run_until_signalled(obj, once, host, port, report, progress) -> None:
    """The pipeline (and, unless ``once``, the site) until SIGINT/SIGTERM, then a clean stop.

    The first signal lets the stage in progress finish (see ``run_forever``) and the server
    drain; a second one cancels what is left at once.
    """
    from .pipeline import run_forever

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    server = None
    tasks = []

    def on_signal(signum) -> None:
        if stop.is_set():
            click.echo("second signal: stopping now", err=True)
            for task in tasks:
                task.cancel()
            return
        click.echo(f"{signal.Signals(signum).name}: finishing the work in hand, then stopping")
        stop.set()
        if server is not None:
            server.should_exit = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    pipeline = asyncio.create_task(
        run_forever(
            obj.engine, obj.settings, once=once, report=report, progress=progress, stop=stop
        )
    )
    tasks.append(pipeline)
    if not once:
        from .web.app import make_server

        server = make_server(obj.settings, host, port, obj.engine)
        server.capture_signals = contextlib.nullcontext  # the handlers above stop both
        tasks.append(asyncio.create_task(server.serve()))
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if pipeline in done or any(t.done() and not t.cancelled() and t.exception() for t in done):
            stop.set()  # one side ended (or failed): stop the other
            if server is not None:
                server.should_exit = True
        results = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            raise result


@main.command()
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Jobs this worker runs at once (polls overlap their waiting on the network).",
)
@click.option("--name", help="Worker name in logs and in the job queue (default host:pid).")
@click.option(
    "--metrics-port",
    type=PORT,
    help="Serve this worker's own Prometheus metrics (polls, errors, pages written, "
    "latencies) on this port at /metrics; the site's /metrics has the database's figures.",
)
@click.option("--metrics-host", default="127.0.0.1", show_default=True)
@click.pass_obj
def worker(obj, concurrency, name, metrics_port, metrics_host):
    """Run one pipeline worker (PostgreSQL): poll, cluster and write jobs shared with others."""
    from sqlalchemy.engine import make_url

    from .worker import require_postgresql, run_worker

    require_postgresql(obj.settings)
    obj.engine  # noqa: B018 - migrate before the worker starts
    if os.environ.get(PARENT_PID, "").isdigit():
        _orphan_watch(int(os.environ[PARENT_PID]))
    db = make_url(obj.settings.db_url)
    click.echo(f"newsloom {__version__}: worker {name or os.getpid()} on {db.host}/{db.database}")
    if metrics_port is not None:
        from prometheus_client import start_http_server

        from .metrics import make_registry

        start_http_server(metrics_port, addr=metrics_host, registry=make_registry())
        click.echo(f"metrics at http://{metrics_host}:{metrics_port}/metrics")
    asyncio.run(run_worker(obj.settings, concurrency=concurrency, name=name))
    click.echo("worker stopped")


# --- stories -------------------------------------------------------------------------------


#: Seconds between two progress lines of `cluster` and `recluster` when stderr is no terminal.
PROGRESS_EVERY = 10.0


def _cluster_progress(total: int | None, fn):
    """Run ``fn(on_batch, on_total)`` with a progress bar on a terminal (``on_total(n)`` sets
    its length when ``total`` is not known yet), or a line every :data:`PROGRESS_EVERY`
    seconds on stderr when that is a log."""
    if total == 0:
        return fn(None, None)
    if not sys.stderr.isatty():
        state = {"total": total, "last": time.monotonic()}

        def line(tally) -> None:
            if time.monotonic() - state["last"] < PROGRESS_EVERY:
                return
            state["last"] = time.monotonic()
            of = f" of {state['total']}" if state["total"] else ""
            click.echo(f"clustering: {tally.articles}{of} articles placed", err=True)

        return fn(line, lambda n: state.update(total=n))
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("clustering", total=total)
        return fn(
            lambda tally: progress.update(task, completed=tally.articles),
            lambda n: progress.update(task, total=n),
        )


@main.command()
@reads_store
@click.pass_obj
def cluster(obj):
    """Assign every article without a story to a story (embedding it first)."""
    from .pipeline import Clusterer
    from .store.stories import unassigned_count

    with obj.engine.connect() as conn:
        total = unassigned_count(conn)
    clusterer = Clusterer(obj.engine, obj.settings)
    tally = _cluster_progress(total, lambda on_batch, _: clusterer.run(on_batch=on_batch))
    click.echo(tally.summary())


@main.command()
@click.option(
    "--since",
    type=Moment(),
    help="Only rebuild from this date or time on (ISO 8601; without an offset, UTC); "
    "earlier stories stay as they are.",
)
@reads_store
@click.pass_obj
def recluster(obj, since):
    """Rebuild story assignments from scratch (deterministic: same input, same stories).

    Stories that come out with the articles they had keep their pages and their `updated`
    time."""
    from .pipeline import recluster as rebuild

    def stopped(signum, frame):  # SIGTERM as Ctrl-C: the batch under way is rolled back
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stopped)
    try:
        tally = _cluster_progress(
            None,
            lambda on_batch, on_total: rebuild(
                obj.engine, obj.settings, since, on_reset=on_total, on_batch=on_batch
            ),
        )
    except KeyboardInterrupt:
        click.echo(
            "recluster stopped before its end: what it placed is kept; `newsloom recluster` "
            "or `newsloom cluster` (and `newsloom run`, a worker) goes on from there",
            err=True,
        )
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(tally.summary())


@main.command()
@click.option("--story", "story", help="Only this story (its id, as in /t/<id>).")
@click.option("--force", is_flag=True, help="Write a new revision even if nothing changed.")
@reads_store
@click.pass_obj
def write(obj, story, force):
    """Write or refresh the pages of stories that need one (at least `min_outlets` outlets)."""
    from .pipeline import RECLUSTER_WAIT, write_pending, write_story
    from .store.stories import resolve

    if story:
        with obj.engine.connect() as conn:
            story_id, live = resolve(conn, story)
        outcome = write_story(obj.engine, obj.settings, story_id, force=force)
        if outcome == "waiting":
            click.echo(f"story {live}: not written: {RECLUSTER_WAIT}")
            return
        click.echo(f"story {live}: {outcome.replace('_', ' ')}")
        return
    click.echo(write_pending(obj.engine, obj.settings, force=force).summary())


@main.command()
@click.option("--limit", type=click.IntRange(min=1), help="At most this many stories.")
@reads_store
@click.pass_obj
def publish(obj, limit):
    """Render the site's pages and API stories of stories changed since they were last
    rendered, so that readers' first requests are served without building them."""
    from .web.publish import publish as publish_stories

    settle_hours = obj.settings.story_settle_hours
    click.echo(publish_stories(obj.engine, limit=limit, settle_hours=settle_hours).summary())


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def summarize(obj, file):
    """Print one page (JSON) per group of articles in FILE (the import format; optional
    `story` field groups them). Stores nothing."""
    from .pipeline import summarize_file

    for page in summarize_file(file, obj.settings):
        click.echo(json.dumps(page, ensure_ascii=False))


# --- status --------------------------------------------------------------------------------


def _recluster_line(stats) -> str:
    if not stats.recluster:
        return ""
    if stats.recluster_running:
        return "; a recluster is running: pages are written once it is done"
    return (
        "; a recluster was stopped before its end: `newsloom cluster` (or `newsloom run`, a "
        "worker) finishes it; pages are written once it is done"
    )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
@reads_store
@click.pass_obj
def status(obj, as_json):
    """Sources, articles, stories, queues and recent errors, as the database holds them."""
    from .store.stats import pipeline_stats

    with obj.engine.connect() as conn:
        stats = pipeline_stats(conn, datetime.now(UTC), min_outlets=obj.settings.min_outlets)
    if as_json:
        click.echo(json.dumps(stats.as_dict(), ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    errors = ", ".join(f"{kind} {n}" for kind, n in stats.errors_24h.items()) or "none"
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, line in (
        (
            "sources",
            f"{stats.sources}: {stats.sources_due} due now, {stats.sources_failing} failing; "
            f"last poll {_ago(stats.last_poll)}",
        ),
        (
            "articles",
            f"{stats.articles}: {stats.articles_last_hour} stored in the last hour, "
            f"{stats.articles_last_day} in 24 h, {stats.syndicated} syndicated copies; "
            f"newest stored {_ago(stats.newest_article)}",
        ),
        (
            "stories",
            (
                f"{stats.stories} rebuilt so far by the recluster under way (the site shows "
                "each as it was before), "
                if stats.recluster
                else f"{stats.stories} (merged ones not counted), "
            )
            + f"{stats.stories_with_page} with a page; newest page {_ago(stats.newest_page)}",
        ),
        (
            "queues",
            f"{stats.unclustered} articles to cluster"
            + (
                f" (the oldest stored {_ago(stats.oldest_unclustered)})"
                if stats.unclustered
                else ""
            )
            + f", {stats.pages_pending} pages to write, "
            f"{stats.sources_due} sources due, {stats.page_retries} article pages to try again"
            + _recluster_line(stats),
        ),
        ("errors", f"in the last 24 h: {errors}"),
    ):
        grid.add_row(label, line)
    if stats.workers is not None:
        jobs = "; ".join(
            f"{task} " + ", ".join(f"{n} {status}" for status, n in by.items())
            for task, by in stats.jobs.items()
        )
        stalled = (
            f"; {plural(stats.jobs_stalled, 'job')} of a silent worker (taken back at the next "
            "tick)"
            if stats.jobs_stalled
            else ""
        )
        grid.add_row("workers", f"{stats.workers} alive; jobs: {jobs or 'none waiting'}{stalled}")
    if not sys.stdout.isatty():  # a file or a pipe: one plain line a row, nothing padded
        cells = [[str(cell) for cell in column.cells] for column in grid.columns]
        wide = max(map(len, cells[0]))
        for label, line in zip(*cells, strict=True):
            click.echo(f"{label:<{wide}}  {line}")
        return
    Console(highlight=False, markup=False).print(grid)


# --- export --------------------------------------------------------------------------------


@main.group()
def export():
    """Export what newsloom stored."""


def _open_output(output: Path | None):
    if output is None:
        return None
    try:
        return (gzip.open if output.suffix == ".gz" else open)(output, "wt", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"export: cannot write {output}: {exc.strerror or exc}") from exc


def _write_lines(output: Path | None, rows) -> None:
    opened = _open_output(output)
    out = opened or sys.stdout
    try:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if opened:
            opened.close()


@export.command("stories")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of standard output (gzip-compressed when FILE ends in .gz).",
)
@reads_store
@click.pass_obj
def export_stories(obj, fmt, output):
    """Every story with its dates, status, counts and articles, one JSON object a line."""
    from .pipeline import export_stories as rows

    with obj.engine.connect() as conn:
        _write_lines(output, rows(conn, obj.settings))


@export.command("articles")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of standard output (gzip-compressed when FILE ends in .gz).",
)
@reads_store
@click.pass_obj
def export_articles(obj, fmt, output):
    """Every stored article, one JSON object a line."""
    from .pipeline import export_articles as rows

    with obj.engine.connect() as conn:
        _write_lines(output, rows(conn))


if __name__ == "__main__":  # pragma: no cover
    main()
