"""The ``newsloom`` command: thin commands that parse options and call one library function."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import click

from . import __version__
from .config import load_settings
from .errors import NewsloomError

log = logging.getLogger("newsloom")


def default_sources_path() -> Path:
    return Path(str(resources.files("newsloom") / "data" / "default-sources.opml"))


class Context:
    def __init__(self, settings):
        self.settings = settings
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            from .store.db import open_store

            self._engine = open_store(self.settings)
        return self._engine


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if level.upper() != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)


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
    _setup_logging(settings.log_level)
    ctx.obj = Context(settings)


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
@click.pass_obj
def sources_export(obj, output):
    """Write every source as OPML (to stdout, or to --output)."""
    from .ingest.opml import write_opml
    from .store.sources import list_sources

    with obj.engine.connect() as conn:
        data = write_opml(list_sources(conn))
    if output:
        output.write_bytes(data)
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
@click.pass_obj
def sources_add(obj, feed_url, name, country, language, lean, category):
    """Add one feed (RSS, Atom, JSON Feed or news sitemap) by its URL."""
    from .model import Source
    from .pipeline import add_source

    src, new = add_source(
        obj.engine,
        Source(
            url=feed_url,
            name=name,
            country=country.upper() if country else None,
            language=language.lower() if language else None,
            lean=lean,
            category=category,
        ),
    )
    click.echo(f"source {src.id} {'added' if new else 'updated'}: {src.name} <{src.url}>")


def _ago(dt: datetime | None) -> str:
    if dt is None:
        return "never"
    secs = (datetime.now(UTC) - dt).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if abs(secs) >= size:
            return f"{int(secs // size)}{unit} ago"
    return "just now"


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source.")
@click.pass_obj
def sources_list(obj, as_json):
    """Every source with its health: last fetch, last error, article count."""
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

    table = Table(show_lines=False)
    for col in (
        "id",
        "name",
        "cc",
        "lang",
        "lean",
        "articles",
        "last fetch",
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
    """Import articles from JSON Lines (one article a line) or WARC files."""
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


@main.command()
@click.option("--all", "all_sources", is_flag=True, help="Poll every source, due or not.")
@click.pass_obj
def fetch(obj, all_sources):
    """Poll the sources that are due once, ingest new articles, and stop."""
    from .pipeline import poll_once

    results = asyncio.run(poll_once(obj.engine, obj.settings, force=all_sources))
    ok = sum(r.status != "error" for r in results)
    new = sum(r.tally.new + r.tally.duplicate for r in results)
    click.echo(
        f"polled {len(results)} sources: {ok} ok, {len(results) - ok} failed; {new} new articles"
    )


def _host_port(fn):
    fn = click.option("--port", default=8000, show_default=True, help="Port to serve on.")(fn)
    return click.option(
        "--host", default="127.0.0.1", show_default=True, help="Address to serve on."
    )(fn)


@main.command()
@_host_port
@click.pass_obj
def serve(obj, host, port):
    """Serve the site, the JSON API (/api/v1/) and the Atom feeds."""
    from .web.app import make_server

    click.echo(f"newsloom {__version__}: serving http://{host}:{port}/ (Ctrl-C to stop)")
    make_server(obj.settings, host, port, obj.engine).run()


@main.command()
@click.option("--once", is_flag=True, help="Poll, cluster and write once, then stop (no site).")
@_host_port
@click.pass_obj
def run(obj, once, host, port):
    """Run newsloom: poll the sources, cluster new articles into stories, write their pages."""
    from .pipeline import run_forever
    from .store.sources import source_count

    with obj.engine.connect() as conn:
        empty = source_count(conn) == 0
    if empty:
        from .pipeline import import_sources

        new, _ = import_sources(obj.engine, default_sources_path().read_bytes())
        click.echo(f"no sources configured: using the {new} shipped default sources")
    with obj.engine.connect() as conn:
        count = source_count(conn)
    where = "" if once else f", site at http://{host}:{port}/"
    click.echo(
        f"newsloom {__version__}: polling {count} sources, data in {obj.settings.data_dir}"
        f"{where} (Ctrl-C to stop)"
    )

    def report(results, clustered, written) -> None:
        failed = sum(r.status == "error" for r in results)
        new = sum(r.tally.new + r.tally.duplicate for r in results)
        if results or clustered.articles or written.written:
            click.echo(
                f"{datetime.now().strftime('%H:%M:%S')} polled {len(results)} sources "
                f"({failed} failed), {new} new articles; {clustered.new_stories} new stories; "
                f"{written.written} pages written"
            )

    async def main_loop() -> None:
        if once:
            await run_forever(obj.engine, obj.settings, once=True, report=report)
            return
        from .web.app import make_server

        server = make_server(obj.settings, host, port, obj.engine)
        poller = asyncio.create_task(run_forever(obj.engine, obj.settings, report=report))
        try:
            await server.serve()  # returns on Ctrl-C / SIGTERM (uvicorn handles the signals)
        finally:
            poller.cancel()
            try:
                await poller
            except asyncio.CancelledError:
                pass

    try:
        asyncio.run(main_loop())
    except KeyboardInterrupt:
        pass
    click.echo("stopped")


# --- stories -------------------------------------------------------------------------------


def _cluster_progress(total: int, fn):
    """Run ``fn(on_batch)`` with a progress bar on a terminal."""
    if not sys.stderr.isatty() or not total:
        return fn(None)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("clustering", total=total)
        return fn(lambda tally: progress.update(task, completed=tally.articles))


@main.command()
@click.pass_obj
def cluster(obj):
    """Assign every article without a story to a story (embedding it first)."""
    from .pipeline import Clusterer
    from .store.stories import unassigned_count

    with obj.engine.connect() as conn:
        total = unassigned_count(conn)
    clusterer = Clusterer(obj.engine, obj.settings)
    tally = _cluster_progress(total, lambda cb: clusterer.run(on_batch=cb))
    click.echo(tally.summary())


@main.command()
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]),
    help="Only rebuild from this date (UTC) on; earlier stories stay as they are.",
)
@click.pass_obj
def recluster(obj, since):
    """Rebuild story assignments from scratch (deterministic: same input, same stories)."""
    from .pipeline import Clusterer
    from .store.db import transaction
    from .store.stories import reset

    when = since.replace(tzinfo=UTC) if since else None
    with transaction(obj.engine) as conn:
        total = reset(conn, when)
    clusterer = Clusterer(obj.engine, obj.settings)
    tally = _cluster_progress(total, lambda cb: clusterer.run(on_batch=cb))
    click.echo(tally.summary())


@main.command()
@click.option("--story", "story", help="Only this story (its id, as in /t/<id>).")
@click.option("--force", is_flag=True, help="Write a new revision even if nothing changed.")
@click.pass_obj
def write(obj, story, force):
    """Write or refresh the pages of stories that need one (at least `min_outlets` outlets)."""
    from .pipeline import write_pending, write_story
    from .store.stories import resolve

    if story:
        with obj.engine.connect() as conn:
            story_id, live = resolve(conn, story)
        outcome = write_story(obj.engine, obj.settings, story_id, force=force)
        click.echo(f"story {live}: {outcome.replace('_', ' ')}")
        return
    click.echo(write_pending(obj.engine, obj.settings, force=force).summary())


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def summarize(obj, file):
    """Print one page (JSON) per group of articles in FILE (the import format; optional
    `story` field groups them). Stores nothing."""
    from .pipeline import summarize_file

    for page in summarize_file(file, obj.settings):
        click.echo(json.dumps(page, ensure_ascii=False))


# --- export --------------------------------------------------------------------------------


@main.group()
def export():
    """Export what newsloom stored."""


def _open_output(output: Path | None):
    if output is None:
        return None
    return (gzip.open if output.suffix == ".gz" else open)(output, "wt", encoding="utf-8")


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
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def export_stories(obj, fmt, output):
    """Every story with its dates, status, counts and articles, one JSON object a line."""
    from .pipeline import export_stories as rows

    with obj.engine.connect() as conn:
        _write_lines(output, rows(conn, obj.settings))


@export.command("articles")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def export_articles(obj, fmt, output):
    """Every stored article, one JSON object a line."""
    from .pipeline import export_articles as rows

    with obj.engine.connect() as conn:
        _write_lines(output, rows(conn))


if __name__ == "__main__":  # pragma: no cover
    main()
