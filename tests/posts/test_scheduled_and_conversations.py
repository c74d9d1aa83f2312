"""Scheduled posts and conversations in the service layer, the worker run step by step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import utcnow
from salon.errors import Invalid
from salon.jobs.models import Job
from salon.jobs.worker import Worker
from salon.posts import conversations, languages, scheduled
from salon.posts import service as posts
from salon.posts.models import Conversation, Post, ScheduledPost
from tests.conftest import People

RULES = posts.Rules()


async def _count(session: AsyncSession, model: type) -> int:
    await session.commit()  # a fresh snapshot: the worker wrote in its own sessions
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _come(session: AsyncSession) -> None:
    """The clock moves past every scheduled post's time."""
    await session.execute(update(Job).where(Job.kind == scheduled.JOB)
                          .values(run_at=utcnow() - timedelta(seconds=1)))
    await session.commit()


async def test_a_scheduled_post_waits_for_its_time(
        people: People, session: AsyncSession, worker: Worker) -> None:
    alice = await people.make("alice")
    await scheduled.schedule(session, alice, utcnow() + timedelta(hours=1),
                             scheduled.Draft(text="soon", language="de"), rules=RULES)
    await session.commit()
    await worker.drain()
    assert await _count(session, Post) == 0
    await _come(session)
    assert await worker.run_once()  # the publishing job
    assert await _count(session, ScheduledPost) == 0
    post = await session.scalar(select(Post))
    assert post is not None and post.text == "soon" and post.language == "de"
    await worker.drain()  # its fan-out and notifications, queued by the normal path
    kinds = set(await session.scalars(select(Job.kind).where(Job.status == "done")))
    assert {"timelines.fanout", "notifications.post_created"} <= kinds


async def test_a_scheduled_reply_whose_parent_went_is_dropped(
        people: People, session: AsyncSession, worker: Worker) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    parent = await posts.create_post(session, bob, "ask me later")
    await scheduled.schedule(session, alice, utcnow() + timedelta(hours=1),
                             scheduled.Draft(text="answer", in_reply_to_id=parent.id),
                             rules=RULES)
    await posts.delete_post(session, bob, parent.id)
    await session.commit()
    await _come(session)
    await worker.drain()
    assert await _count(session, ScheduledPost) == 0
    assert await session.scalar(select(Post).where(Post.account_id == alice.id)) is None
    failed = await session.scalar(select(func.count()).select_from(Job)
                                  .where(Job.status == "failed"))
    assert failed == 0  # not retried forever


@pytest.mark.parametrize("raw,stored", [("en", "en"), ("PT_br", "pt-BR"), ("TOK", "tok"),
                                        ("", None), (None, None)])
def test_language_codes(raw: str | None, stored: str | None) -> None:
    assert languages.language(raw) == stored


@pytest.mark.parametrize("raw", ["xx", "eng", "en-XX", "english", "e"])
def test_unknown_language_codes(raw: str) -> None:
    with pytest.raises(Invalid) as refused:
        languages.language(raw)
    assert refused.value.field == "language"


async def test_a_thread_is_one_conversation_per_set_of_people(
        people: People, session: AsyncSession, worker: Worker) -> None:
    alice, bob, carol = [await people.make(n) for n in ("alice", "bob", "carol")]
    root = await posts.create_post(session, alice, "public start")
    first = await posts.create_post(session, bob, "@alice psst", visibility="direct",
                                    in_reply_to_id=root.id)
    second = await posts.create_post(session, alice, "@bob yes", visibility="direct",
                                     in_reply_to_id=first.id)
    third = await posts.create_post(session, alice, "@bob @carol all of us",
                                    visibility="direct", in_reply_to_id=second.id)
    await session.commit()
    assert await conversations.thread_of(session, third) == root.id
    await worker.drain()
    await worker.drain()  # idempotent: nothing doubles
    await conversations.add_post(session, third)
    await session.commit()
    rows = list(await session.scalars(select(Conversation).order_by(Conversation.id)))
    keys = sorted((r.account_id, r.participants, r.last_post_id) for r in rows)
    assert keys == sorted([
        (alice.id, str(bob.id), second.id), (bob.id, str(alice.id), second.id),
        (alice.id, ",".join(map(str, sorted([bob.id, carol.id]))), third.id),
        (bob.id, ",".join(map(str, sorted([alice.id, carol.id]))), third.id),
        (carol.id, ",".join(map(str, sorted([alice.id, bob.id]))), third.id),
    ])
