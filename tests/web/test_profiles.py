"""Profiles through the web UI: relationships, follow lists, tabs and editing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from salon.settings import Settings
from tests.conftest import fetch_media
from tests.web import (
    CheckedSite,
    articles,
    elements,
    followers_shown,
    media_base,
    open_site,
    png,
)


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def test_follow_and_unfollow(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    site.compose(alice, "alice", {"text": "before the follow"})
    response = bob.post("/@alice/follow", headers={"referer": "http://testserver/@alice"})
    assert response.status_code == 303 and response.headers["location"] == "/@alice"
    site.run_jobs()
    profile = bob.get("/@alice").text
    assert 'aria-label="Unfollow @alice"' in profile
    assert followers_shown(profile) == 1
    assert "before the follow" in articles(bob.get("/home").text)  # backfilled
    assert "followed you" in alice.get("/notifications").text
    assert "Follows you" in alice.get("/@bob").text
    followers = site.anon.get("/@alice/followers").text
    assert 'href="/@bob"' in followers
    following = site.anon.get("/@bob/following").text
    assert 'href="/@alice"' in following
    assert "Nobody yet." in site.anon.get("/@alice/following").text
    # HTMX gets the relationship fragment.
    fragment = bob.post("/@alice/unfollow", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.startswith('<div class="relationship" id="relationship">')
    assert 'action="/@alice/follow"' in fragment.text
    site.run_jobs()
    assert "before the follow" not in bob.get("/home").text
    assert "Nobody yet." in site.anon.get("/@alice/followers").text


def test_block_and_mute(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    bob.post("/@alice/follow")
    site.compose(alice, "alice", {"text": "alice speaks"})
    site.run_jobs()
    assert "alice speaks" in bob.get("/home").text
    assert bob.post("/@alice/mute").status_code == 303
    assert "alice speaks" not in articles(bob.get("/home").text)
    assert "alice speaks" not in articles(bob.get("/public").text)
    assert "Muted" in bob.get("/@alice").text
    bob.post("/@alice/unmute")
    assert "alice speaks" in articles(bob.get("/home").text)

    assert alice.post("/@bob/block").status_code == 303
    assert "Unblock" in alice.get("/@bob").text
    page = bob.get("/@alice")
    assert page.status_code == 200
    assert "You cannot see posts from @alice." in page.text
    assert "alice speaks" not in page.text
    assert "alice speaks" not in articles(bob.get("/home").text)
    assert followers_shown(page.text) == 0  # the block ended the follow
    refused = bob.post("/@alice/follow")
    assert refused.status_code == 403
    alice.post("/@bob/unblock")
    assert "alice speaks" in articles(bob.get("/@alice").text)
    for action in ("follow", "block", "mute"):
        assert alice.post(f"/@alice/{action}").status_code == 422
    assert alice.post("/@alice/befriend").status_code == 422
    assert alice.post("/@nobody/follow").status_code == 404


def test_profile_tabs(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    top = site.compose(alice, "alice", {"text": "top level"})
    bobs = site.compose(bob, "bob", {"text": "bob root"})
    alice.post("/posts", {"text": "reply to bob", "in_reply_to_id": str(bobs)})
    site.compose(
        alice,
        "alice",
        {"text": "with picture", "alt_0": "a square"},
        files={"image_0": ("p.png", png(), "image/png")},
    )
    posts = articles(site.anon.get("/@alice").text)
    assert "top level" in posts and "with picture" in posts and "reply to bob" not in posts
    replies = articles(site.anon.get("/@alice/with_replies").text)
    assert "top level" in replies and "reply to bob" in replies
    media = site.anon.get("/@alice/media").text
    base = media_base(site.settings)
    assert [i["alt"] for i in elements(media, "img") if i["src"].startswith(base)] == [
        "a square"
    ]
    assert f'href="/@alice/{top}"' not in media
    nav = elements(site.anon.get("/@alice/media").text, "a", **{"aria-current": "page"})
    assert any(a["href"] == "/@alice/media" for a in nav)
    assert site.anon.get("/@alice/likes").status_code == 404
    assert site.anon.get("/@nobody").status_code == 404
    assert site.anon.get("/@ALICE").status_code == 200


def test_edit_profile_and_avatar(site: CheckedSite) -> None:
    alice = site.user("alice")
    response = alice.post(
        "/settings/profile",
        {"display_name": "Alice Liddell", "bio": "Down the #rabbit hole"},
        files={"avatar": ("me.png", png(600, 500), "image/png")},
    )
    assert response.status_code == 200 and "Profile saved." in response.text
    profile = site.anon.get("/@alice").text
    assert "Alice Liddell" in profile
    assert 'href="/tags/rabbit"' in profile
    avatar = elements(profile, "img", class_="xl")[0]["src"]
    assert avatar.startswith(media_base(site.settings)) and avatar.endswith(".jpg")
    fetched = fetch_media(site.anon.client, avatar)
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/jpeg"

    refused = alice.post(
        "/settings/profile",
        {"display_name": "Changed Name", "bio": "changed bio"},
        files={"avatar": ("evil.png", b"<?php echo 1; ?>", "image/png")},
    )
    assert refused.status_code == 422
    assert "not an image we can read" in refused.text
    profile = site.anon.get("/@alice").text
    assert "Alice Liddell" in profile and "Changed Name" not in profile
    assert "changed bio" not in profile
    assert elements(profile, "img", class_="xl")[0]["src"] == avatar

    too_long = alice.post("/settings/profile", {"display_name": "x" * 61, "bio": ""})
    assert too_long.status_code == 422 and "at most 60 characters" in too_long.text
    assert "Alice Liddell" in site.anon.get("/@alice").text
    assert alice.get("/settings", follow_redirects=False).headers["location"] == "/settings/profile"


def test_who_to_follow_leaves_out_followed_blocked_and_muted(site: CheckedSite) -> None:
    alice = site.user("alice")
    for name in ("bob", "carol", "dave", "erin"):
        site.user(name)

    def suggested() -> str:
        page = alice.get("/home").text
        return page.split("Who to follow")[1].split("</section>")[0] if "Who to follow" in page \
            else ""

    assert all(f"@{n}" in suggested() for n in ("bob", "carol", "dave", "erin"))
    alice.post("/@bob/follow")
    alice.post("/@carol/block")
    alice.post("/@dave/mute")
    shown = suggested()
    assert "@erin" in shown
    assert not any(f"@{n}<" in shown for n in ("bob", "carol", "dave"))
