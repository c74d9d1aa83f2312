"""Fan-out on write, and keeping home timelines in step with follows and deletes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, and_, literal, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.events import service as events
from salon.graph import service as graph
from salon.graph.models import Follow
from salon.jobs import service as jobs
from salon.jobs.worker import handler
from salon.lists import service as lists
from salon.posts.models import Mention, Post, Visibility
from salon.posts.service import tag_names
from salon.posts.visibility import visible_to
from salon.settings import get_settings
from salon.tags import service as tags
from salon.timelines.store import timeline_store

BACKFILL = 40  # posts of a newly followed account copied into the follower's home
TRIM_EVERY = timedelta(minutes=30)
EDIT_REPOSTS = 200  # newest reposts of an edited post whose streams hear of the edit


def _recipients(post: Post, author: Account) -> Select[int] | None:
    """Who gets the post in their home, besides its author: followers (unless the author
    is too big to fan out, or it is direct; reposts only to those who show them), and
    those mentioned in a private or direct post, and followers of its hashtags."""
    recipients: list[Select[int]] = []
    if post.visibility != Visibility.direct and (
        author.followers_count <= get_settings().fanout_follower_limit
    ):
        followers = select(Follow.follower_id).where(Follow.followee_id == post.account_id)
        if post.reblog_of_id is not None:
            followers = followers.where(Follow.show_reposts.is_(True))
        recipients.append(followers)
    if post.visibility in (Visibility.direct, Visibility.private):
        recipients.append(select(Mention.account_id).where(Mention.post_id == post.id))
    if tags.reaches_tag_followers(post):
        # Followers of its hashtags (not those who block or mute the author); the union
        # makes one entry, and one live event, for someone who also follows the author.
        recipients.append(tags.followers_of_post(post.id, post.account_id))
    return select(union(*recipients).subquery().c[0]) if recipients else None


@handler("timelines.fanout")
async def fanout(session: AsyncSession, payload: dict[str, Any]) -> None:
    post = await session.get(Post, int(payload["post_id"]))
    if post is None:  # deleted before the job ran
        return
    author = await session.get(Account, post.account_id)
    if author is None:
        return
    # The author's own posts are merged into their home at read time, so not pushed here.
    audience: list[int] = [post.account_id]
    everyone = _recipients(post, author)
    if everyone is not None:
        await timeline_store().push(session, post.id, post.account_id, everyone)
        audience += list(await session.scalars(everyone))
    await _announce(session, post, audience, await tag_names(session, post.id))


@handler("timelines.edited")
async def edited(session: AsyncSession, payload: dict[str, Any]) -> None:
    """A `status.update` for the streams that carry an edited post (those its fan-out
    reached), and for those that carry a repost of it."""
    post = await session.get(Post, int(payload["post_id"]))
    if post is None:
        return
    tags = await tag_names(session, post.id)
    reposts = list(await session.scalars(
        select(Post).where(Post.reblog_of_id == post.id)
        .order_by(Post.id.desc()).limit(EDIT_REPOSTS)))
    for shown in (post, *reposts):
        author = await session.get(Account, shown.account_id)
        if author is None:
            continue
        audience: list[int] = [shown.account_id]
        everyone = _recipients(shown, author)
        if everyone is not None:
            audience += list(await session.scalars(everyone))
        await _announce(session, shown, audience, tags, "status.update")


async def _announce(session: AsyncSession, post: Post, audience: list[int], tags: list[str],
                    kind: str = "update") -> None:
    """Live events for the home and list streams the post reached, and for public and
    hashtag streams when it belongs there (listeners check visibility again). A home whose
    owner keeps the author in an exclusive list does not hear of it."""
    excluded = set(await session.scalars(lists.exclusive_owner_ids(post.account_id)))
    for account_id in set(audience) - excluded:
        events.publish(session, f"user:{account_id}", kind, post_id=post.id)
    for list_id in set(await session.scalars(lists.showing(post.id))):
        events.publish(session, f"list:{list_id}", kind, post_id=post.id)
    top_level = post.in_reply_to_account_id in (None, post.account_id)
    if post.visibility == Visibility.public and post.reblog_of_id is None and top_level:
        # The author comes along so listeners can drop posts of people they block or mute
        # without a query each (stream_render.py).
        for stream in ("public", "public:local"):
            events.publish(session, stream, kind, post_id=post.id,
                           author_id=post.account_id)
        for tag in tags:
            for stream in (f"hashtag:{tag}", f"hashtag:local:{tag}"):
                events.publish(session, stream, kind, post_id=post.id,
                               author_id=post.account_id)


@handler("timelines.follow")
async def backfill(session: AsyncSession, payload: dict[str, Any]) -> None:
    """After a follow, the followee's recent posts appear in the follower's home."""
    follower_id, followee_id = int(payload["follower_id"]), int(payload["followee_id"])
    follow = await session.scalar(select(Follow).where(
        Follow.follower_id == follower_id, Follow.followee_id == followee_id))
    if follow is None:  # unfollowed before the job ran
        return
    recent_posts = select(Post.id).where(
        Post.account_id == followee_id,
        visible_to(follower_id),
        Post.visibility != Visibility.direct,
    )
    if not follow.show_reposts:  # as fan-out does for this follower
        recent_posts = recent_posts.where(Post.reblog_of_id.is_(None))
    recent = await session.scalars(recent_posts.order_by(Post.id.desc()).limit(BACKFILL))
    store = timeline_store()
    for post_id in recent:
        await store.push(session, post_id, followee_id, select(literal(follower_id)))


@handler("timelines.unfollow")
async def unfollow(session: AsyncSession, payload: dict[str, Any]) -> None:
    await timeline_store().remove_author(
        session, int(payload["follower_id"]), int(payload["followee_id"])
    )


@handler("timelines.trim", recurring=True)
async def trim(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Recurring: cap every home timeline, then schedule the next run."""
    await timeline_store().trim(session, get_settings().home_timeline_size)
    jobs.enqueue(session, "timelines.trim", run_at=utcnow() + TRIM_EVERY)


@handler("timelines.rebuild")
async def rebuild(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Put back a home timeline the store dropped (its owner was away, or Redis lost it):
    the newest posts that fan-out would have brought, read from the database."""
    account_id = int(payload["account_id"])
    settings = get_settings()
    followed = select(Follow.followee_id).where(Follow.follower_id == account_id)
    fanned_out = select(Account.id).where(
        Account.id.in_(followed), Account.followers_count <= settings.fanout_follower_limit
    )
    with_reposts = followed.where(Follow.show_reposts.is_(True))
    mentioned = select(Mention.post_id).where(Mention.account_id == account_id)
    hiding = graph.hidden_author_ids(account_id)
    rows = await session.execute(
        select(Post.id, Post.account_id)
        .where(
            or_(
                and_(
                    Post.account_id.in_(fanned_out),
                    Post.visibility != Visibility.direct,
                    or_(Post.reblog_of_id.is_(None), Post.account_id.in_(with_reposts)),
                ),
                and_(
                    Post.visibility.in_((Visibility.direct, Visibility.private)),
                    Post.id.in_(mentioned),
                ),
                and_(  # as fan-out brings them to hashtag followers
                    Post.visibility == Visibility.public,
                    Post.reblog_of_id.is_(None),
                    Post.id.in_(tags.followed_posts(account_id)),
                    Post.account_id.not_in(hiding),
                ),
            ),
            Post.account_id != account_id,  # own posts are merged in at read
            visible_to(account_id),
        )
        .order_by(Post.id.desc())
        .limit(settings.home_timeline_size)
    )
    entries = [(int(r[0]), int(r[1])) for r in rows]
    await timeline_store().rebuild(session, account_id, entries)


@handler("timelines.remove_post")
async def remove_post(session: AsyncSession, payload: dict[str, Any]) -> None:
    """A deleted post (and its reposts) out of the homes it reached: the author's followers,
    and those it mentioned, noted when it was deleted (its mentions went with it)."""
    mentioned = [int(i) for i in payload.get("mentioned", [])]
    gone = [(int(payload["post_id"]), int(payload["author_id"]), mentioned)]
    gone += [(int(p), int(a), []) for p, a in payload.get("reposts", [])]
    store = timeline_store()
    for post_id, author_id, also in gone:
        followers = select(Follow.follower_id).where(Follow.followee_id == author_id)
        recipients = select(Account.id).where(or_(Account.id.in_(followers), Account.id.in_(also)))
        await store.remove_post(session, post_id, author_id, recipients)
