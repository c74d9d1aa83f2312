"""Feeds from a sentence match posts by meaning with the real model (MiniLM), leave out what
the sentence avoids, order newest or best, and page without repeats."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.errors import Invalid
from salon.feeds import sentence_matching as matching
from salon.feeds import sentences
from salon.feeds.models import SentenceFeed
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.posts import service as posts
from salon.posts.models import Post
from salon.settings import Settings
from salon.timelines.schemas import Cursor
from tests.conftest import People


async def shown(session: AsyncSession, settings: Settings, feed: SentenceFeed,
                viewer_id: int | None, cursor: Cursor | None = None) -> list[int]:
    page = await sentences.posts(session, settings, feed, viewer_id, cursor or Cursor())
    return [v.post.id for v in page.items]


async def write(session: AsyncSession, worker: Worker, author: Account, *texts: str
                ) -> list[Post]:
    made = [await posts.create_post(session, author, t) for t in texts]
    await session.commit()
    await worker.drain()  # embeds them
    return made


def test_a_sentence_is_split_into_what_to_show_and_what_to_avoid() -> None:
    assert matching.parse("cities at night, no people") == matching.Parsed(
        "cities at night", ["people"])
    assert matching.parse("cats without hats or scarves") == matching.Parsed(
        "cats", ["hats", "scarves"])
    assert matching.parse("forests but not pine trees; not-photos") == matching.Parsed(
        "forests", ["pine trees", "photos"])
    assert matching.parse("watercolor animals in snow") == matching.Parsed(
        "watercolor animals in snow", [])
    # "no" inside a word is no negation
    assert matching.parse("nothing but notebooks").avoided == []


async def test_watercolor_animals_in_snow_match_by_meaning(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    ada, bob = await people.make("ada"), await people.make("bob")
    fox, street, deer = await write(
        session, worker, ada, "a fox painted in watercolour on a snowy hill",
        "a city street at night", "a deer in a snowy forest, watercolour")
    feed = await sentences.create(session, settings, bob.id,
                                  sentence="watercolor animals in snow")
    await session.commit()
    assert feed.title == "watercolor animals in snow"
    assert feed.model.startswith("all-MiniLM-L6-v2") and feed.avoid is None
    assert await shown(session, settings, feed, bob.id) == [deer.id, fox.id]
    assert street.id not in await shown(session, settings, feed, None)


async def test_cities_at_night_with_no_people_leave_out_a_crowd(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    ada, bob = await people.make("ada"), await people.make("bob")
    street, crowd, empty, fruit = await write(
        session, worker, ada, "a city street at night",
        "a crowd of people at a night market in the city",
        "empty neon streets of tokyo after midnight", "a bowl of ripe fruit on a table")
    everyone = await sentences.create(session, settings, bob.id, sentence="cities at night")
    nobody = await sentences.create(session, settings, bob.id,
                                    sentence="cities at night, no people")
    await session.commit()
    assert nobody.avoid is not None
    assert await shown(session, settings, everyone, bob.id) == [empty.id, crowd.id, street.id]
    assert await shown(session, settings, nobody, bob.id) == [empty.id, street.id]
    assert fruit.id not in await shown(session, settings, everyone, bob.id)


async def test_newest_and_best_order_and_page_without_repeats(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    ada, bob = await people.make("ada"), await people.make("bob")
    made = await write(
        session, worker, ada,
        "watercolor painting of a rabbit in winter",          # nearest
        "a deer in a snowy forest, watercolour",
        "a fox painted in watercolour on a snowy hill",
        "snowy mountains at dawn, photo",                     # least near, still in
        "a bowl of ripe fruit on a table")                    # out
    rabbit, deer, fox, mountains, _fruit = made
    newest = await sentences.create(session, settings, bob.id,
                                    sentence="watercolor animals in snow")
    best = await sentences.create(session, settings, bob.id,
                                  sentence="watercolor animals in snow", order="best")
    await session.commit()
    assert await shown(session, settings, newest, bob.id) == [
        mountains.id, fox.id, deer.id, rabbit.id]
    ranked = await shown(session, settings, best, bob.id)
    assert ranked == [rabbit.id, fox.id, deer.id, mountains.id]

    for feed, whole in ((newest, [mountains.id, fox.id, deer.id, rabbit.id]), (best, ranked)):
        seen: list[int] = []
        cursor = Cursor(limit=3)
        while True:
            page = await sentences.posts(session, settings, feed, bob.id, cursor)
            seen += [v.post.id for v in page.items]
            if page.next_max_id is None:
                break
            assert len(seen) < 10, "paging must end"
            cursor = Cursor(max_id=page.next_max_id, limit=3)
        assert seen == whole, feed.order

    # Newer than a post: min_id gives those just newer, since_id the newest.
    page = await sentences.posts(session, settings, newest, bob.id,
                                 Cursor(min_id=rabbit.id, limit=2))
    assert [v.post.id for v in page.items] == [fox.id, deer.id]
    assert page.prev_min_id == fox.id
    page = await sentences.posts(session, settings, newest, bob.id,
                                 Cursor(since_id=rabbit.id, limit=2))
    assert [v.post.id for v in page.items] == [mountains.id, fox.id]
    # Best, newer than a post: those ranked, by score.
    page = await sentences.posts(session, settings, best, bob.id, Cursor(since_id=deer.id))
    assert [v.post.id for v in page.items] == [fox.id, mountains.id]


async def test_best_goes_on_after_a_post_that_left_the_pool(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    """A page's last post hidden before the next page is asked (its author blocked): paging
    goes on from where its score put it."""
    ada, bob, cy = await people.make("ada"), await people.make("bob"), await people.make("cy")
    (rabbit,) = await write(session, worker, cy, "watercolor painting of a rabbit in winter")
    fox, mountains = await write(session, worker, ada,
                                 "a fox painted in watercolour on a snowy hill",
                                 "snowy mountains at dawn, photo")
    best = await sentences.create(session, settings, bob.id,
                                  sentence="watercolor animals in snow", order="best")
    await session.commit()
    first = await sentences.posts(session, settings, best, bob.id, Cursor(limit=1))
    assert [v.post.id for v in first.items] == [rabbit.id] and first.next_max_id == rabbit.id
    await graph.block(session, bob.id, cy.id)
    await session.commit()
    page = await sentences.posts(session, settings, best, bob.id, Cursor(max_id=rabbit.id))
    assert [v.post.id for v in page.items] == [fox.id, mountains.id]
    page = await sentences.posts(session, settings, best, bob.id, Cursor(max_id=fox.id))
    assert [v.post.id for v in page.items] == [mountains.id]


async def test_a_new_sentence_or_model_embeds_the_feed_again(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    ada, bob = await people.make("ada"), await people.make("bob")
    street, fox = await write(session, worker, ada, "a city street at night",
                              "a fox painted in watercolour on a snowy hill")
    feed = await sentences.create(session, settings, bob.id, sentence="cities at night")
    await session.commit()
    assert await shown(session, settings, feed, bob.id) == [street.id]
    await sentences.update(session, settings, bob.id, feed.id,
                           sentence="watercolor animals in snow")
    await session.commit()
    assert feed.title == "watercolor animals in snow"  # it was the sentence: it follows
    assert await shown(session, settings, feed, bob.id) == [fox.id]

    # Vectors of another model are made again at the next read.
    feed.model, feed.vector = "some-older-model", b"\x00" * 16
    await session.commit()
    assert await shown(session, settings, feed, bob.id) == [fox.id]
    assert feed.model.startswith("all-MiniLM-L6-v2")
    assert feed.vector is not None and len(feed.vector) == 384 * 4


async def test_a_sentence_is_checked(
    settings: Settings, session: AsyncSession, people: People
) -> None:
    bob = await people.make("bob")
    for sentence, words in (("", "blank"), ("x" * 301, "300"), ("no people", "not only"),
                            ("cats\x00", "control")):
        with pytest.raises(Invalid, match=words) as refused:
            await sentences.create(session, settings, bob.id, sentence=sentence)
        assert refused.value.field == "sentence"
    with pytest.raises(Invalid, match="order must be one of newest, best"):
        await sentences.create(session, settings, bob.id, sentence="cats", order="random")
    long = await sentences.create(session, settings, bob.id, sentence="cat " * 40)
    assert len(long.title) == 100 and long.title.endswith("…")
