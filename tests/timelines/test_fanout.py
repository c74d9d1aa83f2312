"""Fan-out on write: home entries per follower, follow backfill, unfollow, the cap, and
accounts too big to fan out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.graph import service as graph
from salon.jobs import service as jobs
from salon.jobs.models import Job
from salon.jobs.worker import Worker
from salon.posts import interactions
from salon.posts import service as posts
from salon.settings import Settings, configure
from salon.timelines import service as timelines
from salon.timelines import tasks
from salon.timelines.models import HomeEntry
from salon.timelines.schemas import Cursor
from salon.timelines.store import SqlTimelineStore, timeline_store
from tests.conftest import People
from tests.databases import REDIS
from tests.timelines.helpers import home_ids, write


@pytest.fixture
def small(settings: Settings) -> Iterator[Settings]:
    """Small caps, as the handlers read them (through `configure`)."""
    changed = configure(
        settings.model_copy(update={"home_timeline_size": 5, "fanout_follower_limit": 2})
    )
    yield changed
    configure(settings)


async def entries(session: AsyncSession, account: Account) -> list[int]:
    """Everything in the account's stored home (database rows, or the Redis set)."""
    await session.commit()  # end any read snapshot, to see what the worker wrote
    everything = Cursor()
    everything.limit = 10_000
    return await timeline_store().page(session, account.id, everything, set())


async def test_fanout_writes_an_entry_per_follower(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    dave = await people.make("dave")
    for follower in (alice, carol):
        await graph.follow(session, follower.id, bob.id)
    await session.commit()
    await worker.drain()
    public = await write(session, bob, "hello")
    private = await write(session, bob, "friends @dave", visibility="private")
    direct = await write(session, bob, "psst @dave", visibility="direct")
    assert await entries(session, alice) == []  # not until the job runs
    await worker.drain()
    assert await entries(session, alice) == [private.id, public.id]
    assert await entries(session, carol) == [private.id, public.id]
    assert await entries(session, dave) == [direct.id, private.id]  # mentioned, not following
    assert await home_ids(session, settings, bob) == [direct.id, private.id, public.id]
    assert await home_ids(session, settings, dave) == [direct.id, private.id]


async def test_fanout_runs_twice_safely(
    people: People, session: AsyncSession, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    await graph.follow(session, alice.id, bob.id)
    post = await write(session, bob, "once")
    await worker.drain()
    async with worker.db.transaction() as s:
        await tasks.fanout(s, {"post_id": post.id})  # a retried job
        await tasks.fanout(s, {"post_id": 1})  # a deleted post
    assert await entries(session, alice) == [post.id]


async def test_reposts_fan_out_to_the_reposters_followers(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    await graph.follow(session, carol.id, bob.id)
    await session.commit()
    original = await write(session, alice, "original")
    boost = await interactions.repost(session, bob, original.id)
    await session.commit()
    await worker.drain()
    assert await entries(session, carol) == [boost.id]
    assert await home_ids(session, settings, carol) == [boost.id]
    # Undoing the repost takes it out of homes.
    await interactions.unrepost(session, bob, original.id)
    await session.commit()
    await worker.drain()  # Redis sets are cleaned by a job
    assert await entries(session, carol) == []


async def test_deleted_posts_leave_every_home(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    await graph.follow(session, alice.id, bob.id)
    post = await write(session, bob, "soon gone")
    await worker.drain()
    assert await home_ids(session, settings, alice) == [post.id]
    await posts.delete_post(session, bob, post.id)
    await session.commit()
    assert await home_ids(session, settings, alice) == []  # at once, whatever the store
    await worker.drain()  # Redis sets are cleaned by a job
    assert await entries(session, alice) == [] and await entries(session, bob) == []
    assert await home_ids(session, settings, alice) == []


async def test_unfollow_removes_the_authors_posts(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    for other in (bob, carol):
        await graph.follow(session, alice.id, other.id)
    await session.commit()
    by_bob = [await write(session, bob, f"b{i}") for i in range(3)]
    by_carol = await write(session, carol, "c")
    boost = await interactions.repost(session, bob, by_carol.id)
    await session.commit()
    await worker.drain()
    assert len(await home_ids(session, settings, alice)) == 5
    assert await graph.unfollow(session, alice.id, bob.id)
    assert not await graph.unfollow(session, alice.id, bob.id)
    await session.commit()
    await worker.drain()
    assert await entries(session, alice) == [by_carol.id]
    assert await home_ids(session, settings, alice) == [by_carol.id]
    assert boost.id not in await entries(session, alice)
    assert by_bob[0].id in await home_ids(session, settings, bob)
    await session.refresh(alice)
    await session.refresh(bob)
    assert (alice.following_count, bob.followers_count) == (1, 0)


async def test_follow_backfills_recent_posts(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    public = await write(session, bob, "public")
    private = await write(session, bob, "private", visibility="private")
    await write(session, bob, "direct", visibility="direct")
    await worker.drain()
    assert await entries(session, alice) == []
    assert await graph.follow(session, alice.id, bob.id)
    assert not await graph.follow(session, alice.id, bob.id)  # already following
    await session.commit()
    await worker.drain()
    assert await entries(session, alice) == [private.id, public.id]
    assert await home_ids(session, settings, alice) == [private.id, public.id]


async def test_backfill_leaves_out_reposts_when_the_follow_does(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice, bob, carol = [await people.make(n) for n in ("alice", "bob", "carol")]
    original = await write(session, carol, "by carol")
    await interactions.repost(session, bob, original.id)
    own = await write(session, bob, "by bob")
    await worker.drain()
    await graph.follow(session, alice.id, bob.id, reposts=False)
    await session.commit()
    await worker.drain()
    assert await home_ids(session, settings, alice) == [own.id]


async def test_backfill_is_limited(people: People, session: AsyncSession, worker: Worker) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    made = [(await posts.create_post(session, bob, f"{i}")).id for i in range(tasks.BACKFILL + 5)]
    await session.commit()
    await worker.drain()
    await graph.follow(session, alice.id, bob.id)
    await session.commit()
    await worker.drain()
    assert await entries(session, alice) == sorted(made, reverse=True)[: tasks.BACKFILL]


async def test_follow_rules(people: People, session: AsyncSession) -> None:
    from salon.errors import Forbidden, Invalid, NotFound

    alice = await people.make("alice")
    bob = await people.make("bob")
    with pytest.raises(Invalid):
        await graph.follow(session, alice.id, alice.id)
    with pytest.raises(NotFound):
        await graph.follow(session, alice.id, 31337)
    await graph.follow(session, alice.id, bob.id)
    await graph.block(session, bob.id, alice.id)
    await session.commit()
    assert not await graph.is_following(session, alice.id, bob.id)
    with pytest.raises(Forbidden):
        await graph.follow(session, alice.id, bob.id)
    with pytest.raises(Forbidden):
        await graph.follow(session, bob.id, alice.id)
    relation = await graph.relationship(session, alice.id, bob.id)
    assert relation.blocked_by and not relation.blocking and not relation.following
    await graph.unblock(session, bob.id, alice.id)
    assert await graph.follow(session, alice.id, bob.id)


# --- the cap ------------------------------------------------------------------------------


@pytest.mark.skipif(bool(REDIS), reason="Redis sets are capped on push: test_redis_store")
async def test_trim_keeps_the_newest_entries(
    people: People, session: AsyncSession, small: Settings, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    await graph.follow(session, alice.id, bob.id)
    made = [(await posts.create_post(session, bob, f"{i}")).id for i in range(9)]
    await session.commit()
    await worker.drain()
    assert len(await entries(session, alice)) == 9

    async with worker.db.transaction() as s:
        jobs.enqueue(s, "timelines.trim")
    await worker.drain()
    newest = sorted(made, reverse=True)[: small.home_timeline_size]
    assert await entries(session, alice) == newest
    # The trim schedules its next run.
    queued = await session.scalars(select(Job).where(Job.kind == "timelines.trim"))
    statuses = sorted((j.status, j.run_at > utcnow()) for j in queued)
    assert statuses == [("done", False), ("queued", True)]
    # Trimming again removes nothing; more posts are cut back to the cap again.
    store = SqlTimelineStore()
    assert await store.trim(session, small.home_timeline_size) == 0
    more = [(await posts.create_post(session, bob, f"more {i}")).id for i in range(3)]
    await session.commit()
    await worker.drain()
    assert await store.trim(session, small.home_timeline_size) == 3
    await session.commit()
    assert await entries(session, alice) == sorted(made + more, reverse=True)[:5]


async def test_trim_counts_per_timeline(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    made = [(await posts.create_post(session, bob, f"{i}")).id for i in range(4)]
    for post_id in made:
        session.add(HomeEntry(account_id=bob.id, post_id=post_id, author_id=bob.id))
    for post_id in made[:2]:
        session.add(HomeEntry(account_id=alice.id, post_id=post_id, author_id=bob.id))
    await session.commit()
    assert await SqlTimelineStore().trim(session, 2) == 2

    async def rows(account: Account) -> list[int]:  # the SQL store's own, whatever the mode
        return list(await session.scalars(select(HomeEntry.post_id).where(
            HomeEntry.account_id == account.id).order_by(HomeEntry.post_id.desc())))

    assert await rows(bob) == made[:1:-1]
    assert await rows(alice) == made[1::-1]


# --- big accounts ------------------------------------------------------------------------


async def test_big_accounts_are_merged_at_read(
    people: People, session: AsyncSession, small: Settings, worker: Worker
) -> None:
    star = await people.make("star")
    erin = await people.make("erin")
    fans = [await people.make(name) for name in ("alice", "carol", "dave")]
    for fan in fans:
        await graph.follow(session, fan.id, star.id)
    await graph.follow(session, fans[0].id, erin.id)
    await session.commit()
    await worker.drain()
    await session.refresh(star)
    assert star.followers_count == 3

    first = await write(session, star, "to the many")
    small_post = await write(session, erin, "to the few")
    second = await write(session, star, "friends only", visibility="private")
    direct = await write(session, star, "direct @erin", visibility="direct")
    await worker.drain()
    # Nothing of the star's stored in its followers' homes.
    for fan in fans:
        assert not {first.id, second.id} & set(await entries(session, fan))
    assert await home_ids(session, small, star) == [direct.id, second.id, first.id]
    # Yet the followers see the posts, in order with fanned-out ones.
    assert await home_ids(session, small, fans[0]) == [second.id, small_post.id, first.id]
    assert await home_ids(session, small, fans[1]) == [second.id, first.id]
    # Paging through a merged home neither repeats nor skips.
    page = await timelines.home(session, small, fans[0].id, Cursor(limit=2))
    assert [v.id for v in page.items] == [second.id, small_post.id]
    page = await timelines.home(session, small, fans[0].id, Cursor(max_id=page.next_max_id))
    assert [v.id for v in page.items] == [first.id]
    # Mutes apply to merged posts too; unfollowing stops the merge.
    await graph.mute(session, fans[1].id, star.id)
    assert await home_ids(session, small, fans[1]) == []
    await graph.unfollow(session, fans[2].id, star.id)
    await session.commit()
    assert await home_ids(session, small, fans[2]) == []


async def test_a_small_account_fans_out_up_to_the_limit(
    people: People, session: AsyncSession, small: Settings, worker: Worker
) -> None:
    star = await people.make("star")
    fans = [await people.make(name) for name in ("alice", "carol")]
    for fan in fans:
        await graph.follow(session, fan.id, star.id)
    await session.commit()
    post = await write(session, star, "two followers is not too many")
    await worker.drain()
    for fan in fans:
        assert await entries(session, fan) == [post.id]


async def test_fanout_reads_the_configured_limit(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    star = await people.make("star")
    fan = await people.make("fan")
    await graph.follow(session, fan.id, star.id)
    await session.execute(update(Account).where(Account.id == star.id).values(followers_count=5))
    await session.commit()
    await worker.drain()
    post = await write(session, star, "under the default limit")
    await worker.drain()
    assert await entries(session, fan) == [post.id]
