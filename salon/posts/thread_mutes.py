"""Muted threads (Mastodon's conversation mutes): an account that mutes a thread gets no
more notifications about its posts. A thread is known by its first post
(conversations.thread_of), found by walking `in_reply_to_id` up."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, exists, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from salon.accounts.models import Account
from salon.posts.conversations import MAX_DEPTH, thread_of
from salon.posts.models import ConversationMute, Post
from salon.posts.service import get_visible


async def _original(session: AsyncSession, post_id: int, viewer_id: int) -> Post:
    post = await get_visible(session, post_id, viewer_id)
    if post.reblog_of_id is not None:
        post = await get_visible(session, post.reblog_of_id, viewer_id)
    return post


async def mute(session: AsyncSession, account: Account, post_id: int) -> Post:
    """Mute the thread of a post the account may see (404 otherwise; a repost: the post
    it reposts); safe to repeat."""
    post = await _original(session, post_id, account.id)
    root = await thread_of(session, post)
    if not await session.scalar(select(exists().where(
            ConversationMute.account_id == account.id, ConversationMute.root_id == root))):
        session.add(ConversationMute(account_id=account.id, root_id=root))
        await session.flush()
    return post


async def unmute(session: AsyncSession, account: Account, post_id: int) -> Post:
    post = await _original(session, post_id, account.id)
    root = await thread_of(session, post)
    await session.execute(delete(ConversationMute).where(
        ConversationMute.account_id == account.id, ConversationMute.root_id == root))
    return post


async def has_any(session: AsyncSession, account_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(
        ConversationMute.account_id == account_id))))


async def roots(session: AsyncSession, ids: Collection[int]) -> dict[int, int]:
    """The first post of the thread of each of `ids` (itself for a post that replies to
    none), by post id: one recursive query for them all."""
    if not ids:
        return {}
    chain = select(Post.id.label("start"), Post.id, Post.in_reply_to_id,
                   literal(0).label("depth")).where(Post.id.in_(list(ids))).cte(
        "chain", recursive=True)
    parent = aliased(Post)
    chain = chain.union_all(
        select(chain.c.start, parent.id, parent.in_reply_to_id, chain.c.depth + 1)
        .where(parent.id == chain.c.in_reply_to_id, chain.c.depth < MAX_DEPTH))
    rows = await session.execute(select(chain.c.start, chain.c.id, chain.c.depth).where(
        or_(chain.c.in_reply_to_id.is_(None), chain.c.depth == MAX_DEPTH)))
    found: dict[int, tuple[int, int]] = {}
    for start, root, depth in rows:
        if start not in found or depth > found[start][1]:
            found[int(start)] = (int(root), int(depth))
    # A post whose parent was deleted mid-walk: the last one reached is its root.
    return {start: root for start, (root, _) in found.items()}


async def muted_ids(session: AsyncSession, account_id: int, ids: Collection[int]) -> set[int]:
    """Which of `ids` are in threads the account muted (no query past the first when it
    muted none)."""
    if not ids or not await has_any(session, account_id):
        return set()
    return await muted_among(session, account_id, ids)


async def muted_among(session: AsyncSession, account_id: int, ids: Collection[int]
                      ) -> set[int]:
    """As muted_ids, for a caller that knows the account muted some thread."""
    by_root = await roots(session, ids)
    if not by_root:
        return set()
    muted = set(await session.scalars(select(ConversationMute.root_id).where(
        ConversationMute.account_id == account_id,
        ConversationMute.root_id.in_(set(by_root.values())))))
    return {pid for pid, root in by_root.items() if root in muted}
