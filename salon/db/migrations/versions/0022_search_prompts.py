"""search entries with alt texts, poll options and the prompts of shown recipes

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 00:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As salon.posts.search writes them (TSVECTOR, body_sql), frozen here.
TSVECTOR = "to_tsvector('simple', regexp_replace({}, '[^[:alnum:]]+', ' ', 'g'))"
TEXT_ONLY = "p.spoiler_text || ' ' || p.text"
# Only a post with pictures or a poll has more to be found by than its text.
MORE = ("p.reblog_of_id IS NULL AND (EXISTS (SELECT 1 FROM media_attachments m "
        "WHERE m.post_id = p.id) OR EXISTS (SELECT 1 FROM polls l WHERE l.post_id = p.id))")


def _full(dialect: str) -> str:
    join = "group_concat({}, ' ')" if dialect == "sqlite" else "string_agg({}, ' ')"
    options = join.format("o.title")
    pictures = join.format(
        "m.description || ' ' || CASE WHEN p.recipe_hidden THEN '' "
        "ELSE coalesce(g.prompt, '') END")
    return (
        f"{TEXT_ONLY}"
        f" || ' ' || coalesce((SELECT {options} FROM poll_options o"
        " JOIN polls l ON l.id = o.poll_id WHERE l.post_id = p.id), '')"
        f" || ' ' || coalesce((SELECT {pictures} FROM media_attachments m"
        " LEFT JOIN generation_candidates c ON c.media_id = m.id"
        " LEFT JOIN generations g ON g.id = c.generation_id WHERE m.post_id = p.id), '')"
    )


def _rewrite(body: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DELETE FROM post_search WHERE rowid IN (SELECT p.id FROM posts p "
                   f"WHERE {MORE})")
        op.execute(f"INSERT INTO post_search (rowid, body) SELECT p.id, {body} FROM posts p "
                   f"WHERE {MORE}")
    else:
        op.execute(f"INSERT INTO post_search (post_id, body) SELECT p.id, "
                   f"{TSVECTOR.format(body)} FROM posts p WHERE {MORE} "
                   "ON CONFLICT (post_id) DO UPDATE SET body = excluded.body")


def upgrade() -> None:
    _rewrite(_full(op.get_bind().dialect.name))


def downgrade() -> None:
    _rewrite(TEXT_ONLY)
