"""Signing up, in and out through the web forms, and the limits on both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.settings import Settings
from tests.databases import Databases
from tests.web import PASSWORD, CheckedSite, make_settings, open_site


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def limited_site(tmp_path: Path, databases: Databases, **limits: int) -> Iterator[CheckedSite]:

    database = databases.fresh(tmp_path)
    yield from open_site(make_settings(tmp_path, database, **limits))
    databases.drop(database)


def test_signup_signs_in_and_shows_the_home_page(site: CheckedSite) -> None:
    visitor = site.visitor()
    visitor.get("/signup")
    response = visitor.post(
        "/signup", {"username": "alice", "password": PASSWORD, "display_name": "Alice A."}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/home"
    home = visitor.get("/home")
    assert home.status_code == 200
    assert "@alice" in home.text and "Alice A." in home.text
    assert 'action="/logout"' in home.text


def test_login_and_logout_end_the_session(site: CheckedSite) -> None:
    site.user("alice")
    browser = site.visitor()
    browser.get("/login")
    response = browser.post("/login", {"username": "ALICE", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/home"
    token = response.cookies["salon_session"]
    assert browser.get("/home").status_code == 200

    assert browser.post("/logout").status_code == 303
    assert browser.get("/home", follow_redirects=False).status_code == 303
    # The old cookie is dead on the server, not only deleted in this browser.
    thief = site.visitor()
    thief.client.cookies.set("salon_session", token)
    again = thief.get("/home", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login")


def test_wrong_password_is_401_with_a_clear_message(site: CheckedSite) -> None:
    site.user("alice")
    browser = site.visitor()
    browser.get("/login")
    for username in ("alice", "nobody"):
        response = browser.post("/login", {"username": username, "password": "not the one 42"})
        assert response.status_code == 401
        assert "That username and password do not match an account." in response.text
        assert "salon_session" not in response.headers.get("set-cookie", "")
    assert browser.get("/home", follow_redirects=False).status_code == 303


def test_duplicate_username_is_refused_whatever_its_case(site: CheckedSite) -> None:
    site.user("alice")
    browser = site.visitor()
    browser.get("/signup")
    response = browser.post("/signup", {"username": "Alice", "password": PASSWORD})
    assert response.status_code == 409
    assert "is taken; choose another" in response.text
    assert 'aria-invalid="true"' in response.text
    assert browser.get("/home", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "at least 8 characters"),
        ("password123", "too easy to guess"),
        ("aaaaaaaaaaaa", "too easy to guess"),
        ("bobby-is-my-name", "must not contain your username"),
    ],
)
def test_weak_password_is_422(site: CheckedSite, password: str, message: str) -> None:
    browser = site.visitor()
    browser.get("/signup")
    response = browser.post("/signup", {"username": "bobby", "password": password})
    assert response.status_code == 422
    assert message in response.text
    assert site.visitor().get("/@bobby").status_code == 404


def test_bad_usernames_are_422(site: CheckedSite) -> None:
    browser = site.visitor()
    browser.get("/signup")
    for name in ("", "has space", "x" * 31, "admin", "<script>"):
        response = browser.post("/signup", {"username": name, "password": PASSWORD})
        assert response.status_code == 422, name
        assert "sername" in response.text


def test_login_rate_limit(tmp_path: Path, databases: Databases) -> None:
    for site in limited_site(tmp_path, databases, login_attempts_per_minute=3):
        site.user("alice")
        browser = site.visitor()
        browser.get("/login")
        for _ in range(3):
            response = browser.post("/login", {"username": "alice", "password": "wrong wrong 1"})
            assert response.status_code == 401
        # Even the right password is refused once over the limit.
        response = browser.post("/login", {"username": "alice", "password": PASSWORD})
        assert response.status_code == 429
        assert "Try again in" in response.text
        assert "salon_session" not in response.headers.get("set-cookie", "")


def test_signup_rate_limit(tmp_path: Path, databases: Databases) -> None:
    for site in limited_site(tmp_path, databases, signups_per_hour=2):
        browser = site.visitor()
        browser.get("/signup")
        for name in ("first", "second"):
            response = browser.post("/signup", {"username": name, "password": PASSWORD})
            assert response.status_code == 303
            browser.post("/logout")
            browser.get("/signup")
        response = browser.post("/signup", {"username": "third", "password": PASSWORD})
        assert response.status_code == 429
        assert "Try again in" in response.text
        assert site.anon.get("/@third").status_code == 404


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/@alice", "/@alice"),
        ("/tags/x?y=1", "/tags/x?y=1"),
        ("//evil.com", "/home"),
        ("//evil.com/@alice", "/home"),
        ("/\\evil.com", "/home"),
        ("https://evil.com/", "/home"),
        ("evil.com", "/home"),
        ("javascript:alert(1)", "/home"),
    ],
)
def test_next_only_goes_to_same_site_paths(site: CheckedSite, target: str, expected: str) -> None:
    site.user("alice")
    browser = site.visitor()
    form = browser.get("/login", params={"next": target})
    assert form.status_code == 200
    response = browser.post("/login", {"username": "alice", "password": PASSWORD, "next": target})
    assert response.status_code == 303
    assert response.headers["location"] == expected
    # Already signed in: GET /login bounces with the same rule.
    again = browser.get("/login", params={"next": target}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == expected


def test_login_required_pages_redirect_to_login_with_next(site: CheckedSite) -> None:
    for path in ("/home", "/notifications", "/bookmarks", "/settings/profile", "/compose"):
        response = site.anon.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"
    htmx = site.anon.get("/home", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == "/login?next=/home"


def test_signed_in_person_is_sent_home_from_signup(site: CheckedSite) -> None:
    alice = site.user("alice")
    response = alice.get("/signup", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/home"
    assert site.anon.get("/", follow_redirects=False).headers["location"] == "/public"
    assert alice.get("/", follow_redirects=False).headers["location"] == "/home"


def test_suspended_account_is_told_only_with_the_right_password(site: CheckedSite) -> None:
    from salon.accounts import service as accounts

    site.user("pal")

    async def suspend(session: AsyncSession) -> None:
        pal = await accounts.get_by_username(session, "pal")
        await accounts.suspend(session, pal.id)

    site.call(suspend)
    visitor = site.visitor()
    visitor.get("/login")
    wrong = visitor.post("/login", {"username": "pal", "password": "not the password"})
    assert wrong.status_code == 401 and "suspended" not in wrong.text
    right = visitor.post("/login", {"username": "pal", "password": PASSWORD})
    assert right.status_code == 403 and "suspended by the moderators" in right.text
    assert "salon_session" not in right.headers.get("set-cookie", "")
