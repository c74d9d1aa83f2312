"""Redirect targets taken from the request (`next`, the Referer) stay on this site."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from salon.settings import Settings
from salon.web.render import safe_next
from tests.conftest import PASSWORD
from tests.web import CheckedSite, open_site

HOSTILE = [
    "//evil.com", "/\\evil.com", "/\\/evil.com", "\\\\evil.com", "///evil.com",
    "https://evil.com", "http:/evil.com", "https:evil.com", "javascript:alert(1)",
    " //evil", "\t//evil", "/\t/evil.com", "/\n/evil.com", "/\r\n/evil.com", "evil.com",
    "/ok\\..\\evil", "",
]
# "/%2F%2Fevil.com" is a path of this site: a browser does not decode %2F into a slash
# before following a Location, so it stays here (and finds nothing).
SAME_SITE = ["/home", "/@alice/12?x=1#p3", "/%2F%2Fevil.com", "/search?q=//x"]


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)  # also: no answer of the site is a 5xx


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_other_places(target: str) -> None:
    assert safe_next(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", SAME_SITE)
def test_safe_next_keeps_paths_of_this_site(target: str) -> None:
    assert safe_next(target, "/fallback") == target


def test_login_and_composer_redirect_only_to_this_site(site: CheckedSite) -> None:
    alice = site.user("alice")
    for target in [*HOSTILE, *SAME_SITE]:
        expected = target if target in SAME_SITE else "/home"
        # The composer's `next`.
        response = alice.post("/posts", {"text": "hi", "visibility": "public", "next": target})
        assert response.status_code == 303, response.text[-500:]
        assert response.headers["location"] == expected, target
        # Signed in already: the login page sends on at once.
        response = alice.client.get("/login", params={"next": target}, follow_redirects=False)
        assert response.headers["location"] == expected, target
    for target in ["//evil.com", "https://evil.com", "/\\evil.com", "/home"]:
        visitor = site.visitor()
        visitor.get("/login")
        response = visitor.post("/login", {"username": "alice", "password": PASSWORD,
                                           "next": target})
        assert response.status_code == 303
        assert response.headers["location"] == ("/home" if target != "/home" else target)


def test_back_follows_only_a_referer_of_this_origin(site: CheckedSite) -> None:
    alice = site.user("alice")
    post_id = site.compose(alice, "alice", {"text": "like me", "visibility": "public"})
    cases = {
        "https://evil.com/@alice": "/",
        "http://evil.com/": "/",
        "http://testserver.evil.com/x": "/",
        "http://testserver//evil.com/x": "/",  # same origin, but a path to another host
        "http://testserver/\\evil.com": "/",
        "https://testserver/public": "/",  # another scheme is another origin
        "http://[::1": "/",  # not a URL
        "javascript:alert(1)": "/",
        "http://testserver/public?local=1": "/public?local=1",
    }
    for referer, expected in cases.items():
        for action in ("like", "unlike"):
            response = alice.post(f"/posts/{post_id}/{action}", headers={"Referer": referer})
            assert response.status_code == 303, response.text[-500:]
            assert response.headers["location"] == expected, referer


def test_a_sign_in_returns_only_to_an_address_of_sane_length(site: CheckedSite) -> None:
    """The way back after signing in is quoted into Location: a huge address (a fuzzer's)
    must not become a header line longer than clients read."""
    visitor = site.visitor()
    short = visitor.client.get("/oauth/authorize", params={"scope": "read"},
                               follow_redirects=False)
    assert short.status_code == 303
    assert short.headers["location"] == "/login?next=/oauth/authorize%3Fscope%3Dread"
    huge = visitor.client.get("/oauth/authorize", params={"scope": "\U000f2d8e" * 5000},
                              follow_redirects=False)
    assert huge.status_code == 303 and huge.headers["location"] == "/login"
