"""The API's endpoints through the real app, with tokens as apps get them."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.media.store import absolute_url
from salon.oauth import service as oauth
from tests.conftest import Site, fetch_media


def token_for(site: Site, username: str, scopes: str = "read write follow") -> dict[str, str]:
    """A signed-up person and a bearer token of an app for them, as after an OAuth login."""
    site.user(username)

    async def issue(session: AsyncSession) -> str:
        app = await oauth.create_app(session, "tests", "urn:ietf:wg:oauth:2.0:oob",
                                     "read write follow push")
        account = await accounts.get_by_username(session, username)
        return (await oauth.issue_for(session, app, account, scopes.split())).access_token

    return {"Authorization": f"Bearer {site.call(issue)}"}


def api(site: Site, method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
    response = site.anon.client.request(method, path, headers=headers, **kw)
    assert response.status_code < 500, response.text
    return response


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (9, 9, 9)).save(buffer, "PNG")
    return buffer.getvalue()


def test_post_read_and_page_statuses(site: Site) -> None:
    alice = token_for(site, "alice")
    posted = api(site, "POST", "/api/v1/statuses", alice,
                 data={"status": "Hello #api", "visibility": "public"}).json()
    assert posted["content"].startswith("<p>Hello") and posted["tags"][0]["name"] == "api"
    assert posted["favourited"] is False and posted["account"]["username"] == "alice"
    for n in range(5):
        api(site, "POST", "/api/v1/statuses", alice, json={"status": f"n{n}"})
    first = api(site, "GET", "/api/v1/timelines/home", alice, params={"limit": 3})
    assert len(first.json()) == 3 and 'rel="next"' in first.headers["link"]
    next_url = first.headers["link"].split(">")[0].lstrip("<").replace("http://testserver", "")
    second = api(site, "GET", next_url, alice).json()
    assert len(second) == 3
    assert not {s["id"] for s in first.json()} & {s["id"] for s in second}
    assert api(site, "GET", f"/api/v1/statuses/{posted['id']}", {}).json()["id"] == posted["id"]
    assert "favourited" not in api(site, "GET", f"/api/v1/statuses/{posted['id']}", {}).json()
    assert api(site, "GET", "/api/v1/statuses/abc", {}).status_code == 404
    assert api(site, "GET", "/api/v1/statuses/99999999999999999999", {}).status_code == 404


def test_errors_look_like_mastodons(site: Site) -> None:
    alice = token_for(site, "alice")
    empty = api(site, "POST", "/api/v1/statuses", alice, data={"status": ""})
    assert empty.status_code == 422 and "error" in empty.json()
    reader = token_for(site, "bob", "read")
    refused = api(site, "POST", "/api/v1/statuses", reader, data={"status": "hi"})
    assert refused.status_code == 403
    assert api(site, "POST", "/api/v1/statuses", {}, data={"status": "hi"}).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert api(site, "GET", "/api/v1/timelines/home", bad).json() == {
        "error": "The access token is invalid"}


def test_idempotency_key(site: Site) -> None:
    alice = token_for(site, "alice")
    key = {**alice, "Idempotency-Key": "abc-123"}
    first = api(site, "POST", "/api/v1/statuses", key, data={"status": "once"}).json()
    again = api(site, "POST", "/api/v1/statuses", key, data={"status": "once"}).json()
    assert first["id"] == again["id"]
    statuses = api(site, "GET", f"/api/v1/accounts/{first['account']['id']}/statuses", alice)
    assert [s["content"] for s in statuses.json()].count("<p>once</p>") == 1


def test_private_posts_do_not_leak_through_the_api(site: Site) -> None:
    alice = token_for(site, "alice")
    stranger = token_for(site, "eve")
    secret = api(site, "POST", "/api/v1/statuses", alice,
                 data={"status": "followers only", "visibility": "private"}).json()
    site.run_jobs()
    for headers in ({}, stranger):
        assert api(site, "GET", f"/api/v1/statuses/{secret['id']}", headers).status_code == 404
        statuses = api(site, "GET", f"/api/v1/accounts/{secret['account']['id']}/statuses",
                       headers).json()
        assert secret["id"] not in {s["id"] for s in statuses}
        public = api(site, "GET", "/api/v1/timelines/public", headers).json()
        assert secret["id"] not in {s["id"] for s in public}
    liked = api(site, "POST", f"/api/v1/statuses/{secret['id']}/favourite", stranger)
    assert liked.status_code == 404


def test_media_polls_search_and_profile(site: Site) -> None:
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")
    media = api(site, "POST", "/api/v2/media", alice,
                files={"file": ("a.png", _png(), "image/png")}, data={"description": "dark"})
    assert media.status_code == 200 and media.json()["meta"]["original"]["width"] == 20
    changed = api(site, "PUT", f"/api/v1/media/{media.json()['id']}", alice,
                  data={"description": "very dark"}).json()
    assert changed["description"] == "very dark"
    not_mine = api(site, "GET", f"/api/v1/media/{media.json()['id']}", bob)
    assert not_mine.status_code == 404
    junk = api(site, "POST", "/api/v2/media", alice, files={"file": ("a.txt", b"hi", "text/plain")})
    assert junk.status_code == 422

    poll = api(site, "POST", "/api/v1/statuses", alice, data={
        "status": "Tea or coffee?", "poll[options][]": ["Tea", "Coffee"],
        "poll[expires_in]": "3600"}).json()["poll"]
    voted = api(site, "POST", f"/api/v1/polls/{poll['id']}/votes", bob,
                data={"choices[]": ["1"]}).json()
    assert voted["voted"] is True and voted["options"][1]["votes_count"] == 1
    twice = api(site, "POST", f"/api/v1/polls/{poll['id']}/votes", bob, data={"choices[]": ["0"]})
    assert twice.status_code == 422

    found = api(site, "GET", "/api/v2/search", bob, params={"q": "tea"}).json()
    assert [s["id"] for s in found["statuses"]] and found["accounts"] == []
    people = api(site, "GET", "/api/v2/search", bob, params={"q": "ali", "type": "accounts"})
    assert [a["username"] for a in people.json()["accounts"]] == ["alice"]

    me = api(site, "PATCH", "/api/v1/accounts/update_credentials", alice,
             data={"display_name": "Alice A.", "note": "Hi <script>x</script>"},
             files={"avatar": ("a.png", _png(), "image/png")}).json()
    assert me["display_name"] == "Alice A." and "<script>" not in me["note"]
    media_base = absolute_url(site.app.state.store, "public/k", site.settings.base_url)[:-1]
    assert me["avatar"].startswith(media_base)
    assert fetch_media(site.anon.client, me["avatar"]).status_code == 200
    alice_id = me["id"]
    api(site, "POST", f"/api/v1/accounts/{alice_id}/follow", bob)
    followers = api(site, "GET", f"/api/v1/accounts/{alice_id}/followers", {}).json()
    assert [a["username"] for a in followers] == ["bob"]
    relationship = api(site, "GET", "/api/v1/accounts/relationships", bob,
                       params={"id[]": [alice_id]}).json()
    assert relationship[0]["following"] is True


def test_notifications_and_markers(site: Site) -> None:
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")
    me = api(site, "GET", "/api/v1/accounts/verify_credentials", alice).json()
    api(site, "POST", f"/api/v1/accounts/{me['id']}/follow", bob)
    site.run_jobs()
    notes = api(site, "GET", "/api/v1/notifications", alice).json()
    assert [n["type"] for n in notes] == ["follow"]
    only_likes = api(site, "GET", "/api/v1/notifications", alice,
                     params={"types[]": ["favourite"]}).json()
    assert only_likes == []
    marker = api(site, "POST", "/api/v1/markers", alice,
                 data={"notifications[last_read_id]": notes[0]["id"],
                       "home[last_read_id]": "12345"}).json()
    assert marker["notifications"]["last_read_id"] == notes[0]["id"]
    assert marker["home"]["last_read_id"] == "12345" and marker["home"]["version"] == 1
    read = api(site, "GET", "/api/v1/markers", alice, params={"timeline[]": ["home"]}).json()
    assert list(read) == ["home"] and read["home"]["last_read_id"] == "12345"
    json_body = api(site, "POST", "/api/v1/markers", alice,
                    json={"home": {"last_read_id": "12346"}}).json()
    assert json_body["home"]["version"] == 2
    api(site, "POST", f"/api/v1/notifications/{notes[0]['id']}/dismiss", alice)
    assert api(site, "GET", "/api/v1/notifications", alice).json() == []


def test_who_liked_reposted_and_familiar_followers(site: Site) -> None:
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")
    carol = token_for(site, "carol")
    posted = api(site, "POST", "/api/v1/statuses", alice, data={"status": "like me"}).json()
    api(site, "POST", f"/api/v1/statuses/{posted['id']}/favourite", bob)
    api(site, "POST", f"/api/v1/statuses/{posted['id']}/reblog", carol)
    likers = api(site, "GET", f"/api/v1/statuses/{posted['id']}/favourited_by", {}).json()
    assert [a["username"] for a in likers] == ["bob"]
    reposters = api(site, "GET", f"/api/v1/statuses/{posted['id']}/reblogged_by", {}).json()
    assert [a["username"] for a in reposters] == ["carol"]

    alice_id = posted["account"]["id"]
    bob_id = api(site, "GET", "/api/v1/accounts/verify_credentials", bob).json()["id"]
    api(site, "POST", f"/api/v1/accounts/{alice_id}/follow", bob)
    followed = api(site, "POST", f"/api/v1/accounts/{bob_id}/follow", carol,
                   data={"reblogs": "false"}).json()
    assert followed["following"] is True
    familiar = api(site, "GET", "/api/v1/accounts/familiar_followers", carol,
                   params={"id[]": [alice_id]}).json()
    assert familiar == [{"id": alice_id, "accounts": [familiar[0]["accounts"][0]]}]
    assert familiar[0]["accounts"][0]["username"] == "bob"
    found = api(site, "GET", "/api/v1/accounts/search", {}, params={"q": "car"}).json()
    assert [a["username"] for a in found] == ["carol"]


def test_pins_tagged_and_trending_statuses(site: Site) -> None:
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")
    first = api(site, "POST", "/api/v1/statuses", alice, data={"status": "first #art"}).json()
    api(site, "POST", "/api/v1/statuses", alice, data={"status": "second"})
    alice_id = first["account"]["id"]
    pinned = api(site, "POST", f"/api/v1/statuses/{first['id']}/pin", alice).json()
    assert pinned["pinned"] is True
    listed = api(site, "GET", f"/api/v1/accounts/{alice_id}/statuses", {},
                 params={"pinned": "true"}).json()
    assert [s["id"] for s in listed] == [first["id"]]
    not_hers = api(site, "POST", f"/api/v1/statuses/{first['id']}/pin", bob)
    assert not_hers.status_code == 422
    api(site, "POST", f"/api/v1/statuses/{first['id']}/unpin", alice)
    assert api(site, "GET", f"/api/v1/accounts/{alice_id}/statuses", {},
               params={"pinned": "true"}).json() == []

    tagged = api(site, "GET", f"/api/v1/accounts/{alice_id}/statuses", {},
                 params={"tagged": "art"}).json()
    assert [s["id"] for s in tagged] == [first["id"]]

    assert api(site, "GET", "/api/v1/trends/statuses", {}).json() == []
    api(site, "POST", f"/api/v1/statuses/{first['id']}/favourite", bob)
    trending = api(site, "GET", "/api/v1/trends/statuses", {}).json()
    assert [s["id"] for s in trending] == [first["id"]]


def test_start_up_endpoints_apps_ask_for(site: Site) -> None:
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")
    bob_id = api(site, "GET", "/api/v1/accounts/verify_credentials", bob).json()["id"]
    api(site, "POST", f"/api/v1/accounts/{bob_id}/block", alice)
    blocked = api(site, "GET", "/api/v1/blocks", alice).json()
    assert [a["username"] for a in blocked] == ["bob"]
    assert api(site, "GET", "/api/v1/mutes", alice).json() == []
    for path in ("/api/v1/custom_emojis", "/api/v1/filters", "/api/v2/filters",
                 "/api/v1/announcements", "/api/v1/follow_requests"):
        answer = api(site, "GET", path, alice)
        assert (answer.status_code, answer.json()) == (200, []), path
    # Lists start with the built-in For you (tests/api/mastodon/test_sentence_feeds.py).
    assert [x["id"] for x in api(site, "GET", "/api/v1/lists", alice).json()] == ["1"]
    assert api(site, "GET", "/api/v1/lists", {}).status_code == 401
    prefs = api(site, "GET", "/api/v1/preferences", alice).json()
    assert prefs["posting:default:visibility"] == "public"


def test_follow_with_notify_tells_of_new_posts(site: Site) -> None:
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")
    alice_id = api(site, "GET", "/api/v1/accounts/verify_credentials", alice).json()["id"]
    rel = api(site, "POST", f"/api/v1/accounts/{alice_id}/follow", bob,
              data={"notify": "true", "reblogs": "false"}).json()
    assert rel["notifying"] is True and rel["showing_reblogs"] is False
    posted = api(site, "POST", "/api/v1/statuses", alice, data={"status": "ding"}).json()
    api(site, "POST", "/api/v1/statuses", alice,
        data={"status": "only for me", "visibility": "direct"})
    site.run_jobs()
    notes = api(site, "GET", "/api/v1/notifications", bob).json()
    assert [(n["type"], n["status"]["id"]) for n in notes] == [("status", posted["id"])]
