"""Search by meaning and words together: two rankings of the posts a viewer may see, one by
full-text relevance (posts.search.ranked_ids: bm25 / ts_rank) and one by the cosine of the
post's vector to the query's, fused by reciprocal rank (Cormack, Clarke and Büttcher, SIGIR
2009): a post's score is the sum over the rankings that hold it of 1 / (RRF_K + rank), rank
counted from 1. k = 60 is the paper's constant: it keeps one ranking's first places from
drowning what the other agrees on. Each ranking is a bounded pool (settings.search_pool),
so the fused list is too, and pages of it are taken by position (Mastodon's `offset`), never
by SQL OFFSET. With embeddings off the fusion has one ranking: full-text alone."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import BigInteger, ColumnElement, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.graph import service as graph
from salon.jobs.models import Job
from salon.meaning import service as meaning
from salon.posts import search
from salon.posts.models import Post
from salon.posts.visibility import visible_to
from salon.settings import Settings

RRF_K = 60
WIDEN = 2  # nearest neighbours asked for per pool place: some are filtered out after


def fuse(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[int]:
    """Reciprocal-rank fusion of rankings (ids, best first): best fused first, ties by the
    better single rank, then newer first."""
    scores: dict[int, float] = {}
    best: dict[int, int] = {}
    for ranking in rankings:
        for rank, post_id in enumerate(ranking, start=1):
            scores[post_id] = scores.get(post_id, 0.0) + 1.0 / (k + rank)
            best[post_id] = min(best.get(post_id, rank), rank)
    return sorted(scores, key=lambda i: (-scores[i], best[i], -i))


def shown_to(viewer_id: int | None) -> list[ColumnElement[bool]]:
    """What every post found here must be: one the viewer may see, not a repost, and not
    by an author they block, are blocked by or muted."""
    # Reposts out by a function of the column: as `reblog_of_id IS NULL`, SQLite's planner
    # walked that index (nearly every post) instead of the few ids asked for (145 ms).
    found = [visible_to(viewer_id), func.coalesce(Post.reblog_of_id, 0) == 0]
    if viewer_id is not None:
        found.append(Post.account_id.not_in(graph.hidden_author_ids(viewer_id)))
    return found


async def by_meaning(session: AsyncSession, settings: Settings, query: str,
                     viewer_id: int | None, *, max_id: int | None = None) -> list[int]:
    """Ids of the posts nearest to the query by meaning, best first: at least
    settings.search_min_similarity similar, only what the viewer may see (the vectors'
    index knows nothing of visibility, so its hits are checked here); [] when off."""
    vector = await meaning.embed_query(settings, query)
    if vector is None:
        return []
    pool = settings.search_pool
    hits = [(i, s) for i, s in await meaning.nearest(session, settings, vector, pool * WIDEN)
            if s >= settings.search_min_similarity]
    if not hits:
        return []
    stmt = select(Post.id, Post.recipe_hidden).where(Post.id.in_([i for i, _ in hits]),
                                                     *shown_to(viewer_id))
    if max_id is not None:
        stmt = stmt.where(Post.id < max_id)
    allowed = await fresh(session, {r[0]: r[1] for r in await session.execute(stmt)})
    return [i for i, _ in hits if i in allowed][:pool]


async def fresh(session: AsyncSession, found: dict[int, bool]) -> set[int]:
    """Of these posts (id: whether its recipe is hidden), those whose vector may be used.
    A recipe just hidden leaves the full-text entry at once, but the vector made with its
    prompt stays until the embedding job has run: until then such a post is not found by
    meaning (nor similar). Only posts with a hidden recipe are looked up."""
    hidden = [i for i, recipe_hidden in found.items() if recipe_hidden]
    if not hidden:
        return set(found)
    post_id = cast(Job.payload["post_id"].as_string(), BigInteger)  # ids outgrow int32
    waiting = set(await session.scalars(select(post_id).where(
        Job.kind == search.EMBED_JOB, Job.status.in_(("queued", "running")),
        post_id.in_(hidden))))
    return {i for i in found if i not in waiting}


async def ranked_ids(session: AsyncSession, settings: Settings, query: str,
                     viewer_id: int | None, *, max_id: int | None = None) -> list[int]:
    """The whole fused ranking (at most two pools long)."""
    words = await search.ranked_ids(session, query, viewer_id, limit=settings.search_pool,
                                    max_id=max_id)
    return fuse([words, await by_meaning(session, settings, query, viewer_id, max_id=max_id)])


async def statuses(session: AsyncSession, settings: Settings, query: str,
                   viewer_id: int | None, *, offset: int = 0, limit: int = 20,
                   max_id: int | None = None) -> list[Post]:
    """A page of posts found by words and meaning, best first: positions offset to
    offset + limit of the fused ranking, among posts older than max_id if given."""
    ranked = await ranked_ids(session, settings, query, viewer_id, max_id=max_id)
    return await load(session, ranked[offset:offset + limit])


async def load(session: AsyncSession, ids: list[int]) -> list[Post]:
    """These posts, in this order (one query)."""
    if not ids:
        return []
    found = {p.id: p for p in await session.scalars(select(Post).where(Post.id.in_(ids)))}
    return [found[i] for i in ids if i in found]
