"""Notification policy (Mastodon 4.3's): whose notifications an account accepts, keeps aside
as requests (filtered: stored, not listed, not streamed), or drops; and those requests, which
the account accepts (that sender's notifications come through from then on) or dismisses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.graph import service as graph
from salon.notifications.models import (
    POLICY_ANSWERS,
    Notification,
    NotificationPermission,
    NotificationPolicy,
    NotificationRequest,
)
from salon.posts import reading
from salon.posts.models import Post, Visibility
from salon.timelines.schemas import Cursor, Page

FIELDS = ("for_not_following", "for_not_followers", "for_new_accounts",
          "for_private_mentions", "for_limited_accounts")
# What a policy may keep aside, as Mastodon's `filterable` types: never a poll that ended,
# nor a post of someone whose bell they rang.
FILTERABLE = frozenset({"mention", "reply", "favourite", "reblog", "follow", "follow_request",
                        "quote", "salon.remix"})
NEW_ACCOUNT = timedelta(days=30)
SUMMARY_CAP = 100  # pending_requests_count is capped, as Mastodon's


async def get(session: AsyncSession, account_id: int) -> NotificationPolicy:
    """The account's policy; one accepting everything where none was saved."""
    found = await session.get(NotificationPolicy, account_id)
    if found is None:
        found = NotificationPolicy(account_id=account_id, **dict.fromkeys(FIELDS, "accept"))
    return found


async def update_policy(session: AsyncSession, account_id: int,
                        changes: dict[str, str]) -> NotificationPolicy:
    found = await session.get(NotificationPolicy, account_id)
    if found is None:
        found = NotificationPolicy(account_id=account_id, **dict.fromkeys(FIELDS, "accept"))
        session.add(found)
    for field, answer in changes.items():
        if field not in FIELDS or answer not in POLICY_ANSWERS:
            raise ValueError(field)
        setattr(found, field, answer)
    await session.flush()
    return found


async def verdict(session: AsyncSession, account_id: int, from_account_id: int, type: str,
                  post_id: int | None) -> str:
    """accept, filter or drop: the strictest answer of the policy's rules that apply. Staff,
    and senders whose request was accepted, always come through."""
    if type not in FILTERABLE:
        return "accept"
    saved = await session.get(NotificationPolicy, account_id)
    asked = {f: getattr(saved, f) for f in FIELDS if saved and getattr(saved, f) != "accept"}
    if not asked:
        return "accept"
    sender = await session.get(Account, from_account_id)
    if sender is None or sender.is_admin:
        return "accept"
    if await session.get(NotificationPermission, (account_id, from_account_id)):
        return "accept"
    following = await graph.is_following(session, account_id, from_account_id)
    found = []
    if "for_not_following" in asked and not following:
        found.append(asked["for_not_following"])
    if "for_not_followers" in asked and not await graph.is_following(
            session, from_account_id, account_id):
        found.append(asked["for_not_followers"])
    if "for_new_accounts" in asked and sender.created_at > utcnow() - NEW_ACCOUNT:
        found.append(asked["for_new_accounts"])
    if "for_private_mentions" in asked and not following and await _private_mention(
            session, account_id, type, post_id):
        found.append(asked["for_private_mentions"])
    # for_limited_accounts: Salon's moderators suspend, they do not limit; nothing to match.
    return "drop" if "drop" in found else "filter" if found else "accept"


async def _private_mention(session: AsyncSession, account_id: int, type: str,
                           post_id: int | None) -> bool:
    """A direct post mentioning them that does not answer one of theirs."""
    if type not in ("mention", "reply") or post_id is None:
        return False
    post = await session.get(Post, post_id)
    return (post is not None and post.visibility == Visibility.direct
            and post.in_reply_to_account_id != account_id)


async def keep_aside(session: AsyncSession, account_id: int, from_account_id: int,
                     post_id: int | None) -> None:
    """A filtered notification opens its sender's request, or brings it up to date."""
    request = await session.scalar(select(NotificationRequest).where(
        NotificationRequest.account_id == account_id,
        NotificationRequest.from_account_id == from_account_id))
    if request is None:
        session.add(NotificationRequest(account_id=account_id, from_account_id=from_account_id,
                                        last_post_id=post_id, updated_at=utcnow()))
    else:
        request.updated_at = utcnow()
        if post_id is not None:
            request.last_post_id = post_id
    await session.flush()


@dataclass
class RequestView:
    request: NotificationRequest
    from_account: Account
    notifications_count: int
    last_post: Post | None  # None where there is none, or the viewer may no longer see it

    @property
    def id(self) -> int:
        return self.request.id


def _pending(account_id: int) -> list[ColumnElement[bool]]:
    """Requests to show: none from an account they block or mute, nor a suspended one."""
    return [NotificationRequest.account_id == account_id,
            NotificationRequest.from_account_id.not_in(graph.hidden_author_ids(account_id)),
            NotificationRequest.from_account_id.not_in(accounts.suspended_ids())]


async def requests_page(session: AsyncSession, account_id: int, cursor: Cursor
                        ) -> Page[RequestView]:
    """A page of pending requests, newest first."""
    stmt = select(NotificationRequest).where(*_pending(account_id))
    rows = list(await session.scalars(cursor.apply(stmt, NotificationRequest.id)))
    rows.sort(key=lambda r: r.id, reverse=True)
    return Page.of(await _views(session, account_id, rows), [r.id for r in rows], cursor)


async def get_request(session: AsyncSession, account_id: int, request_id: int
                      ) -> RequestView | None:
    row = await session.scalar(select(NotificationRequest).where(
        NotificationRequest.id == request_id, *_pending(account_id)))
    views = await _views(session, account_id, [row] if row else [])
    return views[0] if views else None


async def _views(session: AsyncSession, account_id: int, rows: list[NotificationRequest]
                 ) -> list[RequestView]:
    """In a fixed number of queries; the last post only where they may still see it."""
    if not rows:
        return []
    senders = [r.from_account_id for r in rows]
    visible = await reading.visible(
        session, {r.last_post_id for r in rows if r.last_post_id}, account_id)
    counts = dict((await session.execute(
        select(Notification.from_account_id, func.count())
        .where(Notification.account_id == account_id, Notification.filtered.is_(True),
               Notification.from_account_id.in_(senders))
        .group_by(Notification.from_account_id))).all())
    people = await accounts.get_many(session, senders)
    return [RequestView(r, people[r.from_account_id], counts.get(r.from_account_id, 0),
                        visible.get(r.last_post_id) if r.last_post_id else None)
            for r in rows if r.from_account_id in people]


async def _senders(session: AsyncSession, account_id: int, request_ids: list[int]
                   ) -> list[int]:
    return list(await session.scalars(select(NotificationRequest.from_account_id).where(
        NotificationRequest.account_id == account_id, NotificationRequest.id.in_(request_ids))))


async def accept(session: AsyncSession, account_id: int, request_ids: list[int]) -> int:
    """Accept requests: their senders' notifications join the list, and later ones are never
    filtered. Answers how many requests were found."""
    senders = await _senders(session, account_id, request_ids)
    if not senders:
        return 0
    allowed = set(await session.scalars(select(NotificationPermission.from_account_id).where(
        NotificationPermission.account_id == account_id,
        NotificationPermission.from_account_id.in_(senders))))
    session.add_all(NotificationPermission(account_id=account_id, from_account_id=s)
                    for s in senders if s not in allowed)
    await session.execute(update(Notification).where(
        Notification.account_id == account_id, Notification.from_account_id.in_(senders),
        Notification.filtered.is_(True)).values(filtered=False))
    await session.execute(delete(NotificationRequest).where(
        NotificationRequest.account_id == account_id, NotificationRequest.id.in_(request_ids)))
    await session.flush()
    return len(senders)


async def dismiss(session: AsyncSession, account_id: int, request_ids: list[int]) -> int:
    """Dismiss requests: they and the notifications they held go (a later filtered
    notification opens a new one). Answers how many requests were found."""
    senders = await _senders(session, account_id, request_ids)
    if not senders:
        return 0
    await session.execute(delete(Notification).where(
        Notification.account_id == account_id, Notification.from_account_id.in_(senders),
        Notification.filtered.is_(True)))
    await session.execute(delete(NotificationRequest).where(
        NotificationRequest.account_id == account_id, NotificationRequest.id.in_(request_ids)))
    return len(senders)


async def summary(session: AsyncSession, account_id: int) -> dict[str, int]:
    requests = select(NotificationRequest.id).where(
        *_pending(account_id)).limit(SUMMARY_CAP).subquery()
    pending = select(Notification.id).where(
        Notification.account_id == account_id, Notification.filtered.is_(True),
        Notification.from_account_id.not_in(graph.hidden_author_ids(account_id)),
        Notification.from_account_id.not_in(accounts.suspended_ids()),
    ).limit(10_000).subquery()
    return {
        "pending_requests_count": int(
            await session.scalar(select(func.count()).select_from(requests)) or 0),
        "pending_notifications_count": int(
            await session.scalar(select(func.count()).select_from(pending)) or 0),
    }
