"""Follow requests, timed mutes, notes and endorsements in the graph's service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import utcnow
from salon.errors import Invalid, NotFound
from salon.graph import endorsements, requests
from salon.graph import service as graph
from salon.graph.models import Endorsement, FollowRequest, Mute
from salon.jobs import service as jobs
from salon.jobs.models import Job
from salon.jobs.worker import RECURRING, Worker
from salon.notifications.models import Notification
from tests.conftest import People


async def test_a_locked_account_is_asked(people: People, session: AsyncSession) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    alice.locked = True
    await session.commit()
    assert not await graph.follow(session, bob.id, alice.id, reposts=False)
    assert not await graph.follow(session, bob.id, alice.id, notify=True)  # options updated
    await session.commit()
    assert not await graph.is_following(session, bob.id, alice.id)
    asked = await session.scalar(select(FollowRequest))
    assert asked is not None and (asked.show_reposts, asked.notify) == (False, True)
    assert await requests.count(session, alice.id) == 1
    told = list(await session.scalars(select(Notification.type)))
    assert told == ["follow_request"]  # once, though asked twice
    assert (await graph.relationship(session, bob.id, alice.id)).requested
    assert (await graph.relationship(session, alice.id, bob.id)).requested_by

    await requests.authorize(session, alice.id, bob.id)
    await session.commit()
    assert await graph.is_following(session, bob.id, alice.id)
    assert await requests.count(session, alice.id) == 0
    assert list(await session.scalars(select(Notification.type))) == []  # the job tells
    kinds = set(await session.scalars(select(Job.kind).where(Job.kind.not_in(RECURRING))))
    assert {"timelines.follow", "notifications.notify"} <= kinds
    rel = await graph.relationship(session, bob.id, alice.id)
    assert rel.following and not rel.showing_reposts and rel.notifying and not rel.requested
    with pytest.raises(NotFound):
        await requests.reject(session, alice.id, bob.id)


async def test_blocking_ends_requests_and_endorsements(people: People,
                                                       session: AsyncSession) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    bob.locked = True
    await graph.follow(session, alice.id, bob.id)
    await graph.follow(session, bob.id, alice.id)
    await endorsements.endorse(session, bob.id, alice.id)
    await session.commit()
    await graph.block(session, alice.id, bob.id)
    await session.commit()
    assert await session.scalar(select(FollowRequest)) is None
    assert await session.scalar(select(Endorsement)) is None
    assert await session.scalar(select(Notification).where(
        Notification.type == "follow_request")) is None
    with pytest.raises(Invalid):
        await endorsements.endorse(session, bob.id, alice.id)  # no longer following


async def test_expired_mutes_are_ignored_then_swept(people: People, session: AsyncSession,
                                                    worker: Worker) -> None:
    alice, bob, carol = [await people.make(n) for n in ("alice", "bob", "carol")]
    await graph.mute(session, alice.id, bob.id, duration=60)
    await graph.mute(session, alice.id, carol.id, notifications=False)
    await session.commit()
    assert set(await session.scalars(graph.hidden_author_ids(alice.id))) == {bob.id, carol.id}
    assert set(await session.scalars(graph.notification_hidden_ids(alice.id))) == {bob.id}
    ends = await graph.mute_ends(session, alice.id, [bob.id, carol.id])
    assert list(ends) == [bob.id] and ends[bob.id] > utcnow() + timedelta(seconds=50)

    await session.execute(update(Mute).where(Mute.target_id == bob.id)
                          .values(expires_at=utcnow() - timedelta(seconds=1)))
    await session.commit()
    assert set(await session.scalars(graph.hidden_author_ids(alice.id))) == {carol.id}
    assert set(await session.scalars(graph.notification_hidden_ids(alice.id))) == set()
    assert not (await graph.relationship(session, alice.id, bob.id)).muting
    assert [t for _, t in await graph.list_blocked_or_muted(session, alice.id, muted=True)] \
        == [carol.id]

    jobs.enqueue(session, "graph.expire_mutes", {"once": True})
    await session.commit()
    await worker.drain()
    assert list(await session.scalars(select(Mute.target_id))) == [carol.id]
    with pytest.raises(Invalid):
        await graph.mute(session, alice.id, bob.id, duration=-5)


async def test_notes(people: People, session: AsyncSession) -> None:
    alice, bob, carol = [await people.make(n) for n in ("alice", "bob", "carol")]
    await endorsements.set_note(session, alice.id, bob.id, "  owes me a zine  ")
    await endorsements.set_note(session, carol.id, bob.id, "carol's own")
    await session.commit()
    assert (await graph.relationship(session, alice.id, bob.id)).note == "owes me a zine"
    assert (await graph.relationship(session, carol.id, bob.id)).note == "carol's own"
    assert (await graph.relationship(session, bob.id, alice.id)).note == ""
    await endorsements.set_note(session, alice.id, bob.id, "")
    assert (await graph.relationship(session, alice.id, bob.id)).note == ""
    with pytest.raises(Invalid):
        await endorsements.set_note(session, alice.id, bob.id, "x" * 2001)
