"""What posts mean, as vectors: embedding (in a thread, never on the event loop), storing
with the model's name, and finding the nearest. Hits are post ids with cosine similarities;
callers decide what the viewer may see (posts.visibility), as every other read does."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.among import among
from salon.db.ids import new_id, utcnow
from salon.db.session import dialect_name
from salon.meaning import embedders, pgvector
from salon.meaning.embedders import Embedder
from salon.meaning.index import memory_index
from salon.meaning.models import PostVector
from salon.posts import search
from salon.posts.models import Post
from salon.settings import Settings

log = logging.getLogger("salon.meaning")
Hits = list[tuple[int, float]]
_QUERIES: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
QUERY_CACHE = 512  # query vectors kept per process (a feed's sentence, a repeated search)
_PGVECTOR: dict[str, bool] = {}


async def model(settings: Settings) -> Embedder | None:
    """The configured embedder, loaded off the event loop on first use; None when off."""
    done, found = embedders.loaded(settings)
    if done:  # no thread for what is loaded already (a For You page asks four times)
        return found
    return await asyncio.to_thread(embedders.embedder, settings)


async def embed(settings: Settings, texts: list[str]) -> np.ndarray | None:
    """Unit vectors for `texts`, computed in a thread; None when embeddings are off."""
    found = await model(settings)
    if found is None:
        return None
    batch = settings.embeddings_batch
    parts = [await asyncio.to_thread(found.embed, texts[i:i + batch])
             for i in range(0, len(texts), batch)]
    return np.concatenate(parts) if parts else np.zeros((0, found.dim), np.float32)


async def embed_query(settings: Settings, query: str) -> np.ndarray | None:
    """A search query's or a sentence's vector, remembered for repeats; None when off or
    when the text has nothing to embed."""
    found = await model(settings)
    if found is None or not query.strip():
        return None
    key = (found.name, query.strip().lower())
    if (kept := _QUERIES.get(key)) is not None:
        _QUERIES.move_to_end(key)
        return kept
    vector = (await asyncio.to_thread(found.embed, [query]))[0]
    _QUERIES[key] = vector
    while len(_QUERIES) > QUERY_CACHE:
        _QUERIES.popitem(last=False)
    return vector


def _database(session: AsyncSession) -> str:
    """Which database a session reads (an index is kept per database)."""
    bind = session.get_bind()
    return str(bind.engine.url)


async def _uses_pgvector(session: AsyncSession, dim: int) -> bool:
    if dim != pgvector.DIM or dialect_name(session) != "postgresql":
        return False
    url = _database(session)
    if url not in _PGVECTOR:
        _PGVECTOR[url] = await pgvector.present(session)
    return _PGVECTOR[url]


async def store(session: AsyncSession, post_id: int, vector: np.ndarray, name: str) -> None:
    """Keep the post's vector (replacing an older one), and pgvector's copy where there is
    one."""
    data = vector.astype(np.float32).tobytes()
    found = await session.get(PostVector, post_id)
    if found is None:
        session.add(PostVector(post_id=post_id, model=name, vector=data))
    else:
        found.model, found.vector = name, data
        found.version, found.embedded_at = new_id(), utcnow()
    if await _uses_pgvector(session, len(vector)):
        await pgvector.store(session, post_id, vector)
    await session.flush()


async def forget(session: AsyncSession, post_id: int) -> None:
    await session.execute(delete(PostVector).where(PostVector.post_id == post_id))


async def embed_posts(session: AsyncSession, settings: Settings, posts: list[Post]) -> int:
    """Embed these posts from what search finds them by, and store the vectors."""
    found = await model(settings)
    if found is None or not posts:
        return 0
    texts = [await search.document(session, post) for post in posts]
    vectors = await embed(settings, texts)
    assert vectors is not None
    for post, vector in zip(posts, vectors, strict=True):
        await store(session, post.id, vector, found.name)
    return len(posts)


async def vectors(session: AsyncSession, settings: Settings, post_ids: Iterable[int]
                  ) -> dict[int, np.ndarray]:
    """The current model's vectors of these posts (those that have one): from the memory
    index where searches use one (already in memory: no rows to read and decode), else
    from the database."""
    found = await model(settings)
    wanted = list(set(post_ids))
    if found is None or not wanted:
        return {}
    if not await _uses_pgvector(session, found.dim):
        index = memory_index(_database(session), found.name)
        await index.refresh(session)
        return index.vectors(wanted)
    rows = await session.execute(select(PostVector.post_id, PostVector.vector).where(
        among(PostVector.post_id, wanted), PostVector.model == found.name))
    return {r[0]: np.frombuffer(r[1], dtype=np.float32) for r in rows}


async def nearest(session: AsyncSession, settings: Settings, vector: np.ndarray, k: int,
                  since_id: int | None = None) -> Hits:
    """The k posts nearest to `vector` (cosine), optionally only those since `since_id`;
    pgvector's HNSW index where there is one, else exact in memory."""
    found = await model(settings)
    if found is None:
        return []
    if await _uses_pgvector(session, len(vector)):
        return await pgvector.nearest(session, vector, k, since_id)
    index = memory_index(_database(session), found.name)
    await index.refresh(session)
    return await asyncio.to_thread(index.nearest, vector, k, since_id)  # off the loop


async def nearest_many(session: AsyncSession, settings: Settings, vectors: list[np.ndarray],
                       k: int, since_id: int | None = None) -> list[Hits]:
    """`nearest` for each of several vectors (For You's seeds): in memory, one pass."""
    found = await model(settings)
    if found is None or not vectors:
        return [[] for _ in vectors]
    if await _uses_pgvector(session, len(vectors[0])):
        return await pgvector.nearest_many(session, vectors, k, since_id)
    index = memory_index(_database(session), found.name)
    await index.refresh(session)
    return await asyncio.to_thread(index.nearest_many, vectors, k, since_id)


async def above(session: AsyncSession, settings: Settings, vector: np.ndarray,
                threshold: float, limit: int, max_id: int | None = None) -> Hits:
    """Newest first, up to `limit` posts at least `threshold` similar, older than max_id."""
    found = await model(settings)
    if found is None:
        return []
    if await _uses_pgvector(session, len(vector)):
        return await pgvector.above(session, vector, threshold, limit, max_id)
    index = memory_index(_database(session), found.name)
    await index.refresh(session)
    return await asyncio.to_thread(index.above, vector, threshold, limit, max_id)


async def missing(session: AsyncSession, settings: Settings, limit: int,
                  after_id: int = 0) -> list[Post]:
    """Posts (not reposts) without a vector of the current model, oldest first: what
    `salon embed` backfills."""
    found = await model(settings)
    if found is None:
        return []
    current = select(PostVector.post_id).where(PostVector.model == found.name)
    return list(await session.scalars(
        select(Post).where(Post.id > after_id, Post.reblog_of_id.is_(None),
                           Post.id.not_in(current))
        .order_by(Post.id).limit(limit)))
