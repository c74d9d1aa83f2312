"""`salon embed`: vectors for the posts that have none of the current model (new instance,
embeddings just switched on, or another model chosen), and pgvector's copy of them.

An operator's run, not a request: like a job runner it owns its transactions, one per batch
of SALON_EMBEDDINGS_BATCH posts, so an interrupted run keeps what it did and the next one
starts where it stopped."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Select, and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.session import Database
from salon.meaning import pgvector
from salon.meaning import service as meaning
from salon.meaning.models import PostVector
from salon.posts.models import Post
from salon.settings import Settings

COPY_BATCH = 1000  # vectors copied into pgvector's table per statement batch


@dataclass
class Done:
    posts: int = 0
    seconds: float = 0.0
    model: str = ""
    before: int = 0  # posts that had a vector of another model (re-embedded)

    @property
    def rate(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0


def _todo(name: str, everything: bool) -> Select[Post]:
    """Posts (not reposts) to embed: all of them, or those without a vector of `name`."""
    query = select(Post).where(Post.reblog_of_id.is_(None))
    if everything:
        return query
    return query.outerjoin(PostVector, and_(PostVector.post_id == Post.id,
                                            PostVector.model == name)
                           ).where(PostVector.post_id.is_(None))


async def count(session: AsyncSession, name: str, everything: bool = False) -> int:
    found = await session.scalar(select(func.count()).select_from(
        _todo(name, everything).with_only_columns(Post.id).subquery()))
    return int(found or 0)


async def other_models(session: AsyncSession, name: str) -> dict[str, int]:
    """Vectors of models other than `name`: what a change of model leaves to re-embed."""
    rows = await session.execute(select(PostVector.model, func.count())
                                 .where(PostVector.model != name).group_by(PostVector.model))
    return {str(r[0]): int(r[1]) for r in rows}


async def embed(db: Database, settings: Settings, everything: bool = False,
                advance: Callable[[int], None] = lambda n: None) -> Done:
    """Embed every post without a vector of the configured model (all of them with
    `everything`), oldest first, a committed batch at a time."""
    found = await meaning.model(settings)
    if found is None:
        return Done()
    done = Done(model=found.name)
    started = time.perf_counter()
    after = 0
    while True:
        async with db.transaction() as session:
            batch = list(await session.scalars(
                _todo(found.name, everything).where(Post.id > after).order_by(Post.id)
                .limit(settings.embeddings_batch)))
            if not batch:
                break
            await meaning.embed_posts(session, settings, batch)
        after = batch[-1].id
        done.posts += len(batch)
        advance(len(batch))
    done.seconds = time.perf_counter() - started
    return done


async def ensure_pgvector(db: Database) -> bool:
    """pgvector's table and HNSW index, made now if the extension was installed after the
    migration ran; False where it cannot be (SQLite, no extension, no privilege)."""
    if db.settings.is_sqlite:
        return False
    async with db.engine.begin() as connection:
        return await connection.run_sync(pgvector.ensure)


def _uncopied(name: str) -> Select[int, bytes]:
    """`name`'s vectors that pgvector's table lacks."""
    there = (select(text("1")).select_from(text(pgvector.TABLE))
             .where(text(f"{pgvector.TABLE}.post_id = post_vectors.post_id")).exists())
    return select(PostVector.post_id, PostVector.vector).where(PostVector.model == name, ~there)


async def uncopied(db: Database, settings: Settings) -> int:
    """How many vectors `copy_to_pgvector` would copy (0 without pgvector's table)."""
    found = await meaning.model(settings)
    if found is None or db.settings.is_sqlite:
        return 0
    async with db.sessions() as session:
        if not await pgvector.present(session):
            return 0
        return int(await session.scalar(select(func.count()).select_from(
            _uncopied(found.name).subquery())) or 0)


async def copy_to_pgvector(db: Database, settings: Settings,
                           advance: Callable[[int], None] = lambda n: None) -> int:
    """Copy the current model's vectors that pgvector's table lacks (made before it existed);
    0 where there is no table or the model's vectors are not pgvector.DIM long."""
    found = await meaning.model(settings)
    if found is None or db.settings.is_sqlite:
        return 0
    copied, after = 0, 0
    while True:
        async with db.transaction() as session:
            if not await pgvector.present(session):
                return 0
            rows = list(await session.execute(
                _uncopied(found.name).where(PostVector.post_id > after)
                .order_by(PostVector.post_id).limit(COPY_BATCH)))
            if not rows:
                return copied
            for post_id, data in rows:
                vector = np.frombuffer(data, dtype=np.float32)
                if len(vector) != pgvector.DIM:
                    return copied  # another model's length: the index cannot hold it
                await pgvector.store(session, post_id, vector)
        after = rows[-1][0]
        copied += len(rows)
        advance(len(rows))


async def pgvector_state(db: Database) -> str:
    """One line for start-up and `salon migrate`: how PostgreSQL searches by meaning."""
    if db.settings.is_sqlite:
        return "search by meaning: exact, in memory (SQLite)"
    async with db.sessions() as session:
        if await pgvector.present(session):
            return "search by meaning: pgvector's HNSW index"
        if await session.scalar(text(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")):
            return ("pgvector is on the server but Salon's table is not made (no privilege "
                    "to CREATE EXTENSION?): search by meaning is exact, in memory; run "
                    "`salon embed --pgvector`, see docs/meaning.md")
    return ("pgvector not installed: search by meaning is exact, in memory; "
            "see docs/meaning.md")
