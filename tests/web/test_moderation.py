"""Reports and what moderators do about them, through the web UI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.moderation.models import Report
from salon.settings import Settings
from tests.conftest import PASSWORD
from tests.web import CheckedSite, WebUser, articles, open_site


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def admin(site: CheckedSite) -> WebUser:
    async def make(session: AsyncSession) -> None:
        await accounts.register(session, "mod", PASSWORD, is_admin=True)

    site.call(make)
    mod = site.visitor()
    mod.get("/login")
    assert mod.post("/login", {"username": "mod", "password": PASSWORD}).status_code == 303
    return mod


def report_ids(site: CheckedSite) -> list[int]:
    async def ids(session: AsyncSession) -> list[int]:
        rows = await session.scalars(select(Report.id).order_by(Report.id))
        return list(rows)

    return list(site.call(ids))


def test_report_a_post_and_an_account(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    post_id = site.compose(alice, "alice", {"text": "reportable"})
    form = bob.get(f"/posts/{post_id}/report")
    assert form.status_code == 200 and "reportable" in form.text
    sent = bob.post(f"/posts/{post_id}/report", {"category": "spam", "comment": "buy now"})
    # Post/redirect/get: reloading the thank-you page files nothing twice.
    assert (sent.status_code, sent.headers["location"]) == (303, "/reports/sent")
    assert "The moderators will look at what you reported." in bob.get("/reports/sent").text
    assert bob.get("/@alice/report/new").status_code == 200
    sent = bob.post("/@alice/report", {"category": "harassment", "comment": "rude"})
    assert (sent.status_code, sent.headers["location"]) == (303, "/reports/sent")
    assert len(report_ids(site)) == 2
    assert bob.post("/@bob/report", {"comment": "me"}).status_code == 422
    assert bob.post(f"/posts/{post_id}/report", {"category": "bogus"}).status_code == 422
    assert bob.post("/posts/12345/report", {}).status_code == 404
    assert len(report_ids(site)) == 2


def test_only_admins_see_reports(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    post_id = site.compose(alice, "alice", {"text": "reportable"})
    bob.post(f"/posts/{post_id}/report", {"comment": "look"})
    (rid,) = report_ids(site)
    for person in (alice, bob):
        page = person.get("/admin/reports")
        assert page.status_code == 403 and "Only moderators" in page.text
        assert person.post(f"/admin/reports/{rid}/dismiss").status_code == 403
        assert person.post(f"/admin/posts/{post_id}/remove").status_code == 403
    assert site.anon.get("/admin/reports", follow_redirects=False).status_code == 303
    assert site.anon.get(f"/@alice/{post_id}").status_code == 200
    mod = admin(site)
    page = mod.get("/admin/reports").text
    assert f'id="r{rid}"' in page and "reportable" in page and "“look”" in page
    assert mod.post(f"/admin/reports/{rid}/dismiss").status_code == 303
    assert "No open reports." in mod.get("/admin/reports").text
    assert site.anon.get(f"/@alice/{post_id}").status_code == 200


def test_admin_removes_a_reported_post(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    bob.post("/@alice/follow")
    post_id = site.compose(alice, "alice", {"text": "gone soon #doomed"})
    site.run_jobs()
    bob.post(f"/posts/{post_id}/report", {"category": "spam"})
    (rid,) = report_ids(site)
    mod = admin(site)
    response = mod.post(f"/admin/reports/{rid}/remove_post")
    assert response.status_code == 303 and response.headers["location"] == "/admin/reports"
    site.run_jobs()
    assert site.anon.get(f"/@alice/{post_id}").status_code == 404
    for page in (
        site.anon.get("/public"),
        site.anon.get("/@alice"),
        site.anon.get("/tags/doomed"),
        bob.get("/home"),
        bob.get("/search", params={"q": "gone"}),
        alice.get("/home"),
    ):
        assert "gone soon" not in articles(page.text)
    assert "No open reports." in mod.get("/admin/reports").text
    # Removing directly, from the post's menu, works too.
    other = site.compose(alice, "alice", {"text": "second strike"})
    assert mod.post(f"/admin/posts/{other}/remove").status_code == 303
    assert site.anon.get(f"/@alice/{other}").status_code == 404


def test_admin_suspends_an_account(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    bob.post("/@alice/follow")
    post_id = site.compose(alice, "alice", {"text": "suspended words #gone"})
    site.run_jobs()
    bob.post("/@alice/report", {"category": "spam", "comment": "bot"})
    (rid,) = report_ids(site)
    mod = admin(site)
    assert mod.post(f"/admin/reports/{rid}/suspend").status_code == 303
    assert site.anon.get("/@alice").status_code == 404
    assert site.anon.get(f"/@alice/{post_id}").status_code == 404
    for page in (
        site.anon.get("/public"),
        site.anon.get("/tags/gone"),
        bob.get("/home"),
        bob.get("/search", params={"q": "suspended"}),
    ):
        assert "suspended words" not in page.text
    # Signed out everywhere, and cannot sign in again.
    assert alice.get("/home", follow_redirects=False).status_code == 303
    browser = site.visitor()
    browser.get("/login")
    refused = browser.post("/login", {"username": "alice", "password": PASSWORD})
    assert refused.status_code == 403 and "suspended" in refused.text
    assert 'href="/@alice"' not in bob.get("/@bob/following").text

    # Admins cannot be suspended.
    async def mod_id(session: AsyncSession) -> int:
        return (await accounts.get_by_username(session, "mod")).id

    assert mod.post(f"/admin/accounts/{site.call(mod_id)}/suspend").status_code == 422
    assert mod.post("/admin/accounts/424242/suspend").status_code == 404


def test_admin_lifts_a_suspension(site: CheckedSite) -> None:
    from salon.accounts import service as accounts

    async def setup(session: AsyncSession) -> int:
        await accounts.register(session, "mod", PASSWORD, is_admin=True)
        pal = await accounts.register(session, "pal", PASSWORD)
        await accounts.suspend(session, pal.id)
        return pal.id

    pal_id = site.call(setup)
    mod = site.visitor()
    mod.get("/login")
    mod.post("/login", {"username": "mod", "password": PASSWORD})
    page = mod.get("/admin/reports").text
    assert "Suspended accounts" in page and "@pal" in page
    assert site.anon.get("/@pal").status_code == 404
    lifted = mod.post(f"/admin/accounts/{pal_id}/unsuspend")
    assert lifted.status_code == 303
    assert site.anon.get("/@pal").status_code == 200
    section = mod.get("/admin/reports").text.split("Suspended accounts")[1].split("</section>")[0]
    assert "@pal" not in section and "No suspended accounts." in section
    assert site.user("eve").post(f"/admin/accounts/{pal_id}/suspend").status_code == 403
