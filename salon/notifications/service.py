"""Notifications: who gets told what, the unread count, and reading them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.events import service as events
from salon.graph import service as graph
from salon.notifications import groups, policy
from salon.notifications.models import Notification, NotificationMarker, NotificationRequest
from salon.notifications.queries import Filters, shown
from salon.posts import reading, thread_mutes
from salon.posts.models import Post
from salon.posts.schemas import PostView
from salon.posts.visibility import visible_ids, visible_to
from salon.push import service as push
from salon.timelines.schemas import Cursor, Page


async def notify(
    session: AsyncSession,
    type: str,
    account_id: int,
    from_account_id: int,
    post_id: int | None = None,
    *,
    allow_self: bool = False,
) -> Notification | None:
    """Record a notification unless it would reach someone it must not: nobody is told of
    their own acts, of acts by accounts they block or mute, or of a post they may not see.
    Nor of anything in a thread they muted. The recipient's policy may drop it, or keep it
    aside (filtered) as a request."""
    if account_id == from_account_id and not allow_self:
        return None
    hidden = set(await session.scalars(graph.notification_hidden_ids(account_id)))
    if from_account_id in hidden:
        return None
    if post_id is not None and post_id not in await visible_ids(session, account_id, [post_id]):
        return None
    if post_id is not None and await thread_mutes.muted_ids(session, account_id, [post_id]):
        return None
    duplicate = await session.scalar(
        select(Notification.id)
        .where(
            Notification.account_id == account_id,
            Notification.from_account_id == from_account_id,
            Notification.type == type,
            Notification.post_id == post_id,
        )
        .limit(1)
    )
    if duplicate is not None:  # a retried job, or like-unlike-like
        return None
    verdict = await policy.verdict(session, account_id, from_account_id, type, post_id)
    if verdict == "drop":
        return None
    note = Notification(
        account_id=account_id, from_account_id=from_account_id, type=type, post_id=post_id,
        group_key=await groups.key_for(session, account_id, type, post_id),
        filtered=verdict == "filter",
    )
    session.add(note)
    await session.flush()
    if note.filtered:  # told only when they look at their requests
        await policy.keep_aside(session, account_id, from_account_id, post_id)
        return note
    # One stream: `user` listens to `user:notification` as well, so it hears it once.
    events.publish(session, f"user:notification:{account_id}", "notification",
                   notification_id=note.id)
    await push.enqueue_for(session, note)  # to the apps that asked for this kind
    return note


@dataclass
class NotificationView:
    notification: Notification
    from_account: Account
    post: PostView | None

    @property
    def id(self) -> int:
        return self.notification.id

    @property
    def type(self) -> str:
        return self.notification.type


async def page(
    session: AsyncSession,
    account_id: int,
    cursor: Cursor,
    types: list[str] | None = None,
    exclude_types: list[str] | None = None,
    **more: Any,
) -> Page[NotificationView]:
    """A page of notifications; `more` are the other Filters (from_account_id,
    include_filtered)."""
    stmt = select(Notification).where(
        *shown(account_id, Filters(types, exclude_types, **more)))
    notes = list(await session.scalars(cursor.apply(stmt, Notification.id)))
    notes.sort(key=lambda n: n.id, reverse=True)
    authors = await accounts.get_many(session, {n.from_account_id for n in notes})
    post_ids = [n.post_id for n in notes if n.post_id]
    # Read again with the visibility rule: access may have ended since the notification
    # (an unfollow, a mention edited out), and the post must not reach them here either.
    posts = list(
        await session.scalars(select(Post).where(Post.id.in_(post_ids), visible_to(account_id)))
    )
    views = {v.id: v for v in await reading.present(session, posts, account_id)}
    items = []
    for n in notes:
        author = authors.get(n.from_account_id)
        if author is None or author.suspended_at is not None:
            continue
        post = views.get(n.post_id) if n.post_id else None
        if n.post_id and post is None:  # no longer visible
            continue
        items.append(NotificationView(n, author, post))
    return Page.of(items, [n.id for n in notes], cursor)


async def get(session: AsyncSession, account_id: int, notification_id: int) -> Notification | None:
    return await session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.account_id == account_id
        )
    )


async def dismiss(session: AsyncSession, account_id: int, notification_id: int) -> None:
    await session.execute(
        delete(Notification).where(
            Notification.id == notification_id, Notification.account_id == account_id
        )
    )


async def clear(session: AsyncSession, account_id: int) -> None:
    """All of them, filtered ones too, and so the requests that held those."""
    await session.execute(delete(Notification).where(Notification.account_id == account_id))
    await session.execute(delete(NotificationRequest).where(
        NotificationRequest.account_id == account_id))


async def last_read(session: AsyncSession, account_id: int) -> int:
    marker = await session.get(NotificationMarker, account_id)
    return marker.last_read_id if marker else 0


async def mark_read(session: AsyncSession, account_id: int, up_to: int | None = None) -> None:
    """Everything up to `up_to` (default: the newest) counts as read."""
    if up_to is None:
        up_to = (
            await session.scalar(
                select(func.max(Notification.id)).where(Notification.account_id == account_id)
            )
            or 0
        )
    marker = await session.get(NotificationMarker, account_id)
    if marker is None:
        session.add(NotificationMarker(account_id=account_id, last_read_id=up_to,
                                       version=1, updated_at=utcnow()))
    elif up_to > marker.last_read_id:
        marker.last_read_id = up_to
        marker.version += 1
        marker.updated_at = utcnow()


async def marker(session: AsyncSession, account_id: int) -> NotificationMarker | None:
    return await session.get(NotificationMarker, account_id)


async def unread_count(session: AsyncSession, account_id: int, cap: int = 100,
                       filters: Filters | None = None) -> int:
    """Unread notifications, counted up to `cap` (the badge shows 99+ beyond that): those
    page() would show (not filtered, not from suspended accounts) newer than the marker."""
    newer = (
        select(Notification.id)
        .where(
            *shown(account_id, filters),
            Notification.id > await last_read(session, account_id),
        )
        .limit(cap)
        .subquery()
    )
    return int(await session.scalar(select(func.count()).select_from(newer)) or 0)
