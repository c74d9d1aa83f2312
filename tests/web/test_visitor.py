"""What a visitor (not logged in) can do with a post: like, repost and bookmark are links
that say "Log in to ..." and, after logging in, lead back to the post; nothing is a dead,
disabled button. Plain links, so they work without JavaScript."""

from __future__ import annotations

import html
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from salon.settings import Settings
from tests.conftest import PASSWORD
from tests.web import CheckedSite, elements, open_site


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def test_a_visitor_is_asked_to_log_in_to_like_repost_or_bookmark(site: CheckedSite) -> None:
    alice = site.user("alice")
    post_id = site.compose(alice, "alice", {"text": "a picture of the moon"})
    for path in ("/public", f"/@alice/{post_id}", "/@alice"):
        page = site.anon.get(path).text
        assert not elements(page, "button", disabled=""), f"a disabled button on {path}"
        for action in ("like", "repost", "bookmark"):
            (link,) = elements(page, "a", class_=action)
            assert link["aria-label"].startswith(f"Log in to {action}"), link
            target = urlsplit(html.unescape(link["href"]))
            assert target.path == "/login"
            assert parse_qs(target.query)["next"] == [f"/@alice/{post_id}"]

    # Following the link: the login form keeps where to go next, and leads back to the post.
    (like,) = elements(site.anon.get("/public").text, "a", class_="like")
    form = site.anon.get(html.unescape(like["href"])).text
    assert elements(form, "input", name="next", value=f"/@alice/{post_id}")
    site.user("bob")  # an account to log in with
    visitor = site.visitor()
    visitor.get(html.unescape(like["href"]))
    answer = visitor.post("/login", {"username": "bob", "password": PASSWORD,
                                     "next": f"/@alice/{post_id}"})
    assert (answer.status_code, answer.headers["location"]) == (303, f"/@alice/{post_id}")
    # Logged in, the same post has the real buttons.
    page = visitor.get(f"/@alice/{post_id}").text
    assert elements(page, "button", class_="like")[0]["aria-label"] == "Like (0)"
