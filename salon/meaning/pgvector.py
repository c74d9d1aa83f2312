"""pgvector on PostgreSQL: a hand-made copy of the posts' vectors with an HNSW index, made
when the extension can be installed. Without it (or for a model whose vectors are not
DIM long), search is exact, in memory (salon/meaning/index.py)."""

from __future__ import annotations

import logging

import numpy as np
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("salon.meaning")
TABLE = "post_embeddings"
DIM = 384  # all-MiniLM-L6-v2's: the index is made for one length


def ensure(connection: Connection) -> bool:
    """Install the extension and make the table and its index, if the server has pgvector
    and the role may; False (and nothing changed) otherwise. Safe to run again."""
    if connection.dialect.name != "postgresql":
        return False
    if connection.execute(text(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).first() is None:
        return False
    try:
        with connection.begin_nested():  # a refusal must not abort the migration around it
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    except DBAPIError as e:
        log.warning("pgvector is available but could not be installed: %s", e.orig)
        return False
    connection.execute(text(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (post_id bigint PRIMARY KEY REFERENCES posts(id) "
        f"ON DELETE CASCADE, embedding vector({DIM}) NOT NULL)"))
    connection.execute(text(
        f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_hnsw ON {TABLE} "
        "USING hnsw (embedding vector_cosine_ops)"))
    return True


def drop(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))


async def present(session: AsyncSession) -> bool:
    """Whether this database has the table (checked once per process by the index)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    found = await session.scalar(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": TABLE})
    return bool(found)


def literal(vector: np.ndarray) -> str:
    """A vector as pgvector's text form, so no driver codec is needed."""
    return "[" + ",".join(f"{x:.6f}" for x in vector.tolist()) + "]"


async def store(session: AsyncSession, post_id: int, vector: np.ndarray) -> None:
    await session.execute(text(
        f"INSERT INTO {TABLE} (post_id, embedding) VALUES (:id, CAST(:v AS vector)) "
        "ON CONFLICT (post_id) DO UPDATE SET embedding = excluded.embedding"),
        {"id": post_id, "v": literal(vector)})


async def remove(session: AsyncSession, post_id: int) -> None:
    await session.execute(text(f"DELETE FROM {TABLE} WHERE post_id = :id"), {"id": post_id})


async def nearest(session: AsyncSession, vector: np.ndarray, k: int,
                  since_id: int | None = None) -> list[tuple[int, float]]:
    """The k nearest by cosine similarity (HNSW: approximate; ef_search widened so that
    filters after it still leave enough)."""
    return (await nearest_many(session, [vector], k, since_id))[0]


async def nearest_many(session: AsyncSession, vectors: list[np.ndarray], k: int,
                       since_id: int | None = None) -> list[list[tuple[int, float]]]:
    """`nearest` for each vector, in one statement: an HNSW search per vector, joined
    laterally (one round trip for For You's seeds, not one each)."""
    if not vectors:
        return []
    await session.execute(text(f"SET LOCAL hnsw.ef_search = {max(40, min(k, 1000))}"))
    since = "WHERE post_id >= :since " if since_id is not None else ""
    rows = await session.execute(text(
        "SELECT s.n, h.post_id, h.similarity "
        "FROM unnest(CAST(:vectors AS vector[])) WITH ORDINALITY AS s(v, n) CROSS JOIN LATERAL "
        f"(SELECT post_id, 1 - (embedding <=> s.v) AS similarity FROM {TABLE} {since}"
        "ORDER BY embedding <=> s.v LIMIT :k) AS h ORDER BY s.n, h.similarity DESC"),
        {"vectors": [literal(v) for v in vectors], "k": k,
         **({"since": since_id} if since_id is not None else {})})
    found: list[list[tuple[int, float]]] = [[] for _ in vectors]
    for n, post_id, similarity in rows:
        found[int(n) - 1].append((int(post_id), float(similarity)))
    return found


async def above(session: AsyncSession, vector: np.ndarray, threshold: float, limit: int,
                max_id: int | None = None) -> list[tuple[int, float]]:
    """Newest first, posts at least `threshold` similar (an index range walk, not HNSW)."""
    older = "AND post_id < :max_id " if max_id is not None else ""
    rows = await session.execute(text(
        f"SELECT post_id, 1 - (embedding <=> CAST(:v AS vector)) AS s FROM {TABLE} "
        f"WHERE (embedding <=> CAST(:v AS vector)) <= :d {older}"
        "ORDER BY post_id DESC LIMIT :n"),
        {"v": literal(vector), "d": 1 - threshold, "n": limit,
         **({"max_id": max_id} if max_id is not None else {})})
    return [(int(r[0]), float(r[1])) for r in rows]
