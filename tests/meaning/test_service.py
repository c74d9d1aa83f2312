"""Posts get vectors in the worker, and the nearest ones are found by meaning, on SQLite
(numpy, in memory) and on PostgreSQL (pgvector's HNSW index, or in memory without it)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from salon.jobs.worker import Worker
from salon.meaning import pgvector
from salon.meaning import service as meaning
from salon.meaning.index import EXACT_UP_TO, MemoryIndex
from salon.meaning.models import PostVector
from salon.posts import service as posts
from salon.settings import Settings
from tests.conftest import People


async def test_a_post_is_embedded_by_a_job_and_found_by_meaning(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    ada = await people.make("ada")
    texts = ["a lonely android standing under a storm", "a bowl of ripe fruit on a table",
             "watercolor fox sleeping in the snow"]
    made = [await posts.create_post(session, ada, t) for t in texts]
    await session.commit()
    await worker.drain()
    stored = list(await session.scalars(select(PostVector)))
    assert {v.post_id for v in stored} == {p.id for p in made}
    assert all(v.model == "all-MiniLM-L6-v2-onnx-int8@1.0.0" for v in stored)
    query = await meaning.embed_query(settings, "sad robot in the rain")
    assert query is not None
    hits = await meaning.nearest(session, settings, query, 3)
    assert hits[0][0] == made[0].id
    assert hits[0][1] > hits[1][1]
    # For You's seeds, all at once (pgvector: one statement, lateral HNSW searches): the
    # same hits as one search each, seed by seed, and a window.
    fruit = await meaning.embed_query(settings, "apples and pears in a dish")
    assert fruit is not None
    many = await meaning.nearest_many(session, settings, [query, fruit], 2)
    one_by_one = [await meaning.nearest(session, settings, v, 2) for v in (query, fruit)]
    assert [[i for i, _ in hits] for hits in many] == [[i for i, _ in h] for h in one_by_one]
    assert np.allclose([s for h in many for _, s in h], [s for h in one_by_one for _, s in h],
                       atol=1e-4)
    assert [hits[0][0] for hits in many] == [made[0].id, made[1].id]
    assert [[i for i, _ in hits] for hits in await meaning.nearest_many(
        session, settings, [query, fruit], 3, since_id=made[2].id)] == [[made[2].id]] * 2


async def test_on_postgresql_with_pgvector_the_vectors_have_an_hnsw_index(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    if settings.is_sqlite:
        return  # SQLite searches in memory (the test above)
    available = await session.scalar(
        text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'"))
    if not available:
        assert not await pgvector.present(session)
        return
    assert await pgvector.present(session)
    ada = await people.make("ada")
    post = await posts.create_post(session, ada, "a lighthouse in a storm, ink")
    await session.commit()
    await worker.drain()
    copied = await session.scalar(text("SELECT count(*) FROM post_embeddings WHERE post_id = :i"),
                                  {"i": post.id})
    assert copied == 1
    plan = "\n".join(await session.scalars(text(
        "EXPLAIN SELECT post_id FROM post_embeddings ORDER BY embedding <=> "
        f"CAST('{pgvector.literal(np.ones(384) / 384 ** 0.5)}' AS vector) LIMIT 5")))
    assert "ix_post_embeddings_hnsw" in plan


def test_nearest_many_finds_what_nearest_finds_for_each_vector() -> None:
    """For You's seeds are searched in one pass: the same hits as one search per seed."""
    rng = np.random.default_rng(7)
    index = MemoryIndex("m")
    rows = rng.normal(size=(500, 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    index._add([(1000 + i, r.tobytes()) for i, r in enumerate(rows)])
    seeds = [rows[3], rows[200], rng.normal(size=16).astype(np.float32)]
    for since in (None, 1250):
        many = index.nearest_many(seeds, 10, since)
        assert [[i for i, _ in hits] for hits in many] == [
            [i for i, _ in index.nearest(s, 10, since)] for s in seeds]
    assert many[0][0][0] != 1003  # below since_id: left out
    assert index.nearest_many(seeds, 10)[0][0][0] == 1003


def test_the_memory_index_keeps_post_id_order_whatever_order_vectors_come_in() -> None:
    """Older posts' vectors (a backfill) after newer ones: sorted once, so that a window
    ("since id") stays a slice, and each post keeps its own vector."""
    def unit(n: int) -> bytes:
        found = np.zeros(4, np.float32)
        found[n % 4] = 1.0
        return found.tobytes()

    index = MemoryIndex("m")
    index._add([(post_id, unit(post_id)) for post_id in (50, 60, 70)])
    assert index.ordered
    index._add([(post_id, unit(post_id)) for post_id in (30, 10, 40, 20)])
    assert not index.ordered
    index._sort()
    assert index.ordered and list(index.ids[:index.size]) == [10, 20, 30, 40, 50, 60, 70]
    index._add([(20, unit(21))])  # re-embedded in place
    query = np.array([0, 1, 0, 0], np.float32)  # near posts whose id % 4 == 1, and 20 now
    assert {i for i, sim in index.nearest(query, 7) if sim > 0.9} == {20}
    assert [i for i, _ in index.nearest(query, 7, since_id=40)] != []
    assert all(i >= 40 for i, _ in index.nearest(query, 7, since_id=40))
    assert [i for i, _ in index.nearest_many([query], 7, since_id=55)[0]] in ([60, 70],
                                                                              [70, 60])


def test_a_large_index_finds_the_exact_nearest_through_its_int8_pass() -> None:
    """Over EXACT_UP_TO rows the first pass runs on int8 codes (onnxruntime): the hits,
    their order and their cosines are still the exact ones. Vectors with larger components
    than the first ones re-code the index rather than being clipped."""
    rng = np.random.default_rng(11)
    index = MemoryIndex("m")
    flat = np.sign(rng.normal(size=(8, 64))).astype(np.float32) / 8  # components of 1/8
    random = rng.normal(size=(3 * EXACT_UP_TO, 64)).astype(np.float32)
    random /= np.linalg.norm(random, axis=1, keepdims=True)  # components up to 0.5
    spike = np.zeros((1, 64), np.float32)
    spike[0, 5] = 1.0
    rows = np.vstack([flat, random, spike])
    for part in (flat, random, spike):
        index._add([(1000 + index.size + i, r.tobytes()) for i, r in enumerate(part)])
    seeds = [rows[3], rows[-1], rng.normal(size=64).astype(np.float32)]
    for since in (None, 1000 + EXACT_UP_TO):
        start = 0 if since is None else since - 1000
        for seed, hits in zip(seeds, index.nearest_many(seeds, 25, since), strict=True):
            exact = rows[start:] @ seed
            best = np.argsort(-exact, kind="stable")[:25]
            assert [i for i, _ in hits] == [1000 + start + int(b) for b in best]
            assert np.allclose([s for _, s in hits], exact[best], atol=1e-5)
    assert index.nearest(spike[0], 1)[0][0] == 1000 + len(rows) - 1
