"""Likes, reposts, bookmarks and poll votes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.errors import Invalid, NotFound
from salon.graph import service as graph
from salon.jobs.models import Job
from salon.posts import interactions, reading
from salon.posts import service as posts
from salon.posts.models import Bookmark, Like, Poll, PollOption, PollVote, Post
from salon.posts.schemas import PollSpec
from tests.conftest import People, fresh


async def notify_jobs(session: AsyncSession) -> list[dict[str, object]]:
    rows = await session.scalars(select(Job).where(Job.kind == "notifications.notify"))
    return [j.payload for j in rows]


async def test_like_unlike_idempotent(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    post = await posts.create_post(session, alice, "like me")
    await interactions.like(session, bob, post.id)
    await interactions.like(session, bob, post.id)
    await interactions.like(session, carol, post.id)
    await session.commit()
    assert (await fresh(session, post)).likes_count == 2
    assert await session.scalar(select(func.count()).select_from(Like)) == 2
    assert len(await notify_jobs(session)) == 2  # one per new like, none for the repeat

    await interactions.unlike(session, bob, post.id)
    await interactions.unlike(session, bob, post.id)
    await session.commit()
    assert (await fresh(session, post)).likes_count == 1
    (view,) = await reading.present(session, [post], carol.id)
    assert view.liked
    (view,) = await reading.present(session, [post], bob.id)
    assert not view.liked


async def test_like_own_post_does_not_notify(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    post = await posts.create_post(session, alice, "me")
    await interactions.like(session, alice, post.id)
    assert (await fresh(session, post)).likes_count == 1
    assert await notify_jobs(session) == []


async def test_like_through_a_repost_likes_the_original(
    people: People, session: AsyncSession
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, alice, "original")
    boost = await interactions.repost(session, bob, post.id)
    liked = await interactions.like(session, alice, boost.id)
    assert liked.id == post.id
    assert (await fresh(session, post)).likes_count == 1
    assert (await fresh(session, boost)).likes_count == 0


async def test_cannot_act_on_invisible_posts(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    private = await posts.create_post(session, alice, "followers", visibility="private")
    public = await posts.create_post(session, alice, "public")
    await graph.block(session, alice.id, bob.id)
    await session.commit()
    for target in (private.id, public.id, 987654321):
        for act in (interactions.like, interactions.bookmark, interactions.repost):
            with pytest.raises(NotFound):
                await act(session, bob, target)
    assert (await fresh(session, public)).likes_count == 0


async def test_repost_and_unrepost(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, alice, "share me", visibility="unlisted")
    await session.commit()
    boost = await interactions.repost(session, bob, post.id)
    again = await interactions.repost(session, bob, post.id)
    await session.commit()
    assert again.id == boost.id
    assert boost.reblog_of_id == post.id and boost.account_id == bob.id
    assert boost.visibility == "unlisted" and boost.id > post.id
    assert (await fresh(session, post)).reposts_count == 1
    assert (await fresh(session, bob)).posts_count == 1
    fanouts = await session.scalars(select(Job).where(Job.kind == "timelines.fanout"))
    assert {"post_id": boost.id} in [j.payload for j in fanouts]
    assert {
        "type": "reblog",
        "account_id": alice.id,
        "from_account_id": bob.id,
        "post_id": post.id,
    } in await notify_jobs(session)
    (view,) = await reading.present(session, [boost], bob.id)
    assert view.reblog is not None and view.shown.id == post.id and view.shown.reposted

    await interactions.unrepost(session, bob, post.id)
    await interactions.unrepost(session, bob, post.id)
    await session.commit()
    assert await session.get(Post, boost.id) is None
    assert (await fresh(session, post)).reposts_count == 0
    assert (await fresh(session, bob)).posts_count == 0


async def test_unrepost_through_the_repost_id(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, alice, "share me")
    boost = await interactions.repost(session, bob, post.id)
    await session.commit()
    await interactions.unrepost(session, bob, boost.id)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(Post)) == 1
    assert (await fresh(session, post)).reposts_count == 0


@pytest.mark.parametrize("visibility", ["private", "direct"])
async def test_repost_of_private_refused(
    people: People, session: AsyncSession, visibility: str
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, alice, "secret @bob", visibility=visibility)
    await graph.follow(session, bob.id, alice.id)
    await session.commit()
    for who in (bob, alice):  # even its author
        with pytest.raises(Invalid):
            await interactions.repost(session, who, post.id)
    assert (await fresh(session, post)).reposts_count == 0


async def test_bookmarks(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, alice, "keep")
    await interactions.bookmark(session, bob, post.id)
    await interactions.bookmark(session, bob, post.id)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(Bookmark)) == 1
    (view,) = await reading.present(session, [post], bob.id)
    assert view.bookmarked
    await interactions.unbookmark(session, bob, post.id)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(Bookmark)) == 0
    assert await notify_jobs(session) == []  # bookmarks are private


# --- polls --------------------------------------------------------------------------------


async def make_poll(
    session: AsyncSession, author: Account, multiple: bool = False, options: int = 3
) -> Post:
    spec = PollSpec([f"option {i}" for i in range(options)], 3600, multiple=multiple)
    post = await posts.create_post(session, author, "vote!", poll=spec)
    await session.commit()
    return post


async def option_counts(session: AsyncSession, post: Post) -> list[int]:
    poll = await session.scalar(select(Poll).where(Poll.post_id == post.id))
    assert poll is not None
    rows = await session.scalars(
        select(PollOption.votes_count)
        .where(PollOption.poll_id == poll.id)
        .order_by(PollOption.position)
    )
    return list(rows)


async def test_vote(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    post = await make_poll(session, alice)
    poll = await interactions.vote(session, bob, post.id, [1])
    await interactions.vote(session, carol, post.id, [1])
    await session.commit()
    assert poll.voters_count == 2
    assert await option_counts(session, post) == [0, 2, 0]
    assert sorted(await interactions.poll_voters(session, poll.id)) == sorted([bob.id, carol.id])
    (view,) = await reading.present(session, [post], bob.id)
    assert view.poll is not None and view.poll.own_votes == [1] and view.poll.votes_total == 2


async def test_vote_rules(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await make_poll(session, alice)
    plain = await posts.create_post(session, alice, "no poll")
    with pytest.raises(Invalid, match="own poll"):
        await interactions.vote(session, alice, post.id, [0])
    with pytest.raises(Invalid, match="no poll"):
        await interactions.vote(session, bob, plain.id, [0])
    for choices in ([], [3], [-1], [0, 7]):
        with pytest.raises(Invalid, match="Choose one of the 3"):
            await interactions.vote(session, bob, post.id, choices)
    with pytest.raises(Invalid, match="only one"):
        await interactions.vote(session, bob, post.id, [0, 1])
    await interactions.vote(session, bob, post.id, [2, 2])  # the same choice twice is one
    await session.commit()
    with pytest.raises(Invalid, match="already voted"):
        await interactions.vote(session, bob, post.id, [0])
    assert await option_counts(session, post) == [0, 0, 1]
    assert await session.scalar(select(func.count()).select_from(PollVote)) == 1


async def test_vote_multiple(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    post = await make_poll(session, alice, multiple=True, options=4)
    poll = await interactions.vote(session, bob, post.id, [3, 0, 3])
    await interactions.vote(session, carol, post.id, [0])
    await session.commit()
    assert await option_counts(session, post) == [2, 0, 0, 1]
    assert (await fresh(session, poll)).voters_count == 2  # people, not votes
    with pytest.raises(Invalid, match="already voted"):
        await interactions.vote(session, bob, post.id, [1])


async def test_vote_on_expired_poll(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await make_poll(session, alice)
    await session.execute(
        update(Poll).where(Poll.post_id == post.id).values(expires_at=utcnow() - timedelta(1))
    )
    await session.commit()
    with pytest.raises(Invalid, match="ended"):
        await interactions.vote(session, bob, post.id, [0])
    (view,) = await reading.present(session, [post], bob.id)
    assert view.poll is not None and view.poll.expired


async def test_vote_on_invisible_poll(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    spec = PollSpec(["a", "b"], 3600)
    post = await posts.create_post(session, alice, "followers", visibility="private", poll=spec)
    await session.commit()
    with pytest.raises(NotFound):
        await interactions.vote(session, bob, post.id, [0])
