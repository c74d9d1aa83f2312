"""No N+1: a page of a timeline costs the same number of queries whether it holds 5 posts or
40, with reposts, quotes, polls, media, likes and bookmarks in it."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.session import Database
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.media import service as media
from salon.media.store import media_store
from salon.posts import interactions
from salon.posts import service as posts
from salon.posts.models import Post
from salon.posts.schemas import PollSpec
from salon.settings import Settings
from salon.timelines import service as timelines
from salon.timelines.schemas import Cursor
from tests.conftest import People


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


class Counter:
    def __init__(self, db: Database) -> None:
        self.n = 0
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.n += 1


async def _world(session: AsyncSession, people: People, settings: Settings, n: int) -> int:
    reader = await people.make(f"reader{n}")
    authors = [await people.make(f"author{n}x{i}") for i in range(3)]
    for author in authors:
        await graph.follow(session, reader.id, author.id)
    store = media_store(settings)
    made: list[Post] = []
    for i in range(n):
        author = authors[i % 3]
        kind = i % 5
        if kind == 0:
            item = await media.upload(session, settings, store, author.id, _png(), "a.png", "alt")
            post = await posts.create_post(session, author, f"pic {i}", media_ids=[item.id])
        elif kind == 1 and made:
            post = await posts.create_post(session, author, f"quote {i}", quote_of_id=made[-1].id)
        elif kind == 2:
            post = await posts.create_post(session, author, f"poll {i}",
                                           poll=PollSpec(["a", "b"], 3600))
        elif kind == 3 and made:
            post = await interactions.repost(session, author, made[0].id)
        else:
            post = await posts.create_post(session, author, f"text {i} #tag")
        made.append(post)
        await interactions.like(session, reader, post.id)
        await interactions.bookmark(session, reader, post.id)
    await session.commit()
    return reader.id


async def test_home_page_query_count_does_not_grow_with_posts(
    session: AsyncSession, people: People, settings: Settings, db: Database, worker: Worker
) -> None:
    small = await _world(session, people, settings, 5)
    large = await _world(session, people, settings, 40)
    await worker.drain()
    counts = []
    for reader in (small, large):
        async with db.sessions() as s:
            counter = Counter(db)
            page = await timelines.home(s, settings, reader, Cursor(limit=40))
            counts.append(counter.n)
            event.remove(db.engine.sync_engine, "before_cursor_execute", counter._count)
        assert page.items
    assert counts[0] == counts[1], counts
    assert counts[1] <= 15, counts
