"""Lists: members, the list timeline as the owner may see it, replies_policy, reposts,
exclusive lists and home."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.errors import Invalid, NotFound
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.lists import service as lists
from salon.posts import interactions
from salon.posts.models import Visibility
from salon.settings import Settings
from salon.timelines.schemas import Cursor
from tests.conftest import People
from tests.timelines.helpers import home_ids, write


async def listed_ids(session: AsyncSession, owner: Account, list_id: int,
                     cursor: Cursor | None = None) -> list[int]:
    await session.commit()
    page = await lists.timeline(session, owner.id, list_id, cursor or Cursor(limit=40))
    return [v.id for v in page.items]


async def follows(session: AsyncSession, follower: Account, *followees: Account) -> None:
    for followee in followees:
        await graph.follow(session, follower.id, followee.id)
    await session.commit()


async def test_visibility_matrix_on_the_list_timeline(
    people: People, session: AsyncSession
) -> None:
    owner, member, other = [await people.make(n) for n in ("owner", "member", "other")]
    await follows(session, owner, member)
    made = await lists.create(session, owner.id, "friends")
    await lists.add(session, owner.id, made.id, [member.id])
    shown = [await write(session, member, f"{v} post", visibility=v)
             for v in (Visibility.public, Visibility.unlisted, Visibility.private)]
    # Direct posts stay out of lists (as Mastodon's), even one the owner is mentioned in.
    await write(session, member, "@owner direct", visibility=Visibility.direct)
    await write(session, other, "not a member")
    assert await listed_ids(session, owner, made.id) == [p.id for p in reversed(shown)]

    await graph.mute(session, owner.id, member.id)
    await session.commit()
    assert await listed_ids(session, owner, made.id) == []
    await graph.unmute(session, owner.id, member.id)
    await session.commit()

    await accounts.suspend(session, member.id)
    await session.commit()
    assert await listed_ids(session, owner, made.id) == []


async def test_a_member_who_blocks_the_owner_leaves(people: People,
                                                      session: AsyncSession) -> None:
    owner, member = await people.make("owner"), await people.make("member")
    await follows(session, owner, member)
    made = await lists.create(session, owner.id, "friends")
    await lists.add(session, owner.id, made.id, [member.id])
    post = await write(session, member, "hello")
    assert await listed_ids(session, owner, made.id) == [post.id]
    await graph.block(session, member.id, owner.id)
    await session.commit()
    assert await listed_ids(session, owner, made.id) == []
    # The block ended the follow, and with it the membership.
    assert await lists.members(session, owner.id, made.id) == []


async def test_only_the_owner_reads_a_list(people: People, session: AsyncSession) -> None:
    owner, member, stranger = [await people.make(n) for n in ("owner", "member", "stranger")]
    await follows(session, owner, member)
    await follows(session, stranger, member)
    made = await lists.create(session, owner.id, "friends")
    for attempt in (lists.timeline(session, stranger.id, made.id, Cursor()),
                    lists.members(session, stranger.id, made.id),
                    lists.add(session, stranger.id, made.id, [member.id]),
                    lists.remove(session, stranger.id, made.id)):
        with pytest.raises(NotFound):
            await attempt


async def test_members_must_be_followed_and_leave_on_unfollow(
    people: People, session: AsyncSession
) -> None:
    owner, member, stranger = [await people.make(n) for n in ("owner", "member", "stranger")]
    await follows(session, owner, member)
    made = await lists.create(session, owner.id, "friends")
    with pytest.raises(Invalid) as refused:
        await lists.add(session, owner.id, made.id, [stranger.id])
    assert refused.value.field == "account_ids"
    with pytest.raises(NotFound):
        await lists.add(session, owner.id, made.id, [987654321])
    await lists.add(session, owner.id, made.id, [member.id])
    await lists.add(session, owner.id, made.id, [member.id])  # again: no change
    assert [a for _, a in await lists.members(session, owner.id, made.id)] == [member.id]
    assert [x.id for x in await lists.with_member(session, owner.id, member.id)] == [made.id]
    await graph.unfollow(session, owner.id, member.id)
    await session.commit()
    assert await lists.members(session, owner.id, made.id) == []


async def test_limits(people: People, session: AsyncSession,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    owner, a, b = [await people.make(n) for n in ("owner", "anna", "bert")]
    await follows(session, owner, a, b)
    monkeypatch.setattr(lists, "LISTS_PER_ACCOUNT", 2)
    monkeypatch.setattr(lists, "MEMBERS_PER_LIST", 1)
    first = await lists.create(session, owner.id, "one")
    await lists.create(session, owner.id, "two")
    with pytest.raises(Invalid):
        await lists.create(session, owner.id, "three")
    await lists.add(session, owner.id, first.id, [a.id])
    with pytest.raises(Invalid):
        await lists.add(session, owner.id, first.id, [b.id])
    for title in ("", "   ", "x" * (lists.TITLE_MAX + 1)):
        with pytest.raises(Invalid):
            await lists.update(session, owner.id, first.id, title=title)
    with pytest.raises(Invalid):
        await lists.update(session, owner.id, first.id, replies_policy="all")


@pytest.mark.parametrize("policy, shown", [
    ("none", {"own", "to owner", "top"}),
    ("list", {"own", "to owner", "top", "to member"}),
    ("followed", {"own", "to owner", "top", "to member", "to followed"}),
])
async def test_replies_policy(people: People, session: AsyncSession, policy: str,
                              shown: set[str]) -> None:
    owner, member, mate, followed, stranger = [
        await people.make(n) for n in ("owner", "member", "mate", "followed", "stranger")]
    await follows(session, owner, member, mate, followed)
    made = await lists.create(session, owner.id, "l", replies_policy=policy)
    await lists.add(session, owner.id, made.id, [member.id, mate.id])
    targets = {
        "own": await write(session, member, "thread start"),
        "to owner": await write(session, owner, "owner's"),
        "to member": await write(session, mate, "mate's"),
        "to followed": await write(session, followed, "followed's"),
        "to stranger": await write(session, stranger, "stranger's"),
    }
    names = {}
    for name, target in targets.items():
        reply = await write(session, member, "a reply", in_reply_to_id=target.id)
        names[reply.id] = name
    names[targets["own"].id] = "top"
    names[targets["to member"].id] = "top"  # the mate's own post: a member's top-level post
    found = {names[i] for i in await listed_ids(session, owner, made.id)}
    assert found == shown


async def test_reposts_as_in_home(people: People, session: AsyncSession) -> None:
    owner, member, author = [await people.make(n) for n in ("owner", "member", "author")]
    await follows(session, owner, member)
    made = await lists.create(session, owner.id, "l")
    await lists.add(session, owner.id, made.id, [member.id])
    original = await write(session, author, "worth sharing")
    repost = await interactions.repost(session, member, original.id)
    await session.commit()
    assert await listed_ids(session, owner, made.id) == [repost.id]
    await graph.follow(session, owner.id, member.id, reposts=False)
    await session.commit()
    assert await listed_ids(session, owner, made.id) == []
    await graph.follow(session, owner.id, member.id, reposts=True)
    await graph.block(session, owner.id, author.id)  # a repost of a blocked account: hidden
    await session.commit()
    assert await listed_ids(session, owner, made.id) == []


async def test_paging(people: People, session: AsyncSession) -> None:
    owner, member = await people.make("owner"), await people.make("member")
    await follows(session, owner, member)
    made = await lists.create(session, owner.id, "l")
    await lists.add(session, owner.id, made.id, [member.id])
    posts = [(await write(session, member, f"n{n}")).id for n in range(5)]
    first = await lists.timeline(session, owner.id, made.id, Cursor(limit=2))
    assert [v.id for v in first.items] == posts[:2:-1] == [posts[4], posts[3]]
    assert first.next_max_id is not None
    second = await listed_ids(session, owner, made.id, Cursor(max_id=first.next_max_id, limit=2))
    assert second == [posts[2], posts[1]]
    newer = await listed_ids(session, owner, made.id, Cursor(min_id=posts[1], limit=2))
    assert newer == [posts[3], posts[2]]


async def test_exclusive_lists_leave_home(people: People, session: AsyncSession,
                                          settings: Settings, worker: Worker) -> None:
    owner, member, friend = [await people.make(n) for n in ("owner", "member", "friend")]
    await follows(session, owner, member, friend)
    await worker.drain()
    made = await lists.create(session, owner.id, "l", exclusive=True)
    await lists.add(session, owner.id, made.id, [member.id])
    await session.commit()
    theirs = await write(session, member, "only in the list")
    friends = await write(session, friend, "in home")
    shared = await interactions.repost(session, member, friends.id)
    await session.commit()
    await worker.drain()
    assert await home_ids(session, settings, owner) == [friends.id]
    assert await listed_ids(session, owner, made.id) == [shared.id, theirs.id]
    await lists.update(session, owner.id, made.id, exclusive=False)
    await session.commit()
    assert await home_ids(session, settings, owner) == [shared.id, friends.id, theirs.id]
