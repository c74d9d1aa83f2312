"""/api/v2/search finds statuses by the prompts of their generated pictures (real `sketch`
engine), never by a prompt whose recipe the author hid, and only those the searcher may see."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.mastodon.test_endpoints import api, token_for
from tests.api.mastodon.test_generations import SECRET, _hidden_post, account_id, post_picture
from tests.conftest import Site

WORD = SECRET.split("-")[0]  # "zanzibar": a prompt word in no text


def searched(site: Site, headers: dict[str, str], query: str) -> list[str]:
    answer = api(site, "GET", "/api/v2/search", headers, params={"q": query, "type": "statuses"})
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return [s["id"] for s in found["statuses"]]


def test_a_status_is_found_by_its_prompt(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    status = post_picture(site, alice, "a red fox in the snow", "look")
    for headers in (alice, bob):
        assert searched(site, headers, "fox") == [status["id"]]
        assert searched(site, headers, "snow fox") == [status["id"]]


@pytest.mark.parametrize("how", ["hidden afterwards", "posted hidden"])
def test_a_hidden_recipe_is_not_found_by_its_prompt(site: Site, how: str) -> None:
    alice, bob, status_id = _hidden_post(site, how)
    for headers in (alice, bob, token_for(site, "carol")):
        assert searched(site, headers, WORD) == []
        assert searched(site, headers, "dusk") == []
    assert searched(site, bob, "guess") == [status_id]


def test_a_followers_only_prompt_is_not_found_by_a_stranger(site: Site) -> None:
    alice, bob, carol = (token_for(site, n) for n in ("alice", "bob", "carol"))
    api(site, "POST", f"/api/v1/accounts/{account_id(site, alice)}/follow", bob)
    status = post_picture(site, alice, "a fox in the attic", "for friends",
                          visibility="private")
    assert searched(site, bob, "fox") == [status["id"]]
    assert searched(site, alice, "fox") == [status["id"]]
    assert searched(site, carol, "fox") == []
