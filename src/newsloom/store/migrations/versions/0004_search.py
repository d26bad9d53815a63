"""Full-text search over articles and story pages, kept current by the database itself.

SQLite: two FTS5 tables. ``articles_fts`` indexes each article's title and text (an external
content table: the text is not stored twice); ``story_pages_fts`` holds one row per story
(rowid = story id) with the headline and the highlight and story sentences of its newest
page, taken from the page JSON. Triggers keep both current, so the pipeline needs no change.

PostgreSQL: a stored generated ``search`` tsvector column on ``articles`` and on
``story_pages`` (title / headline weighted A, text / sentences weighted B), each with a GIN
index. The ``simple`` configuration (lower-cased words, no stemming) matches what SQLite's
``unicode61`` tokenizer does, so both databases find the same things.

Note for later SQLite migrations: ``batch_alter_table`` on ``articles``, ``stories`` or
``story_pages`` recreates the table and drops its triggers; recreate them (``SQLITE_TRIGGERS``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TOKENIZE = "unicode61 remove_diacritics 2"

#: The text of a page that is searched: its highlights and story sentences.
_PAGE_BODY = (
    "CASE WHEN json_valid({p}) THEN "
    "coalesce((SELECT group_concat(json_extract(value, '$.text'), ' ') "
    "FROM json_each({p}, '$.highlights')), '') || ' ' || "
    "coalesce((SELECT group_concat(json_extract(value, '$.text'), ' ') "
    "FROM json_each({p}, '$.story')), '') ELSE '' END"
)

SQLITE_TRIGGERS = [
    """CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    f"""CREATE TRIGGER story_pages_fts_ai AFTER INSERT ON story_pages BEGIN
        DELETE FROM story_pages_fts WHERE rowid = new.story_id;
        INSERT INTO story_pages_fts(rowid, headline, body)
        VALUES (new.story_id, coalesce(new.headline, ''), {_PAGE_BODY.format(p="new.page")});
    END""",
    """CREATE TRIGGER story_pages_fts_ad AFTER DELETE ON story_pages
    WHEN NOT EXISTS (SELECT 1 FROM story_pages WHERE story_id = old.story_id) BEGIN
        DELETE FROM story_pages_fts WHERE rowid = old.story_id;
    END""",
]

_PG_ARTICLES = (
    "setweight(to_tsvector('simple'::regconfig, left(coalesce(title, ''), 2000)), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, left(coalesce(text, ''), 200000)), 'B')"
)
_PG_PAGES = (
    "setweight(to_tsvector('simple'::regconfig, left(coalesce(headline, ''), 2000)), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, left("
    "coalesce(jsonb_path_query_array(page::jsonb, '$.highlights[*].text')::text, '') || ' ' || "
    "coalesce(jsonb_path_query_array(page::jsonb, '$.story[*].text')::text, ''), 200000)), 'B')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE articles ADD COLUMN search tsvector "
            f"GENERATED ALWAYS AS ({_PG_ARTICLES}) STORED"
        )
        op.execute("CREATE INDEX ix_articles_search ON articles USING gin (search)")
        op.execute(
            f"ALTER TABLE story_pages ADD COLUMN search tsvector "
            f"GENERATED ALWAYS AS ({_PG_PAGES}) STORED"
        )
        op.execute("CREATE INDEX ix_story_pages_search ON story_pages USING gin (search)")
        return
    op.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', "
        f"content_rowid='id', tokenize='{TOKENIZE}')"
    )
    op.execute(
        f"CREATE VIRTUAL TABLE story_pages_fts USING fts5(headline, body, tokenize='{TOKENIZE}')"
    )
    for ddl in SQLITE_TRIGGERS:
        op.execute(ddl)
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    op.execute(
        "INSERT INTO story_pages_fts(rowid, headline, body) "
        f"SELECT p.story_id, coalesce(p.headline, ''), {_PAGE_BODY.format(p='p.page')} "
        "FROM story_pages p WHERE p.revision = "
        "(SELECT max(q.revision) FROM story_pages q WHERE q.story_id = p.story_id)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_story_pages_search")
        op.execute("ALTER TABLE story_pages DROP COLUMN IF EXISTS search")
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search")
        return
    for name in (
        "articles_fts_ai",
        "articles_fts_ad",
        "articles_fts_au",
        "story_pages_fts_ai",
        "story_pages_fts_ad",
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS story_pages_fts")
    op.execute("DROP TABLE IF EXISTS articles_fts")
