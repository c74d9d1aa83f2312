"""Statuses joined from kept parts (`rendered.statuses`) equal the entities built afresh
(`reading.present` + `render.statuses`) for every kind of post and every kind of viewer,
cold, warm and after each change that shows in a status; and a warm page costs fewer queries."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from PIL import Image
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.api.mastodon import render, rendered
from salon.db.session import Database
from salon.generation import posting
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.media import service as media
from salon.media.store import media_store
from salon.posts import interactions, reading
from salon.posts import service as posts
from salon.posts.models import Post
from salon.posts.schemas import PollSpec
from salon.settings import Settings
from tests.conftest import People
from tests.generation.helpers import generate


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class World:
    people: dict[str, Account]
    posts: dict[str, int]  # name -> post id
    picture: int  # media id of the captioned picture
    generated: int  # post id whose recipe shows


async def _world(session: AsyncSession, settings: Settings, people: People,
                 worker: Worker) -> World:
    who = {name: await people.make(name) for name in ("alice", "bob", "carol", "dave")}
    alice, bob, carol, dave = (who[n] for n in ("alice", "bob", "carol", "dave"))
    await graph.follow(session, bob.id, alice.id)
    await graph.follow(session, alice.id, bob.id)
    made: dict[str, Post] = {}
    made["plain"] = await posts.create_post(session, alice, "hello @dave #sunset")
    picture = await media.upload(session, settings, media_store(settings), alice.id, _png(),
                                 "p.png", "a red square")
    made["picture"] = await posts.create_post(session, alice, "look", media_ids=[picture.id])
    made["poll"] = await posts.create_post(session, alice, "which?",
                                           poll=PollSpec(["this", "that"], 3600))
    made["private"] = await posts.create_post(session, alice, "friends only",
                                              visibility="private")
    made["direct"] = await posts.create_post(session, alice, "psst @dave", visibility="direct")
    made["quote"] = await posts.create_post(session, alice, "see this",
                                            quote_of_id=made["plain"].id)
    made["quote2"] = await posts.create_post(session, bob, "and this",
                                             quote_of_id=made["quote"].id)
    made["carols"] = await posts.create_post(session, carol, "carol speaks")
    made["quotes_carol"] = await posts.create_post(session, alice, "carol said",
                                                   quote_of_id=made["carols"].id)
    made["reply"] = await posts.create_post(session, bob, "@alice yes",
                                            in_reply_to_id=made["plain"].id)
    await session.commit()
    pictures = await generate(session, settings, worker, alice, "a lighthouse", count=1)
    made["generated"] = await posts.create_post(session, alice, "made it",
                                                media_ids=[pictures[0].id])
    hidden = await generate(session, settings, worker, alice, "a secret", count=1)
    made["hidden_recipe"] = await posts.create_post(session, alice, "how? secret",
                                                    media_ids=[hidden[0].id], recipe_hidden=True)
    await session.commit()
    remix = await generate(session, settings, worker, bob, "a lighthouse at night", count=1,
                           remix_of_id=made["generated"].id)
    made["remix"] = await posts.create_post(session, bob, "my take", media_ids=[remix[0].id])
    made["repost"] = await interactions.repost(session, bob, made["plain"].id)
    made["repost_of_quote"] = await interactions.repost(session, bob, made["quote"].id)
    made["repost_of_carol"] = await interactions.repost(session, bob, made["carols"].id)
    await interactions.like(session, bob, made["plain"].id)
    await interactions.bookmark(session, bob, made["picture"].id)
    await interactions.pin(session, alice, made["plain"].id)
    await interactions.vote(session, bob, made["poll"].id, [1])
    await session.commit()
    await graph.block(session, carol.id, dave.id)  # carol's posts vanish for dave
    await session.commit()
    await worker.drain()
    return World(who, {k: p.id for k, p in made.items()}, picture.id, made["generated"].id)


async def _fresh_posts(db: Database, world: World) -> tuple[AsyncSession, list[Post]]:
    session = db.sessions()
    found = {p.id: p for p in await session.scalars(
        select(Post).where(Post.id.in_(world.posts.values())))}
    return session, [found[i] for i in sorted(found, reverse=True)]


VIEWERS = ["alice", "bob", "carol", "dave", None]


async def _check(db: Database, world: World, cache: rendered.RenderedStatuses,
                 settings: Settings) -> None:
    for name in VIEWERS:
        viewer = world.people[name].id if name else None
        for hidden in ((), {world.people["carol"].id}):
            session, page = await _fresh_posts(db, world)
            async with session:
                expected = await render.statuses(
                    session, await reading.present(session, page, viewer, hidden),
                    settings.base_url.rstrip("/"), viewer)
            session, page = await _fresh_posts(db, world)
            async with session:
                texts = await rendered.statuses(session, cache, page, viewer, hidden)
            got = [json.loads(t) for t in texts]
            assert [s["id"] for s in got] == [s["id"] for s in expected], (name, hidden)
            for mine, theirs in zip(got, expected, strict=True):
                assert mine == theirs, (name, hidden, _diff(mine, theirs))


def _diff(mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    return {k: (mine.get(k), theirs.get(k)) for k in mine.keys() | theirs.keys()
            if mine.get(k) != theirs.get(k)}


async def test_kept_parts_render_what_entities_render(
    session: AsyncSession, settings: Settings, people: People, worker: Worker, db: Database
) -> None:
    world = await _world(session, settings, people, worker)
    alice, bob, carol = (world.people[n] for n in ("alice", "bob", "carol"))
    for cache in (rendered.RenderedStatuses(settings.base_url.rstrip("/"), 10_000),
                  rendered.RenderedStatuses(settings.base_url.rstrip("/"), 3)):
        await _check(db, world, cache, settings)  # cold
        await _check(db, world, cache, settings)  # warm

    cache = rendered.RenderedStatuses(settings.base_url.rstrip("/"), 10_000)
    await _check(db, world, cache, settings)
    changes = [
        lambda s: interactions.like(s, carol, world.posts["picture"]),
        lambda s: posts.edit_post(s, alice, world.posts["plain"], "hello again #dawn"),
        lambda s: media.update_description(s, alice.id, world.picture, "a crimson square"),
        lambda s: posting.set_recipe_hidden(s, alice, world.generated, True),
        lambda s: accounts.update_profile(s, alice, display_name="Alice A."),
        lambda s: interactions.vote(s, carol, world.posts["poll"], [0]),
        lambda s: graph.follow(s, carol.id, alice.id),
        lambda s: interactions.unpin(s, alice, world.posts["plain"]),
        lambda s: interactions.unlike(s, bob, world.posts["plain"]),
        lambda s: posts.delete_post(s, alice, world.posts["quote"]),
        lambda s: graph.block(s, alice.id, carol.id),
    ]
    for change in changes:
        async with db.sessions() as s:
            # The change's own objects must be this session's.
            for name in ("alice", "bob", "carol"):
                world.people[name] = await s.get_one(Account, world.people[name].id)
            alice, bob, carol = (world.people[n] for n in ("alice", "bob", "carol"))
            await change(s)
            await s.commit()
        await worker.drain()
        await _check(db, world, cache, settings)  # a deleted post is simply not read


class Counter:
    def __init__(self, db: Database) -> None:
        self.n = 0
        self.db = db

    def __enter__(self) -> Counter:
        event.listen(self.db.engine.sync_engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.db.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.n += 1


async def test_a_warm_page_reads_only_posts_authors_and_flags(
    session: AsyncSession, settings: Settings, people: People, worker: Worker, db: Database
) -> None:
    world = await _world(session, settings, people, worker)
    cache = rendered.RenderedStatuses(settings.base_url.rstrip("/"), 10_000)
    viewer = world.people["bob"].id
    counts = []
    for _ in range(2):
        fresh, page = await _fresh_posts(db, world)
        async with fresh:
            with Counter(db) as counter:
                assert await rendered.statuses(fresh, cache, page, viewer)
            counts.append(counter.n)
    cold, warm = counts
    # Warm: reposted and quoted originals, authors, remix sources, the poll (with its
    # options; then the viewer's votes), the viewer's flags. Cold adds media, recipes,
    # mentions and the mentioned accounts.
    assert warm == 6, counts
    assert cold == warm + 4, counts
