"""Writing posts: limits, replies, quotes, polls, edits with history, deletes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.errors import Forbidden, Invalid, NotFound
from salon.graph import service as graph
from salon.jobs.models import Job
from salon.posts import interactions, search, text
from salon.posts import service as posts
from salon.posts.models import Mention, Poll, PollOption, Post, PostTag, Tag
from salon.posts.schemas import PollSpec
from tests.conftest import People, fresh

URL = "https://example.com/" + "x" * 100  # counts as 23




async def jobs_of(session: AsyncSession, kind: str) -> list[Job]:
    return list(await session.scalars(select(Job).where(Job.kind == kind)))


# --- limits -------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   ", "\n\n\t"])
async def test_empty_post_refused(people: People, session: AsyncSession, body: str) -> None:
    alice = await people.make("alice")
    with pytest.raises(Invalid) as error:
        await posts.create_post(session, alice, body)
    assert error.value.field == "text"


async def test_length_limit(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    post = await posts.create_post(session, alice, "a" * 500)
    assert post.text == "a" * 500
    with pytest.raises(Invalid, match="has 501") as error:
        await posts.create_post(session, alice, "a" * 501)
    assert "by 1" in error.value.message
    # Surrounding whitespace is not counted: it is stripped.
    await posts.create_post(session, alice, "  " + "b" * 500 + "\n")


async def test_length_limit_counts_links_as_23(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    exactly = "a" * 476 + " " + URL  # 476 + 1 + 23 = 500
    post = await posts.create_post(session, alice, exactly)
    assert len(post.text) > 500
    with pytest.raises(Invalid):
        await posts.create_post(session, alice, "a" + exactly)
    assert await posts.create_post(session, alice, f"{URL} {URL} @bob@far.away.example")


async def test_rules_come_from_settings(people: People, session: AsyncSession, settings) -> None:
    alice = await people.make("alice")
    rules = posts.Rules.from_settings(settings.model_copy(update={"max_post_chars": 10}))
    await posts.create_post(session, alice, "a" * 10, rules=rules)
    with pytest.raises(Invalid):
        await posts.create_post(session, alice, "a" * 11, rules=rules)


async def test_content_warning(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    post = await posts.create_post(session, alice, "spoilers", spoiler_text="  the   ending ")
    assert post.spoiler_text == "the ending"
    await posts.create_post(session, alice, "ok", spoiler_text="w" * 200)
    with pytest.raises(Invalid) as error:
        await posts.create_post(session, alice, "too long", spoiler_text="w" * 201)
    assert error.value.field == "spoiler_text"


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private", "direct"])
async def test_visibility_values(people: People, session: AsyncSession, visibility: str) -> None:
    alice = await people.make("alice")
    post = await posts.create_post(session, alice, "hi", visibility=visibility)
    assert post.visibility == visibility


@pytest.mark.parametrize("visibility", ["", "Public", "secret", "followers"])
async def test_invalid_visibility(people: People, session: AsyncSession, visibility: str) -> None:
    alice = await people.make("alice")
    with pytest.raises(Invalid) as error:
        await posts.create_post(session, alice, "hi", visibility=visibility)
    assert error.value.field == "visibility"


async def test_create_indexes_mentions_tags_search_and_counts(
    people: People, session: AsyncSession
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, alice, "Hello @bob @ghost #Sunset #sunset\r\nbye")
    await session.commit()
    assert post.text == "Hello @bob @ghost #Sunset #sunset\nbye"
    assert list(await session.scalars(select(Mention.account_id))) == [bob.id]
    tags = list(await session.execute(select(Tag.name, Tag.display_name).join(PostTag)))
    assert tags == [("sunset", "Sunset")]
    assert [p.id for p in await search.posts(session, "sunse", None)] == [post.id]
    assert (await fresh(session, alice)).posts_count == 1
    assert alice.last_post_at == post.created_at
    kinds = {j.kind for j in await session.scalars(select(Job))}
    assert {"timelines.fanout", "notifications.post_created"} <= kinds


# --- replies and quotes -------------------------------------------------------------------


async def test_reply_counts_and_links(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    root = await posts.create_post(session, alice, "root")
    reply = await posts.create_post(session, bob, "reply", in_reply_to_id=root.id)
    await posts.create_post(session, alice, "self reply", in_reply_to_id=reply.id)
    await session.commit()
    assert (reply.in_reply_to_id, reply.in_reply_to_account_id) == (root.id, alice.id)
    assert (await fresh(session, root)).replies_count == 1
    assert (await fresh(session, reply)).replies_count == 1

    await posts.delete_post(session, bob, reply.id)
    await session.commit()
    assert (await fresh(session, root)).replies_count == 0


async def test_reply_to_invisible_post_is_not_found(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    private = await posts.create_post(session, alice, "followers only", visibility="private")
    direct = await posts.create_post(session, alice, "just me", visibility="direct")
    await session.commit()
    for target in (private.id, direct.id, 424242):
        with pytest.raises(NotFound):
            await posts.create_post(session, bob, "hey", in_reply_to_id=target)
    await graph.follow(session, bob.id, alice.id)
    reply = await posts.create_post(session, bob, "now I can", in_reply_to_id=private.id)
    assert reply.in_reply_to_id == private.id
    # Blocked either way: the post is invisible, so is replying to it.
    await graph.block(session, alice.id, bob.id)
    public = await posts.create_post(session, alice, "public")
    with pytest.raises(NotFound):
        await posts.create_post(session, bob, "hey", in_reply_to_id=public.id)


async def test_reply_to_repost_refused(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    original = await posts.create_post(session, alice, "original")
    boost = await interactions.repost(session, bob, original.id)
    with pytest.raises(Invalid):
        await posts.create_post(session, bob, "reply", in_reply_to_id=boost.id)


async def test_quotes(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    public = await posts.create_post(session, alice, "quotable")
    unlisted = await posts.create_post(session, alice, "also", visibility="unlisted")
    private = await posts.create_post(session, alice, "followers", visibility="private")
    await session.commit()
    quote = await posts.create_post(session, bob, "look", quote_of_id=public.id)
    assert quote.quote_of_id == public.id
    assert (await posts.create_post(session, bob, "u", quote_of_id=unlisted.id)).quote_of_id
    # Quoting a repost quotes the original.
    boost = await interactions.repost(session, bob, public.id)
    assert (await posts.create_post(session, bob, "q", quote_of_id=boost.id)).quote_of_id == (
        public.id
    )
    # A private post: invisible to a non-follower (not found), refused to a follower.
    with pytest.raises(NotFound):
        await posts.create_post(session, bob, "leak", quote_of_id=private.id)
    await graph.follow(session, bob.id, alice.id)
    with pytest.raises(Invalid) as error:
        await posts.create_post(session, bob, "leak", quote_of_id=private.id)
    assert error.value.field == "quote_of_id"
    # Even the author cannot quote their own private post publicly.
    with pytest.raises(Invalid):
        await posts.create_post(session, alice, "me", quote_of_id=private.id)


# --- polls --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        PollSpec(["only"], 3600),
        PollSpec(["a", "b", "c", "d", "e"], 3600),
        PollSpec(["a", " ", ""], 3600),  # blank options do not count
        PollSpec(["Yes", "yes "], 3600),
        PollSpec(["a", "b"], 299),
        PollSpec(["a", "b"], 30 * 24 * 3600 + 1),
        PollSpec(["a", "b" * 51], 3600),
    ],
)
async def test_invalid_polls_refused(people: People, session: AsyncSession, spec: PollSpec) -> None:
    alice = await people.make("alice")
    with pytest.raises(Invalid) as error:
        await posts.create_post(session, alice, "vote", poll=spec)
    assert error.value.field == "poll"
    assert await session.scalar(select(func.count()).select_from(Poll)) == 0


@pytest.mark.parametrize("seconds", [300, 30 * 24 * 3600])
async def test_poll_duration_bounds(people: People, session: AsyncSession, seconds: int) -> None:
    alice = await people.make("alice")
    post = await posts.create_post(
        session, alice, "", poll=PollSpec([" red ", "blue", "green", "grey"], seconds)
    )
    poll = await session.scalar(select(Poll).where(Poll.post_id == post.id))
    assert poll is not None
    assert poll.expires_at - post.created_at == timedelta(seconds=seconds)
    titles = await session.scalars(
        select(PollOption.title).where(PollOption.poll_id == poll.id).order_by(PollOption.position)
    )
    assert list(titles) == ["red", "blue", "green", "grey"]
    (job,) = await jobs_of(session, "posts.poll_ended")
    assert job.payload == {"poll_id": poll.id} and job.run_at == poll.expires_at


async def test_poll_and_media_together_refused(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    with pytest.raises(Invalid):
        await posts.create_post(session, alice, "x", media_ids=[1], poll=PollSpec(["a", "b"], 3600))
    with pytest.raises(Invalid):
        await posts.create_post(session, alice, "x", media_ids=[1, 2, 3, 4, 5])


# --- editing ------------------------------------------------------------------------------


async def test_editing_keeps_history(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, alice, "first #old")
    await session.commit()
    await posts.edit_post(session, alice, post.id, "second @bob #new", spoiler_text="cw")
    await posts.edit_post(session, alice, post.id, "third")
    await session.commit()
    assert post.text == "third" and post.spoiler_text == "cw" and post.edited_at is not None
    versions = await posts.history(session, post.id, bob.id)
    assert [(v.text, v.spoiler_text) for v in versions] == [
        ("first #old", ""),
        ("second @bob #new", "cw"),
        ("third", "cw"),
    ]
    assert 'href="/@bob"' in versions[1].content_html
    assert versions[0].created_at == post.created_at
    assert versions[0].created_at <= versions[1].created_at <= versions[2].created_at
    # Mentions and tags follow the current text.
    assert list(await session.scalars(select(Mention).where(Mention.post_id == post.id))) == []
    assert list(await session.scalars(select(PostTag).where(PostTag.post_id == post.id))) == []
    assert [p.id for p in await search.posts(session, "third", None)] == [post.id]
    assert await search.posts(session, "first", None) == []
    assert len(await jobs_of(session, "notifications.post_edited")) == 2


async def test_edit_without_change_adds_no_version(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    post = await posts.create_post(session, alice, "same")
    await posts.edit_post(session, alice, post.id, "  same ")
    assert post.edited_at is None
    assert len(await posts.history(session, post.id, alice.id)) == 1
    with pytest.raises(Invalid):
        await posts.edit_post(session, alice, post.id, "   ")
    with pytest.raises(Invalid):
        await posts.edit_post(session, alice, post.id, "z" * 501)


async def test_editing_others_posts(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    public = await posts.create_post(session, alice, "mine")
    private = await posts.create_post(session, alice, "secret", visibility="private")
    await session.commit()
    with pytest.raises(Forbidden):
        await posts.edit_post(session, bob, public.id, "hacked")
    with pytest.raises(NotFound):
        await posts.edit_post(session, bob, private.id, "hacked")
    with pytest.raises(NotFound):
        await posts.history(session, private.id, bob.id)
    with pytest.raises(NotFound):
        await posts.edit_post(session, bob, 123456789, "nothing")
    boost = await interactions.repost(session, bob, public.id)
    with pytest.raises(NotFound):
        await posts.edit_post(session, bob, boost.id, "edit a repost")
    assert public.text == "mine" and private.text == "secret"


# --- deleting -----------------------------------------------------------------------------


async def test_delete_own_returns_source(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    post = await posts.create_post(session, alice, "redraft #me @nobody", spoiler_text="cw")
    await session.commit()
    deleted = await posts.delete_post(session, alice, post.id)
    await session.commit()
    assert (deleted.text, deleted.spoiler_text) == ("redraft #me @nobody", "cw")
    assert await session.get(Post, post.id) is None
    assert await search.posts(session, "redraft", None) == []
    assert (await fresh(session, alice)).posts_count == 0
    with pytest.raises(NotFound):
        await posts.delete_post(session, alice, post.id)


async def test_delete_others_refused_admin_allowed(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    boss = await people.make("boss", is_admin=True)
    public = await posts.create_post(session, alice, "public")
    direct = await posts.create_post(session, alice, "direct", visibility="direct")
    await session.commit()
    with pytest.raises(Forbidden):
        await posts.delete_post(session, bob, public.id)
    with pytest.raises(NotFound):
        await posts.delete_post(session, bob, direct.id)
    assert await session.get(Post, public.id) is not None
    await posts.delete_post(session, boss, public.id)
    await posts.delete_post(session, boss, direct.id)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(Post)) == 0
    assert (await fresh(session, alice)).posts_count == 0


async def test_deleting_removes_reposts_and_keeps_counters(
    people: People, session: AsyncSession
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    original = await posts.create_post(session, alice, "original")
    reply = await posts.create_post(session, carol, "reply", in_reply_to_id=original.id)
    b1 = await interactions.repost(session, bob, original.id)
    b2 = await interactions.repost(session, carol, original.id)
    await interactions.like(session, bob, original.id)
    await session.commit()
    assert (await fresh(session, original)).reposts_count == 2
    assert (await fresh(session, bob)).posts_count == 1
    assert (await fresh(session, carol)).posts_count == 2

    await posts.delete_post(session, alice, original.id)
    await session.commit()
    session.expunge_all()
    assert await session.get(Post, b1.id) is None and await session.get(Post, b2.id) is None
    counts = {
        a.username: a.posts_count
        for a in await session.scalars(select(Account).order_by(Account.username))
    }
    assert counts == {"alice": 0, "bob": 0, "carol": 1}
    kept = await session.get(Post, reply.id)
    assert kept is not None and kept.in_reply_to_id is None


async def test_deleting_a_reply_of_a_deleted_post(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    root = await posts.create_post(session, alice, "root")
    reply = await posts.create_post(session, alice, "reply", in_reply_to_id=root.id)
    await session.commit()
    await posts.delete_post(session, alice, root.id)
    await session.commit()
    await posts.delete_post(session, alice, reply.id)
    await session.commit()
    assert (await fresh(session, alice)).posts_count == 0


async def test_search_takes_any_text_as_words(people: People, session: AsyncSession) -> None:
    """Query syntax of either index (FTS5's quotes and stars, tsquery's & | ! :*) is just
    punctuation to people: never an error, never a different query."""
    alice = await people.make("alice")
    post = await posts.create_post(session, alice,
                                   "Café terrace at night, C++ & Rust, Mastodon.py")
    await session.commit()
    for query in ("café", "TERR", "night terr", 'c++ "rust"', "rust & !night | c:*", "(caf",
                  "Mastodon.py", "py"):
        assert [p.id for p in await search.posts(session, query, None)] == [post.id], query
    for query in ("", "&&&", "'", "nightly", "terrace moon"):
        assert await search.posts(session, query, None) == [], query


@pytest.mark.parametrize("edit", [False, True])
async def test_overlong_text_refused_before_it_is_parsed(
    people: People, session: AsyncSession, monkeypatch: pytest.MonkeyPatch, edit: bool
) -> None:
    alice = await people.make("alice")
    post = await posts.create_post(session, alice, "first")

    def never(body: str) -> int:
        raise AssertionError("the text was parsed")

    monkeypatch.setattr(text, "count", never)
    body = "http://a" + ")" * 5_000  # 23 + 5,000 as counted, but 10 times the limit raw
    with pytest.raises(Invalid, match="at most 500 characters; this one has 5008") as error:
        if edit:
            await posts.edit_post(session, alice, post.id, body)
        else:
            await posts.create_post(session, alice, body)
    assert error.value.field == "text"
