"""The publish stage: story pages and API stories rendered ahead of requests.

Rendering a story page costs a few milliseconds (its page JSON, its articles, the template,
gzip); serving one that was rendered ahead costs a row read. After the pipeline writes pages
(and when clustering changes a story's articles), :func:`publish` renders each story whose
kept renderings are out of date and keeps them in the database (``store.renderings``). The
site serves a kept rendering only while it is current (rendered from the story's present
state and newest page, by the running code), so publishing late or never only makes first
requests slower, never wrong. (While a recluster is under way nothing is rendered, and the site
serves each story's last rendering as it is: the story as it was before the recluster.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from jinja2 import Environment
from sqlalchemy import Connection, Engine

from ..model import SETTLE_HOURS
from ..store import renderings
from ..store.db import transaction
from ..store.stories import RECLUSTER_WAIT, recluster_under_way
from . import api, pages, queries
from .http import RENDER_VERSION, Rendered, made_from
from .templating import make_environment

#: Stories rendered per transaction.
BATCH = 50


@dataclass
class PublishTally:
    rendered: int = 0
    gone: int = 0
    waiting: bool = False  # a recluster is under way: renderings wait until it is done

    def summary(self) -> str:
        if self.waiting:
            done = f"{self.rendered} story pages, then" if self.rendered else "no story pages:"
            return f"published {done} {RECLUSTER_WAIT}"
        return f"published {self.rendered} story pages"


def render(kind: str, env: Environment, conn: Connection, ref: queries.StoryRef) -> Rendered:
    """The ``kind`` ("page" or "api") rendering of a story, as the site serves it."""
    view = queries.story_view(conn, ref)
    return pages.render_story(env, view) if kind == "page" else api.render_story(view)


def publish_story(
    conn: Connection, env: Environment, story_id: int, settle_hours: float = SETTLE_HOURS
) -> bool:
    """Render a live story's page and API story and keep them; False if it is gone."""
    ref = queries.live_story_ref(conn, story_id, settle_hours)
    if ref is None or not ref.revisions or not ref.row.n:  # gone, no page, no articles
        return False
    now = datetime.now(UTC)
    for kind in renderings.KINDS:
        item = render(kind, env, conn, ref).pack()
        renderings.put(
            conn,
            story_id,
            kind,
            etag=item.etag,
            last_modified=item.last_modified,
            body=item.gz(),
            **dict(zip(renderings.SOURCE, made_from(ref), strict=True)),
            rendered_at=now,
        )
    return True


def publish(
    engine: Engine,
    *,
    limit: int | None = None,
    since: datetime | None = None,
    stop: Callable[[], bool] | None = None,
    env: Environment | None = None,
    settle_hours: float = SETTLE_HOURS,
) -> PublishTally:
    """Render and keep every story whose kept renderings are missing or out of date (the
    most recently changed first; at most ``limit``; with ``since``, only among the stories
    changed since then). ``stop`` ends it between batches. A story settles ``settle_hours``
    after its newest article (``Settings.story_settle_hours``): its renderings show it.

    Nothing is rendered while a recluster is under way (``recluster_under_way``): the kept
    renderings are what the site shows of each story until it is done, not a story half
    rebuilt."""
    env = env or make_environment()
    tally = PublishTally()
    with engine.connect() as conn:
        if recluster_under_way(conn):
            tally.waiting = True
            return tally
        todo = renderings.stale(conn, RENDER_VERSION, limit, since, settle_hours)
    for start in range(0, len(todo), BATCH):
        if stop and stop():
            break
        with transaction(engine) as conn:
            if recluster_under_way(conn):  # one began meanwhile
                tally.waiting = True
                break
            for story_id in todo[start : start + BATCH]:
                if publish_story(conn, env, story_id, settle_hours):
                    tally.rendered += 1
                else:
                    tally.gone += 1
    return tally
