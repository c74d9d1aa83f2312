"""How well search finds what people describe: a labelled query set (tests/data/
search_queries.json: posts with text, alt text and prompts, and queries with the ids of
their relevant posts) loaded through the real services, and the mean reciprocal rank of
search by words alone against words and meaning fused. The benchmark and a test call it."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.generation.models import Candidate, Generation, State
from salon.meaning import search as hybrid
from salon.meaning import service as meaning
from salon.media.models import MediaAttachment
from salon.posts import search as words
from salon.posts import service as posts
from salon.posts.models import Post
from salon.settings import Settings

DEPTH = 10  # a relevant post found below this place counts as not found (MRR@10)


async def _picture(session: AsyncSession, account_id: int, label: str, alt: str,
                   prompt: str) -> int:
    """A ready picture row (no file: only what search reads of it), made by a finished
    generation when the corpus gives it a prompt."""
    media = MediaAttachment(account_id=account_id, status="ready", content_type="image/png",
                            file_key=f"quality/{label}.png", width=512, height=512,
                            size_bytes=0, description=alt)
    session.add(media)
    await session.flush()
    if prompt:
        made = Generation(account_id=account_id, state=State.succeeded, prompt=prompt,
                          engine="sketch", model="sketch", trained=False, seed=1, count=1,
                          aspect="1:1", width=512, height=512, steps=1, guidance=0.0)
        session.add(made)
        await session.flush()
        session.add(Candidate(generation_id=made.id, position=0, seed=1, media_id=media.id))
        await session.flush()
    return media.id


async def load(session: AsyncSession, settings: Settings, corpus: dict[str, Any],
               username: str = "corpus") -> dict[str, int]:
    """Post the corpus as one account (through posts.service, so search indexes it as any
    post) and embed it in one batch; the corpus's ids to the posts' ids."""
    author = await accounts.register(session, username, secrets.token_urlsafe(24))
    made: dict[str, int] = {}
    for item in corpus["posts"]:
        media_ids = []
        if item.get("alt") or item.get("prompt"):
            media_ids = [await _picture(session, author.id, item["id"], item.get("alt", ""),
                                        item.get("prompt", ""))]
        post = await posts.create_post(session, author, item["text"], media_ids=media_ids)
        made[item["id"]] = post.id
    created = [p for p in [await session.get(Post, i) for i in made.values()] if p]
    await meaning.embed_posts(session, settings, created)
    return made


def _reciprocal_rank(found: list[int], relevant: set[int]) -> float:
    for place, post_id in enumerate(found[:DEPTH], start=1):
        if post_id in relevant:
            return 1.0 / place
    return 0.0


async def search_quality(session: AsyncSession, settings: Settings, corpus_path: Path
                         ) -> dict[str, Any]:
    """Load the corpus into the session's database (the caller commits or rolls back) and
    measure: MRR@10 of full-text alone (bm25 / ts_rank) and of the fusion, recall@10 of
    each, and milliseconds per hybrid query (p50). Searches as an anonymous reader."""
    corpus = json.loads(await asyncio.to_thread(Path(corpus_path).read_text))
    ids = await load(session, settings, corpus)
    await session.flush()
    text_rr, hybrid_rr, text_hits, hybrid_hits, took = [], [], 0, 0, []
    misses: list[str] = []
    for query in corpus["queries"]:
        relevant = {ids[r] for r in query["relevant"]}
        by_words = await words.ranked_ids(session, query["q"], None, limit=settings.search_pool)
        started = time.perf_counter()
        fused = await hybrid.ranked_ids(session, settings, query["q"], None)
        took.append((time.perf_counter() - started) * 1000)
        text_rr.append(_reciprocal_rank(by_words, relevant))
        hybrid_rr.append(_reciprocal_rank(fused, relevant))
        text_hits += bool(relevant & set(by_words[:DEPTH]))
        hybrid_hits += bool(relevant & set(fused[:DEPTH]))
        if not hybrid_rr[-1]:
            misses.append(query["q"])
    n = len(corpus["queries"])
    took.sort()
    return {
        "posts": len(ids), "queries": n,
        "mrr_text": sum(text_rr) / n, "mrr_hybrid": sum(hybrid_rr) / n,
        "recall10_text": text_hits / n, "recall10_hybrid": hybrid_hits / n,
        "hybrid_ms_p50": took[n // 2] if took else 0.0,
        "hybrid_misses": misses,
    }
