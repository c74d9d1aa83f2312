"""Follow, block and mute, and the questions other domains ask about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    delete,
    exists,
    func,
    or_,
    select,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.db.ids import IdArg, utcnow
from salon.errors import Forbidden, Invalid
from salon.graph.models import (
    AccountNote,
    Block,
    Endorsement,
    Follow,
    FollowRequest,
    Mute,
    SuggestionDismissal,
)
from salon.jobs import service as jobs
from salon.lists.models import AccountList, ListMember
from salon.notifications.models import Notification, NotificationType

NOTE_MAX = 2000  # characters of a private note, as Mastodon
MUTE_MAX_SECONDS = 10 * 365 * 24 * 3600  # longer reads as a mistake, not "ten years"


@dataclass
class Relationship:
    following: bool = False
    followed_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    showing_reposts: bool = False
    notifying: bool = False
    requested: bool = False
    requested_by: bool = False
    endorsed: bool = False
    note: str = ""


def active_mute() -> ColumnElement[bool]:
    """A mute still in force: expired ones are ignored everywhere before they are swept
    (`graph.expire_mutes`). The database's clock, so statements built once stay right."""
    return or_(Mute.expires_at.is_(None), Mute.expires_at > func.now())


async def follow(
    session: AsyncSession, follower_id: int, followee_id: int, *, reposts: bool | None = None,
    notify: bool | None = None,
) -> bool:
    """Follow; True if this is a new follow (so a notification is due). `reposts` False
    keeps the followee's reposts out of the follower's home (None leaves it as it is). A
    locked account is asked instead: a pending FollowRequest, which gives no access."""
    if follower_id == followee_id:
        raise Invalid("You cannot follow yourself.")
    target = await accounts.get(session, followee_id)
    if await is_blocked_either_way(session, follower_id, followee_id):
        raise Forbidden("You cannot follow this account.")
    existing = await session.scalar(
        select(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
    )
    if existing is not None:
        if reposts is not None:
            existing.show_reposts = reposts
        if notify is not None:
            existing.notify = notify
        return False
    if target.locked:
        await _request(session, follower_id, followee_id, reposts, notify)
        return False
    await start_following(session, follower_id, followee_id,
                          reposts=True if reposts is None else reposts, notify=bool(notify))
    return True


async def start_following(session: AsyncSession, follower_id: int, followee_id: int, *,
                          reposts: bool, notify: bool) -> None:
    """The follow itself: counters, the followee's posts into the follower's home, and the
    followee told. Callers have checked blocks and locks."""
    session.add(Follow(follower_id=follower_id, followee_id=followee_id,
                       show_reposts=reposts, notify=notify))
    await accounts.add_to_counter(session, follower_id, "following_count", 1)
    await accounts.add_to_counter(session, followee_id, "followers_count", 1)
    await session.flush()
    pair = {"follower_id": follower_id, "followee_id": followee_id}
    jobs.enqueue(session, "timelines.follow", pair)
    jobs.enqueue(
        session,
        "notifications.notify",
        {"type": "follow", "account_id": followee_id, "from_account_id": follower_id},
    )


async def _request(session: AsyncSession, account_id: int, target_id: int,
                   reposts: bool | None, notify: bool | None) -> None:
    from salon.notifications.service import notify as tell

    found = await session.scalar(select(FollowRequest).where(
        FollowRequest.account_id == account_id, FollowRequest.target_id == target_id))
    if found is not None:
        if reposts is not None:
            found.show_reposts = reposts
        if notify is not None:
            found.notify = notify
        return
    session.add(FollowRequest(account_id=account_id, target_id=target_id,
                              show_reposts=True if reposts is None else reposts,
                              notify=bool(notify)))
    await session.flush()
    # At once, not by job: the notification must not outlive a request resolved first.
    await tell(session, NotificationType.follow_request, target_id, account_id)


async def withdraw_request(session: AsyncSession, account_id: int, target_id: int
                           ) -> FollowRequest | None:
    """Remove a pending request (cancelled, authorized or rejected) and its notification;
    the request as it was, or None if there was none."""
    found = await session.scalar(select(FollowRequest).where(
        FollowRequest.account_id == account_id, FollowRequest.target_id == target_id))
    if found is None:
        return None
    await session.delete(found)
    await session.execute(delete(Notification).where(
        Notification.account_id == target_id, Notification.from_account_id == account_id,
        Notification.type == NotificationType.follow_request))
    await session.flush()
    return found


async def unfollow(session: AsyncSession, follower_id: int, followee_id: int) -> bool:
    """End a follow, or cancel a pending request; the follower's home loses the followee's
    posts, and the followee no longer features the follower."""
    await withdraw_request(session, follower_id, followee_id)
    await session.execute(delete(Endorsement).where(
        Endorsement.account_id == follower_id, Endorsement.target_id == followee_id))
    result = await session.execute(
        delete(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        await accounts.add_to_counter(session, follower_id, "following_count", -1)
        await accounts.add_to_counter(session, followee_id, "followers_count", -1)
        jobs.enqueue(
            session, "timelines.unfollow", {"follower_id": follower_id, "followee_id": followee_id}
        )
        # Lists hold only followed accounts: the followee leaves the follower's, as Mastodon.
        await session.execute(delete(ListMember).where(
            ListMember.account_id == followee_id,
            ListMember.list_id.in_(select(AccountList.id)
                                   .where(AccountList.account_id == follower_id))))
        return True
    return False


async def block(session: AsyncSession, account_id: int, target_id: int) -> None:
    """Block: also removes follows both ways, as on Mastodon."""
    if account_id == target_id:
        raise Invalid("You cannot block yourself.")
    await accounts.get(session, target_id)
    await unfollow(session, account_id, target_id)  # pending requests go too
    await unfollow(session, target_id, account_id)
    if not await session.scalar(
        select(exists().where(Block.account_id == account_id, Block.target_id == target_id))
    ):
        session.add(Block(account_id=account_id, target_id=target_id))
        await session.flush()


async def unblock(session: AsyncSession, account_id: int, target_id: int) -> None:
    await session.execute(
        delete(Block).where(Block.account_id == account_id, Block.target_id == target_id)
    )


async def mute(session: AsyncSession, account_id: int, target_id: int, *,
               notifications: bool = True, duration: int = 0) -> None:
    """Mute (again: the new options replace the old). `duration` seconds, 0: for good."""
    if account_id == target_id:
        raise Invalid("You cannot mute yourself.")
    if not 0 <= duration <= MUTE_MAX_SECONDS:
        raise Invalid(f"duration must be from 0 to {MUTE_MAX_SECONDS} seconds.", "duration")
    await accounts.get(session, target_id)
    expires = utcnow() + timedelta(seconds=duration) if duration else None
    found = await session.scalar(
        select(Mute).where(Mute.account_id == account_id, Mute.target_id == target_id))
    if found is None:
        session.add(Mute(account_id=account_id, target_id=target_id,
                         notifications=notifications, expires_at=expires))
    else:
        found.notifications, found.expires_at = notifications, expires
    await session.flush()


async def mute_ends(session: AsyncSession, account_id: int, target_ids: list[int]
                    ) -> dict[int, datetime]:
    """When `account_id`'s mutes of these accounts end (those that do)."""
    rows = await session.execute(select(Mute.target_id, Mute.expires_at).where(
        Mute.account_id == account_id, Mute.target_id.in_(target_ids),
        Mute.expires_at.is_not(None)))
    return {t: at for t, at in rows if at is not None}


async def expire_mutes(session: AsyncSession, limit: int = 1000) -> int:
    """Delete mutes that have ended (already ignored everywhere); how many went."""
    ended = select(Mute.id).where(Mute.expires_at <= func.now()).limit(limit)
    result = await session.execute(delete(Mute).where(Mute.id.in_(ended)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def unmute(session: AsyncSession, account_id: int, target_id: int) -> None:
    await session.execute(
        delete(Mute).where(Mute.account_id == account_id, Mute.target_id == target_id)
    )


async def relationship(session: AsyncSession, viewer_id: int, other_id: int) -> Relationship:
    return (await relationships(session, viewer_id, [other_id]))[other_id]


async def relationships(
    session: AsyncSession, viewer_id: int, other_ids: list[int]
) -> dict[int, Relationship]:
    """Relationships to many accounts in a fixed number of queries, whatever their number."""
    result = {i: Relationship() for i in other_ids}
    if not other_ids:
        return result
    for i, reposts, notify in await session.execute(
        select(Follow.followee_id, Follow.show_reposts, Follow.notify).where(
            Follow.follower_id == viewer_id, Follow.followee_id.in_(other_ids)
        )
    ):
        result[i].following = True
        result[i].showing_reposts, result[i].notifying = reposts, notify
    for (i,) in await session.execute(
        select(Follow.follower_id).where(
            Follow.followee_id == viewer_id, Follow.follower_id.in_(other_ids)
        )
    ):
        result[i].followed_by = True
    for a, t in await session.execute(
        select(Block.account_id, Block.target_id).where(
            or_(
                (Block.account_id == viewer_id) & Block.target_id.in_(other_ids),
                (Block.target_id == viewer_id) & Block.account_id.in_(other_ids),
            )
        )
    ):
        if a == viewer_id:
            result[t].blocking = True
        else:
            result[a].blocked_by = True
    for i, quiet in await session.execute(
        select(Mute.target_id, Mute.notifications).where(
            Mute.account_id == viewer_id, Mute.target_id.in_(other_ids), active_mute())
    ):
        result[i].muting, result[i].muting_notifications = True, quiet
    for a, t, reposts, notify in await session.execute(
        select(FollowRequest.account_id, FollowRequest.target_id, FollowRequest.show_reposts,
               FollowRequest.notify).where(
            or_(
                (FollowRequest.account_id == viewer_id) & FollowRequest.target_id.in_(other_ids),
                (FollowRequest.target_id == viewer_id) & FollowRequest.account_id.in_(other_ids),
            )
        )
    ):
        if a == viewer_id:
            # As Mastodon: a request shows the options the follow will have.
            result[t].requested = True
            result[t].showing_reposts, result[t].notifying = reposts, notify
        else:
            result[a].requested_by = True
    for (i,) in await session.execute(
        select(Endorsement.target_id).where(
            Endorsement.account_id == viewer_id, Endorsement.target_id.in_(other_ids))
    ):
        result[i].endorsed = True
    for i, comment in await session.execute(
        select(AccountNote.target_id, AccountNote.comment).where(
            AccountNote.account_id == viewer_id, AccountNote.target_id.in_(other_ids))
    ):
        result[i].note = comment
    return result


async def is_blocked_either_way(session: AsyncSession, a: int, b: int) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    or_(
                        (Block.account_id == a) & (Block.target_id == b),
                        (Block.account_id == b) & (Block.target_id == a),
                    )
                )
            )
        )
    )


async def is_following(session: AsyncSession, follower_id: int, followee_id: int) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
            )
        )
    )


# Subqueries other domains filter with, so reads stay one query (no N+1).


def followed_ids(account_id: IdArg) -> Select[int]:
    return select(Follow.followee_id).where(Follow.follower_id == account_id)


def notified_follower_ids(account_id: int) -> Select[int]:
    """Followers who asked to hear whenever this account posts."""
    return select(Follow.follower_id).where(Follow.followee_id == account_id,
                                            Follow.notify.is_(True))


def follower_ids(account_id: int) -> Select[int]:
    return select(Follow.follower_id).where(Follow.followee_id == account_id)


def hidden_author_ids(viewer_id: IdArg) -> CompoundSelect:
    """Accounts whose posts the viewer must not see: blocked either way, or muted."""
    return union(
        select(Block.target_id).where(Block.account_id == viewer_id),
        select(Block.account_id).where(Block.target_id == viewer_id),
        select(Mute.target_id).where(Mute.account_id == viewer_id, active_mute()),
    )


def notification_hidden_ids(viewer_id: IdArg) -> CompoundSelect:
    """Accounts whose notifications the viewer must not get: blocked either way, or muted
    with their notifications (a mute with `notifications` false hides only their posts)."""
    return union(
        select(Block.target_id).where(Block.account_id == viewer_id),
        select(Block.account_id).where(Block.target_id == viewer_id),
        select(Mute.target_id).where(Mute.account_id == viewer_id, Mute.notifications.is_(True),
                                     active_mute()),
    )


def hiding_ids(author_id: IdArg) -> CompoundSelect:
    """Accounts that must not be shown the author's posts: the reverse of
    `hidden_author_ids` (they block or mute the author, or the author blocks them)."""
    return union(
        select(Block.account_id).where(Block.target_id == author_id),
        select(Block.target_id).where(Block.account_id == author_id),
        select(Mute.account_id).where(Mute.target_id == author_id),
    )


def blocking_ids(viewer_id: IdArg) -> CompoundSelect:
    """Accounts blocked either way (mutes hide posts from feeds and replies in threads, but
    a muted account's post can still be opened)."""
    return union(
        select(Block.target_id).where(Block.account_id == viewer_id),
        select(Block.account_id).where(Block.target_id == viewer_id),
    )


def not_suggestable_ids(viewer_id: int) -> CompoundSelect:
    """Accounts not to suggest following: already followed or asked to, blocked either way,
    muted, or dismissed from the suggestions."""
    # One flat UNION: SQLite does not accept a parenthesised compound select inside one.
    return union(followed_ids(viewer_id), *hidden_author_ids(viewer_id).selects,
                 select(FollowRequest.target_id).where(FollowRequest.account_id == viewer_id),
                 select(SuggestionDismissal.target_id)
                 .where(SuggestionDismissal.account_id == viewer_id))


async def dismiss_suggestion(session: AsyncSession, viewer_id: int, target_id: int) -> None:
    """Suggest the account to the viewer no more (safe to repeat)."""
    if not await session.scalar(select(exists().where(
            SuggestionDismissal.account_id == viewer_id,
            SuggestionDismissal.target_id == target_id))):
        session.add(SuggestionDismissal(account_id=viewer_id, target_id=target_id))
        await session.flush()


async def list_follows(
    session: AsyncSession,
    account_id: int,
    *,
    followers: bool,
    max_id: int | None = None,
    limit: int = 40,
) -> list[tuple[int, int]]:
    """(follow id, account id) pairs, newest first, paged by follow id."""
    other = Follow.follower_id if followers else Follow.followee_id
    mine = Follow.followee_id if followers else Follow.follower_id
    query = select(Follow.id, other).where(mine == account_id)
    if max_id is not None:
        query = query.where(Follow.id < max_id)
    rows = await session.execute(query.order_by(Follow.id.desc()).limit(limit))
    return [(r[0], r[1]) for r in rows]


async def familiar_followers(session: AsyncSession, viewer_id: int, account_id: int,
                             limit: int = 40) -> list[int]:
    """Followers of `account_id` whom the viewer follows."""
    rows = await session.scalars(
        select(Follow.follower_id).where(
            Follow.followee_id == account_id,
            Follow.follower_id.in_(followed_ids(viewer_id)),
        ).limit(limit)
    )
    return list(rows)


async def list_blocked_or_muted(
    session: AsyncSession, account_id: int, *, muted: bool, max_id: int | None = None,
    limit: int = 40,
) -> list[tuple[int, int]]:
    """(row id, account id) pairs of accounts blocked (or muted), newest first."""
    model = Mute if muted else Block
    query = select(model.id, model.target_id).where(model.account_id == account_id)
    if muted:
        query = query.where(active_mute())
    if max_id is not None:
        query = query.where(model.id < max_id)
    rows = await session.execute(query.order_by(model.id.desc()).limit(limit))
    return [(r[0], r[1]) for r in rows]
