"""Working out who to notify, in the background."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.graph import service as graph
from salon.jobs.worker import handler
from salon.notifications.models import NotificationType
from salon.notifications.service import notify
from salon.posts.models import Mention, Post


@handler("notifications.notify")
async def notify_one(session: AsyncSession, payload: dict[str, Any]) -> None:
    post_id = payload.get("post_id")
    await notify(
        session,
        str(payload["type"]),
        int(payload["account_id"]),
        int(payload["from_account_id"]),
        int(post_id) if post_id else None,
    )


@handler("notifications.post_created")
async def post_created(session: AsyncSession, payload: dict[str, Any]) -> None:
    """A new post tells the people it mentions, the author it replies to, and the authors
    it quotes or remixes; each at most once (a reply that also mentions is a 'reply')."""
    post = await session.get(Post, int(payload["post_id"]))
    if post is None:
        return
    told: set[int] = set()
    if post.in_reply_to_account_id:
        await notify(
            session, NotificationType.reply, post.in_reply_to_account_id, post.account_id, post.id
        )
        told.add(post.in_reply_to_account_id)
    if post.quote_of_id:
        quoted = await session.get(Post, post.quote_of_id)
        if quoted is not None and quoted.account_id not in told:
            await notify(
                session, NotificationType.quote, quoted.account_id, post.account_id, post.id
            )
            told.add(quoted.account_id)
    if post.remix_of_id and not payload.get("edited"):
        source = await session.get(Post, post.remix_of_id)
        if source is not None and source.account_id not in told:
            await notify(
                session, NotificationType.remix, source.account_id, post.account_id, post.id
            )
            told.add(source.account_id)
    for account_id in await session.scalars(
        select(Mention.account_id).where(Mention.post_id == post.id)
    ):
        if account_id not in told:
            await notify(session, NotificationType.mention, account_id, post.account_id, post.id)
            told.add(account_id)
    if payload.get("edited"):
        return
    # Followers who rang the bell hear of every new post (visibility is checked per person).
    for account_id in await session.scalars(graph.notified_follower_ids(post.account_id)):
        if account_id not in told:
            await notify(session, NotificationType.status, account_id, post.account_id, post.id)


@handler("notifications.post_edited")
async def post_edited(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Accounts newly mentioned by an edit hear about it, once."""
    await post_created(session, {**payload, "edited": True})
