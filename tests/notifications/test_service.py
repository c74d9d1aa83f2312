"""Notifications: who is told what, once, and what they have read."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.graph import service as graph
from salon.jobs.models import Job
from salon.jobs.worker import Worker
from salon.notifications import service as notifications
from salon.notifications import tasks
from salon.notifications.models import Notification
from salon.posts import interactions
from salon.posts import service as posts
from salon.posts.models import Post
from salon.posts.schemas import PollSpec
from salon.timelines.schemas import Cursor
from tests.conftest import People


async def told(session: AsyncSession, account: Account) -> list[tuple[str, int, int | None]]:
    """(type, from account, post) of every stored notification, oldest first."""
    await session.commit()  # see what the worker wrote
    rows = await session.scalars(
        select(Notification).where(Notification.account_id == account.id).order_by(Notification.id)
    )
    return [(n.type, n.from_account_id, n.post_id) for n in rows]


async def run(session: AsyncSession, worker: Worker) -> None:
    await session.commit()
    await worker.drain()


async def test_mention_reply_and_quote(
    people: People, session: AsyncSession, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    root = await posts.create_post(session, alice, "root")
    mention = await posts.create_post(session, bob, "hi @alice and @carol and @bob")
    reply = await posts.create_post(session, bob, "@alice replying", in_reply_to_id=root.id)
    quote = await posts.create_post(session, carol, "see @alice", quote_of_id=root.id)
    await run(session, worker)
    assert await told(session, alice) == [
        ("mention", bob.id, mention.id),
        ("reply", bob.id, reply.id),  # a reply that also mentions is one 'reply'
        ("quote", carol.id, quote.id),  # and a quote that mentions is one 'quote'
    ]
    assert await told(session, carol) == [("mention", bob.id, mention.id)]
    assert await told(session, bob) == []  # nobody is told of their own acts


async def test_like_repost_follow(people: People, session: AsyncSession, worker: Worker) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, alice, "hello")
    await interactions.like(session, bob, post.id)
    await interactions.repost(session, bob, post.id)
    await graph.follow(session, bob.id, alice.id)
    await interactions.like(session, alice, post.id)  # own like: nothing
    await run(session, worker)
    assert await told(session, alice) == [
        ("favourite", bob.id, post.id),
        ("reblog", bob.id, post.id),
        ("follow", bob.id, None),
    ]
    # Like, unlike, like again: still one notification.
    await interactions.unlike(session, bob, post.id)
    await interactions.like(session, bob, post.id)
    await graph.unfollow(session, bob.id, alice.id)
    await graph.follow(session, bob.id, alice.id)
    await run(session, worker)
    assert len(await told(session, alice)) == 3


async def test_poll_ended(people: People, session: AsyncSession, worker: Worker) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    post = await posts.create_post(session, alice, "pick", poll=PollSpec(["a", "b"], 300))
    await run(session, worker)
    await interactions.vote(session, bob, post.id, [0])
    await run(session, worker)
    assert await told(session, bob) == []  # not yet: the job is not due
    assert (await session.scalar(select(Job.status).where(Job.kind == "posts.poll_ended"))) == (
        "queued"
    )
    await session.execute(
        update(Job)
        .where(Job.kind == "posts.poll_ended")
        .values(run_at=utcnow() - timedelta(seconds=1))
    )
    await run(session, worker)
    assert await told(session, bob) == [("poll", alice.id, post.id)]
    assert await told(session, alice) == [("poll", alice.id, post.id)]  # the author too
    assert await told(session, carol) == []  # did not vote


async def test_unread_count_and_mark_read(
    people: People, session: AsyncSession, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    first = await posts.create_post(session, alice, "one")
    second = await posts.create_post(session, alice, "two")
    await interactions.like(session, bob, first.id)
    await interactions.like(session, carol, first.id)
    await run(session, worker)
    assert await notifications.unread_count(session, alice.id) == 2
    await notifications.mark_read(session, alice.id)
    await session.commit()
    assert await notifications.unread_count(session, alice.id) == 0
    await interactions.like(session, bob, second.id)
    await run(session, worker)
    assert await notifications.unread_count(session, alice.id) == 1
    # Marking an older point never moves the marker back.
    await notifications.mark_read(session, alice.id, up_to=1)
    await session.commit()
    assert await notifications.unread_count(session, alice.id) == 1
    newest = (await notifications.page(session, alice.id, Cursor())).items[0]
    await notifications.mark_read(session, alice.id, up_to=newest.id)
    await session.commit()
    assert await notifications.unread_count(session, alice.id) == 0
    assert await notifications.last_read(session, alice.id) == newest.id
    assert await notifications.unread_count(session, bob.id) == 0


async def test_page_filters_and_views(
    people: People, session: AsyncSession, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, alice, "hello")
    await interactions.like(session, bob, post.id)
    await graph.follow(session, bob.id, alice.id)
    await run(session, worker)
    page = await notifications.page(session, alice.id, Cursor())
    assert [n.type for n in page.items] == ["follow", "favourite"]
    assert page.items[1].post is not None and page.items[1].post.id == post.id
    assert page.items[0].from_account.id == bob.id
    only = await notifications.page(session, alice.id, Cursor(), types=["follow"])
    assert [n.type for n in only.items] == ["follow"]
    without = await notifications.page(session, alice.id, Cursor(), exclude_types=["follow"])
    assert [n.type for n in without.items] == ["favourite"]
    # A deleted post takes its notifications with it; dismissing and clearing work.
    await posts.delete_post(session, alice, post.id)
    await session.commit()
    assert [n.type for n in (await notifications.page(session, alice.id, Cursor())).items] == [
        "follow"
    ]
    await notifications.dismiss(session, bob.id, page.items[0].id)  # not bob's: no effect
    assert len(await told(session, alice)) == 1
    await notifications.dismiss(session, alice.id, page.items[0].id)
    assert await told(session, alice) == []


async def test_blocked_and_muted_accounts_do_not_notify(
    people: People, session: AsyncSession, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    post = await posts.create_post(session, alice, "hello")
    await graph.mute(session, alice.id, bob.id)
    await graph.block(session, alice.id, carol.id)
    await session.commit()
    await interactions.like(session, bob, post.id)
    await posts.create_post(session, bob, "@alice hi")
    await graph.follow(session, bob.id, alice.id)
    await run(session, worker)
    assert await told(session, alice) == []
    # Notifications stored before a mute are hidden while it lasts.
    dave = await people.make("dave")
    await interactions.like(session, dave, post.id)
    await run(session, worker)
    assert await notifications.unread_count(session, alice.id) == 1
    await graph.mute(session, alice.id, dave.id)
    await session.commit()
    assert await notifications.unread_count(session, alice.id) == 0
    assert (await notifications.page(session, alice.id, Cursor())).items == []


async def test_visibility_decides_who_is_told(
    people: People, session: AsyncSession, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    # Mentioned accounts may see a private post, so they are told even when not following.
    private = await posts.create_post(session, bob, "psst @carol", visibility="private")
    direct = await posts.create_post(session, bob, "dm @carol", visibility="direct")
    # A private reply to someone who neither follows nor is mentioned: they cannot see it.
    root = await posts.create_post(session, alice, "root")
    hidden_reply = await posts.create_post(
        session, bob, "followers only reply", visibility="private", in_reply_to_id=root.id
    )
    await run(session, worker)
    assert await told(session, carol) == [
        ("mention", bob.id, private.id),
        ("mention", bob.id, direct.id),
    ]
    assert await told(session, alice) == []
    # Once alice follows bob she may see it, and a re-run of the job tells her once.
    await graph.follow(session, alice.id, bob.id)
    await session.commit()
    for _ in range(2):
        async with worker.db.transaction() as s:
            await tasks.post_created(s, {"post_id": hidden_reply.id})
    assert await told(session, alice) == [("reply", bob.id, hidden_reply.id)]


async def test_suspended_authors_notifications_are_hidden(
    people: People, session: AsyncSession, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    await graph.follow(session, bob.id, alice.id)
    await run(session, worker)
    assert len((await notifications.page(session, alice.id, Cursor())).items) == 1
    assert await notifications.unread_count(session, alice.id) == 1
    await accounts.suspend(session, bob.id)
    await session.commit()
    assert (await notifications.page(session, alice.id, Cursor())).items == []
    assert await notifications.unread_count(session, alice.id) == 0  # the badge agrees


async def test_retried_jobs_do_not_duplicate(
    people: People, session: AsyncSession, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, alice, "hello")
    await posts.create_post(session, bob, "@alice", in_reply_to_id=post.id)
    await interactions.like(session, bob, post.id)
    await run(session, worker)
    before = await told(session, alice)
    assert len(before) == 2
    # Run every finished job again, as a worker that died before marking them done would.
    await session.execute(update(Job).values(status="queued", run_at=utcnow()))
    await run(session, worker)
    assert await told(session, alice) == before


async def test_edits_tell_newly_mentioned_once(
    people: People, session: AsyncSession, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    post = await posts.create_post(session, alice, "hello @bob")
    await run(session, worker)
    await posts.edit_post(session, alice, post.id, "hello @bob and @carol")
    await posts.edit_post(session, alice, post.id, "hello @bob and @carol!")
    await run(session, worker)
    assert await told(session, bob) == [("mention", alice.id, post.id)]
    assert await told(session, carol) == [("mention", alice.id, post.id)]
    assert isinstance(await session.get(Post, post.id), Post)
