"""Follow buttons and the counts they change: the profile's button, the "Who to follow"
rows, with htmx (fragments, counts out of band) and without (a form post and a redirect)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from salon.settings import Settings
from tests.web import CheckedSite, WebUser, elements, followers_shown, open_site


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def suggested(page: str) -> str:
    """The "Who to follow" card of a page ("" when there is none)."""
    return page.split("<h2>Who to follow</h2>")[1].split("</section>")[0] \
        if "<h2>Who to follow</h2>" in page else ""


def following_shown(page: str) -> int:
    found = re.search(r"<strong>(\d+)</strong> Following\b", page)
    assert found, "no following count on the page"
    return int(found.group(1))


def account_id(person: WebUser, username: str) -> str:
    """The id a profile's counts carry (what follow buttons send as counts_of)."""
    return elements(person.get(f"/@{username}").text, "input", name="counts_of")[0]["value"]


def htmx(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


def test_who_to_follow_has_a_follow_button_that_works_without_javascript(
        site: CheckedSite) -> None:
    alice, _bob = site.user("alice"), site.user("bob")
    card = suggested(alice.get("/home").text)
    forms = elements(card, "form", action="/@bob/follow")
    assert forms and forms[0]["method"] == "post"
    assert elements(card, "button", **{"aria-label": "Follow @bob"})

    followed = alice.post("/@bob/follow", headers={"referer": "http://testserver/home"})
    assert followed.status_code == 303 and followed.headers["location"] == "/home"
    assert "@bob<" not in suggested(alice.get("/home").text)
    assert followers_shown(alice.get("/@bob").text) == 1
    assert following_shown(alice.get("/@alice").text) == 1  # one's own Following count

    alice.post("/@bob/unfollow", headers={"referer": "http://testserver/home"})
    assert elements(suggested(alice.get("/home").text), "form", action="/@bob/follow")
    assert followers_shown(alice.get("/@bob").text) == 0
    assert following_shown(alice.get("/@alice").text) == 0


def test_the_profile_button_answers_with_the_new_follower_count(site: CheckedSite) -> None:
    alice, _bob = site.user("alice"), site.user("bob")
    bob_id = account_id(alice, "bob")
    profile = alice.get("/@bob").text
    # The button sends the counts on the page along, so its answer can bring them back.
    assert "[name='counts_of']" in elements(profile, "form", action="/@bob/follow")[0][
        "hx-include"]
    assert elements(profile, "p", id=f"counts-{bob_id}")

    answer = alice.post("/@bob/follow", {"counts_of": bob_id}, headers=htmx("relationship"))
    assert answer.status_code == 200
    assert answer.text.startswith('<div class="relationship" id="relationship">')
    assert 'aria-label="Unfollow @bob"' in answer.text
    counts = elements(answer.text, "p", id=f"counts-{bob_id}")
    assert counts and counts[0]["hx-swap-oob"] == "true"
    assert followers_shown(answer.text) == 1

    answer = alice.post("/@bob/unfollow", {"counts_of": bob_id}, headers=htmx("relationship"))
    assert 'action="/@bob/follow"' in answer.text
    assert followers_shown(answer.text) == 0
    # No counts on the page (none sent): none come back.
    answer = alice.post("/@bob/follow", headers=htmx("relationship"))
    assert "counts-" not in answer.text


def test_following_from_who_to_follow_with_htmx(site: CheckedSite) -> None:
    alice, _bob = site.user("alice"), site.user("bob")
    alice_id, bob_id = account_id(alice, "alice"), account_id(alice, "bob")
    row = elements(suggested(alice.get("/home").text), "li", id=f"suggestion-{bob_id}")
    assert row
    form = elements(suggested(alice.get("/home").text), "form", action="/@bob/follow")[0]
    assert form["hx-target"] == f"#suggestion-{bob_id}" and form["hx-swap"] == "outerHTML"

    # On her own profile, whose Following count the follow changes.
    answer = alice.post("/@bob/follow", {"counts_of": alice_id},
                        headers=htmx(f"suggestion-{bob_id}"))
    assert answer.text.startswith(f'<li class="suggestion" id="suggestion-{bob_id}">')
    assert 'aria-label="Unfollow @bob"' in answer.text and "<span>Following</span>" in answer.text
    assert elements(answer.text, "p", id=f"counts-{alice_id}", **{"hx-swap-oob": "true"})
    assert following_shown(answer.text) == 1
    assert "relationship" not in answer.text
    assert "@bob<" not in suggested(alice.get("/home").text)  # next time: not suggested

    answer = alice.post("/@bob/unfollow", headers=htmx(f"suggestion-{bob_id}"))
    assert elements(answer.text, "form", action="/@bob/follow")
    assert "counts-" not in answer.text


def test_a_locked_account_asked_from_the_suggestions_is_suggested_no_more(
        site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    saved = bob.post("/settings/profile", {"display_name": "Bob", "bio": "", "locked": "on",
                                           "field_name_0": "", "field_value_0": ""})
    assert saved.status_code == 200
    bob_id = account_id(alice, "bob")
    answer = alice.post("/@bob/follow", headers=htmx(f"suggestion-{bob_id}"))
    assert "<span>Requested</span>" in answer.text
    assert 'aria-label="Cancel the follow request to @bob"' in answer.text
    assert "@bob<" not in suggested(alice.get("/home").text)
    assert followers_shown(alice.get("/@bob").text) == 0  # a request is not a follow


def test_a_profile_does_not_suggest_its_own_owner(site: CheckedSite) -> None:
    alice, _bob, _carol = site.user("alice"), site.user("bob"), site.user("carol")
    card = suggested(alice.get("/@bob").text)
    assert "@carol<" in card and "@bob<" not in card  # the page has its own Follow button
    assert "@bob<" in suggested(alice.get("/@carol").text)
    assert "@bob<" not in suggested(alice.get("/@bob/followers").text)
    assert "@carol<" not in suggested(site.anon.get("/@carol").text)
    assert elements(suggested(site.anon.get("/@carol").text), "a",
                    href="/login?next=/@bob")  # signed out: a Follow link to sign in
