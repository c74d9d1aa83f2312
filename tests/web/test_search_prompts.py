"""The search page finds a post by the prompt of its generated picture (real `sketch`
engine), unless its author hid the recipe, and only for those who may see the post."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from salon.settings import Settings
from tests.web import CheckedSite, WebUser, articles, open_site
from tests.web.test_imagine import SECRET, picture_post

WORD = SECRET.split("-")[0]  # "zanzibar": a prompt word in no text


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def results(person: WebUser, query: str) -> str:
    page = person.get("/search", params={"q": query})
    assert page.status_code == 200
    return articles(page.text)


def test_the_search_page_finds_a_post_by_its_prompt(site: CheckedSite) -> None:
    alice = site.user("alice")
    post_id = picture_post(site, alice, "alice", f"a {WORD} fox in the snow", "look")
    for person in (site.anon, alice, site.user("bob")):
        assert f"/@alice/{post_id}" in results(person, WORD)
        assert f"/@alice/{post_id}" in results(person, "snow fox")


def test_a_hidden_recipe_post_is_not_found_by_its_prompt(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    post_id = picture_post(site, alice, "alice", f"a {WORD} at dusk", "guess how",
                           hide_recipe="on")
    for person in (site.anon, alice, bob):
        shown = results(person, WORD)
        assert f"/@alice/{post_id}" not in shown and WORD not in shown
    assert f"/@alice/{post_id}" in results(bob, "guess")
    # Shown, then hidden again from the post page: found, then not.
    alice.post(f"/posts/{post_id}/recipe", {"hidden": "0"})
    assert f"/@alice/{post_id}" in results(bob, WORD)
    alice.post(f"/posts/{post_id}/recipe", {"hidden": "1"})
    assert f"/@alice/{post_id}" not in results(bob, WORD)


def test_a_followers_only_prompt_is_not_found_by_a_stranger(site: CheckedSite) -> None:
    alice, bob, carol = site.user("alice"), site.user("bob"), site.user("carol")
    bob.post("/@alice/follow")
    post_id = picture_post(site, alice, "alice", f"a {WORD} fox", "for friends",
                           visibility="private")
    assert f"/@alice/{post_id}" in results(bob, WORD)
    assert f"/@alice/{post_id}" not in results(carol, WORD)
    assert f"/@alice/{post_id}" not in results(site.anon, WORD)
