"""What people do to others' posts: like, repost, bookmark, vote in a poll."""

from __future__ import annotations

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.errors import Invalid
from salon.jobs import service as jobs
from salon.posts.models import Bookmark, Like, Pin, Poll, PollOption, PollVote, Post
from salon.posts.service import _bump, get_visible
from salon.posts.visibility import OPEN


async def _original(session: AsyncSession, post_id: int, viewer_id: int) -> Post:
    """Acting on a repost acts on the post it reposts, as on Mastodon."""
    post = await get_visible(session, post_id, viewer_id)
    if post.reblog_of_id is not None:
        post = await get_visible(session, post.reblog_of_id, viewer_id)
    return post


def _notify(session: AsyncSession, kind: str, to: int, by: int, post_id: int) -> None:
    if to != by:
        jobs.enqueue(
            session,
            "notifications.notify",
            {"type": kind, "account_id": to, "from_account_id": by, "post_id": post_id},
        )


async def like(session: AsyncSession, account: Account, post_id: int) -> Post:
    post = await _original(session, post_id, account.id)
    if not await session.scalar(
        select(exists().where(Like.account_id == account.id, Like.post_id == post.id))
    ):
        session.add(Like(account_id=account.id, post_id=post.id))
        await session.flush()
        await _bump(session, post.id, "likes_count", 1)
        _notify(session, "favourite", post.account_id, account.id, post.id)
    return post


async def unlike(session: AsyncSession, account: Account, post_id: int) -> Post:
    post = await _original(session, post_id, account.id)
    result = await session.execute(
        delete(Like).where(Like.account_id == account.id, Like.post_id == post.id)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        await _bump(session, post.id, "likes_count", -1)
    return post


async def bookmark(session: AsyncSession, account: Account, post_id: int) -> Post:
    post = await _original(session, post_id, account.id)
    if not await session.scalar(
        select(exists().where(Bookmark.account_id == account.id, Bookmark.post_id == post.id))
    ):
        session.add(Bookmark(account_id=account.id, post_id=post.id))
        await session.flush()
    return post


async def unbookmark(session: AsyncSession, account: Account, post_id: int) -> Post:
    post = await _original(session, post_id, account.id)
    await session.execute(
        delete(Bookmark).where(Bookmark.account_id == account.id, Bookmark.post_id == post.id)
    )
    return post


async def repost(session: AsyncSession, account: Account, post_id: int) -> Post:
    """Repost; returns the repost row (existing one if already reposted)."""
    post = await _original(session, post_id, account.id)
    if post.visibility not in OPEN:
        raise Invalid("Only public and unlisted posts can be reposted.")
    existing = await session.scalar(
        select(Post).where(Post.account_id == account.id, Post.reblog_of_id == post.id)
    )
    if existing is not None:
        return existing
    row = Post(account_id=account.id, reblog_of_id=post.id, visibility=post.visibility)
    session.add(row)
    await session.flush()
    await _bump(session, post.id, "reposts_count", 1)
    await accounts.add_to_counter(session, account.id, "posts_count", 1)
    jobs.enqueue(session, "timelines.fanout", {"post_id": row.id})
    _notify(session, "reblog", post.account_id, account.id, post.id)
    return row


async def unrepost(session: AsyncSession, account: Account, post_id: int) -> Post:
    from salon.posts.service import remove

    post = await _original(session, post_id, account.id)
    existing = await session.scalar(
        select(Post).where(Post.account_id == account.id, Post.reblog_of_id == post.id)
    )
    if existing is not None:
        await remove(session, existing)
    return post


async def vote(session: AsyncSession, account: Account, post_id: int, choices: list[int]) -> Poll:
    post = await _original(session, post_id, account.id)
    poll = await session.scalar(select(Poll).where(Poll.post_id == post.id))
    if poll is None:
        raise Invalid("This post has no poll.")
    if poll.expires_at <= utcnow():
        raise Invalid("This poll has ended.")
    if post.account_id == account.id:
        raise Invalid("You cannot vote in your own poll.")
    choices = sorted(set(choices))
    count = (
        await session.scalar(
            select(func.count()).select_from(PollOption).where(PollOption.poll_id == poll.id)
        )
        or 0
    )
    if not choices or any(c < 0 or c >= count for c in choices):
        raise Invalid(f"Choose one of the {count} options.")
    if len(choices) > 1 and not poll.multiple:
        raise Invalid("This poll allows only one choice.")
    if await session.scalar(
        select(exists().where(PollVote.poll_id == poll.id, PollVote.account_id == account.id))
    ):
        raise Invalid("You have already voted in this poll.")
    for position in choices:
        session.add(PollVote(poll_id=poll.id, account_id=account.id, position=position))
        await session.execute(
            update(PollOption)
            .where(PollOption.poll_id == poll.id, PollOption.position == position)
            .values(votes_count=PollOption.votes_count + 1)
        )
    poll.voters_count += 1
    await session.flush()
    return poll


async def poll_voters(session: AsyncSession, poll_id: int) -> list[int]:
    rows = await session.scalars(
        select(PollVote.account_id).where(PollVote.poll_id == poll_id).distinct()
    )
    return list(rows)


async def poll_post_id(session: AsyncSession, poll_id: int) -> int | None:
    """The post a poll belongs to (clients address polls by the poll's own id)."""
    return await session.scalar(select(Poll.post_id).where(Poll.id == poll_id))


async def likers(session: AsyncSession, post_id: int, viewer_id: int | None,
                 limit: int = 40) -> list[int]:
    """Accounts that liked a post the viewer may see, most recent first."""
    post = await get_visible(session, post_id, viewer_id)
    rows = await session.scalars(
        select(Like.account_id).where(Like.post_id == post.id).order_by(Like.id.desc())
        .limit(limit)
    )
    return list(rows)


async def reposters(session: AsyncSession, post_id: int, viewer_id: int | None,
                    limit: int = 40) -> list[int]:
    """Accounts that reposted a post the viewer may see, most recent first."""
    post = await get_visible(session, post_id, viewer_id)
    rows = await session.scalars(
        select(Post.account_id).where(Post.reblog_of_id == post.id).order_by(Post.id.desc())
        .limit(limit)
    )
    return list(rows)


MAX_PINS = 5


async def pin(session: AsyncSession, account: Account, post_id: int) -> Post:
    """Pin one's own post to the top of one's profile (at most five)."""
    post = await get_visible(session, post_id, account.id)
    if post.account_id != account.id or post.reblog_of_id is not None:
        raise Invalid("You can only pin your own posts.")
    if post.visibility == "direct":
        raise Invalid("Direct posts cannot be pinned.")
    pinned = list(await session.scalars(select(Pin.post_id).where(Pin.account_id == account.id)))
    if post.id not in pinned:
        if len(pinned) >= MAX_PINS:
            raise Invalid(f"You can pin at most {MAX_PINS} posts; unpin one first.")
        session.add(Pin(account_id=account.id, post_id=post.id))
        await session.flush()
    return post


async def unpin(session: AsyncSession, account: Account, post_id: int) -> Post:
    post = await get_visible(session, post_id, account.id)
    await session.execute(delete(Pin).where(Pin.account_id == account.id, Pin.post_id == post.id))
    return post


async def pinned_posts(session: AsyncSession, account_id: int, viewer_id: int | None
                       ) -> list[Post]:
    """The account's pinned posts the viewer may see, most recently pinned first."""
    from salon.posts.visibility import visible_to

    rows = await session.scalars(
        select(Post).join(Pin, Pin.post_id == Post.id)
        .where(Pin.account_id == account_id, visible_to(viewer_id))
        .order_by(Pin.created_at.desc())
    )
    return list(rows)
