"""Posting generated pictures: picks and passes, remixes and their notifications, and
recipes that their authors hid (never in a view, never in the posted file)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.errors import NotFound
from salon.generation import credentials, posting, provenance
from salon.generation.models import Candidate
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.media.store import media_store
from salon.notifications.models import Notification
from salon.posts import reading
from salon.posts import service as posts
from salon.posts.models import Post
from salon.settings import Settings
from salon.timelines.schemas import Cursor
from tests.conftest import People, stored
from tests.generation.helpers import generate


async def test_a_post_records_picked_and_passed_candidates(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice = await people.make("alice")
    pictures = await generate(session, settings, worker, alice, "three moons", count=3)
    post = await posts.create_post(session, alice, "this one", media_ids=[pictures[1].id])
    await session.commit()
    rows = list(await session.scalars(select(Candidate).order_by(Candidate.position)))
    ids = [c.id for c in rows]
    assert await posting.preference_pairs(session, post.id) == {
        "picked": [ids[1]], "passed": [ids[0], ids[2]]}
    view = (await reading.present(session, [post], None))[0]
    assert view.made_with == "sketch" and view.recipe is not None
    assert not view.ai_generated and view.made_label == "Made with sketch"
    assert view.recipe.prompt == "three moons" and view.recipe.seed == rows[1].seed


async def test_a_remix_links_counts_and_tells_the_source_author(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    source_pictures = await generate(session, settings, worker, alice, "a red kite", count=1)
    source = await posts.create_post(session, alice, "kite", media_ids=[source_pictures[0].id])
    await session.commit()
    remix_pictures = await generate(session, settings, worker, bob, "a red kite at night",
                                     count=1, remix_of_id=source.id)
    remix = await posts.create_post(session, bob, "mine", media_ids=[remix_pictures[0].id])
    await session.commit()
    await worker.drain()
    await session.refresh(source)
    assert remix.remix_of_id == source.id and source.remixes_count == 1
    note = await session.scalar(select(Notification).where(Notification.account_id == alice.id))
    assert note is not None and (note.type, note.post_id) == ("salon.remix", remix.id)
    listed = await posting.remixes(session, source.id, None, Cursor())
    assert [p.id for p in listed] == [remix.id]
    view = (await reading.present(session, [remix], alice.id))[0]
    assert view.remix_of is not None and view.remix_of.id == source.id
    assert view.remix_of_author is not None and view.remix_of_author.id == alice.id
    await posts.delete_post(session, bob, remix.id)
    await session.commit()
    await session.refresh(source)
    assert source.remixes_count == 0


async def test_a_followers_only_remix_does_not_notify_a_source_author_who_cannot_see_it(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    pictures = await generate(session, settings, worker, alice, "a blue bird", count=1)
    source = await posts.create_post(session, alice, "bird", media_ids=[pictures[0].id])
    await session.commit()
    mine = await generate(session, settings, worker, bob, "a blue bird", count=1,
                           remix_of_id=source.id)
    await posts.create_post(session, bob, "secret", media_ids=[mine[0].id],
                            visibility="private")
    await session.commit()
    await worker.drain()
    assert await session.scalar(select(Notification.id).where(
        Notification.account_id == alice.id)) is None
    assert await posting.remixes(session, source.id, alice.id, Cursor()) == []
    await graph.follow(session, alice.id, bob.id)
    await session.commit()
    assert len(await posting.remixes(session, source.id, alice.id, Cursor())) == 1


async def test_a_hidden_recipe_is_in_no_view_and_no_posted_file(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    store = media_store(settings)
    pictures = await generate(session, settings, worker, alice, "a secret garden", count=2)
    with_recipe_key = pictures[0].file_key
    post = await posts.create_post(session, alice, "guess how", media_ids=[pictures[0].id],
                                    recipe_hidden=True)
    await session.commit()
    await worker.drain()  # deletes the copy that had the recipe
    await session.refresh(pictures[0])
    served = await store.get(pictures[0].file_key)
    assert provenance.read_recipe(served) is None and b"secret garden" not in served
    assert not await stored(store, with_recipe_key)
    for viewer in (None, alice.id, bob.id):
        view = (await reading.present(session, [post], viewer))[0]
        assert view.made_with == "sketch" and view.recipe is None
    assert (await posting.for_posts(session, [post]))[post.id].recipe is None

    # Shown again: the recipe is written back into a new file by a job.
    await posting.set_recipe_hidden(session, alice, post.id, False)
    await session.commit()
    await worker.drain()
    await session.refresh(pictures[0])
    restored = await store.get(pictures[0].file_key)
    found = provenance.read_recipe(restored)
    assert found is not None and found["prompt"] == "a secret garden"
    # Signed again as what it is: made by a program, not a trained model.
    source_type = credentials.read(restored, "image/png", settings).digital_source_type
    assert source_type == credentials.ALGORITHMIC_MEDIA
    # And hidden once more: switched back to the plain copy at once, the other deleted.
    await posting.set_recipe_hidden(session, alice, post.id, True)
    await session.commit()
    await worker.drain()
    await session.refresh(pictures[0])
    assert provenance.read_recipe(await store.get(pictures[0].file_key)) is None
    hidden_post = await session.get(Post, post.id)
    assert hidden_post is not None and hidden_post.recipe_hidden


async def test_only_the_author_hides_a_recipe(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    pictures = await generate(session, settings, worker, alice, "tea", count=1)
    post = await posts.create_post(session, alice, "tea", media_ids=[pictures[0].id])
    await session.commit()
    with pytest.raises(NotFound):  # as for a missing post: a 403 would confirm it exists
        await posting.set_recipe_hidden(session, bob, post.id, True)


async def test_deleting_a_post_deletes_every_copy_of_its_pictures(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice = await people.make("alice")
    pictures = await generate(session, settings, worker, alice, "gone", count=1)
    candidate = await session.scalar(select(Candidate))
    assert candidate is not None and candidate.plain_key and candidate.recipe_key
    store = media_store(settings)
    keys = [k for k in (candidate.plain_key, candidate.recipe_key, pictures[0].thumb_key) if k]
    assert len(keys) == 3 and all([await stored(store, k) for k in keys])
    post = await posts.create_post(session, alice, "bye", media_ids=[pictures[0].id])
    await session.commit()
    await posts.delete_post(session, alice, post.id)
    await session.commit()
    await worker.drain()
    assert not any([await stored(store, k) for k in keys])
