"""Who sees what through a feed from a sentence: only public posts, never one hidden from the
reader (the visibility matrix), never a hidden recipe's prompt; a private feed is its
owner's alone (404 to anyone else), and following and pinning as tabs."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.errors import Forbidden, Invalid, NotFound
from salon.feeds import sentences
from salon.feeds.models import FeedFollow
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.posts import interactions
from salon.posts import service as posts
from salon.settings import Settings
from salon.timelines.schemas import Cursor
from tests.conftest import People
from tests.generation.helpers import generate

SENTENCE = "watercolor animals in snow"
MATCHING = "a fox painted in watercolour on a snowy hill"


async def test_only_public_posts_the_reader_may_see_match(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    ada, bob, cy, dan, eve, fay, gil = [
        await people.make(n) for n in ("ada", "bob", "cy", "dan", "eve", "fay", "gil")]
    await graph.follow(session, bob.id, ada.id)
    shown_picture = await generate(session, settings, worker, ada, MATCHING, count=1)
    hidden_picture = await generate(session, settings, worker, ada, MATCHING, count=1)
    made = {
        "public": await posts.create_post(session, ada, MATCHING),
        "prompt shown": await posts.create_post(session, ada, "look",
                                                media_ids=[shown_picture[0].id]),
        "prompt hidden": await posts.create_post(session, ada, "look",
                                                 media_ids=[hidden_picture[0].id],
                                                 recipe_hidden=True),
        "unlisted": await posts.create_post(session, ada, MATCHING + " (u)",
                                            visibility="unlisted"),
        "followers-only": await posts.create_post(session, ada, MATCHING + " (f)",
                                                  visibility="private"),
        "direct": await posts.create_post(session, ada, "@bob " + MATCHING,
                                          visibility="direct"),
        "blocked by the reader": await posts.create_post(session, cy, MATCHING + " (c)"),
        "blocking the reader": await posts.create_post(session, dan, MATCHING + " (d)"),
        "muted": await posts.create_post(session, eve, MATCHING + " (e)"),
        "suspended": await posts.create_post(session, fay, MATCHING + " (s)"),
        "deleted": await posts.create_post(session, gil, MATCHING + " (x)"),
    }
    made["reply to another"] = await posts.create_post(
        session, gil, MATCHING + " (r)", in_reply_to_id=made["public"].id)
    await session.commit()
    await worker.drain()
    await interactions.repost(session, gil, made["public"].id)
    await posts.delete_post(session, gil, made["deleted"].id)
    await graph.block(session, bob.id, cy.id)
    await graph.block(session, dan.id, bob.id)
    await graph.mute(session, bob.id, eve.id)
    await accounts.suspend(session, fay.id)
    feed = await sentences.create(session, settings, bob.id, sentence=SENTENCE, public=True)
    await session.commit()
    await worker.drain()

    names = {p.id: name for name, p in made.items()}
    for viewer in (bob.id, ada.id, None):
        page = await sentences.posts(session, settings, feed, viewer, Cursor(limit=40))
        seen = [names.get(v.post.id, f"other {v.post.id}") for v in page.items]
        expected = ["prompt shown", "public"]
        if viewer != bob.id:  # blocks and mutes are bob's
            expected = ["muted", "blocking the reader", "blocked by the reader", *expected]
        assert seen == expected, viewer
        assert all(v.reblog is None for v in page.items)


async def test_a_private_feed_is_its_owners_alone(
    settings: Settings, session: AsyncSession, people: People
) -> None:
    ada, bob = await people.make("ada"), await people.make("bob")
    feed = await sentences.create(session, settings, bob.id, sentence=SENTENCE)
    await session.commit()
    assert (await sentences.readable(session, feed.id, bob.id)).id == feed.id
    for viewer in (ada.id, None):
        with pytest.raises(NotFound):
            await sentences.readable(session, feed.id, viewer)
    for attempt in (sentences.follow(session, ada.id, feed.id),
                    sentences.pin(session, ada.id, feed.id),
                    sentences.update(session, settings, ada.id, feed.id, title="mine"),
                    sentences.remove(session, ada.id, feed.id)):
        with pytest.raises(NotFound):
            await attempt
    with pytest.raises(NotFound):
        await sentences.readable(session, feed.id + 1, bob.id)  # and one that does not exist


async def test_a_public_feed_is_hidden_across_a_block_and_with_a_suspended_owner(
    settings: Settings, session: AsyncSession, people: People
) -> None:
    ada, bob, cy = await people.make("ada"), await people.make("bob"), await people.make("cy")
    feed = await sentences.create(session, settings, bob.id, sentence=SENTENCE, public=True)
    await session.commit()
    for viewer in (ada.id, cy.id, None):
        assert (await sentences.readable(session, feed.id, viewer)).id == feed.id
    for attempt in (sentences.update(session, settings, ada.id, feed.id, title="mine"),
                    sentences.remove(session, ada.id, feed.id)):
        with pytest.raises(Forbidden):
            await attempt
    await graph.block(session, bob.id, ada.id)
    await graph.block(session, cy.id, bob.id)
    await session.commit()
    for viewer in (ada.id, cy.id):
        with pytest.raises(NotFound):
            await sentences.readable(session, feed.id, viewer)
    await accounts.suspend(session, bob.id)
    await session.commit()
    with pytest.raises(NotFound):
        await sentences.readable(session, feed.id, None)


async def _followers(session: AsyncSession, feed_id: int) -> int:
    return (await sentences.followers_counts(session, [feed_id])).get(feed_id, 0)


async def test_following_and_pinning(
    settings: Settings, session: AsyncSession, people: People
) -> None:
    ada, bob = await people.make("ada"), await people.make("bob")
    feed = await sentences.create(session, settings, bob.id, sentence=SENTENCE, public=True)
    own = await sentences.create(session, settings, ada.id, sentence="cities at night",
                                 pinned=True)
    await session.commit()
    assert [f.id for f in await sentences.pinned(session, ada.id)] == [own.id]
    with pytest.raises(Invalid, match="Follow the feed"):
        await sentences.pin(session, ada.id, feed.id)
    with pytest.raises(Invalid, match="your own"):
        await sentences.follow(session, bob.id, feed.id)
    for _ in range(2):  # following again changes nothing
        await sentences.follow(session, ada.id, feed.id)
        await session.commit()
    assert await _followers(session, feed.id) == 1
    await sentences.pin(session, ada.id, feed.id)
    await session.commit()
    assert [f.id for f in await sentences.pinned(session, ada.id)] == [own.id, feed.id]
    assert [f.id for f in await sentences.mine(session, ada.id)] == [own.id]
    assert [f.id for f in await sentences.followed(session, ada.id)] == [feed.id]
    assert [f.id for f in await sentences.reading_list(session, ada.id)] == [own.id, feed.id]
    (view,) = await sentences.views(session, ada.id, [feed])
    assert (view.owner.id, view.owned, view.following, view.pinned) == (bob.id, False, True,
                                                                          True)
    (view,) = await sentences.views(session, None, [feed])
    assert (view.owned, view.following, view.pinned) == (False, False, False)

    # A follower blocked by the owner (or blocking them), or suspended, is not counted.
    cy = await people.make("cy")
    await sentences.follow(session, cy.id, feed.id)
    await session.commit()
    assert await _followers(session, feed.id) == 2
    await graph.block(session, bob.id, cy.id)
    await session.commit()
    assert await _followers(session, feed.id) == 1
    await graph.unblock(session, bob.id, cy.id)
    await graph.block(session, cy.id, bob.id)
    await session.commit()
    assert await _followers(session, feed.id) == 1
    await graph.unblock(session, cy.id, bob.id)
    await accounts.suspend(session, cy.id)
    await session.commit()
    assert await _followers(session, feed.id) == 1
    (view,) = await sentences.views(session, None, [feed])
    assert view.followers_count == 1

    await sentences.unfollow(session, ada.id, feed.id)
    await sentences.unfollow(session, ada.id, feed.id)
    await session.commit()
    assert await _followers(session, feed.id) == 0
    assert [f.id for f in await sentences.pinned(session, ada.id)] == [own.id]

    # Made private, a feed loses its followers: to them it no longer exists.
    await sentences.follow(session, ada.id, feed.id)
    await sentences.update(session, settings, bob.id, feed.id, public=False)
    await session.commit()
    assert await _followers(session, feed.id) == 0
    assert await sentences.followed(session, ada.id) == []
    with pytest.raises(NotFound):
        await sentences.follow(session, ada.id, feed.id)

    await sentences.remove(session, bob.id, feed.id)
    await session.commit()
    left = await session.scalars(select(FeedFollow.id).where(FeedFollow.feed_id == feed.id))
    assert list(left) == []
    with pytest.raises(NotFound):
        await sentences.readable(session, feed.id, bob.id)
