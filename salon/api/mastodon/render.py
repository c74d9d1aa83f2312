"""Turning pages of Salon's views into Mastodon JSON in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import entities
from salon.posts import reading
from salon.posts.models import Post
from salon.posts.schemas import PostView


async def statuses(
    session: AsyncSession, views: Sequence[PostView], base: str, viewer_id: int | None
) -> list[dict[str, Any]]:
    ids = {v.id for v in views} | {v.reblog.id for v in views if v.reblog}
    mentions = await reading.mentioned_accounts(session, list(ids))
    return [
        entities.status(v, base, viewer_id, mentions=mentions).model_dump(mode="json")
        for v in views
    ]


async def one_status(
    session: AsyncSession, post: Post, base: str, viewer_id: int | None
) -> dict[str, Any]:
    # Counters moved by SQL updates (likes, replies) are expired on the row: reload it.
    await session.refresh(post)
    views = await reading.present(session, [post], viewer_id)
    return (await statuses(session, views, base, viewer_id))[0]
