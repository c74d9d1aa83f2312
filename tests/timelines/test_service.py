"""Reading timelines: home, public, tag, profile tabs, paging and threads."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.media import service as media
from salon.media.store import media_store
from salon.posts import interactions
from salon.posts import service as posts
from salon.settings import Settings
from salon.timelines import service as timelines
from salon.timelines.schemas import Cursor, Page
from salon.timelines.service import ProfileFilter
from tests.conftest import People
from tests.timelines.helpers import home_ids, write


def ids(page: Page[Any]) -> list[int]:
    return [v.id for v in page.items]


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


# --- home ---------------------------------------------------------------------------------


async def test_home_own_posts_at_once_followed_after_fanout(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    await graph.follow(session, alice.id, bob.id)
    await session.commit()
    await worker.drain()
    mine = await write(session, alice, "mine")
    theirs = await write(session, bob, "theirs")
    assert await home_ids(session, settings, alice) == [mine.id]
    assert await home_ids(session, settings, bob) == [theirs.id]
    await worker.drain()
    assert await home_ids(session, settings, alice) == [theirs.id, mine.id]
    assert await home_ids(session, settings, bob) == [theirs.id]  # bob does not follow alice


async def test_home_shows_reposts_of_followed(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    await graph.follow(session, alice.id, bob.id)
    await session.commit()
    original = await write(session, carol, "by carol")
    boost = await interactions.repost(session, bob, original.id)
    await session.commit()
    await worker.drain()
    page = await timelines.home(session, settings, alice.id, Cursor())
    assert ids(page) == [boost.id]
    (item,) = page.items
    assert item.reblog is not None and item.shown.id == original.id
    assert item.author.id == bob.id and item.shown.author.id == carol.id


async def test_blocks_and_mutes_apply_at_read(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    dave = await people.make("dave")
    for other in (bob, carol):
        await graph.follow(session, alice.id, other.id)
    await session.commit()
    by_bob = await write(session, bob, "bob")
    by_carol = await write(session, carol, "carol")
    by_dave = await write(session, dave, "dave")
    carol_boosts_dave = await interactions.repost(session, carol, by_dave.id)
    await session.commit()
    await worker.drain()
    everything = [carol_boosts_dave.id, by_carol.id, by_bob.id]
    assert await home_ids(session, settings, alice) == everything

    # Muting dave hides reposts of dave's posts too; unmuting brings them back.
    await graph.mute(session, alice.id, dave.id)
    await session.commit()
    assert await home_ids(session, settings, alice) == [by_carol.id, by_bob.id]
    await graph.mute(session, alice.id, bob.id)
    assert await home_ids(session, settings, alice) == [by_carol.id]
    await graph.unmute(session, alice.id, dave.id)
    await graph.unmute(session, alice.id, bob.id)
    assert await home_ids(session, settings, alice) == everything

    # A block by the other side hides them at once, before any job runs.
    await graph.block(session, dave.id, alice.id)
    await graph.block(session, bob.id, alice.id)
    await session.commit()
    assert await home_ids(session, settings, alice) == [by_carol.id]


async def test_private_posts_follow_visibility(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    await graph.follow(session, alice.id, bob.id)
    await session.commit()
    private = await write(session, bob, "followers only", visibility="private")
    direct = await write(session, bob, "to @carol", visibility="direct")
    await worker.drain()
    assert await home_ids(session, settings, alice) == [private.id]
    assert await home_ids(session, settings, carol) == [direct.id]
    assert await home_ids(session, settings, bob) == [direct.id, private.id]


async def test_cursor_paging_never_repeats_or_skips(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    await graph.follow(session, alice.id, bob.id)
    await session.commit()
    made = []
    for i in range(45):
        author = bob if i % 3 else alice
        made.append((await posts.create_post(session, author, f"post {i}")).id)
    await session.commit()
    await worker.drain()
    newest_first = sorted(made, reverse=True)
    assert newest_first == made[::-1]  # ids are time-ordered

    # Older pages with max_id.
    seen: list[int] = []
    cursor = Cursor(limit=20)
    sizes = []
    while True:
        page = await timelines.home(session, settings, alice.id, cursor)
        sizes.append(len(page.items))
        seen += ids(page)
        if page.next_max_id is None:
            break
        cursor = Cursor(max_id=page.next_max_id, limit=20)
    assert sizes == [20, 20, 5]
    assert seen == newest_first

    # Newer pages with min_id, starting from the oldest: each page is the ones just newer.
    seen = []
    cursor = Cursor(min_id=0, limit=20)
    for _ in range(10):
        page = await timelines.home(session, settings, alice.id, cursor)
        if not page.items:
            break
        assert ids(page) == sorted(ids(page), reverse=True)
        seen = ids(page) + seen
        cursor = Cursor(min_id=page.prev_min_id, limit=20)
    assert seen == newest_first

    # since_id gives the newest ones above it.
    page = await timelines.home(session, settings, alice.id, Cursor(since_id=made[4], limit=20))
    assert ids(page) == newest_first[:20]
    page = await timelines.home(session, settings, alice.id, Cursor(since_id=made[40], limit=20))
    assert ids(page) == newest_first[:4]
    page = await timelines.home(
        session, settings, alice.id, Cursor(max_id=made[30], since_id=made[20], limit=20)
    )
    assert ids(page) == [made[i] for i in range(29, 20, -1)]


async def test_public_timeline_paging(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    made = [(await posts.create_post(session, alice, f"p{i}")).id for i in range(45)]
    await session.commit()
    seen: list[int] = []
    cursor = Cursor(limit=20)
    while True:
        page = await timelines.public(session, None, cursor)
        seen += ids(page)
        if page.next_max_id is None:
            break
        cursor = Cursor(max_id=page.next_max_id, limit=20)
    assert seen == made[::-1]


# --- public and tag -------------------------------------------------------------------------


async def test_public_timeline_excludes_unlisted_private_direct_and_reposts(
    people: People, session: AsyncSession
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    public = await write(session, alice, "public")
    await write(session, alice, "unlisted", visibility="unlisted")
    await write(session, alice, "private", visibility="private")
    await write(session, alice, "direct @bob", visibility="direct")
    await interactions.repost(session, bob, public.id)
    await write(session, bob, "reply to alice", in_reply_to_id=public.id)
    thread_on = await write(session, alice, "self reply", in_reply_to_id=public.id)
    await session.commit()
    for viewer in (None, alice.id, bob.id):
        page = await timelines.public(session, viewer, Cursor())
        assert ids(page) == [thread_on.id, public.id], viewer
    await graph.mute(session, bob.id, alice.id)
    assert ids(await timelines.public(session, bob.id, Cursor())) == []


async def test_tag_timeline(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    first = await write(session, alice, "#Sunset one")
    await write(session, alice, "#sunset unlisted", visibility="unlisted")
    await write(session, alice, "#sunset private", visibility="private")
    await write(session, alice, "#sunrise other")
    await interactions.repost(session, bob, first.id)
    second = await write(session, bob, "again #SUNSET")
    await session.commit()
    for name in ("sunset", "SUNSET", "#Sunset"):
        assert ids(await timelines.tag(session, name, None, Cursor())) == [second.id, first.id]
    assert ids(await timelines.tag(session, "nothing", None, Cursor())) == []
    await graph.block(session, alice.id, bob.id)
    assert ids(await timelines.tag(session, "sunset", alice.id, Cursor())) == [first.id]


# --- profile ----------------------------------------------------------------------------------


async def test_profile_tabs(people: People, session: AsyncSession, settings: Settings) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    by_bob = await write(session, bob, "bob's")
    top = await write(session, alice, "top level")
    reply = await write(session, alice, "reply to bob", in_reply_to_id=by_bob.id)
    self_reply = await write(session, alice, "self reply", in_reply_to_id=top.id)
    boost = await interactions.repost(session, alice, by_bob.id)
    upload = await media.upload(session, settings, media_store(settings), alice.id, png(), "a.png")
    pictured = await write(session, alice, "", media_ids=[upload.id])
    hidden = await write(session, alice, "private", visibility="private")

    async def tab(viewer: int | None, **flags: bool) -> list[int]:
        page = await timelines.profile(session, alice.id, viewer, Cursor(), ProfileFilter(**flags))
        return ids(page)

    assert await tab(None) == [pictured.id, boost.id, self_reply.id, top.id]
    assert await tab(None, with_replies=True) == [
        pictured.id,
        boost.id,
        self_reply.id,
        reply.id,
        top.id,
    ]
    assert await tab(None, only_media=True) == [pictured.id]
    assert await tab(None, with_reposts=False) == [pictured.id, self_reply.id, top.id]
    assert await tab(alice.id) == [hidden.id, pictured.id, boost.id, self_reply.id, top.id]
    media_tab = ProfileFilter(only_media=True)
    page = await timelines.profile(session, alice.id, None, Cursor(), media_tab)
    assert [m.id for m in page.items[0].media] == [upload.id]


async def test_bookmarks_and_likes_lists(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    one = await write(session, bob, "one")
    two = await write(session, bob, "two")
    await interactions.bookmark(session, alice, two.id)
    await interactions.bookmark(session, alice, one.id)  # bookmarked later: listed first
    await interactions.like(session, alice, one.id)
    await session.commit()
    assert ids(await timelines.bookmarks(session, alice.id, Cursor())) == [one.id, two.id]
    assert ids(await timelines.likes(session, alice.id, Cursor())) == [one.id]
    assert ids(await timelines.bookmarks(session, bob.id, Cursor())) == []


# --- threads ----------------------------------------------------------------------------------


async def test_thread_ancestors_and_depth_first_replies(
    people: People, session: AsyncSession
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    root = await write(session, alice, "root")
    r1 = await write(session, bob, "r1", in_reply_to_id=root.id)
    r2 = await write(session, carol, "r2", in_reply_to_id=root.id)
    r1a = await write(session, alice, "r1a", in_reply_to_id=r1.id)
    r1b = await write(session, carol, "r1b", in_reply_to_id=r1.id)
    r1a1 = await write(session, bob, "r1a1", in_reply_to_id=r1a.id)
    r2a = await write(session, alice, "r2a", in_reply_to_id=r2.id)

    whole = await timelines.thread(session, root.id, None)
    assert whole.focus.id == root.id and whole.ancestors == []
    assert [(n.view.id, n.depth) for n in whole.descendants] == [
        (r1.id, 1),
        (r1a.id, 2),
        (r1a1.id, 3),
        (r1b.id, 2),
        (r2.id, 1),
        (r2a.id, 2),
    ]

    middle = await timelines.thread(session, r1a.id, None)
    assert [v.id for v in middle.ancestors] == [root.id, r1.id]
    assert [(n.view.id, n.depth) for n in middle.descendants] == [(r1a1.id, 1)]

    # Blocked accounts' replies (and what hangs below them) are not shown.
    await graph.block(session, alice.id, bob.id)
    await session.commit()
    seen_by_alice = await timelines.thread(session, root.id, alice.id)
    assert [n.view.id for n in seen_by_alice.descendants] == [r2.id, r2a.id]
    # So are muted accounts' (as in Mastodon's context); their own post still opens.
    await graph.unblock(session, alice.id, bob.id)
    await graph.mute(session, alice.id, carol.id)
    await session.commit()
    seen_by_alice = await timelines.thread(session, root.id, alice.id)
    assert [n.view.id for n in seen_by_alice.descendants] == [r1.id, r1a.id, r1a1.id]
    assert (await timelines.thread(session, r2.id, alice.id)).focus.id == r2.id


async def test_thread_of_a_repost_and_hidden_parent(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    root = await write(session, alice, "private root", visibility="private")
    reply = await write(session, alice, "public reply", in_reply_to_id=root.id)
    boost = await interactions.repost(session, bob, reply.id)
    await session.commit()
    thread = await timelines.thread(session, boost.id, bob.id)
    assert thread.focus.id == reply.id
    assert thread.ancestors == []  # bob may not see the private root
    assert [v.id for v in (await timelines.thread(session, reply.id, alice.id)).ancestors] == [
        root.id
    ]


async def test_a_reply_stays_a_reply_when_its_parent_is_deleted(
    people: People, session: AsyncSession
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    parent = await write(session, alice, "parent")
    reply = await write(session, bob, "a reply", in_reply_to_id=parent.id)
    await posts.delete_post(session, alice, parent.id)
    await session.commit()
    assert ids(await timelines.public(session, None, Cursor())) == []
    assert ids(await timelines.profile(session, bob.id, None, Cursor())) == []
    with_replies = ProfileFilter(with_replies=True)
    assert ids(await timelines.profile(session, bob.id, None, Cursor(), with_replies)) == [reply.id]
