"""Background work for posts: telling voters and the author that a poll has ended,
publishing scheduled posts, gathering direct posts into conversations."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.jobs.worker import handler
from salon.notifications.models import NotificationType
from salon.notifications.service import notify
from salon.posts import conversations, scheduled
from salon.posts.interactions import poll_voters
from salon.posts.models import Poll, Post
from salon.posts.service import Rules
from salon.settings import get_settings


@handler("posts.poll_ended")
async def poll_ended(session: AsyncSession, payload: dict[str, Any]) -> None:
    poll = await session.get(Poll, int(payload["poll_id"]))
    if poll is None:
        return
    post = await session.get(Post, poll.post_id)
    if post is None:
        return
    for account_id in {post.account_id, *await poll_voters(session, poll.id)}:
        # The author is told too: the notification comes "from" the author's own post.
        await notify(
            session, NotificationType.poll, account_id, post.account_id, post.id, allow_self=True
        )


@handler(scheduled.JOB)
async def publish_scheduled(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Publish a scheduled post at its time; nothing if it was moved or cancelled since."""
    await scheduled.publish(session, int(payload["scheduled_id"]), str(payload["at"]),
                            Rules.from_settings(get_settings()))


@handler(conversations.JOB)
async def conversation(session: AsyncSession, payload: dict[str, Any]) -> None:
    """A direct post joins (or starts) each participant's conversation."""
    post = await session.get(Post, int(payload["post_id"]))
    if post is not None:
        await conversations.add_post(session, post)
