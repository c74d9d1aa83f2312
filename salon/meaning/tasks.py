"""The embedding job: a post's vector, (re)made whenever what search finds it by changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.jobs.worker import handler
from salon.meaning import service as meaning
from salon.posts import search
from salon.posts.models import Post
from salon.settings import get_settings


@handler(search.EMBED_JOB)
async def embed(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Runs the model in a thread; a deleted post, or embeddings off, needs nothing."""
    settings = get_settings()
    if await meaning.model(settings) is None:
        return
    post = await session.get(Post, int(payload["post_id"]))
    if post is not None:
        await meaning.embed_posts(session, settings, [post])
