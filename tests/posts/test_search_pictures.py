"""Search finds a post by more than its text: its pictures' alt texts, its poll's options, and
the prompts of its generated pictures, but never a prompt whose recipe the author hid, and
never a post the searcher may not see."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from salon.generation import posting
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.media import service as media
from salon.media.store import media_store
from salon.posts import search
from salon.posts import service as posts
from salon.posts.schemas import PollSpec
from salon.settings import Settings
from tests.conftest import People
from tests.generation.helpers import generate
from tests.web import png


async def found(session: AsyncSession, query: str, viewer_id: int | None) -> list[int]:
    return [p.id for p in await search.posts(session, query, viewer_id)]


async def test_a_post_is_found_by_the_prompt_of_its_generated_picture(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    pictures = await generate(session, settings, worker, alice, "a red fox in deep snow",
                              count=1)
    await media.update_description(session, alice.id, pictures[0].id, "my drawing")
    post = await posts.create_post(session, alice, "look", media_ids=[pictures[0].id])
    await session.commit()
    for viewer in (None, alice.id, bob.id):
        assert await found(session, "fox", viewer) == [post.id]
        assert await found(session, "deep sno", viewer) == [post.id]  # words as prefixes
        assert await found(session, "drawing", viewer) == [post.id]  # and its alt text
    assert await found(session, "wolf", None) == []


async def test_a_hidden_recipe_prompt_is_never_found(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    pictures = await generate(session, settings, worker, alice, "a grey fox at dusk", count=1)
    post = await posts.create_post(session, alice, "guess how", media_ids=[pictures[0].id],
                                   recipe_hidden=True)
    await session.commit()
    for viewer in (None, alice.id, bob.id):  # not even by its author
        assert await found(session, "fox", viewer) == []
    assert await found(session, "guess", None) == [post.id]

    # Shown again, it is found by its prompt; hidden once more, no longer.
    await posting.set_recipe_hidden(session, alice, post.id, False)
    await session.commit()
    assert await found(session, "fox", bob.id) == [post.id]
    await posting.set_recipe_hidden(session, alice, post.id, True)
    await session.commit()
    assert await found(session, "fox", bob.id) == []
    assert await found(session, "dusk", alice.id) == []
    # An edit of the text writes the entry anew: the prompt stays out.
    await posts.edit_post(session, alice, post.id, "guess again")
    await session.commit()
    assert await found(session, "fox", alice.id) == []
    assert await found(session, "again", alice.id) == [post.id]


async def test_prompts_found_only_by_those_who_may_see_the_post(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice, bob, carol = [await people.make(n) for n in ("alice", "bob", "carol")]
    await graph.follow(session, bob.id, alice.id)
    pictures = await generate(session, settings, worker, alice, "a fox in the attic", count=1)
    post = await posts.create_post(session, alice, "for friends", media_ids=[pictures[0].id],
                                   visibility="private")
    await session.commit()
    assert await found(session, "fox", bob.id) == [post.id]
    assert await found(session, "fox", alice.id) == [post.id]
    assert await found(session, "fox", carol.id) == []
    assert await found(session, "fox", None) == []


async def test_alt_texts_and_poll_options_are_found(
    session: AsyncSession, settings: Settings, people: People
) -> None:
    alice = await people.make("alice")
    upload = await media.upload(session, settings, media_store(settings), alice.id, png(),
                                "p.png", "a sleepy otter")
    pictured = await posts.create_post(session, alice, "my pet", media_ids=[upload.id])
    polled = await posts.create_post(session, alice, "lunch?",
                                     poll=PollSpec(options=["pancakes", "waffles"],
                                                   expires_in=3600))
    await session.commit()
    assert await found(session, "otter", None) == [pictured.id]
    assert await found(session, "waffle", None) == [polled.id]
    # The alt text changed after posting: found by the new words, not the old.
    await media.update_description(session, alice.id, upload.id, "a wide awake badger")
    await session.commit()
    assert await found(session, "badger", None) == [pictured.id]
    assert await found(session, "otter", None) == []
