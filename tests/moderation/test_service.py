"""Reports and what moderators do about them."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.errors import Forbidden, Invalid, NotFound
from salon.moderation import service as moderation
from salon.posts import service as posts
from salon.posts.models import Post
from salon.timelines import service as timelines
from salon.timelines.schemas import Cursor
from tests.conftest import PASSWORD, People


async def test_report_a_post(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, bob, "buy <cheap> pills", spoiler_text="ad")
    report = await moderation.file_report(
        session, alice, post_id=post.id, category="spam", comment="  obvious spam  "
    )
    assert report.target_account_id == bob.id and report.post_id == post.id
    assert report.post_excerpt == "ad buy <cheap> pills"
    assert (report.category, report.comment, report.resolved_at) == ("spam", "obvious spam", None)


async def test_report_an_account(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    report = await moderation.file_report(session, alice, account_id=bob.id)
    assert (report.target_account_id, report.post_id, report.category) == (bob.id, None, "other")


async def test_report_rules(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    own = await posts.create_post(session, alice, "mine")
    hidden = await posts.create_post(session, bob, "secret", visibility="private")
    with pytest.raises(Invalid, match="yourself"):
        await moderation.file_report(session, alice, account_id=alice.id)
    with pytest.raises(Invalid, match="yourself"):
        await moderation.file_report(session, alice, post_id=own.id)
    for category in ("", "SPAM", "rude"):
        with pytest.raises(Invalid) as error:
            await moderation.file_report(session, alice, account_id=bob.id, category=category)
        assert error.value.field == "category"
    with pytest.raises(Invalid) as error:
        await moderation.file_report(session, alice, account_id=bob.id, comment="c" * 1001)
    assert error.value.field == "comment"
    with pytest.raises(Invalid):
        await moderation.file_report(session, alice)
    with pytest.raises(NotFound):
        await moderation.file_report(session, alice, post_id=hidden.id)
    with pytest.raises(NotFound):
        await moderation.file_report(session, alice, account_id=4040404)
    for category in moderation.CATEGORIES:
        await moderation.file_report(session, alice, account_id=bob.id, category=category)


async def test_only_admins_list_and_resolve(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    boss = await people.make("boss", is_admin=True)
    report = await moderation.file_report(session, alice, account_id=bob.id)
    await session.commit()
    with pytest.raises(Forbidden):
        await moderation.open_reports(session, alice, Cursor())
    for action in ("dismiss", "suspend", "remove_post"):
        with pytest.raises(Forbidden):
            await moderation.resolve(session, bob, report.id, action)
    with pytest.raises(Forbidden):
        await moderation.suspend(session, alice, bob.id)
    assert [r.id for r in await moderation.open_reports(session, boss, Cursor())] == [report.id]
    with pytest.raises(Invalid):
        await moderation.resolve(session, boss, report.id, "ban_forever")
    with pytest.raises(Invalid, match="not a post"):
        await moderation.resolve(session, boss, report.id, "remove_post")
    with pytest.raises(NotFound):
        await moderation.resolve(session, boss, 1, "dismiss")
    resolved = await moderation.resolve(session, boss, report.id, "dismiss")
    assert resolved.resolved_by_id == boss.id and resolved.action_taken == "dismiss"
    assert await moderation.open_reports(session, boss, Cursor()) == []


async def test_resolve_by_removing_the_post(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    boss = await people.make("boss", is_admin=True)
    post = await posts.create_post(session, bob, "bad post")
    report = await moderation.file_report(session, alice, post_id=post.id, category="violence")
    await session.commit()
    await moderation.resolve(session, boss, report.id, "remove_post")
    await session.commit()
    assert await session.get(Post, post.id) is None
    assert report.action_taken == "remove_post" and report.post_excerpt == "bad post"
    await session.refresh(bob)
    assert bob.posts_count == 0


async def test_suspension_hides_posts_and_blocks_login(
    people: People, session: AsyncSession
) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    boss = await people.make("boss", is_admin=True)
    post = await posts.create_post(session, bob, "hello #world")
    kept = await posts.create_post(session, alice, "still here #world")
    report = await moderation.file_report(session, alice, post_id=post.id, category="harassment")
    await session.commit()
    assert await accounts.authenticate(session, "bob", PASSWORD) is not None

    await moderation.resolve(session, boss, report.id, "suspend")
    await session.commit()
    for viewer in (None, alice.id, boss.id):
        page = await timelines.public(session, viewer, Cursor())
        assert [v.id for v in page.items] == [kept.id]
        tagged = await timelines.tag(session, "world", viewer, Cursor())
        assert [v.id for v in tagged.items] == [kept.id]
    with pytest.raises(NotFound):
        await posts.get_visible(session, post.id, alice.id)
    with pytest.raises(Forbidden, match="suspended"):
        await accounts.authenticate(session, "bob", PASSWORD)
    with pytest.raises(NotFound):
        await moderation.file_report(session, alice, account_id=bob.id)
    # Admins cannot be suspended this way either.
    with pytest.raises(Invalid):
        await moderation.suspend(session, boss, boss.id)
