"""/api/v2/search ranks statuses by words and meaning (a description finds a post that shares
no word with it), pages by `offset` and `max_id`; /api/v1/salon/statuses/:id/similar gives
public pictures of others close in meaning, and nothing of a post the reader may not see."""

from __future__ import annotations

from typing import Any

from tests.api.mastodon.test_endpoints import api, token_for
from tests.api.mastodon.test_generations import account_id, post_picture
from tests.conftest import Site


def statuses(site: Site, headers: dict[str, str], **params: Any) -> list[str]:
    answer = api(site, "GET", "/api/v2/search", headers, params={"type": "statuses", **params})
    assert answer.status_code == 200, answer.text
    return [s["id"] for s in answer.json()["statuses"]]


def status(site: Site, headers: dict[str, str], text: str, **fields: Any) -> str:
    answer = api(site, "POST", "/api/v1/statuses", headers, json={"status": text, **fields})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


def test_statuses_are_found_by_meaning_and_paged(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    android = status(site, alice, "a lonely android under a storm")
    status(site, alice, "a bowl of ripe fruit on a table")
    site.run_jobs()  # their vectors
    assert statuses(site, bob, q="sad robot in the rain") == [android]
    assert statuses(site, bob, q="sad robot in the rain", offset=1) == []

    many = [status(site, alice, f"storm over the harbour, picture {i}") for i in range(5)]
    site.run_jobs()
    first = statuses(site, bob, q="harbour storm", limit=2)
    rest = statuses(site, bob, q="harbour storm", limit=40, offset=2)
    assert len(first) == 2 and not set(first) & set(rest)
    assert set(many) <= set(first + rest)
    older = statuses(site, bob, q="harbour storm", max_id=many[2], limit=40)
    assert set(many[:2]) <= set(older) and not set(many[2:]) & set(older)

    for bad in ({"offset": "-1"}, {"offset": "x"}, {"max_id": "abc"}):
        answer = api(site, "GET", "/api/v2/search", bob, params={"q": "storm", **bad})
        assert answer.status_code == 422, bad
        assert next(iter(bad)) in answer.text
    # Signed out, statuses are not searched at all (as Mastodon).
    assert statuses(site, {}, q="sad robot in the rain") == []


def test_similar_pictures(site: Site) -> None:
    alice, bob, carol = (token_for(site, n) for n in ("alice", "bob", "carol"))
    focus = post_picture(site, alice, "a lonely android under a storm", "rainy day")
    near = post_picture(site, carol, "a sad robot standing in the rain", "wet metal")
    words_only = status(site, carol, "a sad robot standing in the rain")  # no picture
    far = post_picture(site, carol, "a bowl of ripe fruit on a table", "still life")
    api(site, "POST", f"/api/v1/statuses/{focus['id']}/reblog", carol)
    secret = post_picture(site, alice, "a lonely android in the rain", "for friends",
                          visibility="private")
    site.run_jobs()
    path = f"/api/v1/salon/statuses/{focus['id']}/similar"
    for reader in (bob, {}):
        answer = api(site, "GET", path, reader)
        assert answer.status_code == 200, answer.text
        found = [s["id"] for s in answer.json()]
        assert found == [near["id"]]  # not the focus, its repost, text alone, far, private
        assert far["id"] not in found and words_only not in found
    # carol's own picture is no suggestion to carol.
    assert api(site, "GET", path, carol).json() == []
    assert api(site, "GET", path, bob, params={"limit": "x"}).status_code == 422

    # A post the reader may not see is not found; to a follower its similar are shown.
    hidden = f"/api/v1/salon/statuses/{secret['id']}/similar"
    assert api(site, "GET", hidden, bob).status_code == 404
    assert api(site, "GET", hidden, {}).status_code == 404
    api(site, "POST", f"/api/v1/accounts/{account_id(site, alice)}/follow", bob)
    answer = api(site, "GET", hidden, bob)
    assert answer.status_code == 200 and near["id"] in [s["id"] for s in answer.json()]
    assert api(site, "GET", "/api/v1/salon/statuses/123/similar", bob).status_code == 404
