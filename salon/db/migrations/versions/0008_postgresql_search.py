"""PostgreSQL full-text search for posts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 10:05:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite has its FTS5 table since 0001; PostgreSQL gets a tsvector per post with a GIN
    # index, kept in step by salon.posts.search in the post's own transaction.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE TABLE post_search (post_id BIGINT PRIMARY KEY "
               "REFERENCES posts (id) ON DELETE CASCADE, body TSVECTOR NOT NULL)")
    op.execute("CREATE INDEX post_search_body ON post_search USING GIN (body)")
    # As salon.posts.search.TSVECTOR writes it (letters and digits only).
    op.execute("INSERT INTO post_search (post_id, body) SELECT id, to_tsvector('simple', "
               "regexp_replace(spoiler_text || ' ' || text, '[^[:alnum:]]+', ' ', 'g')) "
               "FROM posts WHERE reblog_of_id IS NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS post_search")
