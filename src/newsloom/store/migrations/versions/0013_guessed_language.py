"""Articles whose source declared no language get the one their text reads as.

Newer articles have it guessed when they are stored (``newsloom.words.guess_language``), so
the export, the API, the clusterer and the writer all read one language. This gives the
articles stored before the same guess. Kept renderings show articles' languages, so they are
dropped and rendered again (they are a cache).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""

import logging

import sqlalchemy as sa
from alembic import op

from newsloom.words import guess_language

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 1000
#: A progress line every so many articles (about a minute's work on a large archive).
PROGRESS_EVERY = 200_000

log = logging.getLogger("newsloom.store.migrate")


def upgrade() -> None:
    conn = op.get_bind()
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        sa.column("title", sa.Text),
        sa.column("text", sa.Text),
        sa.column("language", sa.String),
    )
    head = sa.func.substr(articles.c.text, 1, 4000)
    after, filled, read = 0, 0, 0
    while True:
        rows = conn.execute(
            sa.select(articles.c.id, articles.c.title, head)
            .where(articles.c.language.is_(None), articles.c.id > after)
            .order_by(articles.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        after = rows[-1][0]
        read += len(rows)
        if read % PROGRESS_EVERY < BATCH:
            log.info("migration 0013: language guessed for %d articles so far", read)
        guesses = []
        for id_, title, text in rows:
            language = guess_language(f"{title or ''}\n{text or ''}", min_words=8)
            if language:
                guesses.append({"key": id_, "language": language})
        if guesses:
            conn.execute(
                articles.update()
                .where(articles.c.id == sa.bindparam("key"))
                .values(language=sa.bindparam("language")),
                guesses,
            )
            filled += len(guesses)
    if filled:
        log.info("migration 0013: language guessed for %d of %d articles", filled, read)
        conn.execute(sa.text("DELETE FROM story_renderings"))


def downgrade() -> None:
    """The guesses stay: nothing tells them from languages the sources declared."""
