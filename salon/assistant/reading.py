"""What the assistant reads to answer: the question's thread as the asker sees it.

Everything here is read with the asker's visibility (posts.visibility.visible_to): a
followers-only or direct post they may not see, posts of people who blocked them or whom
they blocked, and hidden recipes (except their own) never reach an engine."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.assistant.engines.base import ContextPicture, ContextPost, Role

__all__ = ["Role", "ReaderTools", "ancestors", "context", "replies"]
from salon.generation import posting as generated
from salon.media import service as media
from salon.media.store import MediaStore
from salon.posts import search
from salon.posts.models import Post
from salon.posts.visibility import visible_to

MAX_ANCESTORS = 20
MAX_DEPTH = 50  # how deep a thread's replies are followed


async def ancestors(session: AsyncSession, post: Post, reader_id: int) -> list[Post]:
    """The posts `post` replies to, nearest first, while the reader may see them."""
    found: list[Post] = []
    parent_id = post.in_reply_to_id
    while parent_id is not None and len(found) < MAX_ANCESTORS:
        parent = await session.scalar(
            select(Post).where(Post.id == parent_id, visible_to(reader_id)))
        if parent is None:
            break  # the reader can't see further up: neither can the assistant
        found.append(parent)
        parent_id = parent.in_reply_to_id
    return found


async def replies(session: AsyncSession, root_id: int, reader_id: int, limit: int,
                  skip: Sequence[int]) -> tuple[list[Post], bool]:
    """Replies anywhere below `root_id` that the reader may see, oldest first, at most
    `limit` of them; and whether there were more."""
    tree = select(Post.id, literal(0).label("depth")).where(
        Post.in_reply_to_id == root_id).cte("tree", recursive=True)
    child = aliased(Post)
    tree = tree.union_all(select(child.id, tree.c.depth + 1).where(
        child.in_reply_to_id == tree.c.id, tree.c.depth < MAX_DEPTH))
    rows = list(await session.scalars(
        select(Post).where(Post.id.in_(select(tree.c.id)), Post.id.not_in(list(skip)),
                           visible_to(reader_id))
        .order_by(Post.id).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


async def context(session: AsyncSession, store: MediaStore, base_url: str,
                  posts: Sequence[tuple[Post, Role]], reader_id: int) -> list[ContextPost]:
    """The posts as an engine reads them, in a fixed number of queries: authors, pictures
    (alt text, address), recipes (hidden ones only for their author) and remix sources."""
    rows = [p for p, _ in posts]
    pictures = await media.for_posts(session, [p.id for p in rows])
    recipes = await generated.for_posts(session, rows, author_id=reader_id)
    sources = {p.remix_of_id for p in rows if p.remix_of_id}
    seen_sources = {s.id: s.account_id for s in await session.scalars(
        select(Post).where(Post.id.in_(sources), visible_to(reader_id)))} if sources else {}
    people = await accounts.get_many(
        session, {p.account_id for p in rows} | set(seen_sources.values()))
    found: list[ContextPost] = []
    for post, role in posts:
        author = people.get(post.account_id)
        made = recipes.get(post.id)
        shown: list[ContextPicture] = []
        for item in pictures.get(post.id, []):
            recipe = made.pictures.get(item.id) if made else None
            shown.append(ContextPicture(
                media_id=item.id, description=item.description or "",
                url=_absolute(base_url, media.url(store, item.file_key) or ""),
                recipe=recipe.as_dict() if recipe is not None else None,
                engine=made.engine if made else None,
                ai_generated=made.ai_generated if made else False))
        source_author = people.get(seen_sources.get(post.remix_of_id or 0, 0))
        found.append(ContextPost(
            id=post.id, author=_name(author), author_name=_shown(author), text=post.text,
            created_at=post.created_at, role=role, url=f"{base_url}/posts/{post.id}",
            spoiler_text=post.spoiler_text, likes=post.likes_count,
            reposts=post.reposts_count, replies=post.replies_count, pictures=tuple(shown),
            remix_of=post.remix_of_id if source_author else None,
            remix_of_author=source_author.username if source_author else None,
            bot=bool(author and author.bot)))
    return found


def _name(account: Account | None) -> str:
    return account.username if account else "unknown"


def _shown(account: Account | None) -> str:
    return (account.display_name or account.username) if account else "unknown"


def _absolute(base_url: str, address: str) -> str:
    return address if address.startswith(("http://", "https://")) or not address \
        else base_url.rstrip("/") + address


class ReaderTools:
    """The engine's tools (salon/assistant/engines/base.py Tools), read with the asker's
    visibility. Engines run in a thread: each call runs its query on the event loop that
    owns the session, which waits for the engine meanwhile (so the session is never used
    by two at once)."""

    def __init__(self, session: AsyncSession, store: MediaStore, base_url: str,
                 reader_id: int, loop: asyncio.AbstractEventLoop) -> None:
        self.session, self.store, self.base_url = session, store, base_url
        self.reader_id, self.loop = reader_id, loop
        self.shown: set[int] = set()  # the posts handed to the engine, for where to answer

    def search_posts(self, query: str, limit: int = 5) -> list[ContextPost]:
        return asyncio.run_coroutine_threadsafe(self._search(query, limit), self.loop).result()

    def read_recipe(self, post_id: int) -> list[ContextPicture]:
        return asyncio.run_coroutine_threadsafe(self._recipe(post_id), self.loop).result()

    async def _search(self, query: str, limit: int) -> list[ContextPost]:
        found = await search.posts(self.session, query[:200], self.reader_id,
                                   limit=max(1, min(limit, 10)))
        self.shown.update(p.id for p in found)
        return await context(self.session, self.store, self.base_url,
                             [(p, "reply") for p in found], self.reader_id)

    async def _recipe(self, post_id: int) -> list[ContextPicture]:
        post = await self.session.scalar(
            select(Post).where(Post.id == post_id, visible_to(self.reader_id)))
        if post is None:
            return []
        self.shown.add(post.id)
        read = await context(self.session, self.store, self.base_url, [(post, "reply")],
                             self.reader_id)
        return list(read[0].pictures)
