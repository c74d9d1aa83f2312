"""Feeds from a sentence through the API: /api/v1/salon/feeds (make, change, follow, pin,
read), their timelines paged as Mastodon pages, a private feed's 404s, and the feeds and
For you as lists in /api/v1/lists, also read by Mastodon.py from a real server."""

from __future__ import annotations

import time
from typing import Any

import httpx
from mastodon import Mastodon

from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import PASSWORD, Site

FEEDS = "/api/v1/salon/feeds"
FOX = "a fox painted in watercolour on a snowy hill"
DEER = "a deer in a snowy forest, watercolour"
RABBIT = "watercolor painting of a rabbit in winter"
STREET = "a city street at night"
FOR_YOU = {"id": "1", "title": "For you", "replies_policy": "none", "exclusive": False}


def post(site: Site, who: dict[str, str], text: str, **kw: Any) -> str:
    made = api(site, "POST", "/api/v1/statuses", who, data={"status": text, **kw})
    assert made.status_code == 200, made.text
    return str(made.json()["id"])


def next_link(response: Any) -> str | None:
    for part in response.headers.get("link", "").split(","):
        if 'rel="next"' in part:
            return part.split(">")[0].strip().lstrip("<").replace("http://testserver", "")
    return None


def test_make_change_follow_pin_and_delete(site: Site) -> None:
    ada, bob = token_for(site, "ada"), token_for(site, "bob")
    made = api(site, "POST", FEEDS, bob, data={"sentence": "watercolor animals in snow",
                                               "public": "true", "pinned": "true"})
    assert made.status_code == 200, made.text
    feed = made.json()
    assert {k: feed[k] for k in ("title", "sentence", "order", "public", "followers_count",
                                 "owned", "following", "pinned")} == {
        "title": "watercolor animals in snow", "sentence": "watercolor animals in snow",
        "order": "newest", "public": True, "followers_count": 0, "owned": True,
        "following": True, "pinned": True}
    assert feed["account"]["username"] == "bob"
    assert feed["url"].endswith(f"/feeds/{feed['id']}")
    path = f"{FEEDS}/{feed['id']}"

    changed = api(site, "PUT", path, bob, json={"title": "Snowy", "order": "best"}).json()
    assert (changed["title"], changed["order"], changed["sentence"]) == (
        "Snowy", "best", "watercolor animals in snow")
    assert api(site, "GET", path, {}).json()["title"] == "Snowy"  # public: anyone reads it
    refused = api(site, "PUT", path, ada, json={"title": "mine"})
    assert refused.status_code == 403

    followed = api(site, "POST", path + "/follow", ada).json()
    assert (followed["following"], followed["pinned"], followed["owned"],
            followed["followers_count"]) == (True, False, False, 1)
    assert api(site, "POST", path + "/pin", ada).json()["pinned"] is True
    assert [f["id"] for f in api(site, "GET", FEEDS, ada).json()] == [feed["id"]]
    assert api(site, "POST", path + "/unpin", ada).json()["pinned"] is False
    left = api(site, "POST", path + "/unfollow", ada).json()
    assert (left["following"], left["followers_count"]) == (False, 0)
    assert api(site, "GET", FEEDS, ada).json() == []
    own = api(site, "POST", path + "/follow", bob)
    assert own.status_code == 422 and "your own" in own.json()["error"]

    assert api(site, "DELETE", path, ada).status_code == 403
    assert api(site, "DELETE", path, bob).json() == {}
    assert api(site, "GET", path, bob).status_code == 404


def test_bad_input_names_the_field_and_scopes_are_kept(site: Site) -> None:
    bob = token_for(site, "bob")
    for data, field in (({}, "sentence"), ({"sentence": " "}, "sentence"),
                        ({"sentence": "x" * 301}, "sentence"),
                        ({"sentence": "no people"}, "sentence"),
                        ({"sentence": "cats", "order": "random"}, "order"),
                        ({"sentence": "cats", "public": "maybe"}, "public"),
                        ({"sentence": "cats", "title": "t" * 101}, "title")):
        refused = api(site, "POST", FEEDS, bob, data=data)
        assert refused.status_code == 422, data
        assert refused.json()["error"].startswith(field), refused.json()
    reader = token_for(site, "cy", "read:lists")
    assert api(site, "GET", FEEDS, reader).status_code == 200
    assert api(site, "POST", FEEDS, reader, data={"sentence": "cats"}).status_code == 403
    assert api(site, "GET", FEEDS, {}).status_code == 401
    for bad in ("abc", "99999999999999999999", "123"):
        assert api(site, "GET", f"{FEEDS}/{bad}", bob).status_code == 404
        assert api(site, "GET", f"{FEEDS}/{bad}/statuses", bob).status_code == 404


def test_a_private_feed_is_not_found_by_anyone_else(site: Site) -> None:
    ada, bob = token_for(site, "ada"), token_for(site, "bob")
    feed = api(site, "POST", FEEDS, bob, data={"sentence": "cities at night"}).json()
    assert feed["public"] is False
    path = f"{FEEDS}/{feed['id']}"
    for who in (ada, {}):
        for method, sub in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/follow"),
                            ("POST", "/pin"), ("GET", "/statuses")):
            refused = api(site, method, path + sub, who, json={"title": "x"})
            # Anonymous writes need a token first (401); every other answer is 404.
            expected = 401 if not who and method != "GET" else 404
            assert refused.status_code == expected, (method, sub, who)
        for list_path in (f"/api/v1/lists/{feed['id']}",
                          f"/api/v1/timelines/list/{feed['id']}"):
            assert api(site, "GET", list_path, who).status_code == (404 if who else 401)
    assert api(site, "GET", path + "/statuses", bob).status_code == 200


def test_a_feeds_timeline_pages_with_link_headers(site: Site) -> None:
    ada, bob = token_for(site, "ada"), token_for(site, "bob")
    ids = [post(site, ada, text) for text in (RABBIT, STREET, DEER, FOX)]
    post(site, ada, FOX + " for friends", visibility="private")
    site.run_jobs()
    newest = api(site, "POST", FEEDS, bob, data={"sentence": "watercolor animals in snow",
                                                 "public": "true"}).json()
    best = api(site, "POST", FEEDS, bob, data={"sentence": "watercolor animals in snow",
                                               "order": "best"}).json()
    expected = {newest["id"]: [ids[3], ids[2], ids[0]], best["id"]: [ids[0], ids[3], ids[2]]}
    for feed_id, whole in expected.items():
        seen: list[str] = []
        url: str | None = f"{FEEDS}/{feed_id}/statuses?limit=2"
        while url:
            page = api(site, "GET", url, bob)
            assert page.status_code == 200, page.text
            seen += [s["id"] for s in page.json()]
            url = next_link(page)
            assert len(seen) < 10
        assert seen == whole, feed_id
    # Anyone reads a public feed's posts; a token presented must allow reading statuses.
    anonymous = api(site, "GET", f"{FEEDS}/{newest['id']}/statuses", {}).json()
    assert [s["id"] for s in anonymous] == expected[newest["id"]]
    no_read = token_for(site, "cy", "write:statuses")
    assert api(site, "GET", f"{FEEDS}/{newest['id']}/statuses", no_read).status_code == 403


def test_feeds_and_for_you_are_lists(site: Site) -> None:
    ada, bob = token_for(site, "ada"), token_for(site, "bob")
    fox = post(site, ada, FOX)
    post(site, ada, STREET)
    site.run_jobs()
    own = api(site, "POST", FEEDS, bob, data={"sentence": "watercolor animals in snow"}).json()
    shared = api(site, "POST", FEEDS, ada, data={"sentence": "cities at night",
                                                 "public": "true"}).json()
    unfollowed = api(site, "POST", FEEDS, ada, data={"sentence": "cats", "public": "true"})
    ordinary = api(site, "POST", "/api/v1/lists", bob, data={"title": "Friends"}).json()
    api(site, "POST", f"{FEEDS}/{shared['id']}/follow", bob)
    as_list = {"replies_policy": "none", "exclusive": False}
    assert api(site, "GET", "/api/v1/lists", bob).json() == [
        FOR_YOU, ordinary,
        {"id": own["id"], "title": own["title"], **as_list},
        {"id": shared["id"], "title": shared["title"], **as_list}]
    assert api(site, "GET", "/api/v1/lists/1", bob).json() == FOR_YOU
    assert api(site, "GET", f"/api/v1/lists/{own['id']}", bob).json()["title"] == own["title"]
    # Another's public feed not followed is no list of Bob's.
    assert api(site, "GET", f"/api/v1/lists/{unfollowed.json()['id']}", bob).status_code == 404

    for list_id, words in (("1", "built in"), (own["id"], "feed from a sentence"),
                           (shared["id"], "edit it in Salon")):
        path = f"/api/v1/lists/{list_id}"
        for method, sub in (("PUT", ""), ("DELETE", ""), ("POST", "/accounts"),
                            ("DELETE", "/accounts")):
            refused = api(site, method, path + sub, bob,
                          data={"title": "x", "account_ids[]": "1"})
            assert refused.status_code == 422, (list_id, method, sub)
            assert words in refused.json()["error"]
        # An app opening it as a list reads no members (its list editor shows none).
        assert api(site, "GET", path + "/accounts", bob).json() == []

    page = api(site, "GET", f"/api/v1/timelines/list/{own['id']}", bob)
    assert [s["id"] for s in page.json()] == [fox]
    assert "Record not found" in api(site, "GET", "/api/v1/lists/2", bob).text


def test_the_for_you_list_is_for_yous_timeline(site: Site) -> None:
    ada, bob = token_for(site, "ada"), token_for(site, "bob")
    posted = post(site, ada, "hello from ada")
    ada_id = api(site, "GET", "/api/v1/accounts/lookup", ada, params={"acct": "ada"}).json()
    api(site, "POST", f"/api/v1/accounts/{ada_id['id']}/follow", bob)
    site.run_jobs()
    listed = api(site, "GET", "/api/v1/timelines/list/1", bob)
    direct = api(site, "GET", "/api/v1/timelines/for_you", bob)
    assert listed.status_code == direct.status_code == 200
    assert posted in [s["id"] for s in listed.json()]
    assert [s["id"] for s in listed.json()] == [s["id"] for s in direct.json()]


def _eventually(fn: Any, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := fn()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.2)
    return result


def test_mastodon_py_reads_feeds_as_lists(server: str) -> None:
    app = Mastodon.create_app("Mastodon.py feeds", api_base_url=server,
                              scopes=["read", "write", "follow"])
    people = []
    for name in ("feedada", "feedbob"):
        person = Mastodon(client_id=app[0], client_secret=app[1], api_base_url=server)
        person.create_account(name, PASSWORD, f"{name}@example.com", agreement=True,
                              scopes=["read", "write", "follow"])
        people.append(person)
    ada, bob = people
    posted = [ada.status_post(text)["id"] for text in (RABBIT, STREET, DEER, FOX)]
    headers = {"Authorization": f"Bearer {bob.access_token}"}
    feeds = {}
    for order in ("newest", "best"):
        made = httpx.post(server + FEEDS, headers=headers,
                          data={"sentence": "watercolor animals in snow", "order": order,
                                "title": f"Snow, {order}"})
        assert made.status_code == 200, made.text
        feeds[order] = made.json()["id"]

    lists = bob.lists()
    assert [x["title"] for x in lists] == ["For you", "Snow, newest", "Snow, best"]
    assert str(bob.list(feeds["best"])["id"]) == feeds["best"]
    expected = {"newest": [posted[3], posted[2], posted[0]],
                "best": [posted[0], posted[3], posted[2]]}
    for order, feed_id in feeds.items():
        # The server's worker embeds the posts: until it has, the feed is shorter.
        first = _eventually(lambda f=feed_id: (p := bob.timeline_list(f, limit=2))
                            and len(bob.fetch_remaining(p)) == 3 and p)
        seen = [s["id"] for s in first]
        page = bob.fetch_next(first)
        while page:
            seen += [s["id"] for s in page]
            page = bob.fetch_next(page)
        assert seen == expected[order], order
