"""Posts through the web UI: compose (text, CW, visibility, poll, images), threads, actions
with and without HTMX, quotes, edits with history, deletes, votes and paging."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from salon.settings import Settings
from tests.conftest import fetch_media
from tests.web import CheckedSite, articles, elements, jpeg, media_base, open_site, png

POST_ID_RE = re.compile(r'<article class="post[^"]*" id="p(\d+)"')


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def post_ids(page: str) -> list[int]:
    return [int(i) for i in POST_ID_RE.findall(page)]


def test_compose_text_cw_visibility_and_poll(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    bob.post("/@alice/follow")
    response = alice.post(
        "/posts",
        {
            "text": "hello #salon world",
            "spoiler_text": "spoilers ahead",
            "visibility": "private",
            "next": "/@alice",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/@alice"
    private_id = site.last_post_id("alice")
    page = bob.get(f"/@alice/{private_id}").text
    assert '<span class="cw-text">spoilers ahead</span>' in page
    assert 'href="/tags/salon" class="hashtag"' in page and ">#salon</a>" in page
    assert "vis-private" in page
    poll_id = site.compose(
        alice,
        "alice",
        {
            "text": "which one?",
            "poll_0": "Tea",
            "poll_1": "Coffee",
            "poll_2": "",
            "poll_expires_in": "3600",
            "poll_multiple": "on",
        },
    )
    page = bob.get(f"/@alice/{poll_id}").text
    boxes = elements(page, "input", type="checkbox", name="choice")
    assert [b["value"] for b in boxes] == ["0", "1"]
    assert "Tea" in page and "Coffee" in page
    site.run_jobs()
    home = bob.get("/home").text
    assert "hello" in home and "which one?" in home


def test_vote_shows_results(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    poll_id = site.compose(alice, "alice", {"text": "pick", "poll_0": "Red", "poll_1": "Blue"})
    radios = elements(bob.get(f"/@alice/{poll_id}").text, "input", type="radio")
    assert len(radios) == 2
    response = bob.post(
        f"/posts/{poll_id}/vote",
        {"choice": "1"},
        headers={"referer": f"http://testserver/@alice/{poll_id}"},
    )
    # Back to the same page, at the poll.
    assert response.status_code == 303
    assert response.headers["location"] == f"/@alice/{poll_id}#p{poll_id}"
    page = bob.get(f"/@alice/{poll_id}").text
    assert 'aria-label="Poll results"' in page
    assert 'aria-label="your vote"' in page and "100%" in page
    assert "1 person" in page
    again = bob.post(f"/posts/{poll_id}/vote", {"choice": "0"})
    assert again.status_code == 422 and "already voted" in again.text
    own = alice.post(f"/posts/{poll_id}/vote", {"choice": "0"})
    assert own.status_code == 422 and "your own poll" in own.text
    out_of_range = site.user("carol").post(f"/posts/{poll_id}/vote", {"choice": "7"})
    assert out_of_range.status_code == 422 and "Choose one of the 2 options" in out_of_range.text


@pytest.mark.parametrize("count", [1, 4])
def test_compose_with_images_and_alt_text(site: CheckedSite, count: int) -> None:
    alice = site.user("alice")
    makers = [png, jpeg, png, jpeg]
    files = {
        f"image_{i}": (
            f"pic{i}.{'png' if i % 2 == 0 else 'jpg'}",
            makers[i](30 + i, 20),
            "image/png" if i % 2 == 0 else "image/jpeg",
        )
        for i in range(count)
    }
    alts = {f"alt_{i}": f"description number {i}" for i in range(count)}
    post_id = site.compose(alice, "alice", {"text": "pictures", **alts}, files=files)
    page = site.anon.get(f"/@alice/{post_id}").text
    shown = elements(articles(page), "img", loading="lazy")
    base = media_base(site.settings)
    media = [img for img in shown if img["src"].startswith(base)]
    assert [img["alt"] for img in media] == [f"description number {i}" for i in range(count)]
    assert [img["width"] for img in media] == [str(30 + i) for i in range(count)]
    assert f'class="media n{count}"' in page
    for img in media:
        fetched = fetch_media(site.anon.client, img["src"])
        assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/webp"
    tab = site.anon.get("/@alice/media").text
    grid = [img for img in elements(tab, "img") if img["src"].startswith(base)]
    assert [img["alt"] for img in grid] == [f"description number {i}" for i in range(count)]
    assert all(f'href="/@alice/{post_id}"' in tab for _ in grid)
    assert site.media_count() == count
    # An image-only post is fine too (no text needed).
    only = site.compose(
        alice, "alice", {"text": ""}, files={"image_0": ("p.png", png(), "image/png")}
    )
    assert site.anon.get(f"/@alice/{only}").status_code == 200


def test_reply_shows_in_thread_tree(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    root = site.compose(alice, "alice", {"text": "root post"})
    response = bob.post("/posts", {"text": "@alice first reply", "in_reply_to_id": str(root)})
    reply = site.last_post_id("bob")
    assert response.status_code == 303
    # Back to the thread, at the post's one address (its author's), scrolled to the reply.
    assert response.headers["location"] == f"/@alice/{root}#p{reply}"
    wrong = site.anon.get(f"/@bob/{root}", follow_redirects=False)
    assert (wrong.status_code, wrong.headers["location"]) == (301, f"/@alice/{root}")
    alice.post("/posts", {"text": "nested answer", "in_reply_to_id": str(reply)})
    nested = site.last_post_id("alice")
    page = site.anon.get(f"/@alice/{root}").text
    assert post_ids(page) == [root, reply, nested]
    assert f'<article class="post reply d1" id="p{reply}"' in page
    assert f'<article class="post reply d2" id="p{nested}"' in page
    # The reply's own page shows its ancestor above it.
    page = site.anon.get(f"/@bob/{reply}").text
    assert post_ids(page) == [root, reply, nested]
    assert f'<article class="post focus" id="p{reply}"' in page
    assert "1" in elements(page, "a", class_="reply")[0]["aria-label"]
    site.run_jobs()
    note = alice.get("/notifications").text
    assert "replied to your post" in note and "first reply" in note


@pytest.mark.parametrize("action", ["like", "bookmark", "repost"])
def test_actions_by_form_post_and_by_htmx(site: CheckedSite, action: str) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    post_id = site.compose(alice, "alice", {"text": "act on me"})
    referer = {"referer": "http://testserver/public"}
    response = bob.post(f"/posts/{post_id}/{action}", headers=referer)
    assert response.status_code == 303 and response.headers["location"] == "/public"
    bar = elements(bob.get(f"/@alice/{post_id}").text, "button", class_=action)
    assert bar[0]["aria-pressed"] == "true"
    response = bob.post(f"/posts/{post_id}/un{action}", headers=referer)
    assert response.status_code == 303
    assert (
        elements(bob.get(f"/@alice/{post_id}").text, "button", class_=action)[0]["aria-pressed"]
        == "false"
    )
    # HTMX: the refreshed action bar, with the button pressed and the next action to take.
    fragment = bob.post(f"/posts/{post_id}/{action}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith(f'<footer class="actions" id="actions-{post_id}">')
    assert "<html" not in fragment.text
    button = elements(fragment.text, "button", class_=action)[0]
    assert button["aria-pressed"] == "true"
    assert f'hx-post="/posts/{post_id}/un{action}"' in fragment.text
    if action == "bookmark":
        assert "act on me" in articles(bob.get("/bookmarks").text)
    if action == "like":
        assert 'aria-label="Like (1)"' in fragment.text
    if action == "repost":
        site.run_jobs()
        assert "reposted" in bob.get("/@bob").text


def test_quote(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    original = site.compose(alice, "alice", {"text": "quotable words"})
    form = bob.get(f"/compose?quote_of_id={original}")
    assert form.status_code == 200
    assert f'name="quote_of_id" value="{original}"' in form.text
    quote = site.compose(bob, "bob", {"text": "look at this", "quote_of_id": str(original)})
    page = site.anon.get(f"/@bob/{quote}").text
    links = elements(page, "a", class_="quote")
    assert links and links[0]["href"] == f"/@alice/{original}"
    assert "quotable words" in page
    private = site.compose(alice, "alice", {"text": "secret", "visibility": "private"})
    bob.post("/@alice/follow")
    refused = bob.post("/posts", {"text": "quoting", "quote_of_id": str(private)})
    assert refused.status_code == 422 and "can be quoted" in refused.text


def test_edit_keeps_history(site: CheckedSite) -> None:
    alice = site.user("alice")
    post_id = site.compose(alice, "alice", {"text": "first version"})
    form = alice.get(f"/posts/{post_id}/edit")
    assert form.status_code == 200 and "first version" in form.text
    response = alice.post(f"/posts/{post_id}/edit", {"text": "second version", "spoiler_text": ""})
    assert response.status_code == 303 and response.headers["location"] == f"/@alice/{post_id}"
    page = site.anon.get(f"/@alice/{post_id}").text
    assert "second version" in page and "first version" not in page
    assert f'href="/posts/{post_id}/history">edited</a>' in page
    history = site.anon.get(f"/posts/{post_id}/history")
    assert history.status_code == 200
    text = history.text
    assert text.index("second version") < text.index("first version")
    assert "Current version" in text and "Original" in text
    empty = alice.post(f"/posts/{post_id}/edit", {"text": "  "})
    assert empty.status_code == 422 and "Write something" in empty.text
    assert "second version" in site.anon.get(f"/@alice/{post_id}").text


def test_delete_own_post_and_not_others(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    mine = site.compose(alice, "alice", {"text": "to be deleted"})
    theirs = site.compose(bob, "bob", {"text": "bob stays"})
    assert alice.post(f"/posts/{theirs}/delete").status_code == 403
    assert alice.post(f"/posts/{theirs}/edit", {"text": "hijacked"}).status_code == 403
    assert alice.get(f"/posts/{theirs}/edit").status_code == 403
    page = site.anon.get(f"/@bob/{theirs}").text
    assert "bob stays" in page and "hijacked" not in page
    response = alice.post(f"/posts/{mine}/delete")
    assert response.status_code == 303 and response.headers["location"] == "/@alice"
    assert site.anon.get(f"/@alice/{mine}").status_code == 404
    assert site.anon.get(f"/posts/{mine}").status_code == 404
    assert "to be deleted" not in site.anon.get("/@alice").text
    assert "to be deleted" not in alice.get("/home").text
    assert site.post_count("alice") == 0
    htmx = alice.post(
        f"/posts/{site.compose(alice, 'alice', {'text': 'x'})}/delete",
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 200 and htmx.text == ""


def test_load_more_and_load_newer(site: CheckedSite) -> None:
    alice = site.user("alice")
    ids = [site.compose(alice, "alice", {"text": f"number {n}"}) for n in range(25)]
    first = site.anon.get("/@alice").text
    page1 = post_ids(first)
    assert page1 == sorted(ids, reverse=True)[:20]
    more = elements(first, "a", class_="load-more")[0]["href"]
    assert more == f"?max_id={page1[-1]}"
    second = site.anon.get("/@alice" + html.unescape(more)).text
    page2 = post_ids(second)
    assert page2 == sorted(ids, reverse=True)[20:]
    assert not set(page1) & set(page2)
    assert not elements(second, "a", class_="load-more")
    # HTMX asks for the items only.
    fragment = site.anon.get("/@alice" + more, headers={"HX-Request": "true"}).text
    assert post_ids(fragment) == page2 and "<html" not in fragment
    # Newer than the oldest five: the ones just after it, newest first.
    newer = elements(second, "a", class_="load-newer")[0]["href"]
    newer_page = site.anon.get("/@alice" + html.unescape(newer)).text
    got = post_ids(newer_page)
    assert got and all(i > page2[0] for i in got)
    assert got == sorted(got, reverse=True)
    latest = site.compose(alice, "alice", {"text": "brand new"})
    top = post_ids(site.anon.get(f"/public?min_id={max(ids)}").text)
    assert top == [latest]
    assert post_ids(site.anon.get(f"/@alice?min_id={latest}").text) == []


def test_refused_post_keeps_the_draft(site: CheckedSite) -> None:
    alice = site.user("alice")
    response = alice.post("/posts", {
        "text": "a long draft " + "x" * 600, "spoiler_text": "my warning", "visibility": "private",
        "poll_0": "only one option", "poll_expires_in": "3600",
    })
    assert response.status_code == 422
    page = response.text
    assert "Shorten it by 113." in page
    assert "a long draft " + "x" * 600 + "</textarea>" in page
    assert 'value="my warning"' in page and 'value="only one option"' in page
    assert '<option value="private" selected>' in page
    assert '<option value="3600" selected>' in page
    assert "<article" not in alice.get("/@alice").text  # nothing was posted
