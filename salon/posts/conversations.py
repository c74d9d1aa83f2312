"""Conversations of direct posts, as Mastodon's: each participant has their own row per
thread and set of people (the thread's first post, and the other participants), with the
last post and whether it is unread. A new direct post moves it to the top, unread for all
but its author, and is announced on each participant's `direct` stream."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from salon.errors import NotFound
from salon.events import service as events
from salon.graph import service as graph
from salon.posts.models import Conversation, ConversationPost, Mention, Post
from salon.posts.visibility import visible_ids, visible_to
from salon.timelines.schemas import Cursor, Page

JOB = "posts.conversation"
MAX_DEPTH = 1000  # replies followed up to the thread's first post at most


def stream(account_id: int) -> str:
    return f"direct:{account_id}"


async def thread_of(session: AsyncSession, post: Post) -> int:
    """The id of the first post of the thread `post` is in (itself if it replies to none)."""
    if post.in_reply_to_id is None:
        return post.id
    chain = select(Post.id, Post.in_reply_to_id, literal(0).label("depth")).where(
        Post.id == post.in_reply_to_id).cte("chain", recursive=True)
    parent = aliased(Post)
    chain = chain.union_all(
        select(parent.id, parent.in_reply_to_id, chain.c.depth + 1)
        .where(parent.id == chain.c.in_reply_to_id, chain.c.depth < MAX_DEPTH))
    root = await session.scalar(select(chain.c.id).order_by(chain.c.depth.desc()).limit(1))
    return int(root) if root is not None else post.id


async def add_post(session: AsyncSession, post: Post) -> None:
    """File a direct post in its participants' conversations (safe to run twice)."""
    mentioned = set(await session.scalars(
        select(Mention.account_id).where(Mention.post_id == post.id)))
    people = mentioned | {post.account_id}
    thread = await thread_of(session, post)
    for account_id in sorted(people):
        if account_id != post.account_id:
            hidden = set(await session.scalars(graph.hidden_author_ids(account_id)))
            if post.account_id in hidden or not await visible_ids(session, account_id,
                                                                  [post.id]):
                continue  # blocked either way, muted, or suspended: no conversation
        key = ",".join(str(i) for i in sorted(people - {account_id}))
        found = await session.scalar(select(Conversation).where(
            Conversation.account_id == account_id, Conversation.thread_id == thread,
            Conversation.participants == key))
        if found is None:
            found = Conversation(account_id=account_id, thread_id=thread, participants=key)
            session.add(found)
            await session.flush()
        if found.last_post_id is None or found.last_post_id < post.id:
            found.last_post_id = post.id
            found.unread = account_id != post.account_id
        if await session.get(ConversationPost, (found.id, post.id)) is None:
            session.add(ConversationPost(conversation_id=found.id, post_id=post.id))
        await session.flush()
        events.publish(session, stream(account_id), "conversation", conversation_id=found.id)


async def of_post(session: AsyncSession, post_id: int) -> list[int]:
    return list(await session.scalars(
        select(ConversationPost.conversation_id).where(ConversationPost.post_id == post_id)))


async def forget_post(session: AsyncSession, conversation_ids: Sequence[int]) -> None:
    """After a post is deleted: each of its conversations shows its last post left, or goes
    when none is."""
    for conversation_id in conversation_ids:
        last = await session.scalar(select(func.max(ConversationPost.post_id)).where(
            ConversationPost.conversation_id == conversation_id))
        if last is None:
            await session.execute(delete(Conversation).where(Conversation.id == conversation_id))
        else:
            found = await session.get(Conversation, conversation_id)
            if found is not None:
                found.last_post_id = int(last)


async def page(session: AsyncSession, account_id: int, cursor: Cursor
               ) -> Page[tuple[Conversation, Post]]:
    """The account's conversations whose last post it may still see, most recent first,
    paged by the last post's id."""
    query = (select(Conversation, Post).join(Post, Post.id == Conversation.last_post_id)
             .where(Conversation.account_id == account_id, visible_to(account_id)))
    rows = [(c, p) for c, p in await session.execute(
        cursor.apply(query, Conversation.last_post_id))]
    if cursor.ascending:
        rows.reverse()
    return Page.of(rows, [p.id for _, p in rows], cursor)


async def get_own(session: AsyncSession, account_id: int, conversation_id: int
                  ) -> tuple[Conversation, Post | None]:
    found = await session.get(Conversation, conversation_id)
    if found is None or found.account_id != account_id:
        raise NotFound("Record not found")
    post = None
    if found.last_post_id is not None:
        post = await session.scalar(select(Post).where(Post.id == found.last_post_id,
                                                       visible_to(account_id)))
    return found, post


async def mark_read(session: AsyncSession, account_id: int, conversation_id: int
                    ) -> tuple[Conversation, Post | None]:
    found, post = await get_own(session, account_id, conversation_id)
    found.unread = False
    await session.flush()
    return found, post


async def remove(session: AsyncSession, account_id: int, conversation_id: int) -> None:
    """Gone from this participant's list only (a later post brings it back)."""
    found, _ = await get_own(session, account_id, conversation_id)
    await session.delete(found)
    await session.flush()
