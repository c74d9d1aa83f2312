"""The admin API's moderation service: the audit log (the web UI's actions too), disabled
logins, account actions closing reports, report categories, and who may do any of it."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.errors import Forbidden, Invalid, NotFound
from salon.moderation import admin
from salon.moderation import service as moderation
from salon.oauth import service as oauth
from salon.posts import service as posts
from salon.timelines.schemas import Cursor
from tests.conftest import PASSWORD, People


async def _log(session: AsyncSession, kind: str, target: int) -> list[tuple[str, int, str]]:
    return [(a.action, a.account_id, a.text)
            for a in reversed(await moderation.audit_log(session, kind, target))]


async def test_the_web_uis_actions_are_logged_with_who_took_them(
        people: People, session: AsyncSession) -> None:
    boss = await people.make("boss", is_admin=True)
    alice = await people.make("alice")
    bob = await people.make("bob")
    waiting = await people.make("newbie", approved=False)
    post = await posts.create_post(session, bob, "spam spam")
    report = await moderation.file_report(session, alice, post_id=post.id)
    await moderation.suspend(session, boss, bob.id)
    await moderation.unsuspend(session, boss, bob.id)
    await moderation.approve(session, boss, waiting.id)
    await moderation.resolve(session, boss, report.id, "remove_post")
    await session.commit()
    assert await _log(session, "account", bob.id) == [("suspend", boss.id, ""),
                                                       ("unsuspend", boss.id, "")]
    assert await _log(session, "account", waiting.id) == [("approve", boss.id, "")]
    assert await _log(session, "post", post.id) == [("remove_post", boss.id,
                                                     f"by account {bob.id}")]
    assert await _log(session, "report", report.id) == [("resolve", boss.id, "remove_post")]


async def test_only_moderators(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    report = await moderation.file_report(session, alice, account_id=bob.id)
    calls = [admin.find_accounts(session, alice, admin.AccountFilter(), Cursor()),
             admin.get_account(session, alice, bob.id),
             admin.act(session, alice, bob.id, "suspend"),
             admin.lift(session, alice, bob.id, "enable"),
             admin.find_reports(session, alice, Cursor()),
             admin.assign(session, alice, report.id, to_self=True),
             admin.resolve(session, alice, report.id),
             admin.update_report(session, alice, report.id, category="spam", rule_ids=[])]
    for call in calls:
        with pytest.raises(Forbidden, match="not allowed"):
            await call
    assert (await accounts.get(session, bob.id)).suspended_at is None


async def test_disable_keeps_the_account_but_not_its_logins(
        people: People, session: AsyncSession) -> None:
    boss = await people.make("boss", is_admin=True)
    bob = await people.make("bob")
    app = await oauth.create_app(session, "tests", "urn:ietf:wg:oauth:2.0:oob", "read")
    issued = await oauth.issue_for(session, app, bob, ["read"])
    cookie, _ = await accounts.start_login_session(session, bob)
    await admin.act(session, boss, bob.id, "disable", text="cooling off")
    await session.commit()
    assert await oauth.resolve(session, issued.access_token) is None
    assert await accounts.resume_login_session(session, cookie) is None
    with pytest.raises(Forbidden, match="disabled"):
        await accounts.authenticate(session, "bob", PASSWORD)
    assert (await accounts.get(session, bob.id)).disabled_at is not None  # still shown
    assert await _log(session, "account", bob.id) == [("disable", boss.id, "cooling off")]
    await admin.lift(session, boss, bob.id, "enable")
    await session.commit()
    assert await oauth.resolve(session, issued.access_token) is not None
    assert await accounts.authenticate(session, "bob", PASSWORD) is not None
    with pytest.raises(Invalid, match="Admins"):
        await admin.act(session, boss, boss.id, "disable")


async def test_actions_close_reports(people: People, session: AsyncSession) -> None:
    boss = await people.make("boss", is_admin=True)
    alice = await people.make("alice")
    bob = await people.make("bob")
    carol = await people.make("carol")
    one = await moderation.file_report(session, alice, account_id=bob.id)
    two = await moderation.file_report(session, carol, account_id=bob.id)
    elsewhere = await moderation.file_report(session, alice, account_id=carol.id)
    with pytest.raises(NotFound):  # a report about someone else
        await admin.act(session, boss, bob.id, "none", report_id=elsewhere.id)
    with pytest.raises(Invalid) as refused:
        await admin.act(session, boss, bob.id, "silence")
    assert refused.value.field == "type"
    await admin.act(session, boss, bob.id, "none", report_id=one.id)
    assert (one.resolved_at is not None, two.resolved_at) == (True, None)
    await admin.act(session, boss, bob.id, "suspend")
    assert two.action_taken == "suspend" and two.resolved_by_id == boss.id
    assert elsewhere.resolved_at is None
    assert bob.suspended_at is not None


async def test_report_categories(people: People, session: AsyncSession) -> None:
    boss = await people.make("boss", is_admin=True)
    alice = await people.make("alice")
    bob = await people.make("bob")
    report = await moderation.file_report(session, alice, account_id=bob.id,
                                          category="harassment")
    await admin.update_report(session, boss, report.id, category="violation", rule_ids=[])
    assert report.category == "harassment"  # already a violation: kept as precise as it was
    await admin.update_report(session, boss, report.id, category="legal", rule_ids=[])
    assert report.category == "illegal"
    for bad, field in ((("nasty", []), "category"), ((None, [1]), "rule_ids")):
        with pytest.raises(Invalid) as refused:
            await admin.update_report(session, boss, report.id, category=bad[0],
                                      rule_ids=bad[1])
        assert refused.value.field == field
