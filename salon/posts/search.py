"""Full-text search over posts. SQLite uses an FTS5 index kept in the same transaction as
the post; other databases fall back to a LIKE scan until their own index arrives."""

from __future__ import annotations

import re

from sqlalchemy import Select, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from salon.posts.models import Post
from salon.posts.visibility import visible_to

TABLE = "post_search"


def _sqlite(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "sqlite"


async def index(session: AsyncSession, post_id: int, body: str) -> None:
    if _sqlite(session):
        await unindex(session, post_id)
        await session.execute(
            text(f"INSERT INTO {TABLE}(rowid, body) VALUES (:id, :body)"),
            {"id": post_id, "body": body},
        )


async def unindex(session: AsyncSession, post_id: int) -> None:
    if _sqlite(session):
        await session.execute(text(f"DELETE FROM {TABLE} WHERE rowid = :id"), {"id": post_id})


def _fts_query(query: str) -> str:
    """Each word as a quoted prefix term, so user input can never be FTS syntax."""
    words = re.findall(r"\w+", query)
    return " ".join(f'"{w}"*' for w in words[:10])


async def posts(
    session: AsyncSession,
    query: str,
    viewer_id: int | None,
    *,
    max_id: int | None = None,
    limit: int = 20,
) -> list[Post]:
    """Posts matching every word of `query` that the viewer may see, newest first."""
    stmt: Select[Post] = select(Post).where(
        visible_to(viewer_id), Post.reblog_of_id.is_(None)
    )
    if _sqlite(session):
        match = _fts_query(query)
        if not match:
            return []
        hits = text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :q").bindparams(q=match)
        stmt = stmt.where(Post.id.in_(hits.columns(rowid=Post.id.type).subquery().select()))
    else:
        words = re.findall(r"\w+", query)[:10]
        if not words:
            return []
        for word in words:
            stmt = stmt.where(Post.text.ilike(f"%{word}%"))
    if max_id is not None:
        stmt = stmt.where(Post.id < max_id)
    return list(await session.scalars(stmt.order_by(Post.id.desc()).limit(limit)))
