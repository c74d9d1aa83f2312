"""The web's "Explain this post": the button on every post (a visitor's is a link to log
in), POST /posts/:id/explain answering the page's script with server-sent events and a form
without script with a page holding the whole answer, for the signed-in viewer alone."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest

from salon.settings import Settings
from tests.api.mastodon.test_explain import DONE, events, whole
from tests.web import XSS, CheckedSite, assert_escaped, elements, open_site

LABEL = "Explained privately by @muse (AI) — only you see this"
STREAM = {"Accept": "text/event-stream, application/json;q=0.5"}


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def test_every_post_offers_it_and_a_visitor_is_asked_to_log_in(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    post_id = site.compose(alice, "alice", {"text": "hello #kites"})
    page = bob.get(f"/@alice/{post_id}").text
    [form] = elements(page, "form", action=f"/posts/{post_id}/explain")
    assert form["method"] == "post" and form["data-explain"] == str(post_id)
    assert html.unescape(form["data-explain-label"]) == LABEL
    [button] = elements(page, "button", class_="explain")
    assert button["aria-label"] == "Explain this post (privately, by AI)"
    visitor = site.visitor().get(f"/@alice/{post_id}").text
    assert not elements(visitor, "form", action=f"/posts/{post_id}/explain")
    [link] = elements(visitor, "a", class_="explain")
    assert link["aria-label"] == "Log in to ask for an explanation"
    assert link["href"] == f"/login?next=/%40alice/{post_id}"  # back here after
    assert elements(bob.get("/public").text, "form", action=f"/posts/{post_id}/explain")


def test_the_script_gets_the_answer_streamed(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    post_id = site.compose(alice, "alice", {"text": "hello #kites"})
    bob.get(f"/@alice/{post_id}")
    answer = bob.client.post(f"/posts/{post_id}/explain",
                             headers={**STREAM, "X-CSRF-Token": bob.csrf})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    found = events(answer.text.split("\n"))
    assert len(found) > 3 and "#kites" in whole(found) and found[-1][0] == DONE
    # Refusals come as JSON the script shows: no CSRF token, a post bob may not see.
    refused = bob.client.post(f"/posts/{post_id}/explain", headers=STREAM)
    assert refused.status_code == 403 and "expired" in refused.json()["error"]
    private = site.compose(alice, "alice", {"text": "just us", "visibility": "private"})
    hidden = bob.client.post(f"/posts/{private}/explain",
                             headers={**STREAM, "X-CSRF-Token": bob.csrf})
    assert hidden.status_code == 404 and "not visible" in hidden.json()["error"]
    visitor = site.visitor()
    visitor.get("/login")
    assert visitor.client.post(f"/posts/{post_id}/explain", headers={
        **STREAM, "X-CSRF-Token": visitor.csrf}).status_code == 401


def test_without_script_the_form_gets_a_page_with_the_answer(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    post_id = site.compose(alice, "alice", {
        "text": "hello #kites", "spoiler_text": " ".join(XSS)})
    bob.get(f"/@alice/{post_id}")
    page = bob.post(f"/posts/{post_id}/explain")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert LABEL in html.unescape(page.text)
    [answer] = [line for line in page.text.splitlines() if 'class="explain-text"' in line]
    assert "#kites" in answer and "@alice" in answer
    assert_escaped(page.text, "explain page")
    visitor = site.visitor()
    visitor.get("/login")
    gone = visitor.post(f"/posts/{post_id}/explain")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


def test_switched_off_there_is_no_button(settings: Settings) -> None:
    for site in open_site(settings.model_copy(update={"assistant_enabled": False})):
        alice = site.user("alice")
        post_id = site.compose(alice, "alice", {"text": "hello"})
        page = alice.get(f"/@alice/{post_id}").text
        assert not elements(page, "form", action=f"/posts/{post_id}/explain")
        assert 'class="act explain"' not in site.visitor().get(f"/@alice/{post_id}").text
        refused = alice.post(f"/posts/{post_id}/explain")
        assert refused.status_code == 404
        assert "switched off" in refused.text
