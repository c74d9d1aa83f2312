"""CSRF on every state change, cookie and header hardening, and escaping of everything a
person can type wherever it is shown."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.moderation.models import Report
from salon.settings import Settings
from tests.conftest import PASSWORD
from tests.web import (
    XSS,
    CheckedSite,
    WebUser,
    articles,
    assert_escaped,
    followers_shown,
    open_site,
    png,
)


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def _raw_post(person: WebUser, path: str, data: dict[str, str], token: str | None) -> int:
    payload = dict(data)
    if token is not None:
        payload["csrf_token"] = token
    response = person.client.post(path, data=payload, follow_redirects=False)
    return int(response.status_code)


@pytest.mark.parametrize("token", [None, "", "forged-token-0123456789abcdef"])
def test_every_post_without_the_right_csrf_token_is_403_and_changes_nothing(
    site: CheckedSite, token: str | None
) -> None:
    async def make_admin(session: AsyncSession) -> None:
        from salon.accounts import service

        await service.register(session, "mod", PASSWORD, is_admin=True)

    site.call(make_admin)
    alice, bob = site.user("alice"), site.user("bob")
    post_id = site.compose(alice, "alice", {"text": "original words"})
    bob.post(f"/@alice/{post_id}/report", {"comment": "x"})  # a real report for the admin
    bob.post(f"/posts/{post_id}/report", {"comment": "x"})
    mod = site.visitor()
    mod.get("/login")
    assert mod.post("/login", {"username": "mod", "password": PASSWORD}).status_code == 303

    async def report_id(session: AsyncSession) -> int:
        from sqlalchemy import select

        found = await session.scalar(select(Report.id).limit(1))
        assert found is not None
        return found

    rid = site.call(report_id)
    before_posts = site.post_count("alice"), site.post_count("bob")
    attempts = [
        (bob, "/posts", {"text": "forged post"}),
        (bob, f"/posts/{post_id}/like", {}),
        (bob, f"/posts/{post_id}/repost", {}),
        (bob, f"/posts/{post_id}/bookmark", {}),
        (bob, f"/posts/{post_id}/report", {"comment": "forged"}),
        (alice, f"/posts/{post_id}/edit", {"text": "forged edit"}),
        (alice, f"/posts/{post_id}/delete", {}),
        (bob, "/@alice/follow", {}),
        (bob, "/@alice/block", {}),
        (bob, "/@alice/mute", {}),
        (bob, "/settings/profile", {"display_name": "Forged", "bio": "forged"}),
        (bob, "/logout", {}),
        (mod, f"/admin/posts/{post_id}/remove", {}),
        (mod, f"/admin/reports/{rid}/suspend", {}),
        (mod, "/admin/accounts/1/suspend", {}),
        (site.anon, "/signup", {"username": "forger", "password": PASSWORD}),
        (site.anon, "/login", {"username": "alice", "password": PASSWORD}),
    ]
    for person, path, data in attempts:
        assert _raw_post(person, path, data, token) == 403, path
    # Nothing changed: the post, its counts, the relationship, the profile, the sessions.
    assert (site.post_count("alice"), site.post_count("bob")) == before_posts
    thread = bob.get(f"/@alice/{post_id}")
    assert thread.status_code == 200 and "original words" in thread.text
    assert 'aria-pressed="true"' not in thread.text
    profile = bob.get("/@alice").text
    assert 'aria-label="Unfollow @alice"' not in profile and "Unblock" not in profile
    assert followers_shown(profile) == 0
    assert "Forged" not in bob.get("/settings/profile").text
    assert bob.get("/home").status_code == 200  # still signed in
    assert site.anon.get("/@forger").status_code == 404
    assert site.anon.get("/@bob").status_code == 200
    assert "forged" not in mod.get("/admin/reports").text


def test_csrf_error_message_and_htmx_header_token(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    post_id = site.compose(alice, "alice", {"text": "like me"})
    response = bob.client.post(f"/posts/{post_id}/like", follow_redirects=False)
    assert response.status_code == 403
    assert "Reload the page and try again" in response.text
    # HTMX sends the token in a header (from the page's hx-headers), with no form body.
    page = bob.get("/home")
    assert f'"X-CSRF-Token": "{bob.csrf}"' in page.text
    response = bob.client.post(
        f"/posts/{post_id}/like",
        headers={"X-CSRF-Token": bob.csrf, "HX-Request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert 'class="act like on" aria-pressed="true"' in response.text
    # One person's token is not another's.
    response = alice.client.post(
        f"/posts/{post_id}/bookmark", headers={"X-CSRF-Token": bob.csrf}, follow_redirects=False
    )
    assert response.status_code == 403


def test_session_cookie_is_httponly_and_samesite_lax(site: CheckedSite) -> None:
    site.user("alice")
    browser = site.visitor()
    first = browser.get("/login")
    csrf_cookie = first.headers["set-cookie"]
    assert csrf_cookie.startswith("salon_csrf=")
    assert "HttpOnly" in csrf_cookie and "samesite=lax" in csrf_cookie.lower()
    response = browser.post("/login", {"username": "alice", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("salon_session=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http base_url in tests


@pytest.mark.parametrize("path", ["/public", "/login", "/signup", "/@alice", "/nowhere", "/home"])
def test_security_headers_on_pages(site: CheckedSite, path: str) -> None:
    alice = site.user("alice")
    response = alice.get(path)
    csp = response.headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text  # no inline scripts to need 'unsafe-inline'


def test_user_html_never_executes_anywhere_it_is_shown(site: CheckedSite) -> None:
    payload = " ".join(XSS)

    async def make_admin(session: AsyncSession) -> None:
        from salon.accounts import service

        await service.register(session, "mod", PASSWORD, is_admin=True)

    site.call(make_admin)
    mallory, bob = site.user("mallory"), site.user("bob")
    bob.post("/@mallory/follow")
    saved = mallory.post(
        "/settings/profile", {"display_name": payload[:60], "bio": f"xssword {payload}"}
    )
    assert saved.status_code == 200
    # Display names are at most 60 characters: give each payload its own turn there.
    post_id = site.compose(
        mallory,
        "mallory",
        {"text": f"xssword #xsstag @bob {payload}", "spoiler_text": payload},
        files={"image_0": ("a.png", png(), "image/png")},
    )
    # Alt text is a separate form field.
    alt_id = site.compose(
        mallory,
        "mallory",
        {"text": "xssword alt", "alt_0": payload},
        files={"image_0": ("a.png", png(), "image/png")},
    )
    poll_id = site.compose(
        mallory,
        "mallory",
        {"text": "xssword poll", "poll_0": XSS[0], "poll_1": XSS[1], "poll_2": XSS[2][:50]},
    )
    report = bob.post(f"/posts/{post_id}/report", {"category": "spam", "comment": payload})
    assert report.status_code == 303
    site.run_jobs()

    mod = site.visitor()
    mod.get("/login")
    mod.post("/login", {"username": "mod", "password": PASSWORD})
    pages = {
        "home": bob.get("/home"),
        "public": site.anon.get("/public"),
        "tag": site.anon.get("/tags/xsstag"),
        "thread": site.anon.get(f"/@mallory/{post_id}"),
        "alt thread": site.anon.get(f"/@mallory/{alt_id}"),
        "profile": site.anon.get("/@mallory"),
        "media tab": site.anon.get("/@mallory/media"),
        "search": bob.get("/search", params={"q": "xssword"}),
        "notifications": bob.get("/notifications"),
        "admin reports": mod.get("/admin/reports"),
        "settings": mallory.get("/settings/profile"),
        "report form": bob.get(f"/posts/{post_id}/report"),
        "edit form": mallory.get(f"/posts/{post_id}/edit"),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        text = response.text
        for raw in ("<script>alert(1)", "<img src=x onerror", "<svg onload", "onerror=alert(1)>"):
            assert raw not in text, f"raw {raw!r} on {where}"
    for where in ("home", "public", "thread", "profile", "search", "notifications"):
        assert_escaped(pages[where].text, where)
    # Alt text lands in attributes, escaped there.
    for where in ("alt thread", "media tab"):
        assert "&lt;svg onload=alert(1)&gt;" in pages[where].text, where
        assert "&#34;&gt;" in pages[where].text or "&quot;&gt;" in pages[where].text, where
    # Poll options show escaped to people who may vote and in results.
    poll_page = bob.get(f"/@mallory/{poll_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in poll_page
    assert "<script>alert(1)" not in poll_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in articles(pages["profile"].text)
    assert_escaped(pages["admin reports"].text, "admin reports")
    # The search box echoes the query escaped too.
    echoed = bob.get("/search", params={"q": XSS[2]}).text
    assert "<svg onload" not in echoed and "&lt;svg onload=alert(1)&gt;" in echoed
    # Error pages echo input escaped.
    missing = site.anon.get("/@" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert missing.status_code == 404 and "<script>alert(1)" not in missing.text


def test_csrf_cookie_for_visitors_is_stable(site: CheckedSite) -> None:
    browser = site.visitor()
    browser.get("/login")
    first = browser.csrf
    browser.get("/signup")
    assert browser.csrf == first and len(first) >= 20
    other = site.visitor()
    other.get("/login")
    assert other.csrf != first


def test_head_answers_like_get_without_a_body(site: CheckedSite) -> None:
    get = site.anon.client.get("/public")
    head = site.anon.client.head("/public")
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-security-policy"] == get.headers["content-security-policy"]
    assert site.anon.client.head("/nowhere").status_code == 404
