"""/api/v1/lists, its members, /accounts/:id/lists and /timelines/list/:id, as Mastodon
answers them, through the real app."""

from __future__ import annotations

from typing import Any

from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site

NOT_FOUND = {"error": "Record not found"}
# Built in, first in everyone's lists: For You's timeline (see test_sentence_feeds.py).
FOR_YOU = {"id": "1", "title": "For you", "replies_policy": "none", "exclusive": False}


def me(site: Site, who: dict[str, str]) -> str:
    return str(api(site, "GET", "/api/v1/accounts/verify_credentials", who).json()["id"])


def test_lists_crud(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    assert api(site, "GET", "/api/v1/lists", alice).json() == [FOR_YOU]
    made = api(site, "POST", "/api/v1/lists", alice, data={"title": "Friends"})
    assert made.status_code == 200
    body = made.json()
    assert body == {"id": body["id"], "title": "Friends", "replies_policy": "list",
                    "exclusive": False}
    other = api(site, "POST", "/api/v1/lists", alice,
                json={"title": "Art", "replies_policy": "none", "exclusive": True}).json()
    assert other["replies_policy"] == "none" and other["exclusive"] is True
    assert [x["title"] for x in api(site, "GET", "/api/v1/lists", alice).json()] == [
        "For you", "Art", "Friends"]
    path = f"/api/v1/lists/{body['id']}"
    assert api(site, "GET", path, alice).json() == body
    changed = api(site, "PUT", path, alice, json={"title": "Close friends",
                                                  "replies_policy": "followed"}).json()
    assert changed == {**body, "title": "Close friends", "replies_policy": "followed"}
    assert api(site, "PUT", path, alice, data={"exclusive": "true"}).json()["exclusive"]

    # Private to its owner: Bob finds nothing, as for a list that does not exist.
    assert api(site, "GET", "/api/v1/lists", bob).json() == [FOR_YOU]
    for method in ("GET", "PUT", "DELETE"):
        refused = api(site, method, path, bob, json={"title": "mine now"})
        assert (refused.status_code, refused.json()) == (404, NOT_FOUND), method
    for sub in ("/accounts", "/../../timelines/list/" + body["id"]):
        assert api(site, "GET", path + sub, bob).status_code == 404

    assert api(site, "DELETE", path, alice).json() == {}
    assert api(site, "GET", path, alice).status_code == 404
    assert [x["id"] for x in api(site, "GET", "/api/v1/lists", alice).json()] == [
        "1", other["id"]]


def test_bad_input_names_the_field(site: Site) -> None:
    alice = token_for(site, "alice")
    for data, field in (({}, "title"), ({"title": "  "}, "title"),
                        ({"title": "x" * 101}, "title"),
                        ({"title": "ok", "replies_policy": "everyone"}, "replies_policy"),
                        ({"title": "ok", "exclusive": "maybe"}, "exclusive")):
        refused = api(site, "POST", "/api/v1/lists", alice, data=data)
        assert refused.status_code == 422, data
        assert refused.json()["error"].startswith(field), refused.json()
    made = api(site, "POST", "/api/v1/lists", alice, data={"title": "ok"}).json()
    path = f"/api/v1/lists/{made['id']}"
    assert api(site, "PUT", path, alice, data={"title": ""}).status_code == 422
    refused = api(site, "POST", path + "/accounts", alice, data={"account_ids[]": "abc"})
    assert refused.status_code == 422 and "account_ids" in refused.json()["error"]
    refused = api(site, "POST", path + "/accounts", alice, data={})
    assert refused.status_code == 422 and "account_ids" in refused.json()["error"]
    for bad in ("abc", "99999999999999999999", "123"):
        assert api(site, "GET", f"/api/v1/lists/{bad}", alice).json() == NOT_FOUND
        assert api(site, "GET", f"/api/v1/timelines/list/{bad}", alice).status_code == 404
    assert api(site, "GET", "/api/v1/accounts/123/lists", alice).status_code == 404


def test_scopes(site: Site) -> None:
    reader = token_for(site, "alice", "read:lists")
    assert api(site, "GET", "/api/v1/lists", reader).status_code == 200
    assert api(site, "POST", "/api/v1/lists", reader, data={"title": "x"}).status_code == 403
    statuses_only = token_for(site, "bob", "read:statuses")
    assert api(site, "GET", "/api/v1/lists", statuses_only).status_code == 403
    assert api(site, "GET", "/api/v1/lists", {}).status_code == 401


def test_members(site: Site) -> None:
    alice, bob, carol = (token_for(site, n) for n in ("alice", "bob", "carol"))
    bob_id, carol_id = me(site, bob), me(site, carol)
    made = api(site, "POST", "/api/v1/lists", alice, data={"title": "Friends"}).json()
    path = f"/api/v1/lists/{made['id']}/accounts"
    # Only accounts Alice follows: Mastodon refuses others; an unknown one is not found.
    refused = api(site, "POST", path, alice, data={"account_ids[]": bob_id})
    assert refused.status_code == 422 and "account_ids" in refused.json()["error"]
    assert api(site, "POST", path, alice,
               data={"account_ids[]": "123456789"}).status_code == 404
    for who in (bob_id, carol_id):
        api(site, "POST", f"/api/v1/accounts/{who}/follow", alice)
    assert api(site, "POST", path, alice,
               data={"account_ids[]": [bob_id, carol_id]}).json() == {}
    assert api(site, "POST", path, alice, json={"account_ids": [bob_id]}).status_code == 200
    listed = api(site, "GET", path, alice).json()
    assert {a["id"] for a in listed} == {bob_id, carol_id}
    first = api(site, "GET", path, alice, params={"limit": 1})
    assert len(first.json()) == 1 and 'rel="next"' in first.headers["link"]
    rest = first.headers["link"].split(">")[0].lstrip("<").replace("http://testserver", "")
    assert len(api(site, "GET", rest, alice).json()) == 1
    assert len(api(site, "GET", path, alice, params={"limit": 0}).json()) == 2

    held = api(site, "GET", f"/api/v1/accounts/{bob_id}/lists", alice).json()
    assert [x["id"] for x in held] == [made["id"]]
    assert api(site, "GET", f"/api/v1/accounts/{bob_id}/lists", bob).json() == []

    # As masto.js sends it (a JSON body on DELETE), and as Mastodon's web app (the query).
    assert api(site, "DELETE", path, alice, json={"account_ids": [bob_id]}).json() == {}
    api(site, "DELETE", path, alice, params={"account_ids[]": carol_id})
    assert api(site, "GET", path, alice).json() == []


def _post(site: Site, who: dict[str, str], text: str, **more: Any) -> str:
    return str(api(site, "POST", "/api/v1/statuses", who,
                   data={"status": text, **more}).json()["id"])


def test_list_timeline_and_exclusive_home(site: Site) -> None:
    alice, bob, carol = (token_for(site, n) for n in ("alice", "bob", "carol"))
    bob_id, carol_id = me(site, bob), me(site, carol)
    for who in (bob_id, carol_id):
        api(site, "POST", f"/api/v1/accounts/{who}/follow", alice)
    site.run_jobs()
    made = api(site, "POST", "/api/v1/lists", alice,
               data={"title": "Bob", "exclusive": "true"}).json()
    api(site, "POST", f"/api/v1/lists/{made['id']}/accounts", alice,
        data={"account_ids[]": bob_id})
    bobs = [_post(site, bob, f"bob {v}", visibility=v)
            for v in ("public", "unlisted", "private")]
    _post(site, bob, "@alice just us", visibility="direct")
    carols = _post(site, carol, "carol")
    site.run_jobs()
    path = f"/api/v1/timelines/list/{made['id']}"
    page = api(site, "GET", path, alice)
    assert [s["id"] for s in page.json()] == bobs[::-1]
    assert page.json()[0]["account"]["id"] == bob_id
    first = api(site, "GET", path, alice, params={"limit": 2})
    assert [s["id"] for s in first.json()] == bobs[:0:-1]
    assert 'rel="next"' in first.headers["link"] and 'rel="prev"' in first.headers["link"]
    after = first.headers["link"].split(">")[0].lstrip("<").replace("http://testserver", "")
    assert [s["id"] for s in api(site, "GET", after, alice).json()] == [bobs[0]]
    # Exclusive: Bob's posts are in the list only.
    home = [s["id"] for s in api(site, "GET", "/api/v1/timelines/home", alice).json()]
    assert carols in home and not set(bobs) & set(home)
    api(site, "PUT", f"/api/v1/lists/{made['id']}", alice, data={"exclusive": "false"})
    home = [s["id"] for s in api(site, "GET", "/api/v1/timelines/home", alice).json()]
    assert set(bobs) <= set(home)
