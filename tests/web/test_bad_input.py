"""Wrong input gets a 4xx with a message saying what to change, never a 5xx, and leaves
nothing half-written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from salon.settings import Settings
from tests.web import CheckedSite, WebUser, articles, bomb_png, jpeg, open_site, png


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


@pytest.fixture
def alice(site: CheckedSite) -> WebUser:
    return site.user("alice")


def refused(
    site: CheckedSite, person: WebUser, data: dict[str, Any], status: int, message: str, **kw: Any
) -> None:
    """Composing fails with `status` and `message`, and nothing at all was written."""
    posts, media = site.post_count("alice"), site.media_count()
    response = person.post("/posts", data, **kw)
    assert response.status_code == status, response.text[-600:]
    assert message in response.text
    assert 'class="flash error"' in response.text
    assert site.post_count("alice") == posts
    assert site.media_count() == media
    assert "must-not-appear" not in site.anon.get("/@alice").text


def test_too_long_and_empty_posts(site: CheckedSite, alice: WebUser) -> None:
    refused(
        site,
        alice,
        {"text": "must-not-appear " + "x" * 485},
        422,
        "this one has 501. Shorten it by 1.",
    )
    refused(site, alice, {"text": ""}, 422, "Write something, or attach an image or a poll.")
    refused(site, alice, {"text": "   \n  "}, 422, "Write something")
    refused(
        site,
        alice,
        {"text": "must-not-appear", "spoiler_text": "c" * 201},
        422,
        "Content warnings can have at most 200 characters.",
    )
    # A link counts 23 however long it is: 477 + 23 = 500 fits.
    long_link = "https://example.com/" + "a" * 300
    site.compose(alice, "alice", {"text": "y" * 476 + " " + long_link})
    refused(site, alice, {"text": "y" * 477 + " " + long_link}, 422, "Shorten it by 1.")
    site.compose(alice, "alice", {"text": "z" * 500})


def test_unknown_and_malformed_post_ids(site: CheckedSite, alice: WebUser) -> None:
    real = site.compose(alice, "alice", {"text": "exists"})
    missing = real + 1
    assert site.anon.get(f"/@alice/{missing}").status_code == 404
    assert site.anon.get(f"/posts/{missing}").status_code == 404
    assert site.anon.get(f"/posts/{missing}/history").status_code == 404
    assert alice.get(f"/posts/{missing}/edit").status_code == 404
    for action in ("like", "bookmark", "repost", "delete", "vote", "report"):
        response = alice.post(f"/posts/{missing}/{action}")
        assert response.status_code == 404, action
        assert "does not exist" in response.text
    assert alice.post(f"/posts/{missing}/edit", {"text": "new"}).status_code == 404
    assert alice.post(f"/posts/{real}/explode").status_code == 422
    huge = "9" * 25
    for path in (
        f"/@alice/{huge}",
        f"/posts/{huge}",
        f"/posts/{huge}/history",
        f"/posts/{huge}/edit",
        "/posts/abc",
        "/posts/1e5",
        "/posts/-1",
    ):
        assert site.anon.get(path).status_code in (404, 422), path
    for path in (
        f"/posts/{huge}/like",
        "/posts/abc/like",
        "/posts/%C2%B2/like",
        f"/admin/reports/{huge}/dismiss",
        f"/admin/accounts/{huge}/suspend",
    ):
        assert alice.post(path).status_code in (404, 422), path
    assert site.anon.get("/@alice/abc").status_code == 404  # no such profile tab
    for bad in ("abc", "²", huge, "1.5"):
        response = alice.post("/posts", {"text": "must-not-appear", "in_reply_to_id": bad})
        assert response.status_code in (404, 422), bad
        response = alice.post("/posts", {"text": "must-not-appear", "quote_of_id": bad})
        assert response.status_code in (404, 422), bad
    assert site.post_count("alice") == 1


@pytest.mark.parametrize("param", ["max_id", "min_id", "since_id"])
@pytest.mark.parametrize("value", ["abc", "²", "9" * 25, "1.5"])
def test_bad_cursors_are_422(site: CheckedSite, param: str, value: str) -> None:
    bob = site.user("bob")
    for path in ("/public", "/home", "/@bob", "/tags/x", "/bookmarks", "/notifications"):
        response = bob.get(path, params={param: value})
        assert response.status_code == 422, path
        assert f"{param} must be a whole number" in response.text
    response = bob.get("/@bob/followers", params={"max_id": value})
    assert response.status_code == 422


def test_editing_or_deleting_someone_elses_post(site: CheckedSite, alice: WebUser) -> None:
    bob = site.user("bob")
    public = site.compose(bob, "bob", {"text": "bob public"})
    hidden = site.compose(bob, "bob", {"text": "bob direct", "visibility": "direct"})
    assert alice.post(f"/posts/{public}/edit", {"text": "x"}).status_code == 403
    assert alice.post(f"/posts/{public}/delete").status_code == 403
    # A post alice cannot see is "not found", so its existence does not leak.
    assert alice.post(f"/posts/{hidden}/edit", {"text": "x"}).status_code == 404
    assert alice.post(f"/posts/{hidden}/delete").status_code == 404
    assert alice.get(f"/posts/{hidden}/edit").status_code == 404
    assert "bob public" in site.anon.get(f"/@bob/{public}").text
    assert "bob direct" in bob.get(f"/@bob/{hidden}").text
    assert site.post_count("bob") == 2


def test_files_that_are_not_images(site: CheckedSite, alice: WebUser) -> None:
    text = {"text": "must-not-appear", "alt_0": "x", "alt_1": "y"}
    refused(
        site,
        alice,
        text,
        422,
        "not an image we can read",
        files={"image_0": ("notes.png", b"just some text, honest", "image/png")},
    )
    refused(
        site,
        alice,
        text,
        422,
        "not an image we can read",
        files={"image_0": ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml")},
    )
    refused(site, alice, text, 422, "is empty", files={"image_0": ("empty.png", b"", "image/png")})
    whole = jpeg(400, 300)
    refused(
        site,
        alice,
        text,
        422,
        "damaged or incomplete",
        files={"image_0": ("cut.jpg", whole[: len(whole) // 2], "image/jpeg")},
    )
    # A good first image and a bad second one: neither is kept.
    refused(
        site,
        alice,
        text,
        422,
        "not an image we can read",
        files={
            "image_0": ("ok.png", png(), "image/png"),
            "image_1": ("bad.png", b"GIF89a nonsense", "image/png"),
        },
    )


def test_decompression_bomb(site: CheckedSite, alice: WebUser) -> None:
    bomb = bomb_png()
    assert len(bomb) < 1_000_000
    refused(
        site,
        alice,
        {"text": "must-not-appear"},
        422,
        "Images may have at most 40 megapixels; this one has 48.0.",
        files={"image_0": ("bomb.png", bomb, "image/png")},
    )
    avatar = alice.post(
        "/settings/profile",
        {"display_name": "must-not-appear"},
        files={"avatar": ("bomb.png", bomb, "image/png")},
    )
    assert avatar.status_code == 422 and "megapixels" in avatar.text
    assert "must-not-appear" not in site.anon.get("/@alice").text


def test_files_over_10_mb(site: CheckedSite, alice: WebUser) -> None:
    big = b"\x89PNG\r\n\x1a\n" + os.urandom(10 * 1024 * 1024)
    refused(
        site,
        alice,
        {"text": "must-not-appear"},
        413,
        "Images must be at most 10 MB",
        files={"image_0": ("huge.png", big, "image/png")},
    )
    avatar = alice.post(
        "/settings/profile",
        {"bio": "must-not-appear"},
        files={"avatar": ("huge.png", big, "image/png")},
    )
    assert avatar.status_code == 413 and "Files must be at most 10 MB" in avatar.text
    assert "must-not-appear" not in site.anon.get("/@alice").text


def test_too_many_images_and_images_with_a_poll(site: CheckedSite, alice: WebUser) -> None:
    refused(
        site,
        alice,
        {"text": "must-not-appear", "poll_0": "a", "poll_1": "b"},
        422,
        "images or a poll, not both",
        files={"image_0": ("a.png", png(), "image/png")},
    )


@pytest.mark.parametrize(
    ("poll", "message"),
    [
        ({"poll_0": "only one"}, "A poll needs 2 to 4 options."),
        ({"poll_0": "same", "poll_1": "SAME"}, "different from each other"),
        ({"poll_0": "a", "poll_1": "b" * 51}, "at most 50 characters"),
        ({"poll_0": "a", "poll_1": "b", "poll_expires_in": "60"}, "between 5 minutes and 30 days"),
        ({"poll_0": "a", "poll_1": "b", "poll_expires_in": "soon"}, "how long the poll runs"),
        ({"poll_0": "a", "poll_1": "b", "poll_expires_in": "²"}, "how long the poll runs"),
        ({"poll_0": "a", "poll_1": "b", "poll_expires_in": "9" * 40}, "how long the poll runs"),
    ],
)
def test_bad_polls(site: CheckedSite, alice: WebUser, poll: dict[str, str], message: str) -> None:
    refused(site, alice, {"text": "must-not-appear", **poll}, 422, message)


@pytest.mark.parametrize("visibility", ["everyone", "PUBLIC", "friends", "<b>"])
def test_unknown_visibility(site: CheckedSite, alice: WebUser, visibility: str) -> None:
    refused(
        site,
        alice,
        {"text": "must-not-appear", "visibility": visibility},
        422,
        "Visibility must be public, unlisted, private or direct.",
    )


def test_bad_votes(site: CheckedSite, alice: WebUser) -> None:
    bob = site.user("bob")
    poll = site.compose(alice, "alice", {"text": "vote", "poll_0": "a", "poll_1": "b"})
    plain = site.compose(alice, "alice", {"text": "no poll here"})
    for choice in ("", "abc", "²", "-1", "9" * 30):
        response = bob.post(f"/posts/{poll}/vote", {"choice": choice})
        assert response.status_code == 422, choice
        assert "Choose one of the 2 options" in response.text
    assert bob.post(f"/posts/{poll}/vote", {"choice": ["0", "1"]}).status_code == 422
    assert bob.post(f"/posts/{plain}/vote", {"choice": "0"}).status_code == 422
    assert "0 people" in bob.get(f"/@alice/{poll}").text


def test_wrong_methods_and_unknown_pages(site: CheckedSite, alice: WebUser) -> None:
    assert site.anon.get("/nowhere").status_code == 404
    assert "There is nothing here." in site.anon.get("/nowhere").text
    assert alice.get("/posts").status_code == 405
    response = alice.client.get("/nowhere", headers={"accept": "application/json"})
    assert response.status_code == 404 and response.json() == {"error": "There is nothing here."}
    htmx = alice.post("/posts", {"text": ""}, headers={"HX-Request": "true"})
    assert htmx.status_code == 422 and htmx.headers["HX-Retarget"] == "#flash"
    assert "Write something" in htmx.text and "<html" not in htmx.text
    long_query = site.anon.get("/search", params={"q": "x" * 5000})
    assert long_query.status_code == 200
    fts = site.anon.get("/search", params={"q": '"unbalanced AND OR NEAR( * -'})
    assert fts.status_code == 200
    assert articles(site.anon.get("/search", params={"q": "***"}).text) == ""
