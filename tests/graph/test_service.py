"""Follows, blocks and mutes, and the questions other domains ask about them."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.errors import Forbidden, Invalid, NotFound
from salon.graph import service as graph
from salon.jobs.models import Job
from tests.conftest import People


async def counts(session: AsyncSession, account: Account) -> tuple[int, int]:
    await session.refresh(account)
    return account.followers_count, account.following_count


async def test_follow_and_unfollow(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    assert await graph.follow(session, alice.id, bob.id)
    assert not await graph.follow(session, alice.id, bob.id)
    await session.commit()
    assert await graph.is_following(session, alice.id, bob.id)
    assert not await graph.is_following(session, bob.id, alice.id)
    assert await counts(session, alice) == (0, 1)
    assert await counts(session, bob) == (1, 0)
    kinds = [j.kind for j in await session.scalars(select(Job).order_by(Job.id))]
    assert kinds == ["timelines.follow", "notifications.notify"]

    assert await graph.unfollow(session, alice.id, bob.id)
    assert not await graph.unfollow(session, alice.id, bob.id)
    await session.commit()
    assert await counts(session, alice) == (0, 0)
    assert await counts(session, bob) == (0, 0)


async def test_follow_refusals(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    with pytest.raises(Invalid):
        await graph.follow(session, alice.id, alice.id)
    with pytest.raises(NotFound):
        await graph.follow(session, alice.id, 99)
    await accounts.suspend(session, bob.id)
    with pytest.raises(NotFound):
        await graph.follow(session, alice.id, bob.id)


async def test_block_removes_follows_both_ways(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    await graph.follow(session, alice.id, bob.id)
    await graph.follow(session, bob.id, alice.id)
    await graph.block(session, alice.id, bob.id)
    await graph.block(session, alice.id, bob.id)  # twice is fine
    await session.commit()
    assert not await graph.is_following(session, alice.id, bob.id)
    assert not await graph.is_following(session, bob.id, alice.id)
    assert await counts(session, alice) == (0, 0) and await counts(session, bob) == (0, 0)
    assert await graph.is_blocked_either_way(session, bob.id, alice.id)
    for a, b in ((alice, bob), (bob, alice)):
        with pytest.raises(Forbidden):
            await graph.follow(session, a.id, b.id)
    with pytest.raises(Invalid):
        await graph.block(session, alice.id, alice.id)
    await graph.unblock(session, alice.id, bob.id)
    assert not await graph.is_blocked_either_way(session, alice.id, bob.id)
    assert await graph.follow(session, bob.id, alice.id)


async def test_relationships(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    dave = await people.make("dave")
    await graph.follow(session, alice.id, bob.id)
    await graph.follow(session, bob.id, alice.id)
    await graph.mute(session, alice.id, carol.id)
    await graph.mute(session, alice.id, carol.id)
    await graph.block(session, dave.id, alice.id)
    await session.commit()
    found = await graph.relationships(session, alice.id, [bob.id, carol.id, dave.id])
    assert found[bob.id] == graph.Relationship(following=True, followed_by=True,
                                               showing_reposts=True)
    assert found[carol.id] == graph.Relationship(muting=True, muting_notifications=True)
    assert found[dave.id] == graph.Relationship(blocked_by=True)
    assert (await graph.relationship(session, dave.id, alice.id)).blocking
    assert await graph.relationships(session, alice.id, []) == {}

    hidden = set(await session.scalars(graph.hidden_author_ids(alice.id)))
    assert hidden == {carol.id, dave.id}
    assert set(await session.scalars(graph.blocking_ids(alice.id))) == {dave.id}
    await graph.unmute(session, alice.id, carol.id)
    assert set(await session.scalars(graph.hidden_author_ids(alice.id))) == {dave.id}
    with pytest.raises(Invalid):
        await graph.mute(session, alice.id, alice.id)


async def test_list_follows_pages(people: People, session: AsyncSession) -> None:
    star = await people.make("star")
    fans = [await people.make(f"fan{i}") for i in range(5)]
    for fan in fans:
        await graph.follow(session, fan.id, star.id)
    await session.commit()
    first = await graph.list_follows(session, star.id, followers=True, limit=3)
    assert [a for _, a in first] == [f.id for f in fans[:1:-1]]
    rest = await graph.list_follows(session, star.id, followers=True, max_id=first[-1][0])
    assert [a for _, a in rest] == [fans[1].id, fans[0].id]
    following = await graph.list_follows(session, fans[0].id, followers=False)
    assert [a for _, a in following] == [star.id]
